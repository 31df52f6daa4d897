//! `genrekit analyze`: analyze music folders into the library and print every track's genre.
//!
//! The run has four phases:
//! 1. *plan*: walk the PATHs and ask the library ([`Library::check`]) which files are new or
//!    changed; unchanged files are not decoded again;
//! 2. *re-predict*: unchanged tracks that have no prediction by this model (a new model) are
//!    predicted from their stored features, without decoding;
//! 3. *analyze*: new and changed files are decoded, their features extracted and their genre
//!    predicted in parallel (rayon: across files, or across the snippets of one file at a time
//!    when there are fewer files than threads); results flow through a channel to one writer thread that
//!    commits a transaction every [`COMMIT_TRACKS`] tracks or [`COMMIT_INTERVAL`], so a killed
//!    run keeps every committed track and the next run continues where it stopped; Ctrl-C or
//!    SIGTERM ([`super::interrupt`]) stops the workers taking new files, lets the files in
//!    progress finish and commits them before exiting with status 130;
//! 4. *output*: every track named by the PATHs is printed from the library, failures are listed
//!    on stderr grouped by kind.

use std::collections::{BTreeMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use anyhow::Context;
use genrekit_audio::{AudioFile, DecodeOptions, SnippetOptions};
use genrekit_classify::TrackPrediction;
use genrekit_features::{FeatureExtractor, SCHEMA_VERSION, TrackFeatures, feature_names};
use genrekit_library::{
    AnalyzedTrack, AudioInfo, ContentHash, Decision, FailedTrack, FeatureSchema, FileKind,
    FileState, Library, Prediction, ScannedFile, SkipReason, Snippet, Tags, TrackDetail,
    WalkOptions, content_hash, walk,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;

use super::model::LoadedModel;
use super::predict::{FileError, SnippetJson, TrackJson, predict_error, prob_map};

/// The writer commits after this many tracks (`--commit-every`)...
const COMMIT_TRACKS: u32 = 100;
/// ...or this long after the first uncommitted track, whichever comes first.
const COMMIT_INTERVAL: Duration = Duration::from_secs(1);

/// Output formats of `genrekit analyze`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned columns: track, genre, confidence, runner-up.
    Table,
    /// A JSON array: the objects `genrekit predict` prints, or {path, error_kind, error}.
    Json,
    /// The same objects, one per line.
    Jsonl,
    /// CSV: path, tags, genre, confidence, runner-up, error, then one probability per genre.
    Csv,
}

/// Arguments of `genrekit analyze`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Files with an audio extension are analyzed; other files are analyzed only if their content is \
audio (cover art, playlists and text are skipped quietly). Results are stored in the library \
database; a later run decodes only new or changed files, and a new model re-predicts stored \
tracks from their stored features without decoding. Results are committed about every second, \
so an interrupted run keeps its finished tracks and the next run continues where it stopped. \
Ctrl-C (or SIGTERM) stores every finished track before exiting; press it twice to quit at once.

Output (stdout) covers every track named by the PATHs, also unchanged ones. Files that failed \
are stored with their error and listed on stderr, grouped by kind; they are tried again when \
they change, or with --force.

Exit status: 0 when every track was analyzed, 3 when some failed, 1 when nothing could be \
analyzed (or on an error that stopped the run, such as an unusable database), 130 when \
interrupted.")]
pub(crate) struct Args {
    /// Audio files, or folders to search recursively.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Model file written by `genrekit train` [default: the model built into genrekit].
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Library database file [default: $XDG_DATA_HOME/genrekit/library.db, else
    /// ~/.local/share/genrekit/library.db].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Analyze every file again, also unchanged ones and earlier failures.
    #[arg(long)]
    force: bool,
    /// No progress bar and no summary line on stderr (failures are still listed).
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Commit after this many tracks at most (also after about a second). Hidden: for tests
    /// that interrupt a run after its first commit.
    #[arg(long, hide = true, default_value_t = COMMIT_TRACKS, value_parser = clap::value_parser!(u32).range(1..))]
    commit_every: u32,
}

/// One file of the run, in walk order.
struct Entry {
    path: PathBuf,
    state: State,
}

/// What the run knows about an entry before the output phase.
enum State {
    /// In the library (analyzed now, earlier, or stored as failed): output from there.
    Stored,
    /// Failed without a library row (unreadable folder, path not UTF-8, database refused it).
    Error(FileError),
    /// Not audio (no audio extension, and probing found no audio): not part of the output.
    NotAudio,
}

/// A file to decode.
struct Job {
    /// Index into the entries.
    index: usize,
    file: ScannedFile,
    /// Content hash, if `check` computed it.
    hash: Option<ContentHash>,
}

/// A worker's result for one job, sent to the writer.
enum Outcome {
    Analyzed(Box<AnalyzedTrack>),
    Failed(FailedTrack),
    NotAudio,
}

/// What the writer did.
#[derive(Default)]
struct Written {
    /// Results received from the workers (all stored or listed in `unstored`).
    received: usize,
    analyzed: usize,
    /// Entries whose result could not be stored.
    unstored: Vec<(usize, FileError)>,
    /// Entries that turned out not to be audio.
    not_audio: Vec<usize>,
}

/// Counts for the summary line.
#[derive(Default)]
struct Counts {
    analyzed: usize,
    unchanged: usize,
    repredicted: usize,
    failed: usize,
    not_audio: usize,
}

/// Runs `genrekit analyze`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    super::interrupt::install();
    let loaded = super::model::resolve(args.model.as_deref())?;
    if !args.quiet {
        loaded.announce();
    }
    super::predict::check_model_features(&loaded.model)?;
    let db = match &args.db {
        Some(db) => db.clone(),
        None => Library::default_path()?,
    };
    let mut lib = Library::open(&db)?;
    let schema = super::feature_schema();
    let pool = super::thread_pool(args.jobs.map(usize::from))?;
    let mut counts = Counts::default();

    let (mut entries, jobs, unchanged) = plan(&lib, &args.paths, args.force);
    if super::interrupt::requested() {
        eprintln!("genrekit: interrupted before analyzing anything");
        return Ok(ExitCode::from(super::interrupt::EXIT_INTERRUPTED));
    }
    counts.unchanged = unchanged.len();
    if !args.force {
        counts.repredicted = repredict(&mut lib, &schema, &loaded, &unchanged, &pool)?;
    }
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let n_jobs = jobs.len();
    let written = analyze(
        &mut lib,
        &schema,
        &loaded,
        jobs,
        &pool,
        show_progress,
        args.commit_every as usize,
    )?;
    counts.analyzed = written.analyzed;
    if super::interrupt::requested() {
        // Everything received is committed; the output would be partial, so print none.
        eprintln!(
            "genrekit: interrupted: {} of {} files stored ({} analyzed), {} left; run the same \
             command again to continue; library {}",
            written.received,
            n_jobs,
            written.analyzed,
            n_jobs - written.received,
            db.display()
        );
        return Ok(ExitCode::from(super::interrupt::EXIT_INTERRUPTED));
    }
    for (index, err) in written.unstored {
        entries[index].state = State::Error(err);
    }
    for index in written.not_audio {
        entries[index].state = State::NotAudio;
    }
    counts.not_audio = entries
        .iter()
        .filter(|e| matches!(e.state, State::NotAudio))
        .count();

    let failures = output(&lib, &loaded, &entries, args.format)?;
    counts.failed = failures.len();
    let total = entries.len() - counts.not_audio;
    report_failures(&failures);
    if !args.quiet {
        eprintln!(
            "genrekit: {} analyzed, {} unchanged, {} re-predicted, {} failed, {} skipped (not \
             audio) in {:.1} s; library {}",
            counts.analyzed,
            counts.unchanged,
            counts.repredicted,
            counts.failed,
            counts.not_audio,
            started.elapsed().as_secs_f64(),
            db.display()
        );
    }
    if total == 0 {
        eprintln!(
            "genrekit: no audio files found in {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(ExitCode::from(super::EXIT_ALL_FAILED));
    }
    Ok(super::exit_status(counts.failed, total))
}

/// Walks `paths` and decides for each file whether to decode it. Returns the entries in walk
/// order, the files to decode, and the paths of unchanged stored tracks.
fn plan(lib: &Library, paths: &[PathBuf], force: bool) -> (Vec<Entry>, Vec<Job>, HashSet<PathBuf>) {
    let mut entries = Vec::new();
    let mut jobs = Vec::new();
    let mut unchanged = HashSet::new();
    let mut seen = HashSet::new();
    for item in walk(paths, &WalkOptions::default()) {
        let file = match item {
            Ok(file) => file,
            Err(err) => {
                let path = match &err {
                    genrekit_library::Error::Io { path, .. } => path.clone(),
                    _ => PathBuf::new(),
                };
                entries.push(Entry {
                    path,
                    state: State::Error(FileError {
                        kind: "io",
                        message: err.to_string(),
                    }),
                });
                continue;
            }
        };
        if !seen.insert(file.path.clone()) {
            continue; // named twice (a folder and a file in it)
        }
        let index = entries.len();
        let decision = if force {
            Ok(None)
        } else {
            lib.check(&file, SCHEMA_VERSION).map(Some)
        };
        let state = match decision {
            Ok(None) => {
                jobs.push(Job {
                    index,
                    file: file.clone(),
                    hash: None,
                });
                State::Stored
            }
            Ok(Some(Decision::Analyze { hash, .. })) => {
                jobs.push(Job {
                    index,
                    file: file.clone(),
                    hash,
                });
                State::Stored
            }
            Ok(Some(Decision::Skip(reason))) => {
                if reason != SkipReason::PreviouslyFailed {
                    unchanged.insert(file.path.clone());
                }
                State::Stored
            }
            // A file of another kind that cannot even be checked is not worth a complaint.
            Err(_) if file.kind == FileKind::Other => State::NotAudio,
            Err(err) => State::Error(FileError {
                kind: "io",
                message: err.to_string(),
            }),
        };
        entries.push(Entry {
            path: file.path,
            state,
        });
    }
    (entries, jobs, unchanged)
}

/// Predicts the unchanged tracks among `unchanged` that have no prediction by this model yet,
/// from their stored features, and stores the predictions. Returns how many were predicted.
fn repredict(
    lib: &mut Library,
    schema: &FeatureSchema,
    loaded: &LoadedModel,
    unchanged: &HashSet<PathBuf>,
    pool: &rayon::ThreadPool,
) -> anyhow::Result<usize> {
    if unchanged.is_empty() {
        return Ok(0);
    }
    let mut todo = lib.tracks_to_predict(&loaded.id, SCHEMA_VERSION)?;
    todo.retain(|t| unchanged.contains(&t.path));
    if todo.is_empty() {
        return Ok(0);
    }
    let predictions: Vec<_> = pool.install(|| {
        todo.par_iter()
            .map(|t| {
                let p = loaded.model.predict_track(&t.snippets, feature_names());
                (t.id, p.ok().map(|p| stored_prediction(&loaded.id, &p)))
            })
            .collect()
    });
    let mut n = 0;
    let mut batch = lib.batch(schema)?;
    for (id, prediction) in predictions {
        // A failed prediction is reported in the output phase, which tries again.
        if let Some(p) = prediction {
            batch.put_prediction(id, &p)?;
            n += 1;
        }
    }
    batch.commit()?;
    Ok(n)
}

/// Decodes, extracts and predicts `jobs` in parallel; one writer thread stores the results.
fn analyze(
    lib: &mut Library,
    schema: &FeatureSchema,
    loaded: &LoadedModel,
    jobs: Vec<Job>,
    pool: &rayon::ThreadPool,
    show_progress: bool,
    commit_every: usize,
) -> anyhow::Result<Written> {
    if jobs.is_empty() {
        return Ok(Written::default());
    }
    let progress = progress_bar(jobs.len() as u64, show_progress);
    let decode = DecodeOptions::default();
    let snippets = SnippetOptions::default();
    let stop = AtomicBool::new(false);
    // Bounded: workers wait rather than pile up results if the disk is slow.
    let (tx, rx) = mpsc::sync_channel::<(usize, Outcome)>(64);
    let written = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let result = write_results(lib, schema, rx, &progress, commit_every);
            if result.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            result
        });
        let tx: SyncSender<(usize, Outcome)> = tx;
        let run_job = |job: &Job, extractor: Option<&mut FeatureExtractor>| {
            if stop.load(Ordering::Relaxed) || super::interrupt::requested() {
                return;
            }
            progress.set_message(super::file_name(&job.file.path));
            let outcome = analyze_job(job, &decode, &snippets, extractor, loaded);
            if tx.send((job.index, outcome)).is_err() {
                stop.store(true, Ordering::Relaxed);
            }
        };
        pool.install(|| {
            if jobs.len() < rayon::current_num_threads() {
                // Fewer files than threads (one long track, say): one file at a time, its
                // snippets spread over the threads.
                jobs.iter().for_each(|job| run_job(job, None));
            } else {
                jobs.par_iter().for_each_init(
                    || FeatureExtractor::new(decode.target_sample_rate()),
                    |extractor, job| run_job(job, Some(extractor)),
                );
            }
        });
        drop(tx);
        writer
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the database writer thread panicked")))
    });
    progress.finish_and_clear();
    written
}

