//! Spectral contrast per octave band, mirroring `librosa.feature.spectral_contrast`.

use ndarray::{Array2, ArrayView2};

use crate::spectral::fft_frequency;

/// Up to this many bins per band end are tracked in a single pass; larger counts partially sort
/// a copy of the band.
const SMALL_Q: usize = 16;

/// One octave band: the FFT bins it reads and how many of the lowest/highest it averages.
#[derive(Debug, Clone)]
struct Band {
    start: usize,
    end: usize,
    quantile_count: usize,
}

/// Computes the spectral contrast of magnitude spectrograms: per octave band, the dB difference
/// between the mean of the top and the bottom `quantile` of its bins.
///
/// Mirrors `librosa.feature.spectral_contrast(S=S.T, sr=sr, fmin=fmin, n_bands=n_bands,
/// quantile=quantile, linear=False)` (librosa's defaults: `fmin=200`, `n_bands=6`,
/// `quantile=0.02`). Band `k` spans `[0, fmin]` for `k = 0` and `[fmin 2^(k-1), fmin 2^k]` after
/// (the last reaching Nyquist), including the bin just below its lower edge and excluding its
/// last bin, as librosa does; `q = max(1, round(quantile * bins))` bins are averaged at each end.
/// Then `contrast = power_to_db(peak) - power_to_db(valley)`, each over the whole clip
/// (`ref=1`, `amin=1e-10`, `top_db=80`). Output has `n_bands + 1` values per frame, in f64.
#[derive(Debug, Clone)]
pub struct SpectralContrast {
    n_bins: usize,
    bands: Vec<Band>,
    /// A band's magnitudes, for partial sorting; reused.
    scratch: Vec<f32>,
    /// Block extremes of a band and the values gathered from its blocks; reused.
    extremes: Scratch,
    /// Valley means, frames as rows; reused.
    valley: Array2<f64>,
}

impl SpectralContrast {
    /// Prepares the bands for `n_fft`-point spectra at `sr`.
    ///
    /// `quantile` is f64 because librosa rounds `quantile * bins` in float64: with `0.02f32`,
    /// a 75-bin band would average 1 bin instead of librosa's `rint(1.5) = 2`.
    ///
    /// # Panics
    /// If a band edge `fmin 2^k` (k < n_bands) reaches Nyquist or a band holds no bin (librosa
    /// raises `ParameterError`), or `quantile` is not in `(0, 1)`.
    pub fn new(sr: f32, n_fft: usize, n_bands: usize, fmin: f32, quantile: f64) -> Self {
        assert!(
            0.0 < quantile && quantile < 1.0,
            "quantile must lie in (0, 1)"
        );
        let sr = f64::from(sr);
        let n_bins = 1 + n_fft / 2;
        let freq = |k: usize| fft_frequency(k, sr, n_fft);
        let mut edges = vec![0.0f64];
        edges.extend((0..=n_bands).map(|i| f64::from(fmin) * 2f64.powi(i as i32)));
        assert!(
            edges[..edges.len() - 1].iter().all(|&e| e < 0.5 * sr),
            "spectral contrast: band edges must stay below Nyquist"
        );
        let bands = (0..=n_bands)
            .map(|k| {
                let (lo, hi) = (edges[k], edges[k + 1]);
                let first = (0..n_bins).find(|&i| freq(i) >= lo);
                let last = (0..n_bins).rev().find(|&i| freq(i) <= hi);
                let (Some(first), Some(last)) = (first, last) else {
                    panic!("spectral contrast: band {k} ({lo} - {hi} Hz) holds no FFT bin")
                };
                assert!(
                    first <= last,
                    "spectral contrast: band {k} holds no FFT bin"
                );
                let start = if k > 0 { first - 1 } else { first };
                let end = if k == n_bands { n_bins } else { last + 1 };
                // np.rint(quantile * np.sum(current_band)): the count includes the last bin.
                let count = (quantile * (end - start) as f64).round_ties_even();
                let quantile_count = (count as usize).max(1);
                // librosa drops the band's last bin except in the top band.
                let end = if k < n_bands { end - 1 } else { end };
                Band {
                    start,
                    end,
                    quantile_count,
                }
            })
            .collect();
        SpectralContrast {
            n_bins,
            bands,
            scratch: Vec::with_capacity(n_bins),
            extremes: Scratch::default(),
            valley: Array2::zeros((0, n_bands + 1)),
        }
    }

