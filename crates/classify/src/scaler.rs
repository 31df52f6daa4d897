//! Standardisation of feature columns: zero mean and unit population standard deviation.

use serde::{Deserialize, Serialize};

/// Per-column standard scaler, `z = (x - mean) / scale`, fit on training rows.
///
/// `mean` is the column mean and `scale` the population standard deviation
/// `sqrt(sum((x - mean)^2) / n)`, as scikit-learn's `StandardScaler`. A constant column (sd 0)
/// gets `scale = 1`, so it maps to 0 instead of dividing by zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    mean: Vec<f64>,
    scale: Vec<f64>,
}

impl Scaler {
    /// Fits the scaler on `rows` (each of the same length) with a two-pass mean and variance.
    ///
    /// # Panics
    /// If `rows` is empty or the rows differ in length.
    pub fn fit<R: AsRef<[f64]>>(rows: &[R]) -> Self {
        assert!(!rows.is_empty(), "Scaler::fit needs at least one row");
        let dim = rows[0].as_ref().len();
        let n = rows.len() as f64;
        let mut mean = vec![0.0; dim];
        for row in rows {
            let row = row.as_ref();
            assert_eq!(row.len(), dim, "Scaler::fit: rows differ in length");
            for (m, x) in mean.iter_mut().zip(row) {
                *m += x;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0; dim];
        for row in rows {
            for ((v, x), m) in var.iter_mut().zip(row.as_ref()).zip(&mean) {
                *v += (x - m) * (x - m);
            }
        }
        let scale = var
            .iter()
            .map(|v| {
                let sd = (v / n).sqrt();
                if sd > 0.0 && sd.is_finite() { sd } else { 1.0 }
            })
            .collect();
        Self { mean, scale }
    }

    /// Number of columns.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Column means.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Column scales (population standard deviations; 1 for constant columns).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Standardises `row` in place: `x[j] = (x[j] - mean[j]) / scale[j]`.
    ///
    /// # Panics
    /// If `row.len() != self.dim()`.
    pub fn transform_in_place(&self, row: &mut [f64]) {
        assert_eq!(row.len(), self.dim(), "Scaler: row length");
        for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
            *x = (*x - m) / s;
        }
    }

    /// True when both vectors have `dim` entries and every scale is finite and positive.
    pub(crate) fn is_valid(&self, dim: usize) -> bool {
        self.mean.len() == dim
            && self.scale.len() == dim
            && self.mean.iter().all(|m| m.is_finite())
            && self.scale.iter().all(|s| s.is_finite() && *s > 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardises_to_zero_mean_unit_population_sd() {
        let rows = vec![
            vec![1.0, 10.0, 5.0],
            vec![2.0, 20.0, 5.0],
            vec![3.0, 60.0, 5.0],
        ];
        let s = Scaler::fit(&rows);
        assert_eq!(s.mean(), &[2.0, 30.0, 5.0]);
        // Population sd of 1,2,3 is sqrt(2/3); of 10,20,60 is sqrt(1400/3).
        assert!((s.scale()[0] - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert!((s.scale()[1] - (1400.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.scale()[2], 1.0, "constant column keeps scale 1");
        let mut z: Vec<Vec<f64>> = rows.clone();
        z.iter_mut().for_each(|r| s.transform_in_place(r));
        for j in 0..3 {
            let mean: f64 = z.iter().map(|r| r[j]).sum::<f64>() / 3.0;
            let var: f64 = z.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / 3.0;
            assert!(mean.abs() < 1e-12);
            let expected = if j == 2 { 0.0 } else { 1.0 };
            assert!((var - expected).abs() < 1e-12, "column {j}: var {var}");
        }
    }
}
