//! `genrekit analyze`: folders into the library, incremental runs, new models, interrupted runs.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use util::Dir;

/// A music folder: three audio files (one with a non-audio extension), a text file named
/// `.wav`, cover art and notes.
fn music(dir: &Dir) -> PathBuf {
    let copy = |fixture: &str, name: &str| {
        dir.create(name, &std::fs::read(util::fixture(fixture)).unwrap());
    };
    copy("audio/tone_stereo_44100.flac", "music/a.flac");
    copy("bad/text.wav", "music/b/bad.wav");
    copy("audio/clicks120_mono_22050.ogg", "music/b/c.ogg");
    copy("audio/tone1k_mono_22050_s16.wav", "music/sound.dat");
    dir.create(
        "music/cover.jpg",
        &[0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F'],
    );
    dir.create("music/notes.txt", b"liner notes\n");
    dir.path().join("music")
}

/// The file names of the output items, and whether each failed.
fn items(json: &str) -> Vec<(String, bool)> {
    let v: Value = serde_json::from_str(json).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let path = PathBuf::from(t["path"].as_str().unwrap());
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, t.get("error").is_some())
        })
        .collect()
}

#[test]
fn bad_file_is_reported_and_stored_other_files_skipped_and_rerun_decodes_nothing() {
    let dir = Dir::new();
    let music = music(&dir);
    let ran = dir
        .cmd([
            "analyze", "--db", "lib.db", "--format", "json", "--jobs", "2",
        ])
        .arg(&music)
        .run();
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    let expected = [
        ("a.flac".to_string(), false),
        ("bad.wav".to_string(), true),
        ("c.ogg".to_string(), false),
        ("sound.dat".to_string(), false),
    ];
    assert_eq!(items(&ran.stdout), expected);
    let v: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(v[1]["error_kind"], "unsupported");
    for i in [0, 2, 3] {
        let t = &v[i];
        assert!(t["genre"].is_string() && t["confidence"].is_number(), "{t}");
        assert_eq!(t["snippets"].as_array().unwrap().len(), 1, "{t}");
    }
    assert!(
        ran.stderr
            .contains("3 analyzed, 0 unchanged, 0 re-predicted, 1 failed, 2 skipped (not audio)"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("unsupported (1):"), "{}", ran.stderr);
    assert!(ran.stderr.contains("bad.wav"), "{}", ran.stderr);

    // The failure is stored.
    let failures = dir
        .cmd(["library", "--db", "lib.db", "failures", "--format", "json"])
        .stdout();
    let failures: Value = serde_json::from_str(&failures).unwrap();
    assert_eq!(failures.as_array().unwrap().len(), 1);
    assert!(failures[0]["path"].as_str().unwrap().ends_with("bad.wav"));

    // Second run: nothing decoded, same output, the failure still counts.
    let again = dir
        .cmd(["analyze", "--db", "lib.db", "--format", "json"])
        .arg(&music)
        .run();
    assert_eq!(again.code, Some(3), "{}", again.stderr);
    assert!(
        again.stderr.contains("0 analyzed, 3 unchanged"),
        "{}",
        again.stderr
    );
    assert_eq!(again.stdout, ran.stdout);

    // The table names tracks by their tags, else by path.
    let table = dir
        .cmd(["analyze", "--db", "lib.db", "--quiet"])
        .arg(&music)
        .run();
    assert_eq!(table.code, Some(3));
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", table.stdout);
    assert!(lines[0].starts_with("TRACK"), "{}", table.stdout);
    assert!(
        table.stdout.contains("genrekit - Fixture Tone"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("FAILED"), "{}", table.stdout);
    assert!(
        !table.stderr.contains("analyzed,"),
        "quiet: {}",
        table.stderr
    );

    // CSV: a header and one row per track; --force decodes everything again.
    let csv = dir
        .cmd(["analyze", "--db", "lib.db", "--format", "csv", "--force"])
        .arg(&music)
        .run();
    assert!(
        csv.stderr.contains("3 analyzed, 0 unchanged"),
        "{}",
        csv.stderr
    );
    let rows: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(rows.len(), 5, "{}", csv.stdout);
    assert!(rows[0].starts_with("path,artist,title,duration_s,genre,confidence"));
    assert!(rows[0].ends_with("p_reggae,p_rock"), "{}", rows[0]);
}

#[test]
fn a_new_model_repredicts_from_stored_features_without_decoding() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let dir = Dir::new();
    let music = music(&dir);
    std::fs::remove_file(music.join("b/bad.wav")).unwrap();
    let first = dir
        .cmd(["analyze", "--db", "lib.db", "--format", "jsonl"])
        .arg(&music)
        .run();
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert!(first.stderr.contains("3 analyzed"), "{}", first.stderr);

    dir.cmd([
        "train",
        "--k",
        "1",
        "--no-eval",
        "--out",
        "k1.json",
        "--csv",
    ])
    .arg(data.join("gtzan/features_30_sec.csv"))
    .stdout();
    let second = dir
        .cmd([
            "analyze", "--db", "lib.db", "--format", "jsonl", "--model", "k1.json",
        ])
        .arg(&music)
        .run();
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert!(
        second
            .stderr
            .contains("0 analyzed, 3 unchanged, 3 re-predicted"),
        "{}",
        second.stderr
    );
    assert_eq!(second.stdout.lines().count(), 3);
    // With k = 1 every probability is 0 or 1.
    for line in second.stdout.lines() {
        let t: Value = serde_json::from_str(line).unwrap();
        assert_eq!(t["confidence"].as_f64().unwrap(), 1.0, "{t}");
    }
    let third = dir
        .cmd(["analyze", "--db", "lib.db", "--model", "k1.json"])
        .arg(&music)
        .run();
    assert!(
        third
            .stderr
            .contains("0 analyzed, 3 unchanged, 0 re-predicted"),
        "{}",
        third.stderr
    );
    let conn = rusqlite::Connection::open(dir.path().join("lib.db")).unwrap();
    let models: i64 = conn
        .query_row(
            "SELECT count(DISTINCT model_id) FROM predictions",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(models, 2);
}

/// Number of tracks committed to the database at `db`, or `None` while it cannot be read yet.
fn committed(db: &Path) -> Option<i64> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .ok()?;
    conn.query_row("SELECT count(*) FROM tracks", [], |r| r.get(0))
        .ok()
}

/// Tracks in the folder that the interrupted runs analyze.
const N: i64 = 100;

/// Fills `many/` with [`N`] hard links to a copy of `clip`, starts `genrekit analyze many --db
/// lib.db --jobs 1` with `args` and `stdio` for its output, and returns once the run has
/// committed its first track (failing if it ends before, or takes over 120 s).
fn start_run_on_many(
    dir: &Dir,
    clip: &Path,
    args: &[&str],
    stdio: fn() -> Stdio,
) -> (Child, PathBuf) {
    let ext = clip.extension().unwrap().to_str().unwrap();
    let first = dir.create(&format!("many/000.{ext}"), &std::fs::read(clip).unwrap());
    for i in 1..N {
        std::fs::hard_link(&first, dir.path().join(format!("many/{i:03}.{ext}"))).unwrap();
    }
    let db = dir.path().join("lib.db");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_genrekit"))
        .current_dir(dir.path())
        .args(["analyze", "many", "--db", "lib.db", "--jobs", "1"])
        .args(args)
        .stdout(stdio())
        .stderr(stdio())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while committed(&db).is_none_or(|n| n <= 0) {
        assert!(Instant::now() < deadline, "no commit within 120 s");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before its first commit was seen"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    (child, db)
}

#[test]
fn a_killed_run_keeps_committed_tracks_and_the_next_run_continues() {
    let dir = Dir::new();
    // Commit after every track, so that the kill lands in the middle of the run.
    let clip = util::fixture("audio/clicks120_mono_22050.ogg");
    let (mut child, db) = start_run_on_many(
        &dir,
        &clip,
        &["--quiet", "--commit-every", "1"],
        Stdio::null,
    );
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the run was killed: {status:?}");

    let conn = rusqlite::Connection::open(&db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let before: Vec<(String, i64, i64)> = {
        let mut stmt = conn
            .prepare("SELECT path, id, analyzed_at FROM tracks ORDER BY path")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let k = before.len() as i64;
    eprintln!("killed after {k} of {N} tracks were committed");
    assert!(k > 0 && k < N, "killed midway: {k} of {N} committed");
    drop(conn);

    let ran = dir
        .cmd(["analyze", "many", "--db", "lib.db", "--format", "jsonl"])
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let summary = format!("{} analyzed, {k} unchanged", N - k);
    assert!(ran.stderr.contains(&summary), "{summary}: {}", ran.stderr);
    assert_eq!(ran.stdout.lines().count() as i64, N);

    // Every track once, with one snippet and one prediction; the committed ones untouched.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let complete: i64 = conn
        .query_row(
            "SELECT count(*) FROM tracks t WHERE t.error_kind IS NULL \
             AND (SELECT count(*) FROM snippets s WHERE s.track_id = t.id) = 1 \
             AND (SELECT count(*) FROM predictions p WHERE p.track_id = t.id) = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(complete, N);
    let total: i64 = conn
        .query_row("SELECT count(*) FROM tracks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(total, N);
    for (path, id, analyzed_at) in before {
        let (id2, at2): (i64, i64) = conn
            .query_row(
                "SELECT id, analyzed_at FROM tracks WHERE path = ?1",
                [&path],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((id2, at2), (id, analyzed_at), "{path} was analyzed again");
    }
}

/// Ctrl-C stores every track that finished, also those of a batch not yet committed, exits
/// with 130, and the next run analyzes the rest exactly once.
#[cfg(unix)]
#[test]
fn ctrl_c_stores_finished_tracks_and_exits_130() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let dir = Dir::new();
    // Batches far larger than the run: only the 1 s timer and the interruption commit. So
    // the run must last well beyond 1 s however fast the features are: 100 30-second clips
    // (several seconds), not the 2-second fixture (100 of those took 1.4 s once the features
    // got faster, and the interruption came after the end).
    let clip = data.join("gtzan/genres/blues/blues.00000.wav");
    let (child, db) = start_run_on_many(&dir, &clip, &["--commit-every", "100000"], Stdio::piped);
    // Some tracks into the next (uncommitted) batch.
    std::thread::sleep(Duration::from_millis(300));
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(out.stdout.is_empty(), "no partial listing on stdout");

    // "interrupted: K of 100 files stored (K analyzed), ..."
    let stored: i64 = stderr
        .split("interrupted: ")
        .nth(2)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| panic!("no count in: {stderr}"));
    assert!(stored > 0 && stored < N, "interrupted midway: {stderr}");
    assert_eq!(committed(&db), Some(stored), "every finished track stored");

    let ran = dir
        .cmd(["analyze", "many", "--db", "lib.db", "--format", "jsonl"])
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let summary = format!("{} analyzed, {stored} unchanged", N - stored);
    assert!(ran.stderr.contains(&summary), "{summary}: {}", ran.stderr);
    assert_eq!(committed(&db), Some(N));
}
