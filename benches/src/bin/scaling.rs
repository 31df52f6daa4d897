//! How `genrekit bench`'s time and peak memory grow with track length and with worker threads.
//!
//! For each length (default 1, 5, 30 and 60 minutes) this writes one track into a temporary
//! folder (removed at the end, never committed): a 44.1 kHz stereo 16-bit WAV made by
//! concatenating the shared GTZAN clips `<genre>.00000.wav` of the ten genres in turn, each
//! decoded and upsampled to 44.1 kHz with genrekit's own decoder and written to both channels
//! (or, when `../shared` is missing, the synthetic mix of [`genrekit_benches::synthetic`]).
//! Then, for each thread count (default 1 and 2), it runs the release binary
//! `genrekit bench --format json --repeat R --jobs T TRACK` in a fresh child process, so the
//! peak memory (`VmHWM`) of every point is that run's own.
//!
//! Writes `benches/results/scaling.json` (every point, with the machine) and
//! `benches/results/scaling.svg` (time and peak memory against length), and prints a Markdown
//! table.
//!
//! Usage (after `cargo build --release -p genrekit -p genrekit-benches`):
//! `scaling [--minutes 1,5,30,60] [--threads 1,2] [--repeat 2] [--genrekit PATH] [--out DIR]`

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use genrekit_audio::{AudioFile, DecodeOptions};
use plotters::prelude::*;
use serde_json::{Value, json};

/// Sample rate of the generated tracks, in Hz.
const RATE: u32 = 44_100;

/// Command-line options.
struct Options {
    minutes: Vec<u32>,
    threads: Vec<u32>,
    repeat: u32,
    genrekit: PathBuf,
    out: PathBuf,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("scaling: {message}");
            ExitCode::from(1)
        }
    }
}

fn run() -> Result<(), String> {
    let opts = parse_args()?;
    if !opts.genrekit.is_file() {
        return Err(format!(
            "{}: no genrekit binary; build it with `cargo build --release -p genrekit` or pass \
             --genrekit PATH",
            opts.genrekit.display()
        ));
    }
    let (source, signal) = source_audio();
    let dir = std::env::temp_dir().join(format!("genrekit-scaling-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let result = measure(&opts, &source, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let (points, machine) = result?;

    std::fs::create_dir_all(&opts.out).map_err(|e| format!("{}: {e}", opts.out.display()))?;
    let report = json!({
        "what": "genrekit bench --format json on one track per length, one child process per point",
        "signal": signal,
        "repeat": opts.repeat,
        "machine": machine,
        "note": "shared 2-core machine with other builds running: noisy; compare within this run",
        "threads_note": "a single track's snippets run one after another on one worker thread, \
                         so --jobs 2 cannot speed up one track",
        "points": points,
    });
    let json_path = opts.out.join("scaling.json");
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&json_path, text + "\n").map_err(|e| format!("{}: {e}", json_path.display()))?;
    let svg_path = opts.out.join("scaling.svg");
    plot(&points, &opts.threads, &svg_path).map_err(|e| format!("{}: {e}", svg_path.display()))?;
    print_table(&points);
    eprintln!("wrote {} and {}", json_path.display(), svg_path.display());
    Ok(())
}

fn parse_args() -> Result<Options, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut opts = Options {
        minutes: vec![1, 5, 30, 60],
        threads: vec![1, 2],
        repeat: 2,
        genrekit: exe.with_file_name("genrekit"),
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("results"),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?
            .as_str();
        let list = |v: &str| -> Result<Vec<u32>, String> {
            v.split(',')
                .map(|x| x.trim().parse().ok().filter(|&n| n > 0))
                .collect::<Option<Vec<u32>>>()
                .ok_or_else(|| format!("{flag} takes positive whole numbers, like 1,5,30"))
        };
        match flag.as_str() {
            "--minutes" => opts.minutes = list(value)?,
            "--threads" => opts.threads = list(value)?,
            "--repeat" => {
                opts.repeat = *list(value)?
                    .first()
                    .ok_or("--repeat takes a positive whole number")?;
            }
            "--genrekit" => opts.genrekit = PathBuf::from(value),
            "--out" => opts.out = PathBuf::from(value),
            _ => {
                return Err(format!(
                    "unknown option {flag}; usage: scaling [--minutes 1,5,30,60] \
                     [--threads 1,2] [--repeat 2] [--genrekit PATH] [--out DIR]"
                ));
            }
        }
    }
    Ok(opts)
}

