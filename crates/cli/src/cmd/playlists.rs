//! `genrekit playlists` (one M3U8 playlist per genre) and `genrekit playlist` (a smooth walk
//! from a seed track through its neighbours); also the extended M3U writer.

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use genrekit_profile::{Track, genre_playlists, seed_walk};

use super::profile::{load_collection, open_existing, write_atomic};

/// Arguments of `genrekit playlists`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Writes one extended M3U8 playlist per predicted genre into DIR (GENRE.m3u8), each track with \
#EXTINF:<seconds>,<artist> - <title> (the file name when tags are missing); disliked tracks are \
left out. Files are replaced atomically.")]
pub(crate) struct PlaylistsArgs {
    /// Folder to write the playlists into (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Only tracks whose predicted genre has at least this probability.
    #[arg(long, value_name = "C", default_value_t = 0.0)]
    min_confidence: f64,
    /// Write paths relative to the playlist's folder instead of absolute ones.
    #[arg(long)]
    relative: bool,
    /// Library database file [default: $XDG_DATA_HOME/genrekit/library.db, else
    /// ~/.local/share/genrekit/library.db].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

/// Arguments of `genrekit playlist`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Starts at the seed track and each time moves to the most similar track not yet in the \
playlist (features standardized over the library), so neighbouring entries sound alike and \
nothing repeats. Disliked tracks are skipped. The seed must be in the library.")]
pub(crate) struct PlaylistArgs {
    /// The track to start from.
    #[arg(long, value_name = "PATH")]
    seed: PathBuf,
    /// Number of tracks, the seed included.
    #[arg(short = 'n', long = "count", value_name = "N", default_value_t = 30)]
    n: usize,
    /// Write the playlist to this file (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write paths relative to the playlist's folder (needs --out).
    #[arg(long, requires = "out")]
    relative: bool,
    /// Library database file [default: $XDG_DATA_HOME/genrekit/library.db, else
    /// ~/.local/share/genrekit/library.db].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

/// Runs `genrekit playlists`.
pub(crate) fn run_playlists(args: &PlaylistsArgs) -> anyhow::Result<ExitCode> {
    let lib = open_existing(args.db.as_deref())?;
    let c = load_collection(&lib)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("{}: cannot create the folder", args.out.display()))?;
    let dir = std::fs::canonicalize(&args.out)
        .with_context(|| format!("{}: cannot open the folder", args.out.display()))?;
    let base = args.relative.then_some(dir.as_path());
    let lists = genre_playlists(&c, args.min_confidence);
    if lists.is_empty() {
        eprintln!("genrekit: no tracks with a predicted genre (and confidence) to list");
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut names = std::collections::BTreeSet::new();
    for list in &lists {
        let mut name = sanitize(&list.genre);
        // Two genres that sanitize alike get distinct files.
        let stem = name.clone();
        let mut n = 2;
        while !names.insert(name.to_lowercase()) {
            name = format!("{stem}-{n}");
            n += 1;
        }
        let path = dir.join(format!("{name}.m3u8"));
        let entries: Vec<M3uEntry> = list
            .tracks
            .iter()
            .map(|&i| M3uEntry::new(&c.tracks()[i], base))
            .collect();
        let mut bytes = Vec::new();
        write_m3u(&mut bytes, &entries)?;
        write_atomic(&path, &bytes)?;
        writeln!(out, "{}\t{} tracks", path.display(), entries.len())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `genrekit playlist`.
pub(crate) fn run_playlist(args: &PlaylistArgs) -> anyhow::Result<ExitCode> {
    let lib = open_existing(args.db.as_deref())?;
    let c = load_collection(&lib)?;
    let key = std::fs::canonicalize(&args.seed)
        .or_else(|_| std::path::absolute(&args.seed))
        .unwrap_or_else(|_| args.seed.clone());
    let Some(seed) = c.find(&key) else {
        anyhow::bail!(
            "{}: not an analyzed track of the library; run `genrekit analyze` on it first",
            args.seed.display()
        );
    };
    let walk = seed_walk(&c, seed, args.n);
    let base = match (&args.out, args.relative) {
        (Some(out), true) => {
            let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
            let parent = parent.unwrap_or(Path::new("."));
            Some(
                std::fs::canonicalize(parent)
                    .with_context(|| format!("{}: cannot open the folder", parent.display()))?,
            )
        }
        _ => None,
    };
    let entries: Vec<M3uEntry> = walk
        .iter()
        .map(|&i| M3uEntry::new(&c.tracks()[i], base.as_deref()))
        .collect();
    match &args.out {
        Some(path) => {
            let mut bytes = Vec::new();
            write_m3u(&mut bytes, &entries)?;
            write_atomic(path, &bytes)?;
            eprintln!(
                "genrekit: wrote {} ({} tracks)",
                path.display(),
                entries.len()
            );
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            write_m3u(&mut out, &entries)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One entry of an extended M3U playlist.
pub(crate) struct M3uEntry {
    /// Whole seconds, -1 when unknown.
    seconds: i64,
    /// "artist - title", else the file name without extension.
    title: String,
    /// The path as written.
    path: PathBuf,
}

impl M3uEntry {
    /// The entry of `track`; its path relative to `base` when given (else absolute).
    pub(crate) fn new(track: &Track, base: Option<&Path>) -> Self {
        let seconds = track
            .duration_s
            .filter(|d| d.is_finite() && *d >= 0.0)
            .map_or(-1, |d| d.round() as i64);
        let tag = |t: &Option<String>| {
            t.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let title = match (tag(&track.artist), tag(&track.title)) {
            (Some(a), Some(t)) => format!("{a} - {t}"),
            _ => track.path.file_stem().map_or_else(
                || track.path.display().to_string(),
                |s| s.to_string_lossy().into_owned(),
            ),
        };
        let path = match base {
            Some(base) => relative_to(&track.path, base),
            None => track.path.clone(),
        };
        M3uEntry {
            seconds,
            // A line break would end the directive early.
            title: title.replace(['\n', '\r'], " "),
            path,
        }
    }
}

/// Writes `#EXTM3U`, then per entry `#EXTINF:<seconds>,<title>` and the path.
pub(crate) fn write_m3u(out: &mut impl Write, entries: &[M3uEntry]) -> std::io::Result<()> {
    writeln!(out, "#EXTM3U")?;
    for e in entries {
        writeln!(out, "#EXTINF:{},{}", e.seconds, e.title)?;
        writeln!(out, "{}", e.path.display())?;
    }
    Ok(())
}

/// `path` relative to the folder `base` (both absolute): `..` for each component of `base`
/// below the common prefix, then the rest of `path`.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return path.to_path_buf();
    }
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &p[common..] {
        rel.push(c);
    }
    rel
}

/// A file name for a genre: letters, digits, `-`, `_`, `.` and spaces are kept, anything else
/// becomes `_`; no leading dot; "genre" when nothing is left.
fn sanitize(genre: &str) -> String {
    let s: String = genre
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_start_matches('.').trim().to_string();
    if s.is_empty() { "genre".to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genre_names_become_safe_file_names() {
        assert_eq!(sanitize("hip-hop"), "hip-hop");
        assert_eq!(sanitize("R&B/Soul"), "R_B_Soul");
        assert_eq!(sanitize("../../etc"), "_.._etc");
        assert_eq!(sanitize("  "), "genre");
        assert_eq!(sanitize("música"), "música");
    }

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        let r = relative_to(Path::new("/m/a/b/x.ogg"), Path::new("/m/lists"));
        assert_eq!(r, Path::new("../a/b/x.ogg"));
        let r = relative_to(Path::new("/m/lists/x.ogg"), Path::new("/m/lists"));
        assert_eq!(r, Path::new("x.ogg"));
    }

    #[test]
    fn extinf_has_seconds_and_artist_title_or_file_stem() {
        let mut t = Track::new("/m/a/Song One.ogg");
        t.duration_s = Some(29.6);
        let mut tagged = Track::new("/m/b.ogg");
        tagged.artist = Some("Band".into());
        tagged.title = Some("Tune".into());
        let mut out = Vec::new();
        write_m3u(
            &mut out,
            &[
                M3uEntry::new(&t, None),
                M3uEntry::new(&tagged, Some(Path::new("/m/a"))),
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "#EXTM3U\n#EXTINF:30,Song One\n/m/a/Song One.ogg\n#EXTINF:-1,Band - Tune\n../b.ogg\n"
        );
    }
}
