//! The trained model: settings, scaler, training rows with provenance, its evaluation, and the
//! JSON file it is stored in.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::dataset::{Dataset, LabeledRow, column_indices};
use crate::error::{Error, Result};
use crate::evaluate::Evaluation;
use crate::pipeline::Fitted;
use crate::predict::{TrackPrediction, track_prediction};
use crate::scaler::Scaler;
use crate::settings::Settings;

/// Identifies genrekit model files.
const FORMAT: &str = "genrekit-knn-model";
/// Version of the model file layout; bump on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

/// What is stored on disk. Floats are written by serde_json in shortest round-trip form and read
/// with its `float_roundtrip` parser, so every value loads bit for bit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ModelFile {
    format: String,
    format_version: u32,
    /// `genrekit_features::SCHEMA_VERSION` of the training features.
    schema_version: u32,
    settings: Settings,
    /// Genres, sorted; class `i` is `genres[i]`.
    genres: Vec<String>,
    /// Names of the columns of `rows[*].features`.
    columns: Vec<String>,
    /// The features the model uses (a subset of `columns`), in search-vector order.
    feature_names: Vec<String>,
    /// Standardisation of `feature_names`, fit on `rows`.
    scaler: Scaler,
    /// Resolved per-feature weights (after standardisation).
    feature_weights: Vec<f64>,
    rows: Vec<LabeledRow>,
    evaluation: Option<Evaluation>,
}

/// A trained KNN genre model.
#[derive(Debug, Clone)]
pub struct Model {
    file: ModelFile,
    fitted: Fitted,
}

impl Model {
    /// Trains a model on every row of `data` with `settings`.
    pub fn train(data: &Dataset, settings: &Settings) -> Result<Self> {
        settings.validate()?;
        let genres = data.labels();
        if genres.is_empty() {
            return Err(Error::InvalidInput("no training rows".into()));
        }
        let labels: Vec<usize> = data
            .rows()
            .iter()
            .map(|r| genres.binary_search(&r.label).unwrap_or(0))
            .collect();
        let rows: Vec<&[f64]> = data.rows().iter().map(|r| r.features.as_slice()).collect();
        let fitted = Fitted::fit(data.feature_names(), &rows, &labels, genres.len(), settings)?;
        let feature_names = fitted
            .cols
            .iter()
            .map(|&j| data.feature_names()[j].clone())
            .collect();
        let file = ModelFile {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            schema_version: genrekit_features::SCHEMA_VERSION,
            settings: settings.clone(),
            genres,
            columns: data.feature_names().to_vec(),
            feature_names,
            scaler: fitted.scaler.clone(),
            feature_weights: fitted.weights.clone(),
            rows: data.rows().to_vec(),
            evaluation: None,
        };
        Ok(Self { file, fitted })
    }

    /// Retrains with the same settings on the model's rows plus `extra` (rows over the model's
    /// training columns, in the order of [`Model::training_columns`]). A row whose `(track,
    /// snippet)` is already present replaces the old one (a corrected label). The evaluation is
    /// dropped, since it no longer describes the new model.
    pub fn with_rows(&self, extra: Vec<LabeledRow>) -> Result<Self> {
        let replaced: HashSet<(&str, u32)> = extra
            .iter()
            .map(|r| (r.track.as_str(), r.snippet))
            .collect();
        let mut data = Dataset::new(self.file.columns.clone());
        for row in &self.file.rows {
            if !replaced.contains(&(row.track.as_str(), row.snippet)) {
                data.push(row.clone())?;
            }
        }
        for row in extra {
            data.push(row)?;
        }
        Self::train(&data, &self.file.settings)
    }

    /// Records the evaluation the model ships with.
    pub fn set_evaluation(&mut self, evaluation: Evaluation) {
        self.file.evaluation = Some(evaluation);
    }

    /// The evaluation the model ships with, if any.
    pub fn evaluation(&self) -> Option<&Evaluation> {
        self.file.evaluation.as_ref()
    }

    /// The features the model reads, by name. Callers may pass vectors with more features, in any
    /// order; [`Model::predict_track`] selects these by name.
    pub fn feature_names(&self) -> &[String] {
        &self.file.feature_names
    }

