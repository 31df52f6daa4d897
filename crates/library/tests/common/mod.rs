//! Builders of plain test records shared by the integration tests.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use genrekit_library::{
    AnalyzedTrack, AudioInfo, FailedTrack, FeatureSchema, FileState, Prediction, Snippet, Tags,
};

/// Number of features in test vectors (the GTZAN table's 57).
pub const N_FEATURES: usize = 57;

/// A schema with `N_FEATURES` names `f0..`.
pub fn schema(version: u32) -> FeatureSchema {
    FeatureSchema::new(version, (0..N_FEATURES).map(|i| format!("f{i}")))
}

/// A file state for `path` with the given size, mtime and no hash.
pub fn file(path: &Path, size: u64, mtime_ns: i64) -> FileState {
    FileState {
        path: path.to_path_buf(),
        size,
        mtime_ns,
        hash: None,
    }
}

/// A prediction of `genre` with confidence 0.75 for `snippets` snippets.
pub fn prediction(model: &str, genre: &str, snippets: usize) -> Prediction {
    let probs: BTreeMap<String, f32> = [(genre.to_string(), 0.75), ("other".to_string(), 0.25)]
        .into_iter()
        .collect();
    Prediction {
        model_id: model.to_string(),
        genre: genre.to_string(),
        confidence: 0.75,
        margin: 0.5,
        probabilities: probs.clone(),
        snippets: vec![probs; snippets],
    }
}

/// An analyzed track with `snippets` 30-s snippets whose features are `seed + i*0.5 + j`.
pub fn analyzed(file: FileState, snippets: usize, genre: Option<&str>, seed: f32) -> AnalyzedTrack {
    AnalyzedTrack {
        file,
        audio: AudioInfo {
            duration_s: 30.0 * snippets as f64,
            sample_rate: 44100,
            channels: 2,
            codec: "mp3".into(),
        },
        tags: Tags {
            title: Some("Title".into()),
            artist: Some("Artist".into()),
            album: None,
            genre: Some("Tagged".into()),
        },
        snippets: (0..snippets)
            .map(|i| Snippet {
                start_s: 30.0 * i as f64,
                end_s: 30.0 * (i + 1) as f64,
                n_samples: 661_500,
                features: (0..N_FEATURES)
                    .map(|j| seed + i as f32 * 0.5 + j as f32)
                    .collect(),
            })
            .collect(),
        prediction: genre.map(|g| prediction("knn-v1", g, snippets)),
    }
}

/// A failed track of kind `kind`.
pub fn failed(file: FileState, kind: &str) -> FailedTrack {
    FailedTrack {
        file,
        kind: kind.into(),
        message: format!("{kind}: could not decode"),
    }
}
