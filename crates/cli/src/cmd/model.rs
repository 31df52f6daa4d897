//! Which genre model a command uses: `--model FILE` when given, else the user's model in the
//! data directory (written by `genrekit retrain`) when it exists, else the built-in model.
//!
//! Every command that predicts resolves its model here.

use std::path::{Path, PathBuf};

use anyhow::Context;
use genrekit_classify::Model;
use genrekit_library::Library;

/// Where a loaded model came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// `--model FILE`.
    Given(PathBuf),
    /// The user's model in the data directory.
    User(PathBuf),
    /// The model built into genrekit.
    BuiltIn,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Given(p) => write!(f, "{}", p.display()),
            Origin::User(p) => write!(f, "your model {}", p.display()),
            Origin::BuiltIn => f.write_str(DEFAULT_MODEL_NAME),
        }
    }
}

/// A loaded model and what identifies it.
pub(crate) struct LoadedModel {
    /// The model.
    pub(crate) model: Model,
    /// Content hash of the model file (xxh3-64, 16 hex digits): the `model_id` stored with
    /// predictions, so that a changed model re-predicts and an unchanged one does not.
    pub(crate) id: String,
    /// Where it came from.
    pub(crate) origin: Origin,
}

/// Loads the model of `--model` if given, else the user's model if there is one, else the
/// built-in model. Commands that print results call [`LoadedModel::announce`] so the person
/// knows their own model is in use.
pub(crate) fn resolve(path: Option<&Path>) -> anyhow::Result<LoadedModel> {
    if let Some(path) = path {
        return load_file(path, Origin::Given(path.to_path_buf()));
    }
    if let Some(user) = user_model_path().filter(|p| p.exists()) {
        let loaded = load_file(&user, Origin::User(user.clone())).with_context(|| {
            format!(
                "{}: your retrained model cannot be used; run `genrekit retrain` again, or \
                 `genrekit model reset` to go back to the built-in model",
                user.display()
            )
        })?;
        return Ok(loaded);
    }
    built_in()
}

impl LoadedModel {
    /// Says on stderr that the user's retrained model is in use (and how to leave it); nothing
    /// for the built-in model or `--model FILE`.
    pub(crate) fn announce(&self) {
        if let Origin::User(path) = &self.origin {
            eprintln!(
                "genrekit: using your retrained model {} (`genrekit model reset` goes back to \
                 the built-in one)",
                path.display()
            );
        }
    }
}

/// The built-in model.
pub(crate) fn built_in() -> anyhow::Result<LoadedModel> {
    let model = Model::from_json_bytes(DEFAULT_MODEL, Path::new(DEFAULT_MODEL_NAME))?;
    Ok(LoadedModel {
        model,
        id: model_id(DEFAULT_MODEL),
        origin: Origin::BuiltIn,
    })
}

/// Loads the model file at `path`.
pub(crate) fn load_file(path: &Path, origin: Origin) -> anyhow::Result<LoadedModel> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("{}: cannot read the model file", path.display()))?;
    let model = Model::from_json_bytes(&bytes, path)?;
    Ok(LoadedModel {
        model,
        id: model_id(&bytes),
        origin,
    })
}

/// The user's model: `model.json` in the data directory, beside the default library database
/// (`$XDG_DATA_HOME/genrekit/model.json`, else `~/.local/share/genrekit/model.json`); `None`
/// when neither variable is set.
pub(crate) fn user_model_path() -> Option<PathBuf> {
    let db = Library::default_path().ok()?;
    Some(db.parent()?.join("model.json"))
}

/// How the built-in model is named in messages.
const DEFAULT_MODEL_NAME: &str = "<built-in models/default.json>";

/// The default model, built into the binary so that an installed genrekit works anywhere.
/// See `models/MODEL_CARD.md` for its data, settings and accuracy.
static DEFAULT_MODEL: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../models/default.json"
));

/// The identifier of a model file: xxh3-64 of its bytes in hex.
fn model_id(bytes: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}
