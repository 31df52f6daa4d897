//! The taste profile: genre distribution, distinguishing features and taste clusters.

use crate::cluster::{self, TasteCluster};
use crate::collection::Collection;
use crate::distinguish::{self, FeatureDifference};
use crate::genres::{self, GenreShare};
use crate::track::Opinion;

/// What a person likes, from the liked tracks of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Number of tracks in the collection.
    pub tracks: usize,
    /// Number of liked tracks.
    pub liked: usize,
    /// Number of disliked tracks.
    pub disliked: usize,
    /// Every genre's share of the likes and of the library, most liked first.
    pub genres: Vec<GenreShare>,
    /// Every feature's standardized mean difference, likes against the library, largest
    /// `|d|` first.
    pub features: Vec<FeatureDifference>,
    /// The taste clusters, largest first.
    pub clusters: Vec<TasteCluster>,
}

/// The taste profile of `collection`'s liked tracks; with no likes, the genre shares are the
/// library's and the features and clusters are empty.
pub fn profile(collection: &Collection) -> Profile {
    let liked = collection.with_opinion(Opinion::Liked);
    Profile {
        tracks: collection.tracks().len(),
        liked: liked.len(),
        disliked: collection.with_opinion(Opinion::Disliked).len(),
        genres: genres::genre_shares(collection, &liked),
        features: distinguish::distinguishing_features(collection, &liked),
        clusters: cluster::taste_clusters(collection, &liked),
    }
}
