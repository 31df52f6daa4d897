//! `genrekit train`: fit a KNN genre model on GTZAN-format feature tables and save it.
//!
//! Also holds the data and hyperparameter options shared with `eval` and `tune`.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use genrekit_classify::{
    CvOptions, Dataset, FeatureSet, FeatureWeighting, Metric, Model, Settings, Weighting,
    cross_validate,
};

/// Where training rows come from.
#[derive(Debug, clap::Args)]
pub(crate) struct DataArgs {
    /// GTZAN-format feature tables (filename, optionally length, the features, label); one row = one
    /// snippet of track `filename`.
    #[arg(long = "csv", required_unless_present = "dir", num_args = 1.., value_name = "FILE")]
    csv: Vec<PathBuf>,
    /// Labeled audio folders, DIR/GENRE/audio files: each file is decoded and one row per
    /// 30-second snippet is taken, grouped by track (its path relative to DIR). With --csv, the
    /// rows keep only the tables' columns.
    #[arg(long = "dir", num_args = 1.., value_name = "DIR")]
    dir: Vec<PathBuf>,
    /// A file listing filenames to leave out, one per line (blank lines and lines starting with
    /// `#` are ignored); for --dir, a base name or a path relative to DIR.
    #[arg(long, value_name = "NAMES_FILE")]
    exclude: Option<PathBuf>,
    /// Threads that decode --dir audio (default: one per core).
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
}

/// Training rows, and how many audio files could not be read for them.
pub(crate) struct Loaded {
    /// The rows.
    pub(crate) data: Dataset,
    /// Audio files of --dir folders that failed (each reported on stderr).
    pub(crate) failed_files: usize,
}

impl Loaded {
    /// The exit status of a command that otherwise succeeded: [`super::EXIT_SOME_FAILED`] when
    /// some audio files could not be read, after saying so on stderr.
    pub(crate) fn exit_status(&self) -> ExitCode {
        if self.failed_files == 0 {
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "genrekit: {} audio file(s) could not be read and were left out (listed above)",
            self.failed_files
        );
        ExitCode::from(super::EXIT_SOME_FAILED)
    }
}

impl DataArgs {
    /// Reads the tables and the labeled folders, minus the excluded filenames. The first table
    /// fixes the feature columns; folder rows are narrowed to them. Without tables, folder rows
    /// have every feature of the extractor.
    pub(crate) fn load(&self) -> anyhow::Result<Loaded> {
        let exclude = match &self.exclude {
            None => HashSet::new(),
            Some(path) => read_names(path)?,
        };
        let mut data = if self.csv.is_empty() {
            Dataset::new(super::feature_names())
        } else {
            Dataset::read_tables(&self.csv, &exclude)?
        };
        let mut failed_files = 0;
        if !self.dir.is_empty() {
            let pool = super::thread_pool(self.jobs.map(usize::from))?;
            let columns = folder_columns(data.feature_names())?;
            for dir in &self.dir {
                let folder = super::labeled_dir::read_labeled_dir(dir, &exclude, &pool)?;
                failed_files += folder.failed;
                for mut row in folder.rows {
                    row.features = columns.iter().map(|&j| row.features[j]).collect();
                    let track = row.track.clone();
                    data.push(row)
                        .with_context(|| format!("{}: track {track}", dir.display()))?;
                }
            }
        }
        Ok(Loaded { data, failed_files })
    }
}

/// For each of `names`, its index among the extractor's features; an error names a column the
/// extractor does not compute.
fn folder_columns(names: &[String]) -> anyhow::Result<Vec<usize>> {
    let extracted = super::feature_names();
    names
        .iter()
        .map(|name| {
            extracted.iter().position(|e| e == name).with_context(|| {
                format!(
                    "the tables' column {name:?} is not a feature genrekit computes, so --dir \
                     rows cannot be added to them"
                )
            })
        })
        .collect()
}

fn read_names(path: &Path) -> anyhow::Result<HashSet<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the --exclude list", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// Vote weighting on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum WeightsArg {
    /// Every neighbour counts 1.
    Uniform,
    /// Neighbours count 1/distance.
    Distance,
}

/// Metric on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum MetricArg {
    /// Euclidean.
    L2,
    /// Manhattan.
    L1,
    /// Cosine (Euclidean between L2-normalised vectors).
    Cosine,
}

