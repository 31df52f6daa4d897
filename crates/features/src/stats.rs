//! Mean and population variance of frame-level values, as the GTZAN table aggregates them.

/// The mean and population variance of `values`, accumulated in f64 in two passes.
///
/// `mean = sum x / n`, `var = sum (x - mean)^2 / n` — `np.mean(x)` and `np.var(x)` (ddof 0),
/// which is how every `*_mean`/`*_var` column of the GTZAN table summarises a feature over the
/// frames of a clip. The two-pass form avoids the cancellation of `E[x^2] - E[x]^2`. An empty
/// input gives `(0, 0)`.
pub fn mean_var<I>(values: I) -> (f64, f64)
where
    I: IntoIterator<Item = f64>,
    I::IntoIter: Clone,
{
    let iter = values.into_iter();
    let (sum, n) = iter.clone().fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = sum / n as f64;
    let sq: f64 = iter.map(|x| (x - mean) * (x - mean)).sum();
    (mean, sq / n as f64)
}

/// [`mean_var`] of a slice, the same two-pass formula with eight interleaved partial sums per
/// pass.
///
/// A single f64 sum is a chain of dependent additions, one every ~4 cycles: over the 661,500
/// samples of a snippet's harmonic and percussive signals that chain, not the arithmetic, was
/// the cost. Eight lanes are summed pairwise at the end; the result differs from the sequential
/// sum only by f64 rounding (the table stores f32).
pub fn mean_var_of<T: Copy + Into<f64>>(values: &[T]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = lane_sum(values, |x| x) / n;
    let sq = lane_sum(values, |x| (x - mean) * (x - mean));
    (mean, sq / n)
}

/// The mean and population variance of values that arrive in runs, in one pass over the data:
/// each run's own mean and sum of squared deviations by the two passes of [`mean_var_of`]
/// (over a run still in cache), merged into the totals by Chan, Golub and LeVeque's update
/// `M2 = M2_a + M2_b + d^2 n_a n_b / (n_a + n_b)` with `d = mean_b - mean_a`.
///
/// Unlike the sums of `x` and `x^2`, the merge does not cancel, so the results agree with the
/// two-pass [`mean_var_of`] over all the values to f64 rounding, however the runs fall. Lets a
/// caller take the statistics of a signal while each run is in cache.
#[derive(Debug, Clone, Default)]
pub struct RunningMeanVar {
    n: usize,
    mean: f64,
    /// Sum of squared deviations from `mean`.
    m2: f64,
}

impl RunningMeanVar {
    /// Adds the values `run`.
    pub fn push(&mut self, run: &[f32]) {
        if run.is_empty() {
            return;
        }
        let (mean_b, var_b) = mean_var_of(run);
        let (n_a, n_b) = (self.n as f64, run.len() as f64);
        let n = n_a + n_b;
        let d = mean_b - self.mean;
        self.mean += d * (n_b / n);
        self.m2 += var_b * n_b + d * d * (n_a * n_b / n);
        self.n += run.len();
    }

    /// `(mean, variance)` of the values added so far; `(0, 0)` if none.
    pub fn finish(&self) -> (f64, f64) {
        if self.n == 0 {
            return (0.0, 0.0);
        }
        (self.mean, self.m2 / self.n as f64)
    }
}

/// `sum f(x)` over `values` in eight interleaved f64 partial sums, added pairwise.
#[inline]
pub(crate) fn lane_sum<T: Copy + Into<f64>>(values: &[T], f: impl Fn(f64) -> f64) -> f64 {
    let mut lanes = [0.0f64; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder().iter().fold(0.0, |s, &x| s + f(x.into()));
    for chunk in chunks {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane += f(x.into());
        }
    }
    let [a, b, c, d, e, g, h, i] = lanes;
    ((a + b) + (c + d)) + ((e + g) + (h + i)) + rest
}

#[cfg(test)]
mod tests {
    use super::{RunningMeanVar, mean_var, mean_var_of};

    #[test]
    fn matches_the_definition() {
        let x = [1.0, 2.0, 4.0, 8.0];
        let (m, v) = mean_var(x.iter().copied());
        assert_eq!(m, 3.75);
        // (2.75^2 + 1.75^2 + 0.25^2 + 4.25^2) / 4 = 28.75 / 4
        assert!((v - 7.1875).abs() < 1e-12);
    }

    #[test]
    fn large_offset_keeps_the_variance() {
        // E[x^2] - E[x]^2 would lose every digit here.
        let x: Vec<f64> = (0..1000).map(|i| 1e8 + f64::from(i % 2)).collect();
        let (m, v) = mean_var(x.iter().copied());
        assert_eq!(m, 1e8 + 0.5);
        assert!((v - 0.25).abs() < 1e-9);
    }

    #[test]
    fn empty_is_zero() {
        assert_eq!(mean_var(std::iter::empty()), (0.0, 0.0));
    }

    #[test]
    fn running_sums_agree_with_two_passes_however_the_runs_fall() {
        assert_eq!(RunningMeanVar::default().finish(), (0.0, 0.0));
        let noise = crate::testutil::random_signal(crate::testutil::RNG_SEED, 10_000);
        for offset in [0.0f32, 3.0, -1e3] {
            let x: Vec<f32> = noise.iter().map(|v| offset + 0.1 * v).collect();
            for n in [1, 2, 9, 999, 10_000] {
                let (m, v) = mean_var_of(&x[..n]);
                for run in [1, 7, 8, 512, 10_000] {
                    let mut acc = RunningMeanVar::default();
                    x[..n].chunks(run).for_each(|r| acc.push(r));
                    let (m2, v2) = acc.finish();
                    let case = format!("offset {offset} n {n} runs of {run}");
                    assert!(
                        (m - m2).abs() <= 1e-14 * m.abs().max(1e-3),
                        "{case}: mean {m} vs {m2}"
                    );
                    assert!((v - v2).abs() <= 1e-12 * v, "{case}: var {v} vs {v2}");
                }
            }
        }
        // A constant signal: no rounding residue in the variance.
        let mut acc = RunningMeanVar::default();
        acc.push(&[0.3; 1000]);
        assert_eq!(acc.finish(), (f64::from(0.3f32), 0.0));
    }

    #[test]
    fn slices_agree_with_the_sequential_sums() {
        assert_eq!(mean_var_of::<f32>(&[]), (0.0, 0.0));
        let noise = crate::testutil::random_signal(crate::testutil::RNG_SEED, 10_000);
        for n in (1..=40).chain([999, 10_000]) {
            // An offset, so that the variance is small next to the mean.
            let x: Vec<f32> = noise[..n].iter().map(|v| 3.0 + v).collect();
            let (m, v) = mean_var(x.iter().map(|&v| f64::from(v)));
            let (m2, v2) = mean_var_of(&x);
            assert!((m - m2).abs() <= 1e-15 * m.abs(), "n {n}: mean {m} vs {m2}");
            assert!((v - v2).abs() <= 1e-13 * v.abs(), "n {n}: var {v} vs {v2}");
            let x64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
            assert_eq!(mean_var_of(&x64), (m2, v2), "n {n}: f32 and f64 slices");
        }
    }
}
