//! End-to-end use of the library in a temporary folder: walk, decide, write, query, export.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::{analyzed, failed, prediction, schema};
use genrekit_library::{
    AnalyzeReason, Decision, ExportOptions, FileKind, FileState, Library, Like, ScannedFile,
    SkipReason, TrackFilter, WalkOptions, content_hash, walk,
};

fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn state(f: &ScannedFile, hash: bool) -> FileState {
    FileState {
        path: f.path.clone(),
        size: f.size,
        mtime_ns: f.mtime_ns,
        hash: hash.then(|| content_hash(&f.path).unwrap()),
    }
}

fn set_mtime(path: &Path, secs: u64) {
    let f = fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

/// A music folder with two audio files, a broken one and cover art.
fn music() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("music");
    write(&root.join("b/rock.flac"), b"rock audio bytes");
    write(&root.join("a/blues.mp3"), b"blues audio bytes");
    write(&root.join("a/broken.ogg"), b"not really ogg");
    write(&root.join("a/cover.jpg"), b"jpeg");
    (dir, root)
}

fn audio_files(root: &Path) -> Vec<ScannedFile> {
    walk(&[root], &WalkOptions::default())
        .map(Result::unwrap)
        .filter(|f| f.kind == FileKind::Audio)
        .collect()
}

