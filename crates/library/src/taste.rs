//! What a taste profile needs from the library: every analyzed track with its tags, latest
//! prediction, like, and the mean of its snippet features, in one query.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::query::tags_at;
use crate::records::{Like, Tags, TrackId};
use crate::store::{Library, SqlResultExt};

/// One analyzed track as a taste profile sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TasteTrack {
    /// The track's row id.
    pub id: TrackId,
    /// The file.
    pub path: PathBuf,
    /// Duration in seconds, if known.
    pub duration_s: Option<f64>,
    /// Tags read from the file.
    pub tags: Tags,
    /// Genre of the latest prediction (by any model), if any.
    pub genre: Option<String>,
    /// Probability per genre of that prediction (empty without one).
    pub probabilities: BTreeMap<String, f32>,
    /// Mean over the track's snippets of each feature: `x_j = (1/n) Σ_s x_sj`.
    pub features: Vec<f64>,
    /// Number of snippets averaged.
    pub snippets: usize,
    /// The person's like or dislike, if any.
    pub like: Option<Like>,
}

impl Library {
    /// Every analyzed track that has snippets of feature schema `schema_version`, ordered by
    /// path, with the mean of those snippets' features, its tags, latest prediction and like.
    /// Failed tracks and tracks analyzed with another schema are left out.
    ///
    /// # Errors
    /// [`Error::Sqlite`], [`Error::Corrupt`] for a malformed feature BLOB or snippets of
    /// different lengths, [`Error::Json`] for undecodable stored probabilities.
    pub fn taste_tracks(&self, schema_version: u32) -> Result<Vec<TasteTrack>> {
        let db = &self.path;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.id, t.path, t.duration_s, t.title, t.artist, t.album, t.tag_genre, \
                 p.genre, p.probabilities, k.value, s.features \
                 FROM tracks t JOIN snippets s ON s.track_id = t.id AND s.schema_version = ?1 \
                 LEFT JOIN predictions p ON p.id = (SELECT q.id FROM predictions q \
                     WHERE q.track_id = t.id ORDER BY q.predicted_at DESC, q.id DESC LIMIT 1) \
                 LEFT JOIN likes k ON k.track_id = t.id \
                 WHERE t.error_kind IS NULL ORDER BY t.path, s.idx",
            )
            .db(db)?;
        let mut rows = stmt.query([schema_version]).db(db)?;
        let mut out: Vec<TasteTrack> = Vec::new();
        // Sums of the current track's snippet features.
        let mut sums: Vec<f64> = Vec::new();
        while let Some(r) = rows.next().db(db)? {
            let id = TrackId(r.get(0).db(db)?);
            let features = self.features_at(r, 10)?;
            if out.last().is_none_or(|last| last.id != id) {
                finish_mean(out.last_mut(), &mut sums);
                let probabilities: Option<String> = r.get(8).db(db)?;
                let probabilities = match probabilities {
                    Some(json) => serde_json::from_str(&json).map_err(|source| Error::Json {
                        db: db.clone(),
                        source,
                    })?,
                    None => BTreeMap::new(),
                };
                out.push(TasteTrack {
                    id,
                    path: PathBuf::from(r.get::<_, String>(1).db(db)?),
                    duration_s: r.get(2).db(db)?,
                    tags: tags_at(r, 3).db(db)?,
                    genre: r.get(7).db(db)?,
                    probabilities,
                    features: Vec::new(),
                    snippets: 0,
                    like: r.get::<_, Option<i64>>(9).db(db)?.map(Like::from_value),
                });
                sums = vec![0.0; features.len()];
            }
            if let Some(last) = out.last_mut() {
                if features.len() != sums.len() {
                    return Err(Error::Corrupt {
                        db: db.clone(),
                        what: format!(
                            "{}: snippets with {} and {} feature values",
                            last.path.display(),
                            sums.len(),
                            features.len()
                        ),
                    });
                }
                for (s, x) in sums.iter_mut().zip(&features) {
                    *s += f64::from(*x);
                }
                last.snippets += 1;
            }
        }
        finish_mean(out.last_mut(), &mut sums);
        Ok(out)
    }
}

/// Turns the sums of `track`'s snippets into their mean.
fn finish_mean(track: Option<&mut TasteTrack>, sums: &mut Vec<f64>) {
    if let Some(t) = track {
        let n = t.snippets.max(1) as f64;
        t.features = std::mem::take(sums).into_iter().map(|s| s / n).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{
        AnalyzedTrack, AudioInfo, FailedTrack, FeatureSchema, FileState, Prediction, Snippet,
    };
    use std::path::Path;

    fn file(path: &str) -> FileState {
        FileState {
            path: path.into(),
            size: 1,
            mtime_ns: 1,
            hash: None,
        }
    }

    fn analyzed(path: &str, snippets: &[[f32; 2]], genre: Option<&str>) -> AnalyzedTrack {
        AnalyzedTrack {
            file: file(path),
            audio: AudioInfo {
                duration_s: 60.0,
                sample_rate: 22050,
                channels: 1,
                codec: "wav".into(),
            },
            tags: Tags {
                artist: Some("A".into()),
                ..Tags::default()
            },
            snippets: snippets
                .iter()
                .map(|f| Snippet {
                    start_s: 0.0,
                    end_s: 30.0,
                    n_samples: 1,
                    features: f.to_vec(),
                })
                .collect(),
            prediction: genre.map(|g| Prediction {
                model_id: "m".into(),
                genre: g.into(),
                confidence: 0.75,
                margin: 0.5,
                probabilities: [(g.to_string(), 0.75), ("other".to_string(), 0.25)].into(),
                snippets: Vec::new(),
            }),
        }
    }

    #[test]
    fn taste_tracks_average_snippets_and_carry_prediction_and_like() {
        let mut lib = Library::open_in_memory().unwrap();
        let schema = FeatureSchema::new(1, ["a", "b"]);
        let mut batch = lib.batch(&schema).unwrap();
        batch
            .put_analyzed(&analyzed(
                "/m/b.wav",
                &[[1.0, 2.0], [3.0, 6.0]],
                Some("jazz"),
            ))
            .unwrap();
        batch
            .put_analyzed(&analyzed("/m/a.wav", &[[5.0, 5.0]], None))
            .unwrap();
        batch
            .put_failed(&FailedTrack {
                file: file("/m/c.wav"),
                kind: "unsupported".into(),
                message: "no".into(),
            })
            .unwrap();
        batch.commit().unwrap();
        lib.set_like(Path::new("/m/b.wav"), Like::Dislike).unwrap();

        let tracks = lib.taste_tracks(1).unwrap();
        assert_eq!(tracks.len(), 2, "the failed track is left out");
        assert_eq!(tracks[0].path, Path::new("/m/a.wav"));
        assert_eq!(tracks[0].features, [5.0, 5.0]);
        assert_eq!(tracks[0].genre, None);
        assert!(tracks[0].probabilities.is_empty());
        assert_eq!(tracks[0].like, None);
        let b = &tracks[1];
        assert_eq!(b.features, [2.0, 4.0]);
        assert_eq!(b.snippets, 2);
        assert_eq!(b.genre.as_deref(), Some("jazz"));
        assert_eq!(b.probabilities["other"], 0.25);
        assert_eq!(b.like, Some(Like::Dislike));
        assert_eq!(b.tags.artist.as_deref(), Some("A"));
        assert_eq!(b.duration_s, Some(60.0));

        assert!(lib.taste_tracks(2).unwrap().is_empty());
    }
}
