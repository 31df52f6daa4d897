//! The shipped default model (`models/default.json`) loads and reads the extractor's schema.

use std::path::PathBuf;

use genrekit_classify::Model;

#[test]
fn default_model_loads_and_predicts_with_extra_columns() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/default.json");
    let model = Model::load(&path).unwrap();
    assert_eq!(model.genres().len(), 10);
    assert_eq!(model.rows().len(), 1000);
    assert!(
        model.evaluation().is_some(),
        "the model ships with its evaluation"
    );
    // The extractor's schema: the 57 table columns plus an appended extra.
    let mut names: Vec<String> = genrekit_features::TABLE_COLUMNS
        .iter()
        .map(|s| s.to_string())
        .collect();
    names.push("spectral_contrast1_mean".into());
    for row in model.rows().iter().step_by(97) {
        let mut v: Vec<f32> = row.features.iter().map(|&x| x as f32).collect();
        v.push(0.0);
        let p = model.predict_track(&[v], &names).unwrap();
        // A training row is its own nearest neighbour (f32 rounding keeps it far closer than any
        // other row), so a 1/d vote gives its own label almost all the weight.
        assert_eq!(p.genre, row.label, "{}", row.track);
        assert!(p.confidence > 0.9, "{} {}", row.track, p.confidence);
    }
    // Without the table columns the model refuses, naming what is missing.
    let err = model
        .predict_track(&[vec![0.0f32]], &["tempo"])
        .unwrap_err();
    assert!(err.to_string().contains("mfcc1_mean"), "{err}");
}
