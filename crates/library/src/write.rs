//! Transactional writes of analysis results: [`Batch`].

use std::path::Path;

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use crate::blob;
use crate::error::{Error, Result};
use crate::records::{AnalyzedTrack, FailedTrack, FeatureSchema, FileState, Prediction, TrackId};
use crate::store::{Library, SqlResultExt, now_s, path_str};

/// One write transaction holding a batch of finished tracks.
///
/// Each `put_*` call writes one track completely (its row, snippets and prediction) or not at
/// all, inside a savepoint. Nothing is visible to others or survives a crash until
/// [`Batch::commit`]; dropping the batch rolls every track of it back. So a run killed in the
/// middle keeps every committed batch and never leaves half a track.
#[derive(Debug)]
pub struct Batch<'a> {
    tx: Transaction<'a>,
    db: &'a Path,
    schema: &'a FeatureSchema,
    feature_set_id: i64,
    now: i64,
    tracks: usize,
}

impl Library {
    /// Starts a write transaction for results computed with `schema`.
    ///
    /// Takes the write lock immediately (waiting up to the busy timeout), and records the
    /// schema's feature names the first time a version is seen.
    ///
    /// # Errors
    /// [`Error::SchemaConflict`] when the library holds other names for this schema version,
    /// [`Error::Sqlite`] when the database is locked or fails.
    pub fn batch<'a>(&'a mut self, schema: &'a FeatureSchema) -> Result<Batch<'a>> {
        let db: &Path = &self.path;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .db(db)?;
        let feature_set_id = feature_set_id(&tx, db, schema)?;
        Ok(Batch {
            tx,
            db,
            schema,
            feature_set_id,
            now: now_s(),
            tracks: 0,
        })
    }
}

