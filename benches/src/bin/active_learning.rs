//! Simulates a person using `genrekit review` and `genrekit retrain`, and measures what their
//! labels are worth.
//!
//! Starting from a model that lacks some data, the simulated person labels (with the true
//! genre) the first N tracks that review offers from a pool of tracks the model has not seen;
//! the model is retrained as `genrekit retrain` does it (the base rows plus the labeled rows,
//! the base model's settings) and its accuracy is measured on the pool tracks not labeled.
//! Review ranks the pool once, with the base model, as one review session would.
//!
//! Two setups, both from the GTZAN feature table (`../shared/data/gtzan/features_30_sec.csv`):
//! - *new genre*: for each of the 10 genres in turn, a pool of 20 random tracks per genre is
//!   held out and the base model is trained on the rest without that genre at all: the person's
//!   music has a genre the model does not know;
//! - *other recordings*: the 50 shared clips are the pool and the base is the table without
//!   them.
//!
//! Strategies: uncertainty and margin sampling (deterministic for a pool) and random sampling
//! (5 seeds per pool for the first setup, 20 for the second). Writes
//! `benches/results/active_learning.json` and `.svg`.
//!
//! Usage: `cargo run -p genrekit-benches --bin active_learning [-- TABLE]` (about 20 s in the
//! dev profile; the results do not depend on the profile).

use std::collections::{BTreeMap, HashSet};
use std::error::Error;
use std::path::{Path, PathBuf};

use genrekit_classify::{
    Candidate, Dataset, LabeledRow, Model, SplitMix64, Strategy, rank, retrain,
};
use plotters::prelude::*;
use serde_json::json;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Numbers of labeled tracks measured.
const LABELED: [usize; 5] = [0, 5, 10, 20, 40];
/// Review-pool tracks (and as many test tracks) per genre in the new-genre setup.
const POOL_PER_GENRE: usize = 10;
/// Random orders per pool.
const RANDOM_SEEDS_NEW_GENRE: u64 = 5;
const RANDOM_SEEDS_SHARED: u64 = 20;

