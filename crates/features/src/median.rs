//! Exact running median filter along rows or columns, mirroring
//! `scipy.ndimage.median_filter(mode='reflect')`.

/// How many sequences the filter advances in lockstep: the per-lane arithmetic is written over
/// `[_; LANES]` arrays so that the compiler turns it into SIMD.
const LANES: usize = 16;

/// A running median filter of a fixed width along rows (or columns) of a matrix, with scipy's
/// `'reflect'` edges.
///
/// For a sequence `x` of length `n` and width `k`, output `i` is the element of rank `k / 2` (the
/// median for odd `k`, the upper median for even `k`) among
/// `x[i - k/2], ..., x[i + (k - 1) - k/2]`, where indices outside `0..n` are mirrored about the
/// sequence's edges *including* the edge sample, `(d c b a | a b c d | d c b a)`, repeating with
/// period `2 n` when `k` exceeds the sequence. This is `scipy.ndimage.median_filter(x, size=k,
/// mode='reflect')` along one axis, which `librosa.decompose.hpss` calls with `size=31` along
/// time (harmonic) and along frequency (percussive).
///
/// The filter runs 16 sequences in lockstep (adjacent columns, or adjacent rows) with
/// branch-free rank counting, so the inner loop is SIMD over the lanes. Each lane keeps its window
/// in a ring buffer of `k` slots together with every slot's rank: the number of window values
/// that are smaller, ties ordered by age (older first), so ranks are a permutation of `0..k`.
/// Sliding by one sample replaces the oldest slot's value `old` by `new` in one pass over the
/// slots: a value `v` loses one rank if `v >= old` (equal values are younger than the oldest) and
/// gains one if `v > new` (equal values are older than the newest), `new` gets the rank
/// `#{v <= new}`, and the output is the value whose rank is `k / 2`. That is O(k) simple
/// operations per output with no data-dependent branch; medians are exact (bit for bit the
/// sorting median). The reflected sample positions are computed once per sequence length, and
/// nothing is allocated once the buffers have grown.
///
/// Inputs are expected to be free of NaN (magnitudes are); a NaN does not panic but makes the
/// affected outputs unspecified.
#[derive(Debug, Clone)]
pub struct MedianFilter {
    size: usize,
    /// Window values, `[slot][lane]`.
    vals: Vec<[f32; LANES]>,
    /// Window ranks, `[slot][lane]`.
    ranks: Vec<[i32; LANES]>,
    /// Source positions of the reflected sequence, `x[src[j]]` for padded index `j`, for
    /// sequences of length `src_len`.
    src: Vec<usize>,
    src_len: usize,
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
            vals: vec![[0.0; LANES]; size],
            ranks: vec![[0; LANES]; size],
            src: Vec::new(),
            src_len: usize::MAX,
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
        // One row of x.len() samples: filter_rows checks the lengths, with the same message.
        self.filter_rows(x, x.len().max(1), out);
    }

    /// Median-filters each row of the row-major matrix `x` (rows of `row_len` samples) into the
    /// same place of `out`.
    ///
    /// Sixteen rows are filtered at a time, each step gathering one sample from each.
    ///
    /// # Panics
    /// If `out.len() != x.len()`, or `row_len` is zero or does not divide `x.len()`.
    pub fn filter_rows(&mut self, x: &[f32], row_len: usize, out: &mut [f32]) {
        check_shape(x, row_len, out);
        let n_rows = x.len() / row_len;
        for r0 in (0..n_rows).step_by(LANES) {
            // Lanes past the last row repeat it; their outputs are dropped.
            let row = |l: usize| (r0 + l).min(n_rows - 1) * row_len;
            let rows: [usize; LANES] = std::array::from_fn(row);
            let used = LANES.min(n_rows - r0);
            self.run(
                row_len,
                |j| std::array::from_fn(|l| x[rows[l] + j]),
                |i, m| {
                    for (l, &v) in m.iter().enumerate().take(used) {
                        out[rows[l] + i] = v;
                    }
                },
            );
        }
    }

    /// Median-filters each column of the row-major matrix `x` (rows of `row_len` samples) into
    /// the same place of `out`: the filter runs along the rows' index, i.e. down the columns.
    ///
    /// Sixteen adjacent columns are filtered at a time, each step reading sixteen contiguous
    /// samples, so no transpose is needed.
    ///
    /// # Panics
    /// If `out.len() != x.len()`, or `row_len` is zero or does not divide `x.len()`.
    pub fn filter_columns(&mut self, x: &[f32], row_len: usize, out: &mut [f32]) {
        check_shape(x, row_len, out);
        let n_rows = x.len() / row_len;
        for c0 in (0..row_len).step_by(LANES) {
            if c0 + LANES <= row_len {
                self.run(
                    n_rows,
                    |j| {
                        let at = j * row_len + c0;
                        std::array::from_fn(|l| x[at + l])
                    },
                    |i, m| {
                        let at = i * row_len + c0;
                        out[at..at + LANES].copy_from_slice(&m);
                    },
                );
            } else {
                // The last, partial group of columns repeats its last column.
                let cols: [usize; LANES] = std::array::from_fn(|l| (c0 + l).min(row_len - 1));
                let used = row_len - c0;
                self.run(
                    n_rows,
                    |j| std::array::from_fn(|l| x[j * row_len + cols[l]]),
                    |i, m| {
                        let at = i * row_len + c0;
                        out[at..at + used].copy_from_slice(&m[..used]);
                    },
                );
            }
        }
    }

    /// Filters `LANES` sequences of length `n` in lockstep: `load(j)` returns sample `j` of
    /// every lane and `store(i, m)` receives output `i` of every lane.
    #[inline(always)]
    fn run<L, S>(&mut self, n: usize, load: L, mut store: S)
    where
        L: Fn(usize) -> [f32; LANES],
        S: FnMut(usize, [f32; LANES]),
    {
        if n == 0 {
            return;
        }
        let k = self.size;
        let half = (k / 2) as i32;
        if self.src_len != n {
            // Padded index j holds reflect(j - k/2): the sequence extended by k/2 samples before
            // and k - 1 - k/2 after.
            self.src.clear();
            self.src
                .extend((0..n + k - 1).map(|j| reflect(j as isize - (k / 2) as isize, n)));
            self.src_len = n;
        }
        let src = &self.src;
        let vals = &mut self.vals[..k];
        let ranks = &mut self.ranks[..k];
        // The first window, ranked directly (ties by slot, i.e. by age).
        for (s, v) in vals.iter_mut().enumerate() {
            *v = load(src[s]);
        }
        for s in 0..k {
            let mut r = [0i32; LANES];
            for (t, w) in vals.iter().enumerate() {
                for l in 0..LANES {
                    let below = w[l] < vals[s][l] || (w[l] == vals[s][l] && t < s);
                    r[l] += i32::from(below);
                }
            }
            ranks[s] = r;
        }
        let mut med = [0.0f32; LANES];
        for (v, r) in vals.iter().zip(ranks.iter()) {
            for l in 0..LANES {
                if r[l] == half {
                    med[l] = v[l];
                }
            }
        }
        store(0, med);
        let mut p = 0;
        for i in 1..n {
            // Slot p holds the oldest value; it is replaced by the newest.
            let old = vals[p];
            let new = load(src[i + k - 1]);
            // Keep the outgoing slot from matching `half` during the pass.
            ranks[p] = [i32::MIN / 2; LANES];
            let below_new = rerank(vals, ranks, old, new, half, &mut med);
            for l in 0..LANES {
                // `below_new` counted the outgoing value too.
                let rank = below_new[l] - i32::from(old[l] <= new[l]);
                ranks[p][l] = rank;
                med[l] = if rank == half { new[l] } else { med[l] };
            }
            vals[p] = new;
            store(i, med);
            p = if p + 1 == k { 0 } else { p + 1 };
        }
    }
}

