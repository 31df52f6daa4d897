//! Feature vectors of a whole audio file: decode, cut into snippets, extract each.

use std::cell::RefCell;
use std::path::Path;

use genrekit_audio::{AudioError, AudioFile, DecodeOptions, Snippet, SnippetOptions, SourceInfo};
use rayon::prelude::*;

use crate::extract::FeatureExtractor;

/// The feature vector of one snippet of a track, with where it lies in the track.
#[derive(Debug, Clone, PartialEq)]
pub struct SnippetFeatures {
    /// Position of the snippet in the track, from 0.
    pub index: usize,
    /// First sample of the snippet, at the decoding rate.
    pub start: usize,
    /// Number of samples in the snippet.
    pub n_samples: usize,
    /// Start of the snippet, in seconds.
    pub start_seconds: f64,
    /// End of the snippet (exclusive), in seconds.
    pub end_seconds: f64,
    /// One value per name of [`crate::feature_names`].
    pub values: Vec<f32>,
}

/// Everything genrekit computes from one file: what the file is, and a feature vector for
/// each of its snippets.
#[derive(Debug, Clone)]
pub struct TrackFeatures {
    /// Container, codec, original rate, tags, as probed.
    pub info: SourceInfo,
    /// Rate the snippets were decoded to (22050 Hz by default).
    pub sample_rate: u32,
    /// Samples of the whole track after downmixing and resampling.
    pub n_samples: usize,
    /// Packets the decoder could not decode and skipped, as players do.
    pub skipped_packets: usize,
    /// The snippets in order; never empty.
    pub snippets: Vec<SnippetFeatures>,
}

impl TrackFeatures {
    /// Duration of the decoded track, in seconds.
    pub fn duration_seconds(&self) -> f64 {
        self.n_samples as f64 / f64::from(self.sample_rate)
    }
}

/// Decodes `path` and computes the feature vector of each snippet.
///
/// The file is decoded as a stream: each snippet is analysed as soon as the decoder has
/// produced it and then dropped, so memory stays bounded by about two snippets whatever the
/// track's length.
///
/// # Errors
/// The file's [`AudioError`] when it cannot be opened or decoded, has no audio track, or is too
/// short to analyse. Each names the file.
pub fn extract_track(
    path: &Path,
    decode: &DecodeOptions,
    snippets: &SnippetOptions,
    extractor: &mut FeatureExtractor,
) -> Result<TrackFeatures, AudioError> {
    extract_in_batches(path, decode, snippets, 1, |batch, sample_rate, out| {
        out.extend(
            batch
                .iter()
                .map(|snippet| snippet_features(snippet, sample_rate, extractor)),
        );
    })
}

/// [`extract_track`] with the snippets of the one file spread over the threads of the current
/// rayon pool: for a long track when there are fewer files than threads.
///
/// The file is still decoded as a stream, on the calling thread: `batch` snippets at a time
/// (at least 1) are decoded, then extracted in parallel, each worker thread using its own
/// [`FeatureExtractor`] (kept per thread and reused), and dropped. Memory is bounded by `batch`
/// snippets plus one extractor per thread, whatever the track's length; the features are the
/// same, bit for bit, as [`extract_track`]'s, in the same order.
///
/// # Errors
/// As [`extract_track`].
pub fn extract_track_parallel(
    path: &Path,
    decode: &DecodeOptions,
    snippets: &SnippetOptions,
    batch: usize,
) -> Result<TrackFeatures, AudioError> {
    extract_in_batches(path, decode, snippets, batch, |batch, sample_rate, out| {
        let extracted: Vec<SnippetFeatures> = batch
            .par_iter()
            .map(|snippet| {
                with_thread_extractor(sample_rate, |extractor| {
                    snippet_features(snippet, sample_rate, extractor)
                })
            })
            .collect();
        out.extend(extracted);
    })
}

/// Opens `path`, decodes it as a stream `batch` snippets at a time (at least 1), hands each
/// batch to `extract` (which appends its features, in order, to the output) and drops it.
fn extract_in_batches(
    path: &Path,
    decode: &DecodeOptions,
    snippets: &SnippetOptions,
    batch: usize,
    mut extract: impl FnMut(&[Snippet], u32, &mut Vec<SnippetFeatures>),
) -> Result<TrackFeatures, AudioError> {
    let file = AudioFile::open(path, decode)?;
    let info = file.info().clone();
    let sample_rate = decode.target_sample_rate();
    let mut stream = file.snippets(snippets);
    let mut out = Vec::new();
    let mut pending = Vec::with_capacity(batch.max(1));
    loop {
        pending.clear();
        for snippet in stream.by_ref().take(batch.max(1)) {
            pending.push(snippet?);
        }
        if pending.is_empty() {
            break;
        }
        extract(&pending, sample_rate, &mut out);
    }
    Ok(TrackFeatures {
        info,
        sample_rate,
        n_samples: stream.total_samples(),
        skipped_packets: stream.skipped_packets(),
        snippets: out,
    })
}

/// The features of one decoded snippet, with its position.
fn snippet_features(
    snippet: &Snippet,
    sample_rate: u32,
    extractor: &mut FeatureExtractor,
) -> SnippetFeatures {
    SnippetFeatures {
        index: snippet.index,
        start: snippet.start,
        n_samples: snippet.samples.len(),
        start_seconds: snippet.start_seconds(sample_rate),
        end_seconds: snippet.end_seconds(sample_rate),
        values: extractor.extract(&snippet.samples),
    }
}

thread_local! {
    /// This thread's extractor for [`extract_track_parallel`], with its sample rate.
    static EXTRACTOR: RefCell<Option<(u32, FeatureExtractor)>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's extractor for `sample_rate`, making it on first use (or when the
/// rate changes). `f` must not call back into this function (extraction does not).
fn with_thread_extractor<R>(sample_rate: u32, f: impl FnOnce(&mut FeatureExtractor) -> R) -> R {
    EXTRACTOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let extractor = match &mut *slot {
            Some((rate, extractor)) if *rate == sample_rate => extractor,
            other => {
                &mut other
                    .insert((sample_rate, FeatureExtractor::new(sample_rate)))
                    .1
            }
        };
        f(extractor)
    })
}
