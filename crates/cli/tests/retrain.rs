//! `genrekit retrain`: labels become training rows of the user's model, which `predict` and
//! `analyze` then use.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod util;

use std::path::Path;

use serde_json::Value;
use util::Dir;

fn predicted_genre(dir: &Dir, file: &Path) -> String {
    let out = dir.cmd(["predict", "--format", "json"]).arg(file).stdout();
    let v: Value = serde_json::from_str(&out).unwrap();
    v[0]["genre"].as_str().unwrap().to_string()
}

#[test]
fn retrained_model_knows_the_new_genre_and_reset_forgets_it() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let dir = Dir::new();
    let files = util::short_shared_tracks(&data);
    let db = util::analyzed_library(&dir, &files);

    let ran = dir.cmd(["retrain", "--db"]).arg(&db).run();
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("no labeled tracks"), "{}", ran.stderr);

    let label = |file: &Path, genre: &str| {
        dir.cmd(["label", "--db"])
            .arg(&db)
            .arg(file)
            .arg(genre)
            .stdout();
    };
    label(&files[0], "jazz");
    label(&files[1], "chamber");
    label(&files[2], "chamber");
    assert_ne!(predicted_genre(&dir, &files[1]), "chamber");

    let out = dir.cmd(["retrain", "--db"]).arg(&db).stdout();
    assert!(
        out.contains("cross-validated on your 3 labeled tracks (3 folds)"),
        "{out}"
    );
    // 1000 GTZAN rows plus 1 + 2 + 2 snippets; one new genre.
    assert!(
        out.contains("1005 rows (5 from 3 labeled tracks), 11 genres (new: chamber)"),
        "{out}"
    );
    let user_model = dir.data_home().join("genrekit/model.json");
    assert!(user_model.is_file());

    // predict and analyze use it, and say so.
    let ran = dir
        .cmd(["predict", "--format", "json"])
        .arg(&files[1])
        .run();
    assert_eq!(ran.code, Some(0));
    assert!(
        ran.stderr.contains("using your retrained model"),
        "{}",
        ran.stderr
    );
    let v: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(v[0]["genre"], "chamber");
    assert_eq!(v[0]["probabilities"].as_object().unwrap().len(), 11);
    let out = dir
        .cmd(["analyze", "--quiet", "--format", "json", "--db"])
        .arg(&db)
        .arg(&files[2])
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.is_empty(), "--quiet: {}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v[0]["genre"], "chamber",
        "analyze re-predicts with the new model"
    );

    let out = dir.cmd(["model"]).stdout();
    assert!(out.contains("retrained from your labels"), "{out}");
    assert!(out.contains("genres (11): "), "{out}");
    assert!(
        out.contains("rows: 1005 from 1003 tracks (5 rows from 3 tracks labeled"),
        "{out}"
    );

    let out = dir.cmd(["model", "reset"]).stdout();
    assert!(out.contains("removed your model"), "{out}");
    assert!(!user_model.exists());
    assert_ne!(predicted_genre(&dir, &files[1]), "chamber");
}

#[test]
fn retrain_out_and_base_leave_the_user_model_alone() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let dir = Dir::new();
    let files = util::short_shared_tracks(&data);
    let db = util::analyzed_library(&dir, &files[3..]);
    // A GTZAN clip relabeled: its base row is replaced, not doubled.
    dir.cmd(["label", "--db"])
        .arg(&db)
        .arg(&files[3])
        .arg("delta blues")
        .stdout();
    let base = util::repo_root().join("models/default.json");
    let out = dir
        .cmd(["retrain", "--out", "mine.json", "--base"])
        .arg(&base)
        .arg("--db")
        .arg(&db)
        .stdout();
    assert!(
        out.contains("1 labeled track: too few to cross-validate"),
        "{out}"
    );
    assert!(
        out.contains("1000 rows (1 from 1 labeled tracks), 11 genres"),
        "{out}"
    );
    assert!(out.contains("use it with --model mine.json"), "{out}");
    assert!(dir.path().join("mine.json").is_file());
    assert!(!dir.data_home().join("genrekit/model.json").exists());
    let out = dir
        .cmd(["predict", "--format", "json", "--model", "mine.json"])
        .arg(&files[3])
        .stdout();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["genre"], "delta blues");
}
