//! Spectral shape per frame: centroid, bandwidth and roll-off, mirroring
//! `librosa.feature.spectral_centroid`, `spectral_bandwidth` and `spectral_rolloff`.

use ndarray::ArrayView2;

/// The centre frequency of FFT bin `k`, as `numpy.fft.rfftfreq(n_fft, 1 / sr)[k]`
/// (`librosa.fft_frequencies`): `k * (1 / (n_fft * (1 / sr)))`.
pub(crate) fn fft_frequency(k: usize, sr: f64, n_fft: usize) -> f64 {
    k as f64 * bin_width(sr, n_fft)
}

/// The spacing of FFT bins in Hz, computed as numpy's `fftfreq` does: `1 / (n_fft (1 / sr))`.
fn bin_width(sr: f64, n_fft: usize) -> f64 {
    1.0 / (n_fft as f64 * (1.0 / sr))
}

/// `n_fft` recovered from the number of bins of a one-sided spectrum, as librosa does.
fn n_fft_of(n_bins: usize) -> usize {
    2 * n_bins.saturating_sub(1)
}

/// `s` row `t` as a slice.
fn row<'a>(s: &'a ArrayView2<'_, f32>, t: usize) -> &'a [f32] {
    let Some(r) = s.row(t).to_slice() else {
        unreachable!("rows of a standard-layout array are contiguous")
    };
    r
}

/// The divisor librosa's L1 `normalize` uses for a frame summing to `total`: frames summing to
/// less than the smallest normal f32 are not divided.
fn l1_divisor(total: f64) -> f64 {
    if total < f64::from(f32::MIN_POSITIVE) {
        1.0
    } else {
        total
    }
}

/// `[sum_k |S[k]|, sum_k k |S[k]|, sum_k k^2 |S[k]|]` in f64, each with four interleaved
/// partial sums (the dependency chain of a single f64 sum dominated the time).
#[inline]
fn moments(frame: &[f32]) -> [f64; 3] {
    let mut sums = [[0.0f64; 4]; 3];
    // The bin indices as f64, advanced by adding 4.0 (exact): converting a usize to f64 has
    // no packed SSE2 instruction, and one scalar conversion per bin would bound the loop.
    let mut bins = [0.0, 1.0, 2.0, 3.0f64];
    let chunks = frame.chunks_exact(4);
    let rest = chunks.remainder();
    for chunk in chunks {
        for i in 0..4 {
            let v = f64::from(chunk[i].abs());
            let kv = bins[i] * v;
            sums[0][i] += v;
            sums[1][i] += kv;
            sums[2][i] += bins[i] * kv;
        }
        bins.iter_mut().for_each(|k| *k += 4.0);
    }
    for (i, &v) in rest.iter().enumerate() {
        let v = f64::from(v.abs());
        let kv = bins[i] * v;
        sums[0][i] += v;
        sums[1][i] += kv;
        sums[2][i] += bins[i] * kv;
    }
    sums.map(|s| s.iter().sum())
}

/// The centroid `sum_k f(k) S[k] / sum_k S[k]` of a frame with moments `m` ([`moments`]), for
/// bins `bin_hz` apart.
fn centroid_of([m0, m1, _]: [f64; 3], bin_hz: f64) -> f64 {
    bin_hz * m1 / l1_divisor(m0)
}

/// The bandwidth `sqrt(sum_k S[k] (f(k) - c)^2 / sum_k S[k])` about `c` of a frame with moments
/// `m`, by expanding the square: `sum S (f - c)^2 = sum S f^2 - 2 c sum S f + c^2 sum S`. About
/// the centroid that is `sum S` times the variance of `f`, which loses to cancellation only the
/// digits of `mean(f)^2 / var(f)` (at most ~1e6 for a pure tone) of f64's sixteen; a result
/// rounded below zero is zero.
fn bandwidth_of([m0, m1, m2]: [f64; 3], bin_hz: f64, c: f64) -> f64 {
    let spread = bin_hz * bin_hz * m2 - 2.0 * c * bin_hz * m1 + c * c * m0;
    (spread.max(0.0) / l1_divisor(m0)).sqrt()
}

