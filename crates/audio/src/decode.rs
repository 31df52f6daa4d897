//! Opening a file with symphonia and turning its packets into mono samples at the target rate.
//!
//! The chain is format reader → packet → decoder → interleaved f32 → mean of channels →
//! [`StreamResampler`]. Every buffer on the way is owned here and reused from packet to packet.

use std::fs::File;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, Track, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

use crate::error::AudioError;
use crate::options::{DecodeOptions, SnippetOptions};
use crate::resample::StreamResampler;
use crate::snippet_stream::Snippets;
use crate::tags::Tags;

/// Lowest source sample rate accepted, in Hz (telephone audio is 8000 Hz).
const MIN_SOURCE_RATE: u32 = 1000;
/// Highest source sample rate accepted, in Hz (4 x 192 kHz covers every studio format).
const MAX_SOURCE_RATE: u32 = 768_000;

/// What the container says about the audio, before decoding it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceInfo {
    /// Container format, symphonia's short name (`wav`, `mp3`, `flac`, `ogg`, `isomp4`, ...).
    pub container: String,
    /// Codec, symphonia's short name (`pcm_s16le`, `mp3`, `vorbis`, `aac`, `alac`, ...).
    pub codec: String,
    /// Number of channels, when the container states it.
    pub channels: Option<usize>,
    /// Sample rate of the file, in Hz.
    pub sample_rate: u32,
    /// Duration in seconds, when the container states it.
    pub duration_seconds: Option<f64>,
    /// Title, artist, album and genre tags.
    pub tags: Tags,
}

/// A whole track decoded to mono at the target rate.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedAudio {
    /// Mono samples at `sample_rate`.
    pub samples: Vec<f32>,
    /// The target sample rate, in Hz.
    pub sample_rate: u32,
    /// Packets that could not be decoded and were skipped.
    pub skipped_packets: usize,
    /// Channels in the source (of the last decoded packet).
    pub source_channels: usize,
}

impl DecodedAudio {
    /// Duration in seconds: `samples.len() / sample_rate`.
    pub fn duration_seconds(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate)
    }
}

/// An opened, probed audio file, ready to be decoded once (into snippets or whole).
pub struct AudioFile {
    info: SourceInfo,
    pipeline: Pipeline,
}

