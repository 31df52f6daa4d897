//! Incremental scanning: deciding whether a file must be decoded again.

use rusqlite::OptionalExtension;

use crate::error::Result;
use crate::hash::{ContentHash, content_hash};
use crate::records::{AnalyzeReason, Decision, SkipReason};
use crate::scan::ScannedFile;
use crate::store::{Library, SqlResultExt, path_str};

/// What the library remembers about a file, for [`decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stored {
    size: u64,
    mtime_ns: i64,
    hash: Option<ContentHash>,
    /// Schema version the analysis (or failure) ran with.
    schema_version: u32,
    failed: bool,
    /// Snippets stored for the track, and how many of them have another schema version.
    snippets: u64,
    outdated_snippets: u64,
}

impl Library {
    /// Decides whether `file` must be analyzed with feature schema `schema_version`.
    ///
    /// A file whose size and mtime equal the stored ones is not hashed. If only the mtime
    /// changed, the file is hashed: an equal hash updates the stored mtime and skips the file
    /// ([`SkipReason::Touched`]); the computed hash is returned with an `Analyze` decision so
    /// it need not be computed again. A track whose stored features have another schema version
    /// is analyzed again. A stored failure with the same file and schema is skipped
    /// ([`SkipReason::PreviouslyFailed`]); retrying it is the caller's choice.
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) when hashing fails, [`Error::NonUtf8Path`](crate::Error::NonUtf8Path),
    /// [`Error::Sqlite`](crate::Error::Sqlite).
    pub fn check(&self, file: &ScannedFile, schema_version: u32) -> Result<Decision> {
        let path = path_str(&file.path)?;
        let stored = self
            .conn
            .prepare_cached(
                "SELECT t.size, t.mtime_ns, t.content_hash, t.schema_version, \
                 t.error_kind IS NOT NULL, \
                 (SELECT count(*) FROM snippets s WHERE s.track_id = t.id), \
                 (SELECT count(*) FROM snippets s WHERE s.track_id = t.id \
                     AND s.schema_version != ?2) \
                 FROM tracks t WHERE t.path = ?1",
            )
            .db(&self.path)?
            .query_row(rusqlite::params![path, schema_version], |r| {
                Ok(Stored {
                    size: r.get::<_, i64>(0)?.try_into().unwrap_or(u64::MAX),
                    mtime_ns: r.get(1)?,
                    hash: r.get::<_, Option<i64>>(2)?.map(ContentHash::from_sql),
                    schema_version: r.get(3)?,
                    failed: r.get(4)?,
                    snippets: r.get::<_, i64>(5)?.try_into().unwrap_or(0),
                    outdated_snippets: r.get::<_, i64>(6)?.try_into().unwrap_or(0),
                })
            })
            .optional()
            .db(&self.path)?;
        let decision = decide(stored.as_ref(), file, schema_version, || {
            content_hash(&file.path)
        })?;
        if decision == Decision::Skip(SkipReason::Touched) {
            self.conn
                .prepare_cached("UPDATE tracks SET mtime_ns = ?2 WHERE path = ?1")
                .db(&self.path)?
                .execute(rusqlite::params![path, file.mtime_ns])
                .db(&self.path)?;
        }
        Ok(decision)
    }

    /// True when [`Library::check`] says `file` must be analyzed.
    ///
    /// # Errors
    /// As [`Library::check`].
    pub fn needs_analysis(&self, file: &ScannedFile, schema_version: u32) -> Result<bool> {
        Ok(self.check(file, schema_version)?.needs_analysis())
    }
}

