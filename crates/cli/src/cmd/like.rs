//! `genrekit like`, `dislike` and `unlike`: tell the library which tracks a person likes.
//!
//! Tracks named that are not in the library yet are analyzed first (quietly, like
//! `genrekit analyze`), so a like always refers to an analyzed track.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use genrekit_library::{Library, Like};

/// What the command says about the tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opinion {
    /// `genrekit like`.
    Like,
    /// `genrekit dislike`.
    Dislike,
    /// `genrekit unlike`: forget a like or dislike.
    Unlike,
}

impl Opinion {
    fn verb(self) -> &'static str {
        match self {
            Opinion::Like => "liked",
            Opinion::Dislike => "disliked",
            Opinion::Unlike => "unliked",
        }
    }
}

/// Arguments of `genrekit like`, `dislike` and `unlike`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Likes and dislikes live in the library database and feed `genrekit profile`, `genrekit \
recommend` and the playlists; a track has one opinion at a time (the last one given). Liking or \
disliking a track that is not in the library yet analyzes it first; `unlike` only forgets.

--import reads an M3U or M3U8 playlist: every line that is not empty and does not start with # \
is a track, relative to the playlist's folder (file:// URLs are accepted).

Exit status: 0 when every track was handled, 3 when some were not (each named on stderr), 1 \
when none were.")]
pub(crate) struct Args {
    /// Audio files, or folders to search recursively.
    #[arg(value_name = "PATH", required_unless_present = "import")]
    paths: Vec<PathBuf>,
    /// Also take every track of this M3U/M3U8 playlist (may be given more than once).
    #[arg(long, value_name = "FILE.m3u")]
    import: Vec<PathBuf>,
    /// Library database file [default: $XDG_DATA_HOME/genrekit/library.db, else
    /// ~/.local/share/genrekit/library.db].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

/// Runs `genrekit like`, `dislike` or `unlike`.
pub(crate) fn run(args: &Args, opinion: Opinion) -> anyhow::Result<ExitCode> {
    let mut failed = 0;
    let (mut inputs, walk_failed) = super::audio_inputs(&args.paths);
    failed += walk_failed;
    for list in &args.import {
        match read_m3u(list) {
            Ok(paths) => inputs.extend(paths),
            Err(err) => {
                eprintln!("genrekit: {err:#}");
                failed += 1;
            }
        }
    }
    if inputs.is_empty() && failed == 0 {
        eprintln!("genrekit: no audio files found in the given paths");
        return Ok(ExitCode::from(super::EXIT_ALL_FAILED));
    }
    let db = match &args.db {
        Some(db) => db.clone(),
        None => Library::default_path()?,
    };
    let mut lib = Library::open(&db)?;
    let total = inputs.len() + failed;

    // Tracks already analyzed, in input order without repeats; the rest to analyze first.
    let mut ready: Vec<PathBuf> = Vec::new();
    let mut to_analyze: Vec<PathBuf> = Vec::new();
    for input in &inputs {
        let key = library_key(input);
        let analyzed = match lib.track(&key) {
            Ok(t) => t.filter(|t| t.failure.is_none()),
            Err(err) => {
                eprintln!("genrekit: {}: {err}", input.display());
                failed += 1;
                continue;
            }
        };
        if analyzed.is_some() || (opinion == Opinion::Unlike && lib.track_id(&key).is_ok()) {
            ready.push(key);
        } else if opinion == Opinion::Unlike {
            eprintln!("genrekit: {}: not in the library", input.display());
            failed += 1;
        } else if key.is_file() {
            to_analyze.push(key);
        } else {
            eprintln!(
                "genrekit: {}: no such file, and not in the library",
                input.display()
            );
            failed += 1;
        }
    }
    if !to_analyze.is_empty() {
        eprintln!(
            "genrekit: analyzing {} track{} not in the library yet",
            to_analyze.len(),
            if to_analyze.len() == 1 { "" } else { "s" }
        );
        for result in super::analyze::analyze_quietly(&mut lib, &to_analyze)? {
            match result {
                Ok(path) => ready.push(path),
                Err(message) => {
                    eprintln!("genrekit: {message}");
                    failed += 1;
                }
            }
        }
    }

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut seen = BTreeSet::new();
    for path in ready {
        if !seen.insert(path.clone()) {
            continue;
        }
        let done = match opinion {
            Opinion::Like => lib.set_like(&path, Like::Like).map(|()| true),
            Opinion::Dislike => lib.set_like(&path, Like::Dislike).map(|()| true),
            Opinion::Unlike => lib.clear_like(&path),
        };
        match done {
            Ok(true) => writeln!(out, "{}\t{}", opinion.verb(), path.display())?,
            Ok(false) => writeln!(out, "no opinion\t{}", path.display())?,
            Err(err) => {
                eprintln!("genrekit: {err}");
                failed += 1;
            }
        }
    }
    out.flush()?;
    Ok(super::exit_status(failed, total.max(1)))
}

/// The path under which the library stores `input`: its canonical form when the file exists
/// (as `genrekit analyze` stores it), else its absolute form.
fn library_key(input: &Path) -> PathBuf {
    std::fs::canonicalize(input)
        .or_else(|_| std::path::absolute(input))
        .unwrap_or_else(|_| input.to_path_buf())
}

/// The tracks of an M3U/M3U8 playlist: every line that is neither empty nor a `#` comment or
/// directive, relative to the playlist's folder; `file://` URLs are decoded.
pub(crate) fn read_m3u(list: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let bytes = std::fs::read(list)
        .with_context(|| format!("{}: cannot read the playlist", list.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let base = list.parent().unwrap_or(Path::new(""));
    Ok(text
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let p = match l.strip_prefix("file://") {
                Some(url) => PathBuf::from(percent_decode(url)),
                None => PathBuf::from(l),
            };
            if p.is_absolute() { p } else { base.join(p) }
        })
        .collect())
}

/// Decodes `%XX` escapes of a `file://` URL path (invalid escapes stay as they are).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m3u_lines_are_tracks_relative_to_the_playlist() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("likes.m3u8");
        std::fs::write(
            &list,
            "\u{feff}#EXTM3U\n#EXTINF:30,A - B\na.ogg\n\n  /abs/b.wav  \nfile:///x/My%20Song.mp3\r\n",
        )
        .unwrap();
        let got = read_m3u(&list).unwrap();
        assert_eq!(
            got,
            [
                dir.path().join("a.ogg"),
                PathBuf::from("/abs/b.wav"),
                PathBuf::from("/x/My Song.mp3")
            ]
        );
        let err = read_m3u(&dir.path().join("missing.m3u")).unwrap_err();
        assert!(format!("{err:#}").contains("missing.m3u"), "{err:#}");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
