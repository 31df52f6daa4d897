//! Inverse short-time Fourier transform, mirroring `librosa.istft(center=True, length=...)`.

use ndarray::Array2;
use realfft::num_complex::Complex32;

use crate::irfft::InverseRealFft;

/// A planned inverse STFT: windowed overlap-add normalised by the summed squared window.
///
/// For frames `X[t, k]` (frames are rows, as [`crate::Stft`] writes them) and a periodic Hann
/// window `w` of `n_fft` points, the padded signal is
/// `z[s] = sum_t w[s - t hop] irfft(X[t])[s - t hop] / sum_t w[s - t hop]^2`
/// (dividing only where the window sum exceeds the smallest normal f32), and the output is
/// `z[n_fft / 2 .. n_fft / 2 + length]`, zero-filled past the last frame. This is
/// `librosa.istft(X.T, hop_length=hop, win_length=n_fft, n_fft=n_fft, window='hann',
/// center=True, length=length)`, which uses only the first
/// `min(n_frames, ceil((length + n_fft) / hop))` frames. As librosa does, each windowed frame
/// is added in f64 and rounded to the f32 output, the window sum is accumulated the same way, and
/// `irfft` ignores the imaginary parts of the DC and Nyquist bins.
///
/// The complex-to-real FFT is planned once; the frame, spectrum, scratch and window-sum buffers
/// are owned and reused, so a call allocates nothing once `out` has grown.
pub struct Istft {
    n_fft: usize,
    hop: usize,
    irfft: InverseRealFft,
    /// The periodic Hann window in f64, as `scipy.signal.get_window('hann', n_fft)`.
    window: Vec<f64>,
    /// One frame of each of up to two STFTs being inverted together.
    spectra: [Vec<Complex32>; 2],
    frame: Vec<f32>,
    /// The window sum over the output samples for `wsum_key = (n_frames, length)`.
    wsum: Vec<f32>,
    wsum_key: (usize, usize),
}

impl std::fmt::Debug for Istft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Istft")
            .field("n_fft", &self.n_fft)
            .field("hop", &self.hop)
            .finish_non_exhaustive()
    }
}

