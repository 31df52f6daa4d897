//! K-nearest-neighbour search over a linfa-nn index, and the vote that turns neighbours into
//! class probabilities.

use linfa_nn::distance::{Distance, L1Dist, L2Dist};
use linfa_nn::{CommonNearestNeighbour, NearestNeighbour};
use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How neighbours' votes are weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Weighting {
    /// Every neighbour counts 1.
    Uniform,
    /// A neighbour at distance `d` counts `1/d`; if any neighbour is at distance 0, only the
    /// neighbours at distance 0 count, 1 each (scikit-learn's `weights="distance"` rule).
    Distance,
}

/// The distance between standardised feature vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Metric {
    /// Euclidean distance `sqrt(sum (a_j - b_j)^2)`.
    L2,
    /// Manhattan distance `sum |a_j - b_j|`.
    L1,
    /// Cosine distance, computed as the Euclidean distance between L2-normalised vectors
    /// (`|a/|a| - b/|b||^2 = 2 (1 - cos)`, so the neighbour order is the cosine order).
    Cosine,
}

impl Metric {
    /// True when vectors are L2-normalised before the search.
    pub(crate) fn normalises(self) -> bool {
        matches!(self, Metric::Cosine)
    }

    /// The distance the index computes between prepared vectors.
    pub(crate) fn distance(self, a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
        match self {
            Metric::L1 => L1Dist.distance(a, b),
            Metric::L2 | Metric::Cosine => L2Dist.distance(a, b),
        }
    }
}

/// One neighbour of a query: its training-row index and its distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Neighbor {
    pub(crate) index: usize,
    pub(crate) distance: f64,
}

/// The linfa-nn index used for the search.
///
/// Measured on this machine (57 dimensions, standardised random data, L2, 200 queries, build
/// included; dev profile with linfa-nn at opt-level 3; `search_speed` in the tests), ms per
/// query: 1 000 rows: linear 0.40, ball tree 0.23, k-d tree 0.13; 10 000 rows: 4.2, 1.7, 1.2;
/// 100 000 rows: 57, 50, 43. The trees win, but linfa-nn's k-d tree does not serve L1 (the default
/// model's metric) and a query costs under 1 % of extracting one snippet's features at these
/// sizes, so [`Algorithm::Linear`], exact for every metric, stays the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Algorithm {
    #[default]
    Linear,
    #[cfg_attr(not(test), allow(dead_code))]
    BallTree,
    #[cfg_attr(not(test), allow(dead_code))]
    KdTree,
}

/// Finds, for every query row, the `k` nearest training rows, nearest first.
///
/// Neighbours are ordered by `(distance, training index)`, so rows at equal distance are taken in
/// training order whatever order the index returns them in: the index is asked for `k + 1`
/// points, and when the `k`-th and `k+1`-th are equally far, every point within that distance is
/// fetched with a range query and the list is sorted again.
///
/// # Panics
/// If `data` and `queries` differ in width.
pub(crate) fn k_nearest(
    data: ArrayView2<'_, f64>,
    queries: ArrayView2<'_, f64>,
    k: usize,
    metric: Metric,
    algorithm: Algorithm,
) -> Result<Vec<Vec<Neighbor>>> {
    assert_eq!(
        data.ncols(),
        queries.ncols(),
        "k_nearest: width of data and queries"
    );
    if data.nrows() == 0 || k == 0 {
        return Ok(vec![Vec::new(); queries.nrows()]);
    }
    let algo = match algorithm {
        Algorithm::Linear => CommonNearestNeighbour::LinearSearch,
        Algorithm::BallTree => CommonNearestNeighbour::BallTree,
        Algorithm::KdTree => CommonNearestNeighbour::KdTree,
    };
    let index = match metric {
        Metric::L1 => algo.from_batch(&data, L1Dist),
        Metric::L2 | Metric::Cosine => algo.from_batch(&data, L2Dist),
    }
    .map_err(|e| Error::Index(e.to_string()))?;
    let want = (k + 1).min(data.nrows());
    let mut out = Vec::with_capacity(queries.nrows());
    for query in queries.rows() {
        let found = index
            .k_nearest(query, want)
            .map_err(|e| Error::Index(e.to_string()))?;
        let mut list: Vec<Neighbor> = found
            .iter()
            .map(|(_, i)| Neighbor {
                index: *i,
                distance: metric.distance(query, data.row(*i)),
            })
            .collect();
        sort_neighbors(&mut list);
        if list.len() > k && list[k].distance <= list[k - 1].distance {
            // A tie straddles the cut: fetch every point as close as the k-th one. The range is
            // widened a little because linfa-nn's range test is strict (and squares L2 radii).
            let radius = list[k - 1].distance * (1.0 + 1e-9) + 1e-100;
            let found = index
                .within_range(query, radius)
                .map_err(|e| Error::Index(e.to_string()))?;
            let mut wide: Vec<Neighbor> = found
                .iter()
                .map(|(_, i)| Neighbor {
                    index: *i,
                    distance: metric.distance(query, data.row(*i)),
                })
                .collect();
            sort_neighbors(&mut wide);
            if wide.len() >= k {
                list = wide;
            }
        }
        list.truncate(k);
        out.push(list);
    }
    Ok(out)
}

