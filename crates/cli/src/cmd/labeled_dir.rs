//! Training rows from a labeled audio folder (`genrekit train|eval|tune --dir DIR`).
//!
//! The layout is `DIR/GENRE/...`: every immediate subfolder of DIR is a genre, named by the
//! folder, and every audio file below it (recursively) is a track of that genre. Each track is
//! decoded and cut into 30-second snippets like `genrekit analyze` does; each snippet becomes
//! one training row, and all snippets of a track share its track id (its path relative to
//! DIR, with `/` separators), so cross-validation keeps them in one fold.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use genrekit_audio::{DecodeOptions, SnippetOptions};
use genrekit_classify::LabeledRow;
use genrekit_features::FeatureExtractor;
use genrekit_library::{FileKind, WalkOptions, walk};
use rayon::prelude::*;

/// The rows read from one labeled folder.
pub(crate) struct FolderRows {
    /// One row per snippet, over [`super::feature_names`], grouped by track, in path order.
    pub(crate) rows: Vec<LabeledRow>,
    /// Audio files that could not be read (each reported on stderr).
    pub(crate) failed: usize,
}

/// A track to read: its file, genre and id.
struct LabeledFile {
    path: PathBuf,
    genre: String,
    track: String,
}

/// Reads `dir` as a labeled folder, extracting features on `pool`. Files whose base name or
/// track id is in `exclude` are left out. A file that cannot be decoded is reported on stderr
/// (naming it) and counted in [`FolderRows::failed`]; the rest goes on. Errors when `dir` is not
/// a readable folder or has no genre subfolder with audio in it.
pub(crate) fn read_labeled_dir(
    dir: &Path,
    exclude: &HashSet<String>,
    pool: &rayon::ThreadPool,
) -> anyhow::Result<FolderRows> {
    let (files, unreadable) = list(dir, exclude)?;
    if files.is_empty() {
        bail!(
            "{}: no audio files in genre folders; --dir expects DIR/GENRE/audio files",
            dir.display()
        );
    }
    let decode = DecodeOptions::default();
    let snippets = SnippetOptions::default();
    let source = dir.display().to_string();
    let results: Vec<Option<Vec<LabeledRow>>> = pool.install(|| {
        files
            .par_iter()
            .map_init(
                || FeatureExtractor::new(decode.target_sample_rate()),
                |extractor, file| match genrekit_features::extract_track(
                    &file.path, &decode, &snippets, extractor,
                ) {
                    Ok(track) => Some(
                        track
                            .snippets
                            .iter()
                            .zip(0u32..)
                            .map(|(s, index)| LabeledRow {
                                features: s.values.iter().map(|&v| f64::from(v)).collect(),
                                label: file.genre.clone(),
                                source: source.clone(),
                                track: file.track.clone(),
                                snippet: index,
                            })
                            .collect(),
                    ),
                    Err(err) => {
                        eprintln!("genrekit: {err}");
                        None
                    }
                },
            )
            .collect()
    });
    let mut rows = Vec::new();
    let mut failed = unreadable;
    for result in results {
        match result {
            Some(track_rows) => rows.extend(track_rows),
            None => failed += 1,
        }
    }
    Ok(FolderRows { rows, failed })
}

/// The audio files of `dir`'s genre subfolders, sorted by genre then path, and the number of
/// unreadable folders below them (reported on stderr).
fn list(dir: &Path, exclude: &HashSet<String>) -> anyhow::Result<(Vec<LabeledFile>, usize)> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read the labeled folder", dir.display()))?;
    let mut genres = Vec::new();
    for entry in entries {
        let entry =
            entry.with_context(|| format!("{}: cannot read the labeled folder", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.path().is_dir() {
            continue;
        }
        genres.push((name, entry.path()));
    }
    genres.sort();
    // The walk yields absolute paths; ids are relative to the folder as the walk sees it.
    let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut files = Vec::new();
    let mut unreadable = 0;
    for (genre, genre_dir) in genres {
        let mut found = Vec::new();
        for scanned in walk(std::slice::from_ref(&genre_dir), &WalkOptions::default()) {
            match scanned {
                Ok(f) if f.kind == FileKind::Audio => found.push(f.path),
                Ok(_) => {}
                Err(err) => {
                    unreadable += 1;
                    eprintln!("genrekit: {err}");
                }
            }
        }
        found.sort();
        for path in found {
            let track = track_id(&root, &genre, &path);
            let base = super::file_name(&path);
            if exclude.contains(&track) || exclude.contains(&base) {
                continue;
            }
            files.push(LabeledFile {
                path,
                genre: genre.clone(),
                track,
            });
        }
    }
    Ok((files, unreadable))
}

/// The track id of `path` in the labeled folder `root`: its relative path with `/` separators,
/// or `genre/base name` if it is not below `root` (reached through a symbolic link).
fn track_id(root: &Path, genre: &str, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => format!("{genre}/{}", super::file_name(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_ids_are_relative_with_forward_slashes() {
        let dir = Path::new("/music/labeled");
        assert_eq!(
            track_id(dir, "jazz", &dir.join("jazz").join("a").join("b.mp3")),
            "jazz/a/b.mp3"
        );
        assert_eq!(
            track_id(dir, "jazz", Path::new("/elsewhere/x.wav")),
            "jazz/x.wav"
        );
    }
}
