//! Onset strength envelope, mirroring `librosa.onset.onset_strength(aggregate=np.median)`.

use ndarray::{Array2, ArrayView2};

use crate::db::{AMIN, TOP_DB, db_floor, power_to_db_in_place, power_to_db_unclamped};
use crate::mel::MelFilterbank;
use crate::stft::{PadMode, Stft};

/// Number of mel bands of the onset spectrogram (`melspectrogram`'s default `n_mels=128`).
const N_MELS: usize = 128;

/// The spectral-flux onset strength envelope with a median over mel bands, one value per frame.
///
/// With `M[t, m] = power_to_db(mel(|STFT(y)|^2))` (n_fft 2048, hop 512, periodic Hann,
/// `center=True` with librosa 0.11's default zero padding, 128 Slaney mel bands from 0 Hz to
/// `sr / 2`, dB with `ref=1`, `amin=1e-10`, `top_db=80` over the whole spectrogram):
///
/// `env[t] = median_m max(0, M[t - 2, m] - M[t - 3, m])` for `3 <= t < n_frames`, and
/// `env[t] = 0` for `t < 3`.
///
/// That is `librosa.onset.onset_strength(y=y, sr=sr, aggregate=np.median)` as
/// `librosa.beat.beat_track` calls it: `onset_strength_multi` with `lag=1`, `max_size=1` (so
/// the reference is `M` itself), no detrending, `center=True` (the difference is shifted right by
/// `lag + n_fft / (2 hop) = 3` frames and cut to the number of frames). The median of the 128
/// bands is the mean of the 64th and 65th smallest values, in f32 as `np.median` computes it.
///
/// The STFT plan, the mel filterbank and all buffers are made once and reused.
#[derive(Debug)]
pub struct OnsetStrength {
    stft: Stft,
    mel: MelFilterbank,
    hop: usize,
    n_fft: usize,
    /// `|STFT|`, then `|STFT|^2`, frame-major `[t, k]`.
    mag: Array2<f32>,
    /// One frame's power.
    power: Vec<f32>,
    /// The mel power spectrogram, then its dB, frame-major `[t, m]`.
    mel_power: Array2<f32>,
    diff: Vec<f32>,
}

impl OnsetStrength {
    /// Plans the envelope for signals sampled at `sr` Hz with librosa's defaults
    /// (n_fft 2048, hop 512).
    ///
    /// # Panics
    /// If `sr` is not positive.
    pub fn new(sr: f32) -> OnsetStrength {
        assert!(sr > 0.0, "sample rate must be positive, got {sr}");
        let (n_fft, hop) = (2048, 512);
        OnsetStrength {
            stft: Stft::new(n_fft, hop),
            mel: MelFilterbank::new(sr, n_fft, N_MELS, 0.0, sr / 2.0),
            hop,
            n_fft,
            mag: Array2::zeros((0, 0)),
            power: vec![0.0; 1 + n_fft / 2],
            mel_power: Array2::zeros((0, N_MELS)),
            diff: vec![0.0; N_MELS],
        }
    }

    /// The hop between envelope values, in samples (512).
    pub fn hop_length(&self) -> usize {
        self.hop
    }

    /// Computes the onset strength envelope of `y` into `out`, resized to the number of STFT
    /// frames, `1 + len(y) / 512`.
    pub fn compute(&mut self, y: &[f32], out: &mut Vec<f32>) {
        self.stft.magnitude(y, PadMode::Constant, &mut self.mag);
        for p in &mut self.mag {
            *p *= *p;
        }
        self.mel.spectrogram(self.mag.view(), &mut self.mel_power);
        self.envelope(out);
    }

