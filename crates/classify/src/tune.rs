//! Hyperparameter search by cross-validation, and nested cross-validation that measures it.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::evaluate::{CvOptions, Evaluation, Problem};
use crate::knn::{Metric, Weighting};
use crate::metrics::{Confusion, mean_sd};
use crate::settings::{FeatureSet, FeatureWeighting, Settings};

/// The settings a search tries: every combination of the listed values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// Neighbour counts.
    pub k: Vec<usize>,
    /// Vote weightings.
    pub weighting: Vec<Weighting>,
    /// Metrics.
    pub metric: Vec<Metric>,
    /// Feature subsets by name (`None` = every feature of the data).
    pub features: Vec<Option<Vec<String>>>,
    /// Feature weightings.
    pub feature_weighting: Vec<FeatureWeighting>,
}

impl Grid {
    /// The default grid for data over `available` features: k in {1, 3, 5, 7, 9, 11, 15},
    /// both weightings, L2/L1/cosine, the table columns with and without `tempo` and with and
    /// without the MFCC 13..20 variances (or all features when the data lacks table columns),
    /// equal or ANOVA^0.5 feature weights: 7 x 2 x 3 x 4 x 2 = 336 settings, sharing 24 neighbour
    /// searches per split.
    pub fn standard(available: &[String]) -> Self {
        let sets: Vec<Option<Vec<String>>> = [
            FeatureSet::Table,
            FeatureSet::NoTempo,
            FeatureSet::NoHighMfccVar,
            FeatureSet::NoTempoHighMfccVar,
        ]
        .iter()
        .filter_map(|s| s.names(available).map(Some))
        .collect();
        Self {
            k: vec![1, 3, 5, 7, 9, 11, 15],
            weighting: vec![Weighting::Distance, Weighting::Uniform],
            metric: vec![Metric::L2, Metric::L1, Metric::Cosine],
            features: if sets.is_empty() { vec![None] } else { sets },
            feature_weighting: vec![
                FeatureWeighting::Equal,
                FeatureWeighting::Anova { power: 0.5 },
            ],
        }
    }

    /// Every combination, in a fixed order (features, feature weighting, metric, weighting, k);
    /// the search breaks accuracy ties in favour of the earlier one.
    pub fn settings(&self) -> Vec<Settings> {
        let mut out = Vec::new();
        for features in &self.features {
            for fw in &self.feature_weighting {
                for &metric in &self.metric {
                    for &weighting in &self.weighting {
                        for &k in &self.k {
                            out.push(Settings {
                                k,
                                weighting,
                                metric,
                                features: features.clone(),
                                feature_weighting: fw.clone(),
                            });
                        }
                    }
                }
            }
        }
        out
    }
}

/// One settings' mean cross-validated accuracy in a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// The settings.
    pub settings: Settings,
    /// Mean accuracy over repetitions.
    pub accuracy: f64,
    /// Sample standard deviation over repetitions.
    pub accuracy_sd: f64,
}

/// The result of a plain (non-nested) search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Search {
    /// Every settings tried, in grid order.
    pub scores: Vec<Scored>,
    /// Index into `scores` of the best (highest mean accuracy; ties to the earliest).
    pub best: usize,
}

impl Search {
    /// The settings with the best cross-validated accuracy.
    pub fn best_settings(&self) -> &Settings {
        &self.scores[self.best].settings
    }
}

/// Plain cross-validated search: scores every settings of `grid` with the same folds and picks
/// the most accurate. The winner's accuracy is optimistic (it was chosen on these folds); use
/// [`nested_cross_validate`] to measure the procedure.
pub fn search(data: &Dataset, grid: &Grid, cv: CvOptions) -> Result<Search> {
    cv.check()?;
    let problem = Problem::new(data)?;
    let all: Vec<usize> = (0..problem.rows.len()).collect();
    let settings = grid.settings();
    search_subset(&problem, &all, &settings, cv, true)
}

fn search_subset(
    problem: &Problem<'_>,
    subset: &[usize],
    settings: &[Settings],
    cv: CvOptions,
    parallel: bool,
) -> Result<Search> {
    if settings.is_empty() {
        return Err(Error::InvalidInput("the search grid is empty".into()));
    }
    settings.iter().try_for_each(Settings::validate)?;
    let run = |seed: u64| problem.cross_validate_subset(subset, settings, cv.folds, seed, parallel);
    let per_repeat: Vec<Vec<Confusion>> = if parallel {
        cv.repeat_seeds()
            .into_par_iter()
            .map(run)
            .collect::<Result<_>>()?
    } else {
        cv.repeat_seeds()
            .into_iter()
            .map(run)
            .collect::<Result<_>>()?
    };
    let scores: Vec<Scored> = settings
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let accs: Vec<f64> = per_repeat.iter().map(|r| r[i].accuracy()).collect();
            let (accuracy, accuracy_sd) = mean_sd(&accs);
            Scored {
                settings: s.clone(),
                accuracy,
                accuracy_sd,
            }
        })
        .collect();
    let mut best = 0;
    for (i, s) in scores.iter().enumerate() {
        if s.accuracy > scores[best].accuracy {
            best = i;
        }
    }
    Ok(Search { scores, best })
}

/// The result of nested cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NestedEvaluation {
    /// Outer-fold quality of the whole procedure "search the grid, then train": every outer test
    /// track was predicted by settings chosen without it. `evaluation.settings` is the settings
    /// chosen most often.
    pub evaluation: Evaluation,
    /// How often each settings (by [`Settings::describe`]) won an inner search, most often first.
    pub chosen: Vec<(String, usize)>,
    /// Inner split options (folds, repeats, seed).
    pub inner: CvOptions,
}