fn main() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let table = std::env::args().nth(1).map_or_else(
        || root.join("../shared/data/gtzan/features_30_sec.csv"),
        PathBuf::from,
    );
    let data = Dataset::read_tables(&[&table], &HashSet::new())
        .map_err(|e| format!("{}: {e}", table.display()))?;
    let default = Model::load(&root.join("models/default.json"))?;
    let settings = default.settings().clone();
    let genres = data.labels();
    let tracks = by_track(&data);
    let of_genre = |g: &String, seed: u64, skip: &HashSet<&str>| -> Vec<String> {
        let mut v: Vec<String> = tracks
            .iter()
            .filter(|(t, rows)| rows[0].label == *g && !skip.contains(t.as_str()))
            .map(|(t, _)| t.clone())
            .collect();
        SplitMix64::new(seed).shuffle(&mut v);
        v
    };

    // Setup 1: a genre the model lacks.
    let mut new_genre = Runs::default();
    for (r, missing) in genres.iter().enumerate() {
        let (mut pool, mut test) = (Vec::new(), Vec::new());
        for g in &genres {
            let shuffled = of_genre(g, 1000 + r as u64, &HashSet::new());
            pool.extend(shuffled[..POOL_PER_GENRE].iter().cloned());
            test.extend(shuffled[POOL_PER_GENRE..2 * POOL_PER_GENRE].iter().cloned());
        }
        let held: HashSet<&str> = pool.iter().chain(&test).map(String::as_str).collect();
        let base = subset(&data, |row| {
            !held.contains(row.track.as_str()) && row.label != *missing
        })?;
        let base = Model::train(&base, &settings)?;
        eprintln!(
            "new genre {missing}: base {} rows, {} genres; pool {}, test {} tracks",
            base.rows().len(),
            base.genres().len(),
            pool.len(),
            test.len()
        );
        let sim = Sim {
            base: &base,
            tracks: &tracks,
            pool: &pool,
            test: &test,
            missing: Some(missing),
        };
        sim.run(&LABELED, RANDOM_SEEDS_NEW_GENRE, r as u64, &mut new_genre)?;
    }

    // Setup 2: the 50 shared clips' own recordings, held out.
    let clips = shared_clip_names(&root.join("../shared/data/gtzan/genres"))?;
    let pool: Vec<String> = clips
        .iter()
        .filter(|c| tracks.contains_key(*c))
        .cloned()
        .collect();
    let in_pool: HashSet<&str> = pool.iter().map(String::as_str).collect();
    let mut test = Vec::new();
    for g in &genres {
        test.extend(of_genre(g, 7, &in_pool).into_iter().take(5));
    }
    let held: HashSet<&str> = pool.iter().chain(&test).map(String::as_str).collect();
    let base = Model::train(
        &subset(&data, |row| !held.contains(row.track.as_str()))?,
        &settings,
    )?;
    eprintln!(
        "shared clips: base {} rows; pool {}, test {} tracks",
        base.rows().len(),
        pool.len(),
        test.len()
    );
    let mut shared = Runs::default();
    let sim = Sim {
        base: &base,
        tracks: &tracks,
        pool: &pool,
        test: &test,
        missing: None,
    };
    sim.run(&LABELED[..4], RANDOM_SEEDS_SHARED, 100, &mut shared)?;

    let out_dir = root.join("benches/results");
    std::fs::create_dir_all(&out_dir)?;
    let setups = [
        Setup {
            name: "new-genre",
            title: "A genre the model lacks (each of 10 in turn)",
            description: "for each genre in turn: review pool 10 tracks per genre, test 10 \
                          other tracks per genre, base = the other 80 per genre without that \
                          genre (720 rows, 9 genres)",
            runs: &new_genre,
            labeled: &LABELED,
        },
        Setup {
            name: "shared-clips",
            title: "The 50 shared clips held out",
            description: "review pool = the 50 shared clips, test = 5 other tracks per genre, \
                          base = the rest of the table (900 rows)",
            runs: &shared,
            labeled: &LABELED[..4],
        },
    ];
    let metrics = [
        (
            "unlabeled",
            "accuracy on the review pool's tracks not labeled",
        ),
        (
            "test",
            "accuracy on held-out test tracks never offered in review",
        ),
        (
            "new_genre_test",
            "recall of the missing genre on the test tracks",
        ),
        (
            "new_genre_labeled",
            "tracks of the missing genre among the N labeled",
        ),
    ];
    let mut report = Vec::new();
    for setup in &setups {
        println!("{} ({})", setup.title, setup.description);
        let mut strategies = serde_json::Map::new();
        for s in STRATEGIES {
            let mut entry = serde_json::Map::new();
            for (metric, _) in metrics {
                let (mean, sd, runs) = setup.runs.summary(metric, s, setup.labeled);
                if runs > 0 {
                    entry.insert(
                        metric.to_string(),
                        json!({ "mean": mean, "sd": sd, "runs": runs }),
                    );
                }
            }
            strategies.insert(s.to_string(), entry.into());
        }
        for (metric, what) in metrics {
            if setup.runs.summary(metric, "random", setup.labeled).2 == 0 {
                continue;
            }
            println!("  {what}");
            println!(
                "    N   {:>16} {:>16} {:>16}",
                STRATEGIES[0], STRATEGIES[1], STRATEGIES[2]
            );
            for (i, n) in setup.labeled.iter().enumerate() {
                let cell = |s: &str| {
                    let (mean, sd, _) = setup.runs.summary(metric, s, setup.labeled);
                    if metric == "new_genre_labeled" {
                        format!("{:.1}", mean[i])
                    } else {
                        format!("{:.1} ± {:.1}", 100.0 * mean[i], 100.0 * sd[i])
                    }
                };
                println!(
                    "    {n:<3} {:>16} {:>16} {:>16}",
                    cell(STRATEGIES[0]),
                    cell(STRATEGIES[1]),
                    cell(STRATEGIES[2])
                );
            }
        }
        report.push(json!({
            "setup": setup.name,
            "description": setup.description,
            "labeled": setup.labeled,
            "strategies": strategies,
        }));
    }
    let json_path = out_dir.join("active_learning.json");
    let doc = json!({
        "what": "the first N tracks review offers (ranked once by the base model) are labeled \
                 with their true genre, the model is retrained as `genrekit retrain` does \
                 (base rows + labeled rows, the default model's settings), then measured",
        "metrics": metrics.iter().map(|(m, w)| json!({ "name": m, "meaning": w })).collect::<Vec<_>>(),
        "table": "../shared/data/gtzan/features_30_sec.csv",
        "settings": settings.describe(),
        "setups": report,
    });
    std::fs::write(&json_path, serde_json::to_string_pretty(&doc)? + "\n")?;
    let svg_path = out_dir.join("active_learning.svg");
    plot(&setups, &svg_path)?;
    eprintln!("wrote {} and {}", json_path.display(), svg_path.display());
    Ok(())
}

