//! `genrekit profile`: what the liked tracks have in common; also loads the library as a
//! taste [`Collection`] for `recommend` and the playlists.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use genrekit_library::{Library, Like};
use genrekit_profile::{Collection, Opinion, Profile, SILHOUETTE_THRESHOLD, Track, profile};
use serde::Serialize;

/// How many distinguishing features the table and the plot show.
const TOP_FEATURES: usize = 10;

/// Output formats of `genrekit profile`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For people.
    Table,
    /// JSON for programs.
    Json,
}

/// Arguments of `genrekit profile`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The profile is computed from the liked tracks (`genrekit like`) against the whole library:
- genres: each genre's share of your likes, the mean over liked tracks of the model's \
probability of that genre, beside its share of the library;
- features: the standardized mean difference of each feature, (mean over likes - mean over \
library) / sd over library, largest first: what sets your likes apart;
- taste clusters: the liked tracks grouped by k-medoids in standardized feature space; the \
number of clusters (up to 6) is the one of largest mean silhouette, if that reaches 0.25, else \
one. Someone who likes metal and classical gets two clusters, not one average.")]
pub(crate) struct Args {
    /// Library database file [default: $XDG_DATA_HOME/genrekit/library.db, else
    /// ~/.local/share/genrekit/library.db].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also draw the genre shares and the distinguishing features into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
}

/// Runs `genrekit profile`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let lib = open_existing(args.db.as_deref())?;
    let collection = load_collection(&lib)?;
    let p = profile(&collection);
    if p.liked == 0 {
        eprintln!(
            "genrekit: no liked tracks yet: like a few with `genrekit like PATH...`; showing \
             the library's genres"
        );
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Table => write_table(&mut out, &collection, &p)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &ProfileJson::new(&collection, &p))?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    if let Some(plot) = &args.plot {
        write_atomic(plot, plot_svg(&p).as_bytes())?;
        eprintln!("genrekit: wrote {}", plot.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens the library at `db` (default path when `None`), refusing to create a new empty one.
pub(crate) fn open_existing(db: Option<&Path>) -> anyhow::Result<Library> {
    let db = match db {
        Some(db) => db.to_path_buf(),
        None => Library::default_path()?,
    };
    if !db.exists() {
        anyhow::bail!(
            "{}: no library database here; run `genrekit analyze FOLDER` first, or pass --db FILE",
            db.display()
        );
    }
    Ok(Library::open(&db)?)
}

/// Every analyzed track of `lib` (features of the current schema) as a taste collection.
pub(crate) fn load_collection(lib: &Library) -> anyhow::Result<Collection> {
    let version = genrekit_features::SCHEMA_VERSION;
    let names = match lib.feature_names(version)? {
        Some(names) => names,
        None => super::feature_names(),
    };
    let tracks = lib
        .taste_tracks(version)?
        .into_iter()
        .map(|t| Track {
            path: t.path,
            title: t.tags.title,
            artist: t.tags.artist,
            album: t.tags.album,
            duration_s: t.duration_s,
            probabilities: t
                .probabilities
                .into_iter()
                .map(|(g, p)| (g, f64::from(p)))
                .collect(),
            features: t.features,
            opinion: match t.like {
                Some(Like::Like) => Opinion::Liked,
                Some(Like::Dislike) => Opinion::Disliked,
                None => Opinion::Neutral,
            },
        })
        .collect();
    Collection::new(names, tracks).with_context(|| format!("library {}", lib.path().display()))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = super::file_name(path);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("{}: cannot write", path.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: cannot write", path.display())
    })
}

/// A value with about 4 significant digits, without exponents for everyday magnitudes.
fn readable(x: f64) -> String {
    let a = x.abs();
    if a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.4}")
    }
}

fn percent(x: f64) -> String {
    format!("{:.0} %", 100.0 * x)
}

