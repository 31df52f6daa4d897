//! Every generated fixture decodes with the channels, rate, length and tags the generator
//! recorded in fixtures/audio/manifest.json; every bad input gives its typed error (or decodes,
//! for the edge cases that are valid audio). Regenerate with fixtures/generate/make_fixtures.py.

// Test helpers outside #[test] functions unwrap too; a panic is a test failure here.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use genrekit_audio::{AudioFile, DecodeOptions, ErrorKind, SnippetOptions, snippet_plan};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

fn fixture(dir: &str, name: &str) -> PathBuf {
    Path::new(FIXTURES).join(dir).join(name)
}

/// `ceil(frames * 22050 / rate)`: the length librosa.load gives after resampling.
fn resampled_len(frames: u64, rate: u64) -> usize {
    (frames * 22050).div_ceil(rate) as usize
}

#[test]
fn every_fixture_matches_the_manifest() {
    let text = std::fs::read_to_string(fixture("audio", "manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entries = manifest.as_object().unwrap();
    assert!(entries.len() >= 15);
    for (name, want) in entries {
        let path = fixture("audio", name);
        let channels = want["channels"].as_u64().unwrap() as usize;
        let rate = want["sample_rate"].as_u64().unwrap();
        let frames = want["frames"].as_u64().unwrap();
        let tol = want["tolerance_frames"].as_u64().unwrap();

        let file =
            AudioFile::open(&path, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let info = file.info().clone();
        assert_eq!(info.sample_rate as u64, rate, "{name}");
        assert_eq!(info.channels, Some(channels), "{name}");
        for key in ["title", "artist", "album", "genre"] {
            let got = match key {
                "title" => &info.tags.title,
                "artist" => &info.tags.artist,
                "album" => &info.tags.album,
                _ => &info.tags.genre,
            };
            assert_eq!(got.as_deref(), want["tags"][key].as_str(), "{name} {key}");
        }
        let audio = file.decode_all().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(audio.source_channels, channels, "{name}");
        assert_eq!(audio.skipped_packets, 0, "{name}");
        let expected = resampled_len(frames, rate);
        let slack = resampled_len(tol, rate) + usize::from(tol > 0);
        assert!(
            audio.samples.len().abs_diff(expected) <= slack,
            "{name}: {} samples, expected {expected} +/- {slack}",
            audio.samples.len()
        );
        assert!(audio.samples.iter().all(|x| x.is_finite()), "{name}");
        if tol == 0 {
            eprintln!("{name}: {} samples (exact)", audio.samples.len());
        }
    }
}

/// 44.1 kHz stereo (24-bit WAV) resamples to ceil(n / 2) samples, +/- 1.
#[test]
fn stereo_44100_resamples_to_expected_length() {
    let path = fixture("audio", "chirp_stereo_44100_s24.wav");
    let audio = AudioFile::open(&path, &DecodeOptions::default())
        .unwrap()
        .decode_all()
        .unwrap();
    let n = (44100.0f64 * 1.1).round() as u64;
    assert!(audio.samples.len().abs_diff(resampled_len(n, 44100)) <= 1);
}

/// The streaming snippets equal the whole decode cut by `snippet_plan`.
#[test]
fn snippets_follow_the_plan_and_equal_decode_all() {
    let path = fixture("audio", "clicks120_mono_16000_f32.wav");
    let opts = SnippetOptions::default().length_seconds(0.3);
    let whole = AudioFile::open(&path, &DecodeOptions::default())
        .unwrap()
        .decode_all()
        .unwrap();
    let mut stream = AudioFile::open(&path, &DecodeOptions::default())
        .unwrap()
        .snippets(&opts);
    let snippets: Vec<_> = stream.by_ref().map(|s| s.unwrap()).collect();
    assert_eq!(stream.total_samples(), whole.samples.len());
    assert_eq!(stream.skipped_packets(), 0);
    let plan = snippet_plan(whole.samples.len(), 22050, &opts);
    assert_eq!(snippets.len(), plan.len());
    for (s, r) in snippets.iter().zip(&plan) {
        assert_eq!(s.range(), *r);
        assert_eq!(s.samples, whole.samples[r.clone()]);
    }
}

/// The stream's timings start at zero and account for decoding and (16 kHz to 22.05 kHz)
/// resampling once it has run; no threshold on how long anything takes.
#[test]
fn snippet_stream_records_decode_and_resample_time() {
    let path = fixture("audio", "clicks120_mono_16000_f32.wav");
    let mut stream = AudioFile::open(&path, &DecodeOptions::default())
        .unwrap()
        .snippets(&SnippetOptions::default());
    assert_eq!(stream.timings(), genrekit_audio::StreamTimings::default());
    for s in stream.by_ref() {
        s.unwrap();
    }
    let t = stream.timings();
    assert!(t.decode > std::time::Duration::ZERO, "{t:?}");
    assert!(t.resample > std::time::Duration::ZERO, "{t:?}");
}

/// Decodes a bad input: `Ok(samples)` or the error's kind.
fn decode_bad(name: &str) -> Result<usize, ErrorKind> {
    let path = fixture("bad", name);
    let file = AudioFile::open(&path, &DecodeOptions::default()).map_err(|e| {
        assert!(e.to_string().starts_with(path.to_str().unwrap()), "{e}");
        e.kind()
    })?;
    let audio = file.decode_all().map_err(|e| {
        assert!(e.to_string().starts_with(path.to_str().unwrap()), "{e}");
        eprintln!("{e}");
        e.kind()
    })?;
    Ok(audio.samples.len())
}

#[test]
fn bad_inputs_give_typed_errors() {
    assert_eq!(decode_bad("empty.wav"), Err(ErrorKind::Unsupported));
    assert_eq!(decode_bad("random_bytes.mp3"), Err(ErrorKind::Unsupported));
    assert_eq!(decode_bad("text.wav"), Err(ErrorKind::Unsupported));
    assert_eq!(decode_bad("header_only.wav"), Err(ErrorKind::TooShort));
    assert_eq!(decode_bad("one_ms.wav"), Err(ErrorKind::TooShort));
    assert_eq!(decode_bad("rate_500hz.wav"), Err(ErrorKind::Unsupported));
    assert_eq!(
        decode_bad("truncated_300_bytes.mp3"),
        Err(ErrorKind::TooShort)
    );
    let missing = AudioFile::open(
        &fixture("bad", "no_such_file.wav"),
        &DecodeOptions::default(),
    );
    assert_eq!(
        missing.map(|_| ()).map_err(|e| e.kind()),
        Err(ErrorKind::Io)
    );
}

#[test]
fn edge_inputs_decode() {
    // The header promises 3 s; the 1.5 s that are there decode.
    assert_eq!(decode_bad("promises_more.wav"), Ok(33075));
    assert_eq!(decode_bad("silent.wav"), Ok(44100));
    assert_eq!(
        decode_bad("eight_channels.wav"),
        Ok(resampled_len(8800, 8000))
    );
    // Half of a 3 s MP3, cut inside a frame: about 1.5 s.
    let n = decode_bad("truncated.mp3").unwrap();
    assert!(n.abs_diff(33075) < 1152, "{n}");
}

#[test]
fn corrupt_middle_of_mp3_is_skipped() {
    let path = fixture("bad", "corrupt_middle.mp3");
    let audio = AudioFile::open(&path, &DecodeOptions::default())
        .unwrap()
        .decode_all()
        .unwrap();
    eprintln!(
        "corrupt_middle.mp3: {} samples, {} skipped packets",
        audio.samples.len(),
        audio.skipped_packets
    );
    // 3 s of audio; the 2 kB of garbage cover about 0.25 s of 64 kbit/s frames.
    assert!(audio.samples.len() > 22050 * 2, "{}", audio.samples.len());
    assert!(audio.samples.len() <= 66150 + 1152);
}

#[test]
fn from_bytes_reads_memory() {
    let bytes = std::fs::read(fixture("audio", "tone1k_mono_22050_s16.wav")).unwrap();
    let audio = AudioFile::from_bytes(bytes, Path::new("mem.wav"), &DecodeOptions::default())
        .unwrap()
        .decode_all()
        .unwrap();
    assert_eq!(audio.samples.len(), 33075);
}

#[test]
fn min_duration_is_configurable() {
    let path = fixture("audio", "tone1k_mono_22050_s16.wav");
    let strict = DecodeOptions::default().min_duration_seconds(2.0);
    let err = AudioFile::open(&path, &strict)
        .unwrap()
        .decode_all()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooShort);
    let lax = DecodeOptions::default().min_duration_seconds(0.0);
    assert!(
        AudioFile::open(&fixture("bad", "one_ms.wav"), &lax)
            .unwrap()
            .decode_all()
            .is_ok()
    );
}

#[test]
fn target_rate_is_configurable() {
    let path = fixture("audio", "tone1k_mono_22050_s16.wav");
    let opts = DecodeOptions::default().sample_rate(16000);
    let audio = AudioFile::open(&path, &opts).unwrap().decode_all().unwrap();
    assert_eq!(audio.sample_rate, 16000);
    assert_eq!(
        audio.samples.len(),
        (33075u64 * 16000).div_ceil(22050) as usize
    );
}

/// Regression (found by fuzz/decode_snippets): a 44.1 kHz float WAV holding NaN and infinity
/// made the resampler panic. It now decodes, with every sample finite.
#[test]
fn float_wav_with_nan_and_inf_resamples() {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44100,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut bytes = std::io::Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut bytes, spec).unwrap();
        for i in 0..44100 * 2 {
            let x = match i % 1000 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                2 => f32::NEG_INFINITY,
                3 => f32::MAX,
                _ => 0.1,
            };
            w.write_sample(x).unwrap();
        }
        w.finalize().unwrap();
    }
    let audio = AudioFile::from_bytes(
        bytes.into_inner(),
        Path::new("nan.wav"),
        &DecodeOptions::default(),
    )
    .unwrap()
    .decode_all()
    .unwrap();
    assert_eq!(audio.samples.len(), 22050);
    assert!(audio.samples.iter().all(|x| x.is_finite()));
}
