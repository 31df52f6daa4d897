//! Short-time Fourier transform, frame-major, mirroring `librosa.stft(center=True)`.

use std::sync::Arc;

use ndarray::Array2;
use realfft::num_complex::{Complex, Complex32};
use realfft::{RealFftPlanner, RealToComplex};

use crate::window::hann_f64;

/// How the signal is extended past its ends before framing, as `numpy.pad` modes.
///
/// librosa's `stft(center=True)` pads `n_fft / 2` samples on each side with `pad_mode`:
/// `'constant'` (zeros, librosa's default since 0.9) or `'reflect'` (what the GTZAN table used).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadMode {
    /// `numpy.pad(mode='reflect')`: mirror about the end samples without repeating them,
    /// `[a b c d]` → `... c b | a b c d | c b a ...`. Signals shorter than the padding are
    /// reflected repeatedly, as numpy does (period `2 (n - 1)`); a one-sample signal repeats
    /// that sample and an empty signal is padded with zeros (numpy refuses both).
    Reflect,
    /// `numpy.pad(mode='constant')`: zeros.
    Constant,
}

impl PadMode {
    /// Sample `i` (any integer, may lie outside `0..y.len()`) of `y` extended with this mode.
    #[inline]
    pub(crate) fn sample(self, y: &[f32], i: isize) -> f32 {
        let n = y.len() as isize;
        if (0..n).contains(&i) {
            return y[i as usize];
        }
        match self {
            PadMode::Constant => 0.0,
            PadMode::Reflect => match n {
                0 => 0.0,
                1 => y[0],
                _ => {
                    let period = 2 * (n - 1);
                    let m = i.rem_euclid(period);
                    y[if m < n { m } else { period - m } as usize]
                }
            },
        }
    }
}

/// A planned short-time Fourier transform with a periodic Hann window and centred frames.
///
/// Frame `t` covers samples `t * hop - n_fft / 2 .. t * hop + n_fft / 2` of the padded signal
/// (see [`PadMode`]) and its spectrum is `X[t, k] = sum_n w[n] x[t * hop - n_fft / 2 + n]
/// exp(-2 pi i k n / n_fft)` for `k = 0 ..= n_fft / 2`, unnormalised, as
/// `librosa.stft(y, n_fft, hop_length, window='hann', center=True, pad_mode)` returns it.
/// The result is transposed with respect to librosa: frames are rows (`out[[t, k]]`).
///
/// Like librosa, each frame is windowed and transformed in f64 (librosa multiplies the float32
/// signal by a float64 window and `numpy.fft.rfft` works in float64) and the result is rounded
/// to complex64. An all-f32 FFT is cheaper, but its rounding noise (~1e-7 of a frame's largest
/// bin, in every bin) swamps the far sidelobes of clean tones: it moved the chirp reference's
/// spectral centroid by 1e-4 relative (and its valleys for spectral contrast by several dB).
///
/// The real-to-complex FFT is planned once, and the frame, spectrum and scratch buffers are
/// owned and reused, so a call allocates nothing unless `out` must grow.
pub struct Stft {
    n_fft: usize,
    hop: usize,
    fft: Arc<dyn RealToComplex<f64>>,
    window: Vec<f64>,
    frame: Vec<f64>,
    spectrum: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
}

impl std::fmt::Debug for Stft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stft")
            .field("n_fft", &self.n_fft)
            .field("hop", &self.hop)
            .finish_non_exhaustive()
    }
}

