//! `genrekit features`: the GTZAN table's columns for audio files, as CSV or JSON.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod util;

use util::{Dir, fixture, shared_data};

/// The row of `blues.00000.wav` in the public GTZAN table, as (column, value) pairs.
fn table_row(shared: &std::path::Path) -> Vec<(String, String)> {
    let table = std::fs::read_to_string(shared.join("gtzan/features_30_sec.csv")).unwrap();
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row = lines.find(|l| l.starts_with("blues.00000.wav,")).unwrap();
    header
        .iter()
        .zip(row.split(','))
        .map(|(h, v)| (h.to_string(), v.to_string()))
        .collect()
}

#[test]
fn csv_reproduces_the_table_row_of_a_gtzan_clip() {
    let Some(shared) = shared_data() else { return };
    let clip = shared.join("gtzan/genres/blues/blues.00000.wav");
    let out = Dir::new()
        .cmd(["features".as_ref(), clip.as_os_str()])
        .stdout();
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let values: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(lines.next(), None, "one row per file");
    let table = table_row(&shared);
    // The table's columns, in its order, then the extras (the table ends with `label`).
    for (i, (name, expected)) in table.iter().enumerate().take(59) {
        assert_eq!(header[i], name, "column {i}");
        if i == 0 {
            assert_eq!(values[0], "blues.00000.wav");
            continue;
        }
        let (ours, theirs): (f64, f64) = (values[i].parse().unwrap(), expected.parse().unwrap());
        // The CSV prints f32 (7 significant digits); harmony/perceptr means are tiny
        // numbers that librosa's own recipe reproduces only to ~1e-5 absolute.
        let tol = if name.starts_with("harmony") || name.starts_with("perceptr") {
            1e-4
        } else {
            1e-5 * theirs.abs().max(1e-3)
        };
        assert!(
            (ours - theirs).abs() <= tol,
            "{name}: {ours} vs table {theirs}"
        );
    }
    assert!(header.len() > 59, "extra columns follow the table's");
    assert!(header.contains(&"spectral_contrast1_mean") && header.contains(&"tonnetz6_var"));
}

#[test]
fn per_snippet_rows_and_json() {
    let file = fixture("audio/tone_stereo_44100.flac");
    let dir = Dir::new();
    let csv = dir
        .cmd([
            "features".as_ref(),
            "--per-snippet".as_ref(),
            file.as_os_str(),
        ])
        .stdout();
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with("filename,snippet,start_s,length,chroma_stft_mean,"),
        "{header}"
    );
    assert_eq!(csv.lines().count(), 2, "a short file is one snippet");

    let json = dir
        .cmd([
            "features".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            file.as_os_str(),
        ])
        .stdout();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let first = &v[0];
    assert_eq!(first["filename"], "tone_stereo_44100.flac");
    assert!(first["features"]["mfcc1_mean"].is_number());
    assert!(
        first.get("snippets").is_none(),
        "snippets only with --per-snippet"
    );
}

#[test]
fn a_bad_file_among_good_ones_is_reported_and_the_rest_analyzed() {
    let good = fixture("audio/tone1k_mono_22050_s16.wav");
    let bad = fixture("bad/text.wav");
    let ran = Dir::new()
        .cmd(["features".as_ref(), good.as_os_str(), bad.as_os_str()])
        .run();
    assert_eq!(
        ran.code,
        Some(3),
        "some files failed: exit 3\n{}",
        ran.stderr
    );
    assert_eq!(
        ran.stdout.lines().count(),
        2,
        "header and the good file's row"
    );
    assert!(ran.stdout.contains("tone1k_mono_22050_s16.wav"));
    let errors: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(errors.len(), 1, "one line per bad file: {errors:?}");
    assert!(
        errors[0].contains("text.wav"),
        "the line names the file: {}",
        errors[0]
    );

    let ran = Dir::new().cmd(["features".as_ref(), bad.as_os_str()]).run();
    assert_eq!(ran.code, Some(1), "nothing could be analyzed: exit 1");
}

#[test]
fn folders_are_searched_for_audio_files() {
    let dir = Dir::new();
    let src = fixture("audio/tone1k_mono_22050_s16.wav");
    std::fs::create_dir_all(dir.path().join("music/sub")).unwrap();
    std::fs::copy(&src, dir.path().join("music/sub/a.wav")).unwrap();
    std::fs::write(dir.path().join("music/cover.jpg"), b"not audio").unwrap();
    let out = dir.cmd(["features", "music"]).stdout();
    assert_eq!(
        out.lines().count(),
        2,
        "the WAV only, not the cover art:\n{out}"
    );
    assert!(out.lines().nth(1).unwrap().starts_with("a.wav,"));
}
