//! The features that set the liked tracks apart from the library.

use crate::collection::Collection;

/// How one feature of the liked tracks differs from the library.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureDifference {
    /// The feature name.
    pub name: String,
    /// The standardized mean difference
    /// `d_j = (mean_{l ∈ L} x_lj - mean_lib x_j) / sd_lib x_j`, the mean over the liked tracks
    /// of the standardized feature (0 for a feature that does not vary in the library).
    pub difference: f64,
    /// Mean of the feature over the liked tracks.
    pub liked_mean: f64,
    /// Mean of the feature over the library.
    pub library_mean: f64,
}

/// Every feature's standardized mean difference, largest `|d_j|` first (ties by name); empty
/// without liked tracks.
pub(crate) fn distinguishing_features(
    collection: &Collection,
    liked: &[usize],
) -> Vec<FeatureDifference> {
    if liked.is_empty() {
        return Vec::new();
    }
    let n = liked.len() as f64;
    let mut out: Vec<FeatureDifference> = collection
        .feature_names()
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let (mean, sd) = collection.mean_sd(j);
            let difference = liked.iter().map(|&i| collection.z(i)[j]).sum::<f64>() / n;
            FeatureDifference {
                name: name.clone(),
                difference,
                liked_mean: if sd > 0.0 {
                    mean + difference * sd
                } else {
                    mean
                },
                library_mean: mean,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.difference
            .abs()
            .total_cmp(&a.difference.abs())
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::tests::{names, track};
    use crate::track::Opinion::{Liked, Neutral};

    #[test]
    fn difference_is_standardized_mean_of_likes() {
        // Feature 0: library 0, 0, 2, 2 (mean 1, sd 1); likes at 2, 2 → d = 1.
        // Feature 1 is constant; feature 2 separates less (likes 1, 3 of 0, 1, 3, 4 → d = 0).
        let c = Collection::new(
            names(3),
            vec![
                track("/a", &[0.0, 7.0, 0.0], "x", Neutral),
                track("/b", &[0.0, 7.0, 4.0], "x", Neutral),
                track("/c", &[2.0, 7.0, 1.0], "x", Liked),
                track("/d", &[2.0, 7.0, 3.0], "x", Liked),
            ],
        )
        .unwrap();
        let d = distinguishing_features(&c, &[2, 3]);
        assert_eq!(d[0].name, "f0");
        assert!((d[0].difference - 1.0).abs() < 1e-12);
        assert!((d[0].liked_mean - 2.0).abs() < 1e-12);
        assert_eq!(d[0].library_mean, 1.0);
        assert!(d[1..].iter().all(|f| f.difference.abs() < 1e-12), "{d:?}");
        let constant = d.iter().find(|f| f.name == "f1").unwrap();
        assert_eq!((constant.difference, constant.liked_mean), (0.0, 7.0));
        assert!(distinguishing_features(&c, &[]).is_empty());
    }
}
