//! Shared pieces of genrekit's benchmarks: the clip they run on.
//!
//! `benches/features.rs` holds the criterion benchmarks; `src/bin/feature_timings.rs` prints
//! per-stage times that `compare_librosa.py` sets beside librosa's; `src/bin/scaling.rs`
//! measures how `genrekit bench`'s time and peak memory grow with track length and threads
//! (`results/scaling.{json,svg}`). `peers.py` sets genrekit beside librosa, bliss-audio
//! (`peers/bliss`, outside the workspace) and Essentia (`peers/essentia_bench.py`).

#![deny(missing_docs)]

use std::path::{Path, PathBuf};

/// Sample rate of every benchmark signal.
pub const SAMPLE_RATE: u32 = 22050;

/// The shared GTZAN clip the benchmarks use when it is there (`../shared` beside the repo).
pub fn shared_clip() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/gtzan/genres/blues/blues.00000.wav")
}

/// A 30-second clip: the shared GTZAN clip blues.00000 decoded to 22050 Hz mono, or, when the
/// shared data is missing, a deterministic synthetic mix (tones, a chirp and clicks at 120 BPM)
/// of the same length, so the benchmarks still run.
pub fn clip_30s() -> Vec<f32> {
    let path = shared_clip();
    if let Ok(audio) =
        genrekit_audio::AudioFile::open(&path, &genrekit_audio::DecodeOptions::default())
            .and_then(genrekit_audio::AudioFile::decode_all)
    {
        return audio.samples;
    }
    synthetic(661_794)
}

/// A deterministic test mix of `n` samples at [`SAMPLE_RATE`].
pub fn synthetic(n: usize) -> Vec<f32> {
    let sr = SAMPLE_RATE as f32;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|i| {
            let t = i as f32 / sr;
            // xorshift noise for the clicks
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            let beat = (i % (SAMPLE_RATE as usize / 2)) < 300;
            0.2 * (2.0 * std::f32::consts::PI * 220.0 * t).sin()
                + 0.1 * (2.0 * std::f32::consts::PI * (300.0 + 100.0 * t) * t).sin()
                + if beat { 0.5 * noise } else { 0.0 }
        })
        .collect()
}
