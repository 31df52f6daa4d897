//! Exact running median filter along rows or columns, mirroring
//! `scipy.ndimage.median_filter(mode='reflect')`.

/// How many sequences the filter advances in lockstep: the per-lane arithmetic is written over
/// `[_; LANES]` arrays so that the compiler turns it into SIMD.
const LANES: usize = 16;

/// One sample of every lane.
type Lanes = [f32; LANES];

/// A running median filter of a fixed width along rows (or columns) of a matrix, with scipy's
/// `'reflect'` edges.
///
/// For a sequence `x` of length `n` and width `k`, output `i` is the element of rank `q = k / 2`
/// (the median for odd `k`, the upper median for even `k`) among
/// `x[i - k/2], ..., x[i + (k - 1) - k/2]`, where indices outside `0..n` are mirrored about the
/// sequence's edges *including* the edge sample, `(d c b a | a b c d | d c b a)`, repeating with
/// period `2 n` when `k` exceeds the sequence. This is `scipy.ndimage.median_filter(x, size=k,
/// mode='reflect')` along one axis, which `librosa.decompose.hpss` calls with `size=31` along
/// time (harmonic) and along frequency (percussive).
///
/// # Method
/// The filter runs 16 sequences in lockstep (adjacent columns, or adjacent rows) and uses only
/// `min` and `max`, so every step is SIMD over the lanes and free of data-dependent branches.
/// Outputs are computed in groups of `r` consecutive windows (`r = 16` for `k = 31`), which
/// share a *core* of `k - r + 1` samples; the group is split in halves recursively, each half
/// adding to its parent's core the samples that all of its windows share, down to single
/// windows (the scheme of Adams, "Fast median filters using separable sorting networks", 2021):
/// - the root core is sorted by Batcher's odd-even merge sort;
/// - a group of `s` windows needs only the core elements of rank `q - (s - 1) ..= q`: the
///   `s - 1` samples still to come can move the median down by at most that many ranks, so
///   everything else is dropped;
/// - a half of `m` windows adds `m` sorted samples `N` to its parent's `2 m` kept ranks `S` and
///   keeps the middle `m` of the union: the `m` largest of `S`'s upper half and `N` are dropped
///   by a bitonic split, the `m` smallest of the rest by another, each followed by a bitonic
///   merge (`select_middle`, `2 m + 2 m log2 m` `min`/`max`); a pair of single windows takes
///   the middle of three. Other shapes use rank `p` of the union `= min over i + j = p + 1 of
///   max(S_i, N_j)` (1-based, `S_0 = N_0 = -inf`, `select_ranks`).
///
/// For widths `k = 2 r - 1` (31 among them) every set that is sorted is an aligned block of
/// samples, so each block is sorted once and serves three groups. For `k = 31` that is about 28
/// `min`/`max` per output and lane, against 31 compare-and-count steps (each several operations)
/// of a running rank update; medians are exact (bit for bit the sorting median).
/// The reflected sample positions are computed once per sequence length, the comparator lists
/// once per filter, and nothing is allocated once the buffers have grown.
///
/// Inputs are expected to be free of NaN (magnitudes are); a NaN does not panic but makes the
/// affected outputs unspecified.
#[derive(Debug, Clone)]
pub struct MedianFilter {
    size: usize,
    /// Windows per group, `r`.
    group: usize,
    /// The group's samples, `r + k - 1` per lane.
    window: Vec<Lanes>,
    /// Sorted cores and new samples of every level of the group's tree.
    scratch: Vec<Lanes>,
    /// Batcher's comparators `(i, j)`, `i < j`, for sorting `n` values: `networks[n]`.
    networks: Vec<Vec<(u32, u32)>>,
    /// Batcher's comparators merging two sorted runs of `2^l` values: `merges[l]`.
    merges: Vec<Vec<(u32, u32)>>,
    /// For widths `k = 2 r - 1`: three blocks of `r` samples, each as its sorted runs of every
    /// length `1, 2, 4, ..., r` (see [`MedianFilter::run_blocks`]).
    runs: Vec<Lanes>,
    /// Source positions of the reflected sequence, `x[src[j]]` for padded index `j`, for
    /// sequences of length `src_len`.
    src: Vec<usize>,
    src_len: usize,
    /// [`MedianFilter::filter_rows`]' sixteen rows as lanes, and their outputs.
    rows_in: Vec<Lanes>,
    rows_out: Vec<Lanes>,
}

