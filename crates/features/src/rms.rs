//! Root-mean-square energy per frame, mirroring `librosa.feature.rms(y=...)`.

use crate::stft::PadMode;

/// The RMS of each centred frame of `y`: `rms[t] = sqrt(mean_n x_t[n]^2)` over the
/// `frame_length` samples starting at `t * hop_length - frame_length / 2` of `y` padded with
/// `pad` (no window).
///
/// Mirrors `librosa.feature.rms(y=y, frame_length=frame_length, hop_length=hop_length,
/// center=True, pad_mode=pad)` (the GTZAN table uses `pad_mode='reflect'`; librosa's default is
/// `'constant'`). There are `1 + y.len() / hop_length` frames. Squares are summed in f64 and the
/// result rounded to f32; when frames are whole hops that start on hop boundaries (2048 / 512),
/// interior frames add per-hop block sums, so each square is computed once rather than once per
/// overlapping frame. `out` is cleared and the capacity reused (the block sums take one
/// allocation per call).
///
/// # Panics
/// If `frame_length` or `hop_length` is zero.
pub fn rms(y: &[f32], frame_length: usize, hop_length: usize, pad: PadMode, out: &mut Vec<f32>) {
    assert!(
        frame_length > 0 && hop_length > 0,
        "frame and hop lengths must be positive"
    );
    let half = frame_length / 2;
    let n_frames = 1 + y.len() / hop_length;
    // When frames are whole numbers of hops and start on hop boundaries (2048 / 512), each
    // interior frame is the sum of `frame_length / hop` consecutive hop-block sums: every square
    // is added once instead of once per overlapping frame.
    let aligned = frame_length.is_multiple_of(hop_length) && half.is_multiple_of(hop_length);
    let blocks: Vec<f64> = if aligned {
        y.chunks_exact(hop_length).map(sum_of_squares).collect()
    } else {
        Vec::new()
    };
    out.clear();
    for t in 0..n_frames {
        let start = (t * hop_length) as isize - half as isize;
        let interior = start >= 0 && start as usize + frame_length <= y.len();
        let sum: f64 = if interior && aligned {
            let first = start as usize / hop_length;
            blocks[first..first + frame_length / hop_length]
                .iter()
                .sum()
        } else if interior {
            sum_of_squares(&y[start as usize..start as usize + frame_length])
        } else {
            (start..start + frame_length as isize)
                .map(|i| f64::from(pad.sample(y, i)).powi(2))
                .sum()
        };
        out.push((sum / frame_length as f64).sqrt() as f32);
    }
}

/// `sum x^2` in f64 with four interleaved accumulators, so the adds can overlap.
fn sum_of_squares(x: &[f32]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = x.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += f64::from(v) * f64::from(v);
        }
    }
    let tail: f64 = rest.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{SIGNALS, assert_close, reference, signal};

    #[test]
    fn matches_librosa_rms_with_reflect_padding() {
        let mut out = Vec::new();
        for name in SIGNALS {
            rms(&signal(name), 2048, 512, PadMode::Reflect, &mut out);
            let actual: Vec<f64> = out.iter().map(|&v| f64::from(v)).collect();
            // librosa sums float32 squares pairwise; we sum in f64: both within ~1e-7 relative.
            assert_close(name, &actual, &reference(name, "rms").data, 2e-6, 1e-9);
        }
    }

    #[test]
    fn block_sums_equal_the_direct_sum() {
        let y = crate::testutil::random_signal(crate::testutil::RNG_SEED, 20_000);
        let (mut blocked, mut direct) = (Vec::new(), Vec::new());
        rms(&y, 2048, 512, PadMode::Reflect, &mut blocked);
        // Every frame, interior (block sums) and edge (padded), against the definition.
        for (t, &b) in blocked.iter().enumerate() {
            let start = (t * 512) as isize - 1024;
            let sum: f64 = (start..start + 2048)
                .map(|i| f64::from(PadMode::Reflect.sample(&y, i)).powi(2))
                .sum();
            direct.push((sum / 2048.0).sqrt() as f32);
            assert!(
                (b - direct[t]).abs() <= 1e-6 * direct[t].abs() + 1e-12,
                "frame {t}"
            );
        }
    }

    #[test]
    fn constant_padding_and_definition() {
        let y = [1.0f32; 8];
        let mut out = Vec::new();
        rms(&y, 4, 4, PadMode::Constant, &mut out);
        // Frames start at -2, 2, 6: [0 0 1 1], [1 1 1 1], [1 1 0 0].
        let half = 0.5f32.sqrt();
        assert_eq!(out, [half, 1.0, half]);
    }
}