/// A progress bar on stderr (hidden unless `show`): files done/total, rate, ETA, current file.
fn progress_bar(total: u64, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(
        "{bar:30.cyan/blue} {pos}/{len} files  {rate}  ETA {eta}  {wide_msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.1} files/s", state.per_sec());
        },
    )
    .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

/// Analyzes one file: probe it if its extension is not an audio one, hash it, decode it,
/// extract its features (with `extractor`, or over the pool's threads snippet by snippet when
/// `None`) and predict its genre.
fn analyze_job(
    job: &Job,
    decode: &DecodeOptions,
    snippets: &SnippetOptions,
    extractor: Option<&mut FeatureExtractor>,
    loaded: &LoadedModel,
) -> Outcome {
    let path = &job.file.path;
    if job.file.kind == FileKind::Other && AudioFile::open(path, decode).is_err() {
        return Outcome::NotAudio;
    }
    let mut state = FileState {
        path: path.clone(),
        size: job.file.size,
        mtime_ns: job.file.mtime_ns,
        hash: job.hash,
    };
    if state.hash.is_none() {
        match content_hash(path) {
            Ok(h) => state.hash = Some(h),
            Err(err) => {
                return Outcome::Failed(FailedTrack {
                    file: state,
                    kind: "io".into(),
                    message: err.to_string(),
                });
            }
        }
    }
    let extracted = match extractor {
        Some(extractor) => genrekit_features::extract_track(path, decode, snippets, extractor),
        None => genrekit_features::extract_track_parallel(
            path,
            decode,
            snippets,
            rayon::current_num_threads(),
        ),
    };
    let track = match extracted {
        Ok(track) => track,
        Err(err) => {
            let err = FileError::from(err);
            return Outcome::Failed(FailedTrack {
                file: state,
                kind: err.kind.into(),
                message: err.message,
            });
        }
    };
    // A failed prediction leaves the features stored; the output phase tries again and
    // reports it.
    let prediction = super::predict::predict_features(path, &track, &loaded.model)
        .ok()
        .map(|p| stored_prediction(&loaded.id, &p));
    Outcome::Analyzed(Box::new(analyzed_track(state, &track, prediction)))
}

