//! Global tempo estimate from an onset envelope, mirroring `librosa.feature.tempo`.

use std::sync::Arc;

use realfft::num_complex::Complex64;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::stats::lane_sum;

/// librosa's default tempo prior centre, in BPM (`start_bpm=120`).
const START_BPM: f64 = 120.0;
/// Standard deviation of the log2-tempo prior, in octaves (`std_bpm=1.0`).
const STD_BPM: f64 = 1.0;
/// Length of the autocorrelation window, in seconds (`ac_size=8.0`).
const AC_SIZE: f64 = 8.0;
/// Tempi at or above this are never chosen, in BPM (`max_tempo=320.0`).
const MAX_TEMPO: f64 = 320.0;

/// A planned global tempo estimator: the autocorrelation tempogram averaged over time, weighted
/// by a log-normal prior around 120 BPM.
///
/// With `W = floor(floor(8 sr) / hop)` lags (344 at 22050 Hz, hop 512):
/// 1. the envelope is padded by `W / 2` on each side with `np.pad(mode='linear_ramp',
///    end_values=0)` and cut into one window of `W` values per input frame;
/// 2. each window, multiplied by a periodic Hann window, is autocorrelated (via FFT, in f64) and
///    divided by its largest absolute value;
/// 3. `tg[l]` is the mean over frames at lag `l` (computed as one inverse FFT of the frames'
///    normalised power spectra, see [`Tempo::mean_tempogram`]);
/// 4. with `bpm[l] = 60 sr / (hop l)`, the estimate is `bpm[l*]` for
///    `l* = argmax_l log1p(1e6 tg[l]) - 0.5 (log2 bpm[l] - log2 120)^2`, over the lags with
///    `bpm[l] < 320`.
///
/// This is `librosa.feature.tempo(onset_envelope=env, sr=sr, hop_length=hop, start_bpm=120,
/// std_bpm=1.0, ac_size=8.0, max_tempo=320.0, aggregate=np.mean, prior=None)` (steps 1-2 are
/// `librosa.feature.tempogram(win_length=W, center=True, window='hann', norm=np.inf)`), which
/// `librosa.beat.beat_track` uses as its tempo estimate. Feed it [`crate::OnsetStrength`]'s
/// envelope to reproduce the GTZAN table's `tempo` column.
///
/// FFT plans and buffers are made once; estimating allocates nothing once the padding buffer has
/// grown to the longest envelope.
pub struct Tempo {
    sr: f64,
    hop: usize,
    win: usize,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
    window: Vec<f64>,
    frame: Vec<f64>,
    spectrum: Vec<Complex64>,
    /// The frames' normalised power spectra, summed.
    power: Vec<f64>,
    scratch: Vec<Complex64>,
    padded: Vec<f32>,
    mean: Vec<f64>,
}

impl std::fmt::Debug for Tempo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tempo")
            .field("sr", &self.sr)
            .field("hop", &self.hop)
            .field("win", &self.win)
            .finish_non_exhaustive()
    }
}

