//! Measurements, not checks: insert throughput, database size per track, hashing speed.
//!
//! Run with `cargo test -p genrekit-library --release --test measure -- --ignored --nocapture`.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use genrekit_library::{
    AnalyzedTrack, AudioInfo, FeatureSchema, FileState, Library, Prediction, Snippet, Tags,
    content_hash,
};

const GENRES: [&str; 10] = [
    "blues",
    "classical",
    "country",
    "disco",
    "hiphop",
    "jazz",
    "metal",
    "pop",
    "reggae",
    "rock",
];

fn track(i: usize, n_features: usize, predict: bool) -> AnalyzedTrack {
    let probs: BTreeMap<String, f32> = GENRES
        .iter()
        .enumerate()
        .map(|(g, name)| (name.to_string(), g as f32 / 45.0))
        .collect();
    AnalyzedTrack {
        file: FileState {
            path: PathBuf::from(format!(
                "/home/someone/Music/Artist {}/Album/{i:05} Song title.mp3",
                i % 97
            )),
            size: 5_000_000 + i as u64,
            mtime_ns: 1_700_000_000_000_000_000 + i as i64,
            hash: Some(genrekit_library::ContentHash(
                i as u64 * 0x9e37_79b9_7f4a_7c15,
            )),
        },
        audio: AudioInfo {
            duration_s: 30.0,
            sample_rate: 44100,
            channels: 2,
            codec: "mp3".into(),
        },
        tags: Tags {
            title: Some(format!("Song title {i}")),
            artist: Some(format!("Artist {}", i % 97)),
            album: Some("Album".into()),
            genre: Some("Rock".into()),
        },
        snippets: vec![Snippet {
            start_s: 0.0,
            end_s: 30.0,
            n_samples: 661_500,
            features: (0..n_features)
                .map(|j| (i * 31 + j) as f32 * 0.37)
                .collect(),
        }],
        prediction: predict.then(|| Prediction {
            model_id: "knn-v1".into(),
            genre: "rock".into(),
            confidence: 0.4,
            margin: 0.1,
            probabilities: probs.clone(),
            snippets: vec![probs],
        }),
    }
}

fn db_bytes(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[test]
#[ignore = "measurement; run with --ignored --nocapture"]
fn insert_throughput_and_size_per_track() {
    const N: usize = 5000;
    const BATCH: usize = 64;
    for n_features in [57, 100] {
        for predict in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let db = dir.path().join("library.db");
            let mut lib = Library::open(&db).unwrap();
            let schema = FeatureSchema::new(1, (0..n_features).map(|j| format!("feature_{j}")));
            let tracks: Vec<_> = (0..N).map(|i| track(i, n_features, predict)).collect();
            let start = Instant::now();
            for chunk in tracks.chunks(BATCH) {
                let mut batch = lib.batch(&schema).unwrap();
                for t in chunk {
                    batch.put_analyzed(t).unwrap();
                }
                batch.commit().unwrap();
            }
            let secs = start.elapsed().as_secs_f64();
            drop(lib); // the last connection checkpoints the WAL into the file
            let bytes = db_bytes(&db) + db_bytes(&dir.path().join("library.db-wal"));
            println!(
                "{n_features} features, prediction {predict}: {:.0} tracks/s, {:.0} bytes/track",
                N as f64 / secs,
                bytes as f64 / N as f64
            );
        }
    }
}

#[test]
#[ignore = "measurement; run with --ignored --nocapture"]
fn hash_speed_on_shared_data() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let files: Vec<_> = genrekit_library::walk(&[&root], &Default::default())
        .filter_map(Result::ok)
        .filter(|f| f.kind == genrekit_library::FileKind::Audio)
        .collect();
    if files.is_empty() {
        println!("no shared data at {}", root.display());
        return;
    }
    for round in ["first (maybe cold)", "warm"] {
        let start = Instant::now();
        let mut bytes = 0;
        for f in &files {
            content_hash(&f.path).unwrap();
            bytes += f.size;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{round}: {} files, {:.1} MB in {:.3} s = {:.0} MB/s, {:.2} ms/file",
            files.len(),
            bytes as f64 / 1e6,
            secs,
            bytes as f64 / 1e6 / secs,
            secs * 1e3 / files.len() as f64
        );
    }
}
