//! Parity with scikit-learn on the GTZAN feature table (read from `../shared/data`).
//!
//! Leave-one-out cross-validation does not depend on how folds are shuffled, so our KNN must get
//! exactly the same number of tracks right as scikit-learn 1.9.1's
//! `cross_val_predict(make_pipeline(StandardScaler(), KNeighborsClassifier(k, weights, p)), X, y,
//! cv=LeaveOneOut())` (scaler refit on the 999 training rows of every fold).

use std::collections::HashSet;
use std::path::PathBuf;

use genrekit_classify::{CvOptions, Dataset, Metric, Settings, Weighting, cross_validate};

fn table() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gtzan/features_30_sec.csv")
}

#[test]
fn leave_one_out_matches_scikit_learn_exactly() {
    let data = Dataset::read_tables(&[table()], &HashSet::new()).expect("the shared GTZAN table");
    assert_eq!(data.len(), 1000);
    assert_eq!(data.feature_names().len(), 57);
    assert_eq!(data.feature_names(), genrekit_features::TABLE_COLUMNS);
    // (k, weighting, metric, correct tracks out of 1000 according to scikit-learn)
    let cases = [
        (5, Weighting::Distance, Metric::L2, 719),
        (1, Weighting::Uniform, Metric::L2, 683),
        (7, Weighting::Uniform, Metric::L1, 695),
    ];
    let loo = CvOptions {
        folds: 1000,
        repeats: 1,
        seed: 1,
    };
    for (k, weighting, metric, want) in cases {
        let s = Settings {
            k,
            weighting,
            metric,
            ..Settings::default()
        };
        let e = cross_validate(&data, &s, loo).unwrap();
        let correct: u64 = (0..10).map(|i| e.confusion.counts[i][i]).sum();
        assert_eq!(correct, want, "{}", s.describe());
    }
}

#[test]
fn ten_fold_accuracy_is_near_the_scikit_learn_anchor() {
    // scikit-learn, 5 shuffles of StratifiedKFold(10): 71.4 % ± 0.5 (k=5, distance, standardised).
    // Our shuffles differ, so allow 1.5 points.
    let data = Dataset::read_tables(&[table()], &HashSet::new()).unwrap();
    let e = cross_validate(&data, &Settings::default(), CvOptions::default()).unwrap();
    assert!(
        (e.accuracy - 0.714).abs() < 0.015,
        "accuracy {}",
        e.accuracy
    );
    assert_eq!(e.tracks, 1000);
    assert_eq!(e.repeat_accuracies.len(), 5);
}
