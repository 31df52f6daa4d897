//! Tonal centroid features (tonnetz) of a chroma frame, mirroring `librosa.feature.tonnetz`.

/// Number of chroma bins the transform expects.
const N_CHROMA: usize = 12;
/// Number of tonnetz dimensions: (x, y) of the fifths, minor-thirds and major-thirds circles.
pub const N_TONNETZ: usize = 6;

/// The 6-dimensional tonal centroid of a 12-bin chroma frame (Harte, Sandler and Gasser 2006).
///
/// With the chroma normalised to unit L1 norm, `c[n] = chroma[n] / sum |chroma|` (left unscaled
/// when the sum is below the smallest normal f32), the output is `T[p] = sum_n phi[p, n] c[n]`
/// with `phi[p, n] = r_p cos(pi (s_p n - o_p))`, scales `s = (7/6, 7/6, 3/2, 3/2, 2/3, 2/3)`,
/// offsets `o = (0.5, 0, 0.5, 0, 0.5, 0)` (sine rows, cosine rows), radii
/// `r = (1, 1, 1, 1, 0.5, 0.5)`: fifths, minor thirds, major thirds.
///
/// This is `librosa.feature.tonnetz(chroma=chroma)` applied to one frame (librosa computes
/// `phi` in f64 and the product in f64; so does this). librosa's `tonnetz(y)` uses
/// `chroma_cqt`; feeding `chroma_stft` frames instead gives a close but different feature.
#[derive(Debug, Clone)]
pub struct Tonnetz {
    phi: [[f64; N_CHROMA]; N_TONNETZ],
}

impl Default for Tonnetz {
    fn default() -> Self {
        Tonnetz::new()
    }
}

impl Tonnetz {
    /// Builds the projection matrix `phi`.
    pub fn new() -> Tonnetz {
        const SCALE: [f64; N_TONNETZ] = [7.0 / 6.0, 7.0 / 6.0, 1.5, 1.5, 2.0 / 3.0, 2.0 / 3.0];
        const RADIUS: [f64; N_TONNETZ] = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5];
        let mut phi = [[0.0; N_CHROMA]; N_TONNETZ];
        for (p, row) in phi.iter_mut().enumerate() {
            for (n, v) in row.iter_mut().enumerate() {
                // np.linspace(0, 12, 12, endpoint=False) is exactly n.
                let mut angle = SCALE[p] * n as f64;
                if p % 2 == 0 {
                    angle -= 0.5;
                }
                *v = RADIUS[p] * (std::f64::consts::PI * angle).cos();
            }
        }
        Tonnetz { phi }
    }

    /// The tonnetz of one 12-bin chroma frame into `out`.
    ///
    /// # Panics
    /// If `chroma.len() != 12`.
    pub fn transform(&self, chroma: &[f32], out: &mut [f64; N_TONNETZ]) {
        assert_eq!(
            chroma.len(),
            N_CHROMA,
            "tonnetz expects {N_CHROMA} chroma bins, got {}",
            chroma.len()
        );
        // util.normalize(norm=1, axis=-2) in f32: sum of |c|, threshold tiny(f32).
        let sum: f32 = chroma.iter().map(|c| c.abs()).sum();
        let norm = if sum < f32::MIN_POSITIVE { 1.0 } else { sum };
        for (o, row) in out.iter_mut().zip(&self.phi) {
            *o = row
                .iter()
                .zip(chroma)
                .map(|(&w, &c)| w * f64::from(c / norm))
                .sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_close, reference};

    #[test]
    fn matches_librosa_tonnetz_of_the_same_chroma() {
        let t = Tonnetz::new();
        for name in ["chord_env", "silence"] {
            let chroma = reference(name, "rh_tonnetz_chroma");
            let want = reference(name, "rh_tonnetz");
            let n_frames = chroma.shape[1];
            assert_eq!(want.shape, [N_TONNETZ, n_frames]);
            let mut frame = [0.0f32; N_CHROMA];
            let mut out = [0.0; N_TONNETZ];
            let mut got = vec![0.0; N_TONNETZ * n_frames];
            for f in 0..n_frames {
                for (c, v) in frame.iter_mut().enumerate() {
                    *v = chroma.at(c, f) as f32;
                }
                t.transform(&frame, &mut out);
                for (p, &v) in out.iter().enumerate() {
                    got[p * n_frames + f] = v;
                }
            }
            // Same f32 chroma, f64 arithmetic on both sides: only summation order differs.
            assert_close(name, &got, &want.data, 1e-6, 1e-7);
        }
    }

    #[test]
    fn a_single_pitch_class_lies_on_the_circles() {
        let t = Tonnetz::new();
        let mut chroma = [0.0f32; N_CHROMA];
        chroma[0] = 3.0;
        let mut out = [0.0; N_TONNETZ];
        t.transform(&chroma, &mut out);
        // C: (sin, cos) pairs at angle 0 with radii 1, 1, 0.5.
        let want = [0.0, 1.0, 0.0, 1.0, 0.0, 0.5];
        for (a, b) in out.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{out:?}");
        }
    }
}
