//! Export of stored snippet features as a table in the GTZAN `features_30_sec.csv` format.

use std::io::Write;
use std::path::Path;

use rusqlite::params;

use crate::error::{Error, Result};
use crate::store::{Library, SqlResultExt};

/// Options of [`Library::export_features`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExportOptions {
    /// Export snippets of this feature schema version (its names make the header).
    pub schema_version: u32,
    /// Only tracks a person labeled (for retraining); otherwise every analyzed track.
    pub labeled_only: bool,
    /// When a track has no label, use the latest prediction of this model (or of any model
    /// when `None`) as its `label`. Unlabeled, unpredicted tracks get an empty label.
    pub model_id: Option<String>,
}

impl ExportOptions {
    /// Every analyzed track's snippets of `schema_version`.
    pub fn new(schema_version: u32) -> Self {
        ExportOptions {
            schema_version,
            labeled_only: false,
            model_id: None,
        }
    }
}

impl Library {
    /// Writes snippet features as CSV: `filename,length,<feature names>,label`, one row per
    /// snippet, ordered by path and snippet.
    ///
    /// `filename` is the track's file name when it has one snippet, else
    /// `<stem>.<index>.<extension>` as in GTZAN's `features_3_sec.csv`; `length` is the
    /// snippet's sample count; `label` is the track's latest label, else its latest prediction.
    /// Values are written in Rust's shortest round-trip form. Returns the number of rows.
    ///
    /// # Errors
    /// [`Error::NoFeatures`] when no snippet of the schema version is stored,
    /// [`Error::Csv`] when writing fails, [`Error::Sqlite`], [`Error::Corrupt`].
    pub fn export_features<W: Write>(&self, out: W, options: &ExportOptions) -> Result<usize> {
        let db = &self.path;
        let names =
            self.feature_names(options.schema_version)?
                .ok_or_else(|| Error::NoFeatures {
                    db: db.clone(),
                    version: options.schema_version,
                })?;
        let csv_err = |source| Error::Csv { source };
        let mut w = csv::Writer::from_writer(out);
        let mut header = Vec::with_capacity(names.len() + 3);
        header.push("filename");
        header.push("length");
        header.extend(names.iter().map(String::as_str));
        header.push("label");
        w.write_record(&header).map_err(csv_err)?;

        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.path, s.idx, s.n_samples, s.features, \
                 (SELECT count(*) FROM snippets c WHERE c.track_id = t.id), \
                 (SELECT l.genre FROM labels l WHERE l.track_id = t.id \
                     ORDER BY l.created_at DESC, l.id DESC LIMIT 1) AS label, \
                 (SELECT p.genre FROM predictions p WHERE p.track_id = t.id \
                     AND (?2 IS NULL OR p.model_id = ?2) \
                     ORDER BY p.predicted_at DESC, p.id DESC LIMIT 1) \
                 FROM tracks t JOIN snippets s ON s.track_id = t.id \
                 WHERE t.error_kind IS NULL AND s.schema_version = ?1 \
                 AND (?3 = 0 OR label IS NOT NULL) \
                 ORDER BY t.path, s.idx",
            )
            .db(db)?;
        let mut rows = stmt
            .query(params![
                options.schema_version,
                options.model_id,
                options.labeled_only
            ])
            .db(db)?;
        let mut record: Vec<String> = Vec::with_capacity(names.len() + 3);
        let mut n = 0;
        while let Some(r) = rows.next().db(db)? {
            let path: String = r.get(0).db(db)?;
            let idx: i64 = r.get(1).db(db)?;
            let n_samples: i64 = r.get(2).db(db)?;
            let features = self.features_at(r, 3)?;
            if features.len() != names.len() {
                return Err(Error::Corrupt {
                    db: db.clone(),
                    what: format!(
                        "{path}: snippet {idx} has {} features, schema {} has {} names",
                        features.len(),
                        options.schema_version,
                        names.len()
                    ),
                });
            }
            let count: i64 = r.get(4).db(db)?;
            let label: Option<String> = r.get(5).db(db)?;
            let predicted: Option<String> = r.get(6).db(db)?;
            record.clear();
            record.push(snippet_file_name(Path::new(&path), idx, count));
            record.push(n_samples.to_string());
            record.extend(features.iter().map(f32::to_string));
            record.push(label.or(predicted).unwrap_or_default());
            w.write_record(&record).map_err(csv_err)?;
            n += 1;
        }
        w.flush().map_err(|source| Error::Csv {
            source: source.into(),
        })?;
        Ok(n)
    }
}

/// `a.wav` for a one-snippet track, `a.3.wav` for snippet 3 of a longer one.
fn snippet_file_name(path: &Path, idx: i64, count: i64) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if count <= 1 {
        return name;
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match path.extension() {
        Some(ext) => format!("{stem}.{idx}.{}", ext.to_string_lossy()),
        None => format!("{stem}.{idx}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_gtzan() {
        assert_eq!(
            snippet_file_name(Path::new("/m/blues.00000.wav"), 0, 1),
            "blues.00000.wav"
        );
        assert_eq!(
            snippet_file_name(Path::new("/m/blues.00000.wav"), 3, 10),
            "blues.00000.3.wav"
        );
        assert_eq!(snippet_file_name(Path::new("/m/noext"), 1, 2), "noext.1");
    }
}
