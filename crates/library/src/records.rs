//! Plain data going into and coming out of the library.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::hash::ContentHash;

/// Row id of a track in the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackId(pub(crate) i64);

impl TrackId {
    /// The SQLite row id.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// The named feature schema the stored vectors follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureSchema {
    /// Schema version (`genrekit_features::SCHEMA_VERSION`).
    pub version: u32,
    /// One name per vector element, in order.
    pub names: Vec<String>,
}

impl FeatureSchema {
    /// A schema from a version and its feature names.
    pub fn new<S: Into<String>>(version: u32, names: impl IntoIterator<Item = S>) -> Self {
        FeatureSchema {
            version,
            names: names.into_iter().map(Into::into).collect(),
        }
    }
}

/// What identifies a file's content for incremental scanning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileState {
    /// Absolute path; must be valid UTF-8 to be stored.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the Unix epoch.
    pub mtime_ns: i64,
    /// Content hash, if computed. A track stored without one is re-analyzed when its mtime
    /// changes, since equal content cannot be proven.
    pub hash: Option<ContentHash>,
}

/// Properties of the decoded audio stream.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioInfo {
    /// Duration in seconds.
    pub duration_s: f64,
    /// Sample rate of the file (before resampling), in Hz.
    pub sample_rate: u32,
    /// Channel count of the file (before downmixing).
    pub channels: u16,
    /// Codec name, such as `mp3` or `flac`.
    pub codec: String,
}

/// Tags read from the file's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    /// Track title.
    pub title: Option<String>,
    /// Artist.
    pub artist: Option<String>,
    /// Album.
    pub album: Option<String>,
    /// Genre as tagged (not predicted).
    pub genre: Option<String>,
}

/// One snippet of a track and its feature vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Snippet {
    /// Start time in seconds.
    pub start_s: f64,
    /// End time in seconds.
    pub end_s: f64,
    /// Number of mono samples at the analysis rate (the GTZAN table's `length`).
    pub n_samples: u64,
    /// Feature values, one per name of the batch's [`FeatureSchema`].
    pub features: Vec<f32>,
}

/// A track's genre prediction by one model.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Identifier of the model (name and version, or a hash of the model file).
    pub model_id: String,
    /// The predicted genre.
    pub genre: String,
    /// Probability of `genre`, averaged over snippets.
    pub confidence: f32,
    /// `confidence` minus the next genre's probability.
    pub margin: f32,
    /// Averaged probability of every genre.
    pub probabilities: BTreeMap<String, f32>,
    /// Per-snippet probabilities, in snippet order.
    pub snippets: Vec<BTreeMap<String, f32>>,
}

/// A successfully analyzed track, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzedTrack {
    /// Which file and which content.
    pub file: FileState,
    /// Stream properties.
    pub audio: AudioInfo,
    /// Metadata tags.
    pub tags: Tags,
    /// Snippets in time order.
    pub snippets: Vec<Snippet>,
    /// The prediction, if a model ran.
    pub prediction: Option<Prediction>,
}

/// A track whose analysis failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedTrack {
    /// Which file and which content.
    pub file: FileState,
    /// A short machine-readable kind, such as `decode`, `unsupported`, `io`, `empty`.
    pub kind: String,
    /// The full message shown to the user.
    pub message: String,
}

/// Why [`Library::check`](crate::Library::check) says a file must be analyzed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnalyzeReason {
    /// The path is not in the library.
    New,
    /// Size or content changed.
    Changed,
    /// The stored features (or failure) come from another feature schema version.
    OutdatedSchema,
}

/// Why [`Library::check`](crate::Library::check) says a file needs no analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// Same size and mtime, features current.
    Unchanged,
    /// The mtime changed but the content hash did not; the stored mtime was updated.
    Touched,
    /// Unchanged since its analysis failed with the current schema; analyze again only if the
    /// user asks to retry failures.
    PreviouslyFailed,
}

/// What incremental scanning should do with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Decode and analyze it.
    Analyze {
        /// Why.
        reason: AnalyzeReason,
        /// The content hash if it was computed while deciding; pass it on in [`FileState`].
        hash: Option<ContentHash>,
    },
    /// Leave it alone.
    Skip(SkipReason),
}