/// The library record of an analyzed track.
fn analyzed_track(
    file: FileState,
    track: &TrackFeatures,
    prediction: Option<Prediction>,
) -> AnalyzedTrack {
    let tags = &track.info.tags;
    AnalyzedTrack {
        file,
        audio: AudioInfo {
            duration_s: track.duration_seconds(),
            sample_rate: track.info.sample_rate,
            channels: track
                .info
                .channels
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(0),
            codec: track.info.codec.clone(),
        },
        tags: Tags {
            title: tags.title.clone(),
            artist: tags.artist.clone(),
            album: tags.album.clone(),
            genre: tags.genre.clone(),
        },
        snippets: track
            .snippets
            .iter()
            .map(|s| Snippet {
                start_s: s.start_seconds,
                end_s: s.end_seconds,
                n_samples: s.n_samples as u64,
                features: s.values.clone(),
            })
            .collect(),
        prediction,
    }
}

/// A model's prediction as the library stores it.
pub(crate) fn stored_prediction(model_id: &str, p: &TrackPrediction) -> Prediction {
    Prediction {
        model_id: model_id.to_string(),
        genre: p.genre.clone(),
        confidence: p.confidence,
        margin: p.margin,
        probabilities: prob_map(&p.probabilities),
        snippets: p
            .snippets
            .iter()
            .map(|s| prob_map(&s.probabilities))
            .collect(),
    }
}

