//! Taste clusters: the several centres of what a person likes (k-medoids on the liked tracks).

use std::collections::BTreeMap;

use crate::collection::Collection;
use crate::genres;

/// A taste cluster must reach this mean silhouette to be kept apart from the others: below
/// 0.25 Kaufman & Rousseeuw (*Finding Groups in Data*, 1990, ch. 2) find "no substantial
/// structure", and the liked tracks form one cluster.
pub const SILHOUETTE_THRESHOLD: f64 = 0.25;

/// At most this many clusters are tried.
const MAX_CLUSTERS: usize = 6;

/// Iteration cap of the k-medoids alternation (it converges in a few steps).
const MAX_ITERATIONS: usize = 100;

/// One centre of a person's taste.
#[derive(Debug, Clone, PartialEq)]
pub struct TasteCluster {
    /// The medoid: the member with the least total distance to the other members.
    pub medoid: usize,
    /// The members (indices into the collection's tracks), in path order.
    pub members: Vec<usize>,
    /// The members' genre shares (mean probability), largest first, zero shares left out.
    pub genres: Vec<(String, f64)>,
}

/// Clusters the `liked` tracks by k-medoids in standardized feature space (Euclidean
/// distance), choosing the number of clusters by the mean silhouette.
///
/// For each `k` in `2..=min(6, |L| - 1)`: medoids start at the track with the least total
/// distance to the others, then farthest-first (the track whose nearest medoid is farthest);
/// then assignment to the nearest medoid and re-centering (each cluster's medoid becomes the
/// member of least total distance to its cluster) alternate until nothing changes. The
/// silhouette of a track is `(b - a) / max(a, b)`, with `a` its mean distance to the other
/// members of its cluster and `b` the smallest mean distance to another cluster (0 for a
/// cluster of one). The `k` with the largest mean silhouette wins (ties: the smaller `k`) if
/// that mean is at least [`SILHOUETTE_THRESHOLD`]; otherwise all likes form one cluster.
/// Clusters are returned largest first (ties: medoid path).
pub(crate) fn taste_clusters(collection: &Collection, liked: &[usize]) -> Vec<TasteCluster> {
    let n = liked.len();
    if n == 0 {
        return Vec::new();
    }
    let dist: Vec<Vec<f64>> = liked
        .iter()
        .map(|&i| liked.iter().map(|&j| collection.distance(i, j)).collect())
        .collect();
    let mut best: (Vec<usize>, f64) = (vec![0; n], f64::NEG_INFINITY);
    for k in 2..=MAX_CLUSTERS.min(n.saturating_sub(1)) {
        let assignment = k_medoids(&dist, k);
        let s = silhouette(&dist, &assignment, k);
        if s > best.1 {
            best = (assignment, s);
        }
    }
    let assignment = if best.1 >= SILHOUETTE_THRESHOLD {
        best.0
    } else {
        vec![0; n]
    };
    let k = assignment.iter().max().map_or(0, |m| m + 1);
    let mut clusters: Vec<TasteCluster> = (0..k)
        .map(|c| {
            let local: Vec<usize> = (0..n).filter(|&i| assignment[i] == c).collect();
            let medoid = medoid_of(&dist, &local);
            let members: Vec<usize> = local.iter().map(|&i| liked[i]).collect();
            let mut genres: Vec<(String, f64)> = genres::shares(collection, &members)
                .into_iter()
                .filter(|(_, p)| *p > 0.0)
                .collect();
            genres.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            TasteCluster {
                medoid: liked[medoid],
                members,
                genres,
            }
        })
        .filter(|c| !c.members.is_empty())
        .collect();
    clusters.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.medoid.cmp(&b.medoid))
    });
    clusters
}

/// The member of `members` (local indices) with the least total distance to the others
/// (ties: the first); `members` must not be empty.
fn medoid_of(dist: &[Vec<f64>], members: &[usize]) -> usize {
    let mut best = (members[0], f64::INFINITY);
    for &i in members {
        let total: f64 = members.iter().map(|&j| dist[i][j]).sum();
        if total < best.1 {
            best = (i, total);
        }
    }
    best.0
}

/// k-medoids (alternating assignment and re-centering) with a deterministic farthest-first
/// start; returns each point's cluster in `0..k`.
fn k_medoids(dist: &[Vec<f64>], k: usize) -> Vec<usize> {
    let n = dist.len();
    let all: Vec<usize> = (0..n).collect();
    let mut medoids = vec![medoid_of(dist, &all)];
    while medoids.len() < k {
        let mut far = (0, f64::NEG_INFINITY);
        for (i, row) in dist.iter().enumerate() {
            if medoids.contains(&i) {
                continue;
            }
            let d = medoids
                .iter()
                .map(|&m| row[m])
                .fold(f64::INFINITY, f64::min);
            if d > far.1 {
                far = (i, d);
            }
        }
        medoids.push(far.0);
    }
    let mut assignment = assign(dist, &medoids);
    for _ in 0..MAX_ITERATIONS {
        let mut next = medoids.clone();
        for (c, m) in next.iter_mut().enumerate() {
            let members: Vec<usize> = (0..n).filter(|&i| assignment[i] == c).collect();
            if !members.is_empty() {
                *m = medoid_of(dist, &members);
            }
        }
        if next == medoids {
            break;
        }
        medoids = next;
        assignment = assign(dist, &medoids);
    }
    assignment
}

