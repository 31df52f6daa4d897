//! The genre classifier of genrekit: a K-nearest-neighbours model over standardised feature
//! vectors whose per-snippet votes are averaged into one genre per track.
//!
//! [`Dataset`] holds labeled rows read from GTZAN-format tables; [`Model::train`] fits a
//! [`Scaler`], resolves [`Settings`] (k, [`Weighting`], [`Metric`], feature subset and weights)
//! and indexes the rows with linfa-nn; [`Model::predict_track`] returns a [`TrackPrediction`].
//! [`cross_validate`] measures settings with repeated stratified k-fold CV grouped by track,
//! [`search`] picks settings from a [`Grid`] and [`nested_cross_validate`] measures that choice
//! honestly. Models are stored as JSON ([`Model::save`], [`Model::load`]).
//!
//! ```
//! use genrekit_classify::{Dataset, LabeledRow, Model, Settings};
//!
//! let mut data = Dataset::new(vec!["tempo".into(), "rms_mean".into()]);
//! for (i, (tempo, genre)) in [(70.0, "blues"), (75.0, "blues"), (170.0, "metal"), (160.0, "metal")]
//!     .into_iter()
//!     .enumerate()
//! {
//!     let row = LabeledRow {
//!         features: vec![tempo, 0.1],
//!         label: genre.into(),
//!         source: "example".into(),
//!         track: format!("track{i}"),
//!         snippet: 0,
//!     };
//!     data.push(row)?;
//! }
//! let model = Model::train(&data, &Settings { k: 1, ..Settings::default() })?;
//! let track = model.predict_track(&[vec![0.1f32, 165.0]], &["rms_mean", "tempo"])?;
//! assert_eq!(track.genre, "metal");
//! # Ok::<(), genrekit_classify::Error>(())
//! ```

#![deny(missing_docs)]

mod active;
mod dataset;
mod error;
mod evaluate;
mod folds;
mod knn;
mod metrics;
mod model;
mod pipeline;
mod plot;
mod predict;
mod rng;
mod scaler;
mod settings;
mod tune;

pub use active::{Candidate, LabeledCv, Strategy, labeled_cv, rank, retrain};
pub use dataset::{Dataset, LabeledRow};
pub use error::{Error, Result};
pub use evaluate::{CvOptions, Evaluation, cross_validate};
pub use folds::assign_folds;
pub use knn::{Metric, Weighting};
pub use metrics::{ClassMetrics, Confusion, mean_sd};
pub use model::{FORMAT_VERSION, Model};
pub use plot::{write_bar_chart_svg, write_confusion_svg};
pub use predict::{SnippetPrediction, TrackPrediction, argmax, mean_probabilities};
pub use rng::SplitMix64;
pub use scaler::Scaler;
pub use settings::{FeatureSet, FeatureWeighting, Settings};
pub use tune::{Grid, NestedEvaluation, Scored, Search, nested_cross_validate, search};
