//! Classification metrics from a confusion matrix: accuracy, per-class precision, recall and F1,
//! and their macro averages.

use serde::{Deserialize, Serialize};

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// The class (genre).
    pub label: String,
    /// `TP / (TP + FP)`; 0 when the class was never predicted.
    pub precision: f64,
    /// `TP / (TP + FN)`; 0 when the class never occurs.
    pub recall: f64,
    /// `2 P R / (P + R)`; 0 when `P + R = 0`.
    pub f1: f64,
    /// Number of true members of the class (`TP + FN`).
    pub support: u64,
}

/// A confusion matrix: `counts[t][p]` tracks of true class `t` predicted as `p`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// Class names; row and column `i` is `labels[i]`.
    pub labels: Vec<String>,
    /// Counts, rows = true class, columns = predicted class.
    pub counts: Vec<Vec<u64>>,
}

impl Confusion {
    /// An all-zero matrix over `labels`.
    pub fn new(labels: Vec<String>) -> Self {
        let n = labels.len();
        Self {
            labels,
            counts: vec![vec![0; n]; n],
        }
    }

    /// Counts one prediction.
    ///
    /// # Panics
    /// If a class index is out of range.
    pub fn add(&mut self, truth: usize, predicted: usize) {
        self.counts[truth][predicted] += 1;
    }

    /// Adds another matrix over the same labels.
    ///
    /// # Panics
    /// If the sizes differ.
    pub fn merge(&mut self, other: &Confusion) {
        assert_eq!(
            self.counts.len(),
            other.counts.len(),
            "Confusion::merge: sizes"
        );
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
    }

    /// Total number of predictions.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// Fraction of predictions on the diagonal; 0 for an empty matrix.
    pub fn accuracy(&self) -> f64 {
        let total = self.total();
        if total == 0 {
            return 0.0;
        }
        let correct: u64 = (0..self.counts.len()).map(|i| self.counts[i][i]).sum();
        correct as f64 / total as f64
    }

    /// Precision, recall and F1 of every class.
    pub fn per_class(&self) -> Vec<ClassMetrics> {
        let n = self.counts.len();
        (0..n)
            .map(|c| {
                let tp = self.counts[c][c] as f64;
                let support: u64 = self.counts[c].iter().sum();
                let predicted: u64 = (0..n).map(|t| self.counts[t][c]).sum();
                let ratio = |a: f64, b: u64| if b == 0 { 0.0 } else { a / b as f64 };
                let precision = ratio(tp, predicted);
                let recall = ratio(tp, support);
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassMetrics {
                    label: self.labels[c].clone(),
                    precision,
                    recall,
                    f1,
                    support,
                }
            })
            .collect()
    }

    /// Unweighted means of precision, recall and F1 over classes with support (scikit-learn's
    /// `average="macro"` over the labels present).
    pub fn macro_average(&self) -> (f64, f64, f64) {
        let per = self.per_class();
        let present: Vec<&ClassMetrics> = per.iter().filter(|m| m.support > 0).collect();
        if present.is_empty() {
            return (0.0, 0.0, 0.0);
        }
        let n = present.len() as f64;
        (
            present.iter().map(|m| m.precision).sum::<f64>() / n,
            present.iter().map(|m| m.recall).sum::<f64>() / n,
            present.iter().map(|m| m.f1).sum::<f64>() / n,
        )
    }
}

/// Mean and sample standard deviation (`n - 1` denominator; 0 for fewer than two values).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_match_hand_computation() {
        let mut c = Confusion::new(vec!["a".into(), "b".into(), "c".into()]);
        // truth a: 3 right, 1 as b; truth b: 2 right; truth c: 1 as a, 1 right.
        for (t, p, n) in [(0, 0, 3), (0, 1, 1), (1, 1, 2), (2, 0, 1), (2, 2, 1)] {
            for _ in 0..n {
                c.add(t, p);
            }
        }
        assert_eq!(c.total(), 8);
        assert!((c.accuracy() - 6.0 / 8.0).abs() < 1e-15);
        let m = c.per_class();
        assert!((m[0].precision - 0.75).abs() < 1e-15);
        assert!((m[0].recall - 0.75).abs() < 1e-15);
        assert!((m[1].precision - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(m[1].recall, 1.0);
        assert_eq!(m[2].precision, 1.0);
        assert_eq!(m[2].recall, 0.5);
        assert!((m[2].f1 - 2.0 / 3.0).abs() < 1e-15);
        let (_, _, f1) = c.macro_average();
        let want = (0.75 + 0.8 + 2.0 / 3.0) / 3.0;
        assert!((f1 - want).abs() < 1e-15);
        let (m, sd) = mean_sd(&[1.0, 2.0, 3.0]);
        assert_eq!((m, sd), (2.0, 1.0));
    }
}