/// The spectral centroid of each frame of magnitude spectrogram `s` (frames as rows), in Hz.
///
/// `centroid[t] = sum_k f(k) S[t, k] / sum_k S[t, k]` with `f(k) = k sr / n_fft` and
/// `n_fft = 2 (n_bins - 1)`; a silent frame gives 0. Mirrors
/// `librosa.feature.spectral_centroid(S=s.T, sr=sr)`, accumulated in f64. `out` is cleared
/// and refilled (its capacity is reused).
pub fn spectral_centroid(s: ArrayView2<'_, f32>, sr: f32, out: &mut Vec<f64>) {
    let bin_hz = bin_width(f64::from(sr), n_fft_of(s.ncols()));
    out.clear();
    out.extend((0..s.nrows()).map(|t| centroid_of(moments(row(&s, t)), bin_hz)));
}

/// The spectral bandwidth (order 2) of each frame of magnitude spectrogram `s`, in Hz.
///
/// `bandwidth[t] = sqrt(sum_k S[t, k] (f(k) - centroid[t])^2 / sum_k S[t, k])`. Mirrors
/// `librosa.feature.spectral_bandwidth(S=s.T, sr=sr, p=2, norm=True, centroid=None)`; pass the
/// result of [`spectral_centroid`] on the same `s` as `centroid` (librosa recomputes it), or
/// use [`spectral_centroid_bandwidth`] for both in one pass.
///
/// # Panics
/// If `centroid.len() != s.nrows()`.
pub fn spectral_bandwidth(s: ArrayView2<'_, f32>, sr: f32, centroid: &[f64], out: &mut Vec<f64>) {
    assert_eq!(centroid.len(), s.nrows(), "one centroid per frame");
    let bin_hz = bin_width(f64::from(sr), n_fft_of(s.ncols()));
    out.clear();
    out.extend(
        centroid
            .iter()
            .enumerate()
            .map(|(t, &c)| bandwidth_of(moments(row(&s, t)), bin_hz, c)),
    );
}

/// [`spectral_centroid`] into `centroid` and [`spectral_bandwidth`] about it into `bandwidth`,
/// from one pass over each frame.
pub fn spectral_centroid_bandwidth(
    s: ArrayView2<'_, f32>,
    sr: f32,
    centroid: &mut Vec<f64>,
    bandwidth: &mut Vec<f64>,
) {
    let bin_hz = bin_width(f64::from(sr), n_fft_of(s.ncols()));
    centroid.clear();
    bandwidth.clear();
    for t in 0..s.nrows() {
        let m = moments(row(&s, t));
        let c = centroid_of(m, bin_hz);
        centroid.push(c);
        bandwidth.push(bandwidth_of(m, bin_hz, c));
    }
}