/// The strategies compared.
const STRATEGIES: [&str; 3] = ["uncertainty", "margin", "random"];

/// One simulated setup's results.
struct Setup<'a> {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    runs: &'a Runs,
    labeled: &'a [usize],
}

/// Measurements per metric, strategy and N, one entry per run.
#[derive(Default)]
struct Runs {
    /// (metric, strategy) -> N -> values.
    values: BTreeMap<(&'static str, String), BTreeMap<usize, Vec<f64>>>,
}

impl Runs {
    fn push(&mut self, metric: &'static str, strategy: &str, n: usize, value: f64) {
        self.values
            .entry((metric, strategy.into()))
            .or_default()
            .entry(n)
            .or_default()
            .push(value);
    }

    /// Mean and sample sd of `metric` per N, and the number of runs (empty vectors when the
    /// metric was not measured).
    fn summary(
        &self,
        metric: &'static str,
        strategy: &str,
        ns: &[usize],
    ) -> (Vec<f64>, Vec<f64>, usize) {
        let Some(by_n) = self.values.get(&(metric, strategy.to_string())) else {
            return (Vec::new(), Vec::new(), 0);
        };
        let mut means = Vec::new();
        let mut sds = Vec::new();
        let mut count = 0;
        for n in ns {
            let v = by_n.get(n).map_or(&[][..], Vec::as_slice);
            count = v.len();
            let (m, s) = mean_sd(v);
            means.push(m);
            sds.push(s);
        }
        (means, sds, count)
    }
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

/// The table's rows grouped by track, ordered by track name.
fn by_track(data: &Dataset) -> BTreeMap<String, Vec<LabeledRow>> {
    let mut out: BTreeMap<String, Vec<LabeledRow>> = BTreeMap::new();
    for row in data.rows() {
        out.entry(row.track.clone()).or_default().push(row.clone());
    }
    out
}

/// The rows of `data` that `keep` accepts.
fn subset(data: &Dataset, keep: impl Fn(&LabeledRow) -> bool) -> Result<Dataset> {
    let mut out = Dataset::new(data.feature_names().to_vec());
    for row in data.rows().iter().filter(|r| keep(r)) {
        out.push(row.clone())?;
    }
    Ok(out)
}

/// File names of the shared GTZAN clips (`GENRE/GENRE.000NN.wav`).
fn shared_clip_names(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for genre in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let genre = genre?.path();
        if !genre.is_dir() {
            continue;
        }
        for clip in std::fs::read_dir(&genre)? {
            let clip = clip?.path();
            if clip.extension().is_some_and(|e| e == "wav")
                && let Some(name) = clip.file_name()
            {
                names.push(name.to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    Ok(names)
}

/// One pool to review, with the base model and the test tracks.
struct Sim<'a> {
    base: &'a Model,
    tracks: &'a BTreeMap<String, Vec<LabeledRow>>,
    pool: &'a [String],
    test: &'a [String],
    /// The genre the base model lacks, if any.
    missing: Option<&'a String>,
}

impl Sim<'_> {
    /// The track's snippet vectors.
    fn vectors(&self, track: &str) -> Vec<Vec<f32>> {
        self.tracks[track]
            .iter()
            .map(|r| r.features.iter().map(|&x| x as f32).collect())
            .collect()
    }

    /// Fraction of `tracks` that `model` gets right, and of those of the missing genre.
    fn accuracy<'t>(
        &self,
        model: &Model,
        tracks: impl Iterator<Item = &'t String>,
    ) -> Result<(f64, f64)> {
        let columns = model.training_columns();
        let (mut right, mut total, mut new_right, mut new_total) = (0usize, 0usize, 0usize, 0usize);
        for t in tracks {
            let truth = &self.tracks[t][0].label;
            let hit = model.predict_track(&self.vectors(t), columns)?.genre == *truth;
            total += 1;
            right += usize::from(hit);
            if Some(truth) == self.missing {
                new_total += 1;
                new_right += usize::from(hit);
            }
        }
        Ok((
            right as f64 / total.max(1) as f64,
            new_right as f64 / new_total.max(1) as f64,
        ))
    }

    /// Runs every strategy and N on the pool and records the results in `runs`.
    fn run(&self, ns: &[usize], random_seeds: u64, seed_base: u64, runs: &mut Runs) -> Result<()> {
        let columns = self.base.training_columns();
        let mut candidates = Vec::with_capacity(self.pool.len());
        for t in self.pool {
            let p = self.base.predict_track(&self.vectors(t), columns)?;
            candidates.push(Candidate {
                key: t.clone(),
                genre: p.genre,
                confidence: p.confidence,
                margin: p.margin,
                tag_genre: None,
            });
        }
        let mut orders: Vec<(&str, Vec<usize>)> = vec![
            ("uncertainty", rank(&candidates, Strategy::Uncertainty, 0)),
            ("margin", rank(&candidates, Strategy::Margin, 0)),
        ];
        for s in 0..random_seeds {
            orders.push((
                "random",
                rank(&candidates, Strategy::Random, seed_base * 1000 + s),
            ));
        }
        for (strategy, order) in &orders {
            for &n in ns {
                let labeled: Vec<&str> =
                    order[..n].iter().map(|&i| self.pool[i].as_str()).collect();
                let rows: Vec<LabeledRow> = labeled
                    .iter()
                    .flat_map(|t| self.tracks[*t].iter().cloned())
                    .collect();
                let model = if rows.is_empty() {
                    self.base.clone()
                } else {
                    retrain(self.base, &rows)?
                };
                let rest = self.pool.iter().filter(|t| !labeled.contains(&t.as_str()));
                let (unlabeled, _) = self.accuracy(&model, rest)?;
                let (test, new_test) = self.accuracy(&model, self.test.iter())?;
                runs.push("unlabeled", strategy, n, unlabeled);
                runs.push("test", strategy, n, test);
                if let Some(missing) = self.missing {
                    runs.push("new_genre_test", strategy, n, new_test);
                    let found = labeled
                        .iter()
                        .filter(|t| self.tracks[**t][0].label == *missing)
                        .count();
                    runs.push("new_genre_labeled", strategy, n, found as f64);
                }
            }
        }
        Ok(())
    }
}

/// Draws one row of panels per setup and one column per metric (accuracy on the unlabeled pool
/// tracks, on the test tracks): accuracy against N, one line per strategy, ± 1 sd bars.
fn plot(setups: &[Setup<'_>], path: &Path) -> Result<()> {
    let root = SVGBackend::new(path, (1000, 820)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((setups.len(), 2));
    let lines = [
        ("uncertainty", RGBColor(31, 119, 180), -0.5),
        ("margin", RGBColor(44, 160, 44), 0.0),
        ("random", RGBColor(214, 39, 40), 0.5),
    ];
    let metrics = [
        ("unlabeled", "on the review pool's unlabeled tracks"),
        ("test", "on held-out test tracks"),
    ];
    for (i, panel) in panels.iter().enumerate() {
        let setup = &setups[i / 2];
        let (metric, what) = metrics[i % 2];
        let ns = setup.labeled;
        let xmax = ns.last().copied().unwrap_or(1) as f64;
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for (s, _, _) in &lines {
            let (m, d, _) = setup.runs.summary(metric, s, ns);
            for (x, e) in m.iter().zip(&d) {
                lo = lo.min(100.0 * (x - e));
                hi = hi.max(100.0 * (x + e));
            }
        }
        let (lo, hi) = ((lo - 2.0).floor().max(0.0), (hi + 2.0).ceil().min(100.0));
        let mut chart = ChartBuilder::on(panel)
            .caption(format!("{}: {what}", setup.title), ("sans-serif", 14))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(-1.5..xmax + 1.5, lo..hi)?;
        chart
            .configure_mesh()
            .x_desc("tracks labeled in review (N)")
            .y_desc("accuracy, %")
            .draw()?;
        for (s, color, dx) in lines {
            let (mean, sd, count) = setup.runs.summary(metric, s, ns);
            let points: Vec<(f64, f64)> = ns
                .iter()
                .zip(&mean)
                .map(|(&n, &m)| (n as f64 + dx, 100.0 * m))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
                .label(format!("{s} ({count} runs)"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
            chart.draw_series(points.iter().zip(&sd).map(|(&(x, y), &d)| {
                PathElement::new(vec![(x, y - 100.0 * d), (x, y + 100.0 * d)], color.mix(0.5))
            }))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
