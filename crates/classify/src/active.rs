//! Active learning: which tracks a person should label first, and retraining with their labels.
//!
//! [`rank`] orders review [`Candidate`]s by a [`Strategy`]; [`retrain`] trains a model on a base
//! model's rows plus a person's labeled rows, the person's label replacing the base for the same
//! track; [`labeled_cv`] measures, by cross-validation over the person's labeled tracks, how
//! often the model without and with their labels agrees with them.

use std::collections::HashSet;

use crate::dataset::{Dataset, LabeledRow};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::rng::SplitMix64;

/// How review orders the tracks, most useful to label first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Strategy {
    /// Least confident first: highest `1 - max probability`.
    Uncertainty,
    /// Smallest lead of the predicted genre over the runner-up first.
    Margin,
    /// Tracks whose genre tag differs from the prediction first, then untagged tracks, then
    /// tracks whose tag agrees; least confident first within each group.
    TagDisagreement,
    /// A fixed pseudo-random order that depends only on the seed and each track's key.
    Random,
}

impl Strategy {
    /// Every strategy, in the order the command line lists them.
    pub const ALL: [Strategy; 4] = [
        Strategy::Uncertainty,
        Strategy::Margin,
        Strategy::TagDisagreement,
        Strategy::Random,
    ];

    /// The command-line name: `uncertainty`, `margin`, `tag-disagreement` or `random`.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Uncertainty => "uncertainty",
            Strategy::Margin => "margin",
            Strategy::TagDisagreement => "tag-disagreement",
            Strategy::Random => "random",
        }
    }

    /// The strategy called `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A track offered for review: what the model said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// A unique key (the file path): the last tie break, and the random order's input.
    pub key: String,
    /// The predicted genre.
    pub genre: String,
    /// Its probability (the highest).
    pub confidence: f32,
    /// Its lead over the runner-up.
    pub margin: f32,
    /// The genre tag of the file, if any.
    pub tag_genre: Option<String>,
}

/// The order in which to review `candidates`: their indices, most useful first.
///
/// Ties are broken by the lower confidence, then by `key`, so the order does not depend on the
/// input order. `seed` only affects [`Strategy::Random`].
pub fn rank(candidates: &[Candidate], strategy: Strategy, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    let by_key = |a: &Candidate, b: &Candidate| a.key.cmp(&b.key);
    let by_uncertainty = |a: &Candidate, b: &Candidate| a.confidence.total_cmp(&b.confidence);
    match strategy {
        Strategy::Uncertainty => order.sort_by(|&i, &j| {
            let (a, b) = (&candidates[i], &candidates[j]);
            by_uncertainty(a, b).then_with(|| by_key(a, b))
        }),
        Strategy::Margin => order.sort_by(|&i, &j| {
            let (a, b) = (&candidates[i], &candidates[j]);
            a.margin
                .total_cmp(&b.margin)
                .then_with(|| by_uncertainty(a, b))
                .then_with(|| by_key(a, b))
        }),
        Strategy::TagDisagreement => order.sort_by(|&i, &j| {
            let (a, b) = (&candidates[i], &candidates[j]);
            tag_group(a)
                .cmp(&tag_group(b))
                .then_with(|| by_uncertainty(a, b))
                .then_with(|| by_key(a, b))
        }),
        Strategy::Random => order.sort_by_cached_key(|&i| {
            let key = candidates[i].key.as_str();
            (random_key(seed, key), key)
        }),
    }
    order
}

/// 0 when the tag names another genre than the prediction, 1 without a tag, 2 when they agree
/// (case and surrounding space ignored).
fn tag_group(c: &Candidate) -> u8 {
    match c.tag_genre.as_deref().map(str::trim) {
        None | Some("") => 1,
        Some(tag) if tag.eq_ignore_ascii_case(c.genre.trim()) => 2,
        Some(_) => 0,
    }
}

/// A pseudo-random number for `key` under `seed`: SplitMix64 seeded with `seed` xor the
/// 64-bit FNV-1a hash of the key.
fn random_key(seed: u64, key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    SplitMix64::new(seed ^ h).next_u64()
}

/// The file name part of a track key (after the last `/` or `\`).
fn file_name(track: &str) -> &str {
    track.rsplit(['/', '\\']).next().unwrap_or(track)
}

/// Trains a model with `base`'s settings on `base`'s rows plus `user` rows (over the base's
/// [`Model::training_columns`]). A user-labeled track replaces every base row of the same track:
/// a base row is dropped when its `track` equals a user row's `track` or that track's file name
/// (a GTZAN table names tracks by file name, a library by path). New genres become new classes.
///
/// # Errors
/// [`Error::VectorLength`] or [`Error::NonFinite`] for a malformed user row, and the errors of
/// [`Model::train`].
pub fn retrain(base: &Model, user: &[LabeledRow]) -> Result<Model> {
    Model::train(
        &merged(base.rows(), base.training_columns(), user)?,
        base.settings(),
    )
}

