//! Harmonic/percussive source separation, mirroring `librosa.effects.hpss`.

use ndarray::Array2;
use realfft::num_complex::Complex32;

use crate::istft::Istft;
use crate::median::MedianFilter;
use crate::stats::RunningMeanVar;
use crate::stft::modulus;

/// librosa's default median-filter width for both directions (`kernel_size=31`).
pub const HPSS_KERNEL: usize = 31;

/// Frames of `P` that [`Hpss::separate_signal`] filters at a time: the median filter's sixteen
/// lanes, about 64 KiB of 1025-bin frames.
const P_BLOCK_FRAMES: usize = 16;

/// Harmonic/percussive separation of a complex STFT by median filtering and soft masks.
///
/// With `S = |D|` (frames are rows of `D`):
/// - `H = median filter of S along time`, `P = median filter of S along frequency`, both of
///   width 31 with scipy's `'reflect'` edges ([`MedianFilter`]);
/// - `M_H = H^2 / (H^2 + P^2)` and `M_P = P^2 / (H^2 + P^2)`, computed as
///   `librosa.util.softmask(H, P, power=2, split_zeros=True)`: both are scaled by
///   `Z = max(H, P)` first, and where `Z` is below the smallest normal f32 both masks are 0.5
///   (librosa splits zeros because `margin=1`);
/// - the harmonic and percussive signals are `istft(S M_H e^{i angle D})` and
///   `istft(S M_P e^{i angle D})` cut to the input length ([`Istft`]).
///
/// This is `librosa.effects.hpss(y, kernel_size=31, power=2.0, mask=False, margin=1.0)`, i.e.
/// `librosa.decompose.hpss` on `librosa.stft(y)` followed by `librosa.istft(..., length=len(y))`,
/// in f32 like librosa. The GTZAN table's `harmony_*`/`perceptr_*` columns are reproduced with the
/// STFT computed with [`crate::PadMode::Reflect`] (librosa 0.11's default zero padding is off by
/// up to 1e-6 in the means).
///
/// Both medians walk the frame-major magnitudes in place, sixteen bins (for `H`) or sixteen frames
/// (for `P`) at a time ([`MedianFilter::filter_columns`], [`MedianFilter::filter_rows`]);
/// [`Hpss::separate_signal`] filters `P` sixteen frames at a time as the inverse STFT reaches
/// them. All buffers (magnitudes, the filtered spectrograms) are owned and reused: separating
/// further clips of the same length allocates nothing.
#[derive(Debug)]
pub struct Hpss {
    median: MedianFilter,
    istft: Istft,
    /// `|D|`, frame-major `[t, k]`.
    mag: Vec<f32>,
    /// `H` in `[t, k]`, then `M_H` ([`Hpss::separate_signal`] keeps `H`, in rows as long as
    /// the magnitudes' padded rows, and forms `M_H` per bin).
    work: Vec<f32>,
    /// `P` in `[t, k]`, then `M_P`; [`Hpss::separate_signal`] keeps only a block of frames of
    /// `P` at a time here.
    perc: Vec<f32>,
    /// One run of the percussive signal ([`Hpss::separate_signal_moments`]).
    run: Vec<f32>,
}

impl Hpss {
    /// Plans the separation for STFTs of `n_fft` points every `hop_length` samples.
    ///
    /// # Panics
    /// If `n_fft` is zero or odd, or `hop_length` is zero.
    pub fn new(n_fft: usize, hop_length: usize) -> Hpss {
        Hpss {
            median: MedianFilter::new(HPSS_KERNEL),
            istft: Istft::new(n_fft, hop_length),
            mag: Vec::new(),
            work: Vec::new(),
            perc: Vec::new(),
            run: Vec::new(),
        }
    }

