//! `genrekit bench`: how long each stage of the analysis takes on the user's files and machine.
//!
//! A run makes `--repeat N` full passes over the inputs with `--jobs N` worker threads, doing
//! exactly what `genrekit predict` does (decode, resample, cut 30-second snippets, extract every
//! feature, KNN with the built-in model), and times:
//!
//! - each stage, summed over all files of a pass: `decode` (opening and probing the file,
//!   reading and decoding packets, downmixing) and `resample` as the snippet stream reports them
//!   ([`genrekit_audio::Snippets::timings`]), each feature stage as the extractor reports it
//!   ([`genrekit_features::FeatureExtractor::timings`]), and `knn` around
//!   [`genrekit_classify::Model::predict_track`];
//! - the wall time of each pass, from which come the throughputs: seconds of audio per wall
//!   second ("x realtime"), snippets and tracks per second.
//!
//! Each reported figure is the minimum and the median over passes of that pass's total. Stage
//! times are summed across worker threads, so with N threads they add up to at most N times
//! the wall time. Feature extractors (FFT plans, buffers) are kept for the whole run and reused
//! from file to file, as `genrekit analyze`'s workers do on a large folder, so passes after the
//! first measure the steady state; the first pass also warms the page cache. Peak memory is the process's
//! `VmHWM` from `/proc/self/status` at the end (Linux; "n/a" elsewhere).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use genrekit_audio::{AudioFile, DecodeOptions, SnippetOptions};
use genrekit_classify::Model;
use genrekit_features::{FeatureExtractor, Stage, feature_names};
use rayon::prelude::*;
use serde::Serialize;

/// Output formats of `genrekit bench`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For people: the machine, then one aligned row per stage, then the throughputs.
    Table,
    /// One JSON object (machine, stages, wall, throughput, peak memory).
    Json,
}

/// Arguments of `genrekit bench`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Makes --repeat full passes over the files, doing what `genrekit predict` does, and reports for \
each stage (decode, resample, stft, chroma, rms, spectral, zcr, hpss, tempo, mfcc, contrast, \
tonnetz, knn) the minimum and median over passes of its total time, with its share. Stage times \
are summed over worker threads. Throughput: seconds of audio per wall second (x realtime), \
snippets and tracks per second. Peak memory is the process's high-water mark (VmHWM, Linux).

Exit status: 0 when every file was analyzed, 3 when some files failed (each gets one line on \
stderr; the rest are measured), 1 when none could be analyzed.")]
pub(crate) struct Args {
    /// Audio files, or folders to search recursively for audio files.
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,
    /// Full passes over the inputs.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    repeat: u16,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Model file written by `genrekit train` [default: the model built into genrekit].
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
}

/// Stages of the bench, in the order they run: decode and resample, the extractor's stages,
/// then the KNN vote.
fn stage_names() -> Vec<&'static str> {
    let mut names = vec!["decode", "resample"];
    names.extend(Stage::ALL.iter().map(|s| s.name()));
    names.push("knn");
    names
}

/// Number of timed stages: decode, resample, the extractor's, knn.
const N_STAGES: usize = Stage::ALL.len() + 3;

/// What one file cost in one pass.
#[derive(Debug, Clone, Copy)]
struct FileCost {
    /// Time per stage, in the order of [`stage_names`].
    stages: [Duration; N_STAGES],
    /// Seconds of audio (decoded samples / target rate).
    audio_seconds: f64,
    /// Snippets analyzed.
    snippets: usize,
}

/// One pass over every file: the sum of the files' costs, and the wall time.
#[derive(Debug, Clone, Copy)]
struct Pass {
    stages: [Duration; N_STAGES],
    wall: Duration,
    audio_seconds: f64,
    snippets: usize,
    tracks: usize,
}