impl std::fmt::Debug for AudioFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioFile")
            .field("path", &self.pipeline.path)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl AudioFile {
    /// Opens `path`, detects its container and codec, and reads its tags.
    ///
    /// The extension is only a hint: a WAV named `.mp3` still opens as WAV.
    pub fn open(path: &Path, opts: &DecodeOptions) -> Result<AudioFile, AudioError> {
        let file = File::open(path).map_err(|source| AudioError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_source(Box::new(file), path, opts)
    }

    /// Opens audio held in memory; `name` is used in error messages and as a format hint.
    pub fn from_bytes(
        bytes: Vec<u8>,
        name: &Path,
        opts: &DecodeOptions,
    ) -> Result<AudioFile, AudioError> {
        Self::from_source(Box::new(Cursor::new(bytes)), name, opts)
    }

    fn from_source(
        source: Box<dyn MediaSource>,
        path: &Path,
        opts: &DecodeOptions,
    ) -> Result<AudioFile, AudioError> {
        let mss = MediaSourceStream::new(source, Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let mut format = symphonia::default::get_probe()
            .probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| AudioError::from_probe(path, e))?;

        let track = pick_track(format.as_ref(), path)?;
        let track_id = track.id;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| AudioError::NoAudioTrack {
                path: path.to_path_buf(),
            })?
            .clone();
        let sample_rate = params.sample_rate.ok_or_else(|| AudioError::Unsupported {
            path: path.to_path_buf(),
            detail: "the stream does not state its sample rate".into(),
            source: None,
        })?;
        if !(MIN_SOURCE_RATE..=MAX_SOURCE_RATE).contains(&sample_rate) {
            return Err(AudioError::Unsupported {
                path: path.to_path_buf(),
                detail: format!(
                    "sample rate {sample_rate} Hz is outside {MIN_SOURCE_RATE}..={MAX_SOURCE_RATE} Hz"
                ),
                source: None,
            });
        }
        let duration_seconds = track_duration(track, sample_rate);
        let channels = params.channels.as_ref().map(|c| c.count());

        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| match e {
                SymphoniaError::Unsupported(what) => AudioError::Unsupported {
                    path: path.to_path_buf(),
                    detail: format!("codec: {what}"),
                    source: Some(e),
                },
                other => AudioError::Corrupt {
                    path: path.to_path_buf(),
                    detail: format!("bad codec parameters: {other}"),
                    source: Some(other),
                },
            })?;

        let mut tags = Tags::default();
        if let Some(rev) = format.metadata().skip_to_latest() {
            tags.fill_from(rev);
        }

        let info = SourceInfo {
            container: format.format_info().short_name.to_string(),
            codec: decoder.codec_info().short_name.to_string(),
            channels,
            sample_rate,
            duration_seconds,
            tags,
        };
        let resampler =
            StreamResampler::new(sample_rate, opts.target_sample_rate()).map_err(|detail| {
                AudioError::Unsupported {
                    path: path.to_path_buf(),
                    detail: format!("cannot resample {sample_rate} Hz: {detail}"),
                    source: None,
                }
            })?;
        let pipeline = Pipeline {
            path: path.to_path_buf(),
            format,
            decoder,
            track_id,
            source_rate: sample_rate,
            target_rate: opts.target_sample_rate(),
            min_duration: opts.min_duration(),
            interleaved: Vec::new(),
            mono: Vec::new(),
            resampler,
            skipped: 0,
            decoded_frames: 0,
            channels: channels.unwrap_or(0),
            emitted: 0,
            ended: false,
            timings: StreamTimings::default(),
        };
        Ok(AudioFile { info, pipeline })
    }

    /// What the container says about the audio: codec, channels, rate, duration, tags.
    pub fn info(&self) -> &SourceInfo {
        &self.info
    }

    /// Decodes the file as a stream of snippets (see [`crate::snippet_plan`] for the rule).
    ///
    /// Each snippet is yielded as soon as it is known to be complete, so memory stays bounded
    /// by about 1.5 snippets whatever the track length.
    pub fn snippets(self, opts: &SnippetOptions) -> Snippets {
        let len = opts.length_samples(self.pipeline.target_rate);
        Snippets::new(self.pipeline, len)
    }

    /// Decodes the whole track to mono `f32` at the target rate, as `librosa.load(path, sr=...)`
    /// (mono=True: mean of the channels, then resampling).
    pub fn decode_all(self) -> Result<DecodedAudio, AudioError> {
        let mut pipeline = self.pipeline;
        let mut samples = Vec::new();
        if let Some(d) = self.info.duration_seconds {
            // A hint only: cap it so a lying header cannot reserve gigabytes up front.
            let est = (d * f64::from(pipeline.target_rate)).clamp(0.0, 1e8) as usize;
            samples.reserve(est + 1);
        }
        while pipeline.fill(&mut samples)? {}
        pipeline.check_length()?;
        Ok(DecodedAudio {
            samples,
            sample_rate: pipeline.target_rate,
            skipped_packets: pipeline.skipped,
            source_channels: pipeline.channels,
        })
    }
}

/// The default audio track, or a typed error saying why there is none.
fn pick_track<'a>(format: &'a dyn FormatReader, path: &Path) -> Result<&'a Track, AudioError> {
    if let Some(track) = format.default_track(TrackType::Audio) {
        return Ok(track);
    }
    if format.first_track(TrackType::Audio).is_some() {
        return Err(AudioError::Unsupported {
            path: path.to_path_buf(),
            detail: "the audio track's codec is not supported".into(),
            source: None,
        });
    }
    Err(AudioError::NoAudioTrack {
        path: path.to_path_buf(),
    })
}

