//! `genrekit review`: offer the library's unlabeled tracks, most useful first, and save the
//! person's answer for each at once.
//!
//! On a terminal the person types a genre with completion by unique prefix; otherwise one answer
//! is read per line, so the loop can be scripted: an empty line or `y` accepts the prediction,
//! `s` skips, `q` quits, anything else is a genre name.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use genrekit_classify::{Candidate, Model, Strategy, rank};
use genrekit_features::{SCHEMA_VERSION, feature_names};
use genrekit_library::{Library, ReviewCandidate};

use super::analyze::stored_prediction;
use super::label::{SOURCE_USER, clean_genre, open_library};
use super::model::LoadedModel;
use super::predict::{SnippetJson, clock};

/// Seed of the `random` strategy: the same library gives the same order every time.
const RANDOM_SEED: u64 = 0x6765_6e72_656b_6974;

/// Review order on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum StrategyArg {
    /// Least confident prediction first (1 - highest probability).
    Uncertainty,
    /// Smallest lead of the predicted genre over the runner-up first.
    Margin,
    /// Tracks whose genre tag differs from the prediction first, then untagged ones.
    TagDisagreement,
    /// A fixed random order.
    Random,
}

impl StrategyArg {
    /// The ranking strategy.
    pub(crate) fn strategy(self) -> Strategy {
        match self {
            StrategyArg::Uncertainty => Strategy::Uncertainty,
            StrategyArg::Margin => Strategy::Margin,
            StrategyArg::TagDisagreement => Strategy::TagDisagreement,
            StrategyArg::Random => Strategy::Random,
        }
    }
}

/// Arguments of `genrekit review`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
For each track: its path and tags, the predicted genre with the top 3 probabilities, and the \
genre of each 30-second snippet. Answer with Enter or `y` to accept the prediction, a genre \
name to correct it (on a terminal, a unique prefix of a known genre completes to it; a new name \
becomes a new genre; end a name with `!` to take it exactly as typed), `s` to skip, `q` to quit, `?` to list the known genres. Every answer is \
saved at once, so quitting loses nothing; labeled tracks are not offered again. When stdin is \
not a terminal, one answer is read per line (end of input quits) and names are taken as typed \
(a known genre matches regardless of case). Then run `genrekit retrain`.")]
pub(crate) struct Args {
    /// Library database file [default: $XDG_DATA_HOME/genrekit/library.db, else
    /// ~/.local/share/genrekit/library.db].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Offer at most this many tracks.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    limit: u32,
    /// Which tracks come first.
    #[arg(long, value_enum, default_value_t = StrategyArg::Uncertainty)]
    strategy: StrategyArg,
    /// Model file [default: your retrained model if any, else the built-in one].
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
}

/// One answer.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Accept,
    Label(String),
    Skip,
    Quit,
    Help,
    /// A prefix of several known genres (terminal only).
    Ambiguous(Vec<String>),
}

/// Tallies for the closing line.
#[derive(Default)]
struct Tally {
    accepted: usize,
    corrected: usize,
    skipped: usize,
    new_genres: Vec<String>,
}

