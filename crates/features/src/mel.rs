//! The Slaney mel scale and mel filterbank, mirroring `librosa.filters.mel`.

use ndarray::{Array2, ArrayView1, ArrayView2};

/// Hz per mel below 1 kHz on the Slaney scale (`f_sp = 200 / 3`, Slaney's Auditory Toolbox).
const F_SP: f64 = 200.0 / 3.0;
/// Where the Slaney scale turns logarithmic, in Hz.
const MIN_LOG_HZ: f64 = 1000.0;
/// The mel value of [`MIN_LOG_HZ`].
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

/// Mels per natural-log unit above 1 kHz: `log(6.4) / 27` (Slaney's Auditory Toolbox).
fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

/// Converts Hz to Slaney mels: `f / (200/3)` below 1 kHz, `15 + ln(f / 1000) / (ln(6.4) / 27)`
/// above. Mirrors `librosa.hz_to_mel(f, htk=False)`.
pub fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step()
    } else {
        hz / F_SP
    }
}

/// Converts Slaney mels to Hz, the inverse of [`hz_to_mel`]. Mirrors
/// `librosa.mel_to_hz(m, htk=False)`.
pub fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp()
    } else {
        F_SP * mel
    }
}

/// One triangular filter: its first nonzero FFT bin and its nonzero weights from there.
#[derive(Debug, Clone)]
struct Band {
    start: usize,
    weights: Vec<f32>,
}

/// A bank of triangular mel filters with Slaney area normalisation, stored sparsely.
///
/// Mirrors `librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax,
/// htk=False, norm='slaney', dtype=float32)`: with `n_mels + 2` edge frequencies `f_i` evenly
/// spaced in Slaney mels from `fmin` to `fmax`, filter `m` has weight
///
/// ```text
/// W[m, k] = max(0, min((f(k) - f_m) / (f_{m+1} - f_m), (f_{m+2} - f(k)) / (f_{m+2} - f_{m+1})))
///           * 2 / (f_{m+2} - f_m)
/// ```
///
/// at FFT bin frequency `f(k) = k sr / n_fft`. Weights are computed in
/// f64 and rounded to f32, as librosa does. Only each filter's nonzero run of bins is kept.
#[derive(Debug, Clone)]
pub struct MelFilterbank {
    n_bins: usize,
    bands: Vec<Band>,
}

impl MelFilterbank {
    /// Builds the filterbank for `n_fft`-point spectra at sample rate `sr` (librosa's defaults
    /// are `fmin = 0`, `fmax = sr / 2`).
    ///
    /// # Panics
    /// If `n_mels` or `n_fft` is zero, or `fmin`/`fmax` are not `0 <= fmin < fmax`.
    pub fn new(sr: f32, n_fft: usize, n_mels: usize, fmin: f32, fmax: f32) -> Self {
        assert!(n_mels > 0 && n_fft > 0, "n_mels and n_fft must be positive");
        assert!(
            0.0 <= fmin && fmin < fmax,
            "need 0 <= fmin < fmax, got fmin {fmin}, fmax {fmax}"
        );
        let n_bins = 1 + n_fft / 2;
        let sr = f64::from(sr);
        // librosa.fft_frequencies: linspace(0, sr / 2, n_bins).
        let fft_freq = |k: usize| k as f64 * (sr / 2.0) / (n_bins - 1).max(1) as f64;
        // librosa.mel_frequencies(n_mels + 2, fmin, fmax): linspace in mels, back to Hz.
        let (mel_lo, mel_hi) = (hz_to_mel(f64::from(fmin)), hz_to_mel(f64::from(fmax)));
        let n_edges = n_mels + 2;
        let edges: Vec<f64> = (0..n_edges)
            .map(|i| {
                let mel = mel_lo + i as f64 * (mel_hi - mel_lo) / (n_edges - 1) as f64;
                mel_to_hz(mel)
            })
            .collect();
        let bands = (0..n_mels)
            .map(|m| {
                let (lo, mid, hi) = (edges[m], edges[m + 1], edges[m + 2]);
                let enorm = 2.0 / (hi - lo);
                let weight = |k: usize| {
                    let f = fft_freq(k);
                    let lower = (f - lo) / (mid - lo);
                    let upper = (hi - f) / (hi - mid);
                    (lower.min(upper).max(0.0) * enorm) as f32
                };
                let nonzero: Vec<usize> = (0..n_bins).filter(|&k| weight(k) != 0.0).collect();
                match (nonzero.first(), nonzero.last()) {
                    (Some(&a), Some(&b)) => Band {
                        start: a,
                        weights: (a..=b).map(weight).collect(),
                    },
                    _ => Band {
                        start: 0,
                        weights: Vec::new(),
                    },
                }
            })
            .collect();
        MelFilterbank { n_bins, bands }
    }

