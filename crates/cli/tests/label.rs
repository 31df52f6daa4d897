//! `genrekit label`: one label, labels imported from CSV, the list of labels.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod util;

use util::Dir;

#[test]
fn label_import_and_list() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let dir = Dir::new();
    let files = util::short_shared_tracks(&data)[..2].to_vec();
    let db = util::analyzed_library(&dir, &files);
    // The library stores canonical paths; labels may name files any way.
    let canon: Vec<String> = files
        .iter()
        .map(|f| std::fs::canonicalize(f).unwrap().display().to_string())
        .collect();

    let out = dir
        .cmd(["label", "--db"])
        .arg(&db)
        .arg(&files[0])
        .arg("jazz")
        .stdout();
    assert_eq!(out, format!("{}: jazz\n", canon[0]));
    let out = dir
        .cmd(["label", "--db"])
        .arg(&db)
        .arg(&files[0])
        .arg("Trumpet Solo")
        .stdout();
    assert!(out.starts_with("new genre Trumpet Solo\n"), "{out}");

    let ran = dir
        .cmd(["label", "--db"])
        .arg(&db)
        .arg("not-analyzed.ogg")
        .arg("jazz")
        .run();
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains("not-analyzed.ogg: not in the library"),
        "{}",
        ran.stderr
    );

    let csv = dir.create(
        "labels.csv",
        format!(
            "path,genre\n{},waltz\nnowhere.ogg,jazz\n{},\n\n",
            files[1].display(),
            files[0].display()
        )
        .as_bytes(),
    );
    let ran = dir
        .cmd(["label", "--db"])
        .arg(&db)
        .arg("--import")
        .arg(&csv)
        .run();
    assert_eq!(ran.code, Some(3), "some rows failed: {}", ran.stderr);
    assert!(ran.stdout.contains("imported 1 labels"), "{}", ran.stdout);
    let errors: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{}", ran.stderr);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("labels.csv line 4") && e.contains("genre is empty"))
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("labels.csv line 3") && e.contains("nowhere.ogg"))
    );

    // The latest label counts; the list can be imported again.
    let list = dir.cmd(["label", "--list", "--db"]).arg(&db).stdout();
    let mut want = vec![
        "path,genre,source".to_string(),
        format!("{},Trumpet Solo,user", canon[0]),
        format!("{},waltz,import", canon[1]),
    ];
    want[1..].sort();
    assert_eq!(list.lines().collect::<Vec<_>>(), want);
    let again = dir.create("again.csv", list.as_bytes());
    let ran = dir
        .cmd(["label", "--db"])
        .arg(&db)
        .arg("--import")
        .arg(&again)
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stdout.contains("imported 2 labels"), "{}", ran.stdout);

    let ran = dir
        .cmd(["label", "--db"])
        .arg(&db)
        .arg("--import")
        .arg("missing.csv")
        .run();
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("missing.csv"), "{}", ran.stderr);
}