/// Runs `genrekit review`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let loaded = super::model::resolve(args.model.as_deref())?;
    loaded.announce();
    super::predict::check_model_features(&loaded.model)?;
    let mut lib = open_library(args.db.as_deref())?;
    predict_missing(&mut lib, &loaded)?;
    let candidates = lib.review_candidates(&loaded.id)?;
    if candidates.is_empty() {
        let labeled = lib.labels()?.len();
        if labeled == 0 {
            anyhow::bail!(
                "{}: no analyzed tracks to review; run `genrekit analyze` on your music first",
                lib.path().display()
            );
        }
        println!("nothing to review: all {labeled} analyzed tracks are labeled");
        return Ok(ExitCode::SUCCESS);
    }
    let strategy = args.strategy.strategy();
    let ranked: Vec<Candidate> = candidates.iter().map(candidate).collect();
    let order = rank(&ranked, strategy, RANDOM_SEED);
    let n = order.len().min(args.limit as usize);
    let mut known = known_genres(&lib, Some(&loaded.model))?;
    let terminal = std::io::stdin().is_terminal();

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(
        out,
        "Reviewing {n} of {} unlabeled tracks ({}), model: {}",
        candidates.len(),
        strategy.name(),
        loaded.origin
    )?;
    writeln!(out, "known genres: {}", known.join(", "))?;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut tally = Tally::default();
    'tracks: for (i, &index) in order.iter().take(n).enumerate() {
        let c = &candidates[index];
        show(&mut out, &lib, c, i + 1, n)?;
        loop {
            write!(
                out,
                "genre [Enter/y = {}, a genre, s = skip, q = quit, ? = genres]> ",
                c.prediction.genre
            )?;
            out.flush()?;
            let mut line = String::new();
            if input.read_line(&mut line).context("reading stdin")? == 0 {
                writeln!(out)?;
                break 'tracks;
            }
            if !terminal {
                writeln!(out, "{}", line.trim_end())?;
            }
            match parse_answer(&line, &known, terminal) {
                Answer::Quit => break 'tracks,
                Answer::Skip => {
                    tally.skipped += 1;
                    break;
                }
                Answer::Help => writeln!(out, "known genres: {}", known.join(", "))?,
                Answer::Ambiguous(matches) => {
                    writeln!(out, "which one? {}", matches.join(", "))?;
                }
                Answer::Accept => {
                    lib.add_label(&c.path, &c.prediction.genre, SOURCE_USER)?;
                    tally.accepted += 1;
                    writeln!(out, "  labeled {}", c.prediction.genre)?;
                    break;
                }
                Answer::Label(genre) => {
                    let genre = match clean_genre(&genre) {
                        Ok(g) => g,
                        Err(err) => {
                            writeln!(out, "{err}")?;
                            continue;
                        }
                    };
                    lib.add_label(&c.path, &genre, SOURCE_USER)?;
                    if genre == c.prediction.genre {
                        tally.accepted += 1;
                    } else {
                        tally.corrected += 1;
                    }
                    if !known.contains(&genre) {
                        writeln!(out, "  new genre {genre}")?;
                        tally.new_genres.push(genre.clone());
                        known.push(genre.clone());
                        known.sort();
                    }
                    writeln!(out, "  labeled {genre}")?;
                    break;
                }
            }
        }
    }
    let labeled = tally.accepted + tally.corrected;
    writeln!(
        out,
        "{labeled} labeled ({} accepted, {} corrected{}), {} skipped; run `genrekit retrain` to \
         teach the model",
        tally.accepted,
        tally.corrected,
        if tally.new_genres.is_empty() {
            String::new()
        } else {
            format!(", new genres: {}", tally.new_genres.join(", "))
        },
        tally.skipped
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The genres a label may complete to: the model's and those already given as labels, sorted.
pub(crate) fn known_genres(lib: &Library, model: Option<&Model>) -> anyhow::Result<Vec<String>> {
    let mut known: Vec<String> = match model {
        Some(m) => m.genres().to_vec(),
        None => super::model::resolve(None)?.model.genres().to_vec(),
    };
    known.extend(lib.labels()?.into_iter().map(|(_, l)| l.genre));
    known.sort();
    known.dedup();
    Ok(known)
}

/// Reads one answer. A known genre matches whatever its case; on a terminal, a unique prefix of
/// a known genre completes to it. A trailing `!` takes the name exactly as typed.
fn parse_answer(line: &str, known: &[String], terminal: bool) -> Answer {
    let text = line.trim();
    match text {
        "" | "y" | "Y" => return Answer::Accept,
        "s" | "S" => return Answer::Skip,
        "q" | "Q" => return Answer::Quit,
        "?" => return Answer::Help,
        _ => {}
    }
    if let Some(exact) = text.strip_suffix('!') {
        return Answer::Label(exact.trim().to_string());
    }
    if let Some(g) = known.iter().find(|g| g.eq_ignore_ascii_case(text)) {
        return Answer::Label(g.clone());
    }
    if terminal {
        let lower = text.to_lowercase();
        let matches: Vec<String> = known
            .iter()
            .filter(|g| g.to_lowercase().starts_with(&lower))
            .cloned()
            .collect();
        match matches.len() {
            0 => {}
            1 => return Answer::Label(matches[0].clone()),
            _ => return Answer::Ambiguous(matches),
        }
    }
    Answer::Label(text.to_string())
}

/// Prints one track: path, tags, prediction with top 3, snippet genres.
fn show(
    out: &mut impl Write,
    lib: &Library,
    c: &ReviewCandidate,
    i: usize,
    n: usize,
) -> anyhow::Result<()> {
    writeln!(out)?;
    writeln!(out, "[{i}/{n}] {}", c.path.display())?;
    let t = &c.tags;
    let tags: Vec<String> = [
        ("artist", &t.artist),
        ("title", &t.title),
        ("album", &t.album),
        ("genre tag", &t.genre),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
    .collect();
    if tags.is_empty() {
        writeln!(out, "  tags: none")?;
    } else {
        writeln!(out, "  {}", tags.join(" | "))?;
    }
    let p = &c.prediction;
    let mut top: Vec<(&String, f32)> = p.probabilities.iter().map(|(g, &x)| (g, x)).collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let top: Vec<String> = top
        .iter()
        .take(3)
        .map(|(g, x)| format!("{g} {x:.2}"))
        .collect();
    writeln!(
        out,
        "  predicted: {} ({:.2})  top 3: {}",
        p.genre,
        p.confidence,
        top.join(", ")
    )?;
    let times = lib
        .track(&c.path)?
        .map(|d| {
            d.snippets
                .iter()
                .map(|s| (s.snippet.start_s, s.snippet.end_s))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let snippets: Vec<String> = p
        .snippets
        .iter()
        .enumerate()
        .map(|(k, probs)| {
            let (start, end) = times.get(k).copied().unwrap_or((0.0, 0.0));
            let s = SnippetJson::new(start, end, probs.clone());
            format!("{}-{} {}", clock(start), clock(end), s.genre)
        })
        .collect();
    writeln!(out, "  snippets: {}", snippets.join(", "))?;
    Ok(())
}

/// The ranking input of a review candidate.
fn candidate(c: &ReviewCandidate) -> Candidate {
    Candidate {
        key: c.path.display().to_string(),
        genre: c.prediction.genre.clone(),
        confidence: c.prediction.confidence,
        margin: c.prediction.margin,
        tag_genre: c.tags.genre.clone(),
    }
}

/// Predicts, from their stored features, the analyzed tracks that have no prediction by this
/// model yet, and stores the predictions (one transaction).
fn predict_missing(lib: &mut Library, loaded: &LoadedModel) -> anyhow::Result<()> {
    let todo = lib.tracks_to_predict(&loaded.id, SCHEMA_VERSION)?;
    if todo.is_empty() {
        return Ok(());
    }
    let schema = super::feature_schema();
    let mut batch = lib.batch(&schema)?;
    for t in &todo {
        match loaded.model.predict_track(&t.snippets, feature_names()) {
            Ok(p) => batch.put_prediction(t.id, &stored_prediction(&loaded.id, &p))?,
            Err(err) => eprintln!(
                "genrekit: {}: cannot predict the genre: {err}",
                t.path.display()
            ),
        }
    }
    batch.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_complete_known_genres_on_a_terminal_only() {
        let known: Vec<String> = ["classical", "country", "hiphop", "rock"]
            .map(String::from)
            .to_vec();
        assert_eq!(parse_answer("\n", &known, false), Answer::Accept);
        assert_eq!(parse_answer(" y \n", &known, true), Answer::Accept);
        assert_eq!(parse_answer("s", &known, false), Answer::Skip);
        assert_eq!(parse_answer("q\n", &known, false), Answer::Quit);
        assert_eq!(
            parse_answer("Rock", &known, false),
            Answer::Label("rock".into())
        );
        assert_eq!(
            parse_answer("hip", &known, true),
            Answer::Label("hiphop".into())
        );
        assert_eq!(
            parse_answer("hip", &known, false),
            Answer::Label("hip".into())
        );
        assert_eq!(
            parse_answer("c", &known, true),
            Answer::Ambiguous(vec!["classical".into(), "country".into()])
        );
        assert_eq!(
            parse_answer("Hip!", &known, true),
            Answer::Label("Hip".into())
        );
        assert_eq!(
            parse_answer("drum and bass", &known, true),
            Answer::Label("drum and bass".into())
        );
    }
}