/// The roll-off frequency of each frame of magnitude spectrogram `s`: the centre frequency of
/// the first bin at which the cumulative magnitude reaches `roll_percent` of the frame's total.
///
/// Mirrors `librosa.feature.spectral_rolloff(S=s.T, sr=sr, roll_percent=roll_percent)` (librosa's
/// default 0.85), including its float32 running sum and float32 threshold, so that the chosen
/// bin is the same. A silent frame gives 0.
///
/// # Panics
/// If `roll_percent` is not in `(0, 1)`.
pub fn spectral_rolloff(s: ArrayView2<'_, f32>, sr: f32, roll_percent: f32, out: &mut Vec<f64>) {
    assert!(
        0.0 < roll_percent && roll_percent < 1.0,
        "roll_percent must lie in (0, 1), got {roll_percent}"
    );
    let (sr, n_fft) = (f64::from(sr), n_fft_of(s.ncols()));
    let (n_frames, n_bins) = s.dim();
    out.clear();
    // Frames are taken ROLLOFF_LANES at a time: each running sum is one chain of dependent f32
    // additions (the order librosa's cumsum fixes), so interleaved chains run side by side.
    // One pass finds the totals, and keeps, for each of at most ROLLOFF_CHUNKS chunks of bins,
    // the running sums before the chunk and their largest value within it; the first bin at
    // the threshold then lies in the first chunk whose largest sum reaches it, and is found by
    // resuming that lane's sum from the chunk's start: the same additions, so the same bin.
    let stride = n_bins.div_ceil(ROLLOFF_CHUNKS).max(1);
    let chunks = n_bins.div_ceil(stride);
    let mut start = [[0.0f32; ROLLOFF_LANES]; ROLLOFF_CHUNKS];
    let mut peak = [[0.0f32; ROLLOFF_LANES]; ROLLOFF_CHUNKS];
    for t0 in (0..n_frames).step_by(ROLLOFF_LANES) {
        let used = ROLLOFF_LANES.min(n_frames - t0);
        // Lanes past the last frame repeat it; their results are dropped.
        let frames: [&[f32]; ROLLOFF_LANES] =
            std::array::from_fn(|l| &row(&s, t0 + l.min(used - 1))[..n_bins]);
        let mut sum = [0.0f32; ROLLOFF_LANES];
        for c in 0..chunks {
            start[c] = sum;
            let mut most = [f32::NEG_INFINITY; ROLLOFF_LANES];
            for k in c * stride..((c + 1) * stride).min(n_bins) {
                let x = frames.map(|frame| frame[k]);
                for l in 0..ROLLOFF_LANES {
                    sum[l] += x[l];
                    most[l] = if sum[l] > most[l] { sum[l] } else { most[l] };
                }
            }
            peak[c] = most;
        }
        let last = n_bins.saturating_sub(1);
        for l in 0..used {
            let limit = roll_percent * sum[l];
            let bin = (0..chunks).find(|&c| peak[c][l] >= limit).and_then(|c| {
                let mut running = start[c][l];
                (c * stride..n_bins).find(|&k| {
                    running += frames[l][k];
                    running >= limit
                })
            });
            out.push(fft_frequency(bin.unwrap_or(last), sr, n_fft));
        }
    }
}

/// Frames whose roll-off sums advance together.
const ROLLOFF_LANES: usize = 8;