    /// Computes the soft masks `M_H` and `M_P` of `stft` (frame-major, shape `(n_frames, n_bins)`)
    /// into `mask_harm` and `mask_perc`, resized to the same shape.
    ///
    /// Mirrors `librosa.decompose.hpss(D, kernel_size=31, power=2.0, mask=True, margin=1.0)`
    /// (transposed).
    ///
    /// # Panics
    /// If `stft` does not have `1 + n_fft / 2` columns.
    pub fn masks(
        &mut self,
        stft: &Array2<Complex32>,
        mask_harm: &mut Array2<f32>,
        mask_perc: &mut Array2<f32>,
    ) {
        self.compute_masks(stft);
        let shape = stft.dim();
        for (dst, src) in [(mask_harm, &self.work), (mask_perc, &self.perc)] {
            if dst.dim() != shape {
                *dst = Array2::zeros(shape);
            }
            for (d, &s) in dst.iter_mut().zip(src.iter()) {
                *d = s;
            }
        }
    }

    /// Separates `stft` (the STFT of a signal of `n_samples`, frame-major) into the harmonic and
    /// percussive time signals, each resized to `n_samples`.
    ///
    /// # Panics
    /// If `stft` does not have `1 + n_fft / 2` columns.
    pub fn separate(
        &mut self,
        stft: &Array2<Complex32>,
        n_samples: usize,
        harmonic_out: &mut Vec<f32>,
        percussive_out: &mut Vec<f32>,
    ) {
        self.compute_masks(stft);
        let mag = std::mem::take(&mut self.mag);
        self.apply_masks(stft, &mag, n_samples, harmonic_out, percussive_out);
        self.mag = mag;
    }

    /// Like [`Hpss::separate`] for the signal `y` whose STFT is `stft` (centred frames, any
    /// [`crate::PadMode`]), with `magnitude = |stft|` already computed (as
    /// [`crate::Stft::magnitude`] computes it); `harmonic_out` and `percussive_out` are resized
    /// to `y.len()`.
    ///
    /// Only the harmonic part is inverted; the percussive part is `y - harmonic`. The two masks
    /// sum to one in every bin (`H^2 / (H^2 + P^2) + P^2 / (H^2 + P^2)`, and 0.5 + 0.5 where
    /// librosa splits zeros), so `D M_P = D - D M_H`; `istft` is linear and inverts the STFT of
    /// `y` exactly (with `n_fft = 4 hop`, every output sample lies under a frame whose squared
    /// window is far above the threshold where librosa stops dividing). Hence
    /// `istft(D M_P) = y - istft(D M_H)`, up to f32 rounding (a few ulps of the signal).
    /// The masked bins are formed as `M_H D`, which is librosa's `(S M_H) (D / S)` without the
    /// two divisions, again up to rounding, with `M_H` computed with one division per bin as
    /// each frame is inverted (no mask array is stored).
    ///
    /// `magnitude` may have more columns than `stft` (padding, ignored): with rows a multiple
    /// of 16 samples long (1040 for 1025 bins) both medians run faster.
    ///
    /// # Panics
    /// If `stft` does not have `1 + n_fft / 2` columns, or `magnitude` has another number of
    /// rows than `stft` or fewer columns.
    pub fn separate_signal(
        &mut self,
        y: &[f32],
        stft: &Array2<Complex32>,
        magnitude: &Array2<f32>,
        harmonic_out: &mut Vec<f32>,
        percussive_out: &mut Vec<f32>,
    ) {
        percussive_out.clear();
        self.separate_signal_with(y, stft, magnitude, harmonic_out, |y, h| {
            percussive_out.extend(y.iter().zip(h).map(|(&v, &h)| v - h));
        });
    }

