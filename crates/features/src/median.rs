//! Exact running median filter along rows, mirroring `scipy.ndimage.median_filter(mode='reflect')`.

/// A running median filter of a fixed width along contiguous rows, with scipy's `'reflect'` edges.
///
/// For a row `x` of length `n` and width `k`, output `i` is the element of rank `k / 2` (the
/// median for odd `k`, the upper median for even `k`) among
/// `x[i - k/2], ..., x[i + (k - 1) - k/2]`, where indices outside `0..n` are mirrored about the
/// row's edges *including* the edge sample, `(d c b a | a b c d | d c b a)`, repeating with period
/// `2 n` when `k` exceeds the row. This is `scipy.ndimage.median_filter(x, size=k,
/// mode='reflect')` along one axis, which `librosa.decompose.hpss` calls with `size=31` along
/// time (harmonic) and along frequency (percussive).
///
/// The window is kept sorted: each step finds the outgoing sample and the incoming sample's place
/// by binary search and slides the values between them by one (a `memmove`), O(log k + distance)
/// per output, with
/// no allocation once the buffers have grown to the longest row. Medians are exact.
///
/// Inputs are expected to be free of NaN (magnitudes are); a NaN does not panic but makes the
/// affected outputs unspecified.
#[derive(Debug, Clone)]
pub struct MedianFilter {
    size: usize,
    sorted: Vec<f32>,
    padded: Vec<f32>,
}

impl MedianFilter {
    /// A filter of width `size` (librosa's `kernel_size`, 31 by default).
    ///
    /// # Panics
    /// If `size` is zero.
    pub fn new(size: usize) -> MedianFilter {
        assert!(size > 0, "median filter width must be positive, got 0");
        MedianFilter {
            size,
            sorted: vec![0.0; size],
            padded: Vec::new(),
        }
    }

    /// The filter width.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Median-filters one row `x` into `out`.
    ///
    /// # Panics
    /// If `out.len() != x.len()`.
    pub fn filter(&mut self, x: &[f32], out: &mut [f32]) {
        assert_eq!(
            out.len(),
            x.len(),
            "median filter output length {} != input length {}",
            out.len(),
            x.len()
        );
        let n = x.len();
        if n == 0 {
            return;
        }
        let k = self.size;
        let left = k / 2;
        // The row extended by `left` samples before and `k - 1 - left` after.
        self.padded.clear();
        self.padded
            .extend((0..n + k - 1).map(|j| x[reflect(j as isize - left as isize, n)]));
        let padded = &self.padded;
        let sorted = &mut self.sorted;
        sorted.copy_from_slice(&padded[..k]);
        sorted.sort_unstable_by(f32::total_cmp);
        let rank = k / 2;
        out[0] = sorted[rank];
        for i in 1..n {
            let old = padded[i - 1];
            let new = padded[i + k - 1];
            // The outgoing value is in the window: the first element not below it equals it.
            let j = sorted.partition_point(|&v| v < old).min(k - 1);
            // Slide the values between the outgoing slot and the incoming value's place by one.
            if new > old {
                let q = j + 1 + sorted[j + 1..].partition_point(|&v| v < new);
                sorted.copy_within(j + 1..q, j);
                sorted[q - 1] = new;
            } else {
                let q = sorted[..j].partition_point(|&v| v <= new);
                sorted.copy_within(q..j, q + 1);
                sorted[q] = new;
            }
            out[i] = sorted[rank];
        }
    }

    /// Median-filters each row of the row-major matrix `x` (rows of `row_len` samples) into the
    /// same place of `out`.
    ///
    /// # Panics
    /// If `out.len() != x.len()`, or `row_len` is zero or does not divide `x.len()`.
    pub fn filter_rows(&mut self, x: &[f32], row_len: usize, out: &mut [f32]) {
        assert_eq!(
            out.len(),
            x.len(),
            "median filter output length {} != input length {}",
            out.len(),
            x.len()
        );
        assert!(
            row_len > 0 && x.len().is_multiple_of(row_len),
            "row length {row_len} does not divide the matrix length {}",
            x.len()
        );
        for (row, out_row) in x.chunks_exact(row_len).zip(out.chunks_exact_mut(row_len)) {
            self.filter(row, out_row);
        }
    }
}

