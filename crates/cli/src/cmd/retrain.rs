//! `genrekit retrain`: the base model's rows plus the library's labeled tracks make the user's
//! model, which `analyze`, `predict` and `review` then use.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use genrekit_classify::{LabeledRow, Model, labeled_cv, retrain};
use genrekit_features::SCHEMA_VERSION;
use genrekit_library::Library;

use super::label::open_library;
use super::model::{LoadedModel, Origin};

/// Seed of the fold assignment of the labeled tracks.
const CV_SEED: u64 = 42;

/// Prefix of the `source` of training rows made from library labels.
pub(crate) const LIBRARY_SOURCE_PREFIX: &str = "library ";

/// Arguments of `genrekit retrain`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Trains the base model's rows plus one row per snippet of every labeled track in the library \
(a label replaces the base model's rows of the same track, matched by path or file name; new \
genres become new classes), with the base model's settings. Before training, the labeled tracks \
are cross-validated: each fold is predicted by the base model without those tracks, and by that \
plus the labels of the other folds.

By default the result is your model in the data directory ($XDG_DATA_HOME/genrekit/model.json), \
which `analyze`, `predict` and `review` then use; `genrekit model reset` goes back to the \
built-in model. Retraining always starts again from the base, so it can be run after every \
review.")]
pub(crate) struct Args {
    /// Library database file [default: $XDG_DATA_HOME/genrekit/library.db, else
    /// ~/.local/share/genrekit/library.db].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// The model whose rows and settings to start from [default: the built-in model].
    #[arg(long, value_name = "MODEL")]
    base: Option<PathBuf>,
    /// Where to write the model [default: your model in the data directory].
    #[arg(long, value_name = "MODEL")]
    out: Option<PathBuf>,
    /// Folds of the cross-validation over the labeled tracks.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..))]
    folds: u32,
}

/// Runs `genrekit retrain`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let base = load_base(args.base.as_deref())?;
    let lib = open_library(args.db.as_deref())?;
    let user = user_rows(&lib, &base.model)?;
    if user.tracks == 0 {
        anyhow::bail!(
            "{}: no labeled tracks with features; label some with `genrekit review` or \
             `genrekit label` first",
            lib.path().display()
        );
    }
    let mut out = std::io::stdout().lock();
    if user.tracks >= 2 {
        let cv = labeled_cv(&base.model, &user.rows, args.folds as usize, CV_SEED)?;
        writeln!(
            out,
            "cross-validated on your {} labeled tracks ({} folds): {:.1} % agree with the base \
             model, {:.1} % with your labels added",
            cv.tracks,
            cv.folds,
            100.0 * cv.before,
            100.0 * cv.after
        )?;
    } else {
        writeln!(
            out,
            "1 labeled track: too few to cross-validate (label at least 2)"
        )?;
    }
    let model = retrain(&base.model, &user.rows)?;
    let (path, is_user) = match &args.out {
        Some(p) => (p.clone(), false),
        None => (
            super::model::user_model_path().context(
                "cannot find the data directory for your model: set XDG_DATA_HOME or HOME, or \
                 pass --out FILE",
            )?,
            true,
        ),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    }
    model.save(&path)?;
    let new: Vec<&str> = model
        .genres()
        .iter()
        .filter(|g| !base.model.genres().contains(g))
        .map(String::as_str)
        .collect();
    writeln!(
        out,
        "wrote {}: {} rows ({} from {} labeled tracks), {} genres{}",
        path.display(),
        model.rows().len(),
        user.rows.len(),
        user.tracks,
        model.genres().len(),
        if new.is_empty() {
            String::new()
        } else {
            format!(" (new: {})", new.join(", "))
        }
    )?;
    if is_user {
        writeln!(
            out,
            "analyze, predict and review now use it; `genrekit model reset` goes back to the \
             built-in model"
        )?;
    } else {
        writeln!(out, "use it with --model {}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The model of `--base`, else the built-in one (never the user's model: retraining starts
/// again from the base each time).
pub(crate) fn load_base(path: Option<&Path>) -> anyhow::Result<LoadedModel> {
    match path {
        Some(p) => super::model::load_file(p, Origin::Given(p.to_path_buf())),
        None => super::model::built_in(),
    }
}

/// Training rows from the library's labels.
pub(crate) struct UserRows {
    /// One row per snippet, over the model's training columns.
    pub(crate) rows: Vec<LabeledRow>,
    /// Labeled tracks they come from.
    pub(crate) tracks: usize,
}

/// The snippet features of the library's labeled tracks as training rows over `model`'s
/// training columns (track = path, source = the library and the label's source). Labeled
/// tracks without current features are reported on stderr and left out.
pub(crate) fn user_rows(lib: &Library, model: &Model) -> anyhow::Result<UserRows> {
    let labeled = lib.labeled_tracks(SCHEMA_VERSION)?;
    for path in &labeled.unusable {
        eprintln!(
            "genrekit: {}: labeled, but has no features of this genrekit; run `genrekit analyze \
             --force` on it (left out)",
            path.display()
        );
    }
    let mut out = UserRows {
        rows: Vec::new(),
        tracks: 0,
    };
    if labeled.tracks.is_empty() {
        return Ok(out);
    }
    let names = lib.feature_names(SCHEMA_VERSION)?.unwrap_or_default();
    let mut index = Vec::with_capacity(model.training_columns().len());
    for column in model.training_columns() {
        match names.iter().position(|n| n == column) {
            Some(i) => index.push(i),
            None => anyhow::bail!(
                "the model is trained on feature {column}, which the library {} does not store; \
                 use a base model trained on this genrekit's features",
                lib.path().display()
            ),
        }
    }
    for t in labeled.tracks {
        let track = t.path.display().to_string();
        let source = format!(
            "{LIBRARY_SOURCE_PREFIX}{} ({} label)",
            lib.path().display(),
            t.label.source
        );
        for (k, snippet) in t.snippets.iter().enumerate() {
            if snippet.len() != names.len() {
                anyhow::bail!(
                    "{}: snippet {k} has {} features, the library schema {} names",
                    t.path.display(),
                    snippet.len(),
                    names.len()
                );
            }
            out.rows.push(LabeledRow {
                features: index.iter().map(|&i| f64::from(snippet[i])).collect(),
                label: t.label.genre.clone(),
                source: source.clone(),
                track: track.clone(),
                snippet: u32::try_from(k).unwrap_or(u32::MAX),
            });
        }
        out.tracks += 1;
    }
    Ok(out)
}
