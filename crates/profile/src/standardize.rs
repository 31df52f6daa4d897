//! Standardization of feature columns by the collection's own mean and standard deviation.

/// Per-feature standardizer fit on every track of the collection:
/// `z_j = (x_j - mean_j) / sd_j`, with `mean_j` and the population standard deviation
/// `sd_j = sqrt(Σ (x_ij - mean_j)² / n)` taken over the tracks whose value is finite.
///
/// A feature that does not vary (`sd_j = 0` up to rounding, `sd_j ≤ 1e-9·|mean_j|`, or no
/// finite value) maps to `z_j = 0` for every track and does not count as a dimension
/// ([`Standardizer::varying`]). A non-finite value maps to `z = 0` (the mean).
#[derive(Debug, Clone)]
pub(crate) struct Standardizer {
    mean: Vec<f64>,
    /// `None` for a feature that does not vary.
    sd: Vec<Option<f64>>,
}

impl Standardizer {
    /// Fits on `rows`, each of `dim` values (rows of another length are a caller bug and are
    /// read as far as they go).
    pub(crate) fn fit(rows: &[&[f64]], dim: usize) -> Self {
        let mut sum = vec![0.0; dim];
        let mut count = vec![0usize; dim];
        for row in rows {
            for (j, &x) in row.iter().enumerate().take(dim) {
                if x.is_finite() {
                    sum[j] += x;
                    count[j] += 1;
                }
            }
        }
        let mean: Vec<f64> = sum
            .iter()
            .zip(&count)
            .map(|(s, &c)| if c > 0 { s / c as f64 } else { 0.0 })
            .collect();
        let mut ss = vec![0.0; dim];
        for row in rows {
            for (j, &x) in row.iter().enumerate().take(dim) {
                if x.is_finite() {
                    ss[j] += (x - mean[j]) * (x - mean[j]);
                }
            }
        }
        let sd = ss
            .iter()
            .zip(&count)
            .zip(&mean)
            .map(|((s, &c), m)| {
                let sd = if c > 0 { (s / c as f64).sqrt() } else { 0.0 };
                // A column that differs only by rounding error does not vary either.
                (sd.is_finite() && sd > 0.0 && sd > 1e-9 * m.abs()).then_some(sd)
            })
            .collect();
        Standardizer { mean, sd }
    }

    /// The standardized vector of `x`.
    pub(crate) fn transform(&self, x: &[f64]) -> Vec<f64> {
        self.mean
            .iter()
            .zip(&self.sd)
            .enumerate()
            .map(|(j, (m, sd))| match (sd, x.get(j)) {
                (Some(sd), Some(&v)) if v.is_finite() => (v - m) / sd,
                _ => 0.0,
            })
            .collect()
    }

    /// Number of features that vary over the collection (at least 1, so it can divide).
    pub(crate) fn varying(&self) -> usize {
        self.sd.iter().filter(|s| s.is_some()).count().max(1)
    }

    /// The mean of feature `j`.
    pub(crate) fn mean(&self, j: usize) -> f64 {
        self.mean[j]
    }

    /// The standard deviation of feature `j` (0 when it does not vary).
    pub(crate) fn sd(&self, j: usize) -> f64 {
        self.sd[j].unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardizes_to_zero_mean_unit_sd_and_guards_constant_columns() {
        let rows: [&[f64]; 4] = [
            &[1.0, 5.0, f64::NAN],
            &[2.0, 5.0, 1.0],
            &[3.0, 5.0, 3.0],
            &[4.0, 5.0, 2.0],
        ];
        let s = Standardizer::fit(&rows, 3);
        assert_eq!(s.varying(), 2);
        assert_eq!(s.mean(0), 2.5);
        assert!((s.sd(0) - 1.25f64.sqrt()).abs() < 1e-12);
        assert_eq!(s.sd(1), 0.0);
        let z: Vec<Vec<f64>> = rows.iter().map(|r| s.transform(r)).collect();
        let mean0: f64 = z.iter().map(|v| v[0]).sum::<f64>() / 4.0;
        let var0: f64 = z.iter().map(|v| v[0] * v[0]).sum::<f64>() / 4.0;
        assert!(mean0.abs() < 1e-12 && (var0 - 1.0).abs() < 1e-12);
        assert!(z.iter().all(|v| v[1] == 0.0));
        assert_eq!(z[0][2], 0.0, "a NaN maps to the mean");
        assert!((z[1][2] + 1.0 / (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
    }
}