/// One pass of the sliding step over all slots of a lane group: updates each slot's rank for
/// `old` leaving (`-1` if `v >= old`) and `new` arriving (`+1` if `v > new`), sets `med` to the
/// value whose updated rank is `half`, and returns `#{v <= new}` per lane (as `k - #{v > new}`).
///
/// The median is gathered by OR-ing the bits of the one matching value, since exactly one slot
/// (the outgoing one excluded by the caller) can hold each rank. Kept out of line so that it is
/// vectorized on its own, whatever the caller's loads look like.
#[inline(never)]
fn rerank(
    vals: &[[f32; LANES]],
    ranks: &mut [[i32; LANES]],
    old: [f32; LANES],
    new: [f32; LANES],
    half: i32,
    med: &mut [f32; LANES],
) -> [i32; LANES] {
    let mut above_new = [0i32; LANES];
    let mut bits = [0u32; LANES];
    for (v, r) in vals.iter().zip(ranks.iter_mut()) {
        for l in 0..LANES {
            let x = v[l];
            let gt = i32::from(x > new[l]);
            let rank = r[l] + gt - i32::from(x >= old[l]);
            r[l] = rank;
            above_new[l] += gt;
            bits[l] |= if rank == half { x.to_bits() } else { 0 };
        }
    }
    let k = vals.len() as i32;
    for l in 0..LANES {
        med[l] = f32::from_bits(bits[l]);
        above_new[l] = k - above_new[l];
    }
    above_new
}

