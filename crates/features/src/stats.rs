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

#[cfg(test)]
mod tests {
    use super::mean_var;

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
}