/// Nested cross-validation: for every outer repetition and fold, [`search`] picks settings by
/// `inner`-fold CV on the outer training tracks only; those settings are trained on the outer
/// training tracks and scored on the outer test fold. The outer accuracy is therefore never seen
/// while tuning.
pub fn nested_cross_validate(
    data: &Dataset,
    grid: &Grid,
    outer: CvOptions,
    inner: CvOptions,
) -> Result<NestedEvaluation> {
    outer.check()?;
    inner.check()?;
    let problem = Problem::new(data)?;
    let all: Vec<usize> = (0..problem.rows.len()).collect();
    let settings = grid.settings();
    let jobs: Vec<(usize, u64, usize)> = outer
        .repeat_seeds()
        .into_iter()
        .enumerate()
        .flat_map(|(r, seed)| (0..outer.folds).map(move |f| (r, seed, f)))
        .collect();
    let fold_cache: BTreeMap<u64, Vec<usize>> = outer
        .repeat_seeds()
        .into_iter()
        .map(|seed| problem.folds(&all, outer.folds, seed).map(|f| (seed, f)))
        .collect::<Result<_>>()?;
    let results: Vec<(usize, Settings, Confusion)> = jobs
        .into_par_iter()
        .map(|(r, seed, f)| {
            let fold_of = &fold_cache[&seed];
            let train: Vec<usize> = all.iter().copied().filter(|&i| fold_of[i] != f).collect();
            let test: Vec<usize> = all.iter().copied().filter(|&i| fold_of[i] == f).collect();
            let inner_cv = CvOptions {
                seed: inner.seed ^ seed.rotate_left(17) ^ f as u64,
                ..inner
            };
            let found = search_subset(&problem, &train, &settings, inner_cv, false)?;
            let chosen = found.best_settings().clone();
            let mut c = problem.score_split(&train, &test, std::slice::from_ref(&chosen))?;
            Ok((r, chosen, c.remove(0)))
        })
        .collect::<Result<_>>()?;
    let mut per_repeat: Vec<Confusion> = (0..outer.repeats)
        .map(|_| Confusion::new(problem.genres.clone()))
        .collect();
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (i, (r, s, c)) in results.iter().enumerate() {
        per_repeat[*r].merge(c);
        counts.entry(s.describe()).or_insert((0, i)).0 += 1;
    }
    let mut chosen: Vec<(String, usize, usize)> = counts
        .into_iter()
        .map(|(d, (n, first))| (d, n, first))
        .collect();
    chosen.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let most = chosen
        .first()
        .and_then(|(d, _, _)| results.iter().find(|(_, s, _)| &s.describe() == d))
        .map(|(_, s, _)| s.clone())
        .unwrap_or_default();
    Ok(NestedEvaluation {
        evaluation: Evaluation::from_confusions(most, outer, &per_repeat, problem.genres.clone()),
        chosen: chosen.into_iter().map(|(d, n, _)| (d, n)).collect(),
        inner,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::LabeledRow;
    use crate::rng::SplitMix64;

    /// Two informative features and two pure-noise features.
    fn noisy(seed: u64) -> Dataset {
        let mut rng = SplitMix64::new(seed);
        let mut d = Dataset::new(vec![
            "good1".into(),
            "good2".into(),
            "noise1".into(),
            "noise2".into(),
        ]);
        for t in 0..60 {
            let g = t % 3;
            d.push(LabeledRow {
                features: vec![
                    g as f64 + 1.5 * rng.next_f64(),
                    -(g as f64) + 1.5 * rng.next_f64(),
                    10.0 * rng.next_f64(),
                    rng.next_f64(),
                ],
                label: format!("g{g}"),
                source: "noisy".into(),
                track: format!("t{t}"),
                snippet: 0,
            })
            .unwrap();
        }
        d
    }

    #[test]
    fn search_prefers_informative_features_and_nested_is_honest() {
        let d = noisy(21);
        let grid = Grid {
            k: vec![1, 5],
            weighting: vec![Weighting::Distance],
            metric: vec![Metric::L2],
            features: vec![None, Some(vec!["good1".into(), "good2".into()])],
            feature_weighting: vec![FeatureWeighting::Equal],
        };
        let cv = CvOptions {
            folds: 5,
            repeats: 2,
            seed: 4,
        };
        let s = search(&d, &grid, cv).unwrap();
        assert_eq!(s.scores.len(), 4);
        let acc = |n: Option<usize>| {
            s.scores
                .iter()
                .filter(|x| x.settings.features.as_ref().map(Vec::len) == n)
                .map(|x| x.accuracy)
                .fold(0.0, f64::max)
        };
        assert!(
            acc(Some(2)) > acc(None) + 0.05,
            "{} vs {}",
            acc(Some(2)),
            acc(None)
        );
        assert_eq!(s.best_settings().features.as_ref().map(Vec::len), Some(2));
        let nested = nested_cross_validate(
            &d,
            &grid,
            cv,
            CvOptions {
                folds: 4,
                repeats: 1,
                seed: 8,
            },
        )
        .unwrap();
        assert_eq!(nested.evaluation.confusion.total(), 120);
        assert_eq!(nested.chosen.iter().map(|c| c.1).sum::<usize>(), 10);
        // Nested accuracy cannot exceed the best plain-search accuracy by more than noise.
        assert!(nested.evaluation.accuracy <= s.scores[s.best].accuracy + 0.05);
        assert!(
            nested.evaluation.accuracy > 0.6,
            "{}",
            nested.evaluation.accuracy
        );
    }

    #[test]
    fn standard_grid_size() {
        let names: Vec<String> = genrekit_features::TABLE_COLUMNS
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(Grid::standard(&names).settings().len(), 336);
        assert_eq!(Grid::standard(&["x".to_string()]).settings().len(), 84);
    }
}
