//! Prints, as JSON, how long genrekit's feature extraction takes per stage on each given
//! clip, single-threaded: the minimum over `--repeat N` runs (default 5) after one warm-up.
//!
//! Usage: `feature_timings [--repeat N] FILE...`. `compare_librosa.py` runs this and sets the
//! numbers beside librosa's.

use std::process::ExitCode;
use std::time::Duration;

use genrekit_audio::{AudioFile, DecodeOptions};
use genrekit_features::{FeatureExtractor, Stage};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut repeat = 5usize;
    if let Some(i) = args.iter().position(|a| a == "--repeat") {
        let Some(n) = args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
        else {
            eprintln!("feature_timings: --repeat takes a positive whole number");
            return ExitCode::from(2);
        };
        repeat = n;
        args.drain(i..=i + 1);
    }
    if args.is_empty() {
        eprintln!("usage: feature_timings [--repeat N] FILE...");
        return ExitCode::from(2);
    }
    let mut extractor = FeatureExtractor::new(22050);
    let mut clips = Vec::new();
    for path in &args {
        let audio = match AudioFile::open(path.as_ref(), &DecodeOptions::default())
            .and_then(AudioFile::decode_all)
        {
            Ok(audio) => audio,
            Err(err) => {
                eprintln!("feature_timings: {err}");
                return ExitCode::from(1);
            }
        };
        extractor.extract(&audio.samples); // warm-up: plans and buffers
        let mut best = [Duration::MAX; Stage::ALL.len()];
        let mut best_total = Duration::MAX;
        for _ in 0..repeat {
            extractor.extract(&audio.samples);
            let t = extractor.timings();
            for (b, stage) in best.iter_mut().zip(Stage::ALL) {
                *b = (*b).min(t.get(stage));
            }
            best_total = best_total.min(t.total());
        }
        let stages: serde_json::Map<String, serde_json::Value> = Stage::ALL
            .iter()
            .zip(best)
            .map(|(s, d)| (s.name().to_string(), d.as_secs_f64().into()))
            .collect();
        clips.push(serde_json::json!({
            "path": path,
            "samples": audio.samples.len(),
            "total": best_total.as_secs_f64(),
            "stages": stages,
        }));
    }
    println!("{}", serde_json::Value::Array(clips));
    ExitCode::SUCCESS
}
