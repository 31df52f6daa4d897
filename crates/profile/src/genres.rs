//! Genre shares: how much of a set of tracks each genre is.

use std::collections::BTreeMap;

use crate::collection::Collection;

/// One genre's share of the liked tracks and of the whole collection.
#[derive(Debug, Clone, PartialEq)]
pub struct GenreShare {
    /// The genre.
    pub genre: String,
    /// Share of the liked tracks: `share_L(g) = (1/|L|) Σ_{l ∈ L} p_l(g)`, the mean of the
    /// model's probability of `g` over the liked tracks `L` (sums to 1 over genres).
    pub liked: f64,
    /// The same mean over every track of the collection.
    pub library: f64,
    /// Number of liked tracks whose predicted genre is `g`.
    pub liked_tracks: usize,
}

/// `share(g) = (1/|S|) Σ_{t ∈ S} p_t(g)` for every genre seen in the collection (0 when `S`
/// is empty). Tracks without probabilities count in `|S|` with probability 0 everywhere.
pub(crate) fn shares(collection: &Collection, set: &[usize]) -> BTreeMap<String, f64> {
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for t in collection.tracks() {
        for g in t.probabilities.keys() {
            out.entry(g.clone()).or_insert(0.0);
        }
    }
    if set.is_empty() {
        return out;
    }
    for &i in set {
        for (g, p) in &collection.tracks()[i].probabilities {
            if p.is_finite() {
                *out.entry(g.clone()).or_insert(0.0) += p;
            }
        }
    }
    let n = set.len() as f64;
    out.values_mut().for_each(|v| *v /= n);
    out
}

/// The genre distribution of `liked` against the collection's, most liked first (ties by
/// library share, then by name).
pub(crate) fn genre_shares(collection: &Collection, liked: &[usize]) -> Vec<GenreShare> {
    let all: Vec<usize> = (0..collection.tracks().len()).collect();
    let library = shares(collection, &all);
    let liked_share = shares(collection, liked);
    let mut out: Vec<GenreShare> = library
        .into_iter()
        .map(|(genre, library)| GenreShare {
            liked: liked_share.get(&genre).copied().unwrap_or(0.0),
            liked_tracks: liked
                .iter()
                .filter(|&&i| collection.tracks()[i].genre().map(|(g, _)| g) == Some(&genre))
                .count(),
            genre,
            library,
        })
        .collect();
    out.sort_by(|a, b| {
        b.liked
            .total_cmp(&a.liked)
            .then(b.library.total_cmp(&a.library))
            .then_with(|| a.genre.cmp(&b.genre))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::tests::{names, track};
    use crate::track::Opinion::{Liked, Neutral};

    #[test]
    fn shares_are_mean_probabilities() {
        let mut mixed = track("/c", &[0.0], "jazz", Liked);
        mixed.probabilities.insert("jazz".into(), 0.5);
        mixed.probabilities.insert("blues".into(), 0.5);
        let c = Collection::new(
            names(1),
            vec![
                track("/a", &[0.0], "jazz", Liked),
                track("/b", &[0.0], "metal", Neutral),
                mixed,
            ],
        )
        .unwrap();
        let s = genre_shares(&c, &[0, 2]);
        let got: Vec<(&str, f64, f64, usize)> = s
            .iter()
            .map(|g| (g.genre.as_str(), g.liked, g.library, g.liked_tracks))
            .collect();
        assert_eq!(
            got,
            [
                ("jazz", 0.75, 0.5, 1),
                ("blues", 0.25, 0.5 / 3.0, 1),
                ("metal", 0.0, 1.0 / 3.0, 0)
            ]
        );
    }
}
