//! Mel-frequency cepstral coefficients, mirroring `librosa.feature.mfcc`.

use ndarray::{Array2, ArrayView2};

use crate::db::{AMIN, TOP_DB, db_floor, power_to_db_in_place};
use crate::mel::MelFilterbank;

/// MFCCs kept, as in the GTZAN table (`mfcc1` .. `mfcc20`; librosa's default `n_mfcc`).
pub(crate) const N_MFCC: usize = 20;

/// Computes MFCCs from power spectrograms, owning the mel filterbank, the DCT matrix and the
/// mel-spectrogram buffer.
///
/// For each frame, `mel = W power` (Slaney mel bands, Slaney norm, [`MelFilterbank`]), then over
/// the whole clip `L = power_to_db(mel, ref=1, amin=1e-10, top_db=80)`, then the orthonormal
/// DCT-II `c[j] = s_j sum_m L[m] cos(pi j (2m + 1) / (2 n_mels))` with `s_0 = sqrt(1 / n_mels)`
/// and `s_j = sqrt(2 / n_mels)`, keeping `j < n_mfcc`. Mirrors
/// `librosa.feature.mfcc(S=librosa.power_to_db(librosa.feature.melspectrogram(S=power, sr=sr,
/// n_fft=n_fft, n_mels=n_mels)), n_mfcc=n_mfcc, dct_type=2, norm='ortho', lifter=0)` — the GTZAN
/// table's recipe with `n_mels = 128`, `n_mfcc = 20`. The DCT sums in f64.
#[derive(Debug, Clone)]
pub struct Mfcc {
    mel: MelFilterbank,
    dct: Dct,
    /// The log-mel spectrogram, frames as rows, reused across calls.
    mel_db: Array2<f32>,
}

/// The orthonormal DCT-II over `n_mels` bands, keeping `n_mfcc` coefficients.
#[derive(Debug, Clone)]
struct Dct {
    n_mels: usize,
    n_mfcc: usize,
    /// The basis, band-major: `by_band[m * n_mfcc + j]` is the weight of band `m` in
    /// coefficient `j`.
    by_band: Vec<f64>,
    /// One frame's coefficient sums.
    sums: Vec<f64>,
}

impl Mfcc {
    /// An MFCC computer for `n_fft`-point spectra at `sr`, with `n_mels` mel bands over
    /// `0 ..= sr / 2` and `n_mfcc` coefficients.
    ///
    /// # Panics
    /// If `n_mels` is zero or `n_mfcc > n_mels`.
    pub fn new(sr: f32, n_fft: usize, n_mels: usize, n_mfcc: usize) -> Self {
        assert!(n_mfcc <= n_mels, "n_mfcc {n_mfcc} exceeds n_mels {n_mels}");
        Mfcc {
            mel: MelFilterbank::new(sr, n_fft, n_mels, 0.0, sr / 2.0),
            dct: Dct::new(n_mels, n_mfcc),
            mel_db: Array2::zeros((0, n_mels)),
        }
    }

    /// The mel filterbank the MFCCs are computed over; [`Mfcc::compute_from_log_mel`] expects a
    /// spectrogram made with it ([`MelFilterbank::spectrogram`]).
    pub fn mel_filterbank(&self) -> &MelFilterbank {
        &self.mel
    }

