//! Read queries for the command line: listings, statistics, failures, one track, features.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, Row, params};

use crate::blob;
use crate::error::{Error, Result};
use crate::hash::ContentHash;
use crate::records::{
    AudioInfo, Failure, FailureInfo, FileState, Prediction, PredictionSummary, Snippet, Stats,
    StoredSnippet, Tags, TrackDetail, TrackFeatures, TrackId, TrackSummary,
};
use crate::store::{Library, SqlResultExt, path_str};

/// Which tracks [`Library::tracks`] lists.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TrackFilter {
    /// Only tracks whose latest prediction has this genre (exact, case-sensitive).
    pub genre: Option<String>,
    /// Take the latest prediction of this model only; `None`: of any model.
    pub model_id: Option<String>,
    /// Only tracks whose analysis failed.
    pub failed_only: bool,
}

/// SQL for the latest prediction of track `t` (model `?1` or any when NULL).
const LATEST_PREDICTION: &str = "SELECT p.id FROM predictions p WHERE p.track_id = t.id \
     AND (?1 IS NULL OR p.model_id = ?1) ORDER BY p.predicted_at DESC, p.id DESC LIMIT 1";

/// SQL for the latest label of track `t`.
const LATEST_LABEL: &str = "SELECT l.genre FROM labels l WHERE l.track_id = t.id ORDER BY l.created_at DESC, l.id DESC LIMIT 1";

impl Library {
    /// Lists tracks with their latest prediction and label, ordered by path.
    ///
    /// # Errors
    /// [`Error::Sqlite`], [`Error::Corrupt`] for a stored path that is not text.
    pub fn tracks(&self, filter: &TrackFilter) -> Result<Vec<TrackSummary>> {
        let sql = format!(
            "SELECT t.id, t.path, t.duration_s, t.title, t.artist, t.album, t.tag_genre, \
             t.error_kind, t.error_message, p.model_id, p.genre, p.confidence, p.margin, \
             ({LATEST_LABEL}) \
             FROM tracks t LEFT JOIN predictions p ON p.id = ({LATEST_PREDICTION}) \
             WHERE (?2 IS NULL OR p.genre = ?2) AND (?3 = 0 OR t.error_kind IS NOT NULL) \
             ORDER BY t.path"
        );
        let mut stmt = self.conn.prepare_cached(&sql).db(&self.path)?;
        let rows = stmt
            .query_map(
                params![filter.model_id, filter.genre, filter.failed_only],
                |r| {
                    let model: Option<String> = r.get(9)?;
                    let prediction = match model {
                        Some(model_id) => Some(PredictionSummary {
                            model_id,
                            genre: r.get(10)?,
                            confidence: r.get::<_, f64>(11)? as f32,
                            margin: r.get::<_, f64>(12)? as f32,
                        }),
                        None => None,
                    };
                    Ok(TrackSummary {
                        id: TrackId(r.get(0)?),
                        path: PathBuf::from(r.get::<_, String>(1)?),
                        duration_s: r.get(2)?,
                        tags: tags_at(r, 3)?,
                        failure: failure_at(r, 7)?,
                        prediction,
                        label: r.get(13)?,
                    })
                },
            )
            .db(&self.path)?;
        rows.collect::<rusqlite::Result<_>>().db(&self.path)
    }