/// The base rows not replaced by `user`, then the user rows.
fn merged(base: &[LabeledRow], columns: &[String], user: &[LabeledRow]) -> Result<Dataset> {
    let mut replaced: HashSet<&str> = HashSet::new();
    for row in user {
        replaced.insert(row.track.as_str());
        replaced.insert(file_name(&row.track));
    }
    let mut data = Dataset::new(columns.to_vec());
    for row in base {
        if !replaced.contains(row.track.as_str()) {
            data.push(row.clone())?;
        }
    }
    for row in user {
        data.push(row.clone())?;
    }
    Ok(data)
}

/// Agreement of a model with a person's labels, measured by cross-validation over their
/// labeled tracks (see [`labeled_cv`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledCv {
    /// Labeled tracks.
    pub tracks: usize,
    /// Folds the tracks were split into.
    pub folds: usize,
    /// Fraction of tracks whose predicted genre equals their label, by the base model alone.
    pub before: f64,
    /// The same, by the base model retrained with the labels of the other folds.
    pub after: f64,
}

/// Cross-validates the effect of `user`'s labels: the user's tracks are shuffled (seeded) into
/// `folds` folds; for each fold, the base rows of its tracks are removed, and its tracks are
/// predicted by the remaining base rows alone (`before`) and by those plus the user rows of the
/// other folds (`after`), as [`retrain`] would combine them.
///
/// # Errors
/// [`Error::InvalidInput`] when `user` has fewer than 2 tracks or `folds < 2`; the errors of
/// [`Model::train`] and [`Model::predict_track`].
pub fn labeled_cv(base: &Model, user: &[LabeledRow], folds: usize, seed: u64) -> Result<LabeledCv> {
    let mut tracks: Vec<&str> = user.iter().map(|r| r.track.as_str()).collect();
    tracks.sort_unstable();
    tracks.dedup();
    if tracks.len() < 2 || folds < 2 {
        return Err(Error::InvalidInput(format!(
            "cross-validation needs at least 2 labeled tracks and 2 folds, got {} and {folds}",
            tracks.len()
        )));
    }
    let folds = folds.min(tracks.len());
    SplitMix64::new(seed).shuffle(&mut tracks);
    let fold_of = |t: &str| tracks.iter().position(|&x| x == t).map(|i| i % folds);
    let columns = base.training_columns();
    let (mut right_before, mut right_after) = (0usize, 0usize);
    for f in 0..folds {
        let held: Vec<&str> = tracks
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds == f)
            .map(|(_, t)| *t)
            .collect();
        let held_rows: Vec<LabeledRow> = user
            .iter()
            .filter(|r| fold_of(&r.track) == Some(f))
            .cloned()
            .collect();
        let train_rows: Vec<LabeledRow> = user
            .iter()
            .filter(|r| fold_of(&r.track) != Some(f))
            .cloned()
            .collect();
        // The base without the held-out tracks, alone and with the other folds' labels.
        let rest = without(base.rows(), columns, &held_rows)?;
        let base_only = Model::train(&rest, base.settings())?;
        let with_labels =
            Model::train(&merged(rest.rows(), columns, &train_rows)?, base.settings())?;
        for track in held {
            let rows: Vec<&LabeledRow> = user.iter().filter(|r| r.track == track).collect();
            let Some(label) = rows.first().map(|r| r.label.as_str()) else {
                continue;
            };
            let vectors: Vec<Vec<f32>> = rows
                .iter()
                .map(|r| r.features.iter().map(|&x| x as f32).collect())
                .collect();
            if base_only.predict_track(&vectors, columns)?.genre == label {
                right_before += 1;
            }
            if with_labels.predict_track(&vectors, columns)?.genre == label {
                right_after += 1;
            }
        }
    }
    let n = tracks.len() as f64;
    Ok(LabeledCv {
        tracks: tracks.len(),
        folds,
        before: right_before as f64 / n,
        after: right_after as f64 / n,
    })
}

