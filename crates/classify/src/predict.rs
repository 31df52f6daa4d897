//! Snippet and track predictions: per-snippet class probabilities averaged into one genre.

use serde::{Deserialize, Serialize};

/// The model's answer for one snippet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnippetPrediction {
    /// The most probable genre (ties: see [`argmax`]).
    pub genre: String,
    /// Its probability.
    pub confidence: f32,
    /// Probability of every genre, in the model's genre order.
    pub probabilities: Vec<(String, f32)>,
}

/// The model's answer for one track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackPrediction {
    /// The genre with the highest mean snippet probability (ties: see [`argmax`]).
    pub genre: String,
    /// The mean snippet probability of that genre.
    pub confidence: f32,
    /// `confidence` minus the mean probability of the runner-up genre (0 with a tie; equal to
    /// `confidence` when the model knows a single genre).
    pub margin: f32,
    /// Mean snippet probability of every genre, in the model's genre order.
    pub probabilities: Vec<(String, f32)>,
    /// One prediction per snippet, in input order.
    pub snippets: Vec<SnippetPrediction>,
}

/// Index of the largest value; ties go to the lowest index, i.e. the genre whose name sorts first
/// (the model's genres are sorted by byte order). NaN never wins.
///
/// # Panics
/// If `p` is empty.
pub fn argmax(p: &[f64]) -> usize {
    assert!(!p.is_empty(), "argmax of an empty slice");
    let mut best = 0;
    for (i, &x) in p.iter().enumerate().skip(1) {
        if x > p[best] || (p[best].is_nan() && !x.is_nan()) {
            best = i;
        }
    }
    best
}

/// Mean of the snippets' probability vectors: `P_c = (1/S) sum_s p_{s,c}`.
///
/// # Panics
/// If `snippets` is empty or the vectors differ in length.
pub fn mean_probabilities(snippets: &[Vec<f64>]) -> Vec<f64> {
    assert!(
        !snippets.is_empty(),
        "mean_probabilities needs at least one snippet"
    );
    let c = snippets[0].len();
    let mut mean = vec![0.0; c];
    for p in snippets {
        assert_eq!(p.len(), c, "mean_probabilities: lengths differ");
        mean.iter_mut().zip(p).for_each(|(m, x)| *m += x);
    }
    mean.iter_mut().for_each(|m| *m /= snippets.len() as f64);
    mean
}

/// Builds a track prediction from per-snippet probabilities over `genres`.
///
/// # Panics
/// If `snippets` is empty or a vector's length differs from `genres.len()`.
pub(crate) fn track_prediction(genres: &[String], snippets: &[Vec<f64>]) -> TrackPrediction {
    let named = |p: &[f64]| -> Vec<(String, f32)> {
        assert_eq!(p.len(), genres.len(), "probabilities vs genres");
        genres
            .iter()
            .cloned()
            .zip(p.iter().map(|&x| x as f32))
            .collect()
    };
    let mean = mean_probabilities(snippets);
    let best = argmax(&mean);
    let runner_up = mean
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != best)
        .map(|(_, &x)| x)
        .fold(0.0f64, f64::max);
    TrackPrediction {
        genre: genres[best].clone(),
        confidence: mean[best] as f32,
        margin: (mean[best] - runner_up) as f32,
        probabilities: named(&mean),
        snippets: snippets
            .iter()
            .map(|p| {
                let b = argmax(p);
                SnippetPrediction {
                    genre: genres[b].clone(),
                    confidence: p[b] as f32,
                    probabilities: named(p),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_the_first_genre() {
        assert_eq!(argmax(&[0.2, 0.4, 0.4]), 1);
        assert_eq!(argmax(&[0.5, 0.5]), 0);
        assert_eq!(argmax(&[f64::NAN, 0.1]), 1);
    }

    #[test]
    fn track_is_the_mean_of_its_snippets() {
        let genres: Vec<String> = ["blues", "jazz", "rock"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // Two snippets say rock weakly, one says jazz strongly: the mean decides.
        let snippets = vec![
            vec![0.0, 0.4, 0.6],
            vec![0.0, 0.4, 0.6],
            vec![0.0, 1.0, 0.0],
        ];
        let t = track_prediction(&genres, &snippets);
        assert_eq!(t.genre, "jazz");
        assert!((t.confidence - 0.6).abs() < 1e-6);
        assert!((t.margin - 0.2).abs() < 1e-6);
        assert_eq!(t.snippets.len(), 3);
        assert_eq!(t.snippets[0].genre, "rock");
        assert_eq!(t.probabilities[2].0, "rock");
        assert!((t.probabilities[2].1 - 0.4).abs() < 1e-6);
        // An exact tie between snippets goes to the genre that sorts first, margin 0.
        let t = track_prediction(&genres, &[vec![0.0, 1.0, 0.0], vec![0.0, 0.0, 1.0]]);
        assert_eq!(t.genre, "jazz");
        assert_eq!(t.margin, 0.0);
    }
}