#[test]
fn scan_analyze_rescan_query_export() {
    let (dir, root) = music();
    let db = dir.path().join("data/library.db");
    let mut lib = Library::open(&db).unwrap();
    let schema = schema(1);

    // First scan: everything is new.
    let files = audio_files(&root);
    let names: Vec<_> = files
        .iter()
        .map(|f| f.path.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["blues.mp3", "broken.ogg", "rock.flac"]);
    for f in &files {
        assert_eq!(
            lib.check(f, 1).unwrap(),
            Decision::Analyze {
                reason: AnalyzeReason::New,
                hash: None
            }
        );
    }
    let mut batch = lib.batch(&schema).unwrap();
    batch
        .put_analyzed(&analyzed(state(&files[0], true), 1, Some("blues"), 0.0))
        .unwrap();
    batch
        .put_failed(&failed(state(&files[1], true), "decode"))
        .unwrap();
    batch
        .put_analyzed(&analyzed(state(&files[2], true), 3, Some("rock"), 100.0))
        .unwrap();
    assert_eq!(batch.commit().unwrap(), 3);
    drop(lib);

    // Second scan after reopening: nothing to do.
    let lib = Library::open(&db).unwrap();
    let files = audio_files(&root);
    assert_eq!(
        lib.check(&files[0], 1).unwrap(),
        Decision::Skip(SkipReason::Unchanged)
    );
    assert_eq!(
        lib.check(&files[1], 1).unwrap(),
        Decision::Skip(SkipReason::PreviouslyFailed)
    );
    assert!(!lib.needs_analysis(&files[2], 1).unwrap());
    // A new schema version re-analyzes everything.
    assert_eq!(
        lib.check(&files[0], 2).unwrap(),
        Decision::Analyze {
            reason: AnalyzeReason::OutdatedSchema,
            hash: None
        }
    );

    // Touch blues (same bytes): skipped, and the new mtime is stored so it is not hashed again.
    set_mtime(&files[0].path, 1_000_000);
    let touched = ScannedFile::from_path(&files[0].path).unwrap();
    assert_eq!(
        lib.check(&touched, 1).unwrap(),
        Decision::Skip(SkipReason::Touched)
    );
    assert_eq!(
        lib.check(&touched, 1).unwrap(),
        Decision::Skip(SkipReason::Unchanged)
    );
    // Same size, new bytes: analyzed again, with the hash handed back.
    write(&files[2].path, b"ROCK AUDIO BYTES");
    set_mtime(&files[2].path, 2_000_000);
    let changed = ScannedFile::from_path(&files[2].path).unwrap();
    match lib.check(&changed, 1).unwrap() {
        Decision::Analyze {
            reason: AnalyzeReason::Changed,
            hash: Some(h),
        } => {
            assert_eq!(h, content_hash(&changed.path).unwrap());
        }
        other => panic!("expected Changed with a hash, got {other:?}"),
    }

    // Listing with the latest prediction, filtered by genre.
    let all = lib.tracks(&TrackFilter::default()).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].prediction.as_ref().unwrap().genre, "blues");
    assert_eq!(all[1].failure.as_ref().unwrap().kind, "decode");
    assert!(all[1].prediction.is_none());
    let mut rock = TrackFilter::default();
    rock.genre = Some("rock".into());
    let only_rock = lib.tracks(&rock).unwrap();
    assert_eq!(only_rock.len(), 1);
    assert!(only_rock[0].path.ends_with("b/rock.flac"));
    let mut failed_only = TrackFilter::default();
    failed_only.failed_only = true;
    assert_eq!(lib.tracks(&failed_only).unwrap().len(), 1);

    // Stats and failures.
    let stats = lib.stats(None).unwrap();
    assert_eq!(
        (stats.tracks, stats.analyzed, stats.failed, stats.snippets),
        (3, 2, 1, 4)
    );
    assert_eq!(stats.total_duration_s, 120.0);
    assert_eq!(
        stats.per_genre,
        [("blues".to_string(), 1), ("rock".to_string(), 1)]
    );
    assert_eq!(stats.failures_by_kind, [("decode".to_string(), 1)]);
    let failures = lib.failures().unwrap();
    assert_eq!(failures.len(), 1);
    assert!(failures[0].path.ends_with("broken.ogg"));
    assert_eq!(failures[0].failure.message, "decode: could not decode");

    // Lookup by path returns everything, features bit-exact.
    let detail = lib.track(&files[2].path).unwrap().unwrap();
    assert_eq!(detail.snippets.len(), 3);
    assert_eq!(detail.snippets[2].snippet.features[0], 101.0);
    assert_eq!(detail.snippets[1].snippet.start_s, 30.0);
    assert_eq!(detail.prediction.as_ref().unwrap().snippets.len(), 3);
    assert_eq!(detail.tags.genre.as_deref(), Some("Tagged"));
    assert_eq!(detail.audio.as_ref().unwrap().sample_rate, 44100);
    assert!(lib.track(Path::new("/not/here.mp3")).unwrap().is_none());

    // Labels and likes.
    lib.add_label(&files[2].path, "metal", "user").unwrap();
    lib.add_label(&files[2].path, "punk", "user").unwrap();
    assert_eq!(lib.label(&files[2].path).unwrap().unwrap().genre, "punk");
    assert_eq!(lib.labels().unwrap().len(), 1);
    lib.set_like(&files[0].path, Like::Like).unwrap();
    lib.set_like(&files[2].path, Like::Like).unwrap();
    lib.set_like(&files[2].path, Like::Dislike).unwrap();
    assert_eq!(lib.like(&files[2].path).unwrap(), Some(Like::Dislike));
    assert_eq!(lib.likes().unwrap().len(), 2);
    assert!(lib.clear_like(&files[0].path).unwrap());
    assert_eq!(lib.like(&files[0].path).unwrap(), None);
    let err = lib
        .add_label(Path::new("/not/here.mp3"), "x", "user")
        .unwrap_err();
    assert!(err.to_string().contains("/not/here.mp3"), "{err}");
    let stats = lib.stats(None).unwrap();
    assert_eq!((stats.labeled, stats.liked, stats.disliked), (1, 0, 1));

    // Export: one row per snippet, label first from labels, then from predictions.
    let mut csv = Vec::new();
    let n = lib
        .export_features(&mut csv, &ExportOptions::new(1))
        .unwrap();
    assert_eq!(n, 4);
    let text = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("filename,length,f0,f1,"));
    assert!(lines[0].ends_with(",f56,label"));
    assert_eq!(lines[1].split(',').count(), 57 + 3);
    assert!(
        lines[1].starts_with("blues.mp3,661500,0,1,2,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",blues"));
    assert!(
        lines[3].starts_with("rock.1.flac,661500,100.5,101.5,"),
        "{}",
        lines[3]
    );
    assert!(lines[3].ends_with(",punk"));
    let mut labeled = ExportOptions::new(1);
    labeled.labeled_only = true;
    assert_eq!(lib.export_features(&mut Vec::new(), &labeled).unwrap(), 3);
    let err = lib
        .export_features(&mut Vec::new(), &ExportOptions::new(9))
        .unwrap_err();
    assert!(err.to_string().contains("schema version 9"), "{err}");

    // Forgetting a track removes its snippets, predictions, labels and likes.
    assert!(lib.forget(&files[2].path).unwrap());
    let stats = lib.stats(None).unwrap();
    assert_eq!(
        (stats.tracks, stats.snippets, stats.labeled, stats.disliked),
        (2, 1, 0, 0)
    );
}

#[test]
fn reanalysis_replaces_snippets_and_predictions_but_keeps_labels() {
    let mut lib = Library::open_in_memory().unwrap();
    let s = schema(1);
    let path = Path::new("/m/a.mp3");
    let mut batch = lib.batch(&s).unwrap();
    batch
        .put_analyzed(&analyzed(common::file(path, 1, 1), 4, Some("jazz"), 0.0))
        .unwrap();
    batch.commit().unwrap();
    lib.add_label(path, "jazz", "user").unwrap();

    let mut batch = lib.batch(&s).unwrap();
    let id = batch
        .put_analyzed(&analyzed(common::file(path, 2, 2), 2, Some("pop"), 9.0))
        .unwrap();
    batch.commit().unwrap();
    let detail = lib.track(path).unwrap().unwrap();
    assert_eq!(detail.id, id);
    assert_eq!(detail.snippets.len(), 2);
    assert_eq!(detail.file.size, 2);
    assert_eq!(detail.prediction.unwrap().genre, "pop");
    assert_eq!(lib.label(path).unwrap().unwrap().genre, "jazz");

    // Then it fails: snippets and predictions go, the label stays.
    let mut batch = lib.batch(&s).unwrap();
    batch
        .put_failed(&failed(common::file(path, 3, 3), "truncated"))
        .unwrap();
    batch.commit().unwrap();
    let detail = lib.track(path).unwrap().unwrap();
    assert!(detail.snippets.is_empty() && detail.prediction.is_none() && detail.audio.is_none());
    assert_eq!(detail.failure.unwrap().kind, "truncated");
    assert_eq!(lib.label(path).unwrap().unwrap().genre, "jazz");
}

#[test]
fn new_model_predicts_from_stored_features() {
    let mut lib = Library::open_in_memory().unwrap();
    let s = schema(1);
    let mut batch = lib.batch(&s).unwrap();
    batch
        .put_analyzed(&analyzed(
            common::file(Path::new("/m/b.wav"), 1, 1),
            2,
            Some("jazz"),
            0.0,
        ))
        .unwrap();
    batch
        .put_analyzed(&analyzed(
            common::file(Path::new("/m/a.wav"), 1, 1),
            1,
            None,
            5.0,
        ))
        .unwrap();
    batch
        .put_failed(&failed(common::file(Path::new("/m/c.wav"), 1, 1), "decode"))
        .unwrap();
    batch.commit().unwrap();

    // Model knn-v1 predicted b only.
    let todo = lib.tracks_to_predict("knn-v1", 1).unwrap();
    assert_eq!(todo.len(), 1);
    assert!(todo[0].path.ends_with("a.wav"));
    assert_eq!(
        todo[0].snippets,
        [(0..57).map(|j| 5.0 + j as f32).collect::<Vec<_>>()]
    );
    // A new model needs both; outdated features are not offered.
    let todo = lib.tracks_to_predict("knn-v2", 1).unwrap();
    assert_eq!(todo.len(), 2);
    assert_eq!(todo[1].snippets.len(), 2);
    assert!(lib.tracks_to_predict("knn-v2", 2).unwrap().is_empty());

    let mut batch = lib.batch(&s).unwrap();
    for t in &todo {
        batch
            .put_prediction(t.id, &prediction("knn-v2", "rock", t.snippets.len()))
            .unwrap();
    }
    batch.commit().unwrap();
    assert!(lib.tracks_to_predict("knn-v2", 1).unwrap().is_empty());
    // The latest prediction wins in listings unless a model is asked for.
    let all = lib.tracks(&TrackFilter::default()).unwrap();
    assert_eq!(all[1].prediction.as_ref().unwrap().model_id, "knn-v2");
    let mut v1 = TrackFilter::default();
    v1.model_id = Some("knn-v1".into());
    let listed = lib.tracks(&v1).unwrap();
    assert_eq!(listed[1].prediction.as_ref().unwrap().genre, "jazz");
    assert!(listed[0].prediction.is_none());
    assert_eq!(
        lib.stats(Some("knn-v1")).unwrap().per_genre,
        [("jazz".to_string(), 1)]
    );
}

#[test]
fn bad_input_is_an_error_and_leaves_nothing_half_written() {
    let mut lib = Library::open_in_memory().unwrap();
    let s = schema(1);
    let mut batch = lib.batch(&s).unwrap();
    let mut bad = analyzed(
        common::file(Path::new("/m/bad.mp3"), 1, 1),
        3,
        Some("pop"),
        0.0,
    );
    bad.snippets[2].features.pop();
    let err = batch.put_analyzed(&bad).unwrap_err();
    assert!(
        err.to_string().contains("snippet 2 has 56 feature values"),
        "{err}"
    );
    // The batch stays usable.
    batch
        .put_analyzed(&analyzed(
            common::file(Path::new("/m/ok.mp3"), 1, 1),
            1,
            None,
            0.0,
        ))
        .unwrap();
    assert_eq!(batch.commit().unwrap(), 1);
    assert_eq!(lib.stats(None).unwrap().tracks, 1);
    assert!(lib.track(Path::new("/m/bad.mp3")).unwrap().is_none());

    // Other names under the same schema version are refused.
    let other = genrekit_library::FeatureSchema::new(1, ["x"]);
    let err = lib.batch(&other).unwrap_err();
    assert!(err.to_string().contains("bump"), "{err}");
}

#[cfg(unix)]
#[test]
fn non_utf8_path_is_a_typed_error() {
    use std::os::unix::ffi::OsStrExt;
    let mut lib = Library::open_in_memory().unwrap();
    let s = schema(1);
    let path = PathBuf::from(std::ffi::OsStr::from_bytes(b"/m/\xff.mp3"));
    let mut batch = lib.batch(&s).unwrap();
    let err = batch
        .put_analyzed(&analyzed(common::file(&path, 1, 1), 1, None, 0.0))
        .unwrap_err();
    assert!(
        matches!(err, genrekit_library::Error::NonUtf8Path { .. }),
        "{err:?}"
    );
}
