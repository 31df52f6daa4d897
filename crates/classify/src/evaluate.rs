//! Cross-validated evaluation: repeated stratified k-fold, grouped by track, scored per track.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::folds::assign_folds;
use crate::metrics::{ClassMetrics, Confusion, mean_sd};
use crate::pipeline::Fitted;
use crate::predict::{argmax, mean_probabilities};
use crate::rng::SplitMix64;
use crate::settings::Settings;

/// How cross-validation splits the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CvOptions {
    /// Number of folds.
    pub folds: usize,
    /// Number of repetitions with different shuffles.
    pub repeats: usize,
    /// Seed of the first repetition; repetition `r` uses the `r`-th output of
    /// `SplitMix64(seed)` as its shuffle seed.
    pub seed: u64,
}

impl Default for CvOptions {
    /// 10 folds, 5 repeats, seed 2002 (the year of the GTZAN paper).
    fn default() -> Self {
        Self {
            folds: 10,
            repeats: 5,
            seed: 2002,
        }
    }
}

impl CvOptions {
    /// The shuffle seed of every repetition.
    pub(crate) fn repeat_seeds(&self) -> Vec<u64> {
        let mut rng = SplitMix64::new(self.seed);
        (0..self.repeats).map(|_| rng.next_u64()).collect()
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.repeats == 0 {
            return Err(Error::InvalidInput("repeats must be at least 1".into()));
        }
        Ok(())
    }
}

/// Cross-validated quality of one setting, counted per track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The settings evaluated.
    pub settings: Settings,
    /// The split options.
    pub cv: CvOptions,
    /// Class names, in the order of `confusion` and `per_class`.
    pub labels: Vec<String>,
    /// Number of tracks (each is predicted once per repetition).
    pub tracks: usize,
    /// Mean over repetitions of the fraction of tracks predicted right.
    pub accuracy: f64,
    /// Sample standard deviation of the accuracy over repetitions.
    pub accuracy_sd: f64,
    /// Accuracy of every repetition.
    pub repeat_accuracies: Vec<f64>,
    /// Macro-averaged precision (from the confusion summed over repetitions).
    pub macro_precision: f64,
    /// Macro-averaged recall.
    pub macro_recall: f64,
    /// Macro-averaged F1.
    pub macro_f1: f64,
    /// Per-genre precision, recall and F1.
    pub per_class: Vec<ClassMetrics>,
    /// Confusion matrix summed over repetitions (each track counted once per repetition).
    pub confusion: Confusion,
}

impl Evaluation {
    pub(crate) fn from_confusions(
        settings: Settings,
        cv: CvOptions,
        per_repeat: &[Confusion],
        labels: Vec<String>,
    ) -> Self {
        let mut confusion = Confusion::new(labels.clone());
        per_repeat.iter().for_each(|c| confusion.merge(c));
        let repeat_accuracies: Vec<f64> = per_repeat.iter().map(Confusion::accuracy).collect();
        let (accuracy, accuracy_sd) = mean_sd(&repeat_accuracies);
        let (macro_precision, macro_recall, macro_f1) = confusion.macro_average();
        let tracks = per_repeat.first().map_or(0, |c| c.total() as usize);
        Self {
            settings,
            cv,
            labels,
            tracks,
            accuracy,
            accuracy_sd,
            repeat_accuracies,
            macro_precision,
            macro_recall,
            macro_f1,
            per_class: confusion.per_class(),
            confusion,
        }
    }
}

/// The dataset as indices: raw rows, label and track numbers.
pub(crate) struct Problem<'a> {
    pub(crate) columns: &'a [String],
    pub(crate) rows: Vec<&'a [f64]>,
    pub(crate) labels: Vec<usize>,
    pub(crate) groups: Vec<usize>,
    pub(crate) genres: Vec<String>,
}