    /// Every column of the stored training rows (a superset of [`Model::feature_names`]).
    pub fn training_columns(&self) -> &[String] {
        &self.file.columns
    }

    /// The genres the model knows, sorted; probability vectors use this order.
    pub fn genres(&self) -> &[String] {
        &self.file.genres
    }

    /// The hyperparameters.
    pub fn settings(&self) -> &Settings {
        &self.file.settings
    }

    /// The feature schema version of the training data.
    pub fn schema_version(&self) -> u32 {
        self.file.schema_version
    }

    /// The training rows with their labels and provenance.
    pub fn rows(&self) -> &[LabeledRow] {
        &self.file.rows
    }

    /// Predicts one track from its snippets' feature vectors.
    ///
    /// `snippets[s]` holds values for `feature_names` (the caller's schema, e.g. the extractor's
    /// columns); the model picks its features by name, so extra columns are fine and missing ones
    /// are [`Error::MissingFeatures`]. Each snippet gets class probabilities from its `k` nearest
    /// training rows (see [`crate::Weighting`]); the track's probabilities are their mean, its
    /// genre the argmax (ties to the genre that sorts first), `confidence` that mean probability
    /// and `margin` the gap to the runner-up.
    pub fn predict_track<S: AsRef<[f32]>>(
        &self,
        snippets: &[S],
        feature_names: &[impl AsRef<str>],
    ) -> Result<TrackPrediction> {
        if snippets.is_empty() {
            return Err(Error::InvalidInput(
                "a track needs at least one snippet".into(),
            ));
        }
        let names: Vec<String> = feature_names
            .iter()
            .map(|n| n.as_ref().to_string())
            .collect();
        let missing: Vec<String> = self
            .file
            .feature_names
            .iter()
            .filter(|n| !names.contains(n))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(Error::MissingFeatures { missing });
        }
        let idx = column_indices(&names, &self.file.feature_names)?;
        // Queries are laid out over the training columns the fitted transform selects from.
        let mut queries: Vec<Vec<f64>> = Vec::with_capacity(snippets.len());
        for (s, snippet) in snippets.iter().enumerate() {
            let v = snippet.as_ref();
            if v.len() != names.len() {
                return Err(Error::VectorLength {
                    index: s,
                    found: v.len(),
                    expected: names.len(),
                });
            }
            let mut q = vec![0.0; self.file.columns.len()];
            for (&col, &src) in self.fitted.cols.iter().zip(&idx) {
                let x = f64::from(v[src]);
                if !x.is_finite() {
                    return Err(Error::NonFinite {
                        name: names[src].clone(),
                        what: format!("snippet {s}"),
                    });
                }
                q[col] = x;
            }
            queries.push(q);
        }
        let refs: Vec<&[f64]> = queries.iter().map(Vec::as_slice).collect();
        let k = self.file.settings.k;
        let neighbors = self.fitted.neighbors(&refs, k)?;
        let probs: Vec<Vec<f64>> = neighbors
            .iter()
            .map(|n| self.fitted.vote(n, k, self.file.settings.weighting))
            .collect();
        Ok(track_prediction(&self.file.genres, &probs))
    }

    /// Writes the model as JSON, atomically: to a temporary file in the same directory, flushed
    /// and synced, then renamed over `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let json = serde_json::to_vec(&self.file).map_err(|source| Error::ModelJson {
            path: path.to_path_buf(),
            source,
        })?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map_or_else(|| "model".into(), |n| n.to_string_lossy().into_owned());
        let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&json)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map_err(io)
    }

    /// Loads a model written by [`Model::save`], checking that it is complete and consistent.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json_bytes(&bytes, path)
    }

    /// Loads a model from the bytes of a file written by [`Model::save`] (for example a model
    /// embedded in a binary with `include_bytes!`), with the same checks as [`Model::load`];
    /// `path` names the model in error messages.
    pub fn from_json_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let invalid = |message: String| Error::InvalidModel {
            path: path.to_path_buf(),
            message,
        };
        // Check the header first so that other JSON gets a clear message.
        #[derive(Deserialize)]
        struct Header {
            format: Option<String>,
            format_version: Option<u32>,
        }
        let header: Header = serde_json::from_slice(bytes).map_err(|source| Error::ModelJson {
            path: path.to_path_buf(),
            source,
        })?;
        if header.format.as_deref() != Some(FORMAT) {
            return Err(invalid(format!(
                "not a {FORMAT} file (no matching \"format\" field)"
            )));
        }
        match header.format_version {
            Some(FORMAT_VERSION) => {}
            v => {
                return Err(invalid(format!(
                    "format version {v:?}, this genrekit reads version {FORMAT_VERSION}; \
                     retrain the model with `genrekit train`"
                )));
            }
        }
        let file: ModelFile = serde_json::from_slice(bytes).map_err(|source| Error::ModelJson {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_file(file).map_err(|e| match e {
            Error::InvalidInput(m) => invalid(m),
            other => invalid(other.to_string()),
        })
    }

    fn from_file(file: ModelFile) -> Result<Self> {
        let bad = |m: &str| Err(Error::InvalidInput(m.to_string()));
        if file.schema_version > genrekit_features::SCHEMA_VERSION {
            return Err(Error::InvalidInput(format!(
                "trained on feature schema {}, newer than this genrekit's {}; upgrade genrekit",
                file.schema_version,
                genrekit_features::SCHEMA_VERSION
            )));
        }
        file.settings.validate()?;
        if file.rows.is_empty() {
            return bad("no training rows");
        }
        let mut sorted = file.genres.clone();
        sorted.sort();
        sorted.dedup();
        if sorted != file.genres || file.genres.is_empty() {
            return bad("genres must be non-empty, sorted and distinct");
        }
        let cols = column_indices(&file.columns, &file.feature_names)?;
        let d = file.feature_names.len();
        if !file.scaler.is_valid(d) {
            return bad("the scaler does not match the features");
        }
        if file.feature_weights.len() != d
            || file
                .feature_weights
                .iter()
                .any(|w| !w.is_finite() || *w < 0.0)
        {
            return bad("the feature weights do not match the features");
        }
        let mut labels = Vec::with_capacity(file.rows.len());
        let mut selected = Vec::with_capacity(file.rows.len());
        for (i, row) in file.rows.iter().enumerate() {
            if row.features.len() != file.columns.len()
                || row.features.iter().any(|x| !x.is_finite())
            {
                return Err(Error::InvalidInput(format!(
                    "training row {i} has the wrong length or a non-finite value"
                )));
            }
            let l = file.genres.binary_search(&row.label).map_err(|_| {
                Error::InvalidInput(format!("training row {i} has unknown genre {}", row.label))
            })?;
            labels.push(l);
            selected.push(cols.iter().map(|&j| row.features[j]).collect());
        }
        let fitted = Fitted::from_parts(
            selected,
            cols,
            file.scaler.clone(),
            file.feature_weights.clone(),
            file.settings.metric,
            labels,
            file.genres.len(),
        );
        debug_assert_eq!(fitted.n_rows(), file.rows.len());
        Ok(Self { file, fitted })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knn::Metric;
    use crate::rng::SplitMix64;
    use crate::settings::FeatureWeighting;

    fn data(seed: u64) -> Dataset {
        let mut rng = SplitMix64::new(seed);
        let mut d = Dataset::new(vec!["a".into(), "b".into(), "c".into()]);
        for t in 0..30 {
            let g = t % 3;
            d.push(LabeledRow {
                // Arbitrary bit patterns, so that rounding in the file would show.
                features: (0..3)
                    .map(|j| (g * 2 + j) as f64 + rng.next_f64() * 1e-3)
                    .collect(),
                label: ["pop", "jazz", "rock"][g].into(),
                source: "unit".into(),
                track: format!("t{t}"),
                snippet: 0,
            })
            .unwrap();
        }
        d
    }

    #[test]
    fn round_trips_bit_for_bit_and_predicts_the_same() {
        let d = data(1);
        let s = Settings {
            k: 3,
            metric: Metric::Cosine,
            features: Some(vec!["c".into(), "a".into()]),
            feature_weighting: FeatureWeighting::Anova { power: 0.5 },
            ..Settings::default()
        };
        let m = Model::train(&d, &s).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        m.save(&path).unwrap();
        let back = Model::load(&path).unwrap();
        assert_eq!(back.file, m.file);
        for (a, b) in back.file.rows.iter().zip(&m.file.rows) {
            for (x, y) in a.features.iter().zip(&b.features) {
                assert_eq!(x.to_bits(), y.to_bits());
            }
        }
        // Caller's schema: extra columns, other order.
        let names = ["extra", "c", "b", "a"];
        let snippets = vec![vec![9.0f32, 2.0, 1.0, 0.0], vec![9.0, 6.0, 5.0, 4.0]];
        let p1 = m.predict_track(&snippets, &names).unwrap();
        let p2 = back.predict_track(&snippets, &names).unwrap();
        assert_eq!(p1, p2);
        assert_eq!(p1.snippets.len(), 2);
        assert_eq!(back.feature_names(), &["c", "a"]);
        assert_eq!(back.genres(), &["jazz", "pop", "rock"]);
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn schema_mismatch_and_bad_files_are_typed_errors() {
        let m = Model::train(&data(2), &Settings::default()).unwrap();
        match m.predict_track(&[vec![1.0f32, 2.0]], &["a", "x"]) {
            Err(Error::MissingFeatures { missing }) => assert_eq!(missing, vec!["b", "c"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            m.predict_track(&[vec![1.0f32]], &["a", "b", "c"]),
            Err(Error::VectorLength {
                index: 0,
                found: 1,
                expected: 3
            })
        ));
        assert!(matches!(
            m.predict_track(&[vec![f32::NAN, 0.0, 0.0]], &["a", "b", "c"]),
            Err(Error::NonFinite { .. })
        ));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.json");
        for (text, want_json) in [
            ("not json", true),
            ("{\"format\": \"something-else\"}", false),
            (
                "{\"format\": \"genrekit-knn-model\", \"format_version\": 99}",
                false,
            ),
            (
                "{\"format\": \"genrekit-knn-model\", \"format_version\": 1}",
                true,
            ),
        ] {
            std::fs::write(&p, text).unwrap();
            let e = Model::load(&p).unwrap_err();
            assert!(e.to_string().contains("bad.json"), "{e}");
            assert_eq!(
                matches!(e, Error::ModelJson { .. }),
                want_json,
                "{text}: {e:?}"
            );
        }
        // A consistent-looking file with a broken scaler.
        m.save(&p).unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        v["scaler"]["scale"] = serde_json::json!([1.0]);
        std::fs::write(&p, v.to_string()).unwrap();
        assert!(matches!(Model::load(&p), Err(Error::InvalidModel { .. })));
        assert!(matches!(
            Model::load(&dir.path().join("none.json")),
            Err(Error::Io { .. })
        ));
    }

    #[test]
    fn retraining_adds_and_relabels_rows() {
        let m = Model::train(
            &data(3),
            &Settings {
                k: 1,
                ..Settings::default()
            },
        )
        .unwrap();
        let probe = vec![vec![100.0f32, 100.0, 100.0]];
        let before = m.predict_track(&probe, &["a", "b", "c"]).unwrap();
        let new = LabeledRow {
            features: vec![100.0, 100.0, 100.0],
            label: "metal".into(),
            source: "user".into(),
            track: "new".into(),
            snippet: 0,
        };
        let m2 = m.with_rows(vec![new]).unwrap();
        assert_eq!(m2.rows().len(), 31);
        assert_eq!(m2.genres().len(), 4);
        let after = m2.predict_track(&probe, &["a", "b", "c"]).unwrap();
        assert_ne!(before.genre, "metal");
        assert_eq!(after.genre, "metal");
        // Relabel t0.
        let mut fix = m2.rows()[0].clone();
        fix.label = "metal".into();
        let m3 = m2.with_rows(vec![fix]).unwrap();
        assert_eq!(m3.rows().len(), 31);
        assert_eq!(m3.rows().iter().filter(|r| r.label == "metal").count(), 2);
    }
}
