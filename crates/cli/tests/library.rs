//! `genrekit library`: list, stats, failures and export on a library written through the API.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use genrekit_library::{
    AnalyzedTrack, AudioInfo, FailedTrack, FeatureSchema, FileState, Library, Prediction, Snippet,
    Tags,
};
use util::Dir;

fn file(path: &str) -> FileState {
    FileState {
        path: PathBuf::from(path),
        size: 1,
        mtime_ns: 1,
        hash: None,
    }
}

/// A library with a blues track (1 snippet), a rock track (2 snippets) and a failure.
fn make_library(db: &Path) {
    let mut lib = Library::open(db).unwrap();
    let names: Vec<String> = genrekit_features::TABLE_COLUMNS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let schema = FeatureSchema::new(genrekit_features::SCHEMA_VERSION, names);
    let track = |path: &str, genre: &str, snippets: usize| AnalyzedTrack {
        file: file(path),
        audio: AudioInfo {
            duration_s: 30.0 * snippets as f64,
            sample_rate: 22050,
            channels: 1,
            codec: "pcm".into(),
        },
        tags: Tags::default(),
        snippets: (0..snippets)
            .map(|i| Snippet {
                start_s: 30.0 * i as f64,
                end_s: 30.0 * (i + 1) as f64,
                n_samples: 661_500,
                features: vec![0.5; 57],
            })
            .collect(),
        prediction: Some(Prediction {
            model_id: "knn".into(),
            genre: genre.into(),
            confidence: 0.8,
            margin: 0.6,
            probabilities: BTreeMap::from([(genre.to_string(), 0.8)]),
            snippets: vec![BTreeMap::new(); snippets],
        }),
    };
    let mut batch = lib.batch(&schema).unwrap();
    batch
        .put_analyzed(&track("/music/blues.wav", "blues", 1))
        .unwrap();
    batch
        .put_analyzed(&track("/music/rock.mp3", "rock", 2))
        .unwrap();
    batch
        .put_failed(&FailedTrack {
            file: file("/music/broken.ogg"),
            kind: "decode".into(),
            message: "no Ogg page found".into(),
        })
        .unwrap();
    batch.commit().unwrap();
    lib.add_label(Path::new("/music/rock.mp3"), "metal", "user")
        .unwrap();
}

#[test]
fn list_stats_failures_export() {
    let dir = Dir::new();
    let db = dir.path().join("lib.db");
    make_library(&db);
    let db = db.to_str().unwrap();

    let out = dir.cmd(["library", "--db", db, "list"]).stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[1].starts_with("blues") && lines[1].ends_with("/music/blues.wav"),
        "{out}"
    );
    assert!(lines[2].starts_with("FAILED:decode"), "{out}");
    assert!(
        lines[3].contains("metal") && lines[3].contains("1:00"),
        "{out}"
    );

    let out = dir
        .cmd([
            "library", "list", "--genre", "rock", "--format", "json", "--db", db,
        ])
        .stdout();
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["label"], "metal");

    let out = dir
        .cmd(["library", "--db", db, "stats", "--format", "json"])
        .stdout();
    let stats: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stats["tracks"], 3);
    assert_eq!(stats["failed"], 1);
    assert_eq!(stats["total_duration_seconds"], 90.0);
    let out = dir.cmd(["library", "--db", db, "stats"]).stdout();
    assert!(
        out.contains("tracks      3 (2 analyzed, 1 failed)"),
        "{out}"
    );

    dir.cmd(["library", "--db", db, "stats", "--plot", "genres.svg"])
        .stdout();
    let svg = std::fs::read_to_string(dir.path().join("genres.svg")).unwrap();
    for needle in [">\nblues\n", ">\nrock\n", "tracks per genre (2 analyzed)"] {
        assert!(svg.contains(needle), "{needle} missing from the plot");
    }
    let ran = dir
        .cmd(["library", "--db", db, "stats", "--plot", "no/dir/g.svg"])
        .run();
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("no/dir/g.svg"), "{}", ran.stderr);

    let out = dir.cmd(["library", "--db", db, "failures"]).stdout();
    assert_eq!(out, "/music/broken.ogg: decode: no Ogg page found\n");

    let out = dir.cmd(["library", "--db", db, "export"]).stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].starts_with("filename,length,chroma_stft_mean,"),
        "{out}"
    );
    assert!(lines[0].ends_with("mfcc20_var,label"), "{out}");
    assert!(lines[1].starts_with("blues.wav,661500,0.5,"), "{out}");
    assert!(
        lines[3].starts_with("rock.1.mp3,") && lines[3].ends_with(",metal"),
        "{out}"
    );

    dir.cmd([
        "library",
        "--db",
        db,
        "export",
        "--labeled-only",
        "-o",
        "train.csv",
    ])
    .stdout();
    let csv = std::fs::read_to_string(dir.path().join("train.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3);
}

#[test]
fn missing_database_says_what_to_do() {
    let dir = Dir::new();
    let ran = dir.cmd(["library", "--db", "nope.db", "list"]).run();
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("nope.db"), "{}", ran.stderr);
    assert!(ran.stderr.contains("genrekit analyze"), "{}", ran.stderr);
    assert!(!dir.path().join("nope.db").exists());
}
