//! The fitted transform from raw feature rows to search vectors: select, standardise, weight,
//! normalise; plus the neighbour search and vote on top of it.

use ndarray::Array2;

use crate::dataset::column_indices;
use crate::error::{Error, Result};
use crate::knn::{self, Algorithm, Metric, Neighbor, Weighting};
use crate::scaler::Scaler;
use crate::settings::{FeatureWeighting, Settings};

/// Training rows prepared for search, with the transform that prepares queries the same way.
#[derive(Debug, Clone)]
pub(crate) struct Fitted {
    /// Column indices of the selected features within the training columns.
    pub(crate) cols: Vec<usize>,
    pub(crate) scaler: Scaler,
    pub(crate) weights: Vec<f64>,
    pub(crate) metric: Metric,
    data: Array2<f64>,
    labels: Vec<usize>,
    n_classes: usize,
}

impl Fitted {
    /// Fits the transform on training rows (`rows[i]` over `columns`, label index `labels[i]`):
    /// selects `settings.features`, fits the scaler, resolves the feature weights, then prepares
    /// every row.
    ///
    /// # Panics
    /// If `rows` and `labels` differ in length or a label is `>= n_classes`.
    pub(crate) fn fit(
        columns: &[String],
        rows: &[&[f64]],
        labels: &[usize],
        n_classes: usize,
        settings: &Settings,
    ) -> Result<Self> {
        assert_eq!(rows.len(), labels.len(), "Fitted::fit: rows and labels");
        assert!(
            labels.iter().all(|&l| l < n_classes),
            "Fitted::fit: label out of range"
        );
        settings.validate()?;
        if rows.is_empty() {
            return Err(Error::InvalidInput("no training rows".into()));
        }
        let cols = match &settings.features {
            None => (0..columns.len()).collect(),
            Some(names) => column_indices(columns, names)?,
        };
        let selected: Vec<Vec<f64>> = rows
            .iter()
            .map(|r| cols.iter().map(|&j| r[j]).collect())
            .collect();
        let scaler = Scaler::fit(&selected);
        let mut scaled = selected;
        scaled.iter_mut().for_each(|r| scaler.transform_in_place(r));
        let names: Vec<String> = cols.iter().map(|&j| columns[j].clone()).collect();
        let weights = match &settings.feature_weighting {
            FeatureWeighting::Equal => vec![1.0; cols.len()],
            FeatureWeighting::Anova { power } => anova_weights(&scaled, labels, n_classes, *power),
            FeatureWeighting::Explicit { weights } => {
                let mut w = vec![1.0; cols.len()];
                for (name, value) in weights {
                    let j = names.iter().position(|n| n == name).ok_or_else(|| {
                        Error::UnknownFeature {
                            name: name.clone(),
                            known: names.join(", "),
                        }
                    })?;
                    w[j] = *value;
                }
                w
            }
        };
        Ok(Self::from_scaled(
            scaled,
            cols,
            scaler,
            weights,
            settings.metric,
            labels.to_vec(),
            n_classes,
        ))
    }

    /// Rebuilds a fitted transform from stored parts (a loaded model). `selected` rows hold the
    /// selected features only, unscaled.
    pub(crate) fn from_parts(
        selected: Vec<Vec<f64>>,
        cols: Vec<usize>,
        scaler: Scaler,
        weights: Vec<f64>,
        metric: Metric,
        labels: Vec<usize>,
        n_classes: usize,
    ) -> Self {
        let mut scaled = selected;
        scaled.iter_mut().for_each(|r| scaler.transform_in_place(r));
        Self::from_scaled(scaled, cols, scaler, weights, metric, labels, n_classes)
    }

    fn from_scaled(
        mut scaled: Vec<Vec<f64>>,
        cols: Vec<usize>,
        scaler: Scaler,
        weights: Vec<f64>,
        metric: Metric,
        labels: Vec<usize>,
        n_classes: usize,
    ) -> Self {
        for r in &mut scaled {
            finish(r, &weights, metric);
        }
        let data = knn::to_array(&scaled, cols.len());
        Self {
            cols,
            scaler,
            weights,
            metric,
            data,
            labels,
            n_classes,
        }
    }

    /// Prepares one query row given over the training columns.
    fn prepare(&self, row: &[f64]) -> Vec<f64> {
        let mut x: Vec<f64> = self.cols.iter().map(|&j| row[j]).collect();
        self.scaler.transform_in_place(&mut x);
        finish(&mut x, &self.weights, self.metric);
        x
    }

    /// The `k` nearest training rows of each query (queries over the training columns).
    pub(crate) fn neighbors(&self, queries: &[&[f64]], k: usize) -> Result<Vec<Vec<Neighbor>>> {
        let prepared: Vec<Vec<f64>> = queries.iter().map(|q| self.prepare(q)).collect();
        let qa = knn::to_array(&prepared, self.cols.len());
        knn::k_nearest(
            self.data.view(),
            qa.view(),
            k,
            self.metric,
            Algorithm::default(),
        )
    }

