//! `genrekit tune`: nested cross-validation of the KNN settings search, and the final model.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use genrekit_classify::{
    CvOptions, Grid, Model, nested_cross_validate, search, write_confusion_svg,
};
use serde::Serialize;

use super::eval::{Format, Report, write_table};
use super::train::DataArgs;

/// Arguments of `genrekit tune`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The grid: k in {1,3,5,7,9,11,15}, uniform or distance votes, l2/l1/cosine, \
four feature sets (table, no-tempo, no-high-mfcc-var, no-tempo-high-mfcc-var), equal or ANOVA^0.5 \
feature weights (336 settings). Outer folds measure the whole tuning procedure on tracks it never \
saw. With --out, the settings are picked again by a plain search on all rows, and the model \
trained on all rows is written with the nested evaluation."
)]
pub(crate) struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Outer folds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..))]
    folds: u32,
    /// Inner folds (the search inside each outer training set).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..))]
    inner_folds: u32,
    /// Repetitions of the outer cross-validation.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    repeats: u32,
    /// Repetitions of each inner search (and of the final plain search).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    inner_repeats: u32,
    /// Seed of the shuffles.
    #[arg(long, default_value_t = CvOptions::default().seed)]
    seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Draw the nested-CV confusion matrix to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
    /// Write the final model (settings from a plain search over all rows) here.
    #[arg(long, value_name = "MODEL")]
    out: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct TuneReport<'a> {
    nested: Report<'a>,
    inner_folds: usize,
    inner_repeats: usize,
    chosen: &'a [(String, usize)],
    final_settings: Option<String>,
    final_search_accuracy: Option<f64>,
}

/// Runs `genrekit tune`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let loaded = args.data.load()?;
    let data = &loaded.data;
    let grid = Grid::standard(data.feature_names());
    let outer = CvOptions {
        folds: args.folds as usize,
        repeats: args.repeats as usize,
        seed: args.seed,
    };
    let inner = CvOptions {
        folds: args.inner_folds as usize,
        repeats: args.inner_repeats as usize,
        seed: args.seed.wrapping_add(1),
    };
    let nested = nested_cross_validate(data, &grid, outer, inner)?;
    let e = &nested.evaluation;
    if let Some(path) = &args.plot {
        let title = format!("nested CV: {:.1} % accuracy", 100.0 * e.accuracy);
        write_confusion_svg(&e.confusion, &title, path)?;
    }
    let mut final_pick = None;
    if let Some(path) = &args.out {
        let found = search(data, &grid, inner)?;
        let settings = found.best_settings().clone();
        let mut model = Model::train(data, &settings)?;
        model.set_evaluation(nested.evaluation.clone());
        model.save(path)?;
        final_pick = Some((settings.describe(), found.scores[found.best].accuracy));
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let report = TuneReport {
                nested: Report::new(e),
                inner_folds: inner.folds,
                inner_repeats: inner.repeats,
                chosen: &nested.chosen,
                final_settings: final_pick.as_ref().map(|p| p.0.clone()),
                final_search_accuracy: final_pick.as_ref().map(|p| p.1),
            };
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Table => {
            writeln!(
                out,
                "nested CV accuracy {:.1} % ± {:.1} ({} x {}-fold outer, {}-fold inner, {} settings, {} tracks)",
                100.0 * e.accuracy,
                100.0 * e.accuracy_sd,
                outer.repeats,
                outer.folds,
                inner.folds,
                grid.settings().len(),
                e.tracks
            )?;
            writeln!(out, "settings chosen by the inner searches:")?;
            for (s, n) in nested.chosen.iter().take(10) {
                writeln!(out, "  {n:>3} x {s}")?;
            }
            write_table(&mut out, e)?;
            if let (Some((s, acc)), Some(path)) = (&final_pick, &args.out) {
                writeln!(
                    out,
                    "\nfinal settings (plain {}-fold search on all rows, {:.1} %, optimistic): {s}\nwrote {}",
                    inner.folds,
                    100.0 * acc,
                    path.display()
                )?;
            }
        }
    }
    Ok(loaded.exit_status())
}
