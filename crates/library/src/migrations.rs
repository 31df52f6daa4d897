//! Versioned schema migrations, tracked by SQLite's `PRAGMA user_version`.
//!
//! The list is append-only: migration `i` (0-based) moves a database from `user_version = i` to
//! `i + 1`. All pending migrations run in one exclusive transaction, so a database is never left
//! half-migrated. Never remove or edit a migration entry from the list; add a new one instead
//! (cargo `src/cargo/util/sqlite.rs` does the same).

use rusqlite::{Connection, TransactionBehavior};

/// The migrations, oldest first. Never remove or edit an entry: append a new one.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE feature_sets (
        id             INTEGER PRIMARY KEY,
        schema_version INTEGER NOT NULL UNIQUE,
        names          TEXT    NOT NULL -- JSON array of feature names, in vector order
    );

    CREATE TABLE tracks (
        id            INTEGER PRIMARY KEY,
        path          TEXT    NOT NULL UNIQUE,
        size          INTEGER NOT NULL,
        mtime_ns      INTEGER NOT NULL, -- modification time, ns since the Unix epoch
        content_hash  INTEGER,          -- xxh3-64 of the whole file, bit-cast to i64
        duration_s    REAL,
        sample_rate   INTEGER,
        channels      INTEGER,
        codec         TEXT,
        title         TEXT,
        artist        TEXT,
        album         TEXT,
        tag_genre     TEXT,
        schema_version INTEGER NOT NULL, -- feature schema the analysis ran with
        analyzed_at   INTEGER NOT NULL, -- Unix seconds
        error_kind    TEXT,             -- NULL when the analysis succeeded
        error_message TEXT
    );
    CREATE INDEX tracks_error_kind ON tracks(error_kind) WHERE error_kind IS NOT NULL;

    CREATE TABLE snippets (
        id             INTEGER PRIMARY KEY,
        track_id       INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
        idx            INTEGER NOT NULL,
        start_s        REAL    NOT NULL,
        end_s          REAL    NOT NULL,
        n_samples      INTEGER NOT NULL,
        schema_version INTEGER NOT NULL,
        feature_set_id INTEGER NOT NULL REFERENCES feature_sets(id),
        features       BLOB    NOT NULL, -- little-endian f32, one per feature name
        UNIQUE (track_id, idx)
    );
    CREATE INDEX snippets_schema ON snippets(schema_version);

    CREATE TABLE predictions (
        id            INTEGER PRIMARY KEY,
        track_id      INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
        model_id      TEXT    NOT NULL,
        genre         TEXT    NOT NULL,
        confidence    REAL    NOT NULL,
        margin        REAL    NOT NULL,
        probabilities TEXT    NOT NULL, -- JSON object genre -> probability
        snippet_probabilities TEXT NOT NULL, -- JSON array of such objects, in snippet order
        predicted_at  INTEGER NOT NULL,
        UNIQUE (track_id, model_id)
    );
    CREATE INDEX predictions_genre ON predictions(genre);

    CREATE TABLE labels (
        id         INTEGER PRIMARY KEY,
        track_id   INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
        genre      TEXT    NOT NULL,
        source     TEXT    NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX labels_track ON labels(track_id);
    CREATE INDEX labels_genre ON labels(genre);

    CREATE TABLE likes (
        track_id   INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
        value      INTEGER NOT NULL CHECK (value IN (-1, 1)),
        created_at INTEGER NOT NULL
    );
    CREATE INDEX likes_value ON likes(value);
    "#,
];

/// Outcome of [`migrate`]: the versions before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Migrated {
    /// `user_version` found on open.
    pub(crate) from: i64,
    /// `user_version` after migrating.
    pub(crate) to: i64,
}

/// Why [`migrate`] failed.
#[derive(Debug)]
pub(crate) enum MigrateError {
    /// The database is newer than `migrations`.
    TooNew { found: i64, known: i64 },
    /// SQLite failed.
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sqlite(e)
    }
}

/// Applies the pending entries of `migrations` to `conn` in one exclusive transaction.
///
/// Reads `user_version` inside the transaction, so two processes opening the same new file
/// migrate it once.
pub(crate) fn migrate(
    conn: &mut Connection,
    migrations: &[&str],
) -> Result<Migrated, MigrateError> {
    let known = i64::try_from(migrations.len()).unwrap_or(i64::MAX);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    let from: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if from > known {
        return Err(MigrateError::TooNew { found: from, known });
    }
    let start = usize::try_from(from).unwrap_or(0);
    for sql in migrations.iter().skip(start) {
        tx.execute_batch(sql)?;
    }
    if from != known {
        // PRAGMA takes no bound parameters; `known` is an integer we computed.
        tx.execute_batch(&format!("PRAGMA user_version = {known}"))?;
    }
    tx.commit()?;
    Ok(Migrated { from, to: known })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn fresh_database_gets_every_migration() {
        let mut conn = Connection::open_in_memory().unwrap();
        let m = migrate(&mut conn, MIGRATIONS).unwrap();
        assert_eq!(m.from, 0);
        assert_eq!(m.to, MIGRATIONS.len() as i64);
        assert_eq!(version(&conn), MIGRATIONS.len() as i64);
        // Idempotent.
        let again = migrate(&mut conn, MIGRATIONS).unwrap();
        assert_eq!(again.from, again.to);
    }

    #[test]
    fn pending_migrations_apply_in_order() {
        let mut conn = Connection::open_in_memory().unwrap();
        let v1 = ["CREATE TABLE t (a INTEGER);"];
        migrate(&mut conn, &v1).unwrap();
        conn.execute("INSERT INTO t (a) VALUES (7)", []).unwrap();
        let v2 = [v1[0], "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x';"];
        let m = migrate(&mut conn, &v2).unwrap();
        assert_eq!((m.from, m.to), (1, 2));
        let (a, b): (i64, String) = conn
            .query_row("SELECT a, b FROM t", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!((a, b.as_str()), (7, "x"));
    }

    #[test]
    fn failing_migration_leaves_nothing_behind() {
        let mut conn = Connection::open_in_memory().unwrap();
        let bad = ["CREATE TABLE t (a INTEGER);", "CREATE TABLE u (; nonsense"];
        assert!(migrate(&mut conn, &bad).is_err());
        assert_eq!(version(&conn), 0);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0, "the first migration must have rolled back too");
    }

    #[test]
    fn newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
        match migrate(&mut conn, MIGRATIONS) {
            Err(MigrateError::TooNew { found: 99, .. }) => {}
            other => panic!("expected TooNew, got {other:?}"),
        }
    }
}
