//! The error type of the library store.

use std::io;
use std::path::PathBuf;

/// An error from the library store, the folder walker or the content hasher.
///
/// Every variant keeps its underlying error as `source()`, and names the database or the file
/// it concerns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An SQLite call on the database `db` failed.
    #[error("library database {}: {source}", db.display())]
    Sqlite {
        /// The database file (`:memory:` for an in-memory database).
        db: PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database was written by a newer genrekit than this one.
    #[error(
        "library database {} has schema version {found}, but this genrekit knows only up to \
         {known}; upgrade genrekit or pass another --db file",
        db.display()
    )]
    TooNew {
        /// The database file.
        db: PathBuf,
        /// The `user_version` found in the file.
        found: i64,
        /// The newest version this build can migrate to.
        known: i64,
    },
    /// Reading a file or folder failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The default database location could not be found because neither `XDG_DATA_HOME` nor
    /// `HOME` is set.
    #[error(
        "cannot find a place for the library database: set XDG_DATA_HOME or HOME, or pass --db FILE"
    )]
    NoDataDir,
    /// A path is not valid UTF-8 and cannot be stored.
    #[error("{}: the path is not valid UTF-8, so it cannot be stored in the library; rename the file", path.display())]
    NonUtf8Path {
        /// The path, shown lossily.
        path: PathBuf,
    },
    /// A track is not in the library.
    #[error("{}: not in the library; analyze it first", path.display())]
    UnknownTrack {
        /// The path that was looked up.
        path: PathBuf,
    },
    /// A feature vector does not have one value per feature name.
    #[error(
        "{}: snippet {snippet} has {actual} feature values, but the schema has {expected} names",
        path.display()
    )]
    FeatureLength {
        /// The track the snippet belongs to.
        path: PathBuf,
        /// The snippet index.
        snippet: usize,
        /// Number of feature names in the schema.
        expected: usize,
        /// Number of values in the vector.
        actual: usize,
    },
    /// The library already holds different feature names for this schema version.
    #[error(
        "library database {}: feature schema version {version} is stored with other feature \
         names; a schema change must bump genrekit_features::SCHEMA_VERSION",
        db.display()
    )]
    SchemaConflict {
        /// The database file.
        db: PathBuf,
        /// The schema version.
        version: u32,
    },
    /// No features of this schema version are stored.
    #[error(
        "library database {} holds no features of schema version {version}; run `genrekit analyze` first",
        db.display()
    )]
    NoFeatures {
        /// The database file.
        db: PathBuf,
        /// The schema version asked for.
        version: u32,
    },
    /// A stored value could not be decoded (the database was edited by hand or is corrupt).
    #[error("library database {}: {what}", db.display())]
    Corrupt {
        /// The database file.
        db: PathBuf,
        /// What was wrong.
        what: String,
    },
    /// Writing the CSV export failed.
    #[error("writing CSV: {source}")]
    Csv {
        /// The CSV error.
        #[source]
        source: csv::Error,
    },
    /// Encoding or decoding a JSON column failed.
    #[error("library database {}: JSON column: {source}", db.display())]
    Json {
        /// The database file.
        db: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
