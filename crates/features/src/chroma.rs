//! Chroma filterbank and STFT chromagram, mirroring `librosa.filters.chroma` and
//! `librosa.feature.chroma_stft`.

use ndarray::{Array2, ArrayView2};

use crate::tuning::TuningEstimator;

/// Centre of the octave weighting, in octaves above 27.5 Hz (`ctroct=5.0`, i.e. 880 Hz).
const CTROCT: f64 = 5.0;
/// Half-width of the octave weighting in octaves (`octwidth=2`).
const OCTWIDTH: f64 = 2.0;

/// A dense chroma filterbank `W[c, k]` mapping `1 + n_fft / 2` FFT bins onto `n_chroma` pitch
/// classes, starting at C.
///
/// Mirrors `librosa.filters.chroma(sr=sr, n_fft=n_fft, n_chroma=n_chroma, tuning=tuning,
/// ctroct=5.0, octwidth=2, norm=2, base_c=True, dtype=float32)` (Dan Ellis' `fft2chromamx`):
/// with `b(k) = n_chroma log2(k sr / n_fft / (27.5 * 2^(tuning / n_chroma)))` (bin 0 set to
/// `b(1) - 1.5 n_chroma`) and `d` the distance from `b(k)` to chroma `c` wrapped to
/// `[-n_chroma/2, n_chroma/2)`, `W[c, k] = exp(-0.5 (2 d / max(b(k+1) - b(k), 1))^2)`,
/// normalised to unit L2 norm over `c`, times `exp(-0.5 ((b(k) / n_chroma - 5) / 2)^2)`,
/// then rolled so that row 0 is C. Computed in f64, stored as f32. The Gaussians never vanish,
/// so the bank is dense.
#[derive(Debug, Clone)]
pub struct ChromaFilterbank {
    n_chroma: usize,
    n_bins: usize,
    /// Row-major `n_chroma x n_bins`.
    weights: Vec<f32>,
    /// Rows `4 g .. 4 g + 4` interleaved, bin by bin: `fours[g * n_bins + k][r] = W[4 g + r, k]`
    /// (for [`dot_four`]).
    fours: Vec<[f32; 4]>,
}

impl ChromaFilterbank {
    /// Builds the filterbank (librosa's default `n_chroma` is 12).
    ///
    /// # Panics
    /// If `n_fft < 2` or `n_chroma` is zero.
    pub fn new(sr: f32, n_fft: usize, tuning: f64, n_chroma: usize) -> Self {
        assert!(
            n_fft >= 2 && n_chroma > 0,
            "need n_fft >= 2 and n_chroma > 0"
        );
        let nc = n_chroma as f64;
        let sr = f64::from(sr);
        let a440 = 440.0 * 2f64.powf(tuning / nc);
        // frqbins over all n_fft bins (librosa keeps the aliased half until the end).
        let step = sr / n_fft as f64;
        let mut frqbins = vec![0.0f64; n_fft];
        for (k, b) in frqbins.iter_mut().enumerate().skip(1) {
            *b = nc * (k as f64 * step / (a440 / 16.0)).log2();
        }
        frqbins[0] = frqbins[1] - 1.5 * nc;
        let binwidth = |k: usize| {
            if k + 1 < n_fft {
                (frqbins[k + 1] - frqbins[k]).max(1.0)
            } else {
                1.0
            }
        };
        let half = (nc / 2.0).round();
        let n_bins = 1 + n_fft / 2;
        let roll = 3 * (n_chroma / 12);
        let mut weights = vec![0.0f32; n_chroma * n_bins];
        let mut column = vec![0.0f64; n_chroma];
        for k in 0..n_bins {
            for (c, w) in column.iter_mut().enumerate() {
                let d = (frqbins[k] - c as f64 + half + 10.0 * nc).rem_euclid(nc) - half;
                *w = (-0.5 * (2.0 * d / binwidth(k)).powi(2)).exp();
            }
            let norm = column.iter().map(|w| w * w).sum::<f64>().sqrt();
            let octave = (-0.5 * ((frqbins[k] / nc - CTROCT) / OCTWIDTH).powi(2)).exp();
            for c in 0..n_chroma {
                // np.roll(wts, -roll, axis=0): output row c is input row c + roll.
                let src = (c + roll) % n_chroma;
                weights[c * n_bins + k] = (column[src] / norm * octave) as f32;
            }
        }
        let fours = (0..n_chroma / 4)
            .flat_map(|g| (0..n_bins).map(move |k| (g, k)))
            .map(|(g, k)| std::array::from_fn(|r| weights[(4 * g + r) * n_bins + k]))
            .collect();
        ChromaFilterbank {
            n_chroma,
            n_bins,
            weights,
            fours,
        }
    }

