//! Feature vectors of a whole audio file: decode, cut into snippets, extract each.

use std::path::Path;

use genrekit_audio::{AudioError, AudioFile, DecodeOptions, SnippetOptions, SourceInfo};

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
    let file = AudioFile::open(path, decode)?;
    let info = file.info().clone();
    let sample_rate = decode.target_sample_rate();
    let mut stream = file.snippets(snippets);
    let mut out = Vec::new();
    for snippet in &mut stream {
        let snippet = snippet?;
        out.push(SnippetFeatures {
            index: snippet.index,
            start: snippet.start,
            n_samples: snippet.samples.len(),
            start_seconds: snippet.start_seconds(sample_rate),
            end_seconds: snippet.end_seconds(sample_rate),
            values: extractor.extract(&snippet.samples),
        });
    }
    Ok(TrackFeatures {
        info,
        sample_rate,
        n_samples: stream.total_samples(),
        skipped_packets: stream.skipped_packets(),
        snippets: out,
    })
}
