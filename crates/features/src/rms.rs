//! Root-mean-square energy per frame, mirroring `librosa.feature.rms(y=...)`.

use crate::stft::PadMode;

/// The RMS of each centred frame of `y`: `rms[t] = sqrt(mean_n x_t[n]^2)` over the
/// `frame_length` samples starting at `t * hop_length - frame_length / 2` of `y` padded with
/// `pad` (no window).
///
/// Mirrors `librosa.feature.rms(y=y, frame_length=frame_length, hop_length=hop_length,
/// center=True, pad_mode=pad)` (the GTZAN table uses `pad_mode='reflect'`; librosa's default is
/// `'constant'`). There are `1 + y.len() / hop_length` frames. Squares are summed in f64 and the
/// result rounded to f32. `out` is cleared and refilled (its capacity is reused).
///
/// # Panics
/// If `frame_length` or `hop_length` is zero.
pub fn rms(y: &[f32], frame_length: usize, hop_length: usize, pad: PadMode, out: &mut Vec<f32>) {
    assert!(
        frame_length > 0 && hop_length > 0,
        "frame and hop lengths must be positive"
    );
    let half = (frame_length / 2) as isize;
    let n_frames = 1 + y.len() / hop_length;
    out.clear();
    for t in 0..n_frames {
        let start = (t * hop_length) as isize - half;
        let sum: f64 = if start >= 0 && start as usize + frame_length <= y.len() {
            let s = start as usize;
            y[s..s + frame_length]
                .iter()
                .map(|&v| f64::from(v) * f64::from(v))
                .sum()
        } else {
            (start..start + frame_length as isize)
                .map(|i| f64::from(pad.sample(y, i)).powi(2))
                .sum()
        };
        out.push((sum / frame_length as f64).sqrt() as f32);
    }
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
    fn constant_padding_and_definition() {
        let y = [1.0f32; 8];
        let mut out = Vec::new();
        rms(&y, 4, 4, PadMode::Constant, &mut out);
        // Frames start at -2, 2, 6: [0 0 1 1], [1 1 1 1], [1 1 0 0].
        let half = 0.5f32.sqrt();
        assert_eq!(out, [half, 1.0, half]);
    }
}
