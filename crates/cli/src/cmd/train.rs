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
    #[arg(long = "csv", required = true, num_args = 1.., value_name = "FILE")]
    csv: Vec<PathBuf>,
    /// A file listing filenames to leave out, one per line (blank lines and lines starting with
    /// `#` are ignored).
    #[arg(long, value_name = "NAMES_FILE")]
    exclude: Option<PathBuf>,
}

impl DataArgs {
    /// Reads the tables, minus the excluded filenames.
    pub(crate) fn load(&self) -> anyhow::Result<Dataset> {
        let exclude = match &self.exclude {
            None => HashSet::new(),
            Some(path) => read_names(path)?,
        };
        Ok(Dataset::read_tables(&self.csv, &exclude)?)
    }
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
nested cross-validation instead. Training from a labeled audio folder (--dir) needs the feature \
extractor and is not available yet."
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
    let data = args.data.load()?;
    let settings = args.hyper.settings(data.feature_names())?;
    let mut model = Model::train(&data, &settings)?;
    let mut out = std::io::stdout().lock();
    if !args.no_eval {
        let cv = CvOptions {
            folds: args.folds as usize,
            repeats: args.repeats as usize,
            ..CvOptions::default()
        };
        let eval = cross_validate(&data, &settings, cv)?;
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
    Ok(ExitCode::SUCCESS)
}
