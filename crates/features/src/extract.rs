//! The feature vector of one snippet: every column of the schema, computed in one pass.

use std::time::{Duration, Instant};

use ndarray::{Array2, Axis};
use realfft::num_complex::Complex32;

use crate::chroma::ChromaStft;
use crate::contrast::SpectralContrast;
use crate::db::{AMIN, power_to_db_unclamped};
use crate::hpss::Hpss;
use crate::mfcc::{Mfcc, N_MFCC};
use crate::onset::OnsetStrength;
use crate::rms::rms;
use crate::schema::{FEATURE_NAMES, N_FEATURES};
use crate::spectral::{spectral_centroid_bandwidth, spectral_rolloff};
use crate::stats::{mean_var, mean_var_of};
use crate::stft::{PadMode, Stft, moduli_and_powers};
use crate::tempo::Tempo;
use crate::tonnetz::{N_TONNETZ, Tonnetz};
use crate::zcr::zero_crossing_rate;

/// FFT size of every spectral feature (librosa's default `n_fft`).
pub const N_FFT: usize = 2048;
/// Hop between frames, in samples (librosa's default `hop_length`).
pub const HOP_LENGTH: usize = 512;
/// Mel bands behind the MFCCs (librosa's default `n_mels`).
const N_MELS: usize = 128;
/// Chroma bins.
const N_CHROMA: usize = 12;
/// Fraction of the spectral energy below the roll-off frequency (`roll_percent`).
const ROLL_PERCENT: f32 = 0.85;
/// Octave bands of spectral contrast (`n_bands`, librosa's default); it yields one more row.
const CONTRAST_BANDS: usize = 6;
/// Lower edge of the first contrast band, in Hz (`fmin`, librosa's default).
const CONTRAST_FMIN: f32 = 200.0;
/// Quantile that defines peaks and valleys in a band (`quantile`, librosa's default).
const CONTRAST_QUANTILE: f64 = 0.02;

/// The stages of [`FeatureExtractor::extract`], in the order they run, for timing reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// The reflect-padded complex STFT and its magnitude and power.
    Stft,
    /// `chroma_stft` with tuning estimation.
    Chroma,
    /// Frame RMS.
    Rms,
    /// Spectral centroid, bandwidth and roll-off.
    Spectral,
    /// Zero-crossing rate.
    Zcr,
    /// Harmonic/percussive separation: medians, mask, the inverse STFT of the harmonic part,
    /// means and variances (taken as each run of the signal is finished).
    Hpss,
    /// Onset strength and the tempo estimate.
    Tempo,
    /// Mel spectrogram, dB and DCT.
    Mfcc,
    /// Spectral contrast (extra column).
    Contrast,
    /// Tonnetz from the chroma (extra column).
    Tonnetz,
}

impl Stage {
    /// Every stage, in the order they run.
    pub const ALL: [Stage; 10] = [
        Stage::Stft,
        Stage::Chroma,
        Stage::Rms,
        Stage::Spectral,
        Stage::Zcr,
        Stage::Hpss,
        Stage::Tempo,
        Stage::Mfcc,
        Stage::Contrast,
        Stage::Tonnetz,
    ];

    /// A short lowercase name (`"stft"`, `"hpss"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Stft => "stft",
            Stage::Chroma => "chroma",
            Stage::Rms => "rms",
            Stage::Spectral => "spectral",
            Stage::Zcr => "zcr",
            Stage::Hpss => "hpss",
            Stage::Tempo => "tempo",
            Stage::Mfcc => "mfcc",
            Stage::Contrast => "contrast",
            Stage::Tonnetz => "tonnetz",
        }
    }
}

/// Wall-clock time spent in each [`Stage`] by the last [`FeatureExtractor::extract`] call.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimings {
    times: [Duration; Stage::ALL.len()],
}

impl StageTimings {
    /// Time spent in `stage`.
    pub fn get(&self, stage: Stage) -> Duration {
        self.times[stage as usize]
    }

    /// Time spent in all stages together.
    pub fn total(&self) -> Duration {
        self.times.iter().sum()
    }
}

