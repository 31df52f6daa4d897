//! Labeled feature rows and the GTZAN-format feature tables they are read from.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One labeled snippet: its feature values, genre and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabeledRow {
    /// Feature values, in the order of [`Dataset::feature_names`].
    pub features: Vec<f64>,
    /// The genre label.
    pub label: String,
    /// Where the row came from (a table file, a music library), for provenance.
    pub source: String,
    /// The track the snippet belongs to (for GTZAN tables, the `filename` column). All snippets of
    /// a track share one cross-validation fold.
    pub track: String,
    /// Index of the snippet within its track (0 for a GTZAN clip).
    #[serde(default)]
    pub snippet: u32,
}

/// A set of labeled rows over named feature columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dataset {
    feature_names: Vec<String>,
    rows: Vec<LabeledRow>,
}

impl Dataset {
    /// Creates an empty dataset over the given feature columns.
    pub fn new(feature_names: Vec<String>) -> Self {
        Self {
            feature_names,
            rows: Vec::new(),
        }
    }

    /// Adds a row after checking its width and that every value is finite.
    pub fn push(&mut self, row: LabeledRow) -> Result<()> {
        if row.features.len() != self.feature_names.len() {
            return Err(Error::VectorLength {
                index: self.rows.len(),
                found: row.features.len(),
                expected: self.feature_names.len(),
            });
        }
        if let Some(j) = row.features.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFinite {
                name: self.feature_names[j].clone(),
                what: format!("track {} snippet {}", row.track, row.snippet),
            });
        }
        if row.label.is_empty() {
            return Err(Error::InvalidInput(format!(
                "track {} has an empty label",
                row.track
            )));
        }
        self.rows.push(row);
        Ok(())
    }

    /// Reads GTZAN-format feature tables (`filename, [length,] <features...>, label`) and
    /// concatenates them.
    ///
    /// Every column other than `filename`, `length` and `label` is a feature. The first table fixes
    /// the feature names; later tables must have the same names (in any order). Rows whose
    /// `filename` is in `exclude` are skipped. Each row is one snippet of the track `filename`,
    /// with `source` = the table's path.
    pub fn read_tables<P: AsRef<Path>>(paths: &[P], exclude: &HashSet<String>) -> Result<Self> {
        let mut data: Option<Dataset> = None;
        for path in paths {
            let path = path.as_ref();
            let table = read_table(path, exclude)?;
            match &mut data {
                None => data = Some(table),
                Some(d) => d.append_by_name(table, path)?,
            }
        }
        let data = data.ok_or_else(|| Error::InvalidInput("no feature table given".into()))?;
        if data.rows.is_empty() {
            return Err(Error::InvalidInput(
                "the feature tables have no rows (after --exclude)".into(),
            ));
        }
        Ok(data)
    }

    fn append_by_name(&mut self, other: Dataset, path: &Path) -> Result<()> {
        let pos: HashMap<&str, usize> = other
            .feature_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let same_set = other.feature_names.len() == self.feature_names.len()
            && self
                .feature_names
                .iter()
                .all(|n| pos.contains_key(n.as_str()));
        if !same_set {
            return Err(Error::Table {
                path: path.to_path_buf(),
                line: 1,
                message: "its feature columns differ from those of the first table; \
                          give tables made by the same extractor"
                    .into(),
            });
        }
        let order: Vec<usize> = self.feature_names.iter().map(|n| pos[n.as_str()]).collect();
        for mut row in other.rows {
            row.features = order.iter().map(|&j| row.features[j]).collect();
            self.rows.push(row);
        }
        Ok(())
    }

    /// The feature column names.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The rows.
    pub fn rows(&self) -> &[LabeledRow] {
        &self.rows
    }

    /// Number of rows (snippets).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The distinct labels, sorted (byte order). Class `i` of every probability vector is
    /// `labels()[i]`.
    pub fn labels(&self) -> Vec<String> {
        let mut l: Vec<String> = self.rows.iter().map(|r| r.label.clone()).collect();
        l.sort();
        l.dedup();
        l
    }

    /// Column indices of `names`, or [`Error::UnknownFeature`] for the first name not present.
    pub fn column_indices(&self, names: &[String]) -> Result<Vec<usize>> {
        column_indices(&self.feature_names, names)
    }
}

/// Column indices of `wanted` within `have`, or [`Error::UnknownFeature`].
pub(crate) fn column_indices(have: &[String], wanted: &[String]) -> Result<Vec<usize>> {
    let pos: HashMap<&str, usize> = have
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    wanted
        .iter()
        .map(|n| {
            pos.get(n.as_str())
                .copied()
                .ok_or_else(|| Error::UnknownFeature {
                    name: n.clone(),
                    known: have.join(", "),
                })
        })
        .collect()
}

