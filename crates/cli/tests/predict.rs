//! `genrekit predict`: genre, confidence, top 3 and per-snippet genres of audio files.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod util;

use serde_json::Value;
use util::Dir;

#[test]
fn gtzan_clip_gets_its_genre_with_the_documented_json_fields() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let clip = data.join("gtzan/genres/blues/blues.00000.wav");
    let dir = Dir::new();
    let out = dir.cmd(["predict", "--format", "json"]).arg(&clip).stdout();
    let v: Value = serde_json::from_str(&out).unwrap();
    let tracks = v.as_array().unwrap();
    assert_eq!(tracks.len(), 1);
    let t = &tracks[0];
    assert_eq!(t["path"], clip.display().to_string());
    assert_eq!(t["genre"], "blues");
    let confidence = t["confidence"].as_f64().unwrap();
    assert!(confidence > 0.5 && confidence <= 1.0, "{confidence}");
    let probabilities = t["probabilities"].as_object().unwrap();
    assert_eq!(probabilities.len(), 10, "the default model knows 10 genres");
    let sum: f64 = probabilities.values().map(|p| p.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-4, "{sum}");
    assert_eq!(probabilities["blues"].as_f64().unwrap(), confidence);
    // A GTZAN clip (30.01 s) is one snippet.
    let snippets = t["snippets"].as_array().unwrap();
    assert_eq!(snippets.len(), 1);
    let s = &snippets[0];
    assert_eq!(s["start_s"].as_f64().unwrap(), 0.0);
    assert!((s["end_s"].as_f64().unwrap() - 30.01).abs() < 0.01, "{s}");
    assert_eq!(s["genre"], "blues");
    assert_eq!(s["probabilities"].as_object().unwrap().len(), 10);
}

#[test]
fn table_shows_top_three_and_snippets_and_bad_files_fail_alone() {
    let dir = Dir::new();
    let good = util::fixture("audio/tone_stereo_44100.flac");
    let bad = util::fixture("bad/text.wav");
    let ran = dir
        .cmd(["predict", "--jobs", "2"])
        .arg(&good)
        .arg(&bad)
        .run();
    assert_eq!(ran.code, Some(3), "some failed: {}", ran.stderr);
    assert!(ran.stdout.contains("top 3:"), "{}", ran.stdout);
    assert!(ran.stdout.contains("snippet 1  0:00-"), "{}", ran.stdout);
    assert!(!ran.stdout.contains("text.wav"), "{}", ran.stdout);
    let errors: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(errors.len(), 1, "{}", ran.stderr);
    assert!(errors[0].contains("text.wav"), "{}", ran.stderr);

    // Every file bad: nothing could be done.
    let ran = dir.cmd(["predict"]).arg(&bad).run();
    assert_eq!(ran.code, Some(1));
}

#[test]
fn a_model_file_that_is_not_a_model_is_a_clear_error() {
    let dir = Dir::new();
    let model = dir.create("model.json", b"{\"hello\": 1}");
    let ran = dir
        .cmd(["predict", "--model"])
        .arg(&model)
        .arg(util::fixture("audio/tone_stereo_44100.flac"))
        .run();
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("model.json"), "{}", ran.stderr);
}