/// Computes the feature vector of a snippet: the GTZAN table's 57 columns, then the extras,
/// in the order of [`crate::feature_names`].
///
/// All spectral features share one STFT of the snippet (n_fft 2048, hop 512, periodic Hann,
/// `center=True` with reflect padding, as the table was computed); the harmonic/percussive
/// separation reuses its complex values. Every `*_mean`/`*_var` pair is the mean and population
/// variance over frames (or over samples for `harmony`/`perceptr`), see [`crate::mean_var`].
///
/// An extractor owns its FFT plans and every buffer, so extracting further snippets of the same
/// length allocates nothing; use one per thread (for example with rayon's `map_init`).
///
/// ```
/// use genrekit_features::{FeatureExtractor, feature_names};
///
/// let sr = 22050;
/// let y: Vec<f32> = (0..sr)
///     .map(|n| (2.0 * std::f32::consts::PI * 440.0 * n as f32 / sr as f32).sin() * 0.5)
///     .collect();
/// let mut extractor = FeatureExtractor::new(sr as u32);
/// let features = extractor.extract(&y);
/// assert_eq!(features.len(), feature_names().len());
/// // A pure 440 Hz tone has its spectral centroid near 440 Hz.
/// let centroid = features[4];
/// assert!((centroid - 440.0).abs() < 30.0, "{centroid}");
/// ```
pub struct FeatureExtractor {
    sample_rate: f32,
    stft: Stft,
    spectrum: Array2<Complex32>,
    /// `|spectrum|` in the first `n_bins` columns of rows padded to a multiple of 16 samples
    /// (see [`Hpss::separate_signal`]); the padding is never written and stays zero.
    magnitude: Array2<f32>,
    power: Array2<f32>,
    chroma: ChromaStft,
    chroma_out: Array2<f32>,
    /// The mel power spectrogram of the reflect-padded STFT (over the MFCCs' 128-band Slaney
    /// filterbank, which the onset envelope uses too), frames as rows; then its dB without the
    /// `top_db` floor.
    mel_power: Array2<f32>,
    mfcc: Mfcc,
    mfcc_out: Array2<f32>,
    contrast: SpectralContrast,
    contrast_out: Array2<f64>,
    hpss: Hpss,
    harmonic: Vec<f32>,
    onset: OnsetStrength,
    onset_env: Vec<f32>,
    tempo: Tempo,
    tonnetz: Tonnetz,
    tonnetz_out: Vec<[f64; N_TONNETZ]>,
    frame_f32: Vec<f32>,
    frame_f64: Vec<f64>,
    frame_f64_b: Vec<f64>,
    timings: StageTimings,
}

impl std::fmt::Debug for FeatureExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeatureExtractor")
            .field("sample_rate", &self.sample_rate)
            .finish_non_exhaustive()
    }
}

impl FeatureExtractor {
    /// An extractor for mono audio at `sample_rate` Hz (genrekit decodes to 22050 Hz, the rate
    /// of the GTZAN table).
    ///
    /// # Panics
    /// If `sample_rate` is below 12800 Hz: the top spectral-contrast octave (6400 Hz) must lie
    /// below Nyquist, as librosa requires.
    pub fn new(sample_rate: u32) -> FeatureExtractor {
        let sr = sample_rate as f32;
        FeatureExtractor {
            sample_rate: sr,
            stft: Stft::new(N_FFT, HOP_LENGTH),
            spectrum: Array2::zeros((0, N_FFT / 2 + 1)),
            magnitude: Array2::zeros((0, (N_FFT / 2 + 1).next_multiple_of(16))),
            power: Array2::zeros((0, N_FFT / 2 + 1)),
            chroma: ChromaStft::new(sr, N_FFT, N_CHROMA),
            chroma_out: Array2::zeros((0, N_CHROMA)),
            mel_power: Array2::zeros((0, N_MELS)),
            mfcc: Mfcc::new(sr, N_FFT, N_MELS, N_MFCC),
            mfcc_out: Array2::zeros((0, N_MFCC)),
            contrast: SpectralContrast::new(
                sr,
                N_FFT,
                CONTRAST_BANDS,
                CONTRAST_FMIN,
                CONTRAST_QUANTILE,
            ),
            contrast_out: Array2::zeros((0, 0)),
            hpss: Hpss::new(N_FFT, HOP_LENGTH),
            harmonic: Vec::new(),
            onset: OnsetStrength::new(sr),
            onset_env: Vec::new(),
            tempo: Tempo::new(sr, HOP_LENGTH),
            tonnetz: Tonnetz::new(),
            tonnetz_out: Vec::new(),
            frame_f32: Vec::new(),
            frame_f64: Vec::new(),
            frame_f64_b: Vec::new(),
            timings: StageTimings::default(),
        }
    }

    /// The time each stage took in the last [`FeatureExtractor::extract`] call.
    pub fn timings(&self) -> &StageTimings {
        &self.timings
    }

