//! Tuning estimation from spectral peaks, mirroring `librosa.estimate_tuning` and `piptrack`.

use ndarray::ArrayView2;

/// Lowest peak frequency considered, in Hz (`librosa.piptrack` default `fmin=150`).
const FMIN: f64 = 150.0;
/// Upper bound (exclusive) of the peak frequencies considered, in Hz (`fmax=4000`).
const FMAX: f64 = 4000.0;
/// Peaks must exceed this fraction of the frame's maximum (`threshold=0.1`, `ref=np.max`).
const THRESHOLD: f32 = 0.1;
/// Histogram bin width in fractions of a bin (`resolution=0.01`).
const RESOLUTION_BINS: usize = 100;

/// Estimates the tuning offset of a spectrogram, in fractions of a chroma bin, in `[-0.5, 0.5)`.
///
/// Mirrors `librosa.estimate_tuning(S=S, sr=sr, n_fft=n_fft, resolution=0.01,
/// bins_per_octave=bins_per_octave)` with piptrack's defaults (`fmin=150`, `fmax=4000`,
/// `threshold=0.1`):
///
/// 1. `piptrack`: in each frame, bins `k` with `150 <= k sr / n_fft < 4000` that are local maxima
///    of `S * (S > 0.1 max_k S)` (`x[k] > x[k-1]` and `x[k] >= x[k+1]`) give a pitch
///    `(k + shift) sr / n_fft` and a magnitude `S[k] + shift * gradient[k] / 2`, where `shift` is
///    the vertex of the parabola through `S[k-1..=k+1]`.
/// 2. Pitches whose magnitude reaches the median magnitude are kept.
/// 3. `pitch_tuning`: each pitch's fractional chroma bin `bins_per_octave log2(f / 27.5) mod 1`,
///    wrapped to `[-0.5, 0.5)`, goes into a 100-bin histogram over `[-0.5, 0.5]`; the left edge of
///    the fullest bin is the estimate (0 if no pitch was found).
///
/// The arithmetic follows librosa's float32/float64 mix so that the 0.01-wide histogram bins
/// agree. The estimator keeps its peak list between calls.
#[derive(Debug, Clone)]
pub struct TuningEstimator {
    sr: f64,
    n_fft: usize,
    bins_per_octave: u32,
    /// (pitch, magnitude) of every peak found, reused across calls.
    peaks: Vec<(f32, f32)>,
    /// Magnitudes, for the median.
    mags: Vec<f32>,
    /// One frame's gated bins around the searched range, reused.
    gated: Vec<f32>,
}

impl TuningEstimator {
    /// An estimator for `n_fft`-point spectra at sample rate `sr`, with `bins_per_octave` chroma
    /// bins (12 for `chroma_stft`).
    ///
    /// # Panics
    /// If `n_fft` or `bins_per_octave` is zero.
    pub fn new(sr: f32, n_fft: usize, bins_per_octave: u32) -> Self {
        assert!(
            n_fft > 0 && bins_per_octave > 0,
            "n_fft and bins_per_octave must be positive"
        );
        TuningEstimator {
            sr: f64::from(sr),
            n_fft,
            bins_per_octave,
            peaks: Vec::new(),
            mags: Vec::new(),
            gated: Vec::new(),
        }
    }

    /// The tuning of spectrogram `s`, frames as rows (`s[[t, k]]`, `1 + n_fft / 2` bins),
    /// following librosa's `estimate_tuning(S=s.T)`. For `chroma_stft`, `s` is the power
    /// spectrogram `|STFT|^2`.
    ///
    /// # Panics
    /// If `s` does not have `1 + n_fft / 2` columns.
    pub fn estimate(&mut self, s: ArrayView2<'_, f32>) -> f64 {
        let n_bins = 1 + self.n_fft / 2;
        assert_eq!(
            s.ncols(),
            n_bins,
            "spectrogram bins: expected {n_bins}, got {}",
            s.ncols()
        );
        self.peaks.clear();
        // librosa.fft_frequencies, float64: linspace(0, sr / 2, n_bins).
        let step = (self.sr / 2.0) / (n_bins - 1).max(1) as f64;
        let fmax = FMAX.min(self.sr / 2.0);
        let lo = (0..n_bins)
            .find(|&k| k as f64 * step >= FMIN)
            .unwrap_or(n_bins);
        let hi = (0..n_bins)
            .find(|&k| k as f64 * step >= fmax)
            .unwrap_or(n_bins);
        for frame in s.rows() {
            let Some(x) = frame.as_slice() else {
                unreachable!("rows of a standard-layout array are contiguous")
            };
            self.frame_peaks(x, lo, hi);
        }
        if self.peaks.is_empty() {
            return 0.0;
        }
        self.mags.clear();
        self.mags.extend(self.peaks.iter().map(|p| p.1));
        let threshold = median_f32(&mut self.mags);
        let mut counts = [0u32; RESOLUTION_BINS];
        let bpo = self.bins_per_octave as f32;
        for &(pitch, mag) in &self.peaks {
            if mag >= threshold {
                // hz_to_octs in float32: log2(f / (440 / 16)); then bpo * octs mod 1.
                let octs = (pitch / (440.0f32 / 16.0)).log2();
                let mut residual = (bpo * octs).rem_euclid(1.0);
                if residual >= 0.5 {
                    residual -= 1.0;
                }
                if let Some(bin) = histogram_bin(f64::from(residual)) {
                    counts[bin] += 1;
                }
            }
        }
        // np.argmax: the first fullest bin; its left edge.
        let mut best = 0;
        for (i, &c) in counts.iter().enumerate() {
            if c > counts[best] {
                best = i;
            }
        }
        histogram_edge(best)
    }

