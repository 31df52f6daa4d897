//! Times bliss-audio's song analysis on audio files, for the peers table of
//! `benches/peers.py`.
//!
//! For each file: decode once with bliss's pure-Rust decoder (symphonia + rubato, to mono
//! 22050 Hz), then `Song::analyze` (tempo, spectral centroid/roll-off/flatness, ZCR, loudness,
//! chroma: bliss's 23 numbers) `--repeat N` times after one warm-up. Prints JSON: per file
//! the minimum decode and analysis wall times, and the mean process CPU time of an analysis
//! (bliss runs its descriptors on several threads, so wall < CPU on a multi-core machine).
//!
//! Usage: `bliss-peer [--repeat N] FILE...`

use std::process::ExitCode;
use std::time::{Duration, Instant};

use bliss_audio::Song;
use bliss_audio::decoder::Decoder;
use bliss_audio::decoder::symphonia::SymphoniaDecoder;

/// CPU time (user + system) of this process so far, from /proc/self/stat (Linux only).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after ")".
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // Clock ticks are 100 per second on every Linux this runs on (USER_HZ).
    Some(Duration::from_millis((utime + stime) * 10))
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut repeat = 3usize;
    if let Some(i) = args.iter().position(|a| a == "--repeat") {
        let Some(n) = args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
        else {
            eprintln!("bliss-peer: --repeat takes a positive whole number");
            return ExitCode::from(2);
        };
        repeat = n;
        args.drain(i..=i + 1);
    }
    if args.is_empty() {
        eprintln!("usage: bliss-peer [--repeat N] FILE...");
        return ExitCode::from(2);
    }
    let mut out = Vec::new();
    let mut failed = 0;
    for path in &args {
        let mut best_decode = Duration::MAX;
        let mut samples = Vec::new();
        for _ in 0..repeat {
            let t = Instant::now();
            match SymphoniaDecoder::decode(path.as_ref()) {
                Ok(song) => samples = song.sample_array,
                Err(err) => {
                    eprintln!("bliss-peer: {path}: {err}");
                    failed += 1;
                    break;
                }
            }
            best_decode = best_decode.min(t.elapsed());
        }
        if samples.is_empty() {
            continue;
        }
        if let Err(err) = Song::analyze(&samples) {
            eprintln!("bliss-peer: {path}: {err}");
            failed += 1;
            continue;
        }
        let mut best = Duration::MAX;
        let cpu0 = cpu_time();
        for _ in 0..repeat {
            let t = Instant::now();
            let _ = Song::analyze(&samples);
            best = best.min(t.elapsed());
        }
        // Mean over the runs: the kernel counts CPU time in 10 ms ticks.
        let cpu = cpu0
            .zip(cpu_time())
            .map(|(a, b)| b.saturating_sub(a).as_secs_f64() / repeat as f64);
        out.push(serde_json::json!({
            "path": path,
            "samples": samples.len(),
            "decode_s": best_decode.as_secs_f64(),
            "analyze_s": best.as_secs_f64(),
            "analyze_cpu_s": cpu,
        }));
    }
    println!("{}", serde_json::Value::Array(out));
    if failed > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}