    /// The number of values per frame, `n_bands + 1`.
    pub fn n_values(&self) -> usize {
        self.bands.len()
    }

    /// The contrast of magnitude spectrogram `s` (frames as rows) into `out`, shape
    /// `(n_frames, n_bands + 1)`, resized as needed.
    ///
    /// # Panics
    /// If `s` does not have `1 + n_fft / 2` columns.
    pub fn compute(&mut self, s: ArrayView2<'_, f32>, out: &mut Array2<f64>) {
        assert_eq!(s.ncols(), self.n_bins, "spectrogram bins");
        let shape = (s.nrows(), self.bands.len());
        if out.dim() != shape {
            *out = Array2::zeros(shape);
        }
        if self.valley.dim() != shape {
            self.valley = Array2::zeros(shape);
        }
        for (t, frame) in s.rows().into_iter().enumerate() {
            let Some(frame) = frame.to_slice() else {
                unreachable!("rows of a standard-layout array are contiguous")
            };
            for (b, band) in self.bands.iter().enumerate() {
                let x = &frame[band.start..band.end];
                let q = band.quantile_count.min(x.len());
                let mean = |v: &[f32]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / q as f64;
                let (valley, peak) = if q <= SMALL_Q {
                    extreme_means(x, q, &mut self.extremes)
                } else {
                    // Lowest q, then highest q, by partial selection instead of a full sort.
                    self.scratch.clear();
                    self.scratch.extend_from_slice(x);
                    let n = self.scratch.len();
                    self.scratch.select_nth_unstable_by(q - 1, f32::total_cmp);
                    let valley = mean(&self.scratch[..q]);
                    self.scratch.select_nth_unstable_by(n - q, f32::total_cmp);
                    (valley, mean(&self.scratch[n - q..]))
                };
                self.valley[[t, b]] = valley;
                out[[t, b]] = peak;
            }
        }
        let (Some(peak), Some(valley)) = (out.as_slice_mut(), self.valley.as_slice_mut()) else {
            unreachable!("owned arrays of standard layout")
        };
        power_to_db_f64(peak);
        power_to_db_f64(valley);
        for (p, v) in peak.iter_mut().zip(valley.iter()) {
            *p -= v;
        }
    }
}

/// About how many bins each block of the single-pass scan holds.
const CHUNK: usize = 16;

/// The block count is a multiple of this, so that the block extremes fill whole SIMD registers.
const LANES: usize = 8;

/// Whether `a` ranks before `b`: larger for the peak (`LARGEST`), smaller for the valley.
#[inline(always)]
fn better<const LARGEST: bool>(a: f32, b: f32) -> bool {
    if LARGEST { a > b } else { a < b }
}

/// The value every other ranks before: -inf for the peak, +inf for the valley.
fn worst<const LARGEST: bool>() -> f32 {
    if LARGEST {
        f32::NEG_INFINITY
    } else {
        f32::INFINITY
    }
}

/// Reused buffers of [`extreme_means`].
#[derive(Debug, Clone, Default)]
struct Scratch {
    lows: Vec<f32>,
    highs: Vec<f32>,
    gathered: Vec<f32>,
}