/// The decision of [`Library::check`], given what is stored; `hash` is called only when the
/// size is equal and the mtime differs.
fn decide(
    stored: Option<&Stored>,
    file: &ScannedFile,
    schema_version: u32,
    hash: impl FnOnce() -> Result<ContentHash>,
) -> Result<Decision> {
    let Some(stored) = stored else {
        return Ok(Decision::Analyze {
            reason: AnalyzeReason::New,
            hash: None,
        });
    };
    let changed = |hash| Decision::Analyze {
        reason: AnalyzeReason::Changed,
        hash,
    };
    if stored.size != file.size {
        return Ok(changed(None));
    }
    let (touched, hash) = if stored.mtime_ns == file.mtime_ns {
        (false, None)
    } else {
        let h = hash()?;
        if stored.hash != Some(h) {
            return Ok(changed(Some(h)));
        }
        (true, Some(h))
    };
    let current = stored.schema_version == schema_version
        && (stored.failed || (stored.snippets > 0 && stored.outdated_snippets == 0));
    Ok(if !current {
        Decision::Analyze {
            reason: AnalyzeReason::OutdatedSchema,
            hash,
        }
    } else if touched {
        Decision::Skip(SkipReason::Touched)
    } else if stored.failed {
        Decision::Skip(SkipReason::PreviouslyFailed)
    } else {
        Decision::Skip(SkipReason::Unchanged)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::FileKind;
    use std::path::PathBuf;

    fn file(size: u64, mtime_ns: i64) -> ScannedFile {
        ScannedFile {
            path: PathBuf::from("/m/a.mp3"),
            size,
            mtime_ns,
            kind: FileKind::Audio,
        }
    }

    fn stored() -> Stored {
        Stored {
            size: 100,
            mtime_ns: 5,
            hash: Some(ContentHash(42)),
            schema_version: 1,
            failed: false,
            snippets: 2,
            outdated_snippets: 0,
        }
    }

    fn no_hash() -> Result<ContentHash> {
        panic!("must not hash")
    }

    #[test]
    fn new_file_is_analyzed_without_hashing() {
        let d = decide(None, &file(100, 5), 1, no_hash).unwrap();
        assert_eq!(
            d,
            Decision::Analyze {
                reason: AnalyzeReason::New,
                hash: None
            }
        );
    }

    #[test]
    fn unchanged_file_is_skipped_without_hashing() {
        let d = decide(Some(&stored()), &file(100, 5), 1, no_hash).unwrap();
        assert_eq!(d, Decision::Skip(SkipReason::Unchanged));
        assert!(!d.needs_analysis());
    }

    #[test]
    fn size_change_is_analyzed_without_hashing() {
        let d = decide(Some(&stored()), &file(101, 5), 1, no_hash).unwrap();
        assert_eq!(
            d,
            Decision::Analyze {
                reason: AnalyzeReason::Changed,
                hash: None
            }
        );
    }

    #[test]
    fn touched_file_with_same_hash_is_skipped() {
        let d = decide(Some(&stored()), &file(100, 9), 1, || Ok(ContentHash(42))).unwrap();
        assert_eq!(d, Decision::Skip(SkipReason::Touched));
    }

    #[test]
    fn same_size_new_content_is_analyzed_and_hash_handed_back() {
        let d = decide(Some(&stored()), &file(100, 9), 1, || Ok(ContentHash(7))).unwrap();
        assert_eq!(
            d,
            Decision::Analyze {
                reason: AnalyzeReason::Changed,
                hash: Some(ContentHash(7))
            }
        );
        let mut s = stored();
        s.hash = None; // stored without a hash: equal content cannot be proven
        let d = decide(Some(&s), &file(100, 9), 1, || Ok(ContentHash(42))).unwrap();
        assert!(d.needs_analysis());
    }

    #[test]
    fn outdated_schema_is_analyzed() {
        let d = decide(Some(&stored()), &file(100, 5), 2, no_hash).unwrap();
        assert_eq!(
            d,
            Decision::Analyze {
                reason: AnalyzeReason::OutdatedSchema,
                hash: None
            }
        );
        let mut s = stored();
        s.outdated_snippets = 1;
        assert!(
            decide(Some(&s), &file(100, 5), 1, no_hash)
                .unwrap()
                .needs_analysis()
        );
        s.outdated_snippets = 0;
        s.snippets = 0;
        assert!(
            decide(Some(&s), &file(100, 5), 1, no_hash)
                .unwrap()
                .needs_analysis()
        );
    }

    #[test]
    fn failure_is_skipped_until_file_or_schema_changes() {
        let mut s = stored();
        s.failed = true;
        s.snippets = 0;
        let d = decide(Some(&s), &file(100, 5), 1, no_hash).unwrap();
        assert_eq!(d, Decision::Skip(SkipReason::PreviouslyFailed));
        assert!(
            decide(Some(&s), &file(100, 5), 2, no_hash)
                .unwrap()
                .needs_analysis()
        );
        assert!(
            decide(Some(&s), &file(3, 5), 1, no_hash)
                .unwrap()
                .needs_analysis()
        );
    }

    #[test]
    fn hash_error_is_passed_on() {
        let r = decide(Some(&stored()), &file(100, 9), 1, || {
            Err(crate::Error::NoDataDir)
        });
        assert!(r.is_err());
    }
}