    /// The number of mel bands.
    pub fn n_mels(&self) -> usize {
        self.bands.len()
    }

    /// The number of FFT bins a frame must have, `1 + n_fft / 2`.
    pub fn n_bins(&self) -> usize {
        self.n_bins
    }

    /// The dense weight `W[m, k]` (zero outside the filter's support).
    pub fn weight(&self, m: usize, k: usize) -> f32 {
        let band = &self.bands[m];
        k.checked_sub(band.start)
            .and_then(|i| band.weights.get(i))
            .copied()
            .unwrap_or(0.0)
    }

    /// Applies the filterbank to one frame: `mel[m] = sum_k W[m, k] * power[k]`.
    ///
    /// This is one column of `librosa.feature.melspectrogram(S=power)`, i.e.
    /// `mel_basis @ S`. Only the nonzero weights are visited; sums are accumulated in f32.
    ///
    /// # Panics
    /// If `power_frame.len() != n_bins()` or `mel_out.len() != n_mels()`.
    pub fn apply(&self, power_frame: &[f32], mel_out: &mut [f32]) {
        assert_eq!(
            power_frame.len(),
            self.n_bins,
            "power frame length: expected {}, got {}",
            self.n_bins,
            power_frame.len()
        );
        assert_eq!(
            mel_out.len(),
            self.bands.len(),
            "mel output length: expected {}, got {}",
            self.bands.len(),
            mel_out.len()
        );
        for (out, band) in mel_out.iter_mut().zip(&self.bands) {
            let x = &power_frame[band.start..band.start + band.weights.len()];
            *out = x.iter().zip(&band.weights).map(|(p, w)| p * w).sum();
        }
    }

    /// [`MelFilterbank::apply`] to four consecutive frames (`power` and `mel_out` hold them one
    /// after another), with the same sums in the same order.
    fn apply_four(&self, power: &[f32], mel_out: &mut [f32]) {
        let (n, m) = (self.n_bins, self.bands.len());
        let (p0, rest) = power.split_at(n);
        let (p1, rest) = rest.split_at(n);
        let (p2, p3) = rest.split_at(n);
        for (i, band) in self.bands.iter().enumerate() {
            let range = band.start..band.start + band.weights.len();
            let (x0, x1, x2, x3) = (
                &p0[range.clone()],
                &p1[range.clone()],
                &p2[range.clone()],
                &p3[range],
            );
            let mut acc = [0.0f32; 4];
            for (j, &w) in band.weights.iter().enumerate() {
                acc[0] += x0[j] * w;
                acc[1] += x1[j] * w;
                acc[2] += x2[j] * w;
                acc[3] += x3[j] * w;
            }
            for (f, a) in acc.into_iter().enumerate() {
                mel_out[f * m + i] = a;
            }
        }
    }

