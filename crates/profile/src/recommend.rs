//! Recommendations: library tracks ranked by closeness to the likes, genre preference and
//! distance from the dislikes, re-ranked for artist and album diversity.

use std::collections::BTreeMap;

use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::genres;
use crate::track::Opinion;

/// How many of the most similar liked tracks the similarity term averages.
const NEAREST_LIKED: usize = 2;

/// The weights of the score terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// `w_g`, weight of the genre preference `G` (default 0.5).
    pub genre: f64,
    /// `w_d`, weight of the dislike penalty `P` (default 1).
    pub dislike: f64,
    /// `w_a`, penalty per already chosen track by the same artist (default 0.15).
    pub artist: f64,
    /// `w_b`, penalty per already chosen track from the same album (default 0.1).
    pub album: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            genre: 0.5,
            dislike: 1.0,
            artist: 0.15,
            album: 0.1,
        }
    }
}

/// What to recommend.
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendOptions {
    /// Number of recommendations (default 20).
    pub n: usize,
    /// Only tracks whose predicted genre is this one (exact).
    pub genre: Option<String>,
    /// Score weights.
    pub weights: Weights,
}

impl Default for RecommendOptions {
    fn default() -> Self {
        RecommendOptions {
            n: 20,
            genre: None,
            weights: Weights::default(),
        }
    }
}

/// One recommended track with every term of its score, so it can say why.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// The track (index into the collection's tracks).
    pub track: usize,
    /// The final score: `base - diversity_penalty`.
    pub score: f64,
    /// `base = S + w_g·G - w_d·P`.
    pub base: f64,
    /// `S`: the mean similarity to the (up to) 2 most similar liked tracks.
    pub similarity: f64,
    /// Those liked tracks with their similarity, most similar first.
    pub nearest_liked: Vec<(usize, f64)>,
    /// `G = Σ_g p_t(g)·share_L(g)`: the track's genre probabilities weighted by the likes'
    /// genre shares.
    pub genre_preference: f64,
    /// The track's predicted genre and that genre's share of the likes, `share_L(genre)`.
    pub genre_share: Option<(String, f64)>,
    /// `P = max_{d ∈ disliked} s(t, d)`, 0 without dislikes.
    pub dislike_penalty: f64,
    /// The most similar disliked track and its similarity.
    pub nearest_disliked: Option<(usize, f64)>,
    /// `w_a·(chosen tracks by the same artist) + w_b·(chosen tracks from the same album)`,
    /// counted when this track was chosen.
    pub diversity_penalty: f64,
}

