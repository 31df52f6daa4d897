//! librosa-compatible audio features for genre classification.
//!
//! Work in progress during bootstrap: modules are added as they are implemented.

#![deny(missing_docs)]

mod chroma;
mod contrast;
mod db;
mod extract;
mod hpss;
mod irfft;
mod istft;
mod median;
mod mel;
mod mfcc;
mod onset;
mod rms;
mod schema;
mod spectral;
mod stats;
mod stft;
mod tempo;
mod tonnetz;
mod track;
mod tuning;
mod window;
mod zcr;

pub use chroma::{ChromaFilterbank, ChromaStft};
pub use contrast::SpectralContrast;
pub use db::{db_floor, power_to_db_in_place, power_to_db_unclamped};
pub use extract::{FeatureExtractor, HOP_LENGTH, N_FFT, Stage, StageTimings};
pub use hpss::{HPSS_KERNEL, Hpss};
pub use istft::Istft;
pub use median::MedianFilter;
pub use mel::{MelFilterbank, hz_to_mel, mel_to_hz};
pub use mfcc::Mfcc;
pub use onset::OnsetStrength;
pub use realfft::num_complex::Complex32;
pub use rms::rms;
pub use schema::{
    EXTRA_COLUMNS, FEATURE_NAMES, N_FEATURES, SCHEMA_VERSION, TABLE_COLUMNS, feature_names,
};
pub use spectral::{
    spectral_bandwidth, spectral_centroid, spectral_centroid_bandwidth, spectral_rolloff,
};
pub use stats::{RunningMeanVar, mean_var, mean_var_of};
pub use stft::{PadMode, Stft};
pub use tempo::{Tempo, tempo};
pub use tonnetz::{N_TONNETZ, Tonnetz};
pub use track::{SnippetFeatures, TrackFeatures, extract_track, extract_track_parallel};
pub use tuning::TuningEstimator;
pub use window::hann;
pub use zcr::zero_crossing_rate;

#[cfg(test)]
mod testutil;