impl MedianFilter {
    /// A filter of width `size` (librosa's `kernel_size`, 31 by default).
    ///
    /// # Panics
    /// If `size` is zero.
    pub fn new(size: usize) -> MedianFilter {
        assert!(size > 0, "median filter width must be positive, got 0");
        let q = size / 2;
        // The kept ranks q - (r - 1) ..= q must exist in the root core of size - r + 1 samples.
        let group = prev_power_of_two((q + 1).min(size - q));
        let core = size - group + 1;
        MedianFilter {
            size,
            group,
            window: vec![[0.0; LANES]; group + size - 1],
            // The root core, then per level a child's kept ranks and new samples (at most the
            // parent's group size together).
            scratch: vec![[0.0; LANES]; core + 2 * group],
            networks: (0..=core.max(group)).map(batcher_network).collect(),
            merges: (0..group.trailing_zeros())
                .map(|l| batcher_merge(2 << l))
                .collect(),
            runs: if size == 2 * group - 1 {
                vec![[0.0; LANES]; 3 * group * (group.trailing_zeros() as usize + 1)]
            } else {
                Vec::new()
            },
            src: Vec::new(),
            src_len: usize::MAX,
            rows_in: Vec::new(),
            rows_out: Vec::new(),
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
        self.filter_rows_strided(x, row_len, row_len, out);
    }

    /// [`MedianFilter::filter_rows`] for rows of `row_len` samples that start every `stride`
    /// samples, in `x` and in `out` alike (the samples between them are ignored, and left alone
    /// in `out`).
    ///
    /// Rows a multiple of 16 samples apart keep each row's sixteen-sample pieces in whole cache
    /// lines (when the buffers are so aligned) and spread the rows over cache sets, where rows
    /// of 1025 samples (4100 bytes) fall into one or two: the median of a clip's magnitudes
    /// along frequency runs ~14 % faster with its rows 1040 samples apart.
    ///
    /// # Panics
    /// If `row_len` is zero, `stride < row_len`, `stride` does not divide `x.len()`, or
    /// `out.len() < x.len()`.
    pub fn filter_rows_strided(
        &mut self,
        x: &[f32],
        row_len: usize,
        stride: usize,
        out: &mut [f32],
    ) {
        assert!(
            row_len > 0 && stride >= row_len && x.len().is_multiple_of(stride),
            "rows of {row_len} every {stride} samples do not tile {} samples",
            x.len()
        );
        assert!(
            out.len() >= x.len(),
            "median filter output length {} < input length {}",
            out.len(),
            x.len()
        );
        let n_rows = x.len() / stride;
        // Sixteen rows are copied into lanes (and their outputs back) one row at a time:
        // contiguous reads and writes, instead of gathering sixteen rows at every step.
        let (mut lanes_in, mut lanes_out) = (
            std::mem::take(&mut self.rows_in),
            std::mem::take(&mut self.rows_out),
        );
        lanes_in.resize(row_len, [0.0; LANES]);
        lanes_out.resize(row_len, [0.0; LANES]);
        for r0 in (0..n_rows).step_by(LANES) {
            // Lanes past the last row repeat it; their outputs are dropped.
            let rows = |l: usize| (r0 + l).min(n_rows - 1) * stride;
            let src: [&[f32]; LANES] = std::array::from_fn(|l| &x[rows(l)..rows(l) + row_len]);
            rows_to_lanes(src, &mut lanes_in);
            self.run(row_len, |j| lanes_in[j], |i, m| lanes_out[i] = m);
            let used = LANES.min(n_rows - r0);
            let rows = r0 * stride..(r0 + used - 1) * stride + row_len;
            lanes_to_rows(&lanes_out, &mut out[rows], stride);
        }
        self.rows_in = lanes_in;
        self.rows_out = lanes_out;
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
                        let mut v = [0.0; LANES];
                        v.copy_from_slice(&x[at..at + LANES]);
                        v
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
        L: Fn(usize) -> Lanes,
        S: FnMut(usize, Lanes),
    {
        if n == 0 {
            return;
        }
        if !self.runs.is_empty() {
            self.run_blocks(n, load, store);
            return;
        }
        let (k, r) = (self.size, self.group);
        let q = k / 2;
        let groups = n.div_ceil(r);
        if self.src_len != n {
            // Padded index j holds reflect(j - k/2): the sequence extended by k/2 samples before
            // and enough after for the last, possibly partial, group.
            self.src.clear();
            self.src
                .extend((0..groups * r + k - 1).map(|j| reflect(j as isize - q as isize, n)));
            self.src_len = n;
        }
        let core_len = k - r + 1;
        let root_lo = q + 1 - r;
        for g in 0..groups {
            let i0 = g * r;
            // Consecutive groups' windows overlap by k - 1 samples: keep those, load r new.
            let fresh = if g == 0 {
                0
            } else {
                self.window.copy_within(r.., 0);
                k - 1
            };
            for (w, &s) in self.window[fresh..].iter_mut().zip(&self.src[i0 + fresh..]) {
                *w = load(s);
            }
            // Window d of the group is window[d .. d + k]; all r of them share window[r - 1 .. k].
            let (core, rest) = self.scratch.split_at_mut(core_len);
            core.copy_from_slice(&self.window[r - 1..k]);
            sort(core, &self.networks[core_len]);
            let tree = GroupTree {
                size: k,
                rank: q,
                added: Added::Window {
                    window: &self.window,
                    networks: &self.networks,
                },
            };
            tree.solve(0, r, root_lo, &core[root_lo..=q], rest, &mut |d, m| {
                if i0 + d < n {
                    store(i0 + d, m);
                }
            });
        }
    }

    /// [`MedianFilter::run`] for widths `k = 2 r - 1` (31 for HPSS), where every sample set the
    /// group recursion sorts is an aligned block of sorted runs.
    ///
    /// In coordinates `u = padded index + 1`, cut into blocks `B_g = [g r, (g + 1) r)`, group `g`
    /// (windows `g r ..`) has the core `B_{g+1}`; the left half of a node `a..b` adds
    /// `u = g r + (m .. b)` and the right half adds `u = g r + 2 r + (a .. m)`: aligned runs of a
    /// power-of-two length in `B_g` and `B_{g+2}`. Each block is therefore loaded once and sorted
    /// once, as Batcher's merge sort does it (runs of 1, 2, 4, ... kept), and serves three
    /// groups: as the right block, the core and the left block. The sample at `u = g r` of a left
    /// block is never read (for `g = 0` it lies before the padded sequence).
    #[inline(always)]
    fn run_blocks<L, S>(&mut self, n: usize, load: L, mut store: S)
    where
        L: Fn(usize) -> Lanes,
        S: FnMut(usize, Lanes),
    {
        let (k, r) = (self.size, self.group);
        let q = k / 2;
        let groups = n.div_ceil(r);
        let levels = r.trailing_zeros() as usize + 1;
        let block_len = levels * r;
        if self.src_len != n {
            self.src.clear();
            self.src
                .extend((0..(groups + 2) * r).map(|u| reflect(u as isize - 1 - q as isize, n)));
            self.src_len = n;
        }
        let (src, merges) = (&self.src, &self.merges);
        let build = |runs: &mut [Lanes], block: usize| {
            for (v, &s) in runs[..r].iter_mut().zip(&src[block * r..]) {
                *v = load(s);
            }
            if r == 16 {
                // k = 31, HPSS's width: fixed networks, four lanes at a time in registers.
                for c in (0..LANES).step_by(4) {
                    sort_runs_of_16(runs, c);
                }
                return;
            }
            for (l, merge) in merges.iter().enumerate() {
                let (below, above) = runs.split_at_mut((l + 1) * r);
                let next = &mut above[..r];
                next.copy_from_slice(&below[l * r..]);
                for pair in next.chunks_exact_mut(2 << l) {
                    sort(pair, merge);
                }
            }
        };
        for block in 0..2 {
            build(
                &mut self.runs[block * block_len..(block + 1) * block_len],
                block,
            );
        }
        for g in 0..groups {
            let next = (g + 2) % 3;
            build(
                &mut self.runs[next * block_len..(next + 1) * block_len],
                g + 2,
            );
            let slot = |b: usize| &self.runs[b * block_len..(b + 1) * block_len];
            let core = &slot((g + 1) % 3)[(levels - 1) * r..];
            let tree = GroupTree {
                size: k,
                rank: q,
                added: Added::Blocks {
                    left: slot(g % 3),
                    right: slot(next),
                    r,
                },
            };
            let (i0, root_lo) = (g * r, q + 1 - r);
            tree.solve(
                0,
                r,
                root_lo,
                &core[root_lo..=q],
                &mut self.scratch,
                &mut |d, m| {
                    if i0 + d < n {
                        store(i0 + d, m);
                    }
                },
            );
        }
    }
}

/// Where a node of the group recursion gets its new samples, sorted.
enum Added<'a> {
    /// Copied from the group's samples (`window[d .. d + size]` is window `d`) and sorted by
    /// `networks[len]`.
    Window {
        window: &'a [Lanes],
        networks: &'a [Vec<(u32, u32)>],
    },
    /// Looked up in the sorted runs of the blocks left and right of the core (`size = 2 r - 1`):
    /// the runs of length `2^l` fill `[l r, (l + 1) r)`.
    Blocks {
        left: &'a [Lanes],
        right: &'a [Lanes],
        r: usize,
    },
}

/// The windows of one group (`window[d .. d + size]` for `d` in `0..r`) and where the recursion
/// over them finds its new samples.
struct GroupTree<'a> {
    size: usize,
    /// The rank of the median, `size / 2`.
    rank: usize,
    added: Added<'a>,
}

