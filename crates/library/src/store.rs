//! The [`Library`] handle: opening, configuring and migrating the SQLite database.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::migrations::{self, MigrateError};

/// How long a call waits for another process's write lock before failing with "database is
/// locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A genrekit music library stored in one SQLite file.
///
/// Every open sets WAL journaling, `foreign_keys = ON`, a busy timeout, and applies pending
/// migrations in one exclusive transaction. Reads go through `&self`; writes of analysis results
/// go through a [`Batch`](crate::Batch), one transaction per batch.
#[derive(Debug)]
pub struct Library {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

impl Library {
    /// Opens (creating if needed, with its parent folders) the library database at `path`.
    ///
    /// # Errors
    /// [`Error::Io`] when the folder cannot be created, [`Error::Sqlite`] when the file is not
    /// a database or cannot be opened, [`Error::TooNew`] when a newer genrekit wrote it.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| Error::Sqlite {
            db: path.to_path_buf(),
            source,
        })?;
        Self::setup(conn, path.to_path_buf(), true)
    }

    /// Opens a private in-memory library, for tests and dry runs.
    ///
    /// # Errors
    /// [`Error::Sqlite`] if SQLite cannot allocate it.
    pub fn open_in_memory() -> Result<Self> {
        let db = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| Error::Sqlite {
            db: db.clone(),
            source,
        })?;
        Self::setup(conn, db, false)
    }

    /// The default database file: `$XDG_DATA_HOME/genrekit/library.db`, else
    /// `~/.local/share/genrekit/library.db`.
    ///
    /// # Errors
    /// [`Error::NoDataDir`] when neither variable is set to an absolute path.
    pub fn default_path() -> Result<PathBuf> {
        default_path_from(std::env::var_os("XDG_DATA_HOME"), std::env::var_os("HOME"))
            .ok_or(Error::NoDataDir)
    }

    /// The database file this library was opened from (`:memory:` for an in-memory one).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the database (SQLite `user_version`): the number of migrations
    /// applied.
    ///
    /// # Errors
    /// [`Error::Sqlite`] if the query fails.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .db(&self.path)
    }

    fn setup(conn: Connection, path: PathBuf, wal: bool) -> Result<Self> {
        Self::setup_with(conn, path, wal, migrations::MIGRATIONS)
    }

    /// Configures `conn` and applies `list` of migrations; tests pass an older list.
    pub(crate) fn setup_with(
        mut conn: Connection,
        path: PathBuf,
        wal: bool,
        list: &[&str],
    ) -> Result<Self> {
        conn.busy_timeout(BUSY_TIMEOUT).db(&path)?;
        if wal {
            // Returns the resulting mode as a row; `pragma_update` would reject that row.
            let _mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .db(&path)?;
            // In WAL mode NORMAL keeps the database consistent on a crash, and may lose only
            // the last commits on power loss.
            conn.pragma_update(None, "synchronous", "NORMAL")
                .db(&path)?;
        }
        conn.pragma_update(None, "foreign_keys", true).db(&path)?;
        match migrations::migrate(&mut conn, list) {
            Ok(_) => {}
            Err(MigrateError::TooNew { found, known }) => {
                return Err(Error::TooNew {
                    db: path,
                    found,
                    known,
                });
            }
            Err(MigrateError::Sqlite(source)) => return Err(Error::Sqlite { db: path, source }),
        }
        Ok(Library { conn, path })
    }
}

/// The default database path given the values of `XDG_DATA_HOME` and `HOME`.
///
/// A relative `XDG_DATA_HOME` is ignored, as the XDG Base Directory spec says.
pub(crate) fn default_path_from(xdg: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let base = xdg
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|h| h.join(".local").join("share"))
        })?;
    Some(base.join("genrekit").join("library.db"))
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_s() -> i64 {
    crate::scan::system_time_ns(SystemTime::now()) / 1_000_000_000
}

/// Attaches the database path to SQLite errors.
pub(crate) trait SqlResultExt<T> {
    /// Maps an SQLite error to [`Error::Sqlite`] naming `db`.
    fn db(self, db: &Path) -> Result<T>;
}

impl<T> SqlResultExt<T> for rusqlite::Result<T> {
    fn db(self, db: &Path) -> Result<T> {
        self.map_err(|source| Error::Sqlite {
            db: db.to_path_buf(),
            source,
        })
    }
}

