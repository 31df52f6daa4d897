//! `genrekit info`: what genrekit reads from each audio file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use genrekit_audio::{AudioError, AudioFile, DecodeOptions, SnippetOptions, SourceInfo};
use serde::Serialize;

/// Output formats of `genrekit info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// One block of aligned lines per file.
    Table,
    /// A JSON array with one object per readable file.
    Json,
}

/// Arguments of `genrekit info`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 when every file was read, 3 when some files could not be \
read (each gets one line on stderr), 1 when none could be read."
)]
pub(crate) struct Args {
    /// Audio files (WAV, MP3, FLAC, Ogg Vorbis, AAC/ALAC in MP4/M4A).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Snippet length in seconds.
    #[arg(long, default_value_t = genrekit_audio::DEFAULT_SNIPPET_SECONDS, value_parser = positive_seconds)]
    snippet_seconds: f64,
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("must be a positive number of seconds, got {s}"))
    }
}

/// Everything `info` reports for one file.
#[derive(Debug, Serialize)]
struct Report {
    path: String,
    #[serde(flatten)]
    source: SourceInfo,
    /// Samples after downmixing and resampling to `analysis_sample_rate`.
    samples: usize,
    analysis_sample_rate: u32,
    analysis_duration_seconds: f64,
    skipped_packets: usize,
    snippet_seconds: f64,
    /// Snippet boundaries in seconds, `[start, end]`.
    snippets: Vec<[f64; 2]>,
}

/// Decodes `path` completely (streaming) to count samples and snippets.
fn inspect(path: &Path, opts: &SnippetOptions) -> Result<Report, AudioError> {
    let decode = DecodeOptions::default();
    let file = AudioFile::open(path, &decode)?;
    let source = file.info().clone();
    let sr = decode.target_sample_rate();
    let mut stream = file.snippets(opts);
    let mut snippets = Vec::new();
    for snippet in stream.by_ref() {
        let snippet = snippet?;
        snippets.push([snippet.start_seconds(sr), snippet.end_seconds(sr)]);
    }
    let samples = stream.total_samples();
    Ok(Report {
        path: path.display().to_string(),
        source,
        samples,
        analysis_sample_rate: sr,
        analysis_duration_seconds: samples as f64 / f64::from(sr),
        skipped_packets: stream.skipped_packets(),
        snippet_seconds: opts.seconds(),
        snippets,
    })
}

fn write_table(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    let s = &r.source;
    writeln!(out, "{}", r.path)?;
    writeln!(out, "  format        {} / {}", s.container, s.codec)?;
    match s.channels {
        Some(c) => writeln!(out, "  channels      {c}")?,
        None => writeln!(out, "  channels      unknown")?,
    }
    writeln!(out, "  sample rate   {} Hz", s.sample_rate)?;
    match s.duration_seconds {
        Some(d) => writeln!(out, "  duration      {d:.3} s")?,
        None => writeln!(
            out,
            "  duration      unknown (decoded: {:.3} s)",
            r.analysis_duration_seconds
        )?,
    }
    writeln!(
        out,
        "  samples       {} at {} Hz ({:.3} s)",
        r.samples, r.analysis_sample_rate, r.analysis_duration_seconds
    )?;
    if r.skipped_packets > 0 {
        writeln!(out, "  skipped       {} damaged packets", r.skipped_packets)?;
    }
    let tags = [
        ("title", &s.tags.title),
        ("artist", &s.tags.artist),
        ("album", &s.tags.album),
        ("genre", &s.tags.genre),
    ];
    for (name, value) in tags {
        if let Some(v) = value {
            writeln!(out, "  {name:<13} {v}")?;
        }
    }
    let bounds: Vec<String> = r
        .snippets
        .iter()
        .map(|[a, b]| format!("{a:.2}-{b:.2}"))
        .collect();
    writeln!(
        out,
        "  snippets      {} x {} s: {}",
        r.snippets.len(),
        r.snippet_seconds,
        bounds.join(", ")
    )?;
    Ok(())
}

/// Runs `genrekit info`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let opts = SnippetOptions::default().length_seconds(args.snippet_seconds);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut reports = Vec::new();
    let mut failed = 0usize;
    for path in &args.files {
        match inspect(path, &opts) {
            Ok(report) => match args.format {
                Format::Table => {
                    write_table(&mut out, &report).context("writing to stdout")?;
                    out.flush().context("writing to stdout")?;
                }
                Format::Json => reports.push(report),
            },
            Err(err) => {
                failed += 1;
                eprintln!("genrekit: {err}");
            }
        }
    }
    if args.format == Format::Json {
        serde_json::to_writer_pretty(&mut out, &reports).context("writing JSON to stdout")?;
        writeln!(out).context("writing to stdout")?;
    }
    Ok(super::exit_status(failed, args.files.len()))
}