/// The means of the `q` smallest and of the `q` largest values of `x` (NaN-free magnitudes,
/// `1 <= q <= min(SMALL_Q, x.len())`), in f64, each summed in ascending order as the sorted
/// reference does: `(valley, peak)`.
///
/// `x` is cut into `nb` strided blocks, block `j` holding `x[j], x[j + nb], x[j + 2 nb], ...`
/// (`nb` about `len / CHUNK`, a multiple of [`LANES`]), so that every block's minimum and maximum
/// come from one pass of element-wise min/max over consecutive rows of `nb` values (SIMD, no
/// horizontal reduction). The q best block extremes are q distinct values of `x`, so the q-th
/// best value of `x` is at least as good as the q-th best block extreme `t`: every value among
/// the q best lies in a block whose extreme reaches `t`, and only those blocks (usually q of
/// them) are walked, and of their values those at least as good as `t` (usually a few more than
/// q) are gathered without branches; the q best of them are kept in a small sorted array. `t`
/// is found with the same small sorted array over the block extremes. With `q = 1` the answer
/// is the best block extreme itself.
fn extreme_means(x: &[f32], q: usize, scratch: &mut Scratch) -> (f64, f64) {
    let nb = x.len().div_ceil(CHUNK).next_multiple_of(LANES).min(x.len());
    let Scratch {
        lows,
        highs,
        gathered,
    } = scratch;
    lows.clear();
    lows.extend_from_slice(&x[..nb]);
    highs.clear();
    highs.extend_from_slice(&x[..nb]);
    for row in x[nb..].chunks(nb) {
        for ((low, high), &v) in lows.iter_mut().zip(highs.iter_mut()).zip(row) {
            *low = if v < *low { v } else { *low };
            *high = if v > *high { v } else { *high };
        }
    }
    if gathered.len() < x.len() {
        gathered.resize(x.len(), 0.0);
    }
    (
        best_mean::<false>(x, q, lows, gathered),
        best_mean::<true>(x, q, highs, gathered),
    )
}

/// One side of [`extreme_means`], given the `nb` strided block extremes of that side.
fn best_mean<const LARGEST: bool>(
    x: &[f32],
    q: usize,
    extremes: &[f32],
    gathered: &mut [f32],
) -> f64 {
    let worst = worst::<LARGEST>();
    let pick = |a: f32, b: f32| if better::<LARGEST>(a, b) { a } else { b };
    if q == 1 {
        return f64::from(extremes.iter().fold(worst, |m, &v| pick(v, m)));
    }
    let nb = extremes.len();
    // kept[0] is the worst kept value, kept[q - 1] the best.
    let mut kept = [worst; SMALL_Q];
    let kept = &mut kept[..q];
    // The q-th best block extreme (worst if there are no more than q blocks).
    let threshold = if q < nb {
        for &e in extremes {
            keep_best::<LARGEST>(kept, e);
        }
        let t = kept[0];
        kept.fill(worst);
        t
    } else {
        worst
    };
    // The values at least as good as the threshold, gathered without a branch per value (which
    // would be mispredicted about as often as not in the blocks that are walked).
    let mut n = 0;
    for (j, &extreme) in extremes.iter().enumerate() {
        if better::<LARGEST>(threshold, extreme) {
            continue;
        }
        for &v in x[j..].iter().step_by(nb) {
            gathered[n] = v;
            n += usize::from(!better::<LARGEST>(threshold, v));
        }
    }
    for &v in &gathered[..n] {
        keep_best::<LARGEST>(kept, v);
    }
    // Sum in ascending order, as the sorted reference does.
    let sum: f64 = if LARGEST {
        kept.iter().map(|&v| f64::from(v)).sum()
    } else {
        kept.iter().rev().map(|&v| f64::from(v)).sum()
    };
    sum / q as f64
}

/// Puts `v` among the best values `kept` (sorted, `kept[0]` the worst) if it beats the worst:
/// it replaces the worst and bubbles up. `kept` is short, and a `copy_within` here would cost a
/// call to memmove per insertion.
#[inline(always)]
fn keep_best<const LARGEST: bool>(kept: &mut [f32], v: f32) {
    if better::<LARGEST>(v, kept[0]) {
        kept[0] = v;
        let mut j = 0;
        while j + 1 < kept.len() && better::<LARGEST>(kept[j], kept[j + 1]) {
            kept.swap(j, j + 1);
            j += 1;
        }
    }
}