/// Finds or inserts the `feature_sets` row of `schema`.
fn feature_set_id(tx: &Transaction<'_>, db: &Path, schema: &FeatureSchema) -> Result<i64> {
    let names = serde_json::to_string(&schema.names).map_err(|source| Error::Json {
        db: db.to_path_buf(),
        source,
    })?;
    let found: Option<(i64, String)> = tx
        .query_row(
            "SELECT id, names FROM feature_sets WHERE schema_version = ?1",
            [schema.version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .db(db)?;
    match found {
        Some((id, stored)) if stored == names => Ok(id),
        Some(_) => Err(Error::SchemaConflict {
            db: db.to_path_buf(),
            version: schema.version,
        }),
        None => {
            tx.execute(
                "INSERT INTO feature_sets (schema_version, names) VALUES (?1, ?2)",
                params![schema.version, names],
            )
            .db(db)?;
            Ok(tx.last_insert_rowid())
        }
    }
}

impl Batch<'_> {
    /// Writes an analyzed track: replaces any earlier row for its path, its snippets and
    /// predictions (labels and likes are kept).
    ///
    /// # Errors
    /// [`Error::FeatureLength`] when a vector's length differs from the schema's name count,
    /// [`Error::NonUtf8Path`], [`Error::Sqlite`]. On error nothing of this track is written and
    /// the batch stays usable.
    pub fn put_analyzed(&mut self, track: &AnalyzedTrack) -> Result<TrackId> {
        let expected = self.schema.names.len();
        if let Some((snippet, s)) = track
            .snippets
            .iter()
            .enumerate()
            .find(|(_, s)| s.features.len() != expected)
        {
            return Err(Error::FeatureLength {
                path: track.file.path.clone(),
                snippet,
                expected,
                actual: s.features.len(),
            });
        }
        let path = path_str(&track.file.path)?;
        let (db, version, set_id, now) =
            (self.db, self.schema.version, self.feature_set_id, self.now);
        let sp = self.tx.savepoint().db(db)?;
        let id = upsert_track(
            &sp,
            db,
            path,
            &track.file,
            now,
            version,
            TrackRow::Analyzed(track),
        )?;
        {
            let mut insert = sp
                .prepare_cached(
                    "INSERT INTO snippets (track_id, idx, start_s, end_s, n_samples, \
                     schema_version, feature_set_id, features) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .db(db)?;
            for (i, s) in track.snippets.iter().enumerate() {
                insert
                    .execute(params![
                        id,
                        i64::try_from(i).unwrap_or(i64::MAX),
                        s.start_s,
                        s.end_s,
                        i64::try_from(s.n_samples).unwrap_or(i64::MAX),
                        version,
                        set_id,
                        blob::encode(&s.features),
                    ])
                    .db(db)?;
            }
        }
        if let Some(p) = &track.prediction {
            insert_prediction(&sp, db, id, p, now)?;
        }
        sp.commit().db(db)?;
        self.tracks += 1;
        Ok(TrackId(id))
    }

    /// Writes a failed track: replaces any earlier row for its path and drops its snippets and
    /// predictions (labels and likes are kept).
    ///
    /// # Errors
    /// [`Error::NonUtf8Path`], [`Error::Sqlite`]; on error nothing of this track is written.
    pub fn put_failed(&mut self, track: &FailedTrack) -> Result<TrackId> {
        let path = path_str(&track.file.path)?;
        let (db, version, now) = (self.db, self.schema.version, self.now);
        let sp = self.tx.savepoint().db(db)?;
        let id = upsert_track(
            &sp,
            db,
            path,
            &track.file,
            now,
            version,
            TrackRow::Failed(track),
        )?;
        sp.commit().db(db)?;
        self.tracks += 1;
        Ok(TrackId(id))
    }

    /// Writes (or replaces) the prediction of model `prediction.model_id` for a stored track,
    /// for re-predicting from stored features with a new model.
    ///
    /// # Errors
    /// [`Error::Sqlite`], also when `track` does not exist (foreign key).
    pub fn put_prediction(&mut self, track: TrackId, prediction: &Prediction) -> Result<()> {
        insert_prediction(&self.tx, self.db, track.0, prediction, self.now)
    }

    /// Number of tracks written in this batch so far.
    pub fn len(&self) -> usize {
        self.tracks
    }

    /// True when no track was written yet.
    pub fn is_empty(&self) -> bool {
        self.tracks == 0
    }

    /// Commits the batch; returns the number of tracks written.
    ///
    /// # Errors
    /// [`Error::Sqlite`] (for example a full disk); then nothing of the batch is stored.
    pub fn commit(self) -> Result<usize> {
        self.tx.commit().db(self.db)?;
        Ok(self.tracks)
    }
}

/// What goes into the non-file columns of a track row.
enum TrackRow<'t> {
    Analyzed(&'t AnalyzedTrack),
    Failed(&'t FailedTrack),
}

/// Inserts or replaces the row of `path`, clears its snippets and predictions, returns its id.
fn upsert_track(
    conn: &rusqlite::Connection,
    db: &Path,
    path: &str,
    file: &FileState,
    now: i64,
    schema_version: u32,
    row: TrackRow<'_>,
) -> Result<i64> {
    let (audio, tags, error) = match row {
        TrackRow::Analyzed(t) => (Some(&t.audio), Some(&t.tags), None),
        TrackRow::Failed(f) => (None, None, Some((&f.kind, &f.message))),
    };
    let id: i64 = conn
        .prepare_cached(
            "INSERT INTO tracks (path, size, mtime_ns, content_hash, duration_s, sample_rate, \
             channels, codec, title, artist, album, tag_genre, schema_version, analyzed_at, \
             error_kind, error_message) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) \
             ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, \
             content_hash = excluded.content_hash, duration_s = excluded.duration_s, \
             sample_rate = excluded.sample_rate, channels = excluded.channels, \
             codec = excluded.codec, title = excluded.title, artist = excluded.artist, \
             album = excluded.album, tag_genre = excluded.tag_genre, \
             schema_version = excluded.schema_version, analyzed_at = excluded.analyzed_at, \
             error_kind = excluded.error_kind, error_message = excluded.error_message \
             RETURNING id",
        )
        .db(db)?
        .query_row(
            params![
                path,
                i64::try_from(file.size).unwrap_or(i64::MAX),
                file.mtime_ns,
                file.hash.map(|h| h.to_sql()),
                audio.map(|a| a.duration_s),
                audio.map(|a| a.sample_rate),
                audio.map(|a| a.channels),
                audio.map(|a| a.codec.as_str()),
                tags.and_then(|t| t.title.as_deref()),
                tags.and_then(|t| t.artist.as_deref()),
                tags.and_then(|t| t.album.as_deref()),
                tags.and_then(|t| t.genre.as_deref()),
                schema_version,
                now,
                error.map(|e| e.0.as_str()),
                error.map(|e| e.1.as_str()),
            ],
            |r| r.get(0),
        )
        .db(db)?;
    conn.prepare_cached("DELETE FROM snippets WHERE track_id = ?1")
        .db(db)?
        .execute([id])
        .db(db)?;
    conn.prepare_cached("DELETE FROM predictions WHERE track_id = ?1")
        .db(db)?
        .execute([id])
        .db(db)?;
    Ok(id)
}

/// Inserts or replaces the prediction of `p.model_id` for track `id`.
fn insert_prediction(
    conn: &rusqlite::Connection,
    db: &Path,
    id: i64,
    p: &Prediction,
    now: i64,
) -> Result<()> {
    let probabilities = to_json(db, &p.probabilities)?;
    let snippets = to_json(db, &p.snippets)?;
    conn.prepare_cached(
        "INSERT INTO predictions (track_id, model_id, genre, confidence, margin, probabilities, \
         snippet_probabilities, predicted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (track_id, model_id) DO UPDATE SET genre = excluded.genre, \
         confidence = excluded.confidence, margin = excluded.margin, \
         probabilities = excluded.probabilities, \
         snippet_probabilities = excluded.snippet_probabilities, \
         predicted_at = excluded.predicted_at",
    )
    .db(db)?
    .execute(params![
        id,
        p.model_id,
        p.genre,
        f64::from(p.confidence),
        f64::from(p.margin),
        probabilities,
        snippets,
        now,
    ])
    .db(db)?;
    Ok(())
}

/// Serializes `value` for a JSON column.
fn to_json<T: serde::Serialize>(db: &Path, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|source| Error::Json {
        db: db.to_path_buf(),
        source,
    })
}