impl GroupTree<'_> {
    /// Emits the medians of windows `a..b`, whose shared core `window[b - 1 .. a + size]` is
    /// known by its sorted ranks `lo ..= rank` (`kept`, `b - a` values): `store(d, median)`.
    ///
    /// The left half `a..m` adds `window[m - 1 .. b - 1]` to the core and the right half `m..b`
    /// adds `window[a + size .. m + size]`; `scratch` holds each half's new samples and kept
    /// ranks in turn, and the rest of it is passed down.
    fn solve<S: FnMut(usize, Lanes)>(
        &self,
        a: usize,
        b: usize,
        lo: usize,
        kept: &[Lanes],
        scratch: &mut [Lanes],
        store: &mut S,
    ) {
        if b - a == 1 {
            // lo == rank: the one kept value is the median.
            store(a, kept[0]);
            return;
        }
        let m = a + (b - a) / 2;
        let k = self.size;
        if b - a == 2 {
            // Two windows, each adding one sample x to the kept ranks K0 <= K1: the median is
            // the middle of the three, max(K0, min(K1, x)).
            let (x_left, x_right) = match self.added {
                Added::Window { window, .. } => (&window[a], &window[a + k]),
                Added::Blocks { left, right, .. } => (&left[m], &right[a]),
            };
            for (d, x) in [(a, x_left), (m, x_right)] {
                store(
                    d,
                    std::array::from_fn(|l| {
                        let t = if x[l] < kept[1][l] { x[l] } else { kept[1][l] };
                        if kept[0][l] < t { t } else { kept[0][l] }
                    }),
                );
            }
            return;
        }
        for (ca, cb) in [(a, m), (m, b)] {
            let left = ca == a;
            let len = if left { b - m } else { m - a };
            let (buf, rest) = scratch.split_at_mut(len);
            let added: &[Lanes] = match self.added {
                Added::Window { window, networks } => {
                    buf.copy_from_slice(&window[if left { m - 1..b - 1 } else { a + k..m + k }]);
                    sort(buf, &networks[len]);
                    buf
                }
                Added::Blocks {
                    left: lb,
                    right: rb,
                    r,
                } => {
                    // Runs of `len` (a power of two) values start at multiples of `len`.
                    let (runs, at) = if left { (lb, m) } else { (rb, a) };
                    let level = len.trailing_zeros() as usize * r;
                    &runs[level + at..level + at + len]
                }
            };
            let child_lo = self.rank + 1 - (cb - ca);
            let (child, rest) = rest.split_at_mut(cb - ca);
            // Halves of a power-of-two group (every group the filter forms) of up to 16; halves
            // of one window never get here (the pair of windows above).
            match (
                kept.len() == 2 * added.len() && child.len() == added.len(),
                added.len(),
            ) {
                (true, 2) => select_middle::<2>(kept, added, child),
                (true, 4) => select_middle::<4>(kept, added, child),
                (true, 8) => select_middle::<8>(kept, added, child),
                _ => select_ranks(kept, lo, added, child, child_lo),
            }
            self.solve(ca, cb, child_lo, child, rest, store);
        }
    }
}