impl<'a> Problem<'a> {
    pub(crate) fn new(data: &'a Dataset) -> Result<Self> {
        let genres = data.labels();
        if genres.len() < 2 {
            return Err(Error::InvalidInput(format!(
                "need at least two genres to evaluate, found {}",
                genres.len()
            )));
        }
        let class: HashMap<&str, usize> = genres
            .iter()
            .enumerate()
            .map(|(i, g)| (g.as_str(), i))
            .collect();
        let mut track_ids: HashMap<&str, usize> = HashMap::new();
        let mut track_label: Vec<usize> = Vec::new();
        let mut labels = Vec::with_capacity(data.len());
        let mut groups = Vec::with_capacity(data.len());
        for row in data.rows() {
            let l = class[row.label.as_str()];
            let next = track_ids.len();
            let g = *track_ids.entry(row.track.as_str()).or_insert(next);
            if g == track_label.len() {
                track_label.push(l);
            } else if track_label[g] != l {
                return Err(Error::InvalidInput(format!(
                    "track {} has snippets labeled both {} and {}",
                    row.track, genres[track_label[g]], row.label
                )));
            }
            labels.push(l);
            groups.push(g);
        }
        Ok(Self {
            columns: data.feature_names(),
            rows: data.rows().iter().map(|r| r.features.as_slice()).collect(),
            labels,
            groups,
            genres,
        })
    }

    pub(crate) fn n_classes(&self) -> usize {
        self.genres.len()
    }

    /// Folds of the rows listed in `subset` (indices into `rows`).
    pub(crate) fn folds(&self, subset: &[usize], k: usize, seed: u64) -> Result<Vec<usize>> {
        let groups: Vec<usize> = subset.iter().map(|&i| self.groups[i]).collect();
        let labels: Vec<usize> = subset.iter().map(|&i| self.labels[i]).collect();
        assign_folds(&groups, &labels, k, seed)
    }

