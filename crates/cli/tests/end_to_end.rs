//! End to end (issue #4): what feature parity buys. A model trained on the GTZAN table minus
//! the 50 shared clips must give each of those clips the same genre whether it reads the
//! clip's row of the table or the features genrekit extracts from the clip's audio: on at
//! least 98 % of them.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod util;

use std::collections::HashSet;

use genrekit_audio::{DecodeOptions, SnippetOptions};
use genrekit_classify::{Dataset, Model};
use genrekit_features::{FeatureExtractor, TABLE_COLUMNS, extract_track, feature_names};
use rayon::prelude::*;

#[test]
fn audio_features_and_table_rows_give_the_same_genres() {
    let Some(shared) = util::shared_data() else {
        return;
    };
    let table = shared.join("gtzan/features_30_sec.csv");
    let mut clips: Vec<_> = std::fs::read_dir(shared.join("gtzan/genres"))
        .unwrap()
        .flat_map(|g| std::fs::read_dir(g.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path())
        .collect();
    clips.sort();
    assert_eq!(clips.len(), 50);
    let names: HashSet<String> = clips
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();

    // The shipped model's settings, trained without the 50 clips.
    let shipped = Model::load(&util::repo_root().join("models/default.json")).unwrap();
    let train = Dataset::read_tables(&[&table], &names).unwrap();
    assert_eq!(train.len(), 950);
    let model = Model::train(&train, shipped.settings()).unwrap();

    // The 50 clips' own rows of the table.
    let all = Dataset::read_tables(&[&table], &HashSet::new()).unwrap();
    let columns = all.feature_names().to_vec();
    assert_eq!(columns, TABLE_COLUMNS.map(String::from).to_vec());

    let extracted: Vec<Vec<f32>> = clips
        .par_iter()
        .map_init(
            || FeatureExtractor::new(22050),
            |extractor, path| {
                let track = extract_track(
                    path,
                    &DecodeOptions::default(),
                    &SnippetOptions::default(),
                    extractor,
                )
                .unwrap();
                assert_eq!(track.snippets.len(), 1, "a GTZAN clip is one snippet");
                track.snippets[0].values.clone()
            },
        )
        .collect();

    let (mut agree, mut right_table, mut right_audio) = (0, 0, 0);
    for (path, audio) in clips.iter().zip(&extracted) {
        let name = path.file_name().unwrap().to_string_lossy();
        let row = all.rows().iter().find(|r| r.track == name).unwrap();
        let row_f32: Vec<f32> = row.features.iter().map(|&v| v as f32).collect();
        let from_table = model.predict_track(&[row_f32], &columns).unwrap();
        let from_audio = model.predict_track(&[audio], feature_names()).unwrap();
        agree += usize::from(from_table.genre == from_audio.genre);
        right_table += usize::from(from_table.genre == row.label);
        right_audio += usize::from(from_audio.genre == row.label);
        if from_table.genre != from_audio.genre {
            eprintln!(
                "{name}: table row says {}, audio says {}",
                from_table.genre, from_audio.genre
            );
        }
    }
    eprintln!(
        "agreement {agree}/50; accuracy on the held-out clips: table rows {right_table}/50, audio {right_audio}/50"
    );
    assert!(agree >= 49, "only {agree}/50 predictions agree (need 98 %)");
}