impl Tempo {
    /// Plans the estimator for envelopes with one value every `hop_length` samples at `sr` Hz.
    ///
    /// # Panics
    /// If `sr` is not positive, `hop_length` is zero, or the 8-second window holds fewer than
    /// 2 envelope frames.
    pub fn new(sr: f32, hop_length: usize) -> Tempo {
        assert!(sr > 0.0, "sample rate must be positive, got {sr}");
        assert!(hop_length > 0, "hop_length must be positive");
        // librosa.time_to_frames(8.0): samples truncated to an integer, then floor-divided.
        let win = (AC_SIZE * f64::from(sr)) as usize / hop_length;
        assert!(
            win >= 2,
            "the 8 s window holds only {win} frames at hop {hop_length}"
        );
        let n = next_fast_len(2 * win - 1);
        let mut planner = RealFftPlanner::<f64>::new();
        let forward = planner.plan_fft_forward(n);
        let inverse = planner.plan_fft_inverse(n);
        let scratch_len = forward.get_scratch_len().max(inverse.get_scratch_len());
        Tempo {
            sr: f64::from(sr),
            hop: hop_length,
            win,
            window: (0..win)
                .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / win as f64).cos())
                .collect(),
            frame: forward.make_input_vec(),
            spectrum: forward.make_output_vec(),
            power: vec![0.0; n / 2 + 1],
            scratch: vec![Complex64::new(0.0, 0.0); scratch_len],
            forward,
            inverse,
            padded: Vec::new(),
            mean: vec![0.0; win],
        }
    }

    /// The tempo in BPM at autocorrelation lag `lag` frames, `60 sr / (hop lag)` (infinite at 0),
    /// as `librosa.tempo_frequencies`.
    pub fn lag_to_bpm(&self, lag: usize) -> f64 {
        if lag == 0 {
            return f64::INFINITY;
        }
        60.0 * self.sr / (self.hop as f64 * lag as f64)
    }

    /// Estimates the tempo, in BPM, of the onset envelope `onset_env`.
    ///
    /// A silent (all-zero) envelope gives the prior's choice, 117.45 BPM at 22050 Hz and hop
    /// 512, as librosa does; an empty envelope gives the same.
    pub fn estimate(&mut self, onset_env: &[f32]) -> f64 {
        self.mean_tempogram(onset_env);
        let log2_start = START_BPM.log2();
        let mut best = (0, f64::NEG_INFINITY);
        for (lag, &tg) in self.mean.iter().enumerate() {
            let bpm = self.lag_to_bpm(lag);
            // librosa kills every lag before the first one below max_tempo; bpm falls with lag.
            if bpm >= MAX_TEMPO {
                continue;
            }
            let z = (bpm.log2() - log2_start) / STD_BPM;
            let score = (1e6 * tg).ln_1p() - 0.5 * z * z;
            if score > best.1 {
                best = (lag, score);
            }
        }
        self.lag_to_bpm(best.0)
    }

    /// Computes the autocorrelation tempogram of `onset_env` averaged over frames into
    /// `self.mean` (all zeros for an empty envelope), and returns it.
    ///
    /// This is `np.mean(librosa.feature.tempogram(onset_envelope=env, win_length=W), axis=-1)`.
    /// Frame `t`'s autocorrelation is `r_t = irfft(|F_t|^2)` with `F_t` the FFT of its windowed,
    /// zero-padded values `x_t`, and librosa divides it by `max_l |r_t[l]|`, which is
    /// `r_t[0] = sum_j x_t[j]^2` (no lag of an autocorrelation exceeds lag 0). The inverse FFT is
    /// linear, so the mean is `irfft(sum_t |F_t|^2 / r_t[0]) / n`: one inverse FFT per envelope
    /// instead of one per frame (the same values up to f64 rounding).
    pub fn mean_tempogram(&mut self, onset_env: &[f32]) -> &[f64] {
        let (win, n) = (self.win, onset_env.len());
        if n == 0 {
            self.mean.iter_mut().for_each(|m| *m = 0.0);
            return &self.mean;
        }
        let half = win / 2;
        self.pad_linear_ramp(onset_env, half);
        self.power.iter_mut().for_each(|p| *p = 0.0);
        for t in 0..n {
            let src = &self.padded[t..t + win];
            for ((f, &x), &w) in self.frame.iter_mut().zip(src).zip(&self.window) {
                *f = f64::from(x) * w;
            }
            // In interleaved partial sums: one chain of 384 dependent additions was most of the
            // tempogram's own time. (librosa divides by the lag-0 autocorrelation from its FFT,
            // which differs from any direct sum by f64 rounding alike.)
            let energy = lane_sum(&self.frame[..win], |v| v * v);
            self.frame[win..].iter_mut().for_each(|f| *f = 0.0);
            self.forward
                .process_with_scratch(&mut self.frame, &mut self.spectrum, &mut self.scratch)
                .unwrap_or_else(|e| unreachable!("buffers sized by the plan: {e}"));
            // util.normalize(norm=inf): divide by the largest |value|, unless it is below the
            // smallest normal f64.
            let norm = if energy < f64::MIN_POSITIVE {
                1.0
            } else {
                energy
            };
            let gain = 1.0 / norm;
            for (p, c) in self.power.iter_mut().zip(&self.spectrum) {
                *p += c.norm_sqr() * gain;
            }
        }
        for (c, &p) in self.spectrum.iter_mut().zip(&self.power) {
            *c = Complex64::new(p, 0.0);
        }
        self.inverse
            .process_with_scratch(&mut self.spectrum, &mut self.frame, &mut self.scratch)
            .unwrap_or_else(|e| unreachable!("buffers sized by the plan: {e}"));
        let scale = 1.0 / (self.frame.len() as f64 * n as f64);
        for (m, &v) in self.mean.iter_mut().zip(&self.frame[..win]) {
            *m = v * scale;
        }
        &self.mean
    }

    /// Fills `self.padded` with `env` padded by `width` on both sides as
    /// `np.pad(env, width, mode='linear_ramp', end_values=0)`: ramps from 0 up to the edge value,
    /// computed in f64 by `np.linspace(0, edge, width, endpoint=False)` and rounded to f32.
    fn pad_linear_ramp(&mut self, env: &[f32], width: usize) {
        self.padded.clear();
        let (first, last) = (f64::from(env[0]), f64::from(env[env.len() - 1]));
        let ramp = |edge: f64, i: usize| (i as f64 * (edge / width as f64)) as f32;
        self.padded.extend((0..width).map(|i| ramp(first, i)));
        self.padded.extend_from_slice(env);
        self.padded
            .extend((0..width).map(|j| ramp(last, width - 1 - j)));
    }
}

/// The tempo in BPM of `onset_env` (one value every `hop_length` samples at `sr` Hz): a
/// one-shot [`Tempo::estimate`], mirroring `librosa.feature.tempo(onset_envelope=...)`.
///
/// # Panics
/// As [`Tempo::new`].
pub fn tempo(onset_env: &[f32], sr: f32, hop_length: usize) -> f64 {
    Tempo::new(sr, hop_length).estimate(onset_env)
}

