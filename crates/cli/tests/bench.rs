//! `genrekit bench`: the report's structure and invariants. No test here depends on how fast
//! anything runs.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod util;

use serde_json::Value;
use util::{Dir, fixture, shared_data};

/// Every stage the report must list, in order.
const STAGES: [&str; 13] = [
    "decode", "resample", "stft", "chroma", "rms", "spectral", "zcr", "hpss", "tempo", "mfcc",
    "contrast", "tonnetz", "knn",
];

/// Slack for "the stages fit inside the wall time": stage timers run strictly inside each
/// pass's wall timer, so only rounding can break it; allow 1 % plus 1 ms.
fn fits(inner_s: f64, outer_s: f64) -> bool {
    inner_s <= outer_s * 1.01 + 1e-3
}

fn bench_json(dir: &Dir, args: &[&std::ffi::OsStr]) -> (Option<i32>, Value, String) {
    let mut cmd = dir.cmd(["bench", "--format", "json"]);
    for a in args {
        cmd.arg(a);
    }
    let ran = cmd.run();
    let json = serde_json::from_str(&ran.stdout).unwrap_or(Value::Null);
    (ran.code, json, ran.stderr)
}

/// The invariants every report holds.
fn check_report(r: &Value, threads: u64, tracks: u64) {
    assert_eq!(r["threads"], threads);
    assert_eq!(r["tracks"], tracks);
    assert!(r["snippets"].as_u64().unwrap() >= tracks);
    assert!(r["audio_seconds"].as_f64().unwrap() > 0.0);
    assert!(!r["machine"]["cpu"].as_str().unwrap().is_empty());
    assert!(r["machine"]["cores"].as_u64().unwrap() >= 1);
    assert_eq!(r["genrekit_version"], env!("CARGO_PKG_VERSION"));
    assert!(r["date"].as_str().unwrap().ends_with('Z'));

    let stages = r["stages"].as_array().unwrap();
    let names: Vec<&str> = stages.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, STAGES);
    let mut min_sum = 0.0;
    let mut share_sum = 0.0;
    for s in stages {
        let (min, median) = (
            s["min_s"].as_f64().unwrap(),
            s["median_s"].as_f64().unwrap(),
        );
        assert!(0.0 <= min && min <= median, "{s}");
        min_sum += min;
        share_sum += s["share"].as_f64().unwrap();
    }
    assert!(
        (share_sum - 1.0).abs() < 1e-9,
        "shares add up to {share_sum}"
    );

    let total = &r["stages_total"];
    let wall = &r["wall"];
    let (total_min, wall_min) = (
        total["min_s"].as_f64().unwrap(),
        wall["min_s"].as_f64().unwrap(),
    );
    assert!(wall_min <= wall["median_s"].as_f64().unwrap());
    assert!(total_min <= total["median_s"].as_f64().unwrap());
    // The sum of per-stage minima is at most the smallest per-pass total.
    assert!(fits(min_sum, total_min), "{min_sum} > {total_min}");
    // Stage times are summed over threads; each thread's stages run inside the wall time.
    assert!(
        fits(total_min, wall_min * threads as f64),
        "stages {total_min} s > {threads} x wall {wall_min} s"
    );
    let t = &r["throughput"];
    for key in ["realtime", "snippets_per_s", "tracks_per_s"] {
        let (best, median) = (
            t[key]["best"].as_f64().unwrap(),
            t[key]["median"].as_f64().unwrap(),
        );
        assert!(best > 0.0 && best >= median, "{key}: {best} < {median}");
    }
    // Seconds of audio per second of the best pass.
    let realtime = r["audio_seconds"].as_f64().unwrap() / wall_min;
    assert!((t["realtime"]["best"].as_f64().unwrap() - realtime).abs() <= 1e-6 * realtime);
    if cfg!(target_os = "linux") {
        assert!(r["peak_memory_bytes"].as_u64().unwrap() > 1_000_000);
    }
}

#[test]
fn json_report_on_fixtures_has_every_stage_and_consistent_times() {
    let dir = Dir::new();
    let flac = fixture("audio/tone_stereo_44100.flac");
    let mp3 = fixture("audio/tone_stereo_44100.mp3");
    let (code, r, stderr) = bench_json(
        &dir,
        &[
            "--repeat".as_ref(),
            "3".as_ref(),
            "--jobs".as_ref(),
            "1".as_ref(),
            flac.as_os_str(),
            mp3.as_os_str(),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    check_report(&r, 1, 2);
    assert_eq!(r["repeat"], 3);
    assert_eq!(r["passes"], 3);
    assert_eq!(r["failed"], 0);
}

#[test]
fn two_threads_on_a_shared_clip() {
    let Some(shared) = shared_data() else { return };
    let clip = shared.join("gtzan/genres/blues/blues.00000.wav");
    let dir = Dir::new();
    let (code, r, stderr) = bench_json(
        &dir,
        &[
            "--repeat".as_ref(),
            "2".as_ref(),
            "-j".as_ref(),
            "2".as_ref(),
            clip.as_os_str(),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    check_report(&r, 2, 1);
    // A GTZAN clip is one 30-second snippet.
    assert_eq!(r["snippets"], 1);
    let seconds = r["audio_seconds"].as_f64().unwrap();
    assert!((seconds - 30.0).abs() < 0.1, "{seconds}");
}

#[test]
fn bad_file_is_named_and_the_rest_is_measured() {
    let dir = Dir::new();
    let good = fixture("audio/tone1k_mono_22050_s16.wav");
    let bad = fixture("bad/text.wav");
    let (code, r, stderr) = bench_json(
        &dir,
        &[
            "--repeat".as_ref(),
            "2".as_ref(),
            "-j".as_ref(),
            "1".as_ref(),
            good.as_os_str(),
            bad.as_os_str(),
        ],
    );
    assert_eq!(code, Some(3), "some failed: {stderr}");
    assert!(stderr.contains("text.wav"), "{stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "reported once, not per pass: {stderr}"
    );
    check_report(&r, 1, 1);
    assert_eq!(r["failed"], 1);
    assert_eq!(r["files"], 2);

    let ran = dir.cmd(["bench".as_ref(), bad.as_os_str()]).run();
    assert_eq!(ran.code, Some(1), "all failed");
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
}

#[test]
fn table_lists_the_machine_and_every_stage() {
    let dir = Dir::new();
    let file = fixture("audio/tone_stereo_44100.flac");
    let out = dir
        .cmd([
            "bench".as_ref(),
            "--repeat".as_ref(),
            "1".as_ref(),
            file.as_os_str(),
        ])
        .stdout();
    let mut lines = out.lines();
    assert!(lines.next().unwrap().starts_with("genrekit "), "{out}");
    assert!(lines.next().unwrap().starts_with("machine: "), "{out}");
    for stage in STAGES {
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().next() == Some(stage)),
            "no row for {stage}:\n{out}"
        );
    }
    for row in [
        "wall",
        "x realtime",
        "snippets/s",
        "tracks/s",
        "peak memory",
    ] {
        assert!(out.lines().any(|l| l.starts_with(row)), "no {row}:\n{out}");
    }
    // Aligned: every stage row has its numbers in the same columns.
    let widths: Vec<usize> = out
        .lines()
        .filter(|l| STAGES.contains(&l.split_whitespace().next().unwrap_or("")))
        .map(str::len)
        .collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{out}");
}
