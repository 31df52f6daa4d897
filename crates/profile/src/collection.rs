//! The tracks of a library, standardized once, with the similarity between them.

use std::path::Path;

use crate::error::{Error, Result};
use crate::similarity;
use crate::standardize::Standardizer;
use crate::track::{Opinion, Track};

/// Every analyzed track of a library with its standardized features.
///
/// Tracks are kept ordered by path (ties anywhere go to the smaller path), and results refer
/// to tracks by their index in [`Collection::tracks`].
#[derive(Debug, Clone)]
pub struct Collection {
    names: Vec<String>,
    tracks: Vec<Track>,
    /// Standardized features, one row per track.
    z: Vec<Vec<f64>>,
    standardizer: Standardizer,
}

impl Collection {
    /// Builds a collection of `tracks` whose feature vectors follow `names`; tracks are
    /// ordered by path, and a path given twice keeps its first track.
    ///
    /// # Errors
    /// [`Error::FeatureLength`] when a track does not have one value per name.
    pub fn new(names: Vec<String>, mut tracks: Vec<Track>) -> Result<Self> {
        if let Some(t) = tracks.iter().find(|t| t.features.len() != names.len()) {
            return Err(Error::FeatureLength {
                path: t.path.clone(),
                expected: names.len(),
                actual: t.features.len(),
            });
        }
        tracks.sort_by(|a, b| a.path.cmp(&b.path));
        tracks.dedup_by(|b, a| a.path == b.path);
        let rows: Vec<&[f64]> = tracks.iter().map(|t| t.features.as_slice()).collect();
        let standardizer = Standardizer::fit(&rows, names.len());
        let z = rows.iter().map(|r| standardizer.transform(r)).collect();
        Ok(Collection {
            names,
            tracks,
            z,
            standardizer,
        })
    }

    /// The feature names, in vector order.
    pub fn feature_names(&self) -> &[String] {
        &self.names
    }

    /// The tracks, ordered by path.
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// The index of the track at `path`.
    pub fn find(&self, path: &Path) -> Option<usize> {
        self.tracks
            .binary_search_by(|t| t.path.as_path().cmp(path))
            .ok()
    }

    /// The indices of the tracks with `opinion`, in path order.
    pub fn with_opinion(&self, opinion: Opinion) -> Vec<usize> {
        (0..self.tracks.len())
            .filter(|&i| self.tracks[i].opinion == opinion)
            .collect()
    }

    /// The similarity of tracks `i` and `j`: `s = exp(-‖z_i - z_j‖² / (2·D))` on features
    /// standardized by the collection's mean and standard deviation, `D` the number of
    /// features that vary (1 for the same track; about `exp(-1)` for a typical pair).
    ///
    /// # Panics
    /// If `i` or `j` is not below `tracks().len()`.
    pub fn similarity(&self, i: usize, j: usize) -> f64 {
        similarity::similarity(&self.z[i], &self.z[j], self.standardizer.varying())
    }

    /// The Euclidean distance of tracks `i` and `j` in standardized feature space.
    pub(crate) fn distance(&self, i: usize, j: usize) -> f64 {
        similarity::squared_distance(&self.z[i], &self.z[j]).sqrt()
    }

    /// The standardized features of track `i`.
    pub(crate) fn z(&self, i: usize) -> &[f64] {
        &self.z[i]
    }

    /// The collection's mean and standard deviation of feature `j`.
    pub(crate) fn mean_sd(&self, j: usize) -> (f64, f64) {
        (self.standardizer.mean(j), self.standardizer.sd(j))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A track with `features`, one genre of probability 1, and `opinion`.
    pub(crate) fn track(path: &str, features: &[f64], genre: &str, opinion: Opinion) -> Track {
        let mut t = Track::new(path);
        t.features = features.to_vec();
        t.probabilities.insert(genre.to_string(), 1.0);
        t.opinion = opinion;
        t
    }

    pub(crate) fn names(n: usize) -> Vec<String> {
        (0..n).map(|j| format!("f{j}")).collect()
    }

    #[test]
    fn tracks_are_sorted_by_path_and_found() {
        let c = Collection::new(
            names(1),
            vec![
                track("/b", &[1.0], "x", Opinion::Liked),
                track("/a", &[2.0], "x", Opinion::Neutral),
                track("/b", &[3.0], "x", Opinion::Neutral),
            ],
        )
        .unwrap();
        assert_eq!(c.tracks().len(), 2);
        assert_eq!(c.find(Path::new("/b")), Some(1));
        assert_eq!(c.tracks()[1].features, [1.0]);
        assert_eq!(c.find(Path::new("/c")), None);
        assert_eq!(c.with_opinion(Opinion::Liked), [1]);
        assert_eq!(c.similarity(0, 0), 1.0);
        // z = ±1, distance 2, D = 1: exp(-4 / 2).
        assert!((c.similarity(0, 1) - (-2.0f64).exp()).abs() < 1e-12);
    }

    #[test]
    fn wrong_feature_length_names_the_track() {
        let err = Collection::new(names(2), vec![track("/a.wav", &[1.0], "x", Opinion::Liked)])
            .unwrap_err();
        assert!(err.to_string().contains("/a.wav"), "{err}");
    }
}