    /// [`Hpss::separate_signal`] for a caller that needs only the mean and variance of the
    /// harmonic and the percussive signal (the GTZAN table's `harmony_*` and `perceptr_*`):
    /// both are taken from each run of the harmonic signal as the inverse STFT finishes it,
    /// while it is in cache, and the percussive signal is never stored. `harmonic_out` holds
    /// the harmonic signal afterwards. Returns `[(mean, var) of harmonic, of percussive]`
    /// ([`RunningMeanVar`]).
    ///
    /// # Panics
    /// As [`Hpss::separate_signal`].
    pub fn separate_signal_moments(
        &mut self,
        y: &[f32],
        stft: &Array2<Complex32>,
        magnitude: &Array2<f32>,
        harmonic_out: &mut Vec<f32>,
    ) -> [(f64, f64); 2] {
        let (mut harm, mut perc) = (RunningMeanVar::default(), RunningMeanVar::default());
        let mut run = std::mem::take(&mut self.run);
        self.separate_signal_with(y, stft, magnitude, harmonic_out, |y, h| {
            harm.push(h);
            run.clear();
            run.extend(y.iter().zip(h).map(|(&v, &h)| v - h));
            perc.push(&run);
        });
        self.run = run;
        [harm.finish(), perc.finish()]
    }

    /// [`Hpss::separate_signal`]'s harmonic part into `harmonic_out`, calling `finished(y_run,
    /// h_run)` with each run of the harmonic signal (and the same samples of `y`) as the
    /// inverse STFT finishes it, in order.
    fn separate_signal_with<D>(
        &mut self,
        y: &[f32],
        stft: &Array2<Complex32>,
        magnitude: &Array2<f32>,
        harmonic_out: &mut Vec<f32>,
        mut finished: D,
    ) where
        D: FnMut(&[f32], &[f32]),
    {
        let (n_frames, n_bins) = stft.dim();
        // Columns past the STFT's are padding: rows a multiple of 16 samples apart make both
        // medians faster (see MedianFilter::filter_rows_strided).
        let stride = magnitude.ncols();
        assert!(
            magnitude.nrows() == n_frames && stride >= n_bins,
            "hpss: magnitude shape {:?} for an STFT of {:?}",
            magnitude.dim(),
            stft.dim()
        );
        self.check_bins(stft);
        let magnitude = magnitude.as_standard_layout();
        let Some(mag) = magnitude.as_slice() else {
            unreachable!("a standard-layout array is one slice")
        };
        // H along time, column by column: the padding columns are filtered too, and ignored.
        self.work.resize(mag.len(), 0.0);
        if !mag.is_empty() {
            self.median.filter_columns(mag, stride, &mut self.work);
        }
        let stft = stft.as_standard_layout();
        let Some(bins) = stft.as_slice() else {
            unreachable!("a standard-layout array is one slice")
        };
        // P is filtered a block of frames at a time as the inverse STFT reaches it (each row is
        // filtered on its own, so the values are those of one call over all frames): the block
        // stays in cache until the masks read it.
        let (harm, perc, median) = (&self.work, &mut self.perc, &mut self.median);
        perc.resize(P_BLOCK_FRAMES * stride, 0.0);
        self.istft.process_with_finished(
            n_frames,
            y.len(),
            harmonic_out,
            |t, spectrum| {
                let at = t % P_BLOCK_FRAMES * stride;
                if at == 0 {
                    let rows = t * stride..((t + P_BLOCK_FRAMES) * stride).min(mag.len());
                    median.filter_rows_strided(&mag[rows], n_bins, stride, perc);
                }
                let bins = bins[t * n_bins..(t + 1) * n_bins].iter().zip(
                    harm[t * stride..t * stride + n_bins]
                        .iter()
                        .zip(&perc[at..at + n_bins]),
                );
                for (s, (&d, (&h, &p))) in spectrum.iter_mut().zip(bins) {
                    *s = d * harmonic_mask(h, p);
                }
            },
            |at, h| finished(&y[at..at + h.len()], h),
        );
    }

