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
/// Counts are integers, so they are slid exactly from one frame to the next: each frame drops
/// the crossings of the `hop_length` positions it leaves and adds those it enters, so every
/// sample is visited about twice instead of `frame_length / hop_length` times.
///
/// # Panics
/// If `frame_length` or `hop_length` is zero.
pub fn zero_crossing_rate(y: &[f32], frame_length: usize, hop_length: usize, out: &mut Vec<f64>) {
    assert!(
        frame_length > 0 && hop_length > 0,
        "frame and hop lengths must be positive"
    );
    let half = (frame_length / 2) as isize;
    let n_frames = 1 + y.len() / hop_length;
    out.clear();
    // Frame t counts the crossings at padded positions start + 1 .. start + frame_length.
    let fl = frame_length as isize;
    let hop = hop_length as isize;
    let mut crossings = 0usize;
    for t in 0..n_frames {
        let start = t as isize * hop - half;
        crossings = if t == 0 || hop >= fl {
            count_crossings(y, start + 1, start + fl)
        } else {
            // Slide from frame t - 1: drop its first `hop` positions, add the next `hop`.
            let prev = start - hop;
            crossings - count_crossings(y, prev + 1, start + 1)
                + count_crossings(y, prev + fl, start + fl)
        };
        out.push(crossings as f64 / frame_length as f64);
    }
}

/// Whether sample `v` counts as negative: its sign bit, with `|v| <= 1e-10` counting as `+0`.
#[inline]
fn negative(v: f32) -> bool {
    v.abs() > ZERO_THRESHOLD && v.is_sign_negative()
}

/// The number of crossings at the edge-padded positions `a..b` of `y`, a crossing at `i` being
/// `negative(y[i]) != negative(y[i - 1])` with indices clamped into `0..len(y)`.
fn count_crossings(y: &[f32], a: isize, b: isize) -> usize {
    let n = y.len() as isize;
    if a >= b || n == 0 {
        return 0;
    }
    if a >= 1 && b <= n {
        // Inside the signal: a branch-free count over contiguous pairs.
        let s = &y[(a - 1) as usize..b as usize];
        // Summed as u32 0/1 values rather than filtered or counted in usize, so that the loop
        // vectorizes (four pairs per SSE register); 2^30 pairs at a time cannot overflow.
        const CHUNK: usize = 1 << 30;
        return (0..s.len() - 1)
            .step_by(CHUNK)
            .map(|i| {
                let pairs = &s[i..s.len().min(i + CHUNK + 1)];
                pairs
                    .iter()
                    .zip(&pairs[1..])
                    .map(|(&p, &c)| u32::from(negative(p) != negative(c)))
                    .sum::<u32>() as usize
            })
            .sum();
    }
    let at = |i: isize| negative(y[i.clamp(0, n - 1) as usize]);
    (a..b).filter(|&i| at(i) != at(i - 1)).count()
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

    /// The previous implementation: count each frame from scratch.
    fn per_frame(y: &[f32], frame_length: usize, hop_length: usize) -> Vec<f64> {
        let half = (frame_length / 2) as isize;
        let n = y.len() as isize;
        let negative = |i: isize| -> bool {
            if n == 0 {
                return false;
            }
            let v = y[i.clamp(0, n - 1) as usize];
            v.abs() > ZERO_THRESHOLD && v.is_sign_negative()
        };
        (0..1 + y.len() / hop_length)
            .map(|t| {
                let start = (t * hop_length) as isize - half;
                let crossings = (start + 1..start + frame_length as isize)
                    .filter(|&i| negative(i) != negative(i - 1))
                    .count();
                crossings as f64 / frame_length as f64
            })
            .collect()
    }

    #[test]
    fn sliding_counts_equal_per_frame_counts() {
        const RNG_SEED: u64 = 20261122;
        let mut s = RNG_SEED;
        let y: Vec<f32> = (0..3000)
            .map(|i| {
                s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let v = ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5;
                // Runs of exact and tiny zeros and of -0.0.
                match i % 11 {
                    0 => 0.0,
                    1 => -1e-11,
                    2 => -0.0,
                    _ => v,
                }
            })
            .collect();
        let mut out = Vec::new();
        for n in [0, 1, 2, 5, 100, 3000] {
            for (fl, hop) in [
                (2048, 512),
                (8, 3),
                (7, 7),
                (5, 9),
                (1, 1),
                (64, 1),
                (16, 100),
            ] {
                zero_crossing_rate(&y[..n], fl, hop, &mut out);
                assert_eq!(out, per_frame(&y[..n], fl, hop), "n {n} fl {fl} hop {hop}");
            }
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
