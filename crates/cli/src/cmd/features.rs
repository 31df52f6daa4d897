//! `genrekit features`: the feature vectors of audio files, as a GTZAN-format table.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use genrekit_audio::{AudioError, DecodeOptions, SnippetOptions};
use genrekit_features::{FeatureExtractor, TrackFeatures, extract_track, feature_names};
use rayon::prelude::*;
use serde::Serialize;

/// Output formats of `genrekit features`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// CSV with the GTZAN table's columns first: `filename,length,chroma_stft_mean,...`.
    Csv,
    /// A JSON array with one object per file.
    Json,
}

/// Arguments of `genrekit features`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Columns: filename, length (samples at 22050 Hz), the 57 feature columns of the GTZAN table \
in its order, then the extra columns (spectral contrast, tonnetz). Without --per-snippet a \
track longer than one snippet gets the mean of its snippets' vectors. With --per-snippet every \
snippet gets its own row, with `snippet,start_s` after `filename`.

Exit status: 0 when every file was analyzed, 3 when some files failed (each gets one line on \
stderr), 1 when none could be analyzed.")]
pub(crate) struct Args {
    /// Audio files, or folders to search recursively for audio files.
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// One row per snippet instead of one per file.
    #[arg(long)]
    per_snippet: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
}

/// Runs `genrekit features`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (files, walk_failures) = super::audio_inputs(&args.paths);
    let pool = super::thread_pool(args.jobs.map(usize::from))?;
    let decode = DecodeOptions::default();
    let snippets = SnippetOptions::default();
    let results: Vec<Result<TrackFeatures, AudioError>> = pool.install(|| {
        files
            .par_iter()
            .map_init(
                || FeatureExtractor::new(decode.target_sample_rate()),
                |extractor, path| extract_track(path, &decode, &snippets, extractor),
            )
            .collect()
    });

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = walk_failures;
    let mut tracks = Vec::new();
    for (path, result) in files.iter().zip(results) {
        match result {
            Ok(track) => tracks.push((path.as_path(), track)),
            Err(err) => {
                failed += 1;
                eprintln!("genrekit: {err}");
            }
        }
    }
    match args.format {
        Format::Csv => write_csv(&mut out, &tracks, args.per_snippet),
        Format::Json => write_json(&mut out, &tracks, args.per_snippet),
    }
    .context("writing to stdout")?;
    out.flush().context("writing to stdout")?;
    Ok(super::exit_status(failed, files.len() + walk_failures))
}

/// The mean of the snippets' vectors: one row for the whole track.
fn track_vector(track: &TrackFeatures) -> Vec<f32> {
    let n = track.snippets.len().max(1) as f64;
    (0..feature_names().len())
        .map(|i| {
            (track
                .snippets
                .iter()
                .map(|s| f64::from(s.values[i]))
                .sum::<f64>()
                / n) as f32
        })
        .collect()
}

fn write_csv(
    out: &mut impl Write,
    tracks: &[(&Path, TrackFeatures)],
    per_snippet: bool,
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["filename"];
    if per_snippet {
        header.extend(["snippet", "start_s"]);
    }
    header.push("length");
    header.extend(feature_names());
    w.write_record(&header)?;
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for (path, track) in tracks {
        let name = super::file_name(path);
        if per_snippet {
            for s in &track.snippets {
                row.clear();
                row.extend([
                    name.clone(),
                    s.index.to_string(),
                    s.start_seconds.to_string(),
                    s.n_samples.to_string(),
                ]);
                row.extend(s.values.iter().map(f32::to_string));
                w.write_record(&row)?;
            }
        } else {
            row.clear();
            row.extend([name, track.n_samples.to_string()]);
            row.extend(track_vector(track).iter().map(f32::to_string));
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// One file of `--format json`.
#[derive(Serialize)]
struct JsonTrack {
    path: String,
    filename: String,
    length: usize,
    sample_rate: u32,
    features: serde_json::Map<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippets: Option<Vec<JsonSnippet>>,
}

/// One snippet of `--format json --per-snippet`.
#[derive(Serialize)]
struct JsonSnippet {
    index: usize,
    start_s: f64,
    end_s: f64,
    length: usize,
    features: serde_json::Map<String, serde_json::Value>,
}

fn named(values: &[f32]) -> serde_json::Map<String, serde_json::Value> {
    feature_names()
        .iter()
        .zip(values)
        .map(|(name, &v)| ((*name).to_string(), serde_json::Value::from(v)))
        .collect()
}

fn write_json(
    out: &mut impl Write,
    tracks: &[(&Path, TrackFeatures)],
    per_snippet: bool,
) -> anyhow::Result<()> {
    let items: Vec<JsonTrack> = tracks
        .iter()
        .map(|(path, track)| JsonTrack {
            path: path.display().to_string(),
            filename: super::file_name(path),
            length: track.n_samples,
            sample_rate: track.sample_rate,
            features: named(&track_vector(track)),
            snippets: per_snippet.then(|| {
                track
                    .snippets
                    .iter()
                    .map(|s| JsonSnippet {
                        index: s.index,
                        start_s: s.start_seconds,
                        end_s: s.end_seconds,
                        length: s.n_samples,
                        features: named(&s.values),
                    })
                    .collect()
            }),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)?;
    Ok(())
}
