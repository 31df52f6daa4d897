//! `genrekit dataset export`: the training rows as a GTZAN-format table that `train` reads back,
//! with provenance beside it.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod util;

use util::Dir;

#[test]
fn exported_rows_are_the_retraining_rows_and_train_reads_them() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let dir = Dir::new();
    let files = util::short_shared_tracks(&data);
    let db = util::analyzed_library(&dir, &[files[1].clone(), files[3].clone()]);
    let label = |file: &std::path::Path, genre: &str| {
        dir.cmd(["label", "--db"])
            .arg(&db)
            .arg(file)
            .arg(genre)
            .stdout();
    };
    label(&files[1], "waltz"); // 2 snippets, a new genre
    label(&files[3], "delta blues"); // replaces the table's blues.00000.wav row

    let out = dir
        .cmd(["dataset", "export", "--csv", "rows.csv", "--db"])
        .arg(&db)
        .stdout();
    assert!(
        out.contains("wrote 1002 rows (3 from 2 labeled tracks)"),
        "{out}"
    );
    let table = std::fs::read_to_string(dir.path().join("rows.csv")).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 1 + 1002);
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(header.len(), 1 + 57 + 1);
    assert_eq!((header[0], header[58]), ("filename", "label"));
    assert!(!table.contains("\nblues.00000.wav,"));
    let waltz = std::fs::canonicalize(&files[1])
        .unwrap()
        .display()
        .to_string();
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with(&format!("{waltz},")))
            .count(),
        2
    );

    let provenance = std::fs::read_to_string(dir.path().join("rows.provenance.csv")).unwrap();
    let prov: Vec<&str> = provenance.lines().collect();
    assert_eq!(prov.len(), lines.len());
    assert_eq!(prov[0], "filename,snippet,label,source");
    assert!(
        prov.iter()
            .any(|l| l.starts_with(&format!("{waltz},1,waltz,library ")))
    );
    assert!(prov[1].ends_with("features_30_sec.csv"), "{}", prov[1]);

    let out = dir
        .cmd(["train", "--csv", "rows.csv", "--out", "m.json", "--no-eval"])
        .stdout();
    assert!(out.contains("trained on 1002 snippets, 12 genres"), "{out}");
}