/// The smallest 5-smooth number (`2^a 3^b 5^c`) at least `n`, as
/// `scipy.fft.next_fast_len(n, real=True)`.
fn next_fast_len(n: usize) -> usize {
    let mut m = n.max(1);
    loop {
        let mut r = m;
        for p in [2, 3, 5] {
            while r.is_multiple_of(p) {
                r /= p;
            }
        }
        if r == 1 {
            return m;
        }
        m += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OnsetStrength;
    use crate::testutil::{assert_close, reference, signal};

    #[test]
    fn fast_length_is_five_smooth() {
        assert_eq!(next_fast_len(687), 720);
        assert_eq!(next_fast_len(1), 1);
        assert_eq!(next_fast_len(7), 8);
    }

    #[test]
    fn tempogram_and_tempo_match_librosa() {
        let mut tempo = Tempo::new(22050.0, 512);
        for name in [
            "clicks_120",
            "harm_perc",
            "noise",
            "chord_env",
            "silence",
            "short_1000",
        ] {
            // The reference's own envelope, so this checks the tempo step alone.
            let env: Vec<f32> = reference(name, "rh_onset_median")
                .data
                .iter()
                .map(|&v| v as f32)
                .collect();
            let mean = tempo.mean_tempogram(&env).to_vec();
            let want = reference(name, "rh_tempogram_mean").data;
            // librosa computes in f64 and stores the mean as f32: 1e-6 covers that rounding.
            assert_close(&format!("{name} tempogram"), &mean, &want, 1e-6, 1e-7);
            let bpm = tempo.estimate(&env);
            let want = reference(name, "rh_tempo").data[0];
            assert_eq!(bpm, want, "{name}");
        }
    }

    /// The tempogram mean as librosa computes it: one inverse FFT per frame, each autocorrelation
    /// divided by its largest absolute value, then the mean.
    fn direct_mean_tempogram(t: &mut Tempo, env: &[f32]) -> Vec<f64> {
        let (win, n) = (t.win, env.len());
        t.pad_linear_ramp(env, win / 2);
        let scale = 1.0 / t.frame.len() as f64;
        let mut mean = vec![0.0; win];
        for i in 0..n {
            for ((f, &x), &w) in t.frame.iter_mut().zip(&t.padded[i..i + win]).zip(&t.window) {
                *f = f64::from(x) * w;
            }
            t.frame[win..].iter_mut().for_each(|f| *f = 0.0);
            t.forward
                .process_with_scratch(&mut t.frame, &mut t.spectrum, &mut t.scratch)
                .expect("planned sizes");
            for c in t.spectrum.iter_mut() {
                *c = Complex64::new(c.norm_sqr(), 0.0);
            }
            t.inverse
                .process_with_scratch(&mut t.spectrum, &mut t.frame, &mut t.scratch)
                .expect("planned sizes");
            let ac = &t.frame[..win];
            let peak = ac.iter().fold(0.0f64, |m, &v| m.max((v * scale).abs()));
            let norm = if peak < f64::MIN_POSITIVE { 1.0 } else { peak };
            for (m, &v) in mean.iter_mut().zip(ac) {
                *m += v * scale / norm;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        mean
    }

    #[test]
    fn one_inverse_fft_equals_one_per_frame() {
        let mut tempo = Tempo::new(22050.0, 512);
        let noise = crate::testutil::random_signal(crate::testutil::RNG_SEED, 2000);
        let mut onset = OnsetStrength::new(22050.0);
        let mut clicks = Vec::new();
        onset.compute(&signal("clicks_120"), &mut clicks);
        let envs: Vec<(&str, Vec<f32>)> = vec![
            ("noise", noise.iter().map(|v| v.abs()).collect()),
            ("clicks", clicks),
            ("one value", vec![0.5]),
            (
                "silence then a burst",
                (0..700).map(|i| if i > 650 { 1.0 } else { 0.0 }).collect(),
            ),
        ];
        for (name, env) in envs {
            let want = direct_mean_tempogram(&mut tempo, &env);
            let got = tempo.mean_tempogram(&env).to_vec();
            for (l, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
                    "{name} lag {l}: {g} vs {w}"
                );
            }
        }
    }

    #[test]
    fn tempo_from_our_onset_envelope() {
        let mut onset = OnsetStrength::new(22050.0);
        let mut env = Vec::new();
        let y = signal("clicks_120");
        onset.compute(&y, &mut env);
        let bpm = tempo(&env, 22050.0, 512);
        assert_eq!(bpm, reference("clicks_120", "rh_tempo").data[0]);
        assert!((bpm - 120.0).abs() < 3.0, "{bpm}");
    }

    #[test]
    fn empty_and_silent_envelopes_give_the_prior_choice() {
        let mut t = Tempo::new(22050.0, 512);
        let prior = t.estimate(&[]);
        assert_eq!(prior, t.lag_to_bpm(22));
        assert_eq!(t.estimate(&[0.0; 100]), prior);
        assert_eq!(t.estimate(&[1.0]), t.estimate(&[1.0]));
    }
}
