//! `genrekit recommend`: library tracks a person is likely to like, each with the reason.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use genrekit_profile::{Collection, RecommendOptions, Recommendation, recommend};
use serde::Serialize;

use super::playlists::{M3uEntry, write_m3u};
use super::profile::{load_collection, open_existing};

/// A nearest disliked track this similar (or more) is named in the reason.
const NAME_DISLIKED_FROM: f64 = 0.5;

/// Output formats of `genrekit recommend`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Rank, score, genre, track and why.
    Table,
    /// JSON with every term of the score.
    Json,
    /// An extended M3U playlist of the recommendations.
    M3u,
}

/// Arguments of `genrekit recommend`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Ranks the library's tracks that are neither liked nor disliked. With s(a, b) = \
exp(-|z_a - z_b|^2 / (2 D)) the similarity of two tracks' features standardized over the \
library (D features), a track t scores
  S + 0.5 G - P
S: the mean similarity to the 2 most similar liked tracks (close to some likes, not to their \
average); G: the sum over genres of t's genre probability times that genre's share of your \
likes; P: the similarity to the most similar disliked track. The list is then built greedily, \
each pick losing 0.15 per track already chosen by the same artist and 0.1 per track from the \
same album, so one artist does not fill it. Liking or disliking a recommendation changes the \
next list.")]
pub(crate) struct Args {
    /// Library database file [default: $XDG_DATA_HOME/genrekit/library.db, else
    /// ~/.local/share/genrekit/library.db].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Number of recommendations.
    #[arg(short = 'n', long = "count", value_name = "N", default_value_t = 20)]
    n: usize,
    /// Only tracks predicted as this genre.
    #[arg(long)]
    genre: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Runs `genrekit recommend`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let lib = open_existing(args.db.as_deref())?;
    let c = load_collection(&lib)?;
    let options = RecommendOptions {
        n: args.n,
        genre: args.genre.clone(),
        ..RecommendOptions::default()
    };
    let recs = recommend(&c, &options)?;
    if recs.is_empty() {
        eprintln!(
            "genrekit: nothing to recommend{}",
            args.genre
                .as_ref()
                .map_or_else(String::new, |g| format!(" of genre {g}"))
        );
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Table => write_table(&mut out, &c, &recs)?,
        Format::Json => {
            let rows: Vec<RecJson> = recs
                .iter()
                .enumerate()
                .map(|(i, r)| RecJson::new(i + 1, &c, r))
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::M3u => {
            let entries: Vec<M3uEntry> = recs
                .iter()
                .map(|r| M3uEntry::new(&c.tracks()[r.track], None))
                .collect();
            write_m3u(&mut out, &entries)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Why `r` is recommended: "close to A and B; jazz is 40 % of your likes" (or "jazz is new
/// to your likes" below 0.5 %), the nearest disliked track when it is similar (s ≥ 0.5), and
/// whether a diversity penalty applied.
pub(crate) fn why(c: &Collection, r: &Recommendation) -> String {
    let names: Vec<String> = r
        .nearest_liked
        .iter()
        .map(|&(l, _)| c.tracks()[l].display_name())
        .collect();
    let mut why = format!("close to {}", names.join(" and "));
    match &r.genre_share {
        Some((genre, share)) if *share >= 0.005 => {
            why += &format!("; {genre} is {:.0} % of your likes", 100.0 * share);
        }
        Some((genre, _)) => why += &format!("; {genre} is new to your likes"),
        None => {}
    }
    if let Some((d, s)) = r.nearest_disliked
        && s >= NAME_DISLIKED_FROM
    {
        why += &format!(
            "; but near {}, which you disliked",
            c.tracks()[d].display_name()
        );
    }
    if r.diversity_penalty > 0.0 {
        why += "; artist or album already listed";
    }
    why
}

fn write_table(
    out: &mut impl Write,
    c: &Collection,
    recs: &[Recommendation],
) -> anyhow::Result<()> {
    if recs.is_empty() {
        return Ok(());
    }
    let rows: Vec<[String; 5]> = recs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let t = &c.tracks()[r.track];
            [
                (i + 1).to_string(),
                format!("{:.3}", r.score),
                t.genre().map_or("-", |(g, _)| g).to_string(),
                t.display_name(),
                why(c, r),
            ]
        })
        .collect();
    use super::Align::{Left, Right};
    super::write_columns(
        out,
        ["#", "SCORE", "GENRE", "TRACK", "WHY"],
        &rows,
        [Right, Right, Left, Left, Left],
    )?;
    Ok(())
}

#[derive(Serialize)]
struct Neighbour {
    path: String,
    similarity: f64,
}

#[derive(Serialize)]
struct RecJson {
    rank: usize,
    path: String,
    artist: Option<String>,
    title: Option<String>,
    genre: Option<String>,
    score: f64,
    /// `S`, mean similarity to the nearest liked tracks.
    similarity: f64,
    /// `G`.
    genre_preference: f64,
    /// The track's genre's share of the likes.
    genre_share: Option<f64>,
    /// `P`.
    dislike_penalty: f64,
    diversity_penalty: f64,
    nearest_liked: Vec<Neighbour>,
    nearest_disliked: Option<Neighbour>,
    why: String,
}

impl RecJson {
    fn new(rank: usize, c: &Collection, r: &Recommendation) -> Self {
        let t = &c.tracks()[r.track];
        let neighbour = |(i, s): (usize, f64)| Neighbour {
            path: c.tracks()[i].path.display().to_string(),
            similarity: s,
        };
        RecJson {
            rank,
            path: t.path.display().to_string(),
            artist: t.artist.clone(),
            title: t.title.clone(),
            genre: t.genre().map(|(g, _)| g.to_string()),
            score: r.score,
            similarity: r.similarity,
            genre_preference: r.genre_preference,
            genre_share: r.genre_share.as_ref().map(|(_, s)| *s),
            dislike_penalty: r.dislike_penalty,
            diversity_penalty: r.diversity_penalty,
            nearest_liked: r.nearest_liked.iter().copied().map(neighbour).collect(),
            nearest_disliked: r.nearest_disliked.map(neighbour),
            why: why(c, r),
        }
    }
}