/// The audio the tracks are made of, at [`RATE`], and a description of it.
fn source_audio() -> (Vec<f32>, String) {
    let genres = genrekit_benches::shared_clip()
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf);
    let decode = DecodeOptions::default().sample_rate(RATE);
    let mut samples = Vec::new();
    let mut used = Vec::new();
    if let Some(genres) = genres {
        for genre in [
            "blues",
            "classical",
            "country",
            "disco",
            "hiphop",
            "jazz",
            "metal",
            "pop",
            "reggae",
            "rock",
        ] {
            let path = genres.join(genre).join(format!("{genre}.00000.wav"));
            if let Ok(audio) = AudioFile::open(&path, &decode).and_then(AudioFile::decode_all) {
                samples.extend_from_slice(&audio.samples);
                used.push(format!("{genre}.00000"));
            }
        }
    }
    if samples.is_empty() {
        // The synthetic mix is made at 22050 Hz; at 44.1 kHz it is an octave higher, which
        // changes nothing for timing.
        let n = 30 * RATE as usize;
        return (
            genrekit_benches::synthetic(n),
            "synthetic mix (tones, chirp, clicks), looped; 44.1 kHz stereo 16-bit WAV".into(),
        );
    }
    let description = format!(
        "the GTZAN clips {} concatenated and looped, upsampled to 44.1 kHz, same signal on both \
         channels; 16-bit WAV",
        used.join(", ")
    );
    (samples, description)
}