/// `librosa.power_to_db(x, ref=1, amin=1e-10, top_db=80)` on a float64 array, in place.
fn power_to_db_f64(x: &mut [f64]) {
    let mut max = f64::NEG_INFINITY;
    for v in x.iter_mut() {
        *v = 10.0 * v.max(1e-10).log10();
        max = max.max(*v);
    }
    for v in x.iter_mut() {
        *v = v.max(max - 80.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{SIGNALS, assert_close, librosa_order, magnitude_spectrogram, reference};

    #[test]
    fn matches_librosa_spectral_contrast_on_every_signal() {
        let mut contrast = SpectralContrast::new(22050.0, 2048, 6, 200.0, 0.02);
        let mut out = Array2::zeros((0, 0));
        for name in SIGNALS {
            contrast.compute(magnitude_spectrogram(name).view(), &mut out);
            let r = reference(name, "contrast");
            assert_eq!((r.shape[1], r.shape[0]), out.dim(), "{name}");
            // dB differences of order 10-60 from means of the same float32 magnitudes; librosa
            // averages in float32 (~1e-7 relative, i.e. ~1e-6 dB).
            assert_close(name, &librosa_order(&out), &r.data, 1e-6, 1e-5);
        }
    }

    #[test]
    fn single_pass_and_selection_agree_with_sorting() {
        let x = crate::testutil::random_signal(crate::testutil::RNG_SEED, 1025);
        let s = ndarray::Array2::from_shape_vec((1, 1025), x.iter().map(|v| v.abs()).collect())
            .expect("shape");
        let mut out = Array2::zeros((0, 0));
        // quantile 0.02 takes the single-pass path, 0.2 the selection path.
        for quantile in [0.02, 0.2] {
            let mut c = SpectralContrast::new(22050.0, 2048, 6, 200.0, quantile);
            c.compute(s.view(), &mut out);
            for (b, band) in c.bands.iter().enumerate() {
                let mut v: Vec<f32> =
                    s.row(0).as_slice().expect("row")[band.start..band.end].to_vec();
                v.sort_by(f32::total_cmp);
                let q = band.quantile_count;
                let mean = |v: &[f32]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / q as f64;
                let (valley, peak) = (mean(&v[..q]), mean(&v[v.len() - q..]));
                let expected = 10.0 * peak.log10() - 10.0 * valley.log10();
                assert!((out[[0, b]] - expected).abs() < 1e-9, "q {q} band {b}");
            }
        }
    }

    #[test]
    fn extreme_means_equal_sorted_means_with_ties_and_trends() {
        let noise = crate::testutil::random_signal(crate::testutil::RNG_SEED, 513);
        type Shape = fn(usize, f32) -> f32;
        let shapes: [(&str, Shape); 5] = [
            ("zeros", |_, _| 0.0),
            ("falling", |i, _| 100.0 / (1.0 + i as f32)),
            ("rising", |i, _| i as f32),
            ("few levels", |_, r| (r.abs() * 4.0).floor()),
            ("noise", |_, r| r.abs()),
        ];
        let mut scratch = Scratch::default();
        for (name, shape) in shapes {
            // Every short length, and the band sizes of the default layout and beyond.
            for n in (1..=70).chain([75, 129, 149, 298, 430, 513]) {
                let x: Vec<f32> = (0..n).map(|i| shape(i, noise[i])).collect();
                let mut sorted = x.clone();
                sorted.sort_by(f32::total_cmp);
                for q in 1..=SMALL_Q.min(n) {
                    let sum = |v: &[f32]| v.iter().map(|&x| f64::from(x)).sum::<f64>();
                    let low = sum(&sorted[..q]) / q as f64;
                    let high = sum(&sorted[n - q..]) / q as f64;
                    let (got_low, got_high) = extreme_means(&x, q, &mut scratch);
                    assert_eq!(got_low, low, "{name} n {n} q {q} valley");
                    assert_eq!(got_high, high, "{name} n {n} q {q} peak");
                }
            }
        }
    }

    #[test]
    fn band_layout_matches_librosa() {
        let c = SpectralContrast::new(22050.0, 2048, 6, 200.0, 0.02);
        // librosa: band 0 is bins 0..=18 minus the last (200 Hz = bin 18.6), q = rint(0.38) -> 1.
        assert_eq!((c.bands[0].start, c.bands[0].end), (0, 18));
        assert_eq!(c.bands[6].end, 1025);
        assert!(c.bands.iter().all(|b| b.quantile_count >= 1));
    }
}