/// The writer thread: stores results in batches, committing every `commit_every` tracks or
/// [`COMMIT_INTERVAL`] after the first uncommitted one, and once more when the workers are
/// done. Only a failing commit stops it (the database is unusable); a track the database
/// refuses is reported and the rest goes on.
fn write_results(
    lib: &mut Library,
    schema: &FeatureSchema,
    rx: Receiver<(usize, Outcome)>,
    progress: &ProgressBar,
    commit_every: usize,
) -> anyhow::Result<Written> {
    let mut written = Written::default();
    let mut next = rx.recv().ok();
    while let Some(first) = next.take() {
        let mut batch = lib.batch(schema)?;
        let opened = Instant::now();
        let mut item = Some(first);
        let mut done = false;
        while let Some((index, outcome)) = item.take() {
            progress.inc(1);
            written.received += 1;
            let stored = match outcome {
                Outcome::NotAudio => {
                    written.not_audio.push(index);
                    Ok(())
                }
                Outcome::Analyzed(track) => batch.put_analyzed(&track).map(|_| {
                    written.analyzed += 1;
                }),
                Outcome::Failed(failed) => batch.put_failed(&failed).map(|_| ()),
            };
            if let Err(err) = stored {
                written.unstored.push((
                    index,
                    FileError {
                        kind: "library",
                        message: format!("cannot store the result: {err}"),
                    },
                ));
            }
            if batch.len() >= commit_every {
                break;
            }
            let left = (opened + COMMIT_INTERVAL).saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(m) => item = Some(m),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => done = true,
            }
        }
        batch.commit()?;
        if !done {
            next = rx.recv().ok();
        }
    }
    Ok(written)
}

