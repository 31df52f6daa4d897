//! `genrekit eval` and `genrekit tune` on small tables made in the test and on the GTZAN table.

mod util;

use util::Dir;

/// A 3-genre table: 30 tracks, two informative features and one noise feature.
fn table() -> String {
    let mut s = String::from("filename,length,f1,f2,noise,label\n");
    for t in 0..30u64 {
        let g = t % 3;
        // Deterministic pseudo-noise from a multiplicative hash.
        let h = |salt: u64| ((t * 2654435761 + salt * 40503) % 1000) as f64 / 1000.0;
        s.push_str(&format!(
            "c{t}.wav,1,{},{},{},{}\n",
            g as f64 + 0.5 * h(1),
            -(g as f64) + 0.5 * h(2),
            10.0 * h(3),
            ["blues", "jazz", "rock"][g as usize]
        ));
    }
    s
}

#[test]
fn json_report_has_the_documented_fields_and_plot_is_written() {
    let dir = Dir::new();
    dir.create("t.csv", table().as_bytes());
    let out = dir
        .cmd([
            "eval",
            "--csv",
            "t.csv",
            "--folds",
            "3",
            "--repeats",
            "2",
            "--format",
            "json",
            "--plot",
            "c.svg",
            "--features",
            "f1,f2",
        ])
        .stdout();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in [
        "accuracy",
        "accuracy_sd",
        "macro_f1",
        "per_class",
        "confusion",
        "labels",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {out}");
    }
    assert_eq!(v["labels"], serde_json::json!(["blues", "jazz", "rock"]));
    assert_eq!(v["accuracy"], 1.0);
    assert_eq!(v["repeat_accuracies"].as_array().unwrap().len(), 2);
    let total: u64 = v["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|c| c.as_u64().unwrap()))
        .sum();
    assert_eq!(total, 60, "30 tracks x 2 repeats");
    let svg = std::fs::read_to_string(dir.path().join("c.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("rock"));
}

#[test]
fn table_report_and_too_many_folds() {
    let dir = Dir::new();
    dir.create("t.csv", table().as_bytes());
    let out = dir
        .cmd(["eval", "--csv", "t.csv", "--folds", "5", "--repeats", "1"])
        .stdout();
    assert!(
        out.contains("accuracy") && out.contains("confusion") && out.contains("jazz"),
        "{out}"
    );
    let ran = dir.cmd(["eval", "--csv", "t.csv", "--folds", "40"]).run();
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("fewer folds"), "{}", ran.stderr);
}

#[test]
fn tune_runs_nested_cv_and_writes_a_model() {
    let dir = Dir::new();
    dir.create("t.csv", table().as_bytes());
    let out = dir
        .cmd([
            "tune",
            "--csv",
            "t.csv",
            "--folds",
            "3",
            "--inner-folds",
            "3",
            "--repeats",
            "1",
            "--format",
            "json",
            "--out",
            "m.json",
        ])
        .stdout();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["nested"]["accuracy"].as_f64().unwrap() > 0.7, "{out}");
    let chosen: u64 = v["chosen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[1].as_u64().unwrap())
        .sum();
    assert_eq!(chosen, 3, "one choice per outer fold");
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("m.json")).unwrap()).unwrap();
    assert_eq!(model["rows"].as_array().unwrap().len(), 30);
    assert!(model["evaluation"]["accuracy"].as_f64().is_some());
}

#[test]
fn eval_on_the_gtzan_table() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let dir = Dir::new();
    let csv = data.join("gtzan/features_30_sec.csv");
    let out = dir
        .cmd(["eval", "--repeats", "2", "--format", "json", "--csv"])
        .arg(&csv)
        .stdout();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let acc = v["accuracy"].as_f64().unwrap();
    // scikit-learn's anchor for these settings is 71.4 % (5 shuffles of 10-fold CV).
    assert!((0.69..0.73).contains(&acc), "accuracy {acc}");
    assert_eq!(v["per_class"].as_array().unwrap().len(), 10);
}
