//! What active learning reads from the library: labeled tracks' snippet features (training
//! rows, grouped by track) and the unlabeled tracks to offer for review.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rusqlite::{OptionalExtension, params};

use crate::error::{Error, Result};
use crate::query::tags_at;
use crate::records::{Label, Prediction, Tags, TrackId};
use crate::store::{Library, SqlResultExt};

/// A labeled track with its stored snippet features.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledTrack {
    /// File path.
    pub path: PathBuf,
    /// Its latest label.
    pub label: Label,
    /// Feature vectors in snippet order, over the names of [`Library::feature_names`].
    pub snippets: Vec<Vec<f32>>,
}

/// The labeled tracks of one feature schema, and the labeled tracks that cannot be used.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabeledTracks {
    /// Labeled tracks whose snippets all have the schema version asked for, ordered by path.
    pub tracks: Vec<LabeledTrack>,
    /// Labeled tracks without usable features (the analysis failed, or the features come from
    /// another schema version: analyze them again), ordered by path.
    pub unusable: Vec<PathBuf>,
}

/// An unlabeled track offered for review, with a model's prediction for it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewCandidate {
    /// Row id.
    pub id: TrackId,
    /// File path.
    pub path: PathBuf,
    /// Tags.
    pub tags: Tags,
    /// The model's prediction (per-snippet probabilities included).
    pub prediction: Prediction,
}

impl Library {
    /// The feature names stored for `schema_version`, in vector order, if any features of it
    /// are stored.
    ///
    /// # Errors
    /// [`Error::Sqlite`], [`Error::Json`].
    pub fn feature_names(&self, schema_version: u32) -> Result<Option<Vec<String>>> {
        let db = &self.path;
        let names: Option<String> = self
            .conn
            .query_row(
                "SELECT names FROM feature_sets WHERE schema_version = ?1",
                [schema_version],
                |r| r.get(0),
            )
            .optional()
            .db(db)?;
        names
            .map(|n| {
                serde_json::from_str(&n).map_err(|source| Error::Json {
                    db: db.clone(),
                    source,
                })
            })
            .transpose()
    }

