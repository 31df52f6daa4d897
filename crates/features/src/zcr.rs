//! Zero-crossing rate per frame, mirroring `librosa.feature.zero_crossing_rate`.

/// Magnitudes at or below this count as zero (`librosa.zero_crossings(threshold=1e-10)`).
const ZERO_THRESHOLD: f32 = 1e-10;

/// The fraction of sign changes in each centred frame of `y`.
///
/// Frame `t` holds the `frame_length` samples starting at `t * hop_length - frame_length / 2` of
/// `y` padded by repeating its end samples (numpy `'edge'` mode). Samples with `|x| <= 1e-10`
/// count as `+0`; a crossing at `n >= 1` is `signbit(x[n]) != signbit(x[n - 1])`, and
/// `zcr[t] = crossings / frame_length`. Mirrors `librosa.feature.zero_crossing_rate(y,
/// frame_length=frame_length, hop_length=hop_length, center=True)` (defaults 2048 / 512).
/// An empty `y` gives one frame of 0. `out` is cleared and refilled (its capacity is reused).
///
/// # Panics
/// If `frame_length` or `hop_length` is zero.
pub fn zero_crossing_rate(y: &[f32], frame_length: usize, hop_length: usize, out: &mut Vec<f64>) {
    assert!(
        frame_length > 0 && hop_length > 0,
        "frame and hop lengths must be positive"
    );
    let half = (frame_length / 2) as isize;
    let n = y.len() as isize;
    // Sign bit of padded sample i, with the threshold applied.
    let negative = |i: isize| -> bool {
        if n == 0 {
            return false;
        }
        let v = y[i.clamp(0, n - 1) as usize];
        v.abs() > ZERO_THRESHOLD && v.is_sign_negative()
    };
    let n_frames = 1 + y.len() / hop_length;
    out.clear();
    for t in 0..n_frames {
        let start = (t * hop_length) as isize - half;
        let mut crossings = 0usize;
        let mut prev = negative(start);
        for i in start + 1..start + frame_length as isize {
            let cur = negative(i);
            crossings += usize::from(cur != prev);
            prev = cur;
        }
        out.push(crossings as f64 / frame_length as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{SIGNALS, reference, signal};

    #[test]
    fn matches_librosa_exactly() {
        let mut out = Vec::new();
        for name in SIGNALS {
            zero_crossing_rate(&signal(name), 2048, 512, &mut out);
            // Counts divided by 2048 are exact in f64: no tolerance.
            assert_eq!(out, reference(name, "zcr").data, "{name}");
        }
    }

    #[test]
    fn counts_sign_changes_and_ignores_tiny_values() {
        let y = [1.0f32, -1.0, 1e-11, -1e-11, 2.0, -0.0, 3.0, -3.0];
        let mut out = Vec::new();
        zero_crossing_rate(&y, 8, 100, &mut out);
        // Padded frame: [1 1 1 1 | 1 -1 ...]: 1 -> -1, -1 -> +0, then +0 +0 2 +0 3 -> -3.
        // Frame 0 covers padded indices -4..4: [1 1 1 1 1 -1 0 0]: 2 crossings.
        assert_eq!(out, [2.0 / 8.0]);
        zero_crossing_rate(&[], 2048, 512, &mut out);
        assert_eq!(out, [0.0]);
    }
}