/// Ranks `out_lo .. out_lo + out.len()` of the union of a sorted set `S`, known by its ranks
/// `lo .. lo + kept.len()`, and the sorted `added`, into `out`.
///
/// Rank `p` (0-based) of the union is `min over i + j = p + 1 of max(S_i, N_j)` with 1-based
/// `S_i`, `N_j` and `S_0 = N_0 = -inf`: any `i` smallest of `S` and `j` smallest of `N` are
/// `p + 1` values, so their largest is at least the rank-`p` value, and the split that takes
/// exactly the union's `p + 1` smallest attains it. The caller guarantees that every `S_i`
/// needed, `i = p + 1 - |N| ..= p + 1`, is among the kept ranks.
fn select_ranks(kept: &[Lanes], lo: usize, added: &[Lanes], out: &mut [Lanes], out_lo: usize) {
    for (idx, o) in out.iter_mut().enumerate() {
        let p = out_lo + idx;
        // j = 0: S_{p+1}.
        let mut acc = kept[p - lo];
        // j >= 1: S_{p+1-j} is 0-based rank p - j.
        for (j, n) in added.iter().enumerate() {
            let s = &kept[p - j - 1 - lo];
            for l in 0..LANES {
                let t = if s[l] < n[l] { n[l] } else { s[l] };
                acc[l] = if t < acc[l] { t } else { acc[l] };
            }
        }
        *o = acc;
    }
}