    /// Counts over the library; genres are those of each track's latest prediction by
    /// `model_id` (or by any model when `None`).
    ///
    /// # Errors
    /// [`Error::Sqlite`].
    pub fn stats(&self, model_id: Option<&str>) -> Result<Stats> {
        let db = &self.path;
        let mut stats = self
            .conn
            .query_row(
                "SELECT count(*), count(*) FILTER (WHERE error_kind IS NULL), \
                 count(*) FILTER (WHERE error_kind IS NOT NULL), \
                 coalesce(sum(duration_s) FILTER (WHERE error_kind IS NULL), 0.0), \
                 (SELECT count(*) FROM snippets), \
                 (SELECT count(DISTINCT track_id) FROM labels), \
                 (SELECT count(*) FROM likes WHERE value > 0), \
                 (SELECT count(*) FROM likes WHERE value < 0) \
                 FROM tracks",
                [],
                |r| {
                    let n = |i| r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
                    Ok(Stats {
                        tracks: n(0)?,
                        analyzed: n(1)?,
                        failed: n(2)?,
                        total_duration_s: r.get(3)?,
                        snippets: n(4)?,
                        labeled: n(5)?,
                        liked: n(6)?,
                        disliked: n(7)?,
                        per_genre: Vec::new(),
                        failures_by_kind: Vec::new(),
                    })
                },
            )
            .db(db)?;
        let counts = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Result<Vec<(String, u64)>> {
            let mut stmt = self.conn.prepare_cached(sql).db(db)?;
            let rows = stmt
                .query_map(args, |r| {
                    Ok((r.get(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0)))
                })
                .db(db)?;
            rows.collect::<rusqlite::Result<_>>().db(db)
        };
        stats.per_genre = counts(
            &format!(
                "SELECT p.genre, count(*) AS n FROM tracks t \
                 JOIN predictions p ON p.id = ({LATEST_PREDICTION}) \
                 GROUP BY p.genre ORDER BY n DESC, p.genre"
            ),
            &[&model_id],
        )?;
        stats.failures_by_kind = counts(
            "SELECT error_kind, count(*) AS n FROM tracks WHERE error_kind IS NOT NULL \
             GROUP BY error_kind ORDER BY n DESC, error_kind",
            &[],
        )?;
        Ok(stats)
    }