    /// The number of chroma bins.
    pub fn n_chroma(&self) -> usize {
        self.n_chroma
    }

    /// The weight `W[c, k]`.
    pub fn weight(&self, c: usize, k: usize) -> f32 {
        self.weights[c * self.n_bins + k]
    }

    /// Applies the filterbank to one frame: `out[c] = sum_k W[c, k] * power[k]` (f32, eight
    /// partial sums per row, like a BLAS dot product; four rows are summed side by side).
    ///
    /// # Panics
    /// If `power.len() != 1 + n_fft / 2` or `out.len() != n_chroma`.
    pub fn apply(&self, power: &[f32], out: &mut [f32]) {
        assert_eq!(power.len(), self.n_bins, "power frame length");
        assert_eq!(out.len(), self.n_chroma, "chroma output length");
        let fours = self.n_chroma / 4;
        for (o, w) in out
            .chunks_exact_mut(4)
            .zip(self.fours.chunks_exact(self.n_bins))
        {
            o.copy_from_slice(&dot_four(w, power));
        }
        let rows = self.weights.chunks_exact(self.n_bins).skip(4 * fours);
        for (o, row) in out[4 * fours..].iter_mut().zip(rows) {
            *o = dot(row, power);
        }
    }
}

/// [`dot`] of four rows with the same `b`, given interleaved (`w[i][r]` is row `r`'s `a[i]`),
/// each row summed exactly as [`dot`] sums it.
///
/// One row's dot product waits on its two chains of four partial sums (the latency of an
/// addition per step); four rows side by side give eight independent vector additions, and
/// the interleaved layout makes "across the rows" the natural vector without any shuffle but
/// one broadcast of `b[i]`.
#[inline(never)]
fn dot_four(w: &[[f32; 4]], b: &[f32]) -> [f32; 4] {
    let w = &w[..b.len()];
    let n8 = b.len() / 8 * 8;
    let mut acc = [[0.0f32; 4]; 8];
    for (w8, b8) in w[..n8].chunks_exact(8).zip(b[..n8].chunks_exact(8)) {
        for i in 0..8 {
            let (a, x, y) = (acc[i], w8[i], b8[i]);
            acc[i] = [
                a[0] + x[0] * y,
                a[1] + x[1] * y,
                a[2] + x[2] * y,
                a[3] + x[3] * y,
            ];
        }
    }
    std::array::from_fn(|r| {
        let sums: [f32; 8] = std::array::from_fn(|i| acc[i][r]);
        let tail: f32 = w[n8..].iter().zip(&b[n8..]).map(|(x, y)| x[r] * y).sum();
        sums.iter().sum::<f32>() + tail
    })
}

/// `sum_i a[i] b[i]` in f32 with eight interleaved partial sums (vectorises).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (a8, a_rest) = a.split_at(a.len() / 8 * 8);
    let (b8, b_rest) = b.split_at(a8.len());
    for (x, y) in a8.chunks_exact(8).zip(b8.chunks_exact(8)) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let tail: f32 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

/// Computes chromagrams from power spectrograms, estimating the tuning of each.
///
/// Mirrors `librosa.feature.chroma_stft(S=power, sr=sr, norm=np.inf, tuning=None,
/// n_chroma=n_chroma)`: the tuning comes from [`TuningEstimator`], the filterbank from
/// [`ChromaFilterbank`], and each frame is divided by its largest chroma value
/// (`librosa.util.normalize(norm=np.inf, axis=0)`; frames whose maximum is below the smallest
/// normal f32 are left undivided). The filterbank is rebuilt only when the tuning changes.
#[derive(Debug, Clone)]
pub struct ChromaStft {
    sr: f32,
    n_fft: usize,
    n_chroma: usize,
    tuning: TuningEstimator,
    filterbank: Option<(f64, ChromaFilterbank)>,
}

impl ChromaStft {
    /// A chromagram computer for `n_fft`-point spectra at `sr` with `n_chroma` bins (12).
    ///
    /// # Panics
    /// If `n_fft < 2` or `n_chroma` is zero.
    pub fn new(sr: f32, n_fft: usize, n_chroma: usize) -> Self {
        assert!(
            n_fft >= 2 && n_chroma > 0,
            "need n_fft >= 2 and n_chroma > 0"
        );
        ChromaStft {
            sr,
            n_fft,
            n_chroma,
            tuning: TuningEstimator::new(sr, n_fft, n_chroma as u32),
            filterbank: None,
        }
    }