/// The middle `M` ranks of the union of a sorted `kept` (`2 M` values) and a sorted `added`
/// (`M` values, `M` a power of two), sorted into `out`: what [`select_ranks`] computes for a
/// child that adds `M` samples to its parent's `2 M` kept ranks, in `2 M + 2 M log2 M`
/// `min`/`max` instead of `2 M^2`.
///
/// With `kept = L ++ U` (the lower and upper `M`): no value of `L` is among the `M` largest of
/// the union, since all of `U` is at least as large. The `M` largest of `U ∪ added` are
/// `max(U_i, added_{M-1-i})` (Batcher's bitonic split), so dropping them leaves
/// `C_i = min(U_i, added_{M-1-i})`, a bitonic sequence, sorted by a bitonic merge. The middle
/// `M` are then the `M` largest of `L ∪ C`, `max(L_i, C_{M-1-i})`, bitonic again and sorted
/// the same way.
///
/// The lanes are taken four at a time (one SSE register each), so that for `M <= 8` the whole
/// computation stays in registers.
fn select_middle<const M: usize>(kept: &[Lanes], added: &[Lanes], out: &mut [Lanes]) {
    let (kept, added, out) = (&kept[..2 * M], &added[..M], &mut out[..M]);
    for c in (0..LANES).step_by(4) {
        select_middle_quad::<M>(kept, added, out, c);
    }
}

/// [`select_middle`] for lanes `c .. c + 4`. Not inlined: unrolled into its caller's loop, the
/// four calls were vectorized across `c` instead of across lanes.
#[inline(never)]
fn select_middle_quad<const M: usize>(
    kept: &[Lanes],
    added: &[Lanes],
    out: &mut [Lanes],
    c: usize,
) {
    let quad = |v: &Lanes| -> Quad {
        let mut q = [0.0; 4];
        q.copy_from_slice(&v[c..c + 4]);
        q
    };
    let mut o: [Quad; M] =
        std::array::from_fn(|i| min_quad(quad(&kept[M + i]), quad(&added[M - 1 - i])));
    bitonic_merge(&mut o);
    let smallest = o;
    o = std::array::from_fn(|i| max_quad(quad(&kept[i]), smallest[M - 1 - i]));
    bitonic_merge(&mut o);
    for (dst, src) in out.iter_mut().zip(&o) {
        dst[c..c + 4].copy_from_slice(src);
    }
}

/// Four lanes: one SSE register.
type Quad = [f32; 4];

#[inline(always)]
fn min_quad(a: Quad, b: Quad) -> Quad {
    std::array::from_fn(|l| if b[l] < a[l] { b[l] } else { a[l] })
}

#[inline(always)]
fn max_quad(a: Quad, b: Quad) -> Quad {
    std::array::from_fn(|l| if b[l] < a[l] { a[l] } else { b[l] })
}

/// Sorts a bitonic sequence of a power-of-two length `M` in each lane: half-cleaners of stride
/// `M / 2, M / 4, ..., 1`.
#[inline(always)]
fn bitonic_merge<const M: usize>(v: &mut [Quad; M]) {
    let mut half = M / 2;
    while half > 0 {
        for i in 0..M {
            if i & half == 0 {
                let (p, q) = (v[i], v[i + half]);
                v[i] = min_quad(p, q);
                v[i + half] = max_quad(p, q);
            }
        }
        half /= 2;
    }
}

/// Compare-exchanges of the quads `v[i]`, `v[j]` (smaller to `i`) for each literal pair `i j`.
macro_rules! compare_exchange {
    ($v:ident; $($i:literal $j:literal),* $(,)?) => {
        $(
            let (p, q) = ($v[$i], $v[$j]);
            $v[$i] = min_quad(p, q);
            $v[$j] = max_quad(p, q);
        )*
    };
}

