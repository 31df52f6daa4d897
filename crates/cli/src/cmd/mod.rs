//! One module per subcommand, plus helpers they share.

pub(crate) mod analyze;
pub(crate) mod bench;
pub(crate) mod dataset;
pub(crate) mod eval;
pub(crate) mod features;
pub(crate) mod info;
pub(crate) mod interrupt;
pub(crate) mod label;
pub(crate) mod labeled_dir;
pub(crate) mod library;
pub(crate) mod like;
pub(crate) mod model;
pub(crate) mod model_cmd;
pub(crate) mod playlists;
pub(crate) mod predict;
pub(crate) mod profile;
pub(crate) mod recommend;
pub(crate) mod retrain;
pub(crate) mod review;
pub(crate) mod train;
pub(crate) mod tune;

/// True when `err` was caused by writing to a closed pipe (`genrekit ... | head`), which is not
/// a failure.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Exit status when some inputs failed (each reported on stderr) and others succeeded.
pub(crate) const EXIT_SOME_FAILED: u8 = 3;
/// Exit status when nothing could be done: every input failed.
pub(crate) const EXIT_ALL_FAILED: u8 = 1;

/// The exit status of a command that processed `total` inputs of which `failed` failed:
/// 0 when none failed, [`EXIT_ALL_FAILED`] when all did, else [`EXIT_SOME_FAILED`].
pub(crate) fn exit_status(failed: usize, total: usize) -> std::process::ExitCode {
    if failed == 0 {
        std::process::ExitCode::SUCCESS
    } else if failed >= total {
        std::process::ExitCode::from(EXIT_ALL_FAILED)
    } else {
        std::process::ExitCode::from(EXIT_SOME_FAILED)
    }
}

/// The audio files named by `paths`: a file is taken as given (whatever its extension, so a
/// misnamed file still gets a clear decoding error); a folder is walked recursively for files
/// with an audio extension. Folders that cannot be read are reported on stderr and counted in
/// the second value.
pub(crate) fn audio_inputs(paths: &[std::path::PathBuf]) -> (Vec<std::path::PathBuf>, usize) {
    use genrekit_library::{FileKind, WalkOptions, walk};
    let mut files = Vec::new();
    let mut failed = 0;
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        for entry in walk(std::slice::from_ref(path), &WalkOptions::default()) {
            match entry {
                Ok(file) if file.kind == FileKind::Audio => files.push(file.path),
                Ok(_) => {}
                Err(err) => {
                    failed += 1;
                    eprintln!("genrekit: {err}");
                }
            }
        }
    }
    (files, failed)
}

/// The extractor's feature names, owned: the columns of rows made from audio.
pub(crate) fn feature_names() -> Vec<String> {
    genrekit_features::feature_names()
        .iter()
        .map(|n| (*n).to_string())
        .collect()
}

/// The extractor's feature schema, as the library stores it with every snippet.
pub(crate) fn feature_schema() -> genrekit_library::FeatureSchema {
    genrekit_library::FeatureSchema::new(
        genrekit_features::SCHEMA_VERSION,
        genrekit_features::feature_names().iter().copied(),
    )
}

/// A rayon pool with `jobs` threads, or one per core when `jobs` is `None`.
pub(crate) fn thread_pool(jobs: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = jobs {
        builder = builder.num_threads(n);
    }
    builder
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start worker threads: {e}"))
}

/// The base name of `path` (the whole path when it has none), as the GTZAN table's `filename`
/// column and the progress bar show it.
pub(crate) fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// How a column of [`write_columns`] is aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// Writes `header` and then `rows` as aligned columns two spaces apart: each column as wide as
/// its widest cell (in characters) and aligned as `align` says, except the last, which is not
/// padded.
pub(crate) fn write_columns<const N: usize>(
    out: &mut impl std::io::Write,
    header: [&str; N],
    rows: &[[String; N]],
    align: [Align; N],
) -> std::io::Result<()> {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header = header.map(String::from);
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
                break;
            }
            let pad = " ".repeat(widths[i] - cell.chars().count());
            match align[i] {
                Align::Left => line.extend([cell.as_str(), &pad, "  "]),
                Align::Right => line.extend([&pad, cell.as_str(), "  "]),
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}
