//! Analysis windows.

use std::f64::consts::PI;

/// The periodic Hann window of length `n`: `w[i] = 0.5 - 0.5 cos(2 pi i / n)`.
///
/// Mirrors `scipy.signal.get_window('hann', n, fftbins=True)`, the window librosa's `stft`
/// and `istft` use by default (`window='hann'`). Computed in f64 and rounded to f32.
/// `n == 0` gives an empty window and `n == 1` gives `[1.0]`, as scipy does.
pub fn hann(n: usize) -> Vec<f32> {
    hann_f64(n).into_iter().map(|w| w as f32).collect()
}

/// [`hann`] in f64, as scipy returns it.
pub(crate) fn hann_f64(n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![1.0];
    }
    (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hann_is_periodic_and_matches_scipy_values() {
        let w = hann(8);
        // scipy.signal.get_window('hann', 8): 0, .1464466, .5, .8535534, 1, .8535534, .5, .1464466
        let expected = [
            0.0,
            0.146_446_6,
            0.5,
            0.853_553_4,
            1.0,
            0.853_553_4,
            0.5,
            0.146_446_6,
        ];
        for (a, e) in w.iter().zip(expected) {
            assert!((a - e).abs() < 1e-7, "{a} vs {e}");
        }
        assert_eq!(hann(1), vec![1.0]);
        assert!(hann(0).is_empty());
    }
}