/// Asserts the shape contract of [`MedianFilter::filter_rows`] and
/// [`MedianFilter::filter_columns`].
fn check_shape(x: &[f32], row_len: usize, out: &[f32]) {
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

    /// Random values with ties and zeros, as in quiet spectrogram regions: every third value is
    /// rounded to a quarter, and every seventh is zero.
    fn random_with_ties(seed: u64, n: usize) -> Vec<f32> {
        let mut x = random(seed, n);
        for v in x.iter_mut().step_by(3) {
            *v = (*v * 4.0).round() / 4.0;
        }
        for v in x.iter_mut().skip(1).step_by(7) {
            *v = 0.0;
        }
        x
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

    /// The previous implementation, kept as a reference: a sorted window updated by binary
    /// search and a `memmove` per step.
    fn sorted_window(x: &[f32], k: usize) -> Vec<f32> {
        let n = x.len();
        let mut out = vec![0.0; n];
        if n == 0 {
            return out;
        }
        let left = k / 2;
        let padded: Vec<f32> = (0..n + k - 1)
            .map(|j| x[reflect(j as isize - left as isize, n)])
            .collect();
        let mut sorted = padded[..k].to_vec();
        sorted.sort_unstable_by(f32::total_cmp);
        let rank = k / 2;
        out[0] = sorted[rank];
        for i in 1..n {
            let old = padded[i - 1];
            let new = padded[i + k - 1];
            let j = sorted.partition_point(|&v| v < old).min(k - 1);
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
        out
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
            let x = random_with_ties(RNG_SEED + case as u64, n);
            if f.size() != k {
                f = MedianFilter::new(k);
            }
            let mut out = vec![f32::NAN; n];
            f.filter(&x, &mut out);
            assert_eq!(out, naive(&x, k), "n {n} k {k}");
            assert_eq!(out, sorted_window(&x, k), "n {n} k {k}");
        }
    }

    /// The lane filter, along rows and along columns, against the previous sorted-window filter
    /// for every width 1..=64, matrices whose sides are not multiples of the lane count, and
    /// sequences shorter than the window.
    #[test]
    fn lanes_equal_sorted_window_for_all_widths_and_shapes() {
        const RNG_SEED: u64 = 0x6765_6e72_656b_6974;
        let shapes = [(1, 1), (3, 5), (9, 2), (17, 40), (8, 8), (13, 70), (2, 131)];
        for k in 1..=64 {
            let mut f = MedianFilter::new(k);
            for (case, &(rows, cols)) in shapes.iter().enumerate() {
                let x = random_with_ties(RNG_SEED ^ (k * 64 + case) as u64, rows * cols);
                let mut out = vec![f32::NAN; x.len()];
                f.filter_rows(&x, cols, &mut out);
                for (r, (row, got)) in x.chunks(cols).zip(out.chunks(cols)).enumerate() {
                    assert_eq!(
                        got,
                        sorted_window(row, k),
                        "rows k {k} {rows}x{cols} row {r}"
                    );
                }
                out.fill(f32::NAN);
                f.filter_columns(&x, cols, &mut out);
                for c in 0..cols {
                    let col: Vec<f32> = x.iter().skip(c).step_by(cols).copied().collect();
                    let got: Vec<f32> = out.iter().skip(c).step_by(cols).copied().collect();
                    assert_eq!(
                        got,
                        sorted_window(&col, k),
                        "cols k {k} {rows}x{cols} col {c}"
                    );
                }
            }
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
            // The same along the columns of the transpose.
            let mut out_t = vec![0.0; x.len()];
            MedianFilter::new(31).filter_columns(&xt, rows, &mut out_t);
            for r in 0..rows {
                for c in 0..cols {
                    assert_eq!(out_t[c * rows + r], out[r * cols + c], "{name} ({r}, {c})");
                }
            }
            MedianFilter::new(10).filter_rows(&x, cols, &mut out);
            let got: Vec<f64> = out.iter().map(|&v| f64::from(v)).collect();
            let want = reference("median", &format!("rh_{name}_even")).data;
            assert_close(&format!("{name} even"), &got, &want, 0.0, 0.0);
            // Along the columns (size (31, 1)) through the transpose, and directly.
            MedianFilter::new(31).filter_rows(&xt, rows, &mut out);
            let want = reference("median", &format!("rh_{name}_freq"));
            MedianFilter::new(31).filter_columns(&x, cols, &mut out_t);
            for r in 0..rows {
                for c in 0..cols {
                    assert_eq!(
                        f64::from(out[c * rows + r]),
                        want.at(r, c),
                        "{name} ({r}, {c})"
                    );
                    assert_eq!(
                        f64::from(out_t[r * cols + c]),
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
        MedianFilter::new(31).filter_rows(&[], 4, &mut out);
        MedianFilter::new(31).filter_columns(&[], 4, &mut out);
    }
}
