//! `genrekit train` on small tables made in the test and on the GTZAN table.

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
