//! `genrekit label`: give tracks their genre without the review loop, import labels from a
//! CSV file, or list the labels given.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use genrekit_library::Library;

/// Where labels given on the command line or in review come from.
pub(crate) const SOURCE_USER: &str = "user";
/// Where imported labels come from.
const SOURCE_IMPORT: &str = "import";

/// Arguments of `genrekit label`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Labels live in the library database; the latest label of a track counts. `genrekit retrain` \
turns labeled tracks into training rows. A genre the model does not know becomes a new genre.

--import reads a CSV file of path,genre rows (a header row path,genre is skipped; further \
columns are ignored, so the output of --list can be imported). Each path must be in the \
library (run `genrekit analyze` first); a bad row is reported with its line and the rest is \
imported.

--list prints path,genre,source as CSV, ordered by path.

Exit status: 0 when every label was stored, 3 when some were not, 1 when none were.")]
pub(crate) struct Args {
    /// The track, as analyzed into the library.
    #[arg(
        value_name = "PATH",
        required_unless_present_any = ["import", "list"],
        conflicts_with_all = ["import", "list"],
        requires = "genre"
    )]
    path: Option<PathBuf>,
    /// Its genre (any name; a new one becomes a new genre).
    #[arg(value_name = "GENRE")]
    genre: Option<String>,
    /// Import labels from a CSV file of path,genre rows.
    #[arg(long, value_name = "CSV", conflicts_with = "list")]
    import: Option<PathBuf>,
    /// List the labels given.
    #[arg(long)]
    list: bool,
    /// Library database file [default: $XDG_DATA_HOME/genrekit/library.db, else
    /// ~/.local/share/genrekit/library.db].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

/// Runs `genrekit label`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let lib = open_library(args.db.as_deref())?;
    if args.list {
        return list(&lib);
    }
    if let Some(csv) = &args.import {
        return import(&lib, csv);
    }
    let (Some(path), Some(genre)) = (&args.path, &args.genre) else {
        anyhow::bail!("give PATH and GENRE, --import CSV or --list");
    };
    let genre = clean_genre(genre).with_context(|| format!("{}", path.display()))?;
    let path = library_path(path);
    let known = super::review::known_genres(&lib, None)?;
    lib.add_label(&path, &genre, SOURCE_USER)?;
    let mut out = std::io::stdout().lock();
    if !known.iter().any(|g| g == &genre) {
        writeln!(out, "new genre {genre}")?;
    }
    writeln!(out, "{}: {genre}", path.display())?;
    Ok(ExitCode::SUCCESS)
}

/// Opens the library of `--db`, else the default one.
pub(crate) fn open_library(db: Option<&Path>) -> anyhow::Result<Library> {
    let path = match db {
        Some(db) => db.to_path_buf(),
        None => Library::default_path()?,
    };
    Ok(Library::open(&path)?)
}

/// The path under which the library stores `path`: analyze stores canonical paths, so an
/// existing file is canonicalized; otherwise (a deleted file) it is taken as given.
pub(crate) fn library_path(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A genre name as stored: trimmed, not empty, on one line.
pub(crate) fn clean_genre(genre: &str) -> anyhow::Result<String> {
    let g = genre.trim();
    if g.is_empty() {
        anyhow::bail!("the genre is empty");
    }
    if g.contains(['\n', '\r']) {
        anyhow::bail!("the genre {g:?} spans lines");
    }
    Ok(g.to_string())
}

fn list(lib: &Library) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut w = csv::Writer::from_writer(stdout.lock());
    w.write_record(["path", "genre", "source"])
        .context("writing to stdout")?;
    for (path, label) in lib.labels()? {
        w.write_record([
            path.display().to_string().as_str(),
            &label.genre,
            &label.source,
        ])
        .context("writing to stdout")?;
    }
    w.flush().context("writing to stdout")?;
    Ok(ExitCode::SUCCESS)
}

fn import(lib: &Library, csv_path: &Path) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(csv_path)
        .with_context(|| format!("{}: cannot open the labels file", csv_path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(file);
    let mut labels = Vec::new();
    let mut lines = Vec::new();
    let mut failed = 0;
    for (i, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(err) => {
                failed += 1;
                eprintln!("genrekit: {}: {err}", csv_path.display());
                continue;
            }
        };
        let line = record.position().map_or(i as u64 + 1, |p| p.line());
        let path = record.get(0).unwrap_or("");
        let genre = record.get(1).unwrap_or("");
        if i == 0 && path.eq_ignore_ascii_case("path") && genre.eq_ignore_ascii_case("genre") {
            continue;
        }
        if path.is_empty() && genre.is_empty() {
            continue;
        }
        match (path.is_empty(), clean_genre(genre)) {
            (false, Ok(genre)) => {
                labels.push((library_path(Path::new(path)), genre));
                lines.push(line);
            }
            (true, _) => {
                failed += 1;
                eprintln!("genrekit: {} line {line}: no path", csv_path.display());
            }
            (false, Err(err)) => {
                failed += 1;
                eprintln!(
                    "genrekit: {} line {line}: {path}: {err}",
                    csv_path.display()
                );
            }
        }
    }
    let results = lib.add_labels(&labels, SOURCE_IMPORT)?;
    let mut stored = 0;
    for ((result, line), _) in results.into_iter().zip(&lines).zip(&labels) {
        match result {
            Ok(()) => stored += 1,
            Err(err) => {
                failed += 1;
                eprintln!("genrekit: {} line {line}: {err}", csv_path.display());
            }
        }
    }
    println!("imported {stored} labels from {}", csv_path.display());
    Ok(super::exit_status(failed, stored + failed))
}