/// Index `i` (any integer) mapped into `0..n` by scipy's `'reflect'` extension: mirrored about
/// the edges including the edge sample, with period `2 n`.
fn reflect(i: isize, n: usize) -> usize {
    let n = n as isize;
    let m = i.rem_euclid(2 * n);
    (if m < n { m } else { 2 * n - 1 - m }) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_close, reference};

    /// Splitmix64: a small deterministic generator for test inputs.
    fn random(seed: u64, n: usize) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = s;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                (z >> 40) as f32 / (1u64 << 24) as f32
            })
            .collect()
    }

    /// The slow, obvious median: sort each reflected window.
    fn naive(x: &[f32], k: usize) -> Vec<f32> {
        let n = x.len();
        (0..n)
            .map(|i| {
                let mut w: Vec<f32> = (0..k)
                    .map(|j| x[reflect(i as isize + j as isize - (k / 2) as isize, n)])
                    .collect();
                w.sort_by(f32::total_cmp);
                w[k / 2]
            })
            .collect()
    }

    #[test]
    fn reflect_matches_scipy_convention() {
        // (d c b a | a b c d | d c b a)
        let got: Vec<usize> = (-5..9).map(|i| reflect(i, 4)).collect();
        assert_eq!(got, [3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0]);
        assert_eq!(reflect(-7, 1), 0);
    }

    #[test]
    fn equals_sorting_median_on_random_rows() {
        const RNG_SEED: u64 = 20261122;
        let mut f = MedianFilter::new(1);
        for (case, &(n, k)) in [(1, 31), (2, 31), (15, 31), (16, 31), (100, 31), (1000, 31)]
            .iter()
            .chain(&[(50, 1), (50, 2), (50, 10), (7, 5), (300, 64)])
            .enumerate()
        {
            let mut x = random(RNG_SEED + case as u64, n);
            // Ties and zeros, as in quiet spectrogram regions.
            for v in x.iter_mut().step_by(3) {
                *v = (*v * 4.0).round() / 4.0;
            }
            if f.size() != k {
                f = MedianFilter::new(k);
            }
            let mut out = vec![f32::NAN; n];
            f.filter(&x, &mut out);
            assert_eq!(out, naive(&x, k), "n {n} k {k}");
        }
    }

    #[test]
    fn matches_scipy_median_filter() {
        for name in ["small", "wide"] {
            let input = reference("median", &format!("rh_{name}_input"));
            let (rows, cols) = (input.shape[0], input.shape[1]);
            let x: Vec<f32> = input.data.iter().map(|&v| v as f32).collect();
            let mut xt = vec![0.0; x.len()];
            for r in 0..rows {
                for c in 0..cols {
                    xt[c * rows + r] = x[r * cols + c];
                }
            }
            let mut out = vec![0.0; x.len()];
            // Along the rows (size (1, 31)) and the even width (1, 10).
            MedianFilter::new(31).filter_rows(&x, cols, &mut out);
            let got: Vec<f64> = out.iter().map(|&v| f64::from(v)).collect();
            let want = reference("median", &format!("rh_{name}_time")).data;
            assert_close(&format!("{name} time"), &got, &want, 0.0, 0.0);
            MedianFilter::new(10).filter_rows(&x, cols, &mut out);
            let got: Vec<f64> = out.iter().map(|&v| f64::from(v)).collect();
            let want = reference("median", &format!("rh_{name}_even")).data;
            assert_close(&format!("{name} even"), &got, &want, 0.0, 0.0);
            // Along the columns (size (31, 1)) through the transpose.
            MedianFilter::new(31).filter_rows(&xt, rows, &mut out);
            let want = reference("median", &format!("rh_{name}_freq"));
            for r in 0..rows {
                for c in 0..cols {
                    assert_eq!(
                        f64::from(out[c * rows + r]),
                        want.at(r, c),
                        "{name} ({r}, {c})"
                    );
                }
            }
        }
    }

    #[test]
    fn empty_row_is_fine() {
        let mut out: [f32; 0] = [];
        MedianFilter::new(31).filter(&[], &mut out);
    }
}