    /// Inverts `stft` (whose modulus is `mag`) masked by `self.work` (harmonic) and `self.perc`
    /// (percussive).
    fn apply_masks(
        &mut self,
        stft: &Array2<Complex32>,
        mag: &[f32],
        n_samples: usize,
        harmonic_out: &mut Vec<f32>,
        percussive_out: &mut Vec<f32>,
    ) {
        let (n_frames, n_bins) = stft.dim();
        // Slices (no copy for our own frame-major STFTs), so that the masking loop vectorizes.
        let stft = stft.as_standard_layout();
        let Some(bins) = stft.as_slice() else {
            unreachable!("a standard-layout array is one slice")
        };
        let (harm, perc) = (&self.work, &self.perc);
        self.istft.process_pair_with(
            n_frames,
            n_samples,
            harmonic_out,
            percussive_out,
            |t, spec_h, spec_p| {
                let range = t * n_bins..(t + 1) * n_bins;
                let bins = bins[range.clone()]
                    .iter()
                    .zip(&mag[range.clone()])
                    .zip(harm[range.clone()].iter().zip(&perc[range]));
                for ((h, p), ((&d, &a), (&mh, &mp))) in spec_h.iter_mut().zip(spec_p).zip(bins) {
                    let phase = phase(d, a);
                    *h = masked(phase, a, mh);
                    *p = masked(phase, a, mp);
                }
            },
        );
    }

    /// Fills `self.mag` with `|D|`, `self.work` with `M_H` and `self.perc` with `M_P`
    /// (all frame-major).
    fn compute_masks(&mut self, stft: &Array2<Complex32>) {
        self.check_bins(stft);
        // Overwritten whole before they are read: buffers of the right size are not cleared.
        self.work.resize(stft.len(), 0.0);
        self.perc.resize(stft.len(), 0.0);
        self.mag.resize(stft.len(), 0.0);
        for (m, &d) in self.mag.iter_mut().zip(stft.iter()) {
            // |D| as numpy's complex64 abs (glibc's hypotf): the modulus in f64 rounded to f32.
            *m = modulus(d);
        }
        filter_and_mask(
            &mut self.median,
            &self.mag,
            self.istft.n_bins(),
            &mut self.work,
            &mut self.perc,
        );
    }

    /// Checks the number of bins of `stft`.
    fn check_bins(&self, stft: &Array2<Complex32>) {
        let n_bins = self.istft.n_bins();
        assert_eq!(
            stft.ncols(),
            n_bins,
            "hpss expects {n_bins} bins per frame, got {}",
            stft.ncols()
        );
    }
}

/// From the magnitudes `mag` (frame-major, `n_bins` per frame), fills `harm` with `M_H` and
/// `perc` with `M_P` (both of `mag`'s length).
fn filter_and_mask(
    median: &mut MedianFilter,
    mag: &[f32],
    n_bins: usize,
    harm: &mut [f32],
    perc: &mut [f32],
) {
    if mag.is_empty() {
        return;
    }
    // P: median along frequency, i.e. along the rows of the frame-major magnitude.
    median.filter_rows(mag, n_bins, perc);
    // H: median along time, i.e. down the columns.
    median.filter_columns(mag, n_bins, harm);
    for (h, p) in harm.iter_mut().zip(perc.iter_mut()) {
        let (mh, mp) = soft_masks(*h, *p);
        *h = mh;
        *p = mp;
    }
}

/// The soft masks `(H^2 / (H^2 + P^2), P^2 / (H^2 + P^2))` of one bin, computed as
/// `librosa.util.softmask(X, X_ref, power=2, split_zeros=True)` does in f32: both inputs are
/// divided by `Z = max(H, P)` first, and `Z` below the smallest normal f32 gives `(0.5, 0.5)`.
///
/// Written with selects instead of an early return, so that loops over bins vectorize.
#[inline]
fn soft_masks(h: f32, p: f32) -> (f32, f32) {
    let z = if p > h { p } else { h };
    let tiny = z < f32::MIN_POSITIVE;
    let z = if tiny { 1.0 } else { z };
    let (a, b) = (h / z, p / z);
    let (a, b) = (a * a, b * b);
    let (mh, mp) = (a / (a + b), b / (b + a));
    if tiny { (0.5, 0.5) } else { (mh, mp) }
}

