//! The `genrekit` command: tell the genre of every track in a music folder.
//!
//! `main` maps the result of `run` to an exit status; each subcommand lives in `cmd/`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
/// Tell the genre of every track in a music folder.
#[derive(Debug, Parser)]
#[command(name = "genrekit", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show what genrekit reads from audio files: format, rate, duration, tags, snippets.
    Info(cmd::info::Args),
    /// Compute feature vectors (the GTZAN table's 57 columns, then extras) of audio files.
    Features(cmd::features::Args),
    /// Train a KNN genre model on GTZAN-format feature tables.
    Train(cmd::train::Args),
    /// Cross-validate KNN settings on feature tables: accuracy, per-genre F1, confusion matrix.
    Eval(cmd::eval::Args),
    /// Pick KNN settings by nested cross-validation and optionally write the tuned model.
    Tune(cmd::tune::Args),
    /// Look into the library database: list tracks, stats, failures, export features.
    Library(cmd::library::Args),
    /// Tell the genre of audio files (top 3 and per snippet), without storing anything.
    Predict(cmd::predict::Args),
    /// Analyze music folders into the library: genre of every track, incrementally.
    Analyze(cmd::analyze::Args),
    /// Time each stage of the analysis on your files: decode, resample, features, KNN.
    Bench(cmd::bench::Args),
    /// Review the tracks the model is least sure of: accept or correct their genre.
    Review(cmd::review::Args),
    /// Give tracks their genre (or --import a CSV of labels, --list them).
    Label(cmd::label::Args),
    /// Retrain the model with your labels; analyze and predict then use it.
    Retrain(cmd::retrain::Args),
    /// Show the model in use (`model reset` goes back to the built-in one).
    Model(cmd::model_cmd::Args),
    /// Export every training row as a GTZAN-format table.
    Dataset(cmd::dataset::Args),
    /// Like tracks (analyzing them first if needed), or --import an M3U playlist of likes.
    Like(cmd::like::Args),
    /// Dislike tracks: recommendations move away from them.
    Dislike(cmd::like::Args),
    /// Forget that you liked or disliked tracks.
    Unlike(cmd::like::Args),
    /// Your taste: genres of your likes, what sets them apart, your taste clusters.
    Profile(cmd::profile::Args),
    /// Tracks of your library you are likely to like, each with the reason.
    Recommend(cmd::recommend::Args),
    /// Write one M3U8 playlist per genre into a folder.
    Playlists(cmd::playlists::PlaylistsArgs),
    /// A smooth playlist from a seed track through its nearest neighbours.
    Playlist(cmd::playlists::PlaylistArgs),
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Info(args) => cmd::info::run(&args),
        Command::Features(args) => cmd::features::run(&args),
        Command::Train(args) => cmd::train::run(&args),
        Command::Eval(args) => cmd::eval::run(&args),
        Command::Tune(args) => cmd::tune::run(&args),
        Command::Library(args) => cmd::library::run(&args),
        Command::Predict(args) => cmd::predict::run(&args),
        Command::Analyze(args) => cmd::analyze::run(&args),
        Command::Bench(args) => cmd::bench::run(&args),
        Command::Review(args) => cmd::review::run(&args),
        Command::Label(args) => cmd::label::run(&args),
        Command::Retrain(args) => cmd::retrain::run(&args),
        Command::Model(args) => cmd::model_cmd::run(&args),
        Command::Dataset(args) => cmd::dataset::run(&args),
        Command::Like(args) => cmd::like::run(&args, cmd::like::Opinion::Like),
        Command::Dislike(args) => cmd::like::run(&args, cmd::like::Opinion::Dislike),
        Command::Unlike(args) => cmd::like::run(&args, cmd::like::Opinion::Unlike),
        Command::Profile(args) => cmd::profile::run(&args),
        Command::Recommend(args) => cmd::recommend::run(&args),
        Command::Playlists(args) => cmd::playlists::run_playlists(&args),
        Command::Playlist(args) => cmd::playlists::run_playlist(&args),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if cmd::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("genrekit: {err:#}");
            ExitCode::from(1)
        }
    }
}