/// The path as UTF-8 text for the `tracks.path` column.
pub(crate) fn path_str(path: &Path) -> Result<&str> {
    path.to_str().ok_or_else(|| Error::NonUtf8Path {
        path: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_path_prefers_absolute_xdg_then_home() {
        let p = default_path_from(Some("/x/data".into()), Some("/home/u".into()));
        assert_eq!(p.unwrap(), Path::new("/x/data/genrekit/library.db"));
        let p = default_path_from(Some("rel/data".into()), Some("/home/u".into()));
        assert_eq!(
            p.unwrap(),
            Path::new("/home/u/.local/share/genrekit/library.db")
        );
        let p = default_path_from(None, Some("/home/u".into()));
        assert_eq!(
            p.unwrap(),
            Path::new("/home/u/.local/share/genrekit/library.db")
        );
        assert_eq!(default_path_from(None, None), None);
    }

    #[test]
    fn open_sets_pragmas_and_creates_parent_folders() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/library.db");
        let lib = Library::open(&path).unwrap();
        assert_eq!(lib.path(), path);
        let mode: String = lib
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = lib
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        assert_eq!(
            lib.schema_version().unwrap(),
            migrations::MIGRATIONS.len() as i64
        );
        drop(lib);
        // Reopening migrates nothing and keeps the version.
        let lib = Library::open(&path).unwrap();
        assert_eq!(
            lib.schema_version().unwrap(),
            migrations::MIGRATIONS.len() as i64
        );
    }

    #[test]
    fn not_a_database_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("library.db");
        std::fs::write(&path, vec![b'z'; 4096]).unwrap();
        let err = Library::open(&path).unwrap_err();
        assert!(matches!(err, Error::Sqlite { .. }), "{err:?}");
        assert!(err.to_string().contains("library.db"), "{err}");
    }

    #[test]
    fn a_later_migration_upgrades_a_database_with_data() {
        use crate::records::{AnalyzedTrack, AudioInfo, FeatureSchema, FileState, Snippet, Tags};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("library.db");
        let mut lib = Library::open(&path).unwrap();
        let schema = FeatureSchema::new(1, ["a"]);
        let mut batch = lib.batch(&schema).unwrap();
        let track = AnalyzedTrack {
            file: FileState {
                path: "/m/a.mp3".into(),
                size: 1,
                mtime_ns: 2,
                hash: None,
            },
            audio: AudioInfo {
                duration_s: 3.0,
                sample_rate: 8000,
                channels: 1,
                codec: "mp3".into(),
            },
            tags: Tags::default(),
            snippets: vec![Snippet {
                start_s: 0.0,
                end_s: 3.0,
                n_samples: 66150,
                features: vec![4.0],
            }],
            prediction: None,
        };
        batch.put_analyzed(&track).unwrap();
        batch.commit().unwrap();
        drop(lib);

        // A future list: today's entries plus one; and one whose new entry fails.
        let mut future: Vec<&str> = migrations::MIGRATIONS.to_vec();
        future.push("ALTER TABLE tracks ADD COLUMN bpm REAL; UPDATE tracks SET bpm = 120.0;");
        let mut broken = migrations::MIGRATIONS.to_vec();
        broken.push("ALTER TABLE tracks ADD COLUMN bpm REAL; SELECT nonsense FROM nowhere;");
        let conn = Connection::open(&path).unwrap();
        assert!(Library::setup_with(conn, path.clone(), true, &broken).is_err());
        let lib = Library::open(&path).unwrap();
        assert_eq!(
            lib.schema_version().unwrap(),
            migrations::MIGRATIONS.len() as i64
        );
        drop(lib);

        let conn = Connection::open(&path).unwrap();
        let lib = Library::setup_with(conn, path.clone(), true, &future).unwrap();
        assert_eq!(lib.schema_version().unwrap(), future.len() as i64);
        let bpm: f64 = lib
            .conn
            .query_row("SELECT bpm FROM tracks", [], |r| r.get(0))
            .unwrap();
        assert_eq!(bpm, 120.0);
        let detail = lib
            .track(std::path::Path::new("/m/a.mp3"))
            .unwrap()
            .unwrap();
        assert_eq!(detail.snippets[0].snippet.features, [4.0]);
    }

    #[test]
    fn newer_database_is_refused_with_advice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("library.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA user_version = 1000").unwrap();
        drop(conn);
        let err = Library::open(&path).unwrap_err();
        assert!(matches!(err, Error::TooNew { found: 1000, .. }), "{err:?}");
        assert!(err.to_string().contains("upgrade genrekit"), "{err}");
    }
}
