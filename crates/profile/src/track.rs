//! One track as the profile sees it, and what a person thinks of it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a person said about a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Opinion {
    /// Neither liked nor disliked: a candidate for recommendations.
    #[default]
    Neutral,
    /// Liked.
    Liked,
    /// Disliked.
    Disliked,
}

/// One analyzed track: plain data read from the library.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Track {
    /// The file; tracks are ordered and ties are broken by it.
    pub path: PathBuf,
    /// Title tag.
    pub title: Option<String>,
    /// Artist tag.
    pub artist: Option<String>,
    /// Album tag.
    pub album: Option<String>,
    /// Duration in seconds, if known.
    pub duration_s: Option<f64>,
    /// The model's probability per genre (mean over the track's snippets); empty when the
    /// track has no prediction.
    pub probabilities: BTreeMap<String, f64>,
    /// Mean over the track's snippets of each feature, in the collection's name order.
    pub features: Vec<f64>,
    /// What the person thinks of it.
    pub opinion: Opinion,
}

impl Track {
    /// A neutral track at `path` with no tags, probabilities or features yet.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Track {
            path: path.into(),
            ..Track::default()
        }
    }

    /// The predicted genre and its probability: the genre of highest probability, ties to the
    /// alphabetically first; `None` without probabilities.
    pub fn genre(&self) -> Option<(&str, f64)> {
        let mut best: Option<(&str, f64)> = None;
        for (g, &p) in &self.probabilities {
            if best.is_none_or(|(_, b)| p > b) {
                best = Some((g, p));
            }
        }
        best
    }

    /// How people name the track: "artist - title" when both tags are set, else the title,
    /// else the file name without its extension.
    pub fn display_name(&self) -> String {
        match (non_empty(&self.artist), non_empty(&self.title)) {
            (Some(a), Some(t)) => format!("{a} - {t}"),
            (None, Some(t)) => t.to_string(),
            _ => file_stem(&self.path),
        }
    }

    /// The artist tag, trimmed and lower-cased, for diversity; `None` when missing or empty.
    pub(crate) fn artist_key(&self) -> Option<String> {
        non_empty(&self.artist).map(str::to_lowercase)
    }

    /// The album as (artist, album), lower-cased, for diversity; `None` without an album tag.
    pub(crate) fn album_key(&self) -> Option<String> {
        non_empty(&self.album).map(|al| {
            format!(
                "{}\u{1f}{}",
                self.artist_key().unwrap_or_default(),
                al.to_lowercase()
            )
        })
    }
}

fn non_empty(tag: &Option<String>) -> Option<&str> {
    tag.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The file name of `path` without its extension (the whole path when it has none).
fn file_stem(path: &Path) -> String {
    path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genre_is_the_most_probable_ties_alphabetical() {
        let mut t = Track::new("/a.wav");
        assert_eq!(t.genre(), None);
        t.probabilities.insert("rock".into(), 0.4);
        t.probabilities.insert("jazz".into(), 0.4);
        t.probabilities.insert("pop".into(), 0.2);
        assert_eq!(t.genre(), Some(("jazz", 0.4)));
    }

    #[test]
    fn display_name_falls_back_to_the_file_stem() {
        let mut t = Track::new("/m/01 Song.flac");
        assert_eq!(t.display_name(), "01 Song");
        t.title = Some("Song".into());
        assert_eq!(t.display_name(), "Song");
        t.artist = Some("  ".into());
        assert_eq!(t.display_name(), "Song");
        t.artist = Some("Band".into());
        assert_eq!(t.display_name(), "Band - Song");
        assert_eq!(t.artist_key().as_deref(), Some("band"));
        assert_eq!(t.album_key(), None);
    }
}
