//! `genrekit profile` (issue #7): genre shares, distinguishing features, taste clusters, plot.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod util;

use serde_json::Value;
use util::Dir;

/// Three fixture tracks analyzed into `lib.db`.
fn library(dir: &Dir) {
    for (fixture, name) in [
        ("audio/tone_stereo_44100.flac", "music/a.flac"),
        ("audio/clicks120_mono_22050.ogg", "music/b.ogg"),
        ("audio/tone1k_mono_22050_s16.wav", "music/c.wav"),
    ] {
        dir.create(name, &std::fs::read(util::fixture(fixture)).unwrap());
    }
    dir.cmd(["analyze", "--db", "lib.db", "--quiet", "music"])
        .stdout();
}

fn profile(dir: &Dir) -> Value {
    let out = dir
        .cmd(["profile", "--db", "lib.db", "--format", "json"])
        .stdout();
    serde_json::from_str(&out).unwrap()
}

#[test]
fn profile_of_likes_against_the_library() {
    let dir = Dir::new();
    library(&dir);
    let ran = dir.cmd(["profile", "--db", "lib.db"]).run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stderr.contains("no liked tracks yet"), "{}", ran.stderr);
    assert!(
        ran.stdout.starts_with("library: 3 tracks, 0 liked"),
        "{}",
        ran.stdout
    );

    dir.cmd(["like", "--db", "lib.db", "music/b.ogg"]).stdout();
    dir.cmd(["dislike", "--db", "lib.db", "music/c.wav"])
        .stdout();
    let p = profile(&dir);
    assert_eq!(
        (p["tracks"].as_u64(), p["liked"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(p["disliked"].as_u64(), Some(1));
    let genres = p["genres"].as_array().unwrap();
    let liked: f64 = genres
        .iter()
        .map(|g| g["liked_share"].as_f64().unwrap())
        .sum();
    let library: f64 = genres
        .iter()
        .map(|g| g["library_share"].as_f64().unwrap())
        .sum();
    assert!(
        (liked - 1.0).abs() < 1e-4 && (library - 1.0).abs() < 1e-4,
        "{p}"
    );
    assert_eq!(genres[0]["liked_tracks"].as_u64(), Some(1), "{p}");

    // Every feature, largest standardized difference first.
    let features = p["features"].as_array().unwrap();
    assert!(features.len() > 57, "the table's 57 columns and extras");
    let d: Vec<f64> = features
        .iter()
        .map(|f| f["difference"].as_f64().unwrap().abs())
        .collect();
    assert!(d.windows(2).all(|w| w[0] >= w[1]), "{d:?}");
    assert!(
        d[0] > 0.5,
        "one liked track of three stands out somewhere: {d:?}"
    );

    let clusters = p["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 1);
    assert!(clusters[0]["medoid"].as_str().unwrap().ends_with("b.ogg"));

    let ran = dir
        .cmd(["profile", "--db", "lib.db", "--plot", "taste.svg"])
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stdout.contains("Taste clusters (1;"), "{}", ran.stdout);
    let svg = std::fs::read_to_string(dir.path().join("taste.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains(&p["features"][0]["name"].as_str().unwrap().to_string()));
}

#[test]
fn profile_without_a_library_says_what_to_do() {
    let dir = Dir::new();
    let ran = dir.cmd(["profile", "--db", "nothing.db"]).run();
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains("nothing.db: no library database"),
        "{}",
        ran.stderr
    );
    assert!(!dir.path().join("nothing.db").exists());
}
