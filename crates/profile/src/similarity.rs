//! How alike two tracks sound: a Gaussian kernel on standardized features.

/// The similarity of two standardized feature vectors,
/// `s(a, b) = exp(-‖a - b‖² / (2·D))`, where `D` is the number of features that vary.
///
/// When every feature is standardized to population variance 1, the mean of `‖z_a - z_b‖²`
/// over all pairs of tracks of the collection is exactly `2·D`, so the kernel's width is the
/// collection's own typical distance: identical tracks score 1, a typical pair about
/// `exp(-1) ≈ 0.37`, and far-apart tracks approach 0. No tuning constant is involved.
pub(crate) fn similarity(a: &[f64], b: &[f64], varying: usize) -> f64 {
    (-squared_distance(a, b) / (2.0 * varying.max(1) as f64)).exp()
}

/// The squared Euclidean distance `‖a - b‖²`.
pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_is_one_for_equal_and_falls_with_distance() {
        assert_eq!(similarity(&[1.0, 2.0], &[1.0, 2.0], 2), 1.0);
        let near = similarity(&[0.0, 0.0], &[1.0, 0.0], 2);
        let far = similarity(&[0.0, 0.0], &[3.0, 0.0], 2);
        assert!((near - (-0.25f64).exp()).abs() < 1e-15);
        assert!((far - (-2.25f64).exp()).abs() < 1e-15);
        assert!(far < near);
        assert_eq!(squared_distance(&[1.0, 1.0], &[4.0, 5.0]), 25.0);
    }
}