/// `M_H = H^2 / (H^2 + P^2)`, or 0.5 where `Z = max(H, P)` is below the smallest normal f32, as
/// [`soft_masks`] gives it up to rounding (within 2 ulps of the exact ratio, and of librosa's
/// sequence of divisions within 4; test), with one division instead of three:
/// `H` and `P` are scaled by the power of two `2^-e` that brings `Z` into `[1, 2)` (exactly, by
/// building `2^-e` from `Z`'s exponent bits) instead of being divided by `Z`, so that the
/// squares can neither overflow nor underflow where librosa's do not. `Z` is capped at 2^126
/// first so that `2^-e` stays a normal f32.
///
/// Branch-free (selects), so that loops over bins vectorize.
#[inline]
fn harmonic_mask(h: f32, p: f32) -> f32 {
    const EXPONENT: u32 = 0x7f80_0000;
    let z = if p > h { p } else { h };
    let tiny = z < f32::MIN_POSITIVE;
    let capped = z.min(2f32.powi(126));
    // z in [2^(E - 127), 2^(E - 126)) for its biased exponent E; 2^(127 - E) has exponent bits
    // 254 - E, which is at least 1 since E <= 253 after the cap.
    let scale = f32::from_bits((254 << 23) - (capped.to_bits() & EXPONENT));
    let (a, b) = (h * scale, p * scale);
    let (a, b) = (a * a, b * b);
    let m = a / (a + b);
    if tiny { 0.5 } else { m }
}

/// `phase = D / |D|` (1 where `|D| = 0`) as `librosa.magphase(D)` forms it, as `(re, im)`.
///
/// Branch-free (a select for `|D| = 0`), so that loops over bins vectorize.
#[inline]
fn phase(d: Complex32, mag: f32) -> (f32, f32) {
    let zero = mag == 0.0;
    let m = if zero { 1.0 } else { mag };
    let (re, im) = if zero { (1.0, 0.0) } else { (d.re, d.im) };
    (re / m, im / m)
}