    /// Trains on `train` and predicts every track of `test`, for several settings at once.
    ///
    /// Settings that share features, feature weighting and metric share one fitted transform and
    /// one neighbour search (with the largest k), then vote with their own k and weighting.
    /// Returns, for each settings, a confusion matrix over the test tracks.
    pub(crate) fn score_split(
        &self,
        train: &[usize],
        test: &[usize],
        grid: &[Settings],
    ) -> Result<Vec<Confusion>> {
        let train_rows: Vec<&[f64]> = train.iter().map(|&i| self.rows[i]).collect();
        let train_labels: Vec<usize> = train.iter().map(|&i| self.labels[i]).collect();
        let test_rows: Vec<&[f64]> = test.iter().map(|&i| self.rows[i]).collect();
        // Test rows grouped by track, in first-seen order.
        let mut tracks: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (pos, &i) in test.iter().enumerate() {
            tracks.entry(self.groups[i]).or_default().push(pos);
        }
        let mut out: Vec<Option<Confusion>> = vec![None; grid.len()];
        let mut done = vec![false; grid.len()];
        for a in 0..grid.len() {
            if done[a] {
                continue;
            }
            let family: Vec<usize> = (a..grid.len())
                .filter(|&b| {
                    !done[b]
                        && grid[b].features == grid[a].features
                        && grid[b].feature_weighting == grid[a].feature_weighting
                        && grid[b].metric == grid[a].metric
                })
                .collect();
            let k_max = family.iter().map(|&b| grid[b].k).max().unwrap_or(1);
            let fitted = Fitted::fit(
                self.columns,
                &train_rows,
                &train_labels,
                self.n_classes(),
                &grid[a],
            )?;
            let neighbors = fitted.neighbors(&test_rows, k_max)?;
            for &b in &family {
                let mut confusion = Confusion::new(self.genres.clone());
                for positions in tracks.values() {
                    let probs: Vec<Vec<f64>> = positions
                        .iter()
                        .map(|&p| fitted.vote(&neighbors[p], grid[b].k, grid[b].weighting))
                        .collect();
                    let predicted = argmax(&mean_probabilities(&probs));
                    confusion.add(self.labels[test[positions[0]]], predicted);
                }
                out[b] = Some(confusion);
                done[b] = true;
            }
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// Cross-validates every settings of `grid` on the rows in `subset` with one shuffle:
    /// returns each settings' confusion summed over the folds.
    pub(crate) fn cross_validate_subset(
        &self,
        subset: &[usize],
        grid: &[Settings],
        folds: usize,
        seed: u64,
        parallel: bool,
    ) -> Result<Vec<Confusion>> {
        let fold_of = self.folds(subset, folds, seed)?;
        let split = |f: usize| -> Result<Vec<Confusion>> {
            let train: Vec<usize> = subset
                .iter()
                .zip(&fold_of)
                .filter(|(_, g)| **g != f)
                .map(|(i, _)| *i)
                .collect();
            let test: Vec<usize> = subset
                .iter()
                .zip(&fold_of)
                .filter(|(_, g)| **g == f)
                .map(|(i, _)| *i)
                .collect();
            self.score_split(&train, &test, grid)
        };
        let per_fold: Vec<Vec<Confusion>> = if parallel {
            (0..folds)
                .into_par_iter()
                .map(split)
                .collect::<Result<_>>()?
        } else {
            (0..folds).map(split).collect::<Result<_>>()?
        };
        let mut total: Vec<Confusion> = grid
            .iter()
            .map(|_| Confusion::new(self.genres.clone()))
            .collect();
        for fold in &per_fold {
            for (t, c) in total.iter_mut().zip(fold) {
                t.merge(c);
            }
        }
        Ok(total)
    }
}

/// Cross-validates `settings` on `data`: `cv.repeats` times stratified `cv.folds`-fold CV with
/// folds grouped by track; each test track is predicted from the mean of its snippets'
/// probabilities, by a model trained on the other folds only.
pub fn cross_validate(data: &Dataset, settings: &Settings, cv: CvOptions) -> Result<Evaluation> {
    cv.check()?;
    settings.validate()?;
    let problem = Problem::new(data)?;
    let all: Vec<usize> = (0..problem.rows.len()).collect();
    let grid = std::slice::from_ref(settings);
    let per_repeat: Vec<Confusion> = cv
        .repeat_seeds()
        .into_par_iter()
        .map(|seed| {
            problem
                .cross_validate_subset(&all, grid, cv.folds, seed, true)
                .map(|mut v| v.remove(0))
        })
        .collect::<Result<_>>()?;
    Ok(Evaluation::from_confusions(
        settings.clone(),
        cv,
        &per_repeat,
        problem.genres.clone(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::LabeledRow;

    /// Three well-separated genres, tracks of 1 to 3 snippets.
    pub(crate) fn toy(seed: u64, tracks: usize) -> Dataset {
        let mut rng = SplitMix64::new(seed);
        let mut d = Dataset::new(vec!["a".into(), "b".into(), "c".into()]);
        for t in 0..tracks {
            let g = t % 3;
            for s in 0..=rng.below(3) {
                let centre = [g as f64 * 3.0, -(g as f64), 1.0];
                let features = centre.iter().map(|c| c + rng.next_f64()).collect();
                d.push(LabeledRow {
                    features,
                    label: ["pop", "jazz", "rock"][g].into(),
                    source: "toy".into(),
                    track: format!("t{t}"),
                    snippet: s as u32,
                })
                .unwrap();
            }
        }
        d
    }

    #[test]
    fn separable_data_scores_perfectly_and_counts_tracks_once() {
        let d = toy(5, 30);
        let cv = CvOptions {
            folds: 5,
            repeats: 2,
            seed: 1,
        };
        let e = cross_validate(&d, &Settings::default(), cv).unwrap();
        assert_eq!(e.tracks, 30);
        assert_eq!(e.confusion.total(), 60);
        assert_eq!(e.accuracy, 1.0);
        assert_eq!(e.labels, vec!["jazz", "pop", "rock"]);
    }

    #[test]
    fn no_snippet_of_a_test_track_is_in_training() {
        // Every track gets its own unique label-free signature: with k = 1 and exact duplicates
        // across snippets of a track, any leakage would make a random-label dataset look perfect.
        let mut rng = SplitMix64::new(9);
        let mut d = Dataset::new(vec!["x".into()]);
        for t in 0..40 {
            let x = rng.next_f64();
            let label = if rng.below(2) == 0 { "a" } else { "b" };
            for s in 0..3 {
                d.push(LabeledRow {
                    features: vec![x],
                    label: label.into(),
                    source: "leak".into(),
                    track: format!("t{t}"),
                    snippet: s,
                })
                .unwrap();
            }
        }
        let s = Settings {
            k: 1,
            ..Settings::default()
        };
        let e = cross_validate(
            &d,
            &s,
            CvOptions {
                folds: 5,
                repeats: 1,
                seed: 3,
            },
        )
        .unwrap();
        assert!(e.accuracy < 0.8, "leakage: accuracy {}", e.accuracy);
    }
}