    /// Class probabilities from the first `k` of each neighbour list.
    pub(crate) fn vote(&self, neighbors: &[Neighbor], k: usize, weighting: Weighting) -> Vec<f64> {
        let k = k.min(neighbors.len());
        knn::vote(&neighbors[..k], &self.labels, self.n_classes, weighting)
    }

    /// Number of training rows.
    pub(crate) fn n_rows(&self) -> usize {
        self.data.nrows()
    }
}

/// Applies the feature weights, then L2-normalises for the cosine metric (a zero vector stays 0).
fn finish(x: &mut [f64], weights: &[f64], metric: Metric) {
    x.iter_mut().zip(weights).for_each(|(v, w)| *v *= w);
    if metric.normalises() {
        let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            x.iter_mut().for_each(|v| *v /= norm);
        }
    }
}

/// Per-feature weights `F_j^power` rescaled to root-mean-square 1, from the one-way ANOVA F
/// statistic `F = (SSB / (C - 1)) / (SSW / (N - C))` of each column across the labels.
///
/// A column without between-class spread gets weight 0; a column without within-class spread
/// uses `SSW = 1e-12 * SST` so that its F stays finite. With fewer than two classes, or no more
/// rows than classes, all weights are 1.
pub(crate) fn anova_weights(
    rows: &[Vec<f64>],
    labels: &[usize],
    n_classes: usize,
    power: f64,
) -> Vec<f64> {
    let d = rows.first().map_or(0, Vec::len);
    let n = rows.len();
    let present = {
        let mut c = vec![0usize; n_classes];
        labels.iter().for_each(|&l| c[l] += 1);
        c
    };
    let classes = present.iter().filter(|&&c| c > 0).count();
    if classes < 2 || n <= classes || power == 0.0 {
        return vec![1.0; d];
    }
    let mut f = vec![0.0; d];
    for (j, fj) in f.iter_mut().enumerate() {
        let mut sum = vec![0.0; n_classes];
        let mut total = 0.0;
        for (r, &l) in rows.iter().zip(labels) {
            sum[l] += r[j];
            total += r[j];
        }
        let grand = total / n as f64;
        let mut ssb = 0.0;
        for c in 0..n_classes {
            if present[c] > 0 {
                let m = sum[c] / present[c] as f64;
                ssb += present[c] as f64 * (m - grand) * (m - grand);
            }
        }
        let mut ssw = 0.0;
        for (r, &l) in rows.iter().zip(labels) {
            let m = sum[l] / present[l] as f64;
            ssw += (r[j] - m) * (r[j] - m);
        }
        let sst = ssb + ssw;
        if ssb <= 0.0 {
            continue;
        }
        let ssw = ssw.max(1e-12 * sst);
        *fj = (ssb / (classes - 1) as f64) / (ssw / (n - classes) as f64);
    }
    let mut w: Vec<f64> = f.iter().map(|x| x.powf(power)).collect();
    let rms = (w.iter().map(|x| x * x).sum::<f64>() / d as f64).sqrt();
    if rms > 0.0 && rms.is_finite() {
        w.iter_mut().for_each(|x| *x /= rms);
    } else {
        w = vec![1.0; d];
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anova_matches_hand_computation() {
        // Column 0: classes {1,3} and {5,7}: grand 4, SSB = 2*(2-4)^2 + 2*(6-4)^2 = 16,
        // SSW = 4, F = (16/1)/(4/2) = 8. Column 1: identical class means -> F = 0.
        let rows = vec![
            vec![1.0, 1.0],
            vec![3.0, 2.0],
            vec![5.0, 1.0],
            vec![7.0, 2.0],
        ];
        let labels = [0, 0, 1, 1];
        let w = anova_weights(&rows, &labels, 2, 1.0);
        // F = [8, 0] -> rms = 8/sqrt(2) -> weights [sqrt 2, 0].
        assert!((w[0] - 2f64.sqrt()).abs() < 1e-12, "{w:?}");
        assert_eq!(w[1], 0.0);
        assert_eq!(anova_weights(&rows, &labels, 2, 0.0), vec![1.0, 1.0]);
    }

    #[test]
    fn cosine_rows_are_unit_length_and_weights_scale_coordinates() {
        let mut x = vec![3.0, 4.0];
        finish(&mut x, &[1.0, 1.0], Metric::Cosine);
        assert_eq!(x, vec![0.6, 0.8]);
        let mut x = vec![3.0, 4.0];
        finish(&mut x, &[2.0, 0.5], Metric::L2);
        assert_eq!(x, vec![6.0, 2.0]);
        let mut z = vec![0.0, 0.0];
        finish(&mut z, &[1.0, 1.0], Metric::Cosine);
        assert_eq!(z, vec![0.0, 0.0]);
    }
}