/// Writes `minutes` of `source`, looped, to a 44.1 kHz stereo 16-bit WAV at `path`.
fn write_track(path: &Path, source: &[f32], minutes: u32) -> std::io::Result<()> {
    let frames = u64::from(minutes) * 60 * u64::from(RATE);
    let data_bytes = frames * 4;
    let too_big = || std::io::Error::other("track too long for a WAV file");
    let riff_size = u32::try_from(36 + data_bytes).map_err(|_| too_big())?;
    let data_size = u32::try_from(data_bytes).map_err(|_| too_big())?;
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    w.write_all(b"RIFF")?;
    w.write_all(&riff_size.to_le_bytes())?;
    w.write_all(b"WAVEfmt ")?;
    w.write_all(&16u32.to_le_bytes())?; // fmt chunk size
    w.write_all(&1u16.to_le_bytes())?; // PCM
    w.write_all(&2u16.to_le_bytes())?; // channels
    w.write_all(&RATE.to_le_bytes())?;
    w.write_all(&(RATE * 4).to_le_bytes())?; // bytes per second
    w.write_all(&4u16.to_le_bytes())?; // block align
    w.write_all(&16u16.to_le_bytes())?; // bits per sample
    w.write_all(b"data")?;
    w.write_all(&data_size.to_le_bytes())?;
    for &x in source.iter().cycle().take(frames as usize) {
        let s = (x.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        w.write_all(&s.to_le_bytes())?;
        w.write_all(&s.to_le_bytes())?;
    }
    w.flush()
}

/// Every (length, threads) point, and the machine as the first child reported it.
fn measure(opts: &Options, source: &[f32], dir: &Path) -> Result<(Vec<Value>, Value), String> {
    let mut points = Vec::new();
    let mut machine = Value::Null;
    for &minutes in &opts.minutes {
        let track = dir.join(format!("track_{minutes}min.wav"));
        write_track(&track, source, minutes).map_err(|e| format!("{}: {e}", track.display()))?;
        for &threads in &opts.threads {
            eprintln!("scaling: {minutes} min, {threads} thread(s)...");
            let out = Command::new(&opts.genrekit)
                .args(["bench", "--format", "json", "--repeat"])
                .arg(opts.repeat.to_string())
                .arg("--jobs")
                .arg(threads.to_string())
                .arg(&track)
                .output()
                .map_err(|e| format!("{}: {e}", opts.genrekit.display()))?;
            if !out.status.success() {
                return Err(format!(
                    "genrekit bench failed on {}: {}",
                    track.display(),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            let r: Value = serde_json::from_slice(&out.stdout)
                .map_err(|e| format!("genrekit bench printed no JSON: {e}"))?;
            if machine.is_null() {
                machine = r["machine"].clone();
            }
            let stages: serde_json::Map<String, Value> = r["stages"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    (
                        s["name"].as_str().unwrap_or("?").to_string(),
                        s["min_s"].clone(),
                    )
                })
                .collect();
            points.push(json!({
                "minutes": minutes,
                "threads": threads,
                "snippets": r["snippets"],
                "audio_seconds": r["audio_seconds"],
                "wall_min_s": r["wall"]["min_s"],
                "wall_median_s": r["wall"]["median_s"],
                "realtime_best": r["throughput"]["realtime"]["best"],
                "snippets_per_s_best": r["throughput"]["snippets_per_s"]["best"],
                "peak_memory_bytes": r["peak_memory_bytes"],
                "stages_min_s": stages,
            }));
        }
        std::fs::remove_file(&track).map_err(|e| format!("{}: {e}", track.display()))?;
    }
    Ok((points, machine))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn print_table(points: &[Value]) {
    println!(
        "| track length | threads | wall s (best) | x realtime | snippets/s | peak memory MB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for p in points {
        println!(
            "| {} min | {} | {:.2} | {:.0} | {:.2} | {:.1} |",
            p["minutes"],
            p["threads"],
            num(&p["wall_min_s"]),
            num(&p["realtime_best"]),
            num(&p["snippets_per_s_best"]),
            num(&p["peak_memory_bytes"]) / 1e6,
        );
    }
}

/// Two panels: best wall time against track length, and peak memory against track length,
/// one line per thread count.
fn plot(points: &[Value], threads: &[u32], path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (1000, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(500);
    let wall = |p: &Value| num(&p["wall_min_s"]);
    let memory = |p: &Value| num(&p["peak_memory_bytes"]) / 1e6;
    let time_panel = Panel {
        title: "genrekit bench: wall time vs track length",
        y_label: "wall time, s (best pass)",
        y: &wall,
    };
    let memory_panel = Panel {
        title: "peak memory (VmHWM) vs track length",
        y_label: "peak memory, MB",
        y: &memory,
    };
    time_panel.draw(&left, points, threads)?;
    memory_panel.draw(&right, points, threads)?;
    root.present()?;
    Ok(())
}

/// One chart of [`plot`]: a quantity of each point against track length.
struct Panel<'a> {
    title: &'a str,
    y_label: &'a str,
    y: &'a dyn Fn(&Value) -> f64,
}

impl Panel<'_> {
    fn draw(
        &self,
        area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
        points: &[Value],
        threads: &[u32],
    ) -> Result<(), Box<dyn std::error::Error>> {
        let colors = [
            RGBColor(31, 119, 180),
            RGBColor(255, 127, 14),
            RGBColor(44, 160, 44),
        ];
        let max_minutes = points
            .iter()
            .map(|p| num(&p["minutes"]))
            .fold(1.0, f64::max);
        let y_max = points.iter().map(self.y).fold(0.0, f64::max) * 1.15 + 1e-9;
        let mut chart = ChartBuilder::on(area)
            .caption(self.title, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..max_minutes * 1.05, 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_desc("track length, minutes")
            .y_desc(self.y_label)
            .draw()?;
        for (i, &t) in threads.iter().enumerate() {
            let color = colors[i % colors.len()];
            let data: Vec<(f64, f64)> = points
                .iter()
                .filter(|p| p["threads"].as_u64() == Some(u64::from(t)))
                .map(|p| (num(&p["minutes"]), (self.y)(p)))
                .collect();
            chart
                .draw_series(LineSeries::new(data.clone(), color.stroke_width(2)))?
                .label(format!("--jobs {t}"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color));
            chart.draw_series(
                data.iter()
                    .map(|&(x, v)| Circle::new((x, v), 3, color.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    }
}