/// Track duration in seconds: `num_frames / sample_rate`, else the container's duration.
fn track_duration(track: &Track, sample_rate: u32) -> Option<f64> {
    if let Some(n) = track.num_frames {
        return Some(n as f64 / f64::from(sample_rate));
    }
    let tb = track.time_base?;
    let dur = track.duration?;
    tb.calc_duration(dur).map(|t| t.as_secs_f64())
}

/// The decode chain of one file; `fill` moves one packet through it.
pub(crate) struct Pipeline {
    pub(crate) path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    source_rate: u32,
    pub(crate) target_rate: u32,
    min_duration: f64,
    interleaved: Vec<f32>,
    mono: Vec<f32>,
    resampler: StreamResampler,
    pub(crate) skipped: usize,
    decoded_frames: u64,
    pub(crate) channels: usize,
    /// Target-rate samples appended to callers' buffers so far.
    pub(crate) emitted: usize,
    ended: bool,
    /// Wall time spent decoding and resampling so far.
    pub(crate) timings: StreamTimings,
}

/// Wall-clock time a decoding stream has spent so far, split into decoding and resampling
/// (see [`crate::Snippets::timings`]).
///
/// `decode` covers reading packets from the container, decoding them, and downmixing to mono;
/// `resample` covers rubato's resampler (a plain copy when the file is already at the target
/// rate). Each is summed over packets with [`Instant`], which costs a few tens of nanoseconds
/// per packet. Time spent by the caller between snippets is in neither.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamTimings {
    /// Reading, decoding and downmixing packets.
    pub decode: Duration,
    /// Resampling to the target rate.
    pub resample: Duration,
}

impl Pipeline {
    /// Decodes the next packet of the track and appends its mono, resampled samples to `out`.
    ///
    /// Returns `Ok(false)` once the stream has ended (the resampler's tail is flushed into
    /// `out` on that call). Packets the decoder rejects as malformed are skipped and counted,
    /// as symphonia documents for `AudioDecoder::decode`; other errors stop decoding.
    pub(crate) fn fill(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        if self.ended {
            return Ok(false);
        }
        let before = out.len();
        let start = Instant::now();
        let resampled_before = self.timings.resample;
        let more = self.step(out);
        // `step` adds its resampling time to `timings.resample`; the rest of the call decoded.
        let resampling = self.timings.resample.saturating_sub(resampled_before);
        self.timings.decode += start.elapsed().saturating_sub(resampling);
        self.emitted += out.len() - before;
        more
    }

    fn step(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        let packet = match self.format.next_packet() {
            Ok(Some(packet)) => packet,
            // ResetRequired: a chained Ogg stream starts a new track; we analyze the first.
            Ok(None) | Err(SymphoniaError::ResetRequired) => return self.end(out),
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return self.end(out);
            }
            Err(SymphoniaError::IoError(source)) => {
                return Err(AudioError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
            Err(e) => {
                if self.decoded_frames > 0 {
                    // A damaged tail after good audio: keep what was decoded, as players do.
                    self.skipped += 1;
                    return self.end(out);
                }
                return Err(AudioError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("cannot read packets: {e}"),
                    source: Some(e),
                });
            }
        };
        if packet.track_id != self.track_id {
            return Ok(true);
        }
        let buf = match self.decoder.decode(&packet) {
            Ok(buf) => buf,
            Err(SymphoniaError::DecodeError(_)) | Err(SymphoniaError::IoError(_)) => {
                self.skipped += 1;
                return Ok(true);
            }
            Err(e @ SymphoniaError::Unsupported(_)) => {
                return Err(AudioError::Unsupported {
                    path: self.path.clone(),
                    detail: format!("codec feature: {e}"),
                    source: Some(e),
                });
            }
            Err(e) => {
                return Err(AudioError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("decoder stopped: {e}"),
                    source: Some(e),
                });
            }
        };
        let spec = buf.spec();
        let channels = spec.channels().count();
        if spec.rate() != self.source_rate || channels == 0 {
            // A packet at another rate (damaged MP3 headers do this) cannot join the stream.
            self.skipped += 1;
            return Ok(true);
        }
        self.channels = channels;
        buf.copy_to_vec_interleaved(&mut self.interleaved);
        downmix(&self.interleaved, channels, &mut self.mono);
        self.decoded_frames += self.mono.len() as u64;
        let start = Instant::now();
        self.resampler.push(&self.mono, out);
        self.timings.resample += start.elapsed();
        Ok(true)
    }

    fn end(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        self.ended = true;
        if self.decoded_frames == 0 && self.skipped > 0 {
            return Err(AudioError::Corrupt {
                path: self.path.clone(),
                detail: format!(
                    "none of its {} audio packets could be decoded",
                    self.skipped
                ),
                source: None,
            });
        }
        let start = Instant::now();
        self.resampler.finish(out);
        self.timings.resample += start.elapsed();
        Ok(false)
    }

    /// Fails with [`AudioError::TooShort`] when fewer than the minimum seconds were decoded.
    pub(crate) fn check_length(&self) -> Result<(), AudioError> {
        let seconds = self.emitted as f64 / f64::from(self.target_rate);
        if self.emitted == 0 || seconds < self.min_duration {
            return Err(AudioError::TooShort {
                path: self.path.clone(),
                seconds,
                min_seconds: self.min_duration,
            });
        }
        Ok(())
    }
}