    /// The chromagram of `power` (`|STFT|^2`, frames as rows) into `out`, shape
    /// `(n_frames, n_chroma)`, resized as needed. Returns the estimated tuning.
    ///
    /// # Panics
    /// If `power` does not have `1 + n_fft / 2` columns.
    pub fn compute(&mut self, power: ArrayView2<'_, f32>, out: &mut Array2<f32>) -> f64 {
        let tuning = self.tuning.estimate(power);
        let fb = match &mut self.filterbank {
            Some((t, fb)) if *t == tuning => fb,
            slot => {
                let fb = ChromaFilterbank::new(self.sr, self.n_fft, tuning, self.n_chroma);
                &mut slot.insert((tuning, fb)).1
            }
        };
        let shape = (power.nrows(), self.n_chroma);
        if out.dim() != shape {
            *out = Array2::zeros(shape);
        }
        for (frame, mut row) in power.rows().into_iter().zip(out.rows_mut()) {
            let (Some(p), Some(o)) = (frame.as_slice(), row.as_slice_mut()) else {
                unreachable!("rows of standard-layout arrays are contiguous")
            };
            fb.apply(p, o);
            let max = o.iter().fold(0.0f32, |m, &v| m.max(v.abs()));
            if max >= f32::MIN_POSITIVE {
                for v in o.iter_mut() {
                    *v /= max;
                }
            }
        }
        tuning
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{SIGNALS, assert_close, librosa_order, power_spectrogram, reference};

    #[test]
    fn filterbank_matches_librosa_filters_chroma() {
        let fb = ChromaFilterbank::new(22050.0, 2048, 0.07, 12);
        let r = reference("filters", "chroma_22050_2048_t0.07");
        assert_eq!(r.shape, [12, 1025]);
        let dense: Vec<f64> = (0..12)
            .flat_map(|c| (0..1025).map(move |k| (c, k)))
            .map(|(c, k)| f64::from(fb.weight(c, k)))
            .collect();
        // Same f64 formula rounded to f32; log2/exp may differ by an ulp in f64, far below f32.
        assert_close("chroma filterbank", &dense, &r.data, 2e-7, 1e-30);
    }

    #[test]
    fn chroma_stft_matches_librosa_on_every_signal() {
        let mut chroma = ChromaStft::new(22050.0, 2048, 12);
        let mut out = Array2::zeros((0, 0));
        for name in SIGNALS {
            let power = power_spectrogram(name);
            chroma.compute(power.view(), &mut out);
            let r = reference(name, "chroma");
            assert_eq!((r.shape[1], r.shape[0]), out.dim(), "{name}");
            // Values in [0, 1]: f32 dot products of 1025 terms, summed in another order than
            // librosa's sgemm.
            assert_close(name, &librosa_order(&out), &r.data, 2e-6, 1e-7);
        }
    }

    /// Four interleaved rows give each row's [`dot`] bit for bit, for lengths with and without
    /// a tail and for the filterbank's own shapes (13 pitch classes: three fours and one row).
    #[test]
    fn dot_four_sums_each_row_as_dot_does() {
        // Values over six decades, so that the order of the additions shows in the rounding.
        let value = |i: usize| ((i * 7919 % 1013) as f32 / 1013.0).powi(3) * 1e3 + 1e-3;
        for n in [0, 1, 7, 8, 9, 16, 1025] {
            let rows: Vec<Vec<f32>> = (0..4)
                .map(|r| (0..n).map(|k| value(k * 4 + r + 1)).collect())
                .collect();
            let b: Vec<f32> = (0..n).map(|k| value(k + 5000)).collect();
            let w: Vec<[f32; 4]> = (0..n)
                .map(|k| std::array::from_fn(|r| rows[r][k]))
                .collect();
            let got = dot_four(&w, &b);
            for r in 0..4 {
                assert_eq!(
                    got[r].to_bits(),
                    dot(&rows[r], &b).to_bits(),
                    "n {n} row {r}"
                );
            }
        }
        let power: Vec<f32> = (0..1025).map(value).collect();
        for n_chroma in [12, 13] {
            let fb = ChromaFilterbank::new(22050.0, 2048, -0.1, n_chroma);
            let mut out = vec![0.0; n_chroma];
            fb.apply(&power, &mut out);
            for (c, o) in out.iter().enumerate() {
                let row: Vec<f32> = (0..1025).map(|k| fb.weight(c, k)).collect();
                assert_eq!(
                    o.to_bits(),
                    dot(&row, &power).to_bits(),
                    "{n_chroma} row {c}"
                );
            }
        }
    }
}