fn write_table(out: &mut impl Write, c: &Collection, p: &Profile) -> anyhow::Result<()> {
    writeln!(
        out,
        "library: {} tracks, {} liked, {} disliked",
        p.tracks, p.liked, p.disliked
    )?;
    writeln!(out)?;
    writeln!(out, "{:<14} {:>6} {:>8}", "GENRE", "LIKES", "LIBRARY")?;
    for g in &p.genres {
        writeln!(
            out,
            "{:<14} {:>6} {:>8}",
            g.genre,
            percent(g.liked),
            percent(g.library)
        )?;
    }
    if p.liked == 0 {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "What sets your likes apart (standardized mean difference: (likes - library) / sd):"
    )?;
    for f in p.features.iter().take(TOP_FEATURES) {
        writeln!(
            out,
            "  {:<26} {:>+6.2}  (likes {}, library {})",
            f.name,
            f.difference,
            readable(f.liked_mean),
            readable(f.library_mean)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Taste clusters ({}; k-medoids, silhouette >= {SILHOUETTE_THRESHOLD}):",
        p.clusters.len()
    )?;
    for (n, cluster) in p.clusters.iter().enumerate() {
        let genres: Vec<String> = cluster
            .genres
            .iter()
            .filter(|(_, s)| *s >= 0.005)
            .take(3)
            .map(|(g, s)| format!("{g} {}", percent(*s)))
            .collect();
        writeln!(
            out,
            "  {}. {} track{} around {}: {}",
            n + 1,
            cluster.members.len(),
            if cluster.members.len() == 1 { "" } else { "s" },
            c.tracks()[cluster.medoid].display_name(),
            genres.join(", ")
        )?;
        for &m in &cluster.members {
            writeln!(out, "       {}", c.tracks()[m].path.display())?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct ProfileJson {
    tracks: usize,
    liked: usize,
    disliked: usize,
    genres: Vec<GenreJson>,
    features: Vec<FeatureJson>,
    clusters: Vec<ClusterJson>,
}

#[derive(Serialize)]
struct GenreJson {
    genre: String,
    liked_share: f64,
    library_share: f64,
    liked_tracks: usize,
}

#[derive(Serialize)]
struct FeatureJson {
    name: String,
    difference: f64,
    liked_mean: f64,
    library_mean: f64,
}

#[derive(Serialize)]
struct ClusterJson {
    medoid: String,
    members: Vec<String>,
    genres: BTreeMap<String, f64>,
}

impl ProfileJson {
    fn new(c: &Collection, p: &Profile) -> Self {
        let path = |i: usize| c.tracks()[i].path.display().to_string();
        ProfileJson {
            tracks: p.tracks,
            liked: p.liked,
            disliked: p.disliked,
            genres: p
                .genres
                .iter()
                .map(|g| GenreJson {
                    genre: g.genre.clone(),
                    liked_share: g.liked,
                    library_share: g.library,
                    liked_tracks: g.liked_tracks,
                })
                .collect(),
            features: p
                .features
                .iter()
                .map(|f| FeatureJson {
                    name: f.name.clone(),
                    difference: f.difference,
                    liked_mean: f.liked_mean,
                    library_mean: f.library_mean,
                })
                .collect(),
            clusters: p
                .clusters
                .iter()
                .map(|cl| ClusterJson {
                    medoid: path(cl.medoid),
                    members: cl.members.iter().map(|&m| path(m)).collect(),
                    genres: cl.genres.iter().cloned().collect(),
                })
                .collect(),
        }
    }
}

/// Escapes text for SVG.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An SVG with two panels: each genre's share of the likes and of the library (bars), and the
/// standardized mean differences of the top features (bars left and right of zero).
fn plot_svg(p: &Profile) -> String {
    const ROW: f64 = 22.0;
    const LEFT: f64 = 110.0;
    const WIDTH: f64 = 260.0;
    let rows = p
        .genres
        .len()
        .max(TOP_FEATURES.min(p.features.len()))
        .max(1) as f64;
    let height = 70.0 + ROW * rows;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"20\" font-size=\"14\">Genres: share of your {} likes \
         (dark) and of the library (light)</text>\n\
         <text x=\"470\" y=\"20\" font-size=\"14\">What sets your likes apart \
         (standardized difference)</text>\n",
        p.liked
    );
    for (i, g) in p.genres.iter().enumerate() {
        let y = 40.0 + ROW * i as f64;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n\
             <rect x=\"{LEFT}\" y=\"{y}\" width=\"{:.1}\" height=\"8\" fill=\"#1f77b4\"/>\n\
             <rect x=\"{LEFT}\" y=\"{}\" width=\"{:.1}\" height=\"8\" fill=\"#aec7e8\"/>\n\
             <text x=\"{:.1}\" y=\"{}\">{}</text>\n",
            LEFT - 6.0,
            y + 12.0,
            xml(&g.genre),
            WIDTH * g.liked,
            y + 8.0,
            WIDTH * g.library,
            LEFT + WIDTH * g.liked.max(g.library) + 4.0,
            y + 12.0,
            percent(g.liked)
        );
    }
    let top: Vec<_> = p.features.iter().take(TOP_FEATURES).collect();
    let max = top
        .iter()
        .map(|f| f.difference.abs())
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let zero = 700.0;
    for (i, f) in top.iter().enumerate() {
        let y = 40.0 + ROW * i as f64;
        let w = 150.0 * f.difference.abs() / max;
        let x = if f.difference < 0.0 { zero - w } else { zero };
        let color = if f.difference < 0.0 {
            "#d62728"
        } else {
            "#2ca02c"
        };
        let _ = write!(
            s,
            "<text x=\"545\" y=\"{}\" text-anchor=\"end\">{}</text>\n\
             <rect x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"14\" fill=\"{color}\"/>\n\
             <text x=\"860\" y=\"{}\">{:+.2}</text>\n",
            y + 12.0,
            xml(&f.name),
            y + 1.0,
            y + 12.0,
            f.difference
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{zero}\" y1=\"34\" x2=\"{zero}\" y2=\"{}\" stroke=\"black\"/>\n</svg>\n",
        height - 20.0
    );
    s
}