/// Runs `genrekit bench`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let loaded = super::model::resolve(args.model.as_deref())?;
    super::predict::check_model_features(&loaded.model)?;
    let (mut files, walk_failures) = super::audio_inputs(&args.paths);
    let total_inputs = files.len() + walk_failures;
    let pool = super::thread_pool(args.jobs.map(usize::from))?;
    let threads = pool.current_num_threads();
    let bench = Bench {
        decode: DecodeOptions::default(),
        snippets: SnippetOptions::default(),
        model: &loaded.model,
        extractors: Mutex::new(Vec::with_capacity(threads)),
    };

    let mut failed = walk_failures;
    let mut passes = Vec::with_capacity(usize::from(args.repeat));
    for pass in 0..args.repeat {
        let start = Instant::now();
        let results: Vec<Result<FileCost, String>> =
            pool.install(|| files.par_iter().map(|path| bench.file(path)).collect());
        let wall = start.elapsed();
        if pass == 0 {
            // Report each bad file once and leave it out of the later passes.
            let mut ok = Vec::with_capacity(files.len());
            for (path, result) in files.iter().zip(&results) {
                match result {
                    Ok(_) => ok.push(path.clone()),
                    Err(message) => {
                        failed += 1;
                        eprintln!("genrekit: {message}");
                    }
                }
            }
            files = ok;
        }
        passes.push(Pass::sum(results.iter().flatten(), wall));
        if files.is_empty() {
            break;
        }
    }
    if files.is_empty() {
        eprintln!("genrekit: no audio file could be analyzed, so there is nothing to report");
        return Ok(ExitCode::from(super::EXIT_ALL_FAILED));
    }

    let report = Report::new(&passes, threads, args.repeat, total_inputs, failed);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Table => write_table(&mut out, &report),
        Format::Json => write_json(&mut out, &report),
    }
    .context("writing to stdout")?;
    out.flush().context("writing to stdout")?;
    Ok(super::exit_status(failed, total_inputs))
}

/// What every pass shares: options, the model, and the idle feature extractors.
///
/// A worker takes an idle extractor (or makes one when none is idle) for each file and puts it
/// back afterwards, so there are never more extractors than files analysed at once: one long
/// track keeps one extractor's buffers whatever `--jobs` says, as `genrekit analyze` does.
struct Bench<'a> {
    decode: DecodeOptions,
    snippets: SnippetOptions,
    model: &'a Model,
    extractors: Mutex<Vec<FeatureExtractor>>,
}

impl Bench<'_> {
    /// Analyzes one file as `genrekit predict` does and times each stage; the error names the
    /// file.
    fn file(&self, path: &Path) -> Result<FileCost, String> {
        let mut extractor = self
            .idle()
            .pop()
            .unwrap_or_else(|| FeatureExtractor::new(self.decode.target_sample_rate()));
        let cost = self.measure(path, &mut extractor);
        self.idle().push(extractor);
        cost
    }

    /// The idle extractors. A poisoned lock (a panic in another worker) still holds valid
    /// extractors: `extract` overwrites every buffer it uses.
    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<FeatureExtractor>> {
        self.extractors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Analyzes `path` with `extractor` and times each stage.
    fn measure(&self, path: &Path, extractor: &mut FeatureExtractor) -> Result<FileCost, String> {
        let mut stages = [Duration::ZERO; N_STAGES];

        let open_start = Instant::now();
        let file = AudioFile::open(path, &self.decode).map_err(|e| e.to_string())?;
        let open = open_start.elapsed();
        let mut stream = file.snippets(&self.snippets);
        let mut vectors = Vec::new();
        for snippet in &mut stream {
            let snippet = snippet.map_err(|e| e.to_string())?;
            vectors.push(extractor.extract(&snippet.samples));
            let t = extractor.timings();
            for (i, stage) in Stage::ALL.iter().enumerate() {
                stages[2 + i] += t.get(*stage);
            }
        }
        let stream_times = stream.timings();
        stages[0] = open + stream_times.decode;
        stages[1] = stream_times.resample;

        let knn_start = Instant::now();
        self.model
            .predict_track(&vectors, feature_names())
            .map_err(|err| super::predict::predict_error(path, &err).message)?;
        stages[N_STAGES - 1] = knn_start.elapsed();
        Ok(FileCost {
            stages,
            audio_seconds: stream.total_samples() as f64 / f64::from(stream.sample_rate()),
            snippets: vectors.len(),
        })
    }
}

