//! Stratified k-fold splits whose folds are grouped by track.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// Assigns each group (track) to one of `k` folds, stratified by label.
///
/// `groups[i]` and `labels[i]` are the group id and class of row `i` (a track's rows must share a
/// label; the first row's label counts). Algorithm: groups are shuffled with
/// [`SplitMix64`]`(seed)`; then, class by class (in label order) and group by group, each group
/// goes to the fold holding the fewest rows of its class, ties to the fold with the fewest rows
/// overall, then the lowest fold number. Every row of a group lands in the same fold, so no
/// snippet of a test track is ever in training. Returns the fold of every row.
///
/// Errors when `k < 2` or there are fewer groups than folds.
pub fn assign_folds(groups: &[usize], labels: &[usize], k: usize, seed: u64) -> Result<Vec<usize>> {
    assert_eq!(
        groups.len(),
        labels.len(),
        "assign_folds: groups and labels"
    );
    // group id -> (label, rows)
    let mut by_group: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for (&g, &l) in groups.iter().zip(labels) {
        by_group.entry(g).or_insert((l, 0)).1 += 1;
    }
    if k < 2 {
        return Err(Error::InvalidInput(format!(
            "need at least 2 folds, got {k}"
        )));
    }
    if by_group.len() < k {
        return Err(Error::InvalidInput(format!(
            "{} tracks cannot fill {k} folds; use fewer folds",
            by_group.len()
        )));
    }
    let mut order: Vec<(usize, usize, usize)> =
        by_group.iter().map(|(&g, &(l, n))| (g, l, n)).collect();
    SplitMix64::new(seed).shuffle(&mut order);
    // Stable sort by label keeps the shuffled order within each class.
    order.sort_by_key(|&(_, l, _)| l);
    let n_classes = labels.iter().max().map_or(0, |m| m + 1);
    let mut class_count = vec![vec![0usize; k]; n_classes];
    let mut total = vec![0usize; k];
    let mut fold_of_group = BTreeMap::new();
    for (g, l, n) in order {
        let f = (0..k)
            .min_by_key(|&f| (class_count[l][f], total[f], f))
            .unwrap_or(0);
        class_count[l][f] += n;
        total[f] += n;
        fold_of_group.insert(g, f);
    }
    Ok(groups.iter().map(|g| fold_of_group[g]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_never_straddle_folds_and_classes_are_balanced() {
        let mut rng = SplitMix64::new(11);
        // 60 tracks, 3 classes, 1 to 4 snippets each.
        let mut groups = Vec::new();
        let mut labels = Vec::new();
        for t in 0..60 {
            for _ in 0..=rng.below(4) {
                groups.push(t);
                labels.push(t % 3);
            }
        }
        let folds = assign_folds(&groups, &labels, 5, 42).unwrap();
        for (i, g) in groups.iter().enumerate() {
            for (j, h) in groups.iter().enumerate() {
                if g == h {
                    assert_eq!(folds[i], folds[j], "track {g} split across folds");
                }
            }
        }
        // Greedy least-loaded assignment keeps each class's rows per fold within one track
        // (at most 4 snippets) of each other.
        for c in 0..3 {
            let rows: Vec<usize> = (0..5)
                .map(|f| {
                    (0..groups.len())
                        .filter(|&i| folds[i] == f && labels[i] == c)
                        .count()
                })
                .collect();
            let spread = rows.iter().max().unwrap() - rows.iter().min().unwrap();
            assert!(spread <= 4, "class {c}: rows per fold {rows:?}");
        }
        assert_eq!(
            folds,
            assign_folds(&groups, &labels, 5, 42).unwrap(),
            "deterministic"
        );
        assert_ne!(
            folds,
            assign_folds(&groups, &labels, 5, 43).unwrap(),
            "seed matters"
        );
    }

    #[test]
    fn too_few_tracks_is_an_error() {
        assert!(assign_folds(&[0, 0, 1], &[0, 0, 1], 3, 1).is_err());
        assert!(assign_folds(&[0, 1], &[0, 1], 1, 1).is_err());
    }
}