    /// Every labeled track (latest label) with its snippet features of `schema_version`: the
    /// rows a model is retrained with.
    ///
    /// # Errors
    /// [`Error::Sqlite`], [`Error::Corrupt`] for a malformed feature BLOB.
    pub fn labeled_tracks(&self, schema_version: u32) -> Result<LabeledTracks> {
        let db = &self.path;
        let mut out = LabeledTracks::default();
        for (path, label) in self.labels()? {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT s.schema_version, s.features FROM tracks t \
                     JOIN snippets s ON s.track_id = t.id \
                     WHERE t.path = ?1 AND t.error_kind IS NULL ORDER BY s.idx",
                )
                .db(db)?;
            let key = crate::store::path_str(&path)?;
            let mut rows = stmt.query([key]).db(db)?;
            let mut snippets = Vec::new();
            let mut usable = true;
            while let Some(r) = rows.next().db(db)? {
                let version: u32 = r.get(0).db(db)?;
                if version != schema_version {
                    usable = false;
                    break;
                }
                snippets.push(self.features_at(r, 1)?);
            }
            if usable && !snippets.is_empty() {
                out.tracks.push(LabeledTrack {
                    path,
                    label,
                    snippets,
                });
            } else {
                out.unusable.push(path);
            }
        }
        Ok(out)
    }

    /// Analyzed tracks without a label that have a prediction by `model_id`, ordered by path:
    /// what review may offer. Tracks without such a prediction are left out; predict them
    /// first ([`Library::tracks_to_predict`]).
    ///
    /// # Errors
    /// [`Error::Sqlite`], [`Error::Json`] for an undecodable stored prediction.
    pub fn review_candidates(&self, model_id: &str) -> Result<Vec<ReviewCandidate>> {
        let db = &self.path;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.id, t.path, t.title, t.artist, t.album, t.tag_genre, p.genre, \
                 p.confidence, p.margin, p.probabilities, p.snippet_probabilities \
                 FROM tracks t JOIN predictions p ON p.track_id = t.id AND p.model_id = ?1 \
                 WHERE t.error_kind IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.track_id = t.id) \
                 ORDER BY t.path",
            )
            .db(db)?;
        let mut rows = stmt.query(params![model_id]).db(db)?;
        let json = |source| Error::Json {
            db: db.clone(),
            source,
        };
        let mut out = Vec::new();
        while let Some(r) = rows.next().db(db)? {
            let probabilities: String = r.get(9).db(db)?;
            let snippets: String = r.get(10).db(db)?;
            out.push(ReviewCandidate {
                id: TrackId(r.get(0).db(db)?),
                path: PathBuf::from(r.get::<_, String>(1).db(db)?),
                tags: tags_at(r, 2).db(db)?,
                prediction: Prediction {
                    model_id: model_id.to_string(),
                    genre: r.get(6).db(db)?,
                    confidence: r.get::<_, f64>(7).db(db)? as f32,
                    margin: r.get::<_, f64>(8).db(db)? as f32,
                    probabilities: serde_json::from_str::<BTreeMap<String, f32>>(&probabilities)
                        .map_err(json)?,
                    snippets: serde_json::from_str(&snippets).map_err(json)?,
                },
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::records::{AnalyzedTrack, AudioInfo, FeatureSchema, FileState, Snippet};

    fn track(path: &str, snippets: &[f32], genre_tag: Option<&str>) -> AnalyzedTrack {
        AnalyzedTrack {
            file: FileState {
                path: path.into(),
                size: 1,
                mtime_ns: 2,
                hash: None,
            },
            audio: AudioInfo {
                duration_s: 30.0 * snippets.len() as f64,
                sample_rate: 22050,
                channels: 1,
                codec: "pcm".into(),
            },
            tags: Tags {
                genre: genre_tag.map(str::to_string),
                ..Tags::default()
            },
            snippets: snippets
                .iter()
                .enumerate()
                .map(|(i, &x)| Snippet {
                    start_s: 30.0 * i as f64,
                    end_s: 30.0 * (i + 1) as f64,
                    n_samples: 661_500,
                    features: vec![x, -x],
                })
                .collect(),
            prediction: Some(Prediction {
                model_id: "m1".into(),
                genre: "rock".into(),
                confidence: 0.6,
                margin: 0.2,
                probabilities: [("rock".to_string(), 0.6), ("pop".to_string(), 0.4)]
                    .into_iter()
                    .collect(),
                snippets: vec![BTreeMap::new(); snippets.len()],
            }),
        }
    }

    #[test]
    fn labeled_tracks_and_review_candidates() {
        let mut lib = Library::open_in_memory().unwrap();
        let schema = FeatureSchema::new(1, ["x", "neg_x"]);
        let mut batch = lib.batch(&schema).unwrap();
        batch
            .put_analyzed(&track("/m/a.mp3", &[1.0, 2.0], Some("Rock")))
            .unwrap();
        batch
            .put_analyzed(&track("/m/b.mp3", &[3.0], None))
            .unwrap();
        batch
            .put_analyzed(&track("/m/c.mp3", &[4.0], None))
            .unwrap();
        batch.commit().unwrap();
        let old = FeatureSchema::new(0, ["x", "neg_x"]);
        let mut batch = lib.batch(&old).unwrap();
        batch
            .put_analyzed(&track("/m/old.mp3", &[5.0], None))
            .unwrap();
        batch.commit().unwrap();

        assert_eq!(
            lib.feature_names(1).unwrap().unwrap(),
            ["x".to_string(), "neg_x".to_string()]
        );
        assert_eq!(lib.feature_names(7).unwrap(), None);
        let all = lib.review_candidates("m1").unwrap();
        let paths: Vec<&Path> = all.iter().map(|c| c.path.as_path()).collect();
        assert_eq!(
            paths,
            ["/m/a.mp3", "/m/b.mp3", "/m/c.mp3", "/m/old.mp3"].map(Path::new)
        );
        assert_eq!(all[0].tags.genre.as_deref(), Some("Rock"));
        assert_eq!(all[0].prediction.probabilities["pop"], 0.4);
        assert_eq!(all[0].prediction.snippets.len(), 2);
        assert!(lib.review_candidates("other").unwrap().is_empty());

        lib.add_label(Path::new("/m/a.mp3"), "punk", "user")
            .unwrap();
        lib.add_label(Path::new("/m/old.mp3"), "pop", "user")
            .unwrap();
        let left = lib.review_candidates("m1").unwrap();
        assert_eq!(left.len(), 2, "labeled tracks are not offered");
        let labeled = lib.labeled_tracks(1).unwrap();
        assert_eq!(labeled.tracks.len(), 1);
        assert_eq!(labeled.tracks[0].label.genre, "punk");
        assert_eq!(
            labeled.tracks[0].snippets,
            vec![vec![1.0, -1.0], vec![2.0, -2.0]]
        );
        assert_eq!(labeled.unusable, [PathBuf::from("/m/old.mp3")]);

        // Many labels in one transaction: an unknown path fails alone.
        let results = lib
            .add_labels(
                &[
                    ("/m/b.mp3".into(), "jazz".into()),
                    ("/m/none.mp3".into(), "jazz".into()),
                    ("/m/c.mp3".into(), "house".into()),
                ],
                "import",
            )
            .unwrap();
        assert!(results[0].is_ok() && results[2].is_ok());
        assert!(matches!(results[1], Err(Error::UnknownTrack { .. })));
        assert!(lib.review_candidates("m1").unwrap().is_empty());
        let c = lib.label(Path::new("/m/c.mp3")).unwrap().unwrap();
        assert_eq!((c.genre.as_str(), c.source.as_str()), ("house", "import"));
        assert_eq!(lib.labeled_tracks(1).unwrap().tracks.len(), 3);
    }
}