    /// [`OnsetStrength::compute`], reusing `log_mel`: the mel power spectrogram (frames as rows,
    /// 128 Slaney bands over `0 ..= sr / 2`, [`MelFilterbank::spectrogram`]) of the STFT of the
    /// same `y` with the same n_fft and hop but any padding (the extractor's reflect-padded one,
    /// which its MFCCs use too), converted by [`power_to_db_unclamped`] with `amin = 1e-10`.
    /// Frames wholly inside the signal do not depend on the padding, so only the few edge
    /// frames are transformed again with zero padding; the `top_db` floor is then taken over
    /// this envelope's own spectrogram. The envelope is bit-identical to `compute`'s.
    ///
    /// # Panics
    /// If `log_mel` does not have `1 + len(y) / 512` frames of 128 bands.
    pub fn compute_from_log_mel(
        &mut self,
        y: &[f32],
        log_mel: ArrayView2<'_, f32>,
        out: &mut Vec<f32>,
    ) {
        let n_frames = self.stft.n_frames(y.len());
        assert_eq!(
            log_mel.dim(),
            (n_frames, N_MELS),
            "onset strength: log-mel spectrogram shape"
        );
        if self.mel_power.dim() != log_mel.dim() {
            self.mel_power = Array2::zeros(log_mel.dim());
        }
        let mut max = f32::NEG_INFINITY;
        for (t, (mut dst, src)) in self
            .mel_power
            .rows_mut()
            .into_iter()
            .zip(log_mel.rows())
            .enumerate()
        {
            let Some(dst) = dst.as_slice_mut() else {
                unreachable!("rows of an owned standard-layout array are contiguous")
            };
            if self.stft.is_interior(t, y.len()) {
                for (d, &s) in dst.iter_mut().zip(&src) {
                    *d = s;
                    max = max.max(s);
                }
            } else {
                self.stft
                    .frame_magnitude(y, PadMode::Constant, t, &mut self.power);
                for p in &mut self.power {
                    *p *= *p;
                }
                self.mel.apply(&self.power, dst);
                max = max.max(power_to_db_unclamped(dst, AMIN));
            }
        }
        let floor = db_floor(max, TOP_DB);
        if let Some(all) = self.mel_power.as_slice_mut() {
            for x in all {
                *x = x.max(floor);
            }
        }
        self.flux(out);
    }

    /// The envelope of the mel power spectrogram in `self.mel_power` into `out`.
    fn envelope(&mut self, out: &mut Vec<f32>) {
        let Some(mel_db) = self.mel_power.as_slice_mut() else {
            unreachable!("the mel buffer is standard layout")
        };
        power_to_db_in_place(mel_db, AMIN, Some(TOP_DB));
        self.flux(out);
    }

    /// The envelope of the log-mel spectrogram in `self.mel_power` into `out`.
    fn flux(&mut self, out: &mut Vec<f32>) {
        let n_frames = self.mel_power.nrows();
        let Some(mel_db) = self.mel_power.as_slice() else {
            unreachable!("the mel buffer is standard layout")
        };

        // lag + n_fft / (2 hop) leading zeros, as onset_strength_multi pads with center=True.
        let pad = 1 + self.n_fft / (2 * self.hop);
        out.clear();
        out.resize(n_frames, 0.0);
        // out[t] compares frames t - pad + 1 and t - pad; the last pad - 1 differences are cut.
        let pairs = mel_db
            .chunks_exact(N_MELS)
            .zip(mel_db.chunks_exact(N_MELS).skip(1));
        for (o, (prev, next)) in out.iter_mut().skip(pad).zip(pairs) {
            // The positive differences, packed to the front; the rest are the zeros of max(0, .).
            let mut n_positive = 0;
            for (&a, &b) in prev.iter().zip(next) {
                let d = b - a;
                self.diff[n_positive] = d;
                n_positive += usize::from(d > 0.0);
            }
            *o = median_even_with_zeros(&mut self.diff[..n_positive], N_MELS);
        }
    }
}

