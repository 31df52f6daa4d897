//! What people tell the library: genre labels and likes.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};

use crate::error::{Error, Result};
use crate::records::{Label, Like, TrackId};
use crate::store::{Library, SqlResultExt, now_s, path_str};

impl Library {
    /// The id of the track at `path`.
    ///
    /// # Errors
    /// [`Error::UnknownTrack`] when it is not in the library, [`Error::Sqlite`].
    pub fn track_id(&self, path: &Path) -> Result<TrackId> {
        self.conn
            .prepare_cached("SELECT id FROM tracks WHERE path = ?1")
            .db(&self.path)?
            .query_row([path_str(path)?], |r| r.get(0))
            .optional()
            .db(&self.path)?
            .map(TrackId)
            .ok_or_else(|| Error::UnknownTrack {
                path: path.to_path_buf(),
            })
    }

    /// Records that the track at `path` has genre `genre`, said by `source` (such as `user`).
    /// Earlier labels are kept as history; the latest one counts.
    ///
    /// # Errors
    /// [`Error::UnknownTrack`], [`Error::Sqlite`].
    pub fn add_label(&self, path: &Path, genre: &str, source: &str) -> Result<()> {
        let id = self.track_id(path)?;
        self.conn
            .execute(
                "INSERT INTO labels (track_id, genre, source, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id.0, genre, source, now_s()],
            )
            .db(&self.path)?;
        Ok(())
    }

    /// Records many labels (path, genre) said by `source` in one transaction. Returns one
    /// result per label, in order: a path that is not in the library gets
    /// [`Error::UnknownTrack`] and the others are still recorded.
    ///
    /// # Errors
    /// [`Error::Sqlite`] when the transaction cannot start or commit (then nothing is stored).
    pub fn add_labels(
        &self,
        labels: &[(PathBuf, String)],
        source: &str,
    ) -> Result<Vec<Result<()>>> {
        let tx = self.conn.unchecked_transaction().db(&self.path)?;
        let mut results = Vec::with_capacity(labels.len());
        for (path, genre) in labels {
            results.push(self.add_label(path, genre, source));
        }
        tx.commit().db(&self.path)?;
        Ok(results)
    }

    /// The latest label of the track at `path`, if any.
    ///
    /// # Errors
    /// [`Error::UnknownTrack`], [`Error::Sqlite`].
    pub fn label(&self, path: &Path) -> Result<Option<Label>> {
        let id = self.track_id(path)?;
        self.conn
            .query_row(
                "SELECT genre, source, created_at FROM labels WHERE track_id = ?1 \
                 ORDER BY created_at DESC, id DESC LIMIT 1",
                [id.0],
                |r| {
                    Ok(Label {
                        genre: r.get(0)?,
                        source: r.get(1)?,
                        created_at: r.get(2)?,
                    })
                },
            )
            .optional()
            .db(&self.path)
    }

    /// The latest label of every labeled track, ordered by path.
    ///
    /// # Errors
    /// [`Error::Sqlite`].
    pub fn labels(&self) -> Result<Vec<(PathBuf, Label)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.path, l.genre, l.source, l.created_at FROM tracks t JOIN labels l \
                 ON l.id = (SELECT id FROM labels WHERE track_id = t.id \
                     ORDER BY created_at DESC, id DESC LIMIT 1) ORDER BY t.path",
            )
            .db(&self.path)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    PathBuf::from(r.get::<_, String>(0)?),
                    Label {
                        genre: r.get(1)?,
                        source: r.get(2)?,
                        created_at: r.get(3)?,
                    },
                ))
            })
            .db(&self.path)?;
        rows.collect::<rusqlite::Result<_>>().db(&self.path)
    }

    /// Sets (or replaces) the like or dislike of the track at `path`.
    ///
    /// # Errors
    /// [`Error::UnknownTrack`], [`Error::Sqlite`].
    pub fn set_like(&self, path: &Path, like: Like) -> Result<()> {
        let id = self.track_id(path)?;
        self.conn
            .execute(
                "INSERT INTO likes (track_id, value, created_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (track_id) DO UPDATE SET value = excluded.value, \
                 created_at = excluded.created_at",
                params![id.0, like.value(), now_s()],
            )
            .db(&self.path)?;
        Ok(())
    }

    /// Removes the like or dislike of the track at `path`; returns whether there was one.
    ///
    /// # Errors
    /// [`Error::UnknownTrack`], [`Error::Sqlite`].
    pub fn clear_like(&self, path: &Path) -> Result<bool> {
        let id = self.track_id(path)?;
        let n = self
            .conn
            .execute("DELETE FROM likes WHERE track_id = ?1", [id.0])
            .db(&self.path)?;
        Ok(n > 0)
    }

    /// The like or dislike of the track at `path`, if any.
    ///
    /// # Errors
    /// [`Error::UnknownTrack`], [`Error::Sqlite`].
    pub fn like(&self, path: &Path) -> Result<Option<Like>> {
        let id = self.track_id(path)?;
        self.conn
            .query_row("SELECT value FROM likes WHERE track_id = ?1", [id.0], |r| {
                r.get::<_, i64>(0)
            })
            .optional()
            .db(&self.path)
            .map(|v| v.map(Like::from_value))
    }

    /// Every liked or disliked track, ordered by path.
    ///
    /// # Errors
    /// [`Error::Sqlite`].
    pub fn likes(&self) -> Result<Vec<(PathBuf, Like)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.path, k.value FROM likes k JOIN tracks t ON t.id = k.track_id ORDER BY t.path",
            )
            .db(&self.path)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    PathBuf::from(r.get::<_, String>(0)?),
                    Like::from_value(r.get(1)?),
                ))
            })
            .db(&self.path)?;
        rows.collect::<rusqlite::Result<_>>().db(&self.path)
    }

    /// Removes the track at `path` with its snippets, predictions, labels and likes; returns
    /// whether it was there (for files deleted from the music folder).
    ///
    /// # Errors
    /// [`Error::Sqlite`].
    pub fn forget(&self, path: &Path) -> Result<bool> {
        let n = self
            .conn
            .execute("DELETE FROM tracks WHERE path = ?1", [path_str(path)?])
            .db(&self.path)?;
        Ok(n > 0)
    }
}