/// One output item: a track's prediction, or why it failed.
#[derive(Serialize)]
#[serde(untagged)]
enum Item {
    Track(TrackJson),
    Failed(FailedJson),
}

/// A failed track in the output.
#[derive(Serialize)]
struct FailedJson {
    path: String,
    error_kind: String,
    error: String,
}

/// Prints every entry (except non-audio files) from the library in `format`; returns the
/// failures as (kind, message), in entry order.
fn output(
    lib: &Library,
    loaded: &LoadedModel,
    entries: &[Entry],
    format: Format,
) -> anyhow::Result<Vec<(String, String)>> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut sink = Sink::new(format, loaded.model.genres());
    let mut failures = Vec::new();
    for entry in entries {
        let item = match &entry.state {
            State::NotAudio => continue,
            State::Error(err) => failed_item(&entry.path, err.kind, &err.message),
            State::Stored => match lib.track(&entry.path)? {
                Some(detail) => stored_item(detail, loaded),
                None => failed_item(
                    &entry.path,
                    "library",
                    &format!("{}: not in the library", entry.path.display()),
                ),
            },
        };
        if let Item::Failed(f) = &item {
            failures.push((f.error_kind.clone(), f.error.clone()));
        }
        sink.write(&mut out, &item).context("writing to stdout")?;
    }
    sink.finish(&mut out).context("writing to stdout")?;
    out.flush().context("writing to stdout")?;
    Ok(failures)
}

fn failed_item(path: &Path, kind: &str, message: &str) -> Item {
    Item::Failed(FailedJson {
        path: path.display().to_string(),
        error_kind: kind.to_string(),
        error: message.to_string(),
    })
}

/// The output item of a stored track: its stored failure, its stored prediction by this model,
/// or else a prediction made now from its stored features (the latest stored prediction is by
/// another model, or predicting failed when it was analyzed).
fn stored_item(detail: TrackDetail, loaded: &LoadedModel) -> Item {
    let path = detail.file.path.display().to_string();
    if let Some(f) = &detail.failure {
        return Item::Failed(FailedJson {
            path,
            error_kind: f.kind.clone(),
            error: f.message.clone(),
        });
    }
    let prediction = match detail.prediction {
        Some(p) if p.model_id == loaded.id => p,
        _ => {
            let vectors: Vec<&[f32]> = detail
                .snippets
                .iter()
                .map(|s| s.snippet.features.as_slice())
                .collect();
            match loaded.model.predict_track(&vectors, feature_names()) {
                Ok(p) => stored_prediction(&loaded.id, &p),
                Err(err) => {
                    let e = predict_error(&detail.file.path, &err);
                    return failed_item(&detail.file.path, e.kind, &e.message);
                }
            }
        }
    };
    Item::Track(TrackJson {
        path,
        artist: detail.tags.artist,
        title: detail.tags.title,
        duration_s: detail.audio.map_or(0.0, |a| a.duration_s),
        genre: prediction.genre,
        confidence: prediction.confidence,
        margin: prediction.margin,
        probabilities: prediction.probabilities,
        snippets: detail
            .snippets
            .iter()
            .zip(prediction.snippets)
            .map(|(s, p)| SnippetJson::new(s.snippet.start_s, s.snippet.end_s, p))
            .collect(),
    })
}

