//! `genrekit library`: look into the library database (list, stats, failures, export).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use genrekit_library::{ExportOptions, Library, TrackFilter};
use serde::Serialize;

/// Output formats of the listing subcommands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned columns for people.
    Table,
    /// JSON for programs.
    Json,
}

/// Arguments of `genrekit library`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Library database file [default: $XDG_DATA_HOME/genrekit/library.db, else
    /// ~/.local/share/genrekit/library.db].
    #[arg(long, value_name = "FILE", global = true)]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// List tracks with their latest predicted genre, confidence and label.
    List {
        /// Only tracks predicted as this genre.
        #[arg(long)]
        genre: Option<String>,
        /// Use this model's predictions (default: the latest of any model).
        #[arg(long)]
        model: Option<String>,
        /// Only tracks whose analysis failed.
        #[arg(long)]
        failed: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Count tracks per genre, failures per kind, total duration, labels and likes.
    Stats {
        /// Use this model's predictions (default: the latest of any model).
        #[arg(long)]
        model: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Also draw tracks per genre as a bar chart to this SVG file.
        #[arg(long, value_name = "FILE.svg")]
        plot: Option<PathBuf>,
    },
    /// List tracks whose analysis failed, with the reason.
    Failures {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write stored snippet features as a CSV table in the GTZAN format
    /// (filename, length, the feature columns, label), e.g. to retrain a model.
    Export {
        /// Feature schema version to export.
        #[arg(long, default_value_t = genrekit_features::SCHEMA_VERSION)]
        schema_version: u32,
        /// Only tracks a person labeled.
        #[arg(long)]
        labeled_only: bool,
        /// Label unlabeled tracks with this model's prediction (default: latest of any model).
        #[arg(long)]
        model: Option<String>,
        /// Output file [default: standard output].
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Runs `genrekit library`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let db = match &args.db {
        Some(db) => db.clone(),
        None => Library::default_path()?,
    };
    let library = open_existing(&db)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match &args.command {
        Sub::List {
            genre,
            model,
            failed,
            format,
        } => {
            let mut filter = TrackFilter::default();
            filter.genre.clone_from(genre);
            filter.model_id.clone_from(model);
            filter.failed_only = *failed;
            list(&library, &filter, *format, &mut out)?;
        }
        Sub::Stats {
            model,
            format,
            plot,
        } => stats(
            &library,
            model.as_deref(),
            *format,
            plot.as_deref(),
            &mut out,
        )?,
        Sub::Failures { format } => failures(&library, *format, &mut out)?,
        Sub::Export {
            schema_version,
            labeled_only,
            model,
            output,
        } => {
            let mut options = ExportOptions::new(*schema_version);
            options.labeled_only = *labeled_only;
            options.model_id.clone_from(model);
            let rows = match output {
                Some(path) => {
                    let file = File::create(path)
                        .with_context(|| format!("{}: cannot create", path.display()))?;
                    library.export_features(BufWriter::new(file), &options)?
                }
                None => library.export_features(&mut out, &options)?,
            };
            if let Some(path) = output {
                eprintln!("wrote {rows} snippet rows to {}", path.display());
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Opens the library at `db`, refusing to create a new empty one.
fn open_existing(db: &Path) -> anyhow::Result<Library> {
    if !db.exists() {
        anyhow::bail!(
            "{}: no library database here; run `genrekit analyze FOLDER` first, or pass --db FILE",
            db.display()
        );
    }
    Ok(Library::open(db)?)
}

#[derive(Serialize)]
struct ListRow<'a> {
    path: String,
    genre: Option<&'a str>,
    confidence: Option<f32>,
    margin: Option<f32>,
    model: Option<&'a str>,
    label: Option<&'a str>,
    duration_seconds: Option<f64>,
    title: Option<&'a str>,
    artist: Option<&'a str>,
    album: Option<&'a str>,
    error_kind: Option<&'a str>,
    error: Option<&'a str>,
}

fn list(
    lib: &Library,
    filter: &TrackFilter,
    format: Format,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let tracks = lib.tracks(filter)?;
    if format == Format::Json {
        let rows: Vec<ListRow<'_>> = tracks
            .iter()
            .map(|t| ListRow {
                path: t.path.display().to_string(),
                genre: t.prediction.as_ref().map(|p| p.genre.as_str()),
                confidence: t.prediction.as_ref().map(|p| p.confidence),
                margin: t.prediction.as_ref().map(|p| p.margin),
                model: t.prediction.as_ref().map(|p| p.model_id.as_str()),
                label: t.label.as_deref(),
                duration_seconds: t.duration_s,
                title: t.tags.title.as_deref(),
                artist: t.tags.artist.as_deref(),
                album: t.tags.album.as_deref(),
                error_kind: t.failure.as_ref().map(|f| f.kind.as_str()),
                error: t.failure.as_ref().map(|f| f.message.as_str()),
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<12} {:>5} {:>8} {:<12} path",
        "genre", "conf", "duration", "label"
    )?;
    for t in &tracks {
        let (genre, conf) = match (&t.prediction, &t.failure) {
            (_, Some(f)) => (format!("FAILED:{}", f.kind), String::new()),
            (Some(p), None) => (p.genre.clone(), format!("{:.2}", p.confidence)),
            (None, None) => ("-".to_string(), String::new()),
        };
        let duration = t.duration_s.map(format_duration).unwrap_or_default();
        let label = t.label.as_deref().unwrap_or("-");
        writeln!(
            out,
            "{genre:<12} {conf:>5} {duration:>8} {label:<12} {}",
            t.path.display()
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct StatsJson<'a> {
    tracks: u64,
    analyzed: u64,
    failed: u64,
    snippets: u64,
    total_duration_seconds: f64,
    labeled: u64,
    liked: u64,
    disliked: u64,
    per_genre: &'a [(String, u64)],
    failures_by_kind: &'a [(String, u64)],
}

fn stats(
    lib: &Library,
    model: Option<&str>,
    format: Format,
    plot: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let s = lib.stats(model)?;
    if let Some(plot) = plot {
        if s.per_genre.is_empty() {
            anyhow::bail!(
                "{}: nothing to plot: no track has a genre prediction yet (run genrekit analyze)",
                plot.display()
            );
        }
        let bars: Vec<(String, f64)> = s
            .per_genre
            .iter()
            .map(|(genre, n)| (genre.clone(), *n as f64))
            .collect();
        let title = format!("tracks per genre ({} analyzed)", s.analyzed);
        genrekit_classify::write_bar_chart_svg(&bars, &title, 0, plot)?;
    }
    if format == Format::Json {
        let json = StatsJson {
            tracks: s.tracks,
            analyzed: s.analyzed,
            failed: s.failed,
            snippets: s.snippets,
            total_duration_seconds: s.total_duration_s,
            labeled: s.labeled,
            liked: s.liked,
            disliked: s.disliked,
            per_genre: &s.per_genre,
            failures_by_kind: &s.failures_by_kind,
        };
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "tracks      {} ({} analyzed, {} failed)",
        s.tracks, s.analyzed, s.failed
    )?;
    writeln!(out, "snippets    {}", s.snippets)?;
    writeln!(out, "duration    {}", format_duration(s.total_duration_s))?;
    writeln!(out, "labeled     {}", s.labeled)?;
    writeln!(
        out,
        "likes       {} liked, {} disliked",
        s.liked, s.disliked
    )?;
    if !s.per_genre.is_empty() {
        writeln!(out, "genres")?;
        for (genre, n) in &s.per_genre {
            writeln!(out, "  {genre:<12} {n}")?;
        }
    }
    if !s.failures_by_kind.is_empty() {
        writeln!(out, "failures")?;
        for (kind, n) in &s.failures_by_kind {
            writeln!(out, "  {kind:<12} {n}")?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct FailureRow<'a> {
    path: String,
    kind: &'a str,
    message: &'a str,
    analyzed_at: i64,
}

fn failures(lib: &Library, format: Format, out: &mut impl Write) -> anyhow::Result<()> {
    let failures = lib.failures()?;
    if format == Format::Json {
        let rows: Vec<FailureRow<'_>> = failures
            .iter()
            .map(|f| FailureRow {
                path: f.path.display().to_string(),
                kind: &f.failure.kind,
                message: &f.failure.message,
                analyzed_at: f.analyzed_at,
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    for f in &failures {
        writeln!(
            out,
            "{}: {}: {}",
            f.path.display(),
            f.failure.kind,
            f.failure.message
        )?;
    }
    Ok(())
}

/// `h:mm:ss` or `m:ss`.
fn format_duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_readable() {
        assert_eq!(format_duration(0.0), "0:00");
        assert_eq!(format_duration(30.01), "0:30");
        assert_eq!(format_duration(3725.4), "1:02:05");
        assert_eq!(format_duration(-3.0), "0:00");
    }
}