impl Decision {
    /// True for [`Decision::Analyze`].
    pub fn needs_analysis(&self) -> bool {
        matches!(self, Decision::Analyze { .. })
    }
}

/// A track's latest prediction, in short.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionSummary {
    /// Model that made it.
    pub model_id: String,
    /// Predicted genre.
    pub genre: String,
    /// Probability of that genre.
    pub confidence: f32,
    /// Lead over the runner-up.
    pub margin: f32,
}

/// Why a track's analysis failed, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureInfo {
    /// Short kind, such as `decode`.
    pub kind: String,
    /// Full message.
    pub message: String,
}

/// One line of a track listing.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackSummary {
    /// Row id.
    pub id: TrackId,
    /// File path.
    pub path: PathBuf,
    /// Duration in seconds, if analyzed.
    pub duration_s: Option<f64>,
    /// Tags.
    pub tags: Tags,
    /// The latest prediction, if any.
    pub prediction: Option<PredictionSummary>,
    /// The latest label a person gave, if any.
    pub label: Option<String>,
    /// The failure, if the analysis failed.
    pub failure: Option<FailureInfo>,
}

/// A snippet as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSnippet {
    /// Index within the track, from 0.
    pub index: u32,
    /// Feature schema version of `snippet.features`.
    pub schema_version: u32,
    /// Times, length and features.
    pub snippet: Snippet,
}

/// Everything stored about one track.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackDetail {
    /// Row id.
    pub id: TrackId,
    /// File state at analysis time.
    pub file: FileState,
    /// Stream properties, if decoding got that far.
    pub audio: Option<AudioInfo>,
    /// Tags.
    pub tags: Tags,
    /// Feature schema version of the analysis.
    pub schema_version: u32,
    /// When it was analyzed, Unix seconds.
    pub analyzed_at: i64,
    /// The failure, if the analysis failed.
    pub failure: Option<FailureInfo>,
    /// Snippets in order.
    pub snippets: Vec<StoredSnippet>,
    /// The latest prediction with its probabilities, if any.
    pub prediction: Option<Prediction>,
}

/// Stored features of one track, for predicting with a new model.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackFeatures {
    /// Row id, to pass to [`Batch::put_prediction`](crate::Batch::put_prediction).
    pub id: TrackId,
    /// File path.
    pub path: PathBuf,
    /// Feature vectors in snippet order.
    pub snippets: Vec<Vec<f32>>,
}

/// Counts over the whole library.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// All tracks, analyzed or failed.
    pub tracks: u64,
    /// Tracks analyzed successfully.
    pub analyzed: u64,
    /// Tracks whose analysis failed.
    pub failed: u64,
    /// Stored snippets.
    pub snippets: u64,
    /// Sum of durations of analyzed tracks, in seconds.
    pub total_duration_s: f64,
    /// Tracks per genre of their latest prediction, most frequent first (ties by name).
    pub per_genre: Vec<(String, u64)>,
    /// Failed tracks per error kind, most frequent first (ties by name).
    pub failures_by_kind: Vec<(String, u64)>,
    /// Tracks that have a label.
    pub labeled: u64,
    /// Tracks liked (+1).
    pub liked: u64,
    /// Tracks disliked (-1).
    pub disliked: u64,
}

/// A failed track, for the failures listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// File path.
    pub path: PathBuf,
    /// Kind and message.
    pub failure: FailureInfo,
    /// When the analysis ran, Unix seconds.
    pub analyzed_at: i64,
}

/// A genre label given to a track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The genre.
    pub genre: String,
    /// Where it came from, such as `user`, `tag` or `import`.
    pub source: String,
    /// When it was given, Unix seconds.
    pub created_at: i64,
}

/// A person's opinion of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Like {
    /// Liked (+1).
    Like,
    /// Disliked (-1).
    Dislike,
}

impl Like {
    /// +1 or -1, as stored.
    pub fn value(self) -> i64 {
        match self {
            Like::Like => 1,
            Like::Dislike => -1,
        }
    }

    /// The opinion for a stored value: positive is a like, otherwise a dislike.
    pub(crate) fn from_value(v: i64) -> Self {
        if v > 0 { Like::Like } else { Like::Dislike }
    }
}
