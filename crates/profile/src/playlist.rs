//! Playlists: one per genre, and a smooth walk from a seed track through its neighbours.

use std::collections::BTreeMap;

use crate::collection::Collection;
use crate::track::Opinion;

/// The tracks of one predicted genre.
#[derive(Debug, Clone, PartialEq)]
pub struct GenrePlaylist {
    /// The genre.
    pub genre: String,
    /// The tracks (indices into the collection's tracks), in path order.
    pub tracks: Vec<usize>,
}

/// One playlist per predicted genre, genres in alphabetical order: every track whose
/// predicted genre has probability at least `min_confidence`. Disliked tracks and tracks
/// without a prediction are left out.
pub fn genre_playlists(collection: &Collection, min_confidence: f64) -> Vec<GenrePlaylist> {
    let mut by_genre: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, t) in collection.tracks().iter().enumerate() {
        if t.opinion == Opinion::Disliked {
            continue;
        }
        if let Some((g, p)) = t.genre()
            && p >= min_confidence
        {
            by_genre.entry(g).or_default().push(i);
        }
    }
    by_genre
        .into_iter()
        .map(|(genre, tracks)| GenrePlaylist {
            genre: genre.to_string(),
            tracks,
        })
        .collect()
}

/// A playlist of up to `n` tracks that starts at `seed` and each time moves to the unvisited
/// track most similar to the current one (largest [`Collection::similarity`], ties by path),
/// so neighbouring entries sound alike and no track repeats. Disliked tracks are skipped
/// (the seed itself is always first).
///
/// # Panics
/// If `seed` is not below `collection.tracks().len()`.
pub fn seed_walk(collection: &Collection, seed: usize, n: usize) -> Vec<usize> {
    let total = collection.tracks().len();
    assert!(seed < total, "seed_walk: seed {seed} of {total} tracks");
    if n == 0 {
        return Vec::new();
    }
    let mut visited = vec![false; total];
    for (i, t) in collection.tracks().iter().enumerate() {
        visited[i] = t.opinion == Opinion::Disliked;
    }
    visited[seed] = true;
    let mut walk = vec![seed];
    let mut current = seed;
    while walk.len() < n {
        let mut best: Option<(usize, f64)> = None;
        for (j, &seen) in visited.iter().enumerate() {
            if seen {
                continue;
            }
            let s = collection.similarity(current, j);
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((j, s));
            }
        }
        let Some((next, _)) = best else {
            break;
        };
        visited[next] = true;
        walk.push(next);
        current = next;
    }
    walk
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::tests::{names, track};
    use crate::track::Opinion::{Disliked, Neutral};

    fn line() -> Collection {
        Collection::new(
            names(1),
            vec![
                track("/a", &[0.0], "jazz", Neutral),
                track("/b", &[5.0], "metal", Neutral),
                track("/c", &[1.0], "jazz", Neutral),
                track("/d", &[3.0], "rock", Disliked),
                track("/e", &[4.0], "metal", Neutral),
                track("/f", &[1.5], "jazz", Neutral),
            ],
        )
        .unwrap()
    }

    #[test]
    fn seed_walk_chains_nearest_unvisited_neighbours_without_disliked() {
        let c = line();
        let names = |w: Vec<usize>| -> Vec<String> {
            w.iter()
                .map(|&i| c.tracks()[i].path.display().to_string())
                .collect()
        };
        // From /c (1.0): /f (1.5), then /a (0.0, 1.5 away) beats /e (4.0, 2.5 away); /d is
        // disliked.
        assert_eq!(names(seed_walk(&c, 2, 10)), ["/c", "/f", "/a", "/e", "/b"]);
        assert_eq!(names(seed_walk(&c, 2, 2)), ["/c", "/f"]);
        assert!(seed_walk(&c, 2, 0).is_empty());
    }

    #[test]
    fn genre_playlists_respect_confidence_and_skip_disliked() {
        let mut c = line().tracks().to_vec();
        c[1].probabilities.insert("metal".into(), 0.4);
        c[1].probabilities.insert("rock".into(), 0.3);
        let c = Collection::new(names(1), c).unwrap();
        let lists = genre_playlists(&c, 0.5);
        let got: Vec<(&str, Vec<usize>)> = lists
            .iter()
            .map(|p| (p.genre.as_str(), p.tracks.clone()))
            .collect();
        assert_eq!(got, [("jazz", vec![0, 2, 5]), ("metal", vec![4])]);
        assert_eq!(genre_playlists(&c, 0.0)[1].tracks, [1, 4]);
    }
}