    /// piptrack on one frame: appends (pitch, magnitude) of each peak in bins `lo..hi`.
    fn frame_peaks(&mut self, x: &[f32], lo: usize, hi: usize) {
        let n = x.len();
        if n < 3 {
            return;
        }
        let max = frame_max(x);
        let ref_value = THRESHOLD * max;
        // Bins lo - 1 ..= hi gated (hi itself only if it exists; past the last bin, -inf, so
        // that the last bin is a peak if it exceeds its left neighbour, as
        // librosa.util.localmax has it). The local-max stencil is never true at bin 0.
        let lo = lo.max(1);
        if lo >= hi {
            return;
        }
        let mut g = std::mem::take(&mut self.gated);
        g.clear();
        g.extend(
            x[lo - 1..hi.min(n - 1) + 1]
                .iter()
                .map(|&v| if v > ref_value { v } else { 0.0 }),
        );
        if hi == n {
            g.push(f32::NEG_INFINITY);
        }
        // Peaks are few: the stencil is evaluated without branches, 64 bins to a mask, and
        // only the peaks found are visited.
        for start in (lo..hi).step_by(64) {
            let end = hi.min(start + 64);
            let mut mask = 0u64;
            for (bit, i) in (start + 1 - lo..end + 1 - lo).enumerate() {
                let peak = (g[i] > g[i - 1]) & (g[i] >= g[i + 1]);
                mask |= u64::from(peak) << bit;
            }
            while mask != 0 {
                let k = start + mask.trailing_zeros() as usize;
                mask &= mask - 1;
                self.push_peak(x, k);
            }
        }
        self.gated = g;
    }

    /// Appends the pitch and magnitude of the peak at bin `k >= 1` of frame `x`.
    fn push_peak(&mut self, x: &[f32], k: usize) {
        let n = x.len();
        // Parabolic interpolation (zero at both ends) and np.gradient, as librosa's numba
        // kernel computes them: float32 sums, float64 vertex, stored as float32.
        let (shift, avg) = if k + 1 < n {
            let a = f64::from(x[k + 1] + x[k - 1]) - 2.0 * f64::from(x[k]);
            let b = f64::from(x[k + 1] - x[k - 1]) / 2.0;
            let shift = if b.abs() >= a.abs() {
                0.0
            } else {
                (-b / a) as f32
            };
            (shift, (x[k + 1] - x[k - 1]) / 2.0)
        } else {
            (0.0, x[k] - x[k - 1])
        };
        let pitch = ((k as f64 + f64::from(shift)) * self.sr / self.n_fft as f64) as f32;
        let mag = x[k] + 0.5 * avg * shift;
        if pitch > 0.0 {
            self.peaks.push((pitch, mag));
        }
    }
}

/// The largest value of `x` (NaN ignored; `-inf` if there is none), as a fold of `f32::max`
/// gives it, in eight lanes of `if v > m { v } else { m }`: one `maxps` per four values, where
/// `f32::max`'s NaN handling costs a compare and a blend more.
fn frame_max(x: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (m, &v) in lanes.iter_mut().zip(chunk) {
            *m = if v > *m { v } else { *m };
        }
    }
    lanes
        .into_iter()
        .chain(rest.iter().copied())
        .fold(f32::NEG_INFINITY, |m, v| if v > m { v } else { m })
}

/// The median as numpy computes it for float32: the middle element, or the float32 mean
/// `(a + b) / 2` of the two middle ones. Reorders `v`.
///
/// # Panics
/// If `v` is empty.
fn median_f32(v: &mut [f32]) -> f32 {
    let n = v.len();
    let mid = n / 2;
    let (_, &mut upper, _) = v.select_nth_unstable_by(mid, f32::total_cmp);
    if !n.is_multiple_of(2) {
        upper
    } else {
        let lower = v[..mid].iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
        (lower + upper) / 2.0
    }
}