    /// The log-mel spectrogram of the last [`Mfcc::compute`] call (`power_to_db` of the mel
    /// power), frames as rows.
    pub fn log_mel(&self) -> ArrayView2<'_, f32> {
        self.mel_db.view()
    }

    /// The MFCCs of `power` (`|STFT|^2`, frames as rows) into `out`, shape `(n_frames, n_mfcc)`,
    /// resized as needed.
    ///
    /// # Panics
    /// If `power` does not have `1 + n_fft / 2` columns.
    pub fn compute(&mut self, power: ArrayView2<'_, f32>, out: &mut Array2<f32>) {
        self.mel.spectrogram(power, &mut self.mel_db);
        self.cepstra(out);
    }

    /// The MFCCs from `log_mel`, the mel power spectrogram (frames as rows, as
    /// [`MelFilterbank::spectrogram`] makes it with this computer's bands) converted by
    /// [`crate::power_to_db_unclamped`] with `amin = 1e-10`, into `out`: the same as
    /// [`Mfcc::compute`] on the power spectrogram the mel spectrogram came from, bit for bit. The
    /// `top_db` floor
    /// is applied while reading, so `log_mel` can be shared (the extractor's onset envelope
    /// uses it too) and is not copied.
    ///
    /// # Panics
    /// If `log_mel` does not have `n_mels` columns.
    pub fn compute_from_log_mel(&mut self, log_mel: ArrayView2<'_, f32>, out: &mut Array2<f32>) {
        let n_mels = self.mel.n_mels();
        assert_eq!(log_mel.ncols(), n_mels, "mfcc expects {n_mels} mel bands");
        let log_mel = log_mel.as_standard_layout();
        let Some(all) = log_mel.as_slice() else {
            unreachable!("a standard-layout array is one slice")
        };
        let max = all.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
        self.dct.rows(all, db_floor(max, TOP_DB), out);
    }

    /// `power_to_db` of `self.mel_db` in place, then its DCT into `out`.
    fn cepstra(&mut self, out: &mut Array2<f32>) {
        let Some(all) = self.mel_db.as_slice_mut() else {
            unreachable!("the mel buffer is standard layout")
        };
        power_to_db_in_place(all, AMIN, Some(TOP_DB));
        // The floor is already applied; -inf leaves every value as it is.
        self.dct.rows(all, f32::NEG_INFINITY, out);
    }
}

impl Dct {
    fn new(n_mels: usize, n_mfcc: usize) -> Dct {
        let nm = n_mels as f64;
        let mut by_band = vec![0.0; n_mfcc * n_mels];
        for j in 0..n_mfcc {
            let scale = if j == 0 {
                (1.0 / nm).sqrt()
            } else {
                (2.0 / nm).sqrt()
            };
            for m in 0..n_mels {
                let angle = std::f64::consts::PI * j as f64 * (2 * m + 1) as f64 / (2.0 * nm);
                by_band[m * n_mfcc + j] = scale * angle.cos();
            }
        }
        Dct {
            n_mels,
            n_mfcc,
            by_band,
            sums: Vec::with_capacity(n_mfcc),
        }
    }

    /// The DCT of each row of `log_mel` (`n_mels` values, each raised to at least `floor`) into
    /// the rows of `out`, resized to `(rows, n_mfcc)`.
    ///
    /// Each coefficient is summed over the mel bands in order, in f64, as a dot product would;
    /// all `n_mfcc` sums of a frame advance together (one band at a time, with the basis stored
    /// band-major), so the loop over coefficients is SIMD and each sum keeps its order.
    fn rows(&mut self, log_mel: &[f32], floor: f32, out: &mut Array2<f32>) {
        let (n_mels, n_mfcc) = (self.n_mels, self.n_mfcc);
        let shape = (log_mel.len() / n_mels.max(1), n_mfcc);
        if out.dim() != shape {
            *out = Array2::zeros(shape);
        }
        self.sums.clear();
        self.sums.resize(n_mfcc, 0.0);
        for (mel, mut coef) in log_mel.chunks_exact(n_mels).zip(out.rows_mut()) {
            let Some(coef) = coef.as_slice_mut() else {
                unreachable!("rows of an owned standard-layout array are contiguous")
            };
            if n_mfcc == N_MFCC {
                // The table's 20 coefficients: sums of a length known here, which the compiler
                // keeps in registers (in the Vec, every band loaded and stored all of them).
                frame_sums(mel, floor, &self.by_band, &mut [0.0; N_MFCC], coef);
            } else {
                frame_sums(mel, floor, &self.by_band, &mut self.sums, coef);
            }
        }
    }
}

