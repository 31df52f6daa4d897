//! Today's genrekit opens and upgrades libraries written by older versions, keeping their data.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use genrekit_library::{
    ContentHash, Decision, ExportOptions, FeatureSchema, FileKind, Library, Like, ScannedFile,
    SkipReason,
};

/// Loads `tests/data/<name>` into a fresh database file and returns its path.
fn restore(dir: &Path, name: &str) -> PathBuf {
    let dump = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap();
    let db = dir.join("library.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(&dump).unwrap();
    db
}

#[test]
fn version_1_dump_opens_upgrades_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = restore(dir.path(), "library-v1.sql");
    let mut lib = Library::open(&db).unwrap();
    assert!(lib.schema_version().unwrap() >= 1);

    let blues = Path::new("/music/blues/blues.00000.wav");
    let d = lib.track(blues).unwrap().unwrap();
    assert_eq!(d.file.hash, Some(ContentHash(1_234_567_890_123)));
    assert_eq!(d.audio.as_ref().unwrap().codec, "pcm_s16le");
    assert_eq!(d.tags.title.as_deref(), Some("Blues Song"));
    assert_eq!(d.snippets[0].snippet.features, [0.125, 123.046875, -113.5]);
    assert_eq!(d.snippets[0].snippet.n_samples, 661_794);
    let p = d.prediction.unwrap();
    assert_eq!((p.genre.as_str(), p.probabilities["jazz"]), ("blues", 0.2));
    assert_eq!(lib.label(blues).unwrap().unwrap().genre, "blues");
    assert_eq!(lib.like(blues).unwrap(), Some(Like::Like));
    // A negative stored hash is the same 64 bits.
    let broken = lib
        .track(Path::new("/music/bad/broken.mp3"))
        .unwrap()
        .unwrap();
    assert_eq!(broken.file.hash, Some(ContentHash(u64::MAX - 41)));
    assert_eq!(broken.failure.unwrap().kind, "decode");

    // Incremental scanning trusts the old rows.
    let same = ScannedFile {
        path: blues.to_path_buf(),
        size: 1_323_632,
        mtime_ns: 1_700_000_000_000_000_000,
        kind: FileKind::Audio,
    };
    assert_eq!(
        lib.check(&same, 1).unwrap(),
        Decision::Skip(SkipReason::Unchanged)
    );

    let mut csv = Vec::new();
    assert_eq!(
        lib.export_features(&mut csv, &ExportOptions::new(1))
            .unwrap(),
        1
    );
    let text = String::from_utf8(csv).unwrap();
    assert_eq!(
        text,
        "filename,length,rms_mean,tempo,mfcc1_mean,label\n\
         blues.00000.wav,661794,0.125,123.046875,-113.5,blues\n"
    );

    // And it takes new writes.
    let schema = FeatureSchema::new(1, ["rms_mean", "tempo", "mfcc1_mean"]);
    let mut batch = lib.batch(&schema).unwrap();
    let mut t = common::analyzed(
        common::file(Path::new("/music/new.mp3"), 1, 1),
        1,
        None,
        0.0,
    );
    t.snippets[0].features.truncate(3);
    batch.put_analyzed(&t).unwrap();
    batch.commit().unwrap();
    assert_eq!(lib.stats(None).unwrap().tracks, 3);
}