impl Pass {
    /// The totals of one pass over `costs`, which took `wall`.
    fn sum<'a>(costs: impl Iterator<Item = &'a FileCost>, wall: Duration) -> Pass {
        let mut pass = Pass {
            stages: [Duration::ZERO; N_STAGES],
            wall,
            audio_seconds: 0.0,
            snippets: 0,
            tracks: 0,
        };
        for cost in costs {
            for (total, t) in pass.stages.iter_mut().zip(cost.stages) {
                *total += t;
            }
            pass.audio_seconds += cost.audio_seconds;
            pass.snippets += cost.snippets;
            pass.tracks += 1;
        }
        pass
    }
}

/// The minimum and the median of some durations, in seconds.
#[derive(Debug, Clone, Copy, Serialize)]
struct Spread {
    min_s: f64,
    median_s: f64,
}

impl Spread {
    /// The minimum and median of `values` (the mean of the middle two for an even count).
    fn of(values: impl Iterator<Item = Duration>) -> Spread {
        let mut v: Vec<f64> = values.map(|d| d.as_secs_f64()).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = match n {
            0 => 0.0,
            _ if n % 2 == 1 => v[n / 2],
            _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        };
        Spread {
            min_s: v.first().copied().unwrap_or(0.0),
            median_s: median,
        }
    }
}

/// One stage's times over the passes and its share of the sum of stage medians.
#[derive(Debug, Serialize)]
struct StageReport {
    name: &'static str,
    #[serde(flatten)]
    time: Spread,
    share: f64,
}

/// A rate computed from the best (shortest) pass and from the median pass.
#[derive(Debug, Serialize)]
struct Rate {
    best: f64,
    median: f64,
}

impl Rate {
    /// `amount` per second of `wall`.
    fn per_second(amount: f64, wall: Spread) -> Rate {
        let per = |s: f64| if s > 0.0 { amount / s } else { 0.0 };
        Rate {
            best: per(wall.min_s),
            median: per(wall.median_s),
        }
    }
}

/// Throughputs, from the wall time of the passes.
#[derive(Debug, Serialize)]
struct Throughput {
    /// Seconds of audio analyzed per wall second.
    realtime: Rate,
    snippets_per_s: Rate,
    tracks_per_s: Rate,
}

/// What the bench ran on.
#[derive(Debug, Serialize)]
struct Machine {
    cpu: String,
    cores: usize,
    os: &'static str,
    arch: &'static str,
}

/// Everything `genrekit bench` prints.
#[derive(Debug, Serialize)]
struct Report {
    genrekit_version: &'static str,
    date: String,
    machine: Machine,
    threads: usize,
    repeat: u16,
    passes: usize,
    files: usize,
    failed: usize,
    tracks: usize,
    snippets: usize,
    audio_seconds: f64,
    stages: Vec<StageReport>,
    /// The sum of all stages in each pass (at most `threads` x that pass's wall time).
    stages_total: Spread,
    wall: Spread,
    throughput: Throughput,
    peak_memory_bytes: Option<u64>,
}

impl Report {
    fn new(passes: &[Pass], threads: usize, repeat: u16, files: usize, failed: usize) -> Report {
        let last = passes.last().copied();
        let (audio_seconds, snippets, tracks) =
            last.map_or((0.0, 0, 0), |p| (p.audio_seconds, p.snippets, p.tracks));
        let mut stages: Vec<StageReport> = stage_names()
            .into_iter()
            .enumerate()
            .map(|(i, name)| StageReport {
                name,
                time: Spread::of(passes.iter().map(|p| p.stages[i])),
                share: 0.0,
            })
            .collect();
        let sum: f64 = stages.iter().map(|s| s.time.median_s).sum();
        for s in &mut stages {
            s.share = if sum > 0.0 {
                s.time.median_s / sum
            } else {
                0.0
            };
        }
        let wall = Spread::of(passes.iter().map(|p| p.wall));
        Report {
            genrekit_version: env!("CARGO_PKG_VERSION"),
            date: utc_now(),
            machine: Machine {
                cpu: cpu_model().unwrap_or_else(|| "unknown CPU".into()),
                cores: std::thread::available_parallelism().map_or(1, usize::from),
                os: std::env::consts::OS,
                arch: std::env::consts::ARCH,
            },
            threads,
            repeat,
            passes: passes.len(),
            files,
            failed,
            tracks,
            snippets,
            audio_seconds,
            stages,
            stages_total: Spread::of(passes.iter().map(|p| p.stages.iter().sum())),
            wall,
            throughput: Throughput {
                realtime: Rate::per_second(audio_seconds, wall),
                snippets_per_s: Rate::per_second(snippets as f64, wall),
                tracks_per_s: Rate::per_second(tracks as f64, wall),
            },
            peak_memory_bytes: peak_memory_bytes(),
        }
    }
}