/// One frame's DCT: each coefficient summed over the bands in order, from `sums` zeroed, in
/// f64, into `coef` (as many as `sums` holds).
#[inline(always)]
fn frame_sums(mel: &[f32], floor: f32, by_band: &[f64], sums: &mut [f64], coef: &mut [f32]) {
    sums.fill(0.0);
    for (&l, basis) in mel.iter().zip(by_band.chunks_exact(sums.len())) {
        let l = f64::from(l.max(floor));
        for (s, &b) in sums.iter_mut().zip(basis) {
            *s += b * l;
        }
    }
    for (c, &s) in coef.iter_mut().zip(sums.iter()) {
        *c = s as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{SIGNALS, assert_close, librosa_order, power_spectrogram, reference};

    /// The table's 20 coefficients (summed in registers) and any other count (summed in the
    /// `Vec`) equal the sums written out band by band in the same order, bit for bit (with the
    /// floor applied).
    #[test]
    fn dct_sums_equal_the_band_by_band_sums() {
        let noise = crate::testutil::random_signal(crate::testutil::RNG_SEED, 7 * 128);
        let log_mel: Vec<f32> = noise.iter().map(|v| 80.0 * v - 20.0).collect();
        for n_mfcc in [N_MFCC, 13] {
            let mut dct = Dct::new(128, n_mfcc);
            let mut out = Array2::zeros((0, 0));
            dct.rows(&log_mel, -30.0, &mut out);
            assert_eq!(out.dim(), (7, n_mfcc));
            for (mel, got) in log_mel.chunks(128).zip(out.rows()) {
                let mut sums = vec![0.0f64; n_mfcc];
                for (m, &l) in mel.iter().enumerate() {
                    let l = f64::from(l.max(-30.0));
                    for (j, s) in sums.iter_mut().enumerate() {
                        *s += dct.by_band[m * n_mfcc + j] * l;
                    }
                }
                let want: Vec<f32> = sums.iter().map(|&s| s as f32).collect();
                assert_eq!(got.to_vec(), want, "{n_mfcc} coefficients");
            }
        }
    }

    #[test]
    fn matches_librosa_mfcc_on_every_signal() {
        let mut mfcc = Mfcc::new(22050.0, 2048, 128, 20);
        let mut out = Array2::zeros((0, 0));
        for name in SIGNALS {
            mfcc.compute(power_spectrogram(name).view(), &mut out);
            let r = reference(name, "mfcc");
            assert_eq!((r.shape[1], r.shape[0]), out.dim(), "{name}");
            // Weighted sums of 128 dB values of magnitude up to 100: f32 dB rounding (~1e-5 dB)
            // adds up to ~1e-4 absolute in coefficients that nearly cancel.
            assert_close(name, &librosa_order(&out), &r.data, 1e-5, 1e-4);
        }
    }

    #[test]
    fn a_shared_log_mel_gives_the_same_mfccs_bit_for_bit() {
        let mut mfcc = Mfcc::new(22050.0, 2048, 128, 20);
        let (mut want, mut got) = (Array2::zeros((0, 0)), Array2::zeros((0, 0)));
        let mut log_mel = Array2::zeros((0, 0));
        for name in SIGNALS {
            let power = power_spectrogram(name);
            mfcc.compute(power.view(), &mut want);
            mfcc.mel_filterbank()
                .spectrogram(power.view(), &mut log_mel);
            if let Some(all) = log_mel.as_slice_mut() {
                crate::power_to_db_unclamped(all, AMIN);
            }
            mfcc.compute_from_log_mel(log_mel.view(), &mut got);
            assert_eq!(want.dim(), got.dim(), "{name}");
            let same = want
                .iter()
                .zip(&got)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{name}");
        }
    }

    #[test]
    fn dct_rows_are_orthonormal() {
        let mfcc = Mfcc::new(22050.0, 2048, 128, 20);
        for i in 0..20 {
            for j in 0..20 {
                let d: f64 = (0..128)
                    .map(|m| mfcc.dct.by_band[m * 20 + i] * mfcc.dct.by_band[m * 20 + j])
                    .sum();
                let expected = if i == j { 1.0 } else { 0.0 };
                assert!((d - expected).abs() < 1e-12, "({i}, {j}): {d}");
            }
        }
    }
}
