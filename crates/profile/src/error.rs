//! The error type of the profile crate.

use std::path::PathBuf;

/// An error building a collection or asking it for recommendations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A track's feature vector does not have one value per feature name.
    #[error("{}: {actual} feature values, but there are {expected} feature names", path.display())]
    FeatureLength {
        /// The track.
        path: PathBuf,
        /// Number of feature names.
        expected: usize,
        /// Number of values of the track.
        actual: usize,
    },
    /// Recommendations need at least one liked track.
    #[error("no liked tracks yet: like a few with `genrekit like PATH...` first")]
    NoLikes,
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
