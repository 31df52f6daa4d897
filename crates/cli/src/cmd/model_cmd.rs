//! `genrekit model`: which genre model is in use, and going back to the built-in one.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::model::{Origin, resolve, user_model_path};
use super::retrain::LIBRARY_SOURCE_PREFIX;

/// Arguments of `genrekit model`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Without a subcommand, shows the model that `analyze`, `predict` and `review` use: --model FILE \
when given, else your model written by `genrekit retrain` (in $XDG_DATA_HOME/genrekit/), else \
the model built into genrekit.")]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    /// Show this model file instead.
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
}

/// What `genrekit model` does.
#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Show which model is in use, its genres and its rows (the default).
    Show,
    /// Delete your retrained model, so the built-in one is used again.
    Reset,
}

/// Runs `genrekit model`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match args.action {
        None | Some(Action::Show) => show(args),
        Some(Action::Reset) => reset(),
    }
}

fn show(args: &Args) -> anyhow::Result<ExitCode> {
    let loaded = resolve(args.model.as_deref())?;
    let m = &loaded.model;
    let mut out = std::io::stdout().lock();
    let kind = match &loaded.origin {
        Origin::Given(_) => "given with --model",
        Origin::User(_) => "retrained from your labels",
        Origin::BuiltIn => "built in",
    };
    writeln!(out, "model: {} ({kind})", loaded.origin)?;
    writeln!(out, "id: {}", loaded.id)?;
    writeln!(
        out,
        "genres ({}): {}",
        m.genres().len(),
        m.genres().join(", ")
    )?;
    let user: Vec<_> = m
        .rows()
        .iter()
        .filter(|r| r.source.starts_with(LIBRARY_SOURCE_PREFIX))
        .collect();
    let user_tracks: HashSet<&str> = user.iter().map(|r| r.track.as_str()).collect();
    let tracks: HashSet<&str> = m.rows().iter().map(|r| r.track.as_str()).collect();
    writeln!(
        out,
        "rows: {} from {} tracks ({} rows from {} tracks labeled in a library)",
        m.rows().len(),
        tracks.len(),
        user.len(),
        user_tracks.len()
    )?;
    writeln!(out, "settings: {}", m.settings().describe())?;
    if let Some(e) = m.evaluation() {
        writeln!(
            out,
            "cross-validated accuracy: {:.1} % ± {:.1} ({} tracks)",
            100.0 * e.accuracy,
            100.0 * e.accuracy_sd,
            e.tracks
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn reset() -> anyhow::Result<ExitCode> {
    let path =
        user_model_path().context("cannot find the data directory: set XDG_DATA_HOME or HOME")?;
    if path.exists() {
        std::fs::remove_file(&path)
            .with_context(|| format!("{}: cannot remove your model", path.display()))?;
        println!(
            "removed your model {}; using the built-in model",
            path.display()
        );
    } else {
        println!(
            "no retrained model at {}; using the built-in model",
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