/// For lanes `c .. c + 4` of a block of 16 samples in `runs[..16]`, writes its sorted runs of
/// 2, 4, 8 and 16 to `runs[16 l .. 16 (l + 1)]` for `l = 1 ..= 4`, as the general path of
/// [`MedianFilter::run_blocks`] does with [`batcher_merge`]: the same comparators, written out
/// as literals so that every index is a constant and the sixteen values stay in SSE registers
/// (test `fixed_networks_sort_every_zero_one_block`). Not inlined, for the reason given at
/// [`select_middle_quad`].
#[inline(never)]
fn sort_runs_of_16(runs: &mut [Lanes], c: usize) {
    let mut v: [Quad; 16] = std::array::from_fn(|i| {
        let mut q = [0.0; 4];
        q.copy_from_slice(&runs[i][c..c + 4]);
        q
    });
    compare_exchange!(v; 0 1, 2 3, 4 5, 6 7, 8 9, 10 11, 12 13, 14 15);
    store_quads(&v, &mut runs[16..32], c);
    compare_exchange!(v; 0 2, 1 3, 1 2, 4 6, 5 7, 5 6, 8 10, 9 11, 9 10, 12 14, 13 15, 13 14);
    store_quads(&v, &mut runs[32..48], c);
    compare_exchange!(v; 0 4, 1 5, 2 6, 3 7, 2 4, 3 5, 1 2, 3 4, 5 6,
        8 12, 9 13, 10 14, 11 15, 10 12, 11 13, 9 10, 11 12, 13 14);
    store_quads(&v, &mut runs[48..64], c);
    compare_exchange!(v; 0 8, 1 9, 2 10, 3 11, 4 12, 5 13, 6 14, 7 15, 4 8, 5 9, 6 10, 7 11,
        2 4, 3 5, 6 8, 7 9, 10 12, 11 13, 1 2, 3 4, 5 6, 7 8, 9 10, 11 12, 13 14);
    store_quads(&v, &mut runs[64..80], c);
}

/// Writes the quads `v` to lanes `c .. c + 4` of `out`.
#[inline(always)]
fn store_quads(v: &[Quad; 16], out: &mut [Lanes], c: usize) {
    for (dst, src) in out.iter_mut().zip(v) {
        dst[c..c + 4].copy_from_slice(src);
    }
}

/// Copies row `src[l]` into lane `l` of `lanes`, for every lane: a transpose in blocks of
/// sixteen samples (one cache line of each row) by sixteen rows.
///
/// Copied lane by lane and sample by sample, every write touched its own lane's cache line,
/// and the rows (1025 samples, 4100 bytes apart for HPSS) all fall into the same L1 cache set,
/// so that reading sixteen rows side by side missed the cache at every step. Here each row's
/// line is read once, whole, into a small block that is transposed in L1.
fn rows_to_lanes(src: [&[f32]; LANES], lanes: &mut [Lanes]) {
    let blocks = lanes.len() / LANES;
    for (b, block) in lanes.chunks_exact_mut(LANES).enumerate() {
        rows_to_lanes_block(&src, LANES * b, block);
    }
    for (j, lane) in lanes.iter_mut().enumerate().skip(LANES * blocks) {
        *lane = std::array::from_fn(|l| src[l][j]);
    }
}

/// Samples `j .. j + LANES` of every row of `src` into the lanes `block`.
#[inline(never)]
fn rows_to_lanes_block(src: &[&[f32]; LANES], j: usize, block: &mut [Lanes]) {
    let mut rows = [[0.0; LANES]; LANES];
    for (row, src) in rows.iter_mut().zip(src) {
        row.copy_from_slice(&src[j..j + LANES]);
    }
    transpose(&rows, block);
}

/// Copies lane `l` of `lanes` into row `l` of `rows` (rows of `lanes.len()` samples starting
/// every `stride`, at most `LANES` of them): the inverse of [`rows_to_lanes`], by the same
/// blocks.
fn lanes_to_rows(lanes: &[Lanes], rows: &mut [f32], stride: usize) {
    let row_len = lanes.len();
    let blocks = row_len / LANES;
    for (b, block) in lanes.chunks_exact(LANES).enumerate() {
        lanes_to_rows_block(block, LANES * b, stride, rows);
    }
    for (l, row) in rows.chunks_mut(stride).enumerate() {
        for (o, lane) in row[..row_len].iter_mut().zip(lanes).skip(LANES * blocks) {
            *o = lane[l];
        }
    }
}

/// The lanes `block` into samples `j .. j + LANES` of every row of `rows` (rows starting every
/// `stride`).
#[inline(never)]
fn lanes_to_rows_block(block: &[Lanes], j: usize, stride: usize, rows: &mut [f32]) {
    let Some(block) = block.first_chunk::<LANES>() else {
        unreachable!("a block is LANES lanes")
    };
    let mut t = [[0.0; LANES]; LANES];
    transpose(block, &mut t);
    for (row, src) in rows.chunks_mut(stride).zip(&t) {
        row[j..j + LANES].copy_from_slice(src);
    }
}

