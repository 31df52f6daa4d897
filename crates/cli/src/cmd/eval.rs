//! `genrekit eval`: cross-validate KNN settings on feature tables and report the metrics.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use genrekit_classify::{CvOptions, Evaluation, cross_validate, write_confusion_svg};
use serde::Serialize;

use super::train::{DataArgs, HyperArgs};

/// Output formats of `eval` and `tune`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Human-readable summary, per-genre table and confusion matrix.
    Table,
    /// One JSON object.
    Json,
}

/// Arguments of `genrekit eval`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Folds are stratified by genre and grouped by track: no snippet of a test \
track is ever in training. Each test track is predicted from the mean of its snippets' \
probabilities. Accuracy is the mean over repeats ± their sample standard deviation."
)]
pub(crate) struct Args {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    hyper: HyperArgs,
    /// Number of folds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..))]
    folds: u32,
    /// Repetitions with different shuffles.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    repeats: u32,
    /// Seed of the shuffles.
    #[arg(long, default_value_t = CvOptions::default().seed)]
    seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also draw the confusion matrix to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
}

/// The JSON report of an evaluation.
#[derive(Debug, Serialize)]
pub(crate) struct Report<'a> {
    settings: String,
    folds: usize,
    repeats: usize,
    tracks: usize,
    accuracy: f64,
    accuracy_sd: f64,
    repeat_accuracies: &'a [f64],
    macro_precision: f64,
    macro_recall: f64,
    macro_f1: f64,
    labels: &'a [String],
    /// Rows = true genre, columns = predicted, summed over repeats.
    confusion: &'a [Vec<u64>],
    per_class: &'a [genrekit_classify::ClassMetrics],
}

impl<'a> Report<'a> {
    pub(crate) fn new(e: &'a Evaluation) -> Self {
        Self {
            settings: e.settings.describe(),
            folds: e.cv.folds,
            repeats: e.cv.repeats,
            tracks: e.tracks,
            accuracy: e.accuracy,
            accuracy_sd: e.accuracy_sd,
            repeat_accuracies: &e.repeat_accuracies,
            macro_precision: e.macro_precision,
            macro_recall: e.macro_recall,
            macro_f1: e.macro_f1,
            labels: &e.labels,
            confusion: &e.confusion.counts,
            per_class: &e.per_class,
        }
    }
}

/// Writes the human-readable metrics of `e`: per-genre table and confusion matrix.
pub(crate) fn write_table(out: &mut impl Write, e: &Evaluation) -> std::io::Result<()> {
    writeln!(
        out,
        "macro precision {:.3}  recall {:.3}  F1 {:.3}\n",
        e.macro_precision, e.macro_recall, e.macro_f1
    )?;
    let w = e.labels.iter().map(String::len).max().unwrap_or(5).max(5);
    writeln!(out, "{:<w$}  precision  recall     F1  support", "genre")?;
    for m in &e.per_class {
        writeln!(
            out,
            "{:<w$}  {:>9.3}  {:>6.3}  {:>5.3}  {:>7}",
            m.label, m.precision, m.recall, m.f1, m.support
        )?;
    }
    writeln!(
        out,
        "\nconfusion (rows = true genre, columns = predicted, all repeats):"
    )?;
    write!(out, "{:<w$}", "")?;
    for l in &e.labels {
        write!(out, " {:>5}", &l[..l.len().min(5)])?;
    }
    writeln!(out)?;
    for (l, row) in e.labels.iter().zip(&e.confusion.counts) {
        write!(out, "{l:<w$}")?;
        for c in row {
            write!(out, " {c:>5}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Runs `genrekit eval`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let loaded = args.data.load()?;
    let data = &loaded.data;
    let settings = args.hyper.settings(data.feature_names())?;
    let cv = CvOptions {
        folds: args.folds as usize,
        repeats: args.repeats as usize,
        seed: args.seed,
    };
    let e = cross_validate(data, &settings, cv)?;
    if let Some(path) = &args.plot {
        let title = format!(
            "{}: {:.1} % accuracy",
            settings.describe(),
            100.0 * e.accuracy
        );
        write_confusion_svg(&e.confusion, &title, path)?;
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &Report::new(&e))?;
            writeln!(out)?;
        }
        Format::Table => {
            writeln!(out, "settings: {}", settings.describe())?;
            writeln!(
                out,
                "accuracy {:.1} % ± {:.1} ({} x {}-fold, {} tracks)",
                100.0 * e.accuracy,
                100.0 * e.accuracy_sd,
                cv.repeats,
                cv.folds,
                e.tracks
            )?;
            write_table(&mut out, &e)?;
        }
    }
    Ok(loaded.exit_status())
}