/// Writes output items one at a time (JSON, JSON lines, CSV) or collects the table rows to
/// align them; memory holds one item, or one short row per track for the table.
enum Sink {
    Table(Vec<[String; 4]>),
    Json {
        first: bool,
    },
    Jsonl,
    Csv {
        genres: Vec<String>,
        header_written: bool,
    },
}

/// The fixed CSV columns; one `p_<genre>` column per genre of the model follows.
const CSV_COLUMNS: [&str; 11] = [
    "path",
    "artist",
    "title",
    "duration_s",
    "genre",
    "confidence",
    "margin",
    "runner_up",
    "runner_up_confidence",
    "error_kind",
    "error",
];

impl Sink {
    fn new(format: Format, genres: &[String]) -> Self {
        match format {
            Format::Table => Sink::Table(Vec::new()),
            Format::Json => Sink::Json { first: true },
            Format::Jsonl => Sink::Jsonl,
            Format::Csv => Sink::Csv {
                genres: genres.to_vec(),
                header_written: false,
            },
        }
    }

    fn write(&mut self, out: &mut impl Write, item: &Item) -> anyhow::Result<()> {
        match self {
            Sink::Table(rows) => rows.push(table_row(item)),
            Sink::Json { first } => {
                let text = serde_json::to_string_pretty(item)?.replace('\n', "\n  ");
                write!(out, "{}\n  {text}", if *first { "[" } else { "," })?;
                *first = false;
            }
            Sink::Jsonl => writeln!(out, "{}", serde_json::to_string(item)?)?,
            Sink::Csv {
                genres,
                header_written,
            } => {
                let mut writer = csv::Writer::from_writer(&mut *out);
                if !*header_written {
                    write_csv_header(&mut writer, genres)?;
                    *header_written = true;
                }
                writer.write_record(csv_row(item, genres))?;
                writer.flush()?;
            }
        }
        Ok(())
    }

    fn finish(self, out: &mut impl Write) -> anyhow::Result<()> {
        match self {
            Sink::Table(rows) => write_table(out, &rows)?,
            Sink::Json { first } => writeln!(out, "{}", if first { "[]" } else { "\n]" })?,
            Sink::Jsonl => {}
            Sink::Csv {
                genres,
                header_written,
            } => {
                if !header_written {
                    let mut writer = csv::Writer::from_writer(&mut *out);
                    write_csv_header(&mut writer, &genres)?;
                    writer.flush()?;
                }
            }
        }
        Ok(())
    }
}

fn write_csv_header<W: Write>(writer: &mut csv::Writer<W>, genres: &[String]) -> csv::Result<()> {
    let mut header: Vec<String> = CSV_COLUMNS.iter().map(|s| s.to_string()).collect();
    header.extend(genres.iter().map(|g| format!("p_{g}")));
    writer.write_record(&header)
}

/// How a track is named in the table: "artist - title" when both tags are set, else its path
/// (relative to the current folder when below it).
fn display_name(path: &str, artist: Option<&str>, title: Option<&str>) -> String {
    if let (Some(a), Some(t)) = (artist, title) {
        return format!("{a} - {t}");
    }
    let p = Path::new(path);
    std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.canonicalize().ok())
        .and_then(|cwd| p.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .map_or_else(|| path.to_string(), |rel| rel.display().to_string())
}