/// KNN hyperparameters.
#[derive(Debug, clap::Args)]
pub(crate) struct HyperArgs {
    /// Number of neighbours that vote.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    k: u32,
    /// How neighbours' votes are weighted.
    #[arg(long, value_enum, default_value_t = WeightsArg::Distance)]
    weights: WeightsArg,
    /// Distance between standardised feature vectors.
    #[arg(long, value_enum, default_value_t = MetricArg::L2)]
    metric: MetricArg,
    /// Use only these features (comma-separated names).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "NAMES",
        conflicts_with = "feature_set"
    )]
    features: Option<Vec<String>>,
    /// Use a named feature set: all, table, no-tempo, no-high-mfcc-var, no-tempo-high-mfcc-var.
    #[arg(long, value_name = "SET")]
    feature_set: Option<String>,
    /// Weight each standardised feature by its ANOVA F statistic to this power (0 = equal weights).
    #[arg(long, default_value_t = 0.0, value_name = "POWER")]
    anova_power: f64,
}

impl HyperArgs {
    /// The settings these options describe, for data over `available` features.
    pub(crate) fn settings(&self, available: &[String]) -> anyhow::Result<Settings> {
        let features = match (&self.features, &self.feature_set) {
            (Some(names), _) => Some(names.iter().map(|n| n.trim().to_string()).collect()),
            (None, Some(set)) => {
                let Some(fs) = FeatureSet::from_name(set) else {
                    let known: Vec<&str> = FeatureSet::ALL.iter().map(|s| s.name()).collect();
                    bail!(
                        "unknown --feature-set {set:?}; use one of {}",
                        known.join(", ")
                    );
                };
                match fs.names(available) {
                    Some(names) => Some(names),
                    None => bail!(
                        "--feature-set {set} needs the 57 GTZAN table columns, which the data lacks"
                    ),
                }
            }
            (None, None) => None,
        };
        let settings = Settings {
            k: self.k as usize,
            weighting: match self.weights {
                WeightsArg::Uniform => Weighting::Uniform,
                WeightsArg::Distance => Weighting::Distance,
            },
            metric: match self.metric {
                MetricArg::L2 => Metric::L2,
                MetricArg::L1 => Metric::L1,
                MetricArg::Cosine => Metric::Cosine,
            },
            features,
            feature_weighting: if self.anova_power == 0.0 {
                FeatureWeighting::Equal
            } else {
                FeatureWeighting::Anova {
                    power: self.anova_power,
                }
            },
        };
        settings.validate()?;
        Ok(settings)
    }
}

/// Arguments of `genrekit train`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The model stores its training rows, scaler, settings and a \
cross-validated evaluation (unless --no-eval). Use `genrekit tune --out` to pick the settings by \
nested cross-validation instead. A labeled audio folder (--dir DIR, laid out as DIR/GENRE/files) \
adds one row per 30-second snippet of each file; files that cannot be decoded are listed and left \
out, and the exit status is then 3."
)]
pub(crate) struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Where to write the model (JSON; written atomically).
    #[arg(long, value_name = "MODEL")]
    out: PathBuf,
    #[command(flatten)]
    hyper: HyperArgs,
    /// Folds of the cross-validation stored with the model.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..))]
    folds: u32,
    /// Repetitions of that cross-validation.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    repeats: u32,
    /// Skip the cross-validation.
    #[arg(long)]
    no_eval: bool,
}

/// Runs `genrekit train`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let loaded = args.data.load()?;
    let data = &loaded.data;
    let settings = args.hyper.settings(data.feature_names())?;
    let mut model = Model::train(data, &settings)?;
    let mut out = std::io::stdout().lock();
    if !args.no_eval {
        let cv = CvOptions {
            folds: args.folds as usize,
            repeats: args.repeats as usize,
            ..CvOptions::default()
        };
        let eval = cross_validate(data, &settings, cv)?;
        writeln!(
            out,
            "cross-validated accuracy {:.1} % ± {:.1} ({} x {}-fold, {} tracks), macro F1 {:.3}",
            100.0 * eval.accuracy,
            100.0 * eval.accuracy_sd,
            cv.repeats,
            cv.folds,
            eval.tracks,
            eval.macro_f1
        )?;
        model.set_evaluation(eval);
    }
    model.save(&args.out)?;
    writeln!(
        out,
        "trained on {} snippets, {} genres, {} features ({}); wrote {}",
        data.len(),
        model.genres().len(),
        model.feature_names().len(),
        settings.describe(),
        args.out.display()
    )?;
    Ok(loaded.exit_status())
}
