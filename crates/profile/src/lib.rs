//! Taste profiles from liked songs: what a person likes, recommendations that explain
//! themselves, and playlists.
//!
//! The input is plain data: a [`Collection`] of [`Track`]s (path, tags, duration, the model's
//! genre probabilities, the mean feature vector over the track's snippets and the person's
//! [`Opinion`]) with the feature names. Features are standardized by the collection's own mean
//! and standard deviation, and tracks are compared with one similarity,
//! `s(a, b) = exp(-‖z_a - z_b‖² / (2·D))` ([`Collection::similarity`]). On top of it:
//! [`profile()`] (genre distribution of the likes, the features that set them apart, taste
//! clusters), [`recommend()`] (scored, diversified and explained recommendations), and
//! [`genre_playlists`] / [`seed_walk`] (playlists). Everything is deterministic: ties go to the
//! smaller path.
//!
//! ```
//! use genrekit_profile::{Collection, Opinion, RecommendOptions, Track, recommend};
//!
//! # fn main() -> Result<(), genrekit_profile::Error> {
//! let track = |path: &str, x: f64, genre: &str, opinion| {
//!     let mut t = Track::new(path);
//!     t.features = vec![x, -x];
//!     t.probabilities.insert(genre.to_string(), 1.0);
//!     t.opinion = opinion;
//!     t
//! };
//! let collection = Collection::new(
//!     vec!["tempo".into(), "rms_mean".into()],
//!     vec![
//!         track("/m/a.wav", 0.0, "jazz", Opinion::Liked),
//!         track("/m/b.wav", 0.1, "jazz", Opinion::Neutral),
//!         track("/m/c.wav", 9.0, "metal", Opinion::Neutral),
//!     ],
//! )?;
//! let recs = recommend(&collection, &RecommendOptions::default())?;
//! assert_eq!(collection.tracks()[recs[0].track].path.to_str(), Some("/m/b.wav"));
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod cluster;
mod collection;
mod distinguish;
mod error;
mod genres;
mod playlist;
mod profile;
mod recommend;
mod similarity;
mod standardize;
mod track;

pub use cluster::{SILHOUETTE_THRESHOLD, TasteCluster};
pub use collection::Collection;
pub use distinguish::FeatureDifference;
pub use error::{Error, Result};
pub use genres::GenreShare;
pub use playlist::{GenrePlaylist, genre_playlists, seed_walk};
pub use profile::{Profile, profile};
pub use recommend::{RecommendOptions, Recommendation, Weights, recommend};
pub use track::{Opinion, Track};