fn table_row(item: &Item) -> [String; 4] {
    match item {
        Item::Track(t) => [
            display_name(&t.path, t.artist.as_deref(), t.title.as_deref()),
            t.genre.clone(),
            format!("{:.2}", t.confidence),
            t.runner_up()
                .map_or_else(String::new, |(g, p)| format!("{g} {p:.2}")),
        ],
        Item::Failed(f) => [
            display_name(&f.path, None, None),
            "FAILED".into(),
            String::new(),
            f.error_kind.clone(),
        ],
    }
}

fn write_table(out: &mut impl Write, rows: &[[String; 4]]) -> std::io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    use super::Align::{Left, Right};
    super::write_columns(
        out,
        ["TRACK", "GENRE", "CONF", "RUNNER-UP"],
        rows,
        [Left, Left, Right, Left],
    )
}

fn csv_row(item: &Item, genres: &[String]) -> Vec<String> {
    match item {
        Item::Track(t) => {
            let (ru, rp) = t
                .runner_up()
                .map_or((String::new(), String::new()), |(g, p)| {
                    (g.to_string(), p.to_string())
                });
            let mut row = vec![
                t.path.clone(),
                t.artist.clone().unwrap_or_default(),
                t.title.clone().unwrap_or_default(),
                t.duration_s.to_string(),
                t.genre.clone(),
                t.confidence.to_string(),
                t.margin.to_string(),
                ru,
                rp,
                String::new(),
                String::new(),
            ];
            row.extend(genres.iter().map(|g| {
                t.probabilities
                    .get(g)
                    .map_or_else(String::new, |p| p.to_string())
            }));
            row
        }
        Item::Failed(f) => {
            let mut row = vec![f.path.clone()];
            row.extend(std::iter::repeat_n(String::new(), CSV_COLUMNS.len() - 3));
            row.extend([f.error_kind.clone(), f.error.clone()]);
            row.extend(genres.iter().map(|_| String::new()));
            row
        }
    }
}

/// Lists failures on stderr, grouped by kind (most frequent kind first).
fn report_failures(failures: &[(String, String)]) {
    if failures.is_empty() {
        return;
    }
    let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (kind, message) in failures {
        by_kind.entry(kind).or_default().push(message);
    }
    let mut groups: Vec<_> = by_kind.into_iter().collect();
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let n = failures.len();
    eprintln!(
        "genrekit: {n} file{} could not be analyzed (a stored failure is tried again when its \
         file changes, or with --force):",
        if n == 1 { "" } else { "s" }
    );
    for (kind, messages) in groups {
        eprintln!("  {kind} ({}):", messages.len());
        for m in messages {
            eprintln!("    {m}");
        }
    }
}

/// Analyzes `files` into `lib` quietly, as `genrekit analyze` would (unchanged tracks are not
/// decoded again), with the model it uses when none is given: for `genrekit like` on tracks
/// not analyzed yet.
///
/// Returns one item per audio file, in walk order: its library path (canonical), or why it is
/// not analyzed (`path: kind: message`).
pub(crate) fn analyze_quietly(
    lib: &mut Library,
    files: &[PathBuf],
) -> anyhow::Result<Vec<Result<PathBuf, String>>> {
    let loaded = super::model::resolve(None)?;
    super::predict::check_model_features(&loaded.model)?;
    let schema = super::feature_schema();
    let pool = super::thread_pool(None)?;
    let (mut entries, jobs, _) = plan(lib, files, false);
    let written = analyze(
        lib,
        &schema,
        &loaded,
        jobs,
        &pool,
        false,
        COMMIT_TRACKS as usize,
    )?;
    for (index, err) in written.unstored {
        entries[index].state = State::Error(err);
    }
    for index in written.not_audio {
        entries[index].state = State::NotAudio;
    }
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let shown = entry.path.display().to_string();
        // Most messages name the file already.
        let named = |kind: &str, message: &str| {
            if message.contains(&shown) {
                message.to_string()
            } else {
                format!("{shown}: {kind}: {message}")
            }
        };
        out.push(match entry.state {
            State::NotAudio => Err(format!("{shown}: not an audio file")),
            State::Error(err) => Err(named(err.kind, &err.message)),
            State::Stored => match lib.track(&entry.path)? {
                Some(detail) => match detail.failure {
                    Some(f) => Err(named(&f.kind, &f.message)),
                    None => Ok(entry.path),
                },
                None => Err(format!("{shown}: not in the library")),
            },
        });
    }
    Ok(out)
}