    /// The feature vector of the mono signal `y`, one value per name of
    /// [`crate::feature_names`], as f32.
    ///
    /// Any length works, down to an empty signal (librosa's padding rules apply); genrekit
    /// passes 30-second snippets.
    pub fn extract(&mut self, y: &[f32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(N_FEATURES);
        self.extract_into(y, &mut out);
        out
    }

    /// Like [`FeatureExtractor::extract`], writing into `out` (cleared first).
    pub fn extract_into(&mut self, y: &[f32], out: &mut Vec<f32>) {
        out.clear();
        let sr = self.sample_rate;
        let mut clock = Clock::start();
        let put = |out: &mut Vec<f32>, (mean, var): (f64, f64)| {
            out.push(mean as f32);
            out.push(var as f32);
        };

        // One reflect-padded STFT for every spectral feature and for HPSS; each frame's moduli
        // and powers are taken while the frame is in cache.
        let shape = (self.stft.n_frames(y.len()), self.stft.n_bins());
        // The magnitudes' rows are padded to a multiple of 16 samples for HPSS's medians
        // (Hpss::separate_signal); every other consumer sees the first n_bins columns.
        let stride = shape.1.next_multiple_of(16);
        resize(&mut self.magnitude, (shape.0, stride));
        resize(&mut self.power, shape);
        let (Some(magnitude), Some(power)) =
            (self.magnitude.as_slice_mut(), self.power.as_slice_mut())
        else {
            unreachable!("owned arrays of standard layout")
        };
        let n_bins = shape.1;
        let arch = pulp::Arch::new();
        self.stft
            .complex_with(y, PadMode::Reflect, &mut self.spectrum, |t, row| {
                moduli_and_powers(
                    arch,
                    row,
                    &mut magnitude[t * stride..t * stride + n_bins],
                    &mut power[t * n_bins..(t + 1) * n_bins],
                );
            });
        clock.lap(&mut self.timings, Stage::Stft);

        // chroma_stft_mean/var: over all 12 x n_frames values.
        self.chroma.compute(self.power.view(), &mut self.chroma_out);
        put(out, mean_var(self.chroma_out.iter().map(|&v| f64::from(v))));
        clock.lap(&mut self.timings, Stage::Chroma);

        rms(y, N_FFT, HOP_LENGTH, PadMode::Reflect, &mut self.frame_f32);
        put(out, mean_var_of(&self.frame_f32));
        clock.lap(&mut self.timings, Stage::Rms);

        // The magnitudes without their padding columns, for every consumer but HPSS.
        let magnitude = self.magnitude.view().split_at(Axis(1), n_bins).0;
        spectral_centroid_bandwidth(magnitude, sr, &mut self.frame_f64, &mut self.frame_f64_b);
        put(out, mean_var_of(&self.frame_f64));
        put(out, mean_var_of(&self.frame_f64_b));
        spectral_rolloff(magnitude, sr, ROLL_PERCENT, &mut self.frame_f64);
        put(out, mean_var_of(&self.frame_f64));
        clock.lap(&mut self.timings, Stage::Spectral);

        zero_crossing_rate(y, N_FFT, HOP_LENGTH, &mut self.frame_f64);
        put(out, mean_var_of(&self.frame_f64));
        clock.lap(&mut self.timings, Stage::Zcr);

        let [harmony, perceptr] = self.hpss.separate_signal_moments(
            y,
            &self.spectrum,
            &self.magnitude,
            &mut self.harmonic,
        );
        put(out, harmony);
        put(out, perceptr);
        clock.lap(&mut self.timings, Stage::Hpss);

        // One log-mel spectrogram (without the top_db floor, which each applies over its own
        // spectrogram) for the onset envelope and the MFCCs, timed with the tempo: the
        // envelope's zero-padded STFT shares its interior frames with this one.
        self.mfcc
            .mel_filterbank()
            .spectrogram(self.power.view(), &mut self.mel_power);
        if let Some(all) = self.mel_power.as_slice_mut() {
            power_to_db_unclamped(all, AMIN);
        }
        self.onset
            .compute_from_log_mel(y, self.mel_power.view(), &mut self.onset_env);
        out.push(self.tempo.estimate(&self.onset_env) as f32);
        clock.lap(&mut self.timings, Stage::Tempo);

        self.mfcc
            .compute_from_log_mel(self.mel_power.view(), &mut self.mfcc_out);
        for coefficient in self.mfcc_out.columns() {
            put(out, mean_var(coefficient.iter().map(|&v| f64::from(v))));
        }
        clock.lap(&mut self.timings, Stage::Mfcc);

        self.contrast.compute(magnitude, &mut self.contrast_out);
        for band in self.contrast_out.columns() {
            put(out, mean_var(band.iter().copied()));
        }
        clock.lap(&mut self.timings, Stage::Contrast);

        self.tonnetz_out.clear();
        for frame in self.chroma_out.rows() {
            let mut t = [0.0; N_TONNETZ];
            if let Some(chroma) = frame.as_slice() {
                self.tonnetz.transform(chroma, &mut t);
            }
            self.tonnetz_out.push(t);
        }
        for dim in 0..N_TONNETZ {
            put(out, mean_var(self.tonnetz_out.iter().map(|t| t[dim])));
        }
        clock.lap(&mut self.timings, Stage::Tonnetz);

        debug_assert_eq!(out.len(), FEATURE_NAMES.len());
    }
}

/// Resizes a frame-major array to `shape`, reusing it when the shape already matches.
fn resize(a: &mut Array2<f32>, shape: (usize, usize)) {
    if a.dim() != shape {
        *a = Array2::zeros(shape);
    }
}

/// A lap timer over the stages of one extraction.
struct Clock(Instant);

impl Clock {
    fn start() -> Clock {
        Clock(Instant::now())
    }

    fn lap(&mut self, timings: &mut StageTimings, stage: Stage) {
        let now = Instant::now();
        timings.times[stage as usize] = now - self.0;
        self.0 = now;
    }
}
