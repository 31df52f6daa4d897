//! Walking music folders: which files exist, how big, when modified, and whether they are audio.
//!
//! [`walk`] is a depth-first iterator in a deterministic order (entries of each folder sorted by
//! name). It follows symbolic links to files and folders, but enters each real folder once, so
//! a link that points back up the tree ends nowhere instead of looping. A folder that cannot
//! be read yields one error and the walk goes on.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// File extensions (lower case, no dot) taken to be audio. The one list genrekit uses.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "aac", "aif", "aiff", "alac", "caf", "flac", "m4a", "mka", "mp3", "mp4", "oga", "ogg", "opus",
    "wav", "webm",
];

/// True when `path` has one of the [`AUDIO_EXTENSIONS`], in any letter case.
pub fn is_audio_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
}

/// Whether a walked file is audio, judged by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Its extension is one of [`AUDIO_EXTENSIONS`].
    Audio,
    /// Anything else (cover art, playlists, text).
    Other,
}

/// A regular file found by [`walk`], with what incremental scanning compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedFile {
    /// Absolute path (the root is canonicalized; entries below it are joined by name).
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch (negative before it, 0 if unknown).
    pub mtime_ns: i64,
    /// Audio or not, by extension.
    pub kind: FileKind,
}

impl ScannedFile {
    /// Reads size and modification time of the file at `path` (following symbolic links).
    ///
    /// # Errors
    /// [`Error::Io`] naming `path` when it cannot be read.
    pub fn from_path(path: &Path) -> Result<Self> {
        let meta = fs::metadata(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self::from_metadata(path.to_path_buf(), &meta))
    }

    fn from_metadata(path: PathBuf, meta: &fs::Metadata) -> Self {
        let kind = if is_audio_path(&path) {
            FileKind::Audio
        } else {
            FileKind::Other
        };
        ScannedFile {
            path,
            size: meta.len(),
            mtime_ns: meta.modified().map(system_time_ns).unwrap_or(0),
            kind,
        }
    }
}

/// Nanoseconds since the Unix epoch, saturating at the ends of `i64` (years 1677..2262).
pub(crate) fn system_time_ns(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_nanos()).map_or(i64::MIN, |n| -n),
    }
}

/// Options of [`walk`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WalkOptions {
    /// Follow symbolic links to files and folders (each real folder is still entered once).
    /// Default: true.
    pub follow_symlinks: bool,
    /// Walk into files and folders whose name starts with a dot. Default: false, which skips
    /// `.Trash`, `._song.mp3` (macOS resource forks) and the like. A root is never skipped.
    pub include_hidden: bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            follow_symlinks: true,
            include_hidden: false,
        }
    }
}

/// Walks `roots` (files or folders) depth-first, yielding every regular file below them.
///
/// Order: roots in the order given; inside a folder, entries sorted by name (bytewise), files
/// and subfolders interleaved. Errors (an unreadable folder, a broken link) are yielded as
/// [`Error::Io`] items and the walk continues.
pub fn walk<P: AsRef<Path>>(roots: &[P], options: &WalkOptions) -> Walk {
    let mut roots: Vec<Entry> = roots
        .iter()
        .map(|p| Entry {
            path: p.as_ref().to_path_buf(),
            root: true,
        })
        .collect();
    roots.reverse();
    Walk {
        stack: vec![roots],
        visited: HashSet::new(),
        options: options.clone(),
    }
}

#[derive(Debug)]
struct Entry {
    path: PathBuf,
    root: bool,
}

/// The iterator returned by [`walk`].
#[derive(Debug)]
pub struct Walk {
    /// One frame per open folder; each holds its remaining entries in reverse order.
    stack: Vec<Vec<Entry>>,
    /// Canonical paths of the folders entered so far.
    visited: HashSet<PathBuf>,
    options: WalkOptions,
}

impl Walk {
    /// Handles one entry: returns a file to yield, an error, or `None` to go on.
    fn visit(&mut self, entry: Entry) -> Option<Result<ScannedFile>> {
        let io = |path: &Path, source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut path = entry.path;
        if entry.root {
            path = match fs::canonicalize(&path) {
                Ok(p) => p,
                Err(e) => return Some(Err(io(&path, e))),
            };
        } else if !self.options.include_hidden
            && path
                .file_name()
                .is_some_and(|n| n.as_encoded_bytes().first() == Some(&b'.'))
        {
            return None;
        }
        let link_meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) => return Some(Err(io(&path, e))),
        };
        let meta = if link_meta.file_type().is_symlink() {
            if !self.options.follow_symlinks {
                return None;
            }
            match fs::metadata(&path) {
                Ok(m) => m,
                Err(e) => return Some(Err(io(&path, e))),
            }
        } else {
            link_meta
        };
        if meta.is_file() {
            return Some(Ok(ScannedFile::from_metadata(path, &meta)));
        }
        if !meta.is_dir() {
            return None; // sockets, fifos, devices
        }
        let real = match fs::canonicalize(&path) {
            Ok(p) => p,
            Err(e) => return Some(Err(io(&path, e))),
        };
        if !self.visited.insert(real) {
            return None; // already walked: a link loop or a second link to the same folder
        }
        let read = match fs::read_dir(&path) {
            Ok(r) => r,
            Err(e) => return Some(Err(io(&path, e))),
        };
        let mut names = Vec::new();
        for item in read {
            match item {
                Ok(item) => names.push(item.file_name()),
                Err(e) => return Some(Err(io(&path, e))),
            }
        }
        names.sort_unstable_by(|a, b| b.as_encoded_bytes().cmp(a.as_encoded_bytes()));
        self.stack.push(
            names
                .into_iter()
                .map(|n| Entry {
                    path: path.join(n),
                    root: false,
                })
                .collect(),
        );
        None
    }
}

