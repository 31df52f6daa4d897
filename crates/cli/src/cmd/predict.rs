//! `genrekit predict`: the genre of audio files, without a library database.
//!
//! Also holds what `genrekit analyze` shares with it: analyzing one file (decode, features,
//! prediction), the JSON shape of a track's prediction, and its one-line summary.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use genrekit_audio::{AudioError, DecodeOptions, ErrorKind, SnippetOptions};
use genrekit_classify::{Model, TrackPrediction};
use genrekit_features::{
    FeatureExtractor, TrackFeatures, extract_track, extract_track_parallel, feature_names,
};
use rayon::prelude::*;
use serde::Serialize;

/// Output formats of `genrekit predict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For people: one line per file (genre, confidence, top 3), then one per snippet.
    Table,
    /// A JSON array with one object per file.
    Json,
}

/// Arguments of `genrekit predict`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each file is cut into 30-second snippets; the model gives every snippet a probability per \
genre, and the track's genre is the one with the highest mean probability (its confidence). \
Nothing is stored: use `genrekit analyze` to keep results in the library.

JSON: a list of {path, genre, confidence, margin, probabilities: {genre: p}, snippets: \
[{start_s, end_s, genre, confidence, probabilities}]}.

Exit status: 0 when every file was predicted, 3 when some files failed (each gets one line on \
stderr), 1 when none could be predicted.")]
pub(crate) struct Args {
    /// Audio files, or folders to search recursively for audio files.
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,
    /// Model file written by `genrekit train` [default: the model built into genrekit].
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
}

/// Runs `genrekit predict`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let loaded = super::model::resolve(args.model.as_deref())?;
    loaded.announce();
    check_model_features(&loaded.model)?;
    let (files, walk_failures) = super::audio_inputs(&args.paths);
    let pool = super::thread_pool(args.jobs.map(usize::from))?;
    let decode = DecodeOptions::default();
    let snippets = SnippetOptions::default();
    let predict = |path: &PathBuf, extractor: Option<&mut FeatureExtractor>| {
        let (track, prediction) = analyze_file(path, &decode, &snippets, extractor, &loaded.model)?;
        Ok(TrackJson::new(path, &track, &prediction))
    };
    let results: Vec<Result<TrackJson, FileError>> = pool.install(|| {
        if files.len() < rayon::current_num_threads() {
            // Fewer files than threads: one at a time, its snippets over the threads.
            files.iter().map(|path| predict(path, None)).collect()
        } else {
            files
                .par_iter()
                .map_init(
                    || FeatureExtractor::new(decode.target_sample_rate()),
                    |extractor, path| predict(path, Some(extractor)),
                )
                .collect()
        }
    });

    let mut failed = walk_failures;
    let mut tracks = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(track) => tracks.push(track),
            Err(err) => {
                failed += 1;
                eprintln!("genrekit: {}", err.message);
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Table => write_table(&mut out, &tracks),
        Format::Json => write_json(&mut out, &tracks),
    }
    .context("writing to stdout")?;
    out.flush().context("writing to stdout")?;
    Ok(super::exit_status(failed, files.len() + walk_failures))
}

/// Fails when the model reads features the extractor does not compute (a model trained on
/// another genrekit's features): better one clear error than the same one for every file.
pub(crate) fn check_model_features(model: &Model) -> anyhow::Result<()> {
    let have = feature_names();
    let missing: Vec<&str> = model
        .feature_names()
        .iter()
        .map(String::as_str)
        .filter(|n| !have.contains(n))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "the model reads features this genrekit does not compute ({}); retrain it with \
             `genrekit train` on features from this version",
            missing.join(", ")
        )
    }
}

/// Why one file could not be analyzed: a short kind to group by, and the message (which names
/// the file).
#[derive(Debug, Clone)]
pub(crate) struct FileError {
    /// `io`, `unsupported`, `no-audio-track`, `corrupt`, `too-short`, `decode` or `predict`.
    pub(crate) kind: &'static str,
    /// The full message, starting with the path.
    pub(crate) message: String,
}

impl From<AudioError> for FileError {
    fn from(err: AudioError) -> Self {
        FileError {
            kind: audio_error_kind(&err),
            message: err.to_string(),
        }
    }
}

/// The short name of an audio error's kind, as stored in the library.
pub(crate) fn audio_error_kind(err: &AudioError) -> &'static str {
    match err.kind() {
        ErrorKind::Io => "io",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::NoAudioTrack => "no-audio-track",
        ErrorKind::Corrupt => "corrupt",
        ErrorKind::TooShort => "too-short",
        _ => "decode",
    }
}

/// Decodes `path`, computes its snippets' features (with `extractor`, or over the current
/// rayon pool's threads snippet by snippet when `None`) and predicts its genre.
pub(crate) fn analyze_file(
    path: &Path,
    decode: &DecodeOptions,
    snippets: &SnippetOptions,
    extractor: Option<&mut FeatureExtractor>,
    model: &Model,
) -> Result<(TrackFeatures, TrackPrediction), FileError> {
    let track = match extractor {
        Some(extractor) => extract_track(path, decode, snippets, extractor)?,
        None => extract_track_parallel(path, decode, snippets, rayon::current_num_threads())?,
    };
    let prediction = predict_features(path, &track, model)?;
    Ok((track, prediction))
}

/// Predicts the genre of extracted features.
pub(crate) fn predict_features(
    path: &Path,
    track: &TrackFeatures,
    model: &Model,
) -> Result<TrackPrediction, FileError> {
    let vectors: Vec<&[f32]> = track.snippets.iter().map(|s| s.values.as_slice()).collect();
    model
        .predict_track(&vectors, feature_names())
        .map_err(|err| predict_error(path, &err))
}

