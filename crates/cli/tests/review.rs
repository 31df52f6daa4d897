//! `genrekit review`: the scripted (non-terminal) review loop, its order and its saved answers.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod util;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use util::Dir;

/// Path → (predicted genre, confidence) as `analyze --format json` reports it.
fn predictions(
    dir: &Dir,
    db: &Path,
    files: &[std::path::PathBuf],
) -> BTreeMap<String, (String, f64)> {
    let mut cmd = dir.cmd(["analyze", "--quiet", "--format", "json", "--db"]);
    cmd.arg(db);
    for f in files {
        cmd.arg(f);
    }
    let v: Value = serde_json::from_str(&cmd.stdout()).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["path"].as_str().unwrap().to_string(),
                (
                    t["genre"].as_str().unwrap().to_string(),
                    t["confidence"].as_f64().unwrap(),
                ),
            )
        })
        .collect()
}

/// The paths review showed, in order (`[i/n] PATH` lines).
fn offered(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with('['))
        .map(|l| l.split_once("] ").unwrap().1.to_string())
        .collect()
}

#[test]
fn scripted_review_saves_every_answer_and_offers_labeled_tracks_no_more() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let dir = Dir::new();
    let files = util::short_shared_tracks(&data);
    let db = util::analyzed_library(&dir, &files);
    let predicted = predictions(&dir, &db, &files);

    // Least confident first, ties by path.
    let mut expected: Vec<(&String, f64)> = predicted.iter().map(|(p, (_, c))| (p, *c)).collect();
    expected.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
    let expected: Vec<String> = expected.into_iter().map(|(p, _)| p.clone()).collect();

    let ran = dir
        .cmd(["review", "--db"])
        .arg(&db)
        .stdin("y\nHouse Music\ns\nq\n")
        .run();
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    let shown = offered(&ran.stdout);
    assert_eq!(shown, expected[..4], "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("Reviewing 5 of 5 unlabeled tracks (uncertainty)")
    );
    assert!(ran.stdout.contains("top 3: "), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("snippets: 0:00-0:30 "),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("new genre House Music"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("2 labeled (1 accepted, 1 corrected, new genres: House Music), 1 skipped"),
        "{}",
        ran.stdout
    );

    // Both answers are in the library, the accepted one with the predicted genre.
    let list = dir.cmd(["label", "--list", "--db"]).arg(&db).stdout();
    let mut want = vec![
        format!("{},{},user", shown[0], predicted[&shown[0]].0),
        format!("{},House Music,user", shown[1]),
    ];
    want.sort();
    let got: Vec<&str> = list.lines().skip(1).collect();
    assert_eq!(got, want, "{list}");

    // The next session offers the three unlabeled tracks, the skipped one again; end of input
    // quits.
    let ran = dir.cmd(["review", "--db"]).arg(&db).stdin("").run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("Reviewing 3 of 3 unlabeled tracks"),
        "{}",
        ran.stdout
    );
    assert_eq!(offered(&ran.stdout), [shown[2].clone()]);
    // A known genre matches whatever its case and does not make a new one.
    let ran = dir
        .cmd(["review", "--db"])
        .arg(&db)
        .stdin("house music\n")
        .run();
    assert!(!ran.stdout.contains("new genre"), "{}", ran.stdout);
    assert!(ran.stdout.contains("labeled House Music"), "{}", ran.stdout);

    // --limit and a fixed random order.
    let random = |dir: &Dir| {
        let ran = dir
            .cmd(["review", "--strategy", "random", "--limit", "2", "--db"])
            .arg(&db)
            .stdin("s\ns\ns\n")
            .run();
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        offered(&ran.stdout)
    };
    let first = random(&dir);
    assert_eq!(first.len(), 2);
    assert_eq!(first, random(&dir));
}

#[test]
fn an_empty_library_is_a_clear_error() {
    let dir = Dir::new();
    let ran = dir.cmd(["review", "--db", "empty.db"]).stdin("").run();
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("empty.db"), "{}", ran.stderr);
    assert!(ran.stderr.contains("genrekit analyze"), "{}", ran.stderr);
}