/// `out[i][l] = m[l][i]` for the `LANES x LANES` matrix `m`, by 4 x 4 tiles transposed in SIMD
/// registers (`wide`'s `f32x4::transpose`: SSE shuffles on x86-64, scalar elsewhere). LLVM
/// does not find those shuffles for an element-wise copy, which was a fifth of the median
/// along frequency.
#[inline]
fn transpose(m: &[Lanes; LANES], out: &mut [Lanes]) {
    use wide::f32x4;
    let tile = |row: &Lanes, c: usize| {
        let mut v = [0.0; 4];
        v.copy_from_slice(&row[4 * c..4 * c + 4]);
        f32x4::new(v)
    };
    for (r, rows) in m.chunks_exact(4).enumerate() {
        for c in 0..LANES / 4 {
            let t = f32x4::transpose(std::array::from_fn(|k| tile(&rows[k], c)));
            for (k, v) in t.iter().enumerate() {
                out[4 * c + k][4 * r..4 * r + 4].copy_from_slice(v.as_array_ref());
            }
        }
    }
}

/// Sorts each lane of `v` by the comparators `net` (from [`batcher_network`] for `v.len()`).
fn sort(v: &mut [Lanes], net: &[(u32, u32)]) {
    for &(i, j) in net {
        let (i, j) = (i as usize, j as usize);
        let (a, b) = (v[i], v[j]);
        let (mut lo, mut hi) = (a, b);
        for l in 0..LANES {
            lo[l] = if b[l] < a[l] { b[l] } else { a[l] };
            hi[l] = if b[l] < a[l] { a[l] } else { b[l] };
        }
        v[i] = lo;
        v[j] = hi;
    }
}

/// The comparators of Batcher's odd-even merge sort for `n` values, each `(i, j)` putting the
/// smaller value at `i < j`.
///
/// The network for the next power of two with the comparators that touch positions `>= n`
/// left out: that is the full network on the input padded with `+inf`, which never leaves the
/// padded positions, so it sorts any `n`.
fn batcher_network(n: usize) -> Vec<(u32, u32)> {
    let mut net = Vec::new();
    let mut p = 1;
    while p < n {
        merge_stage(n, p, &mut net);
        p *= 2;
    }
    net
}

/// The comparators of the last stage of Batcher's odd-even merge sort for `n` values (a power
/// of two): they merge two sorted runs of `n / 2` values into one.
fn batcher_merge(n: usize) -> Vec<(u32, u32)> {
    let mut net = Vec::new();
    merge_stage(n, n / 2, &mut net);
    net
}

/// Appends the comparators of stage `p` of Batcher's odd-even merge sort of `n` values (they
/// merge sorted runs of `p` into runs of `2 p`), leaving out those that touch positions `>= n`.
fn merge_stage(n: usize, p: usize, net: &mut Vec<(u32, u32)>) {
    let mut k = p;
    while k >= 1 {
        let mut j = k % p;
        while j + k < n {
            for i in 0..k.min(n - j - k) {
                if (i + j) / (2 * p) == (i + j + k) / (2 * p) {
                    // Networks are built for a filter's sizes, far below u32::MAX.
                    net.push(((i + j) as u32, (i + j + k) as u32));
                }
            }
            j += 2 * k;
        }
        k /= 2;
    }
}

