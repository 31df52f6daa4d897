//! Hyperparameters of the KNN model: k, vote weighting, metric, feature subset and weights.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::knn::{Metric, Weighting};

/// How features are weighted after standardisation: coordinate `j` is multiplied by `w_j`, so
/// the distance is `||w ⊙ (a - b)||`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum FeatureWeighting {
    /// Every feature weighs 1.
    Equal,
    /// `w_j = F_j^power`, rescaled to root-mean-square 1, where `F_j` is the one-way ANOVA F
    /// statistic of feature `j` across the training labels:
    /// `F = (SSB / (C - 1)) / (SSW / (N - C))` (scikit-learn's `f_classif`). Computed on the
    /// training rows only.
    Anova {
        /// The exponent; 0 gives equal weights.
        power: f64,
    },
    /// Explicit weights by feature name; features not listed weigh 1.
    Explicit {
        /// `(feature name, weight)` pairs; weights must be finite and >= 0.
        weights: Vec<(String, f64)>,
    },
}

/// Hyperparameters of a KNN model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Number of neighbours that vote.
    pub k: usize,
    /// How the neighbours' votes are weighted.
    pub weighting: Weighting,
    /// The distance.
    pub metric: Metric,
    /// The features used, by name; `None` uses every feature of the training data.
    pub features: Option<Vec<String>>,
    /// Per-feature weights.
    pub feature_weighting: FeatureWeighting,
}

impl Default for Settings {
    /// The scikit-learn baseline: k = 5, inverse-distance votes, Euclidean, all features.
    fn default() -> Self {
        Self {
            k: 5,
            weighting: Weighting::Distance,
            metric: Metric::L2,
            features: None,
            feature_weighting: FeatureWeighting::Equal,
        }
    }
}

impl Settings {
    /// A one-line human-readable description, e.g. `k=5 distance l2 features=table weights=equal`.
    pub fn describe(&self) -> String {
        let features = match &self.features {
            None => "all".to_string(),
            Some(f) => {
                let table: Vec<String> = genrekit_features::TABLE_COLUMNS
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                FeatureSet::ALL
                    .iter()
                    .filter(|s| **s != FeatureSet::All)
                    .find(|s| s.names(&table).as_deref() == Some(f.as_slice()))
                    .map_or_else(|| format!("{} named", f.len()), |s| s.name().to_string())
            }
        };
        let weights = match &self.feature_weighting {
            FeatureWeighting::Equal => "equal".to_string(),
            FeatureWeighting::Anova { power } => format!("anova^{power}"),
            FeatureWeighting::Explicit { weights } => format!("{} explicit", weights.len()),
        };
        format!(
            "k={} {} {} features={} weights={}",
            self.k,
            match self.weighting {
                Weighting::Uniform => "uniform",
                Weighting::Distance => "distance",
            },
            match self.metric {
                Metric::L2 => "l2",
                Metric::L1 => "l1",
                Metric::Cosine => "cosine",
            },
            features,
            weights
        )
    }

