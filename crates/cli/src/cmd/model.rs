//! Which genre model a command uses: `--model FILE` when given, else the default model.
//!
//! Every command that predicts resolves its model here, so that a later lookup (a user model
//! in the data directory, trained from corrections) is added in one place.

use std::path::Path;

use anyhow::Context;
use genrekit_classify::Model;

/// A loaded model and what identifies it.
pub(crate) struct LoadedModel {
    /// The model.
    pub(crate) model: Model,
    /// Content hash of the model file (xxh3-64, 16 hex digits): the `model_id` stored with
    /// predictions, so that a changed model re-predicts and an unchanged one does not.
    pub(crate) id: String,
}

/// Loads the model of `--model` if given, else the default model.
pub(crate) fn resolve(path: Option<&Path>) -> anyhow::Result<LoadedModel> {
    let (bytes, origin) = match path {
        Some(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("{}: cannot read the model file", path.display()))?;
            (std::borrow::Cow::Owned(bytes), path)
        }
        None => (
            std::borrow::Cow::Borrowed(DEFAULT_MODEL),
            Path::new(DEFAULT_MODEL_NAME),
        ),
    };
    let model = Model::from_json_bytes(&bytes, origin)?;
    Ok(LoadedModel {
        model,
        id: model_id(&bytes),
    })
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