/// The largest power of two not above `n >= 1`.
fn prev_power_of_two(n: usize) -> usize {
    1 << (usize::BITS - 1 - n.leading_zeros())
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
    fn transpose_and_the_row_copies_move_every_sample() {
        let m: [Lanes; LANES] =
            std::array::from_fn(|l| std::array::from_fn(|i| (100 * l + i) as f32));
        let mut t = [[0.0; LANES]; LANES];
        transpose(&m, &mut t);
        for (i, lane) in t.iter().enumerate() {
            for (l, &v) in lane.iter().enumerate() {
                assert_eq!(v, m[l][i], "out[{i}][{l}]");
            }
        }
        // Three rows of 37 samples (two whole blocks and a remainder): to lanes and back.
        let x: Vec<f32> = (0..3 * 37).map(|v| v as f32).collect();
        let src: [&[f32]; LANES] = std::array::from_fn(|l| &x[37 * l.min(2)..37 * l.min(2) + 37]);
        let mut lanes = vec![[0.0; LANES]; 37];
        rows_to_lanes(src, &mut lanes);
        for (j, lane) in lanes.iter().enumerate() {
            for (l, &v) in lane.iter().enumerate() {
                assert_eq!(v, src[l][j], "lane {l}, sample {j}");
            }
        }
        let mut back = vec![0.0; 3 * 37];
        lanes_to_rows(&lanes, &mut back, 37);
        assert_eq!(back, x);
        // The same rows 40 apart, the gaps untouched.
        let mut spaced = vec![-1.0; 2 * 40 + 37];
        lanes_to_rows(&lanes, &mut spaced, 40);
        for (l, row) in spaced.chunks(40).enumerate() {
            assert_eq!(row[..37], x[37 * l..37 * l + 37], "row {l}");
            assert!(row[37..].iter().all(|&v| v == -1.0), "gap after row {l}");
        }
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

    /// By the 0-1 principle a comparator network sorts everything iff it sorts every sequence
    /// of zeros and ones: checked exhaustively for every length up to 18.
    #[test]
    fn batcher_networks_sort_every_zero_one_sequence() {
        for n in 0..=18usize {
            let net = batcher_network(n);
            for bits in 0u32..(1 << n) {
                let mut v: Vec<u32> = (0..n).map(|i| (bits >> i) & 1).collect();
                for &(i, j) in &net {
                    assert!(i < j && (j as usize) < n, "n {n}: comparator ({i}, {j})");
                    let (i, j) = (i as usize, j as usize);
                    if v[i] > v[j] {
                        v.swap(i, j);
                    }
                }
                assert!(v.is_sorted(), "n {n}: {bits:b} -> {v:?}");
            }
        }
        // The sizes of Batcher's odd-even merge sort for powers of two.
        assert_eq!(batcher_network(16).len(), 63);
        assert_eq!(batcher_network(32).len(), 191);
    }

    #[test]
    fn fixed_networks_sort_every_zero_one_block() {
        // By the 0-1 principle, a comparator network that sorts every sequence of zeros and
        // ones sorts every sequence: all 2^16 blocks, one per lane.
        let mut runs = vec![[0.0f32; LANES]; 80];
        for first in (0..1u32 << 16).step_by(LANES) {
            for (i, sample) in runs[..16].iter_mut().enumerate() {
                *sample = std::array::from_fn(|l| ((first + l as u32) >> i & 1) as f32);
            }
            for c in (0..LANES).step_by(4) {
                sort_runs_of_16(&mut runs, c);
            }
            for level in 1..=4 {
                let len = 1 << level;
                for l in 0..LANES {
                    let ones = (first + l as u32).count_ones() as f32;
                    let block: Vec<f32> = runs[16 * level..16 * (level + 1)]
                        .iter()
                        .map(|v| v[l])
                        .collect();
                    assert_eq!(block.iter().sum::<f32>(), ones, "a permutation");
                    for run in block.chunks(len) {
                        assert!(run.windows(2).all(|w| w[0] <= w[1]), "level {level}");
                    }
                }
            }
        }
    }

    /// Merge networks, by the 0-1 principle: every pair of sorted zero-one runs (`a` ones at
    /// the end of the first, `b` of the second) comes out sorted.
    #[test]
    fn batcher_merges_merge_every_pair_of_sorted_runs() {
        for n in [2usize, 4, 8, 16, 32, 64] {
            let net = batcher_merge(n);
            let h = n / 2;
            for a in 0..=h {
                for b in 0..=h {
                    let mut v: Vec<u8> = (0..n)
                        .map(|i| u8::from(if i < h { i >= h - a } else { i >= n - b }))
                        .collect();
                    for &(i, j) in &net {
                        let (i, j) = (i as usize, j as usize);
                        if v[i] > v[j] {
                            v.swap(i, j);
                        }
                    }
                    assert!(v.is_sorted(), "n {n}: {a} and {b} ones -> {v:?}");
                }
            }
        }
        assert_eq!(batcher_merge(16).len(), 25);
    }

    #[test]
    fn group_sizes_keep_the_median_inside_the_root_core() {
        for k in 1..=200 {
            let f = MedianFilter::new(k);
            let (r, q) = (f.group, k / 2);
            assert!(
                r.is_power_of_two() && r <= q + 1 && q + r <= k,
                "k {k} r {r}"
            );
            assert!(2 * r > (q + 1).min(k - q), "k {k}: group {r} could double");
        }
        assert_eq!(MedianFilter::new(31).group, 16);
    }

    #[test]
    fn empty_row_is_fine() {
        let mut out: [f32; 0] = [];
        MedianFilter::new(31).filter(&[], &mut out);
        MedianFilter::new(31).filter_rows(&[], 4, &mut out);
        MedianFilter::new(31).filter_columns(&[], 4, &mut out);
    }
}