/// `base` rows minus those of the tracks of `held` (by track or file name).
fn without(base: &[LabeledRow], columns: &[String], held: &[LabeledRow]) -> Result<Dataset> {
    let mut drop: HashSet<&str> = HashSet::new();
    for row in held {
        drop.insert(row.track.as_str());
        drop.insert(file_name(&row.track));
    }
    let mut data = Dataset::new(columns.to_vec());
    for row in base {
        if !drop.contains(row.track.as_str()) {
            data.push(row.clone())?;
        }
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    fn cand(key: &str, genre: &str, confidence: f32, margin: f32, tag: Option<&str>) -> Candidate {
        Candidate {
            key: key.into(),
            genre: genre.into(),
            confidence,
            margin,
            tag_genre: tag.map(str::to_string),
        }
    }

    fn keys(c: &[Candidate], order: &[usize]) -> Vec<String> {
        order.iter().map(|&i| c[i].key.clone()).collect()
    }

    #[test]
    fn strategies_order_as_documented_with_deterministic_ties() {
        let c = vec![
            cand("d", "rock", 0.9, 0.8, Some("Rock")),
            cand("b", "jazz", 0.4, 0.3, None),
            cand("a", "jazz", 0.4, 0.05, Some("blues")),
            cand("c", "pop", 0.6, 0.01, Some("")),
        ];
        assert_eq!(
            keys(&c, &rank(&c, Strategy::Uncertainty, 0)),
            ["a", "b", "c", "d"]
        );
        assert_eq!(
            keys(&c, &rank(&c, Strategy::Margin, 0)),
            ["c", "a", "b", "d"]
        );
        assert_eq!(
            keys(&c, &rank(&c, Strategy::TagDisagreement, 0)),
            ["a", "b", "c", "d"]
        );
        // Input order does not matter.
        let mut rev = c.clone();
        rev.reverse();
        for s in Strategy::ALL {
            assert_eq!(
                keys(&c, &rank(&c, s, 7)),
                keys(&rev, &rank(&rev, s, 7)),
                "{s:?}"
            );
        }
    }

    #[test]
    fn random_order_depends_on_seed_only_and_is_stable_for_subsets() {
        let c: Vec<Candidate> = (0..50)
            .map(|i| cand(&format!("t{i:02}"), "pop", 0.5, 0.1, None))
            .collect();
        let a = keys(&c, &rank(&c, Strategy::Random, 1));
        let b = keys(&c, &rank(&c, Strategy::Random, 2));
        assert_ne!(a, b);
        assert_eq!(a, keys(&c, &rank(&c, Strategy::Random, 1)));
        assert_ne!(a[..10], keys(&c, &rank(&c, Strategy::Uncertainty, 1))[..10]);
        // Dropping a track (it was labeled) keeps the others' relative order.
        let sub: Vec<Candidate> = c.iter().filter(|x| x.key != a[0]).cloned().collect();
        assert_eq!(keys(&sub, &rank(&sub, Strategy::Random, 1)), a[1..]);
        assert_eq!(
            Strategy::from_name("tag-disagreement"),
            Some(Strategy::TagDisagreement)
        );
        assert_eq!(Strategy::from_name("nope"), None);
    }

    fn row(track: &str, x: f64, label: &str) -> LabeledRow {
        LabeledRow {
            features: vec![x, 0.0],
            label: label.into(),
            source: "unit".into(),
            track: track.into(),
            snippet: 0,
        }
    }

    fn base() -> Model {
        let mut d = Dataset::new(vec!["a".into(), "b".into()]);
        for i in 0..10 {
            d.push(row(&format!("lo{i}.wav"), i as f64 * 0.1, "low"))
                .unwrap();
            d.push(row(&format!("hi{i}.wav"), 10.0 + i as f64 * 0.1, "high"))
                .unwrap();
        }
        Model::train(
            &d,
            &Settings {
                k: 1,
                ..Settings::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn retrain_replaces_base_tracks_by_path_or_file_name_and_adds_genres() {
        let base = base();
        let user = vec![
            // The same recording as base track lo0.wav, relabeled.
            row("/music/lo0.wav", 0.0, "ambient"),
            row("/music/new.flac", 50.0, "noise"),
            LabeledRow {
                snippet: 1,
                ..row("/music/new.flac", 51.0, "noise")
            },
        ];
        let m = retrain(&base, &user).unwrap();
        assert_eq!(m.rows().len(), 20 - 1 + 3);
        assert_eq!(m.genres(), ["ambient", "high", "low", "noise"]);
        let names = ["a", "b"];
        assert_eq!(
            m.predict_track(&[[0.0f32, 0.0]], &names).unwrap().genre,
            "ambient"
        );
        assert_eq!(
            m.predict_track(&[[49.0f32, 0.0]], &names).unwrap().genre,
            "noise"
        );
        assert_eq!(
            base.predict_track(&[[49.0f32, 0.0]], &names).unwrap().genre,
            "high"
        );
    }

    #[test]
    fn labeled_cv_shows_what_the_labels_teach() {
        let base = base();
        // Four tracks far from everything, labeled "noise": the base model never says noise;
        // with the other folds' labels it does.
        let user: Vec<LabeledRow> = (0..4)
            .map(|i| row(&format!("/m/n{i}.ogg"), 100.0 + i as f64, "noise"))
            .collect();
        let cv = labeled_cv(&base, &user, 4, 1).unwrap();
        assert_eq!((cv.tracks, cv.folds), (4, 4));
        assert_eq!(cv.before, 0.0);
        assert_eq!(cv.after, 1.0);
        // A base track relabeled with its own genre: held out, the base neighbours still agree.
        let same = vec![
            row("/m/lo3.wav", 0.3, "low"),
            row("/m/hi3.wav", 10.3, "high"),
        ];
        let cv = labeled_cv(&base, &same, 5, 1).unwrap();
        assert_eq!((cv.tracks, cv.folds, cv.before, cv.after), (2, 2, 1.0, 1.0));
        assert!(labeled_cv(&base, &user[..1], 5, 1).is_err());
    }
}
