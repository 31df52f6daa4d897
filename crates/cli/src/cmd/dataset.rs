//! `genrekit dataset export`: every training row (the base model's and the library's labeled
//! tracks', as `retrain` combines them) as a GTZAN-format table, with its provenance beside it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use genrekit_classify::{LabeledRow, retrain};

use super::label::open_library;
use super::retrain::{load_base, user_rows};

/// Arguments of `genrekit dataset`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

/// What `genrekit dataset` does.
#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Write every training row as a GTZAN-format table (then `genrekit train --csv FILE`).
    #[command(after_help = "\
The table has the columns filename, the model's features and label, one row per snippet; \
`filename` is the track (its file name for GTZAN rows, its path for library tracks), so all \
snippets of a track stay in one cross-validation fold. The rows are those `genrekit retrain` \
trains on: the base model's, minus the tracks you labeled, plus one per snippet of each \
labeled track in the library.

Provenance goes to a second CSV file (--provenance, by default FILE with .provenance.csv): \
filename, snippet, label and source of every row, in the same order.")]
    Export(ExportArgs),
}

/// Arguments of `genrekit dataset export`.
#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// The table to write.
    #[arg(long = "csv", value_name = "FILE")]
    csv: PathBuf,
    /// Where to write the provenance of each row [default: FILE with .provenance.csv].
    #[arg(long, value_name = "FILE")]
    provenance: Option<PathBuf>,
    /// Library database file [default: $XDG_DATA_HOME/genrekit/library.db, else
    /// ~/.local/share/genrekit/library.db].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// The model whose rows to start from [default: the built-in model].
    #[arg(long, value_name = "MODEL")]
    base: Option<PathBuf>,
}

/// Runs `genrekit dataset`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.action {
        Action::Export(a) => export(a),
    }
}

fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let base = load_base(args.base.as_deref())?;
    let lib = open_library(args.db.as_deref())?;
    let user = user_rows(&lib, &base.model)?;
    let merged;
    let rows: &[LabeledRow] = if user.rows.is_empty() {
        base.model.rows()
    } else {
        merged = retrain(&base.model, &user.rows)?;
        merged.rows()
    };
    let columns = base.model.training_columns();

    let mut table = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = vec!["filename"];
    header.extend(columns.iter().map(String::as_str));
    header.push("label");
    table.write_record(&header)?;
    let mut provenance = csv::Writer::from_writer(Vec::new());
    provenance.write_record(["filename", "snippet", "label", "source"])?;
    let mut record: Vec<String> = Vec::with_capacity(columns.len() + 2);
    for row in rows {
        record.clear();
        record.push(row.track.clone());
        record.extend(row.features.iter().map(f64::to_string));
        record.push(row.label.clone());
        table.write_record(&record)?;
        provenance.write_record([
            row.track.as_str(),
            &row.snippet.to_string(),
            &row.label,
            &row.source,
        ])?;
    }
    let table = table.into_inner().context("writing CSV")?;
    let provenance = provenance.into_inner().context("writing CSV")?;
    let provenance_path = args
        .provenance
        .clone()
        .unwrap_or_else(|| default_provenance_path(&args.csv));
    write_atomic(&args.csv, &table)?;
    write_atomic(&provenance_path, &provenance)?;
    println!(
        "wrote {} rows ({} from {} labeled tracks) to {}, provenance to {}",
        rows.len(),
        user.rows.len(),
        user.tracks,
        args.csv.display(),
        provenance_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `x.csv` → `x.provenance.csv` (any other name gets `.provenance.csv` appended).
fn default_provenance_path(csv: &Path) -> PathBuf {
    let name = csv
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let stem = name.strip_suffix(".csv").unwrap_or(&name);
    csv.with_file_name(format!("{stem}.provenance.csv"))
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("{}: cannot write", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_sits_beside_the_table() {
        assert_eq!(
            default_provenance_path(Path::new("/x/rows.csv")),
            Path::new("/x/rows.provenance.csv")
        );
        assert_eq!(
            default_provenance_path(Path::new("rows")),
            Path::new("rows.provenance.csv")
        );
    }
}
