//! Streaming mono resampler: rubato's synchronous FFT resampler with its delay trimmed, so that
//! the output lines up with the input and has librosa's length.

use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler, WindowFunction};

/// Input frames per resampler call; with one sub-chunk this is also (about) the FFT block on
/// the input side. The block length sets the anti-aliasing filter's transition band. librosa
/// 0.11 resamples with soxr "HQ", whose transition band is wide; 768 matched it best on the
/// shared 44.1 kHz Ogg files (tried 256 to 65536; see fixtures/generate/resample_check.py):
/// below 8 kHz the outputs agree to ~130 dB SNR, over the full band to 56-75 dB.
const CHUNK_FRAMES: usize = 768;

/// Sub-chunks per chunk. One keeps the FFT block as long as the chunk.
///
/// The resampler runs with `FixedSync::Both`, so each call is exactly one FFT block.
const SUB_CHUNKS: usize = 1;

/// Resamples a mono stream from `rate_in` to `rate_out`, pushed block by block.
///
/// The output has `ceil(n_in * rate_out / rate_in)` samples, as `librosa.resample` (which
/// mirrors `soxr.resample` then `librosa.util.fix_length`), and starts at the same instant as
/// the input (the resampler's delay of `output_delay()` frames is dropped). When the rates are
/// equal the samples pass through untouched.
pub(crate) struct StreamResampler {
    inner: Option<Inner>,
    rate_in: u64,
    rate_out: u64,
    n_in: u64,
    n_out: u64,
}

struct Inner {
    fft: Fft<f32>,
    chunk_in: usize,
    input: Vec<f32>,
    output: Vec<f32>,
    delay_left: usize,
}