fn write_json(out: &mut impl Write, report: &Report) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)?;
    Ok(())
}

fn write_table(out: &mut impl Write, r: &Report) -> anyhow::Result<()> {
    let m = &r.machine;
    writeln!(out, "genrekit {} bench, {}", r.genrekit_version, r.date)?;
    writeln!(
        out,
        "machine: {} ({} cores, {}/{}), {} worker thread{}",
        m.cpu,
        m.cores,
        m.os,
        m.arch,
        r.threads,
        if r.threads == 1 { "" } else { "s" }
    )?;
    writeln!(
        out,
        "inputs: {} tracks ({} failed), {} snippets, {:.1} s of audio; {} pass{}",
        r.tracks,
        r.failed,
        r.snippets,
        r.audio_seconds,
        r.passes,
        if r.passes == 1 { "" } else { "es" }
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<14} {:>12} {:>12} {:>7}",
        "stage", "min ms", "median ms", "share"
    )?;
    for s in &r.stages {
        writeln!(
            out,
            "{:<14} {:>12.2} {:>12.2} {:>6.1}%",
            s.name,
            1e3 * s.time.min_s,
            1e3 * s.time.median_s,
            100.0 * s.share
        )?;
    }
    let row = |out: &mut dyn Write, name: &str, t: Spread| {
        writeln!(
            out,
            "{:<14} {:>12.2} {:>12.2}",
            name,
            1e3 * t.min_s,
            1e3 * t.median_s
        )
    };
    row(out, "all stages", r.stages_total)?;
    row(out, "wall", r.wall)?;
    if r.threads > 1 {
        writeln!(
            out,
            "(stage times are summed over the {} worker threads)",
            r.threads
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{:<14} {:>12} {:>12}", "throughput", "best", "median")?;
    let t = &r.throughput;
    for (name, rate) in [
        ("x realtime", &t.realtime),
        ("snippets/s", &t.snippets_per_s),
        ("tracks/s", &t.tracks_per_s),
    ] {
        writeln!(
            out,
            "{:<14} {:>12.2} {:>12.2}",
            name, rate.best, rate.median
        )?;
    }
    let memory = r.peak_memory_bytes.map_or_else(
        || "n/a".to_string(),
        |b| format!("{:.1} MB", b as f64 / 1e6),
    );
    writeln!(out, "peak memory    {memory} (VmHWM)")?;
    Ok(())
}

/// The CPU's model name from `/proc/cpuinfo` (Linux), if it can be read.
fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// The process's peak resident memory (`VmHWM` in `/proc/self/status`), in bytes (Linux).
fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

/// The `VmHWM:  1234 kB` line of a `/proc/<pid>/status` text, in bytes.
fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// The current time in UTC as `YYYY-MM-DDTHH:MM:SSZ`.
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_utc(secs)
}

/// `secs` since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian calendar; Howard
/// Hinnant's `civil_from_days`).
fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn vm_hwm_is_read_in_bytes() {
        let status = "Name:\tgenrekit\nVmPeak:\t  200 kB\nVmHWM:\t   1234 kB\nVmRSS:\t 10 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(1234 * 1024));
        assert_eq!(parse_vm_hwm("Name: x\n"), None);
    }

    #[test]
    fn spread_min_and_median() {
        let ms = Duration::from_millis;
        let s = Spread::of([ms(30), ms(10), ms(20)].into_iter());
        assert_eq!((s.min_s, s.median_s), (0.010, 0.020));
        let s = Spread::of([ms(40), ms(10), ms(20), ms(30)].into_iter());
        assert_eq!((s.min_s, s.median_s), (0.010, 0.025));
    }

    #[test]
    fn stage_names_cover_every_stage() {
        let names = stage_names();
        assert_eq!(names.len(), N_STAGES);
        assert_eq!(names.first(), Some(&"decode"));
        assert_eq!(names.last(), Some(&"knn"));
    }
}