impl Istft {
    /// Plans an inverse STFT of `n_fft` points every `hop_length` samples.
    ///
    /// # Panics
    /// If `n_fft` is zero or odd, or `hop_length` is zero.
    pub fn new(n_fft: usize, hop_length: usize) -> Istft {
        assert!(
            n_fft > 0 && n_fft.is_multiple_of(2),
            "n_fft must be even and positive, got {n_fft}"
        );
        assert!(hop_length > 0, "hop_length must be positive");
        let irfft = InverseRealFft::new(n_fft);
        let bins = vec![Complex32::new(0.0, 0.0); irfft.complex_len()];
        let window = (0..n_fft)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n_fft as f64).cos())
            .collect();
        Istft {
            n_fft,
            hop: hop_length,
            window,
            spectra: [bins.clone(), bins],
            frame: vec![0.0; n_fft],
            irfft,
            wsum: Vec::new(),
            wsum_key: (usize::MAX, usize::MAX),
        }
    }

    /// The number of frequency bins per frame, `1 + n_fft / 2`.
    pub fn n_bins(&self) -> usize {
        1 + self.n_fft / 2
    }

    /// Inverts the STFT `stft` (shape `(n_frames, n_bins)`) into `out`, resized to `length`.
    ///
    /// # Panics
    /// If `stft` does not have [`Istft::n_bins`] columns.
    pub fn process(&mut self, stft: &Array2<Complex32>, length: usize, out: &mut Vec<f32>) {
        assert_eq!(
            stft.ncols(),
            self.n_bins(),
            "istft expects {} bins per frame, got {}",
            self.n_bins(),
            stft.ncols()
        );
        self.process_with(stft.nrows(), length, out, |t, spectrum| {
            for (s, &x) in spectrum.iter_mut().zip(stft.row(t)) {
                *s = x;
            }
        });
    }

    /// Inverts an STFT of `n_frames` frames whose spectra `fill(t, spectrum)` writes on demand,
    /// into `out`, resized to `length`.
    ///
    /// `fill` receives each used frame index once, in increasing order, with a buffer of
    /// [`Istft::n_bins`] values to overwrite. This lets a caller invert a masked STFT without
    /// storing it (see [`crate::Hpss`]).
    pub fn process_with<F>(&mut self, n_frames: usize, length: usize, out: &mut Vec<f32>, fill: F)
    where
        F: FnMut(usize, &mut [Complex32]),
    {
        self.process_with_finished(n_frames, length, out, fill, |_, _| {});
    }

    /// [`Istft::process_with`], also calling `finished(at, samples)` with each run of output
    /// samples `out[at .. at + samples.len()]` as soon as no later frame changes it, in order
    /// and covering `0..length` once, while the run is still in cache (a caller that only
    /// needs statistics of the output reads it there instead of in another pass).
    pub fn process_with_finished<F, D>(
        &mut self,
        n_frames: usize,
        length: usize,
        out: &mut Vec<f32>,
        mut fill: F,
        finished: D,
    ) where
        F: FnMut(usize, &mut [Complex32]),
        D: FnMut(usize, &[f32]),
    {
        self.invert(
            n_frames,
            length,
            out,
            None,
            |t, spectrum, _| fill(t, spectrum),
            finished,
        );
    }

    /// Like [`Istft::process_with`] for two STFTs of the same shape at once, into `out_a` and
    /// `out_b`: `fill(t, a, b)` writes frame `t` of both. A caller whose two spectra share work
    /// per bin (the harmonic and percussive parts of [`crate::Hpss`] share the phase) does it
    /// once.
    pub fn process_pair_with<F>(
        &mut self,
        n_frames: usize,
        length: usize,
        out_a: &mut Vec<f32>,
        out_b: &mut Vec<f32>,
        fill: F,
    ) where
        F: FnMut(usize, &mut [Complex32], &mut [Complex32]),
    {
        self.invert(n_frames, length, out_a, Some(out_b), fill, |_, _| {});
    }

    /// Inverts one STFT into `out_a`, or two into `out_a` and `out_b`, reporting `out_a`'s
    /// finished runs to `finished`.
    ///
    /// The outputs are not cleared first: each sample's first contribution is written rather
    /// than added (as `0.0 + v`, the same value as adding it to a zeroed sample), samples no
    /// frame covers are zeroed, and each run is divided by the window sum once the next frame
    /// no longer reaches it.
    fn invert<F, D>(
        &mut self,
        n_frames: usize,
        length: usize,
        out_a: &mut Vec<f32>,
        mut out_b: Option<&mut Vec<f32>>,
        mut fill: F,
        mut finished: D,
    ) where
        F: FnMut(usize, &mut [Complex32], &mut [Complex32]),
        D: FnMut(usize, &[f32]),
    {
        let (hop, half) = (self.hop, self.n_fft / 2);
        let n_frames = n_frames.min((length + 2 * half).div_ceil(hop));
        for out in std::iter::once(&mut *out_a).chain(out_b.as_deref_mut()) {
            // Stale values are fine: every sample is written before it is read.
            out.resize(length, 0.0);
        }
        self.fill_window_sum(n_frames, length);
        // Samples [0, written) hold a contribution (or a zero); [0, done) are final.
        let (mut written, mut done) = (0, 0);
        for t in 0..=n_frames {
            // Output samples before frame t's start: no frame from t on reaches them.
            let final_end = if t == n_frames {
                length
            } else {
                (t * hop).saturating_sub(half).min(length)
            };
            if final_end > done {
                for out in std::iter::once(&mut *out_a).chain(out_b.as_deref_mut()) {
                    if written < final_end {
                        out[written..final_end].fill(0.0);
                    }
                    let run = out[done..final_end].iter_mut().zip(&self.wsum[done..]);
                    for (o, &w) in run {
                        // A select rather than a branch, so that the loop vectorizes.
                        *o = if w > f32::MIN_POSITIVE { *o / w } else { *o };
                    }
                }
                written = written.max(final_end);
                finished(done, &out_a[done..final_end]);
                done = final_end;
            }
            if t == n_frames {
                break;
            }
            let [a, b] = &mut self.spectra;
            fill(t, a, b);
            let end = self.add_frame(0, t, out_a, written);
            if let Some(out_b) = out_b.as_deref_mut() {
                self.add_frame(1, t, out_b, written);
            }
            written = written.max(end);
        }
    }

    /// Inverts `self.spectra[which]` (frame `t`) and adds it, windowed, into `out`, whose
    /// samples from `written` on hold no contribution yet (those in the frame are written
    /// rather than added to). `written` reaches at least the frame's start: [`Istft::invert`]
    /// zeroes and finishes every sample before it first. Returns the end of the frame's
    /// samples in `out`.
    fn add_frame(&mut self, which: usize, t: usize, out: &mut [f32], written: usize) -> usize {
        let (n_fft, hop, half) = (self.n_fft, self.hop, self.n_fft / 2);
        let length = out.len();
        // numpy's irfft ignores the imaginary parts of the DC and Nyquist bins, as this does.
        self.irfft.process(&self.spectra[which], &mut self.frame);
        // Frame t starts at padded sample t * hop, i.e. output sample t * hop - n_fft / 2.
        let start = (t * hop) as isize - half as isize;
        let lo = (-start).max(0) as usize;
        let hi = n_fft.min((length as isize - start).max(0) as usize);
        if lo >= hi {
            return written;
        }
        let at = (start + lo as isize) as usize;
        debug_assert!(written >= at, "samples before the frame are finished first");
        // Samples at..fresh already hold earlier frames' contributions.
        let fresh = written.clamp(at, at + (hi - lo)) - at;
        let scale = 1.0 / n_fft as f32;
        let (window, frame) = (&self.window[lo..hi], &self.frame[lo..hi]);
        // Zipped slices, so the loops have no index checks and vectorize.
        for ((o, &w), &f) in out[at..at + fresh]
            .iter_mut()
            .zip(&window[..fresh])
            .zip(&frame[..fresh])
        {
            let v = w * f64::from(f * scale);
            *o = (f64::from(*o) + v) as f32;
        }
        for ((o, &w), &f) in out[at + fresh..at + (hi - lo)]
            .iter_mut()
            .zip(&window[fresh..])
            .zip(&frame[fresh..])
        {
            let v = w * f64::from(f * scale);
            *o = (0.0 + v) as f32;
        }
        at + (hi - lo)
    }

    /// Fills `self.wsum[s]`, the squared-window sum at output sample `s`, as
    /// `librosa.filters.window_sumsquare(n_frames=n_frames)[n_fft / 2:]` cut to `length`.
    fn fill_window_sum(&mut self, n_frames: usize, length: usize) {
        if self.wsum_key == (n_frames, length) {
            return;
        }
        let (n_fft, hop, half) = (self.n_fft, self.hop, self.n_fft / 2);
        self.wsum.clear();
        self.wsum.resize(length, 0.0);
        // The padded samples the frames cover (none without frames).
        let total = if n_frames == 0 {
            0
        } else {
            n_fft + hop * (n_frames - 1)
        };
        // Where neither the first nor the last frame cuts the sum short (n_fft - 1 <= p and
        // p < n_frames hop), sample p sees the same window offsets in the same order as p - hop,
        // so the sum repeats with period hop and is copied instead of added up again.
        let steady = (n_fft - 1 + hop)..n_frames * hop;
        for s in 0..length {
            let p = s + half;
            if p >= total {
                break;
            }
            if steady.contains(&p) {
                self.wsum[s] = self.wsum[s - hop];
                continue;
            }
            // Frames covering padded sample p, in increasing order as librosa adds them.
            let first = (p + 1).saturating_sub(n_fft).div_ceil(hop);
            let last = (p / hop).min(n_frames - 1);
            let mut acc = 0.0f32;
            for t in first..=last {
                let x = self.window[p - t * hop];
                acc = (f64::from(acc) + x * x) as f32;
            }
            self.wsum[s] = acc;
        }
        self.wsum_key = (n_frames, length);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_close, reference, signal};
    use crate::{PadMode, Stft};

    /// The squared-window sum added up at every sample, without the periodic copy.
    fn direct_window_sum(istft: &Istft, n_frames: usize, length: usize) -> Vec<f32> {
        let (n_fft, hop, half) = (istft.n_fft, istft.hop, istft.n_fft / 2);
        (0..length)
            .map(|s| {
                let p = s + half;
                let mut acc = 0.0f32;
                for t in 0..n_frames {
                    if (t * hop..t * hop + n_fft).contains(&p) {
                        let x = istft.window[p - t * hop];
                        acc = (f64::from(acc) + x * x) as f32;
                    }
                }
                acc
            })
            .collect()
    }

    #[test]
    fn periodic_window_sum_equals_the_direct_sum_bit_for_bit() {
        for (n_fft, hop) in [(2048, 512), (16, 4), (10, 3), (8, 8), (6, 5), (4, 1)] {
            let mut istft = Istft::new(n_fft, hop);
            for n_frames in [0, 1, 2, 3, 5, 12, 40] {
                for length in [0, 1, 7, 50, 300, 5000] {
                    istft.fill_window_sum(n_frames, length);
                    let want = direct_window_sum(&istft, n_frames, length);
                    let same = istft
                        .wsum
                        .iter()
                        .zip(&want)
                        .all(|(a, b)| a.to_bits() == b.to_bits());
                    assert!(
                        same,
                        "n_fft {n_fft} hop {hop} frames {n_frames} length {length}"
                    );
                }
            }
        }
    }

    /// STFT of the first 8192 samples of harm_perc scaled by the reference script's gains.
    fn gained_stft() -> Array2<Complex32> {
        let y = signal("harm_perc");
        let mut stft = Stft::new(2048, 512);
        let mut d = Array2::zeros((0, 0));
        stft.complex(&y[..8192], PadMode::Reflect, &mut d);
        for ((t, k), x) in d.indexed_iter_mut() {
            let g = (0.5 + 0.5 * (0.37 * k as f64 + 1.3 * t as f64).cos()) as f32;
            *x *= g;
        }
        d
    }

    #[test]
    fn matches_librosa_istft_for_several_lengths() {
        let d = gained_stft();
        let mut istft = Istft::new(2048, 512);
        let mut out = Vec::new();
        for length in [8192, 8192 - 700, 8192 + 1500] {
            istft.process(&d, length, &mut out);
            let want = reference("harm_perc", &format!("rh_istft_{length}")).data;
            // Split the samples by the window sum: where it is at least 1e-2 (all but the last
            // ~200 samples of the last frame) the division is well conditioned.
            let (mut good, mut bad) = ((vec![], vec![]), (vec![], vec![]));
            for ((&v, &w), &e) in out.iter().zip(&istft.wsum).zip(&want) {
                let side = if w >= 1e-2 { &mut good } else { &mut bad };
                side.0.push(f64::from(v));
                side.1.push(e);
            }
            // The STFTs (ours f32, librosa's f64 rounded to c64) and the FFTs differ by a few
            // f32 ulps of the frame's largest value (~0.5): 2e-6 absolute is ~30 ulps of that.
            assert_close(&format!("istft {length}"), &good.0, &good.1, 0.0, 2e-6);
            // Near the end the window sum falls towards 0 (down to ~1e-7) and dividing by it
            // amplifies those same rounding differences along with the values (up to ~1e3).
            assert_close(&format!("istft {length} tail"), &bad.0, &bad.1, 1e-3, 1e-4);
        }
    }

    /// Overlap-add as written out in the definition: a zeroed output, every contribution
    /// added, then the division by the window sum.
    fn direct_istft(istft: &mut Istft, spectra: &[Vec<Complex32>], length: usize) -> Vec<f32> {
        let (n_fft, hop, half) = (istft.n_fft, istft.hop, istft.n_fft / 2);
        let n_frames = spectra.len().min((length + 2 * half).div_ceil(hop));
        let mut out = vec![0.0f32; length];
        for (t, spectrum) in spectra.iter().enumerate().take(n_frames) {
            let mut spectrum = spectrum.clone();
            spectrum[0].im = 0.0;
            spectrum[half].im = 0.0;
            let mut frame = vec![0.0f32; n_fft];
            realfft::RealFftPlanner::<f32>::new()
                .plan_fft_inverse(n_fft)
                .process(&mut spectrum, &mut frame)
                .expect("sized by the plan");
            for (i, &f) in frame.iter().enumerate() {
                let s = (t * hop + i) as isize - half as isize;
                if (0..length as isize).contains(&s) {
                    let o = &mut out[s as usize];
                    let v = istft.window[i] * f64::from(f * (1.0 / n_fft as f32));
                    *o = (f64::from(*o) + v) as f32;
                }
            }
        }
        istft.fill_window_sum(n_frames, length);
        for (o, &w) in out.iter_mut().zip(&istft.wsum) {
            if w > f32::MIN_POSITIVE {
                *o /= w;
            }
        }
        out
    }

    /// The streamed overlap-add (first contributions written, runs divided as they finish)
    /// equals the direct one bit for bit, whatever the output buffer held before, and its
    /// finished runs cover the output once, in order, with the final values. Includes hops
    /// longer than the frame, which leave samples no frame covers.
    #[test]
    fn streamed_overlap_add_equals_the_direct_sum() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            ((seed >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        };
        for (n_fft, hop) in [
            (2048, 512),
            (16, 4),
            (10, 3),
            (8, 8),
            (6, 5),
            (4, 1),
            (4, 6),
        ] {
            let mut istft = Istft::new(n_fft, hop);
            for n_frames in [0, 1, 2, 5, 12] {
                let spectra: Vec<Vec<Complex32>> = (0..n_frames)
                    .map(|_| {
                        (0..istft.n_bins())
                            .map(|_| Complex32::new(next(), next()))
                            .collect()
                    })
                    .collect();
                for length in [0, 1, 7, 50, 300, 5000] {
                    let want = direct_istft(&mut istft, &spectra, length);
                    for stale in [0, length, length + 3] {
                        let mut out = vec![f32::NAN; stale];
                        let mut runs = Vec::new();
                        istft.process_with_finished(
                            n_frames,
                            length,
                            &mut out,
                            |t, s| s.copy_from_slice(&spectra[t]),
                            |at, run| runs.push((at, run.to_vec())),
                        );
                        let case =
                            format!("n_fft {n_fft} hop {hop} frames {n_frames} length {length}");
                        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&out), bits(&want), "{case}");
                        let mut covered = 0;
                        for (at, run) in &runs {
                            assert_eq!(*at, covered, "{case}: runs in order");
                            assert_eq!(bits(run), bits(&want[*at..*at + run.len()]), "{case}");
                            covered += run.len();
                        }
                        assert_eq!(covered, length, "{case}: runs cover the output");
                    }
                }
            }
        }
    }

    #[test]
    fn inverts_the_stft_and_handles_tiny_inputs() {
        let y = signal("chirp");
        let mut stft = Stft::new(2048, 512);
        let mut istft = Istft::new(2048, 512);
        let mut d = Array2::zeros((0, 0));
        let mut out = Vec::new();
        for n in [0, 1, 100, 5000] {
            stft.complex(&y[..n], PadMode::Reflect, &mut d);
            istft.process(&d, n, &mut out);
            let got: Vec<f64> = out.iter().map(|&v| f64::from(v)).collect();
            let want: Vec<f64> = y[..n].iter().map(|&v| f64::from(v)).collect();
            assert_close(&format!("roundtrip {n}"), &got, &want, 0.0, 1e-6);
        }
    }
}