/// The input chunk: the smallest whole number of minimal blocks (`rate / gcd`) that reaches
/// `CHUNK_FRAMES`, plus one block when that would make the output block odd.
///
/// rubato 5.0.1's `output_delay()` (half the output block) is exact only for even output
/// blocks: with 8 kHz or 48 kHz input to 22.05 kHz (odd blocks of 2205 and 441 samples) the
/// output lagged 221 samples behind what `output_delay()` reported.
fn even_block_chunk(rate_in: u32, rate_out: u32) -> usize {
    let (a, b) = (rate_in as usize, rate_out as usize);
    let g = gcd(a, b);
    let (min_in, min_out) = (a / g, b / g);
    let mut blocks = CHUNK_FRAMES.div_ceil(min_in).max(1);
    if (blocks * min_out) % 2 == 1 {
        blocks += 1;
    }
    blocks * min_in
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl StreamResampler {
    /// A resampler from `rate_in` to `rate_out` Hz.
    ///
    /// # Panics
    ///
    /// Panics if either rate is 0 (callers validate rates first).
    pub(crate) fn new(rate_in: u32, rate_out: u32) -> Result<StreamResampler, String> {
        assert!(
            rate_in > 0 && rate_out > 0,
            "rates must be positive: {rate_in} -> {rate_out}"
        );
        let inner = if rate_in == rate_out {
            None
        } else {
            let fft = Fft::<f32>::new_custom(
                rate_in as usize,
                rate_out as usize,
                even_block_chunk(rate_in, rate_out),
                SUB_CHUNKS,
                1,
                WindowFunction::BlackmanHarris2,
                FixedSync::Both,
            )
            .map_err(|e| e.to_string())?;
            let chunk_in = fft.input_frames_next();
            let out_len = fft.output_frames_max();
            let delay_left = fft.output_delay();
            Some(Inner {
                fft,
                chunk_in,
                input: Vec::with_capacity(chunk_in),
                output: vec![0.0; out_len],
                delay_left,
            })
        };
        Ok(StreamResampler {
            inner,
            rate_in: u64::from(rate_in),
            rate_out: u64::from(rate_out),
            n_in: 0,
            n_out: 0,
        })
    }

    /// Resamples `samples` and appends whatever output is ready to `out`.
    pub(crate) fn push(&mut self, mut samples: &[f32], out: &mut Vec<f32>) {
        self.n_in += samples.len() as u64;
        let Some(inner) = self.inner.as_mut() else {
            out.extend_from_slice(samples);
            self.n_out += samples.len() as u64;
            return;
        };
        while !samples.is_empty() {
            let take = (inner.chunk_in - inner.input.len()).min(samples.len());
            inner.input.extend_from_slice(&samples[..take]);
            samples = &samples[take..];
            if inner.input.len() == inner.chunk_in {
                self.n_out += inner.run(None, out, u64::MAX).1;
                inner.input.clear();
            }
        }
    }

    /// Flushes the tail: after this, `out` has received exactly
    /// `ceil(n_in * rate_out / rate_in)` samples in total.
    pub(crate) fn finish(&mut self, out: &mut Vec<f32>) {
        let expected = (u128::from(self.n_in) * u128::from(self.rate_out))
            .div_ceil(u128::from(self.rate_in)) as u64;
        let Some(inner) = self.inner.as_mut() else {
            return;
        };
        let partial = inner.input.len();
        inner.input.resize(inner.chunk_in, 0.0);
        let mut partial_len = Some(partial);
        while self.n_out < expected {
            let room = expected - self.n_out;
            let (produced, appended) = inner.run(partial_len, out, room);
            self.n_out += appended;
            if produced == 0 {
                // Cannot happen with a working resampler; never loop forever on it.
                break;
            }
            // After the partial chunk, pump silence until the delayed tail is out.
            partial_len = Some(0);
        }
        inner.input.clear();
    }

    /// Target-rate samples emitted so far.
    #[cfg(test)]
    pub(crate) fn emitted(&self) -> u64 {
        self.n_out
    }
}

impl Inner {
    /// Runs one chunk through the FFT resampler, drops the remaining startup delay and appends
    /// at most `room` samples to `out`; returns (frames produced, samples appended).
    fn run(&mut self, partial_len: Option<usize>, out: &mut Vec<f32>, room: u64) -> (usize, u64) {
        let indexing = Indexing {
            input_offset: 0,
            output_offset: 0,
            partial_len,
            active_channels_mask: None,
        };
        let out_cap = self.output.len();
        // The adapters are sized from our own buffers, so they cannot fail; an error here would
        // be a bug in this module, and skipping the chunk is the safe reaction.
        let (Ok(input), Ok(mut output)) = (
            InterleavedSlice::new(&self.input, 1, self.chunk_in),
            InterleavedSlice::new_mut(&mut self.output, 1, out_cap),
        ) else {
            return (0, 0);
        };
        let Ok((_, produced)) = self
            .fft
            .process_into_buffer(&input, &mut output, Some(&indexing))
        else {
            return (0, 0);
        };
        let skip = self.delay_left.min(produced);
        self.delay_left -= skip;
        let avail = (produced - skip) as u64;
        let take = avail.min(room) as usize;
        out.extend_from_slice(&self.output[skip..skip + take]);
        (produced, take as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn resample_all(x: &[f32], rate_in: u32, rate_out: u32, block: usize) -> Vec<f32> {
        let mut r = StreamResampler::new(rate_in, rate_out).unwrap();
        let mut out = Vec::new();
        for b in x.chunks(block) {
            r.push(b, &mut out);
        }
        r.finish(&mut out);
        assert_eq!(r.emitted(), out.len() as u64);
        out
    }

    fn tone(freq: f64, rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (2.0 * PI * freq * i as f64 / f64::from(rate)).sin() as f32)
            .collect()
    }

    #[test]
    fn equal_rates_pass_through_bit_exact() {
        let x: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        assert_eq!(resample_all(&x, 22050, 22050, 77), x);
    }

    #[test]
    fn length_is_ceil_of_ratio() {
        for &(n, rin) in &[
            (1usize, 44100u32),
            (999, 44100),
            (44101, 44100),
            (12345, 48000),
            (8000, 8000),
            (5, 8000),
            (100_000, 96000),
        ] {
            let x = vec![0.25f32; n];
            let y = resample_all(&x, rin, 22050, 1000);
            let expected = (n as u64 * 22050).div_ceil(u64::from(rin)) as usize;
            assert_eq!(y.len(), expected, "n={n} rate={rin}");
        }
    }

    #[test]
    fn block_size_does_not_change_the_output() {
        let x = tone(440.0, 44100, 30_000);
        let a = resample_all(&x, 44100, 22050, 30_000);
        let b = resample_all(&x, 44100, 22050, 333);
        assert_eq!(a, b);
    }

    /// A 1 kHz tone at 44.1 kHz resampled to 22.05 kHz matches the ideal 1 kHz tone at
    /// 22.05 kHz, sample for sample (no delay left), away from the edges.
    #[test]
    fn tone_44100_to_22050_matches_ideal() {
        let x = tone(1000.0, 44100, 44100 * 2);
        let y = resample_all(&x, 44100, 22050, 1024);
        let ideal = tone(1000.0, 22050, y.len());
        let edge = 2048;
        let max_err = y[edge..y.len() - edge]
            .iter()
            .zip(&ideal[edge..y.len() - edge])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(max_err < 1e-5, "max error {max_err}");
    }

    /// A 1 kHz tone at many input rates comes out as the ideal 1 kHz tone at 22.05 kHz with no
    /// shift: the delay is trimmed exactly for odd and even block sizes.
    #[test]
    fn tone_at_many_rates_has_no_shift() {
        for rate in [8000u32, 11025, 16000, 32000, 48000, 96000, 192000] {
            let x = tone(1000.0, rate, rate as usize);
            let y = resample_all(&x, rate, 22050, 1000);
            let ideal = tone(1000.0, 22050, y.len());
            let edge = 2205;
            let max_err = y[edge..y.len() - edge]
                .iter()
                .zip(&ideal[edge..y.len() - edge])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(max_err < 1e-5, "rate {rate}: max error {max_err}");
        }
    }
}
