//! Inverse real FFT of even length, as `numpy.fft.irfft` (unnormalised), for [`crate::Istft`].

use std::sync::Arc;

use realfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

/// The inverse of a real FFT of even length `n`: `x[j] = sum_k X[k] e^{2 pi i j k / n}` over
/// the full Hermitian spectrum, from its `n / 2 + 1` non-negative bins (unnormalised, the
/// imaginary parts of bins 0 and `n / 2` ignored).
///
/// Computed as realfft's `ComplexToRealEven` computes it, operation for operation (so the
/// samples are the same to the bit; test): the spectrum is folded into `n / 2` complex values
/// `Z[k] = (X[k] + X*[n/2 - k]) + i e^{2 pi i k / n} (X[k] - X*[n/2 - k])` and a complex
/// inverse FFT of length `n / 2` gives the even samples as real parts and the odd ones as
/// imaginary parts. The fold is written as two forward loops (bins below `n / 4`, and above
/// it, each reading the mirrored bins backwards) into a separate buffer, so that both loops
/// vectorize; realfft's single loop over pairs from both ends, in place, ran scalar.
pub(crate) struct InverseRealFft {
    n: usize,
    fft: Arc<dyn Fft<f32>>,
    /// `e^{2 pi i k / n}` for `k = 1 .. n / 4` (realfft's twiddles, conjugated), split.
    tw_re: Vec<f32>,
    tw_im: Vec<f32>,
    folded: Vec<Complex32>,
    out: Vec<Complex32>,
    scratch: Vec<Complex32>,
}

impl InverseRealFft {
    /// Plans the inverse FFT of length `n`.
    ///
    /// # Panics
    /// If `n` is zero or odd.
    pub(crate) fn new(n: usize) -> InverseRealFft {
        assert!(n > 0 && n.is_multiple_of(2), "n must be even and positive");
        let fft = FftPlanner::<f32>::new().plan_fft_inverse(n / 2);
        // realfft: compute_twiddle(k, n).conj() for k in 1..ceil(n / 4), from f64 cos and sin.
        let (tw_re, tw_im) = (1..n.div_ceil(4))
            .map(|k| {
                let angle = -2.0 * std::f64::consts::PI / n as f64 * k as f64;
                (angle.cos() as f32, -(angle.sin() as f32))
            })
            .unzip();
        let zero = Complex32::new(0.0, 0.0);
        InverseRealFft {
            n,
            scratch: vec![zero; fft.get_outofplace_scratch_len()],
            fft,
            tw_re,
            tw_im,
            folded: vec![zero; n / 2],
            out: vec![zero; n / 2],
        }
    }

    /// The `n / 2 + 1` bins of a spectrum.
    pub(crate) fn complex_len(&self) -> usize {
        self.n / 2 + 1
    }

    /// `out[j] = irfft(spectrum)[j] * n` for `j < n`.
    ///
    /// # Panics
    /// If `spectrum` does not hold `n / 2 + 1` bins or `out` `n` samples.
    pub(crate) fn process(&mut self, spectrum: &[Complex32], out: &mut [f32]) {
        let (n, half) = (self.n, self.n / 2);
        assert_eq!(spectrum.len(), half + 1, "irfft spectrum length");
        assert_eq!(out.len(), n, "irfft output length");
        let x = spectrum;
        // Bins 0 and n / 2 are real (their imaginary parts ignored, as numpy does).
        let (first, last) = (x[0].re, x[half].re);
        self.folded[0] = Complex32::new((first + last) - 0.0, (first - last) - 0.0);
        let quarter = self.tw_re.len() + 1;
        let (tw_re, tw_im) = (&self.tw_re[..], &self.tw_im[..]);
        // Bins k = 1 .. quarter: a = X[k], b = X[half - k].
        {
            let lower = &mut self.folded[1..quarter];
            let a = &x[1..quarter];
            let b = &x[half + 1 - quarter..half];
            for ((((z, &a), &b), &twr), &twi) in lower
                .iter_mut()
                .zip(a)
                .zip(b.iter().rev())
                .zip(tw_re)
                .zip(tw_im)
            {
                let (sum, diff, re, im) = fold_pair(a, b, twr, twi);
                *z = Complex32::new(sum.re - re, diff.im - im);
            }
        }
        // Bins j = half - k for the same k: b = X[j], a = X[half - j], written forwards.
        {
            let upper = &mut self.folded[half + 1 - quarter..half];
            let b = &x[half + 1 - quarter..half];
            let a = &x[1..quarter];
            for ((((z, &b), &a), &twr), &twi) in upper
                .iter_mut()
                .zip(b)
                .zip(a.iter().rev())
                .zip(tw_re.iter().rev())
                .zip(tw_im.iter().rev())
            {
                let (sum, diff, re, im) = fold_pair(a, b, twr, twi);
                *z = Complex32::new(sum.re + re, -im - diff.im);
            }
        }
        if half.is_multiple_of(2) && half > 0 {
            // The centre bin pairs with itself: 2 X*[n / 4].
            let c = x[half / 2];
            self.folded[half / 2] = Complex32::new(c.re + c.re, -(c.im + c.im));
        }
        self.fft.process_outofplace_with_scratch(
            &mut self.folded,
            &mut self.out,
            &mut self.scratch,
        );
        for (pair, z) in out.chunks_exact_mut(2).zip(&self.out) {
            pair[0] = z.re;
            pair[1] = z.im;
        }
    }
}

/// The terms bins `a = X[k]` and `b = X[n/2 - k]` share, with the twiddle `e^{2 pi i k / n}`
/// as `(twr, twi)`: `a + b`, `a - b`, and the twiddled difference's real and imaginary parts
/// as realfft forms them. `Z[k]` and `Z[n/2 - k]` are made from these.
#[inline(always)]
fn fold_pair(a: Complex32, b: Complex32, twr: f32, twi: f32) -> (Complex32, Complex32, f32, f32) {
    let (sum, diff) = (a + b, a - b);
    let re = sum.im * twr + diff.re * twi;
    let im = sum.im * twi - diff.re * twr;
    (sum, diff, re, im)
}

#[cfg(test)]
mod tests {
    use super::*;
    use realfft::RealFftPlanner;

    /// Bit for bit realfft's `ComplexToRealEven`, for lengths with and without a centre bin,
    /// and with imaginary parts in bins 0 and n / 2 (which both ignore).
    #[test]
    fn equals_realfft_bit_for_bit() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            ((seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 8.0
        };
        for n in [2, 4, 6, 8, 10, 16, 30, 64, 2048] {
            let mut ours = InverseRealFft::new(n);
            let theirs = RealFftPlanner::<f32>::new().plan_fft_inverse(n);
            for _ in 0..5 {
                let spectrum: Vec<Complex32> = (0..ours.complex_len())
                    .map(|_| Complex32::new(next(), next()))
                    .collect();
                let mut got = vec![0.0; n];
                ours.process(&spectrum, &mut got);
                let mut input = spectrum.clone();
                input[0].im = 0.0;
                input[n / 2].im = 0.0;
                let mut want = vec![0.0; n];
                theirs
                    .process(&mut input, &mut want)
                    .expect("sized by the plan");
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "n {n}");
            }
        }
    }
}