    /// Lists failed tracks, ordered by path.
    ///
    /// # Errors
    /// [`Error::Sqlite`].
    pub fn failures(&self) -> Result<Vec<Failure>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT path, error_kind, coalesce(error_message, ''), analyzed_at FROM tracks \
                 WHERE error_kind IS NOT NULL ORDER BY path",
            )
            .db(&self.path)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Failure {
                    path: PathBuf::from(r.get::<_, String>(0)?),
                    failure: FailureInfo {
                        kind: r.get(1)?,
                        message: r.get(2)?,
                    },
                    analyzed_at: r.get(3)?,
                })
            })
            .db(&self.path)?;
        rows.collect::<rusqlite::Result<_>>().db(&self.path)
    }

    /// Everything stored about the track at `path`, or `None` if it is not in the library.
    ///
    /// # Errors
    /// [`Error::Sqlite`], [`Error::Corrupt`] or [`Error::Json`] for undecodable stored values.
    pub fn track(&self, path: &Path) -> Result<Option<TrackDetail>> {
        let db = &self.path;
        let key = path_str(path)?;
        let row = self
            .conn
            .prepare_cached(
                "SELECT id, size, mtime_ns, content_hash, duration_s, sample_rate, channels, \
                 codec, title, artist, album, tag_genre, schema_version, analyzed_at, \
                 error_kind, error_message FROM tracks WHERE path = ?1",
            )
            .db(db)?
            .query_row([key], |r| {
                let audio = match (r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?) {
                    (Some(duration_s), Some(sample_rate), Some(channels), Some(codec)) => {
                        Some(AudioInfo {
                            duration_s,
                            sample_rate,
                            channels,
                            codec,
                        })
                    }
                    _ => None,
                };
                Ok(TrackDetail {
                    id: TrackId(r.get(0)?),
                    file: FileState {
                        path: path.to_path_buf(),
                        size: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                        mtime_ns: r.get(2)?,
                        hash: r.get::<_, Option<i64>>(3)?.map(ContentHash::from_sql),
                    },
                    audio,
                    tags: tags_at(r, 8)?,
                    schema_version: r.get(12)?,
                    analyzed_at: r.get(13)?,
                    failure: failure_at(r, 14)?,
                    snippets: Vec::new(),
                    prediction: None,
                })
            })
            .optional()
            .db(db)?;
        let Some(mut detail) = row else {
            return Ok(None);
        };
        detail.snippets = self.snippets_of(detail.id)?;
        detail.prediction = self.latest_prediction(detail.id)?;
        Ok(Some(detail))
    }

    /// Stored features of analyzed tracks that have no prediction by `model_id` yet and whose
    /// snippets all have schema `schema_version`, ordered by path: the input for predicting
    /// with a new model without decoding again.
    ///
    /// # Errors
    /// [`Error::Sqlite`], [`Error::Corrupt`] for a malformed feature BLOB.
    pub fn tracks_to_predict(
        &self,
        model_id: &str,
        schema_version: u32,
    ) -> Result<Vec<TrackFeatures>> {
        let db = &self.path;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.id, t.path, s.features FROM tracks t JOIN snippets s ON s.track_id = t.id \
                 WHERE t.error_kind IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM predictions p WHERE p.track_id = t.id AND p.model_id = ?1) \
                 AND NOT EXISTS (SELECT 1 FROM snippets o WHERE o.track_id = t.id AND o.schema_version != ?2) \
                 ORDER BY t.path, s.idx",
            )
            .db(db)?;
        let mut rows = stmt.query(params![model_id, schema_version]).db(db)?;
        let mut out: Vec<TrackFeatures> = Vec::new();
        while let Some(r) = rows.next().db(db)? {
            let id = TrackId(r.get(0).db(db)?);
            let features = self.features_at(r, 2)?;
            match out.last_mut() {
                Some(last) if last.id == id => last.snippets.push(features),
                _ => out.push(TrackFeatures {
                    id,
                    path: PathBuf::from(r.get::<_, String>(1).db(db)?),
                    snippets: vec![features],
                }),
            }
        }
        Ok(out)
    }

    /// The snippets of track `id` in order.
    fn snippets_of(&self, id: TrackId) -> Result<Vec<StoredSnippet>> {
        let db = &self.path;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT idx, start_s, end_s, n_samples, schema_version, features FROM snippets \
                 WHERE track_id = ?1 ORDER BY idx",
            )
            .db(db)?;
        let mut rows = stmt.query([id.0]).db(db)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().db(db)? {
            out.push(StoredSnippet {
                index: r.get(0).db(db)?,
                schema_version: r.get(4).db(db)?,
                snippet: Snippet {
                    start_s: r.get(1).db(db)?,
                    end_s: r.get(2).db(db)?,
                    n_samples: u64::try_from(r.get::<_, i64>(3).db(db)?).unwrap_or(0),
                    features: self.features_at(r, 5)?,
                },
            });
        }
        Ok(out)
    }

    /// The latest prediction of track `id` by any model.
    fn latest_prediction(&self, id: TrackId) -> Result<Option<Prediction>> {
        let db = &self.path;
        let row: Option<(String, String, f64, f64, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT model_id, genre, confidence, margin, probabilities, snippet_probabilities \
                 FROM predictions WHERE track_id = ?1 ORDER BY predicted_at DESC, id DESC LIMIT 1",
            )
            .db(db)?
            .query_row([id.0], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .optional()
            .db(db)?;
        let Some((model_id, genre, confidence, margin, probs, snippets)) = row else {
            return Ok(None);
        };
        let json = |source| Error::Json {
            db: db.clone(),
            source,
        };
        Ok(Some(Prediction {
            model_id,
            genre,
            confidence: confidence as f32,
            margin: margin as f32,
            probabilities: serde_json::from_str::<BTreeMap<String, f32>>(&probs).map_err(json)?,
            snippets: serde_json::from_str(&snippets).map_err(json)?,
        }))
    }

    /// Decodes the feature BLOB in column `i` of `r`, or reports the database as corrupt.
    pub(crate) fn features_at(&self, r: &Row<'_>, i: usize) -> Result<Vec<f32>> {
        let corrupt = |what: String| Error::Corrupt {
            db: self.path.clone(),
            what,
        };
        let bytes = r
            .get_ref(i)
            .db(&self.path)?
            .as_blob()
            .map_err(|e| corrupt(format!("a feature vector is not a BLOB: {e}")))?;
        blob::decode(bytes).ok_or_else(|| {
            corrupt(format!(
                "a feature BLOB has {} bytes, not a multiple of 4",
                bytes.len()
            ))
        })
    }
}

/// Reads the tag columns title, artist, album and genre at `i` to `i + 3`.
pub(crate) fn tags_at(r: &Row<'_>, i: usize) -> rusqlite::Result<Tags> {
    Ok(Tags {
        title: r.get(i)?,
        artist: r.get(i + 1)?,
        album: r.get(i + 2)?,
        genre: r.get(i + 3)?,
    })
}

/// Reads the failure columns `kind` at `i` and message at `i + 1`.
fn failure_at(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<FailureInfo>> {
    let kind: Option<String> = r.get(i)?;
    Ok(match kind {
        Some(kind) => Some(FailureInfo {
            kind,
            message: r.get::<_, Option<String>>(i + 1)?.unwrap_or_default(),
        }),
        None => None,
    })
}