impl Iterator for Walk {
    type Item = Result<ScannedFile>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let frame = self.stack.last_mut()?;
            let Some(entry) = frame.pop() else {
                self.stack.pop();
                continue;
            };
            if let Some(item) = self.visit(entry) {
                return Some(item);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, b"x").unwrap();
    }

    fn names(root: &Path, options: &WalkOptions) -> Vec<String> {
        let root = fs::canonicalize(root).unwrap();
        walk(&[&root], options)
            .map(|r| {
                let f = r.unwrap();
                f.path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    #[test]
    fn audio_extensions_are_case_insensitive() {
        assert!(is_audio_path(Path::new("a/b.MP3")));
        assert!(is_audio_path(Path::new("b.flac")));
        assert!(is_audio_path(Path::new("b.Opus")));
        assert!(!is_audio_path(Path::new("cover.jpg")));
        assert!(!is_audio_path(Path::new("mp3")));
        assert!(!is_audio_path(Path::new("noext")));
    }

    #[test]
    fn walk_is_depth_first_sorted_and_skips_hidden() {
        let dir = tempfile::tempdir().unwrap();
        for p in [
            "b/2.mp3",
            "b/1.wav",
            "a.ogg",
            "c.txt",
            ".hidden/x.mp3",
            "b/.y.mp3",
            "b/sub/z.flac",
        ] {
            touch(&dir.path().join(p));
        }
        assert_eq!(
            names(dir.path(), &WalkOptions::default()),
            ["a.ogg", "b/1.wav", "b/2.mp3", "b/sub/z.flac", "c.txt"]
        );
        let all = WalkOptions {
            include_hidden: true,
            ..WalkOptions::default()
        };
        assert_eq!(names(dir.path(), &all).len(), 7);
    }

    #[test]
    fn kind_size_and_mtime_are_filled_in() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("s.flac"), b"12345").unwrap();
        fs::write(dir.path().join("s.m3u"), b"").unwrap();
        let files: Vec<_> = walk(&[dir.path()], &WalkOptions::default())
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].kind, FileKind::Audio);
        assert_eq!(files[0].size, 5);
        assert!(files[0].mtime_ns > 0);
        assert!(files[0].path.is_absolute());
        assert_eq!(files[1].kind, FileKind::Other);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_end_and_linked_folders_are_walked_once() {
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("music/a.mp3"));
        std::os::unix::fs::symlink(dir.path(), dir.path().join("music/loop")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("music"), dir.path().join("again")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/target", dir.path().join("broken.mp3")).unwrap();
        let items: Vec<_> = walk(&[dir.path()], &WalkOptions::default()).collect();
        let ok: Vec<_> = items.iter().filter_map(|r| r.as_ref().ok()).collect();
        let errors = items.iter().filter(|r| r.is_err()).count();
        assert_eq!(ok.len(), 1, "{items:?}");
        assert!(ok[0].path.ends_with("a.mp3"));
        assert_eq!(errors, 1, "the broken link is reported: {items:?}");

        let no_links = WalkOptions {
            follow_symlinks: false,
            ..WalkOptions::default()
        };
        let n = walk(&[dir.path()], &no_links).filter(|r| r.is_ok()).count();
        assert_eq!(n, 1);
    }

    #[test]
    fn missing_root_is_an_error_and_a_file_root_is_yielded() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".x.wav");
        touch(&file);
        let items: Vec<_> = walk(
            &[dir.path().join("nope"), file.clone()],
            &WalkOptions::default(),
        )
        .collect();
        assert_eq!(items.len(), 2);
        assert!(items[0].is_err());
        assert!(items[1].as_ref().unwrap().path.ends_with(".x.wav"));
    }

    #[test]
    fn time_conversion_handles_both_sides_of_the_epoch() {
        use std::time::Duration;
        assert_eq!(system_time_ns(UNIX_EPOCH + Duration::from_nanos(5)), 5);
        assert_eq!(
            system_time_ns(UNIX_EPOCH - Duration::from_secs(1)),
            -1_000_000_000
        );
    }
}