    /// Checks values that cannot work (k = 0, negative or non-finite weights).
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::InvalidInput("k must be at least 1".into()));
        }
        if let Some(f) = &self.features
            && f.is_empty()
        {
            return Err(Error::InvalidInput("the feature subset is empty".into()));
        }
        match &self.feature_weighting {
            FeatureWeighting::Anova { power } if !power.is_finite() || *power < 0.0 => {
                Err(Error::InvalidInput(format!(
                    "ANOVA weight power {power} must be finite and >= 0"
                )))
            }
            FeatureWeighting::Explicit { weights } => {
                match weights.iter().find(|(_, w)| !w.is_finite() || *w < 0.0) {
                    Some((n, w)) => Err(Error::InvalidInput(format!(
                        "weight {w} of feature {n} must be finite and >= 0"
                    ))),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

/// Named feature subsets over the GTZAN table columns (and whatever else the data has).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FeatureSet {
    /// Every feature of the data.
    All,
    /// The 57 GTZAN table columns ([`genrekit_features::TABLE_COLUMNS`]).
    Table,
    /// The table columns without `tempo` (tempo estimates are octave-ambiguous).
    NoTempo,
    /// The table columns without the variances of MFCC 13..20 (noisy, little genre information).
    NoHighMfccVar,
    /// The table columns without `tempo` and the variances of MFCC 13..20.
    NoTempoHighMfccVar,
}

impl FeatureSet {
    /// Every named set, in the order the tuner tries them.
    pub const ALL: [FeatureSet; 5] = [
        FeatureSet::All,
        FeatureSet::Table,
        FeatureSet::NoTempo,
        FeatureSet::NoHighMfccVar,
        FeatureSet::NoTempoHighMfccVar,
    ];

    /// The set's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FeatureSet::All => "all",
            FeatureSet::Table => "table",
            FeatureSet::NoTempo => "no-tempo",
            FeatureSet::NoHighMfccVar => "no-high-mfcc-var",
            FeatureSet::NoTempoHighMfccVar => "no-tempo-high-mfcc-var",
        }
    }

    /// Parses a name given by [`FeatureSet::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The set's feature names among `available` (in `available`'s order), or `None` if the data
    /// lacks a table column the set needs.
    pub fn names(self, available: &[String]) -> Option<Vec<String>> {
        let table = genrekit_features::TABLE_COLUMNS;
        if self == FeatureSet::All {
            return Some(available.to_vec());
        }
        if !table.iter().all(|t| available.iter().any(|a| a == t)) {
            return None;
        }
        let high_mfcc_var = |n: &str| {
            n.strip_prefix("mfcc")
                .and_then(|r| r.strip_suffix("_var"))
                .and_then(|i| i.parse::<u32>().ok())
                .is_some_and(|i| i >= 13)
        };
        let keep = |n: &str| match self {
            FeatureSet::All | FeatureSet::Table => true,
            FeatureSet::NoTempo => n != "tempo",
            FeatureSet::NoHighMfccVar => !high_mfcc_var(n),
            FeatureSet::NoTempoHighMfccVar => n != "tempo" && !high_mfcc_var(n),
        };
        Some(
            table
                .iter()
                .filter(|n| keep(n))
                .map(|n| n.to_string())
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_sets_select_table_columns() {
        let mut avail: Vec<String> = genrekit_features::TABLE_COLUMNS
            .iter()
            .map(|s| s.to_string())
            .collect();
        avail.push("tonnetz1_mean".into());
        assert_eq!(FeatureSet::All.names(&avail).unwrap().len(), 58);
        assert_eq!(FeatureSet::Table.names(&avail).unwrap().len(), 57);
        assert_eq!(FeatureSet::NoTempo.names(&avail).unwrap().len(), 56);
        assert_eq!(FeatureSet::NoHighMfccVar.names(&avail).unwrap().len(), 49);
        assert_eq!(
            FeatureSet::NoTempoHighMfccVar.names(&avail).unwrap().len(),
            48
        );
        assert!(FeatureSet::Table.names(&avail[1..]).is_none());
        for s in FeatureSet::ALL {
            assert_eq!(FeatureSet::from_name(s.name()), Some(s));
        }
    }

    #[test]
    fn validate_rejects_impossible_settings() {
        assert!(Settings::default().validate().is_ok());
        let bad = Settings {
            k: 0,
            ..Settings::default()
        };
        assert!(bad.validate().is_err());
        let bad = Settings {
            feature_weighting: FeatureWeighting::Explicit {
                weights: vec![("x".into(), f64::NAN)],
            },
            ..Settings::default()
        };
        assert!(bad.validate().is_err());
        assert_eq!(
            Settings::default().describe(),
            "k=5 distance l2 features=all weights=equal"
        );
    }
}