/// Edge `i` of `np.linspace(-0.5, 0.5, 101)`: `i * 0.01 + (-0.5)`, the last edge exactly 0.5.
fn histogram_edge(i: usize) -> f64 {
    if i == RESOLUTION_BINS {
        0.5
    } else {
        i as f64 * (1.0 / RESOLUTION_BINS as f64) - 0.5
    }
}

/// The bin of `np.histogram(x, np.linspace(-0.5, 0.5, 101))` holding `x`: `edge[i] <= x <
/// edge[i + 1]`, the last bin closed; `None` outside `[-0.5, 0.5]`.
fn histogram_bin(x: f64) -> Option<usize> {
    if !(-0.5..=0.5).contains(&x) {
        return None;
    }
    let mut i = (((x + 0.5) * RESOLUTION_BINS as f64) as usize).min(RESOLUTION_BINS - 1);
    if x < histogram_edge(i) {
        i -= 1;
    } else if i + 1 < RESOLUTION_BINS && x >= histogram_edge(i + 1) {
        i += 1;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{SIGNALS, power_spectrogram, reference};

    #[test]
    fn histogram_bins_follow_numpy_edges() {
        assert_eq!(histogram_bin(-0.5), Some(0));
        assert_eq!(histogram_bin(0.5), Some(99));
        assert_eq!(histogram_bin(0.0), Some(50));
        assert_eq!(histogram_bin(-0.005), Some(49));
        assert_eq!(histogram_bin(histogram_edge(37)), Some(37));
        assert_eq!(histogram_bin(0.6), None);
        assert!((histogram_edge(58) - 0.08).abs() < 1e-15);
    }

    /// The peak search against the stencil evaluated bin by bin (librosa's `localmax` of the
    /// gated frame), over frames with plateaus, zeros and the last bin in range.
    #[test]
    fn frame_peaks_equal_the_bin_by_bin_stencil() {
        let mut est = TuningEstimator::new(22050.0, 2048, 12);
        let mut s = 0x243f_6a88_85a3_08d3u64;
        for case in 0..400 {
            let n = 3 + case % 150;
            let x: Vec<f32> = (0..n)
                .map(|_| {
                    s = s
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    // Few distinct values: ties and plateaus; a quarter of the bins below the gate.
                    ((s >> 60) as f32 / 4.0).max(0.5) - 0.5
                })
                .collect();
            let (lo, hi) = (case % 7, n - (case / 7) % 3 * (case % 2));
            est.peaks.clear();
            est.frame_peaks(&x, lo, hi);
            let got = est.peaks.clone();
            let max = x.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            let gated = |k: usize| if x[k] > THRESHOLD * max { x[k] } else { 0.0 };
            est.peaks.clear();
            for k in lo.max(1)..hi {
                let right = if k + 1 < n {
                    gated(k + 1)
                } else {
                    f32::NEG_INFINITY
                };
                if gated(k) > gated(k - 1) && gated(k) >= right {
                    est.push_peak(&x, k);
                }
            }
            assert_eq!(got, est.peaks, "case {case}: n {n} lo {lo} hi {hi} {x:?}");
        }
    }

    #[test]
    fn frame_max_is_the_max_ignoring_nan() {
        let noise = crate::testutil::random_signal(crate::testutil::RNG_SEED, 100);
        for n in 0..100 {
            let mut x = noise[..n].to_vec();
            let want = x.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            assert_eq!(frame_max(&x).to_bits(), want.to_bits(), "{n} values");
            if n > 3 {
                x[n / 2] = f32::NAN;
                x[n - 1] = f32::NAN;
                let want = x.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
                assert_eq!(frame_max(&x).to_bits(), want.to_bits(), "{n} values, NaN");
            }
        }
        assert_eq!(frame_max(&[f32::NAN; 9]), f32::NEG_INFINITY);
    }

    #[test]
    fn median_matches_numpy() {
        assert_eq!(median_f32(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median_f32(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn matches_librosa_estimate_tuning_on_every_signal() {
        let mut est = TuningEstimator::new(22050.0, 2048, 12);
        for name in SIGNALS {
            let tuning = est.estimate(power_spectrogram(name).view());
            let expected = reference(name, "tuning").data[0];
            // The estimate is a histogram edge: it must be the same edge.
            assert!(
                (tuning - expected).abs() < 1e-12,
                "{name}: {tuning} vs {expected}"
            );
        }
    }
}
