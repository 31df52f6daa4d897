//! `genrekit train` on small tables made in the test, on the GTZAN table and on a labeled
//! audio folder.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod util;

use util::Dir;

/// A 3-genre table with well-separated feature clusters: 12 tracks, 4 per genre.
pub fn small_table() -> String {
    let mut s = String::from("filename,length,f1,f2,label\n");
    for t in 0..12 {
        let g = t % 3;
        let jitter = (t / 3) as f64 * 0.1;
        s.push_str(&format!(
            "clip{t}.wav,100,{},{},{}\n",
            g as f64 * 10.0 + jitter,
            -(g as f64) * 5.0 - jitter,
            ["blues", "jazz", "rock"][g]
        ));
    }
    s
}

#[test]
fn trains_saves_and_excludes() {
    let dir = Dir::new();
    dir.create("t.csv", small_table().as_bytes());
    dir.create(
        "exclude.txt",
        b"# leave these out\nclip0.wav\n\nclip1.wav\n",
    );
    let out = dir
        .cmd([
            "train",
            "--csv",
            "t.csv",
            "--exclude",
            "exclude.txt",
            "--out",
            "m.json",
            "--k",
            "1",
        ])
        .arg("--folds")
        .arg("2")
        .stdout();
    assert!(
        out.contains("trained on 10 snippets, 3 genres, 2 features"),
        "{out}"
    );
    assert!(out.contains("cross-validated accuracy 100.0 %"), "{out}");
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("m.json")).unwrap()).unwrap();
    assert_eq!(model["format"], "genrekit-knn-model");
    assert_eq!(model["rows"].as_array().unwrap().len(), 10);
    assert_eq!(model["settings"]["k"], 1);
    assert_eq!(model["evaluation"]["accuracy"], 1.0);
    let tracks: Vec<&str> = model["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["track"].as_str().unwrap())
        .collect();
    assert!(!tracks.contains(&"clip0.wav") && !tracks.contains(&"clip1.wav"));
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let dir = Dir::new();
    dir.create("bad.csv", b"filename,f1,label\na.wav,xyz,rock\n");
    let ran = dir
        .cmd(["train", "--csv", "bad.csv", "--out", "m.json"])
        .run();
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("bad.csv: line 2") && ran.stderr.contains("xyz"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("panicked"));
    let ran = dir
        .cmd(["train", "--csv", "missing.csv", "--out", "m.json"])
        .run();
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("missing.csv"), "{}", ran.stderr);
    dir.create("t.csv", small_table().as_bytes());
    let ran = dir
        .cmd([
            "train",
            "--csv",
            "t.csv",
            "--out",
            "m.json",
            "--features",
            "f1,nope",
        ])
        .run();
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("nope"), "{}", ran.stderr);
    assert!(
        !dir.path().join("m.json").exists(),
        "nothing written on error"
    );
    let ran = dir
        .cmd(["train", "--csv", "t.csv", "--out", "m.json", "--k", "0"])
        .run();
    assert_eq!(ran.code, Some(2), "clap rejects k = 0");
}

#[test]
fn trains_the_default_settings_on_the_gtzan_table() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let dir = Dir::new();
    let csv = data.join("gtzan/features_30_sec.csv");
    let out = dir
        .cmd(["train", "--out", "m.json", "--repeats", "1", "--csv"])
        .arg(&csv)
        .stdout();
    assert!(
        out.contains("trained on 1000 snippets, 10 genres, 57 features"),
        "{out}"
    );
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("m.json")).unwrap()).unwrap();
    let acc = model["evaluation"]["accuracy"].as_f64().unwrap();
    assert!((0.68..0.74).contains(&acc), "accuracy {acc}");
}

/// A labeled folder made of shared clips: `labeled/GENRE/GENRE.0000N.wav` for three genres,
/// three clips each, plus a broken file and a non-audio file in the metal folder.
fn labeled_folder(dir: &Dir, data: &std::path::Path) {
    for genre in ["blues", "classical", "metal"] {
        for i in 0..3 {
            let name = format!("{genre}.0000{i}.wav");
            let clip = std::fs::read(data.join("gtzan/genres").join(genre).join(&name)).unwrap();
            dir.create(&format!("labeled/{genre}/{name}"), &clip);
        }
    }
    let broken = std::fs::read(util::fixture("bad/random_bytes.mp3")).unwrap();
    dir.create("labeled/metal/broken.mp3", &broken);
    dir.create("labeled/metal/notes.txt", b"not audio\n");
    dir.create("labeled/README.txt", b"outside the genre folders\n");
}

#[test]
fn trains_and_evaluates_on_a_labeled_audio_folder() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let dir = Dir::new();
    labeled_folder(&dir, &data);
    dir.create("exclude.txt", b"blues.00002.wav\n");
    let ran = dir
        .cmd([
            "train",
            "--dir",
            "labeled",
            "--out",
            "m.json",
            "--k",
            "1",
            "--folds",
            "2",
            "--repeats",
            "1",
            "--exclude",
            "exclude.txt",
        ])
        .run();
    // The broken file is named, left out, and makes the exit status 3; the model is written.
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    assert!(ran.stderr.contains("broken.mp3"), "{}", ran.stderr);
    assert!(
        ran.stdout
            .contains("trained on 8 snippets, 3 genres, 83 features"),
        "{}",
        ran.stdout
    );
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("m.json")).unwrap()).unwrap();
    let rows = model["rows"].as_array().unwrap();
    let tracks: Vec<&str> = rows.iter().map(|r| r["track"].as_str().unwrap()).collect();
    assert_eq!(tracks[0], "blues/blues.00000.wav");
    assert!(!tracks.contains(&"blues/blues.00002.wav"), "excluded");
    assert_eq!(rows[0]["label"], "blues");
    assert_eq!(rows[0]["snippet"], 0);

    // The folder's rows are the features `genrekit features` computes for the same file.
    let csv = dir
        .cmd(["features", "labeled/blues/blues.00000.wav"])
        .stdout();
    let values: Vec<f64> = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .skip(2)
        .map(|v| v.parse().unwrap())
        .collect();
    let row: Vec<f64> = rows[0]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(row.len(), values.len());
    for (a, b) in row.iter().zip(&values) {
        assert!((a - b).abs() <= 1e-6 * b.abs().max(1e-3), "{a} vs {b}");
    }

    let out = dir
        .cmd([
            "eval",
            "--dir",
            "labeled",
            "--k",
            "1",
            "--folds",
            "3",
            "--repeats",
            "1",
            "--format",
            "json",
        ])
        .run();
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["tracks"], 9);
    assert_eq!(
        report["labels"],
        serde_json::json!(["blues", "classical", "metal"])
    );
}

#[test]
fn labeled_folder_rows_join_a_table_on_its_columns() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let dir = Dir::new();
    labeled_folder(&dir, &data);
    std::fs::remove_file(dir.path().join("labeled/metal/broken.mp3")).unwrap();
    let out = dir
        .cmd([
            "train",
            "--no-eval",
            "--out",
            "m.json",
            "--dir",
            "labeled",
            "--csv",
        ])
        .arg(data.join("gtzan/features_30_sec.csv"))
        .stdout();
    assert!(
        out.contains("trained on 1009 snippets, 10 genres, 57 features"),
        "{out}"
    );

    let ran = dir.cmd(["train", "--out", "m.json", "--dir", "nope"]).run();
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("nope"), "{}", ran.stderr);
    let ran = dir.cmd(["train", "--out", "m.json"]).run();
    assert_eq!(ran.code, Some(2), "clap wants --csv or --dir");
}