/// Ranks the tracks that are neither liked nor disliked.
///
/// Each candidate `t` gets `base(t) = S(t) + w_g·G(t) - w_d·P(t)` with the similarity `s` of
/// [`Collection::similarity`]:
/// - `S(t)`, mean of the `min(2, |L|)` largest `s(t, l)` over the liked tracks `L`: close to
///   individual likes, not to their centroid, so a person who likes both metal and classical
///   gets both;
/// - `G(t) = Σ_g p_t(g)·share_L(g)`, `share_L(g) = (1/|L|) Σ_{l ∈ L} p_l(g)`;
/// - `P(t) = max_{d ∈ D} s(t, d)` over the disliked tracks `D` (0 without dislikes).
///
/// Then a greedy, MMR-style re-ranking: step by step, the candidate with the largest
/// `base(t) - w_a·a(t) - w_b·b(t)` is chosen, where `a(t)` and `b(t)` count the tracks chosen
/// so far by the same artist and from the same album (artist + album tags, case-insensitive;
/// missing tags never match). Ties go to the smaller path. With `genre`, only candidates of
/// that predicted genre are ranked.
///
/// # Errors
/// [`Error::NoLikes`] when no track is liked.
pub fn recommend(
    collection: &Collection,
    options: &RecommendOptions,
) -> Result<Vec<Recommendation>> {
    let liked = collection.with_opinion(Opinion::Liked);
    if liked.is_empty() {
        return Err(Error::NoLikes);
    }
    let disliked = collection.with_opinion(Opinion::Disliked);
    let share = genres::shares(collection, &liked);
    let w = options.weights;
    let mut pool: Vec<Recommendation> = collection
        .with_opinion(Opinion::Neutral)
        .into_iter()
        .filter(|&t| match &options.genre {
            Some(g) => collection.tracks()[t]
                .genre()
                .is_some_and(|(tg, _)| tg == g),
            None => true,
        })
        .map(|t| {
            let track = &collection.tracks()[t];
            let mut near: Vec<(usize, f64)> = liked
                .iter()
                .map(|&l| (l, collection.similarity(t, l)))
                .collect();
            near.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            near.truncate(NEAREST_LIKED);
            let similarity = near.iter().map(|(_, s)| s).sum::<f64>() / near.len() as f64;
            let genre_preference: f64 = track
                .probabilities
                .iter()
                .filter(|(_, p)| p.is_finite())
                .map(|(g, p)| p * share.get(g).copied().unwrap_or(0.0))
                .sum();
            let nearest_disliked = disliked
                .iter()
                .map(|&d| (d, collection.similarity(t, d)))
                .fold(None, |best: Option<(usize, f64)>, x| match best {
                    Some(b) if b.1 >= x.1 => Some(b),
                    _ => Some(x),
                });
            let dislike_penalty = nearest_disliked.map_or(0.0, |(_, s)| s);
            let base = similarity + w.genre * genre_preference - w.dislike * dislike_penalty;
            Recommendation {
                track: t,
                score: base,
                base,
                similarity,
                nearest_liked: near,
                genre_preference,
                genre_share: track
                    .genre()
                    .map(|(g, _)| (g.to_string(), share.get(g).copied().unwrap_or(0.0))),
                dislike_penalty,
                nearest_disliked,
                diversity_penalty: 0.0,
            }
        })
        .collect();

    let mut chosen = Vec::with_capacity(options.n.min(pool.len()));
    let mut artists: BTreeMap<String, usize> = BTreeMap::new();
    let mut albums: BTreeMap<String, usize> = BTreeMap::new();
    while chosen.len() < options.n && !pool.is_empty() {
        let penalty = |r: &Recommendation| {
            let t = &collection.tracks()[r.track];
            let a = t.artist_key().and_then(|k| artists.get(&k)).copied();
            let b = t.album_key().and_then(|k| albums.get(&k)).copied();
            w.artist * a.unwrap_or(0) as f64 + w.album * b.unwrap_or(0) as f64
        };
        let mut best = 0;
        let mut best_score = f64::NEG_INFINITY;
        for (i, r) in pool.iter().enumerate() {
            // The pool is in path order, so the first of equal scores has the smaller path.
            let score = r.base - penalty(r);
            if score > best_score {
                best = i;
                best_score = score;
            }
        }
        let mut r = pool.remove(best);
        r.diversity_penalty = penalty(&r);
        r.score = r.base - r.diversity_penalty;
        let t = &collection.tracks()[r.track];
        if let Some(k) = t.artist_key() {
            *artists.entry(k).or_default() += 1;
        }
        if let Some(k) = t.album_key() {
            *albums.entry(k).or_default() += 1;
        }
        chosen.push(r);
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::tests::{names, track};
    use crate::track::Opinion::{Disliked, Liked, Neutral};
    use crate::track::Track;

    fn paths(c: &Collection, recs: &[Recommendation]) -> Vec<String> {
        recs.iter()
            .map(|r| c.tracks()[r.track].path.display().to_string())
            .collect()
    }

    /// Two liked jazz tracks near 0, two liked metal tracks near 10, candidates of each genre
    /// and a pop track at the centroid of the likes.
    fn library(extra: Vec<Track>) -> Collection {
        let mut tracks = vec![
            track("/like/j1", &[0.0, 0.0], "jazz", Liked),
            track("/like/j2", &[1.0, 0.0], "jazz", Liked),
            track("/like/m1", &[10.0, 10.0], "metal", Liked),
            track("/like/m2", &[10.0, 11.0], "metal", Liked),
            track("/jazz/a", &[0.5, 0.4], "jazz", Neutral),
            track("/jazz/b", &[0.6, 0.5], "jazz", Neutral),
            track("/metal/a", &[10.8, 10.5], "metal", Neutral),
            track("/metal/b", &[9.3, 10.8], "metal", Neutral),
            track("/pop/a", &[5.25, 5.25], "pop", Neutral),
        ];
        tracks.extend(extra);
        Collection::new(names(2), tracks).unwrap()
    }

    #[test]
    fn no_likes_is_an_error() {
        let c = Collection::new(names(1), vec![track("/a", &[0.0], "x", Neutral)]).unwrap();
        assert!(matches!(
            recommend(&c, &RecommendOptions::default()),
            Err(Error::NoLikes)
        ));
    }

    #[test]
    fn nearest_likes_not_the_centroid_and_terms_add_up() {
        let c = library(vec![]);
        let similarity_only = RecommendOptions {
            weights: Weights {
                genre: 0.0,
                ..Weights::default()
            },
            ..RecommendOptions::default()
        };
        let got = paths(&c, &recommend(&c, &similarity_only).unwrap());
        // The pop track sits at the centroid of the likes, yet comes last.
        assert_eq!(
            got,
            ["/jazz/a", "/jazz/b", "/metal/b", "/metal/a", "/pop/a"]
        );

        let recs = recommend(&c, &RecommendOptions::default()).unwrap();
        for r in &recs {
            let expected = r.similarity + 0.5 * r.genre_preference - r.dislike_penalty;
            assert!((r.base - expected).abs() < 1e-12);
            assert_eq!(r.score, r.base);
            assert_eq!(r.nearest_liked.len(), 2);
            assert!(r.nearest_liked[0].1 >= r.nearest_liked[1].1);
            let mean = (r.nearest_liked[0].1 + r.nearest_liked[1].1) / 2.0;
            assert!((r.similarity - mean).abs() < 1e-12);
        }
        assert_eq!(recs[0].genre_share, Some(("jazz".to_string(), 0.5)));
        assert_eq!(recs[0].genre_preference, 0.5);
        assert_eq!(recs[4].genre_share, Some(("pop".to_string(), 0.0)));
        // Scores never increase down the list when there is no diversity penalty.
        assert!(recs.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn a_dislike_pushes_it_and_its_neighbours_down() {
        let c = library(vec![]);
        let before = paths(&c, &recommend(&c, &RecommendOptions::default()).unwrap());
        assert_eq!(before[..2], ["/jazz/a", "/jazz/b"], "{before:?}");
        let mut tracks = c.tracks().to_vec();
        let first = c.find(std::path::Path::new("/jazz/a")).unwrap();
        tracks[first].opinion = Disliked;
        let c2 = Collection::new(c.feature_names().to_vec(), tracks).unwrap();
        let recs = recommend(&c2, &RecommendOptions::default()).unwrap();
        let after = paths(&c2, &recs);
        // The disliked track is gone, and its close neighbour falls below both metal tracks.
        assert_eq!(after[2..], ["/jazz/b", "/pop/a"], "{after:?}");
        assert!(
            after[..2].iter().all(|p| p.starts_with("/metal/")),
            "{after:?}"
        );
        assert_eq!(recs[2].nearest_disliked.map(|(d, _)| d), Some(first));
        assert!(recs[2].dislike_penalty > 0.9 && recs[0].dislike_penalty < 0.1);
    }

    #[test]
    fn genre_filter_and_n() {
        let c = library(vec![]);
        let options = RecommendOptions {
            n: 1,
            genre: Some("metal".into()),
            ..RecommendOptions::default()
        };
        let got = paths(&c, &recommend(&c, &options).unwrap());
        assert_eq!(got, ["/metal/b"]);
    }

    #[test]
    fn the_same_artist_is_not_recommended_over_and_over() {
        let band = |path: &str, y: f64, album: &str| {
            let mut t = track(path, &[0.5, y], "jazz", Neutral);
            t.artist = Some("Band".into());
            t.album = Some(album.into());
            t
        };
        let c = library(vec![
            band("/jazz/c", 0.0, "One"),
            band("/jazz/d", 0.05, "One"),
            band("/jazz/e", 0.1, "Two"),
        ]);
        let options = RecommendOptions::default();
        let recs = recommend(&c, &options).unwrap();
        let got = paths(&c, &recs);
        // Without the penalty the three band tracks would lead; now only one does.
        assert_eq!(got[..3], ["/jazz/c", "/jazz/a", "/jazz/b"], "{got:?}");
        let d = recs
            .iter()
            .find(|r| c.tracks()[r.track].path.ends_with("d"))
            .unwrap();
        // Chosen after /jazz/c and /jazz/e: two by the band, one from album One.
        assert!((d.diversity_penalty - 0.4).abs() < 1e-12, "{d:?}");
        assert!((d.score - (d.base - 0.4)).abs() < 1e-12);
        let e = recs
            .iter()
            .find(|r| c.tracks()[r.track].path.ends_with("e"))
            .unwrap();
        assert!(e.diversity_penalty >= 0.15, "{e:?}");
        let no_diversity = RecommendOptions {
            weights: Weights {
                artist: 0.0,
                album: 0.0,
                ..Weights::default()
            },
            ..options
        };
        let plain = paths(&c, &recommend(&c, &no_diversity).unwrap());
        assert_eq!(plain[..3], ["/jazz/c", "/jazz/d", "/jazz/e"], "{plain:?}");
    }
}