/// The median of an even number `n` of values as `np.median` computes it in f32, the mean of
/// the two middle values `(lo + hi) / 2`, where the values are the `positive` ones and
/// `n - positive.len()` zeros. Reorders `positive`.
///
/// The flux is mostly zeros (every band whose level fell), so where they fill the middle ranks
/// there is nothing to select, and otherwise only the positive values are partitioned.
fn median_even_with_zeros(positive: &mut [f32], n: usize) -> f32 {
    let half = n / 2;
    let zeros = n - positive.len();
    if zeros > half {
        return 0.0;
    }
    // hi is rank `half` of all n values, rank `half - zeros` of the positive ones; lo is the
    // rank below, the largest value under hi (a zero if hi is the smallest positive value).
    let (below, &mut hi, _) = positive.select_nth_unstable_by(half - zeros, f32::total_cmp);
    let lo = below.iter().copied().fold(0.0, f32::max);
    (lo + hi) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_close, reference, signal};

    #[test]
    fn reusing_a_reflect_padded_log_mel_spectrogram_gives_the_same_envelope_bit_for_bit() {
        let mut onset = OnsetStrength::new(22050.0);
        let mut stft = Stft::new(2048, 512);
        let mel = MelFilterbank::new(22050.0, 2048, N_MELS, 0.0, 11025.0);
        let (mut power, mut mel_power) = (Array2::zeros((0, 0)), Array2::zeros((0, 0)));
        let (mut env, mut reused) = (Vec::new(), Vec::new());
        let noise = crate::testutil::random_signal(crate::testutil::RNG_SEED, 30_000);
        // Signals shorter than a frame (no interior frame), of a few frames, and long ones.
        for y in [
            signal("clicks_120"),
            signal("harm_perc"),
            signal("short_1000"),
            noise[..1500].to_vec(),
            noise[..2048].to_vec(),
            noise[..5000].to_vec(),
            noise,
        ] {
            onset.compute(&y, &mut env);
            stft.magnitude(&y, PadMode::Reflect, &mut power);
            power.mapv_inplace(|m| m * m);
            mel.spectrogram(power.view(), &mut mel_power);
            if let Some(all) = mel_power.as_slice_mut() {
                power_to_db_unclamped(all, AMIN);
            }
            onset.compute_from_log_mel(&y, mel_power.view(), &mut reused);
            assert_eq!(env.len(), reused.len());
            for (t, (a, b)) in env.iter().zip(&reused).enumerate() {
                assert_eq!(a.to_bits(), b.to_bits(), "frame {t} of {}", y.len());
            }
        }
    }

    #[test]
    fn median_of_even_count() {
        assert_eq!(median_even_with_zeros(&mut [4.0, 1.0, 3.0, 2.0], 4), 2.5);
        assert_eq!(median_even_with_zeros(&mut [5.0], 4), 0.0);
        assert_eq!(median_even_with_zeros(&mut [5.0, 3.0], 4), 1.5);
        assert_eq!(median_even_with_zeros(&mut [5.0, 3.0, 4.0], 4), 3.5);
        assert_eq!(median_even_with_zeros(&mut [], 4), 0.0);
    }

    #[test]
    fn median_with_zeros_equals_the_sorted_middle_for_every_zero_count() {
        // 128 values with 0..=128 zeros, against np.median's definition on the sorted values.
        let noise = crate::testutil::random_signal(crate::testutil::RNG_SEED, 128 * 129);
        for (zeros, values) in noise.chunks_exact(128).enumerate() {
            let mut all: Vec<f32> = values.iter().map(|v| v.abs() + 1e-3).collect();
            all[..zeros].fill(0.0);
            let mut positive = all[zeros..].to_vec();
            all.sort_by(f32::total_cmp);
            let want = (all[63] + all[64]) / 2.0;
            let got = median_even_with_zeros(&mut positive, 128);
            assert_eq!(got.to_bits(), want.to_bits(), "{zeros} zeros");
        }
    }

    #[test]
    fn matches_librosa_onset_strength() {
        let mut onset = OnsetStrength::new(22050.0);
        let mut env = Vec::new();
        for name in [
            "clicks_120",
            "harm_perc",
            "noise",
            "chord_env",
            "silence",
            "short_1000",
        ] {
            let y = signal(name);
            onset.compute(&y, &mut env);
            let want = reference(name, "rh_onset_median").data;
            let got: Vec<f64> = env.iter().map(|&v| f64::from(v)).collect();
            // Differences of dB values of ~-100..+20 dB: f32 rounding of the mel power (~1e-6
            // relative) moves a dB value by ~5e-6 dB; 1e-3 dB absolute leaves room for the
            // different FFT and sum orders without hiding a wrong frame or band.
            assert_close(name, &got, &want, 1e-4, 1e-3);
        }
    }
}
