//! The genrekit music library: an SQLite store of tracks, snippet features, genre predictions,
//! labels and likes, with incremental scanning so unchanged files are not decoded twice.
//!
//! [`Library`] opens (and migrates) the database; [`walk`] lists the files of music folders;
//! [`Library::check`] decides per file whether it must be analyzed; a [`Batch`] writes finished
//! tracks in one transaction; queries list tracks, count them, export features as a GTZAN-style
//! CSV table and record labels and likes. The store takes plain data (paths, `Vec<f32>`
//! feature vectors, a [`FeatureSchema`], [`Prediction`]s), not the extractor's or classifier's
//! types.
//!
//! ```
//! use genrekit_library::{Library, FeatureSchema, TrackFilter};
//!
//! # fn main() -> Result<(), genrekit_library::Error> {
//! let mut library = Library::open_in_memory()?;
//! let schema = FeatureSchema::new(1, ["rms_mean", "tempo"]);
//! let batch = library.batch(&schema)?;
//! assert_eq!(batch.commit()?, 0);
//! assert!(library.tracks(&TrackFilter::default())?.is_empty());
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod blob;
mod error;
mod export;
mod feedback;
mod hash;
mod incremental;
mod migrations;
mod query;
mod records;
mod scan;
mod store;
mod taste;
mod training;
mod write;

pub use error::{Error, Result};
pub use export::ExportOptions;
pub use hash::{ContentHash, content_hash};
pub use query::TrackFilter;
pub use records::{
    AnalyzeReason, AnalyzedTrack, AudioInfo, Decision, FailedTrack, Failure, FailureInfo,
    FeatureSchema, FileState, Label, Like, Prediction, PredictionSummary, SkipReason, Snippet,
    Stats, StoredSnippet, Tags, TrackDetail, TrackFeatures, TrackId, TrackSummary,
};
pub use scan::{AUDIO_EXTENSIONS, FileKind, ScannedFile, Walk, WalkOptions, is_audio_path, walk};
pub use store::Library;
pub use taste::TasteTrack;
pub use training::{LabeledTrack, LabeledTracks, ReviewCandidate};
pub use write::Batch;