    /// The mel spectrogram of `power` (`|STFT|^2`, frames as rows) into `out`, shape
    /// `(n_frames, n_mels)`, resized as needed: [`MelFilterbank::apply`] on every frame.
    ///
    /// This is `librosa.feature.melspectrogram(S=power).T`.
    ///
    /// # Panics
    /// If `power` does not have [`MelFilterbank::n_bins`] columns.
    pub fn spectrogram(&self, power: ArrayView2<'_, f32>, out: &mut Array2<f32>) {
        let shape = (power.nrows(), self.n_mels());
        if out.dim() != shape {
            *out = Array2::zeros(shape);
        }
        let n_mels = shape.1;
        if let (Some(p), Some(o)) = (power.as_slice(), out.as_slice_mut())
            && power.ncols() == self.n_bins
        {
            // Four frames at a time: each band's sum is a chain of dependent f32 additions
            // (kept in order), and four independent chains run about four times as fast.
            let quads = p
                .chunks_exact(4 * self.n_bins)
                .zip(o.chunks_exact_mut(4 * n_mels));
            let done = p.len() / (4 * self.n_bins).max(1) * 4;
            for (p, o) in quads {
                self.apply_four(p, o);
            }
            for (p, o) in p
                .chunks_exact(self.n_bins)
                .zip(o.chunks_exact_mut(n_mels))
                .skip(done)
            {
                self.apply(p, o);
            }
            return;
        }
        for (frame, mut mel) in power.rows().into_iter().zip(out.rows_mut()) {
            match (frame.as_slice(), mel.as_slice_mut()) {
                (Some(p), Some(m)) => self.apply(p, m),
                _ => {
                    let p: Vec<f32> = frame.to_vec();
                    let mut m = vec![0.0; shape.1];
                    self.apply(&p, &mut m);
                    mel.assign(&ArrayView1::from(&m));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_close, reference};

    #[test]
    fn mel_scale_round_trips_and_matches_librosa_values() {
        // librosa.hz_to_mel(440.0) = 6.6, hz_to_mel(4000.0) = 35.163...
        assert!((hz_to_mel(440.0) - 6.6).abs() < 1e-12);
        assert!((hz_to_mel(4000.0) - 35.163_760_314_616_646).abs() < 1e-9);
        for hz in [0.0, 100.0, 999.0, 1000.0, 1500.0, 11025.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9 * hz.max(1.0));
        }
    }

    #[test]
    fn spectrogram_four_frames_at_a_time_equals_apply_bit_for_bit() {
        let fb = MelFilterbank::new(22050.0, 2048, 128, 0.0, 11025.0);
        for n_frames in [0, 1, 3, 4, 11] {
            let noise = crate::testutil::random_signal(crate::testutil::RNG_SEED, n_frames * 1025);
            let power =
                Array2::from_shape_vec((n_frames, 1025), noise.iter().map(|v| v * v).collect())
                    .expect("shape");
            let mut mel = Array2::zeros((0, 0));
            fb.spectrogram(power.view(), &mut mel);
            assert_eq!(mel.dim(), (n_frames, 128));
            for (frame, got) in power.rows().into_iter().zip(mel.rows()) {
                let mut want = vec![0.0; 128];
                fb.apply(frame.as_slice().expect("row"), &mut want);
                let same = got
                    .iter()
                    .zip(&want)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(same, "{n_frames} frames");
            }
        }
    }

    #[test]
    fn filterbank_matches_librosa_filters_mel() {
        let fb = MelFilterbank::new(22050.0, 512, 40, 100.0, 8000.0);
        let r = reference("filters", "mel_22050_512_40_100_8000");
        assert_eq!(r.shape, [40, 257]);
        let dense: Vec<f64> = (0..40)
            .flat_map(|m| (0..257).map(move |k| (m, k)))
            .map(|(m, k)| f64::from(fb.weight(m, k)))
            .collect();
        // Both sides round the same f64 formula to f32; allow a few ulps for ln/exp.
        assert_close("mel filterbank", &dense, &r.data, 1e-6, 1e-9);
        // Zero weights are exactly zero on both sides, so the sparsity is librosa's.
        for (a, e) in dense.iter().zip(&r.data) {
            assert_eq!(*a == 0.0, *e == 0.0);
        }
    }

    #[test]
    fn apply_matches_librosa_melspectrogram() {
        use crate::stft::{PadMode, Stft};
        let fb = MelFilterbank::new(22050.0, 2048, 128, 0.0, 11025.0);
        let mut stft = Stft::new(2048, 512);
        let mut mag = ndarray::Array2::zeros((0, 0));
        for name in ["chirp", "noise", "short_1000", "tone_443"] {
            let y = crate::testutil::signal(name);
            stft.magnitude(&y, PadMode::Reflect, &mut mag);
            let mut mel = ndarray::Array2::<f32>::zeros((mag.nrows(), 128));
            let mut power = vec![0.0f32; mag.ncols()];
            for (frame, mut out) in mag.rows().into_iter().zip(mel.rows_mut()) {
                for (p, &m) in power.iter_mut().zip(frame) {
                    *p = m * m;
                }
                fb.apply(&power, out.as_slice_mut().expect("contiguous row"));
            }
            let r = reference(name, "mel_power");
            let actual: Vec<f64> = mel.t().iter().map(|&v| f64::from(v)).collect();
            // Same float32 power; librosa's sgemm and our sparse f32 sums round differently.
            assert_close(name, &actual, &r.data, 2e-6, 1e-30);
        }
    }
}