fn sort_neighbors(list: &mut [Neighbor]) {
    list.sort_by(|a, b| {
        a.distance
            .total_cmp(&b.distance)
            .then(a.index.cmp(&b.index))
    });
}

/// Turns the nearest neighbours into class probabilities that sum to 1.
///
/// `p_c = sum_{i in N, y_i = c} w_i / sum_{i in N} w_i`, with `w_i = 1` ([`Weighting::Uniform`])
/// or `w_i = 1 / d_i` ([`Weighting::Distance`]; only zero-distance neighbours, weight 1, when any
/// `d_i = 0`). With no neighbours every class gets `1 / n_classes`.
///
/// # Panics
/// If a neighbour's label is `>= n_classes`.
pub(crate) fn vote(
    neighbors: &[Neighbor],
    labels: &[usize],
    n_classes: usize,
    weighting: Weighting,
) -> Vec<f64> {
    let mut p = vec![0.0; n_classes];
    if neighbors.is_empty() {
        return vec![1.0 / n_classes as f64; n_classes];
    }
    let exact = weighting == Weighting::Distance && neighbors.iter().any(|n| n.distance == 0.0);
    for n in neighbors {
        let w = match weighting {
            Weighting::Uniform => 1.0,
            Weighting::Distance if exact => {
                if n.distance == 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Weighting::Distance => 1.0 / n.distance,
        };
        p[labels[n.index]] += w;
    }
    let total: f64 = p.iter().sum();
    p.iter_mut().for_each(|x| *x /= total);
    p
}

/// Copies `rows` into an `n x d` array.
///
/// # Panics
/// If the rows differ in length from `d`.
pub(crate) fn to_array(rows: &[Vec<f64>], d: usize) -> Array2<f64> {
    let mut a = Array2::zeros((rows.len(), d));
    for (mut dst, src) in a.rows_mut().into_iter().zip(rows) {
        assert_eq!(src.len(), d, "to_array: row length");
        dst.iter_mut().zip(src).for_each(|(d, s)| *d = *s);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    const RNG_SEED: u64 = 0x5eed_0004;

    fn random_rows(rng: &mut SplitMix64, n: usize, d: usize, grid: bool) -> Vec<Vec<f64>> {
        (0..n)
            .map(|_| {
                (0..d)
                    .map(|_| {
                        if grid {
                            // Few distinct values, so many distances tie.
                            rng.below(3) as f64
                        } else {
                            rng.next_f64() * 2.0 - 1.0
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// The obvious reference: all distances, sorted by (distance, index).
    fn brute(data: &[Vec<f64>], q: &[f64], k: usize, metric: Metric) -> Vec<Neighbor> {
        let mut all: Vec<Neighbor> = data
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let d = match metric {
                    Metric::L1 => r.iter().zip(q).map(|(a, b)| (a - b).abs()).sum(),
                    _ => r
                        .iter()
                        .zip(q)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                        .sqrt(),
                };
                Neighbor {
                    index: i,
                    distance: d,
                }
            })
            .collect();
        sort_neighbors(&mut all);
        all.truncate(k);
        all
    }

    #[test]
    fn matches_brute_force_for_every_index_and_metric() {
        let mut rng = SplitMix64::new(RNG_SEED);
        for grid in [false, true] {
            let data = random_rows(&mut rng, 300, 6, grid);
            let queries = random_rows(&mut rng, 40, 6, grid);
            let (da, qa) = (to_array(&data, 6), to_array(&queries, 6));
            for metric in [Metric::L2, Metric::L1] {
                for algo in [Algorithm::Linear, Algorithm::BallTree, Algorithm::KdTree] {
                    if algo == Algorithm::KdTree && metric == Metric::L1 {
                        continue; // linfa-nn's k-d tree only supports L2-style distances.
                    }
                    for k in [1, 5, 17] {
                        let got = k_nearest(da.view(), qa.view(), k, metric, algo).unwrap();
                        for (q, g) in queries.iter().zip(&got) {
                            let want = brute(&data, q, k, metric);
                            let gi: Vec<usize> = g.iter().map(|n| n.index).collect();
                            let wi: Vec<usize> = want.iter().map(|n| n.index).collect();
                            assert_eq!(gi, wi, "{metric:?} {algo:?} k={k} grid={grid}");
                            for (a, b) in g.iter().zip(&want) {
                                assert!((a.distance - b.distance).abs() <= 1e-12);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn fewer_rows_than_k_returns_all_rows() {
        let data = to_array(&[vec![0.0], vec![2.0]], 1);
        let q = to_array(&[vec![1.5]], 1);
        let got = k_nearest(data.view(), q.view(), 5, Metric::L2, Algorithm::Linear).unwrap();
        assert_eq!(
            got[0].iter().map(|n| n.index).collect::<Vec<_>>(),
            vec![1, 0]
        );
    }

    #[test]
    fn votes_uniform_and_inverse_distance() {
        let labels = [0, 1, 1, 2];
        let n = |index, distance| Neighbor { index, distance };
        let p = vote(
            &[n(0, 1.0), n(1, 2.0), n(2, 4.0)],
            &labels,
            3,
            Weighting::Uniform,
        );
        assert_eq!(p, vec![1.0 / 3.0, 2.0 / 3.0, 0.0]);
        let p = vote(
            &[n(0, 1.0), n(1, 2.0), n(2, 4.0)],
            &labels,
            3,
            Weighting::Distance,
        );
        // weights 1, 1/2, 1/4 -> total 7/4
        let want = [4.0 / 7.0, 3.0 / 7.0, 0.0];
        for (a, b) in p.iter().zip(want) {
            assert!((a - b).abs() < 1e-15);
        }
        // An exact match takes the whole vote.
        let p = vote(&[n(3, 0.0), n(0, 0.5)], &labels, 3, Weighting::Distance);
        assert_eq!(p, vec![0.0, 0.0, 1.0]);
        let p = vote(&[], &labels, 4, Weighting::Uniform);
        assert_eq!(p, vec![0.25; 4]);
    }

    /// Times the three linfa-nn indexes; run with
    /// `cargo test --release -p genrekit-classify search_speed -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn search_speed() {
        let mut rng = SplitMix64::new(RNG_SEED);
        for n in [1_000, 10_000, 100_000] {
            // Clustered data, like genres: 10 centres plus noise.
            let centres = random_rows(&mut rng, 10, 57, false);
            let data: Vec<Vec<f64>> = (0..n)
                .map(|i| {
                    centres[i % 10]
                        .iter()
                        .map(|c| c * 2.0 + rng.next_f64() - 0.5)
                        .collect()
                })
                .collect();
            let queries: Vec<Vec<f64>> = data
                .iter()
                .take(200)
                .map(|r| r.iter().map(|x| x + 0.1).collect())
                .collect();
            let (da, qa) = (to_array(&data, 57), to_array(&queries, 57));
            for algo in [Algorithm::Linear, Algorithm::BallTree, Algorithm::KdTree] {
                let t = std::time::Instant::now();
                let r = k_nearest(da.view(), qa.view(), 15, Metric::L2, algo).unwrap();
                let dt = t.elapsed();
                println!(
                    "n={n} {algo:?}: {:.3} ms per query (incl. build), {}",
                    dt.as_secs_f64() * 1e3 / 200.0,
                    r.len()
                );
            }
        }
    }
}