/// Largest sample magnitude passed on. Float files can hold any value; clamping keeps every
/// FFT sum in the resampler finite (a 768000-point block of 1e6 sums to < 1e12).
const MAX_MAGNITUDE: f32 = 1.0e6;

/// Mean of the channels of interleaved `frames`, as `librosa.to_mono` (`np.mean(y, axis=0)`):
/// the channel samples are summed in `f32`, in channel order, then divided by the channel count.
/// One channel is copied unchanged.
///
/// Then each sample is made safe for the resampler: NaN becomes 0 and magnitudes are clamped to
/// `MAX_MAGNITUDE` (rubato's FFT resampler panics on NaN or infinity). Integer PCM is always
/// within [-1, 1], so this never changes decoded integer audio.
fn downmix(interleaved: &[f32], channels: usize, mono: &mut Vec<f32>) {
    mono.clear();
    if channels == 1 {
        mono.extend(interleaved.iter().map(|&x| sanitize(x)));
        return;
    }
    let n = channels as f32;
    mono.extend(
        interleaved
            .chunks_exact(channels)
            .map(|frame| sanitize(frame.iter().sum::<f32>() / n)),
    );
}

/// NaN → 0, everything else clamped to ±`MAX_MAGNITUDE` (infinities included).
fn sanitize(x: f32) -> f32 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(-MAX_MAGNITUDE, MAX_MAGNITUDE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downmix_is_channel_mean() {
        let mut mono = Vec::new();
        downmix(&[1.0, 0.0, 0.5, 0.25, -1.0, 1.0], 2, &mut mono);
        assert_eq!(mono, vec![0.5, 0.375, 0.0]);
        downmix(&[0.1, 0.2, 0.3], 3, &mut mono);
        assert_eq!(mono, vec![(0.1f32 + 0.2 + 0.3) / 3.0]);
        downmix(&[0.1, 0.2, 0.3], 1, &mut mono);
        assert_eq!(mono, vec![0.1, 0.2, 0.3]);
    }

    /// Regression (found by fuzz/decode_snippets): a float WAV holding NaN or infinity made
    /// rubato's FFT resampler panic ("Imaginary part of first value was non-zero").
    #[test]
    fn non_finite_samples_are_made_safe() {
        let mut mono = Vec::new();
        downmix(
            &[f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 3e38, 0.5],
            1,
            &mut mono,
        );
        assert_eq!(mono, vec![0.0, 1.0e6, -1.0e6, 1.0e6, 0.5]);
        downmix(
            &[f32::NAN, 1.0, f32::INFINITY, f32::NEG_INFINITY],
            2,
            &mut mono,
        );
        assert_eq!(mono, vec![0.0, 0.0]);
    }
}
