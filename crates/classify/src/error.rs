//! The error type of genrekit-classify.

use std::path::PathBuf;

/// Everything that can go wrong while reading tables, training, evaluating or loading a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A feature table could not be parsed as CSV.
    #[error("{}: not a readable CSV table: {source}", path.display())]
    Csv {
        /// The table.
        path: PathBuf,
        /// The underlying CSV error.
        #[source]
        source: csv::Error,
    },
    /// A feature table is CSV but does not have the expected shape or values.
    #[error("{}: line {line}: {message}", path.display())]
    Table {
        /// The table.
        path: PathBuf,
        /// 1-based line number (1 is the header).
        line: u64,
        /// What is wrong, and what to do about it.
        message: String,
    },
    /// A model file is not valid JSON of the model format.
    #[error("{}: not a genrekit model file: {source}", path.display())]
    ModelJson {
        /// The model file.
        path: PathBuf,
        /// The underlying JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// A model file is well formed JSON but its content is inconsistent or from another version.
    #[error("{}: invalid model: {message}", path.display())]
    InvalidModel {
        /// The model file.
        path: PathBuf,
        /// What is wrong, and what to do about it.
        message: String,
    },
    /// The caller's feature vectors lack features the model was trained on.
    #[error(
        "the model needs features that the input does not have: {}; re-extract the features with a \
         genrekit version that computes them, or retrain the model on the features you have",
        missing.join(", ")
    )]
    MissingFeatures {
        /// Names of the features the model needs and the input lacks.
        missing: Vec<String>,
    },
    /// A feature name was asked for (a feature subset or weight) that the data does not have.
    #[error("unknown feature name {name:?}; known features: {known}")]
    UnknownFeature {
        /// The name asked for.
        name: String,
        /// The names available, comma separated.
        known: String,
    },
    /// A snippet vector's length differs from the number of feature names given with it.
    #[error("snippet {index} has {found} values but {expected} feature names were given")]
    VectorLength {
        /// Index of the snippet.
        index: usize,
        /// Number of values in the snippet.
        found: usize,
        /// Number of feature names.
        expected: usize,
    },
    /// A feature value is NaN or infinite.
    #[error("feature {name:?} of {what} is not a finite number")]
    NonFinite {
        /// The feature.
        name: String,
        /// Which row or snippet.
        what: String,
    },
    /// Hyperparameters or data that cannot work together (k = 0, too few tracks for the folds...).
    #[error("{0}")]
    InvalidInput(String),
    /// The nearest-neighbour index failed.
    #[error("nearest-neighbour index: {0}")]
    Index(String),
    /// Drawing a picture failed.
    #[error("{}: cannot draw the picture: {message}", path.display())]
    Plot {
        /// The picture file.
        path: PathBuf,
        /// The plotting backend's message.
        message: String,
    },
}

/// Result alias of genrekit-classify.
pub type Result<T, E = Error> = std::result::Result<T, E>;