fn read_table(path: &Path, exclude: &HashSet<String>) -> Result<Dataset> {
    let csv_err = |source| Error::Csv {
        path: path.to_path_buf(),
        source,
    };
    let table_err = |line: u64, message: String| Error::Table {
        path: path.to_path_buf(),
        line,
        message,
    };
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(file);
    let header = reader.headers().map_err(csv_err)?.clone();
    let find = |name: &str| header.iter().position(|h| h.trim() == name);
    let filename_col = find("filename").ok_or_else(|| {
        table_err(
            1,
            "no `filename` column; expected a GTZAN-format feature table".into(),
        )
    })?;
    let label_col = find("label").ok_or_else(|| {
        table_err(
            1,
            "no `label` column; expected a GTZAN-format feature table".into(),
        )
    })?;
    let length_col = find("length");
    let feature_cols: Vec<usize> = (0..header.len())
        .filter(|&i| i != filename_col && i != label_col && Some(i) != length_col)
        .collect();
    if feature_cols.is_empty() {
        return Err(table_err(1, "no feature columns".into()));
    }
    let names: Vec<String> = feature_cols
        .iter()
        .map(|&i| header[i].trim().to_string())
        .collect();
    let mut seen = HashSet::new();
    if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
        return Err(table_err(
            1,
            format!("feature column {dup:?} appears twice"),
        ));
    }
    let mut data = Dataset::new(names);
    let source = path.display().to_string();
    for record in reader.records() {
        let record = record.map_err(csv_err)?;
        let line = record.position().map_or(0, |p| p.line());
        let track = record.get(filename_col).unwrap_or("").trim().to_string();
        if track.is_empty() {
            return Err(table_err(line, "empty filename".into()));
        }
        if exclude.contains(&track) {
            continue;
        }
        let label = record.get(label_col).unwrap_or("").trim().to_string();
        let mut features = Vec::with_capacity(feature_cols.len());
        for (&c, name) in feature_cols.iter().zip(&data.feature_names) {
            let text = record.get(c).unwrap_or("").trim();
            let value: f64 = text
                .parse()
                .map_err(|_| table_err(line, format!("column {name}: {text:?} is not a number")))?;
            if !value.is_finite() {
                return Err(table_err(
                    line,
                    format!("column {name}: {text:?} is not finite"),
                ));
            }
            features.push(value);
        }
        if label.is_empty() {
            return Err(table_err(line, "empty label".into()));
        }
        data.rows.push(LabeledRow {
            features,
            label,
            source: source.clone(),
            track,
            snippet: 0,
        });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::File::create(&p)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        p
    }

    #[test]
    fn reads_tables_by_name_and_excludes() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(
            dir.path(),
            "a.csv",
            "filename,length,x,y,label\na.1,5,1.5,2,rock\nb.1,5,3,4e-1,jazz\n",
        );
        let b = write(dir.path(), "b.csv", "filename,y,x,label\nc.1,7,8,rock\n");
        let exclude: HashSet<String> = ["b.1".to_string()].into();
        let d = Dataset::read_tables(&[a, b], &exclude).unwrap();
        assert_eq!(d.feature_names(), &["x", "y"]);
        assert_eq!(d.len(), 2);
        assert_eq!(d.rows()[0].features, vec![1.5, 2.0]);
        assert_eq!(d.rows()[1].features, vec![8.0, 7.0], "reordered by name");
        assert_eq!(d.rows()[1].track, "c.1");
        assert_eq!(d.labels(), vec!["rock"]);
    }

    #[test]
    fn bad_tables_are_typed_errors_with_line_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let none = HashSet::new();
        let p = write(
            dir.path(),
            "bad.csv",
            "filename,x,label\na,1,rock\nb,oops,rock\n",
        );
        match Dataset::read_tables(&[&p], &none) {
            Err(Error::Table { line, message, .. }) => {
                assert_eq!(line, 3);
                assert!(message.contains("oops"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let p = write(dir.path(), "nolabel.csv", "filename,x\na,1\n");
        assert!(matches!(
            Dataset::read_tables(&[&p], &none),
            Err(Error::Table { line: 1, .. })
        ));
        let p = write(dir.path(), "nan.csv", "filename,x,label\na,NaN,rock\n");
        assert!(matches!(
            Dataset::read_tables(&[&p], &none),
            Err(Error::Table { line: 2, .. })
        ));
        let p = write(dir.path(), "ragged.csv", "filename,x,label\na,1\n");
        assert!(matches!(
            Dataset::read_tables(&[&p], &none),
            Err(Error::Csv { .. })
        ));
        let missing = dir.path().join("missing.csv");
        assert!(matches!(
            Dataset::read_tables(&[&missing], &none),
            Err(Error::Io { .. })
        ));
        let a = write(dir.path(), "a.csv", "filename,x,label\na,1,rock\n");
        let b = write(dir.path(), "b.csv", "filename,z,label\nb,1,rock\n");
        assert!(matches!(
            Dataset::read_tables(&[a, b], &none),
            Err(Error::Table { .. })
        ));
    }
}