/// Each point's nearest medoid (ties: the earlier medoid); a medoid is assigned to itself.
fn assign(dist: &[Vec<f64>], medoids: &[usize]) -> Vec<usize> {
    (0..dist.len())
        .map(|i| {
            if let Some(c) = medoids.iter().position(|&m| m == i) {
                return c;
            }
            let mut best = (0, f64::INFINITY);
            for (c, &m) in medoids.iter().enumerate() {
                if dist[i][m] < best.1 {
                    best = (c, dist[i][m]);
                }
            }
            best.0
        })
        .collect()
}

/// The mean silhouette of `assignment` into `k` clusters (Rousseeuw 1987).
fn silhouette(dist: &[Vec<f64>], assignment: &[usize], k: usize) -> f64 {
    let n = dist.len();
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &c) in assignment.iter().enumerate() {
        members.entry(c).or_default().push(i);
    }
    if members.len() < 2 || k < 2 {
        return 0.0;
    }
    let mean_to = |i: usize, set: &[usize]| {
        let others: Vec<usize> = set.iter().copied().filter(|&j| j != i).collect();
        others.iter().map(|&j| dist[i][j]).sum::<f64>() / others.len().max(1) as f64
    };
    let total: f64 = (0..n)
        .map(|i| {
            let own = &members[&assignment[i]];
            if own.len() < 2 {
                return 0.0;
            }
            let a = mean_to(i, own);
            let b = members
                .iter()
                .filter(|(c, _)| **c != assignment[i])
                .map(|(_, set)| mean_to(i, set))
                .fold(f64::INFINITY, f64::min);
            let m = a.max(b);
            if m > 0.0 { (b - a) / m } else { 0.0 }
        })
        .sum();
    total / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::tests::{names, track};
    use crate::track::Opinion::{Liked, Neutral};

    /// Likes around two far-apart centres and one neutral track in between.
    fn two_tastes() -> Collection {
        Collection::new(
            names(2),
            vec![
                track("/c1", &[0.0, 0.0], "classical", Liked),
                track("/c2", &[0.2, 0.1], "classical", Liked),
                track("/c3", &[0.1, 0.3], "classical", Liked),
                track("/m1", &[10.0, 10.0], "metal", Liked),
                track("/m2", &[10.2, 9.9], "metal", Liked),
                track("/n", &[5.0, 5.0], "pop", Neutral),
            ],
        )
        .unwrap()
    }

    #[test]
    fn two_distant_tastes_make_two_clusters() {
        let c = two_tastes();
        let liked = c.with_opinion(Liked);
        let clusters = taste_clusters(&c, &liked);
        assert_eq!(clusters.len(), 2, "{clusters:?}");
        assert_eq!(clusters[0].members, [0, 1, 2]);
        assert_eq!(clusters[1].members, [3, 4]);
        assert_eq!(clusters[0].genres, [("classical".to_string(), 1.0)]);
        assert_eq!(clusters[1].genres[0].0, "metal");
        assert!(clusters[0].members.contains(&clusters[0].medoid));
    }

    #[test]
    fn one_blob_stays_one_cluster() {
        let c = Collection::new(
            names(2),
            vec![
                track("/a", &[0.0, 0.0], "jazz", Liked),
                track("/b", &[1.0, 0.0], "jazz", Liked),
                track("/c", &[0.0, 1.0], "jazz", Liked),
                track("/d", &[1.0, 1.0], "jazz", Liked),
                track("/e", &[0.5, 0.5], "jazz", Liked),
            ],
        )
        .unwrap();
        let clusters = taste_clusters(&c, &c.with_opinion(Liked));
        assert_eq!(clusters.len(), 1, "{clusters:?}");
        assert_eq!(clusters[0].members.len(), 5);
        assert_eq!(clusters[0].medoid, 4, "the centre track is the medoid");
        assert!(taste_clusters(&c, &[]).is_empty());
    }

    #[test]
    fn silhouette_is_one_for_tight_far_clusters() {
        let dist = vec![
            vec![0.0, 0.0, 10.0, 10.0],
            vec![0.0, 0.0, 10.0, 10.0],
            vec![10.0, 10.0, 0.0, 0.0],
            vec![10.0, 10.0, 0.0, 0.0],
        ];
        assert_eq!(k_medoids(&dist, 2), [0, 0, 1, 1]);
        assert_eq!(silhouette(&dist, &[0, 0, 1, 1], 2), 1.0);
        assert!(silhouette(&dist, &[0, 1, 0, 1], 2) < 0.0);
    }
}