/// The most chunks [`spectral_rolloff`] cuts a frame's bins into.
const ROLLOFF_CHUNKS: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{SIGNALS, assert_close, magnitude_spectrogram, reference};

    #[test]
    fn centroid_bandwidth_rolloff_match_librosa_on_every_signal() {
        let (mut c, mut b, mut r) = (Vec::new(), Vec::new(), Vec::new());
        for name in SIGNALS {
            let s = magnitude_spectrogram(name);
            spectral_centroid(s.view(), 22050.0, &mut c);
            spectral_bandwidth(s.view(), 22050.0, &c, &mut b);
            spectral_rolloff(s.view(), 22050.0, 0.85, &mut r);
            // Ratios of f64 sums of the same float32 spectrum: librosa normalises in float32
            // first, which costs it ~1e-7 relative. Silent frames are 0 on both sides.
            assert_close(name, &c, &reference(name, "centroid").data, 1e-6, 1e-9);
            assert_close(name, &b, &reference(name, "bandwidth").data, 1e-6, 1e-9);
            // Roll-off is a bin frequency chosen by float32 running sums that mirror numpy's
            // cumsum: the same bin, exactly.
            assert_eq!(r, reference(name, "rolloff").data, "{name}");
        }
    }

    #[test]
    fn one_pass_equals_centroid_then_bandwidth() {
        let (mut c, mut b, mut c1, mut b1) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for name in SIGNALS {
            let s = magnitude_spectrogram(name);
            spectral_centroid(s.view(), 22050.0, &mut c);
            spectral_bandwidth(s.view(), 22050.0, &c, &mut b);
            spectral_centroid_bandwidth(s.view(), 22050.0, &mut c1, &mut b1);
            assert_eq!((&c, &b), (&c1, &b1), "{name}");
        }
    }

    #[test]
    fn bandwidth_about_any_centre_is_the_direct_sum() {
        let s = magnitude_spectrogram("chirp");
        let bin_hz = bin_width(22050.0, 2048);
        for t in [0, 7, 40] {
            let frame = row(&s.view(), t).to_vec();
            let total: f64 = frame.iter().map(|&v| f64::from(v)).sum();
            for c in [0.0, 440.0, 3000.0, 11025.0] {
                let direct: f64 = frame
                    .iter()
                    .enumerate()
                    .map(|(k, &v)| f64::from(v) * (k as f64 * bin_hz - c).powi(2))
                    .sum::<f64>();
                let want = (direct / total).sqrt();
                let got = bandwidth_of(moments(&frame), bin_hz, c);
                assert!(
                    (got - want).abs() <= 1e-9 * want,
                    "frame {t} c {c}: {got} {want}"
                );
            }
        }
    }

    /// The chunked roll-off search against librosa's definition applied frame by frame (one
    /// f32 running sum, the first bin where it reaches the threshold), bin for bin: frame
    /// counts that are not multiples of the lanes, bin counts around the chunk sizes, and
    /// frames with zeros and negative values, whose running sums are not monotone.
    #[test]
    fn chunked_rolloff_finds_the_first_bin_of_the_running_sum() {
        let mut seed = 0x5851_f42d_4c95_7f2du64;
        let mut next = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            (seed >> 40) as f32 / (1u64 << 24) as f32
        };
        for n_bins in [1, 2, 3, 63, 64, 65, 200, 1025, 3000] {
            for n_frames in [1, 7, 8, 9, 20] {
                let mut data: Vec<f32> = (0..n_frames * n_bins)
                    .map(|i| match i % 5 {
                        0 => 0.0,
                        1 if i % 3 == 0 => -next(),
                        _ => next().powi(4) * 100.0,
                    })
                    .collect();
                if n_bins >= 4 {
                    // The sum reaches the threshold at bin 1 and falls back below it within
                    // the same chunk; the rest of the total comes at the last bin.
                    let first = &mut data[..n_bins];
                    first.fill(0.0);
                    first[1] = 9.0;
                    first[2] = -9.0;
                    first[n_bins - 1] = 10.0;
                }
                let s = ArrayView2::from_shape((n_frames, n_bins), &data).expect("shape");
                let mut got = Vec::new();
                spectral_rolloff(s, 22050.0, 0.85, &mut got);
                let n_fft = n_fft_of(n_bins);
                for (t, frame) in data.chunks(n_bins).enumerate() {
                    let total = frame.iter().fold(0.0f32, |a, &x| a + x);
                    let limit = 0.85 * total;
                    let mut running = 0.0f32;
                    let bin = frame
                        .iter()
                        .position(|&x| {
                            running += x;
                            running >= limit
                        })
                        .unwrap_or(n_bins - 1);
                    let want = fft_frequency(bin, 22050.0, n_fft);
                    // Bits: one bin has no frequency (NaN), which must still match.
                    assert_eq!(
                        got[t].to_bits(),
                        want.to_bits(),
                        "{n_bins} bins, frame {t} of {n_frames}"
                    );
                }
            }
        }
    }

    #[test]
    fn silent_frames_give_zero() {
        let s = ndarray::Array2::<f32>::zeros((3, 1025));
        let (mut c, mut b, mut r) = (Vec::new(), Vec::new(), Vec::new());
        spectral_centroid(s.view(), 22050.0, &mut c);
        spectral_bandwidth(s.view(), 22050.0, &c, &mut b);
        spectral_rolloff(s.view(), 22050.0, 0.85, &mut r);
        assert_eq!((c, b, r), (vec![0.0; 3], vec![0.0; 3], vec![0.0; 3]));
    }
}