/// `(S * M) * phase`, the masked STFT bin exactly as `librosa.decompose.hpss` forms it (where
/// `|D| = 0`, `S * M` is 0 and so is the bin).
#[inline]
fn masked((re, im): (f32, f32), mag: f32, mask: f32) -> Complex32 {
    let scaled = mag * mask;
    Complex32::new(scaled * re, scaled * im)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_close, reference, signal};
    use crate::{PadMode, Stft, mean_var_of};

    fn stft_of(y: &[f32]) -> Array2<Complex32> {
        let mut d = Array2::zeros((0, 0));
        Stft::new(2048, 512).complex(y, PadMode::Reflect, &mut d);
        d
    }

    fn widen(x: &[f32]) -> Vec<f64> {
        x.iter().map(|&v| f64::from(v)).collect()
    }

    /// Mean and population variance in f64, as the table's columns.
    fn stats(x: &[f32]) -> (f64, f64) {
        let n = x.len() as f64;
        let mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = x
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n;
        (mean, var)
    }

    #[test]
    fn median_filtered_magnitudes_and_masks_match_librosa() {
        let y = signal("harm_perc");
        let d = stft_of(&y[..8192]);
        let mut hpss = Hpss::new(2048, 512);
        let (mut mh, mut mp) = (Array2::zeros((0, 0)), Array2::zeros((0, 0)));
        hpss.masks(&d, &mut mh, &mut mp);
        // The reference is (bins, frames); ours is (frames, bins).
        let (n_frames, n_bins) = d.dim();
        let t = |a: &[f32]| -> Vec<f64> {
            let mut out = vec![0.0; a.len()];
            for f in 0..n_frames {
                for k in 0..n_bins {
                    out[k * n_frames + f] = f64::from(a[f * n_bins + k]);
                }
            }
            out
        };
        // Medians pick one input magnitude each: they agree as well as |D| does, a few f32 ulps
        // of the frame's largest bin (max |D| here is ~300, so 1e-4 absolute is ~10 ulps).
        let want_h = reference("harm_perc", "rh_short_harm_median");
        let want_p = reference("harm_perc", "rh_short_perc_median");
        assert_close("H", &t(&hpss.harm_filtered()), &want_h.data, 1e-5, 1e-4);
        assert_close("P", &t(&hpss.perc_filtered()), &want_p.data, 1e-5, 1e-4);
        // Masks are ratios of those medians; bins where H and P are both tiny (~1e-4 of the
        // peak) are ill-conditioned, so compare with a mask tolerance of 1e-3.
        let mh_s = t(mh.as_slice().expect("contiguous"));
        let mp_s = t(mp.as_slice().expect("contiguous"));
        assert_close(
            "M_H",
            &mh_s,
            &reference("harm_perc", "rh_short_mask_harm").data,
            0.0,
            1e-3,
        );
        assert_close(
            "M_P",
            &mp_s,
            &reference("harm_perc", "rh_short_mask_perc").data,
            0.0,
            1e-3,
        );
        // Masks sum to one.
        for (a, b) in mh.iter().zip(mp.iter()) {
            assert!((a + b - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn separated_signals_match_librosa() {
        let y = signal("harm_perc");
        let mut hpss = Hpss::new(2048, 512);
        let (mut h, mut p) = (Vec::new(), Vec::new());
        hpss.separate(&stft_of(&y[..8192]), 8192, &mut h, &mut p);
        let want_h = reference("harm_perc", "rh_short_harmonic").data;
        let want_p = reference("harm_perc", "rh_short_percussive").data;
        // Signal peak ~0.8; 2e-5 absolute is ~300 f32 ulps at that scale, covering STFT, mask
        // and FFT rounding differences.
        assert_close("harmonic", &widen(&h), &want_h, 0.0, 2e-5);
        assert_close("percussive", &widen(&p), &want_p, 0.0, 2e-5);
    }

    #[test]
    fn whole_signal_statistics_match_librosa() {
        let mut hpss = Hpss::new(2048, 512);
        let (mut h, mut p) = (Vec::new(), Vec::new());
        for name in ["harm_perc", "clicks_120", "silence"] {
            let y = signal(name);
            hpss.separate(&stft_of(&y), y.len(), &mut h, &mut p);
            assert_eq!(h.len(), y.len());
            let want = reference(name, "rh_hpss_stats").data;
            let (hm, hv) = stats(&h);
            let (pm, pv) = stats(&p);
            // Means are ~1e-5 of a signal of peak ~1: compare absolutely, variances relatively.
            assert_close(
                &format!("{name} means"),
                &[hm, pm],
                &[want[0], want[2]],
                0.0,
                1e-7,
            );
            assert_close(
                &format!("{name} vars"),
                &[hv, pv],
                &[want[1], want[3]],
                1e-5,
                1e-12,
            );
            let mid = y.len() / 2;
            let want_h = reference(name, "rh_harmonic_mid").data;
            let want_p = reference(name, "rh_percussive_mid").data;
            assert_close(
                &format!("{name} H mid"),
                &widen(&h[mid..mid + 2000]),
                &want_h,
                0.0,
                2e-5,
            );
            assert_close(
                &format!("{name} P mid"),
                &widen(&p[mid..mid + 2000]),
                &want_p,
                0.0,
                2e-5,
            );
        }
    }

    #[test]
    fn separate_signal_matches_separate() {
        let mut hpss = Hpss::new(2048, 512);
        let (mut h, mut p) = (Vec::new(), Vec::new());
        let (mut h2, mut p2) = (Vec::new(), Vec::new());
        let long: Vec<f32> = signal("harm_perc");
        let inputs: Vec<(String, Vec<f32>)> = ["harm_perc", "clicks_120", "silence", "chirp"]
            .iter()
            .map(|name| (name.to_string(), signal(name)))
            .chain([0usize, 1, 10, 511, 2047, 5000].map(|n| (format!("{n}"), long[..n].to_vec())))
            .collect();
        for (name, y) in inputs {
            let d = stft_of(&y);
            let mag = d.mapv(modulus);
            hpss.separate(&d, y.len(), &mut h, &mut p);
            hpss.separate_signal(&y, &d, &mag, &mut h2, &mut p2);
            assert_eq!((h2.len(), p2.len()), (y.len(), y.len()), "{name}");
            // M_H D and (S M_H)(D / S), and y - harmonic and the inverted percussive part,
            // differ by f32 rounding only: signals peak near 1, so 1e-6 absolute is ~16 ulps at
            // the peak.
            assert_close(
                &format!("{name} harmonic"),
                &widen(&h2),
                &widen(&h),
                0.0,
                1e-6,
            );
            assert_close(
                &format!("{name} percussive"),
                &widen(&p2),
                &widen(&p),
                0.0,
                1e-6,
            );
            // The moments taken run by run: the same harmonic signal, bit for bit, and the
            // two-pass statistics of both signals to f64 rounding.
            // Magnitudes with padding columns (rows of 1040): the same signals bit for bit.
            let mut padded = Array2::from_elem((mag.nrows(), 1040), f32::NAN);
            for (mut to, from) in padded.rows_mut().into_iter().zip(mag.rows()) {
                to.iter_mut().zip(from).for_each(|(to, &m)| *to = m);
            }
            let (mut h4, mut p4) = (Vec::new(), Vec::new());
            hpss.separate_signal(&y, &d, &padded, &mut h4, &mut p4);
            let same =
                |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(
                h4.len() == h2.len() && same(&h4, &h2) && same(&p4, &p2),
                "{name} padded"
            );
            let mut h3 = vec![f32::NAN; 3];
            let moments = hpss.separate_signal_moments(&y, &d, &mag, &mut h3);
            assert!(
                h3.iter().zip(&h2).all(|(a, b)| a.to_bits() == b.to_bits()),
                "{name}"
            );
            for (what, (m, v), (m2, v2)) in [
                ("harmonic", moments[0], mean_var_of(&h2)),
                ("percussive", moments[1], mean_var_of(&p2)),
            ] {
                assert!(
                    (m - m2).abs() <= 1e-12 * m2.abs().max(1e-9),
                    "{name} {what} mean {m} {m2}"
                );
                assert!((v - v2).abs() <= 1e-12 * v2, "{name} {what} var {v} {v2}");
            }
        }
    }

    #[test]
    fn harmonic_mask_is_within_two_ulps_of_the_exact_ratio() {
        let mut values = vec![0.0f32, 1e-45, 1e-39, f32::MIN_POSITIVE, 1e-30, 1e-19, 1e-3];
        values.extend([0.5, 1.0, 1.5, 3.0, 300.0, 1e19, 1e30, 2e38, f32::MAX]);
        let noise = crate::testutil::random_signal(crate::testutil::RNG_SEED, 200);
        values.extend(noise.iter().map(|v| v.abs() * 50.0));
        for &h in &values {
            for &p in &values {
                let got = harmonic_mask(h, p);
                if h.max(p) < f32::MIN_POSITIVE {
                    assert_eq!(got, 0.5);
                    continue;
                }
                let (h2, p2) = (f64::from(h).powi(2), f64::from(p).powi(2));
                let exact = h2 / (h2 + p2);
                // Where librosa's own squares underflow (P/Z below ~1e-19) the ratio is 1.
                let want = if exact > 1.0 - 1e-9 { 1.0 } else { exact };
                let ulp = f64::from(f32::EPSILON) * want.max(f64::from(f32::MIN_POSITIVE));
                assert!(
                    (f64::from(got) - want).abs() <= 2.0 * ulp,
                    "h {h:e} p {p:e}: {got:e} vs {want:e}"
                );
                // And librosa's sequence of three divisions agrees to a few ulps.
                let ulps = (soft_masks(h, p).0.to_bits() as i64 - got.to_bits() as i64).abs();
                assert!(ulps <= 4, "h {h:e} p {p:e}: {ulps} ulps from soft_masks");
            }
        }
    }

    #[test]
    fn soft_masks_mirror_librosa_zero_handling() {
        assert_eq!(soft_masks(0.0, 0.0), (0.5, 0.5));
        assert_eq!(soft_masks(1e-39, 0.0), (0.5, 0.5));
        assert_eq!(soft_masks(3.0, 0.0), (1.0, 0.0));
        let (a, b) = soft_masks(3.0, 4.0);
        assert!((a - 9.0 / 25.0).abs() < 1e-7 && (b - 16.0 / 25.0).abs() < 1e-7);
    }

    #[test]
    fn empty_and_tiny_inputs_do_not_panic() {
        let mut hpss = Hpss::new(2048, 512);
        let (mut h, mut p) = (Vec::new(), Vec::new());
        for n in [0usize, 1, 10, 2047] {
            let y: Vec<f32> = (0..n).map(|i| (i as f32 * 0.1).sin()).collect();
            hpss.separate(&stft_of(&y), n, &mut h, &mut p);
            assert_eq!((h.len(), p.len()), (n, n));
            assert!(h.iter().chain(&p).all(|v| v.is_finite()));
        }
    }

    /// Times HPSS, onset strength and tempo on GTZAN's blues.00000 (30 s), for comparison with
    /// librosa on the same machine: `cargo test -p genrekit-features --lib hpss_timing --
    /// --ignored --nocapture` (with our crate at opt-level 3).
    #[test]
    #[ignore]
    fn hpss_timing() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/gtzan/genres/blues/blues.00000.wav");
        let mut reader = hound::WavReader::open(&path).expect("GTZAN clip");
        let y: Vec<f32> = reader
            .samples::<i16>()
            .map(|s| f32::from(s.expect("sample")) / 32768.0)
            .collect();
        let n = y.len();
        let d = stft_of(&y);
        let mut hpss = Hpss::new(2048, 512);
        let (mut h, mut p) = (Vec::new(), Vec::new());
        hpss.separate(&d, n, &mut h, &mut p);
        let t0 = std::time::Instant::now();
        hpss.compute_masks(&d);
        let t1 = std::time::Instant::now();
        hpss.separate(&d, n, &mut h, &mut p);
        let t2 = std::time::Instant::now();
        let mut onset = crate::OnsetStrength::new(22050.0);
        let mut env = Vec::new();
        onset.compute(&y, &mut env);
        let t3 = std::time::Instant::now();
        let bpm = crate::tempo(&env, 22050.0, 512);
        let t4 = std::time::Instant::now();
        let (hm, hv) = stats(&h);
        let (pm, pv) = stats(&p);
        eprintln!(
            "masks {:?}, hpss total {:?}, onset {:?}, tempo {:?}: harmony {hm:e} {hv:e} \
             perceptr {pm:e} {pv:e} tempo {bpm}",
            t1 - t0,
            t2 - t1,
            t3 - t2,
            t4 - t3
        );
    }

    impl Hpss {
        /// Test access: recompute P (the mask overwrote it).
        fn perc_filtered(&mut self) -> Vec<f32> {
            let n_bins = self.istft.n_bins();
            let mut p = vec![0.0; self.mag.len()];
            self.median.filter_rows(&self.mag, n_bins, &mut p);
            p
        }

        /// Test access: recompute H (the mask overwrote it).
        fn harm_filtered(&mut self) -> Vec<f32> {
            let n_bins = self.istft.n_bins();
            let mut h = vec![0.0; self.mag.len()];
            self.median.filter_columns(&self.mag, n_bins, &mut h);
            h
        }
    }
}
