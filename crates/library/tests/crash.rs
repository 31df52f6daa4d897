//! A run killed in the middle of a batch keeps every committed track and no half-written one.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{analyzed, schema};
use genrekit_library::{Library, TrackFilter};

/// Set for the child process: the database it writes to before aborting.
const CHILD_DB: &str = "GENREKIT_LIBRARY_CRASH_CHILD_DB";
const BATCHES: usize = 3;
const PER_BATCH: usize = 10;

fn track_path(batch: usize, i: usize) -> PathBuf {
    PathBuf::from(format!("/music/{batch:02}/{i:02}.mp3"))
}

/// Not a test of its own: the body of the child process of `killed_mid_batch_keeps_finished_tracks`.
/// Writes `BATCHES` committed batches, then aborts in the middle of a large batch (large enough
/// that SQLite spills uncommitted pages to the WAL before the abort).
#[test]
fn crash_child() {
    let Some(db) = std::env::var_os(CHILD_DB) else {
        return;
    };
    let mut lib = Library::open(Path::new(&db)).unwrap();
    let s = schema(1);
    for b in 0..BATCHES {
        let mut batch = lib.batch(&s).unwrap();
        for i in 0..PER_BATCH {
            let f = common::file(&track_path(b, i), 1, 1);
            batch
                .put_analyzed(&analyzed(f, 2, Some("rock"), i as f32))
                .unwrap();
        }
        batch.commit().unwrap();
    }
    let mut batch = lib.batch(&s).unwrap();
    for i in 0..PER_BATCH {
        let f = common::file(&track_path(BATCHES, i), 1, 1);
        batch
            .put_analyzed(&analyzed(f, 2000, Some("pop"), i as f32))
            .unwrap();
    }
    // Like a kill: no destructor runs, no rollback, no checkpoint.
    std::process::abort();
}

#[test]
fn killed_mid_batch_keeps_finished_tracks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("library.db");
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["crash_child", "--exact", "--test-threads=1"])
        .env(CHILD_DB, &db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the child must have aborted");
    assert!(
        dir.path().join("library.db-wal").exists(),
        "the abort left the WAL behind"
    );

    let lib = Library::open(&db).unwrap();
    let stats = lib.stats(None).unwrap();
    assert_eq!(stats.tracks, (BATCHES * PER_BATCH) as u64);
    assert_eq!(stats.snippets, (BATCHES * PER_BATCH * 2) as u64);
    assert_eq!(
        stats.per_genre,
        [("rock".to_string(), (BATCHES * PER_BATCH) as u64)]
    );
    for t in lib.tracks(&TrackFilter::default()).unwrap() {
        let d = lib.track(&t.path).unwrap().unwrap();
        assert_eq!(d.snippets.len(), 2, "{}", t.path.display());
        assert_eq!(d.prediction.unwrap().snippets.len(), 2);
    }
    assert!(lib.track(&track_path(BATCHES, 0)).unwrap().is_none());
}

#[test]
fn dropped_batch_rolls_back_and_the_library_stays_usable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("library.db");
    let mut lib = Library::open(&db).unwrap();
    let s = schema(1);
    let mut batch = lib.batch(&s).unwrap();
    batch
        .put_analyzed(&analyzed(
            common::file(Path::new("/m/kept.mp3"), 1, 1),
            1,
            None,
            0.0,
        ))
        .unwrap();
    batch.commit().unwrap();

    let mut batch = lib.batch(&s).unwrap();
    for i in 0..5 {
        let f = common::file(&PathBuf::from(format!("/m/lost{i}.mp3")), 1, 1);
        batch
            .put_analyzed(&analyzed(f, 3, Some("pop"), 0.0))
            .unwrap();
    }
    assert_eq!(batch.len(), 5);
    drop(batch); // an error in the caller before commit
    drop(lib); // and the connection closes

    let mut lib = Library::open(&db).unwrap();
    let stats = lib.stats(None).unwrap();
    assert_eq!((stats.tracks, stats.snippets), (1, 1));
    let mut batch = lib.batch(&s).unwrap();
    batch
        .put_analyzed(&analyzed(
            common::file(Path::new("/m/next.mp3"), 1, 1),
            1,
            None,
            0.0,
        ))
        .unwrap();
    assert_eq!(batch.commit().unwrap(), 1);
}

#[test]
fn second_writer_waits_for_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("library.db");
    let mut a = Library::open(&db).unwrap();
    let reader = Library::open(&db).unwrap();
    let s = schema(1);
    let mut batch = a.batch(&s).unwrap();
    batch
        .put_analyzed(&analyzed(
            common::file(Path::new("/m/x.mp3"), 1, 1),
            1,
            None,
            0.0,
        ))
        .unwrap();
    // WAL: a reader is not blocked by the open write transaction and sees the last commit.
    assert_eq!(reader.stats(None).unwrap().tracks, 0);
    batch.commit().unwrap();
    assert_eq!(reader.stats(None).unwrap().tracks, 1);
}
