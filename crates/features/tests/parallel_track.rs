//! `extract_track_parallel` gives the same snippets, bit for bit and in order, as
//! `extract_track`, whatever the batch size and the number of threads.

use genrekit_audio::{DecodeOptions, SnippetOptions};
use genrekit_features::{FeatureExtractor, extract_track, extract_track_parallel};

/// A 75-second 16-bit WAV at 22050 Hz: tones that change every few seconds plus clicks and
/// pseudo-random noise, so that every snippet differs.
fn write_track(path: &std::path::Path) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 22050,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create the test WAV");
    let mut state: u32 = 0x1234_5678;
    for n in 0..75 * 22050u32 {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let noise = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
        let t = n as f32 / 22050.0;
        let freq = 220.0 * (1.0 + (n / (22050 * 3)) as f32 * 0.25);
        let click = if n % 11025 < 40 { 0.5 } else { 0.0 };
        let v = 0.3 * (std::f32::consts::TAU * freq * t).sin() + 0.1 * noise + click;
        writer
            .write_sample((v.clamp(-1.0, 1.0) * 32767.0) as i16)
            .expect("write a sample");
    }
    writer.finalize().expect("finish the test WAV");
}

#[test]
fn parallel_snippets_equal_sequential_ones() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("long.wav");
    write_track(&path);
    let decode = DecodeOptions::default();
    let snippets = SnippetOptions::default();
    let mut extractor = FeatureExtractor::new(decode.target_sample_rate());
    let sequential = extract_track(&path, &decode, &snippets, &mut extractor).expect("decode");
    assert!(sequential.snippets.len() >= 3, "several snippets");
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        for batch in [0, 1, 2, 5] {
            let parallel = pool
                .install(|| extract_track_parallel(&path, &decode, &snippets, batch))
                .expect("decode");
            assert_eq!(parallel.n_samples, sequential.n_samples);
            assert_eq!(parallel.snippets.len(), sequential.snippets.len());
            for (p, s) in parallel.snippets.iter().zip(&sequential.snippets) {
                assert_eq!(
                    (p.index, p.start, p.n_samples),
                    (s.index, s.start, s.n_samples)
                );
                let same = p
                    .values
                    .iter()
                    .zip(&s.values)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(
                    same,
                    "snippet {} ({threads} threads, batch {batch})",
                    s.index
                );
            }
        }
    }
}

#[test]
fn parallel_extraction_names_a_bad_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("bad.wav");
    std::fs::write(&path, b"not a wav file at all").expect("write");
    let err = extract_track_parallel(
        &path,
        &DecodeOptions::default(),
        &SnippetOptions::default(),
        2,
    )
    .expect_err("not audio");
    assert!(err.to_string().contains("bad.wav"), "{err}");
}