impl Stft {
    /// Plans an STFT of `n_fft` points (window length `n_fft`) every `hop_length` samples.
    ///
    /// # Panics
    /// If `n_fft` is zero or odd, or `hop_length` is zero.
    pub fn new(n_fft: usize, hop_length: usize) -> Stft {
        assert!(
            n_fft > 0 && n_fft.is_multiple_of(2),
            "n_fft must be even and positive, got {n_fft}"
        );
        assert!(hop_length > 0, "hop_length must be positive");
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n_fft);
        Stft {
            n_fft,
            hop: hop_length,
            window: hann_f64(n_fft),
            frame: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
        }
    }

    /// The FFT length.
    pub fn n_fft(&self) -> usize {
        self.n_fft
    }

    /// The hop between frames, in samples.
    pub fn hop_length(&self) -> usize {
        self.hop
    }

    /// The number of frequency bins, `1 + n_fft / 2`.
    pub fn n_bins(&self) -> usize {
        1 + self.n_fft / 2
    }

    /// The number of centred frames for a signal of `n_samples`: `1 + n_samples / hop`, as
    /// librosa counts them with `center=True`.
    pub fn n_frames(&self, n_samples: usize) -> usize {
        1 + n_samples / self.hop
    }

    /// Whether frame `t` of a signal of `n_samples` lies wholly inside the signal, so that it
    /// does not depend on the padding: `t hop - n_fft / 2 >= 0` and `t hop + n_fft / 2 <=
    /// n_samples`. Such frames are the same, bit for bit, for every [`PadMode`].
    pub fn is_interior(&self, t: usize, n_samples: usize) -> bool {
        let half = self.n_fft / 2;
        t * self.hop >= half && t * self.hop + half <= n_samples
    }

    /// The magnitude of frame `t` alone into `out` (`1 + n_fft / 2` values), computed as
    /// [`Stft::magnitude`] computes that frame's row.
    ///
    /// # Panics
    /// If `out` does not have `1 + n_fft / 2` values.
    pub fn frame_magnitude(&mut self, y: &[f32], pad: PadMode, t: usize, out: &mut [f32]) {
        assert_eq!(out.len(), self.n_bins(), "frame_magnitude: output bins");
        self.transform_frame(y, pad, t);
        for (o, c) in out.iter_mut().zip(&self.spectrum) {
            *o = modulus(Complex32::new(c.re as f32, c.im as f32));
        }
    }

    /// Windows frame `t` of `y` (padded with `pad`) and transforms it into `self.spectrum`.
    fn transform_frame(&mut self, y: &[f32], pad: PadMode, t: usize) {
        let half = self.n_fft / 2;
        let start = (t * self.hop) as isize - half as isize;
        if start >= 0 && start as usize + self.n_fft <= y.len() {
            let src = &y[start as usize..start as usize + self.n_fft];
            for ((f, &s), &w) in self.frame.iter_mut().zip(src).zip(&self.window) {
                *f = f64::from(s) * w;
            }
        } else {
            for (i, (f, &w)) in self.frame.iter_mut().zip(&self.window).enumerate() {
                *f = f64::from(pad.sample(y, start + i as isize)) * w;
            }
        }
        // The buffers were made by the plan itself, so their lengths always match.
        self.fft
            .process_with_scratch(&mut self.frame, &mut self.spectrum, &mut self.scratch)
            .unwrap_or_else(|e| unreachable!("buffers sized by the plan: {e}"));
    }

    /// The complex STFT of `y` into `out`, shape `(n_frames, n_bins)`, resized as needed.
    ///
    /// Mirrors `librosa.stft(y, n_fft=n_fft, hop_length=hop, window='hann', center=True,
    /// pad_mode=pad).T`: computed in f64 and rounded to complex64, as librosa does.
    pub fn complex(&mut self, y: &[f32], pad: PadMode, out: &mut Array2<Complex32>) {
        self.complex_with(y, pad, out, |_, _| {});
    }

    /// [`Stft::complex`], calling `frame(t, row)` with each row as soon as it is written, while
    /// it is still in cache (the extractor takes moduli and powers there).
    pub fn complex_with<F>(
        &mut self,
        y: &[f32],
        pad: PadMode,
        out: &mut Array2<Complex32>,
        mut frame: F,
    ) where
        F: FnMut(usize, &[Complex32]),
    {
        let shape = (self.n_frames(y.len()), self.n_bins());
        if out.dim() != shape || !out.is_standard_layout() {
            *out = Array2::zeros(shape);
        }
        for (t, mut row) in out.rows_mut().into_iter().enumerate() {
            self.transform_frame(y, pad, t);
            let Some(row) = row.as_slice_mut() else {
                unreachable!("rows of an owned standard-layout array are contiguous")
            };
            for (o, c) in row.iter_mut().zip(&self.spectrum) {
                *o = Complex32::new(c.re as f32, c.im as f32);
            }
            frame(t, row);
        }
    }

    /// The magnitude `|X[t, k]|` of the STFT of `y` into `out`, same layout as [`Stft::complex`].
    ///
    /// Mirrors `np.abs(librosa.stft(..., center=True, pad_mode=pad)).T`: the spectrum is rounded
    /// to complex64 first, then its modulus is taken in f64 and rounded to f32 (numpy's `hypotf`
    /// of the complex64 value, to the last bit in all but rare ties).
    pub fn magnitude(&mut self, y: &[f32], pad: PadMode, out: &mut Array2<f32>) {
        let shape = (self.n_frames(y.len()), self.n_bins());
        if out.dim() != shape {
            *out = Array2::zeros(shape);
        }
        for (t, mut row) in out.rows_mut().into_iter().enumerate() {
            self.transform_frame(y, pad, t);
            for (o, c) in row.iter_mut().zip(&self.spectrum) {
                *o = modulus(Complex32::new(c.re as f32, c.im as f32));
            }
        }
    }
}