/// A prediction error as a per-file error.
pub(crate) fn predict_error(path: &Path, err: &genrekit_classify::Error) -> FileError {
    FileError {
        kind: "predict",
        message: format!("{}: cannot predict the genre: {err}", path.display()),
    }
}

/// The prediction for one track, as `predict --format json` and `analyze --format json` print
/// it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TrackJson {
    /// The file.
    pub(crate) path: String,
    /// Artist tag, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) artist: Option<String>,
    /// Title tag, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<String>,
    /// Duration in seconds.
    pub(crate) duration_s: f64,
    /// The predicted genre.
    pub(crate) genre: String,
    /// Its mean snippet probability.
    pub(crate) confidence: f32,
    /// Its lead over the runner-up.
    pub(crate) margin: f32,
    /// Mean snippet probability of every genre.
    pub(crate) probabilities: BTreeMap<String, f32>,
    /// Each snippet's genre and probabilities.
    pub(crate) snippets: Vec<SnippetJson>,
}

/// The prediction for one snippet.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SnippetJson {
    /// Start, in seconds.
    pub(crate) start_s: f64,
    /// End, in seconds.
    pub(crate) end_s: f64,
    /// The snippet's most probable genre.
    pub(crate) genre: String,
    /// Its probability.
    pub(crate) confidence: f32,
    /// Probability of every genre.
    pub(crate) probabilities: BTreeMap<String, f32>,
}

impl SnippetJson {
    /// A snippet from its times and probabilities; the genre is the most probable one (ties to
    /// the genre that sorts first, as the model breaks them).
    pub(crate) fn new(start_s: f64, end_s: f64, probabilities: BTreeMap<String, f32>) -> Self {
        let (genre, confidence) = best(&probabilities);
        SnippetJson {
            start_s,
            end_s,
            genre,
            confidence,
            probabilities,
        }
    }
}

/// The most probable entry of `p` (the first in name order among equals).
fn best(p: &BTreeMap<String, f32>) -> (String, f32) {
    let mut top: Option<(&String, f32)> = None;
    for (g, &x) in p {
        if top.is_none_or(|(_, t)| x > t) {
            top = Some((g, x));
        }
    }
    top.map_or_else(|| (String::new(), 0.0), |(g, x)| (g.clone(), x))
}

/// A probability list as a map.
pub(crate) fn prob_map(p: &[(String, f32)]) -> BTreeMap<String, f32> {
    p.iter().cloned().collect()
}

impl TrackJson {
    /// The output for a freshly analyzed track.
    pub(crate) fn new(path: &Path, track: &TrackFeatures, prediction: &TrackPrediction) -> Self {
        TrackJson {
            path: path.display().to_string(),
            artist: track.info.tags.artist.clone(),
            title: track.info.tags.title.clone(),
            duration_s: track.duration_seconds(),
            genre: prediction.genre.clone(),
            confidence: prediction.confidence,
            margin: prediction.margin,
            probabilities: prob_map(&prediction.probabilities),
            snippets: track
                .snippets
                .iter()
                .zip(&prediction.snippets)
                .map(|(s, p)| {
                    SnippetJson::new(s.start_seconds, s.end_seconds, prob_map(&p.probabilities))
                })
                .collect(),
        }
    }

    /// The `n` most probable genres, most probable first (ties by name).
    pub(crate) fn top(&self, n: usize) -> Vec<(&str, f32)> {
        let mut all: Vec<(&str, f32)> = self
            .probabilities
            .iter()
            .map(|(g, &p)| (g.as_str(), p))
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        all.truncate(n);
        all
    }

    /// The genre after the predicted one, if the model knows more than one.
    pub(crate) fn runner_up(&self) -> Option<(&str, f32)> {
        self.top(2).into_iter().find(|(g, _)| *g != self.genre)
    }
}

/// `m:ss`, or `h:mm:ss` from an hour on.
pub(crate) fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Writes `tracks` as a pretty JSON array. Serialized to text first, so that an I/O error
/// (a closed pipe) reaches the caller as an `io::Error`.
fn write_json(out: &mut impl Write, tracks: &[TrackJson]) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(tracks)?;
    out.write_all(text.as_bytes())?;
    writeln!(out)?;
    Ok(())
}

fn write_table(out: &mut impl Write, tracks: &[TrackJson]) -> anyhow::Result<()> {
    for t in tracks {
        let top: Vec<String> = t
            .top(3)
            .iter()
            .map(|(g, p)| format!("{g} {p:.2}"))
            .collect();
        writeln!(
            out,
            "{}: {} ({:.2})  top 3: {}",
            t.path,
            t.genre,
            t.confidence,
            top.join(", ")
        )?;
        for (i, s) in t.snippets.iter().enumerate() {
            writeln!(
                out,
                "  snippet {}  {}-{}  {} ({:.2})",
                i + 1,
                clock(s.start_s),
                clock(s.end_s),
                s.genre,
                s.confidence
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_shows_minutes_or_hours() {
        assert_eq!(clock(0.0), "0:00");
        assert_eq!(clock(30.01), "0:30");
        assert_eq!(clock(754.0), "12:34");
        assert_eq!(clock(3600.0 + 61.0), "1:01:01");
    }

    #[test]
    fn best_breaks_ties_by_name() {
        let p: BTreeMap<String, f32> = [("rock", 0.4), ("jazz", 0.4), ("pop", 0.2)]
            .iter()
            .map(|(g, p)| (g.to_string(), *p))
            .collect();
        assert_eq!(best(&p), ("jazz".to_string(), 0.4));
        assert_eq!(best(&BTreeMap::new()), (String::new(), 0.0));
    }
}