/// `magnitude[k] = |row[k]|` ([`modulus`]) and `power[k] = magnitude[k]^2` (f32) for a frame.
///
/// The f64 square roots were a third of the STFT stage: `arch` (pulp's run-time choice)
/// runs this loop compiled again for AVX2 where the CPU has it, four square roots per
/// instruction instead of two, with the same IEEE results (test), so the binary still runs on
/// any x86-64.
pub(crate) fn moduli_and_powers(
    arch: pulp::Arch,
    row: &[Complex32],
    magnitude: &mut [f32],
    power: &mut [f32],
) {
    arch.dispatch(
        #[inline(always)]
        || {
            for ((d, m), p) in row.iter().zip(magnitude).zip(power) {
                *m = modulus(*d);
                *p = *m * *m;
            }
        },
    );
}

/// `|c|` of a complex64 value as numpy computes `np.abs`: in f64, rounded to f32 (`hypotf`, to
/// the last bit in all but rare ties).
#[inline(always)]
pub(crate) fn modulus(c: Complex32) -> f32 {
    let (re, im) = (f64::from(c.re), f64::from(c.im));
    (re * re + im * im).sqrt() as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{RNG_SEED, assert_close, random_signal, reference, signal};

    /// numpy's reflect padding built the slow, obvious way: mirror the current array about its
    /// ends, one chunk of at most `len - 1` samples at a time, as `numpy.pad` does.
    fn numpy_reflect_pad(y: &[f64], pad: usize) -> Vec<f64> {
        if y.len() == 1 {
            return vec![y[0]; 1 + 2 * pad];
        }
        let mut x = y.to_vec();
        let (mut left, mut right) = (pad, pad);
        while left > 0 || right > 0 {
            let chunk = (y.len() - 1).min(left);
            let mut pre: Vec<f64> = (1..=chunk).rev().map(|i| x[i]).collect();
            left -= chunk;
            let chunk = (y.len() - 1).min(right);
            let n = x.len();
            let post: Vec<f64> = (1..=chunk).map(|i| x[n - 1 - i]).collect();
            right -= chunk;
            pre.extend_from_slice(&x);
            pre.extend_from_slice(&post);
            x = pre;
        }
        x
    }

    /// The STFT by direct summation in f64 over an explicitly padded signal.
    fn naive_stft(y: &[f32], n_fft: usize, hop: usize, pad: PadMode) -> Vec<Vec<(f64, f64)>> {
        let y64: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
        let padded = match pad {
            PadMode::Reflect => numpy_reflect_pad(&y64, n_fft / 2),
            PadMode::Constant => {
                let mut x = vec![0.0; n_fft / 2];
                x.extend_from_slice(&y64);
                x.extend(std::iter::repeat_n(0.0, n_fft / 2));
                x
            }
        };
        let n_frames = 1 + y.len() / hop;
        (0..n_frames)
            .map(|t| {
                (0..=n_fft / 2)
                    .map(|k| {
                        let (mut re, mut im) = (0.0, 0.0);
                        for n in 0..n_fft {
                            let w = 0.5
                                - 0.5
                                    * (2.0 * std::f64::consts::PI * n as f64 / n_fft as f64).cos();
                            let phase = -2.0 * std::f64::consts::PI * (k * n) as f64 / n_fft as f64;
                            let v = w * padded[t * hop + n];
                            re += v * phase.cos();
                            im += v * phase.sin();
                        }
                        (re, im)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn moduli_are_the_same_on_every_instruction_set() {
        // Random components over many binades, and the edge cases of hypotf.
        let noise = random_signal(RNG_SEED, 4000);
        let mut row: Vec<Complex32> = noise
            .chunks_exact(2)
            .enumerate()
            .map(|(i, c)| {
                let scale = 2f32.powi(i as i32 % 60 - 30);
                Complex32::new(c[0] * scale, c[1] * scale)
            })
            .collect();
        row.extend([
            Complex32::new(0.0, 0.0),
            Complex32::new(-0.0, 1e-45),
            Complex32::new(f32::MAX, f32::MAX),
            Complex32::new(f32::INFINITY, 1.0),
            Complex32::new(f32::NAN, 0.0),
            Complex32::new(3.0, 4.0),
        ]);
        let run = |arch: pulp::Arch| {
            let (mut m, mut p) = (vec![0.0; row.len()], vec![0.0; row.len()]);
            moduli_and_powers(arch, &row, &mut m, &mut p);
            (m, p)
        };
        let (m, p) = run(pulp::Arch::new());
        let (m_scalar, p_scalar) = run(pulp::Arch::Scalar);
        for (k, d) in row.iter().enumerate() {
            assert_eq!(m[k].to_bits(), modulus(*d).to_bits(), "bin {k}: {d}");
            assert_eq!(m[k].to_bits(), m_scalar[k].to_bits(), "bin {k}: {d}");
            assert_eq!(p[k].to_bits(), p_scalar[k].to_bits(), "bin {k}: {d}");
        }
        assert_eq!(m[row.len() - 1], 5.0);
    }

    #[test]
    fn reflect_matches_numpy_including_repeated_reflection() {
        // np.pad([1, 2, 3, 4], 11, mode='reflect'), copied from numpy 2.
        let y = [1.0f32, 2.0, 3.0, 4.0];
        let y64: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
        let pad = 11;
        let expected = numpy_reflect_pad(&y64, pad);
        assert_eq!(
            expected,
            [
                2.0, 3.0, 4.0, 3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0,
                2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.0, 2.0, 3.0
            ]
        );
        for (i, &e) in expected.iter().enumerate() {
            let got = PadMode::Reflect.sample(&y, i as isize - pad as isize);
            assert_eq!(f64::from(got), e, "index {i}");
        }
    }

    #[test]
    fn complex_matches_naive_dft_for_both_pad_modes_and_short_signals() {
        let (n_fft, hop) = (64, 16);
        let mut stft = Stft::new(n_fft, hop);
        let mut out = Array2::zeros((0, 0));
        // 20 samples is shorter than n_fft / 2 = 32: reflection repeats.
        for len in [1usize, 2, 20, 100, 203] {
            let y = random_signal(RNG_SEED + len as u64, len);
            for pad in [PadMode::Reflect, PadMode::Constant] {
                stft.complex(&y, pad, &mut out);
                let expected = naive_stft(&y, n_fft, hop, pad);
                assert_eq!(out.dim(), (expected.len(), n_fft / 2 + 1));
                for (t, row) in expected.iter().enumerate() {
                    for (k, &(re, im)) in row.iter().enumerate() {
                        let c = out[[t, k]];
                        // f64 FFT rounded to f32; values are below 64: error under 1e-5.
                        let err = (f64::from(c.re) - re)
                            .abs()
                            .max((f64::from(c.im) - im).abs());
                        assert!(
                            err < 1e-5,
                            "len {len} {pad:?} [{t}, {k}]: {c} vs {re}+{im}i"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn reuses_output_and_counts_frames_like_librosa() {
        let mut stft = Stft::new(2048, 512);
        assert_eq!(stft.n_bins(), 1025);
        assert_eq!(stft.n_frames(661_794), 1293);
        assert_eq!(stft.n_frames(0), 1);
        let y = random_signal(RNG_SEED, 5000);
        let mut a = Array2::zeros((0, 0));
        stft.magnitude(&y, PadMode::Reflect, &mut a);
        let first = a.clone();
        let ptr = a.as_ptr();
        // Dirty the output: a rerun must overwrite every element in the same allocation.
        a.fill(f32::NAN);
        stft.magnitude(&y, PadMode::Reflect, &mut a);
        assert_eq!(a.as_ptr(), ptr);
        assert_eq!(a, first);
        // Empty input: one frame of zeros rather than numpy's error.
        stft.magnitude(&[], PadMode::Reflect, &mut a);
        assert_eq!(a.dim(), (1, 1025));
        assert!(a.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn magnitude_matches_librosa() {
        let mut stft = Stft::new(2048, 512);
        let mut out = Array2::zeros((0, 0));
        for name in ["noise", "short_1000"] {
            let y = signal(name);
            stft.magnitude(&y, PadMode::Reflect, &mut out);
            let r = reference(name, "stft_mag");
            assert_eq!((r.shape[1], r.shape[0]), out.dim(), "{name}");
            // Both are float64 FFTs rounded to float32: equal to an ulp or two.
            let actual: Vec<f64> = out.t().iter().map(|&v| f64::from(v)).collect();
            assert_close(name, &actual, &r.data, 3e-7, 1e-12);
        }
    }
}
