//! Title, artist, album and genre read from a file's metadata (ID3, Vorbis comments, MP4 atoms,
//! RIFF INFO).

use serde::Serialize;
use symphonia::core::meta::{MetadataRevision, StandardTag, Tag};

/// The descriptive tags genrekit shows and stores, when the file has them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tags {
    /// Track title.
    pub title: Option<String>,
    /// Track artist.
    pub artist: Option<String>,
    /// Album name.
    pub album: Option<String>,
    /// Genre as written in the file (not genrekit's prediction).
    pub genre: Option<String>,
}

impl Tags {
    /// True when no tag is set.
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.artist.is_none()
            && self.album.is_none()
            && self.genre.is_none()
    }

    /// Fills unset fields from one metadata revision (media-level tags, then per-track tags).
    pub(crate) fn fill_from(&mut self, rev: &MetadataRevision) {
        let per_track = rev.per_track.iter().flat_map(|t| t.metadata.tags.iter());
        for tag in rev.media.tags.iter().chain(per_track) {
            self.fill_from_tag(tag);
        }
    }

    fn fill_from_tag(&mut self, tag: &Tag) {
        let (slot, value) = match &tag.std {
            Some(StandardTag::TrackTitle(v)) => (&mut self.title, v),
            Some(StandardTag::Artist(v)) => (&mut self.artist, v),
            Some(StandardTag::Album(v)) => (&mut self.album, v),
            Some(StandardTag::Genre(v)) => (&mut self.genre, v),
            _ => return,
        };
        let value = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use symphonia::core::meta::{MetadataBuilder, MetadataInfo, RawTag};

    #[test]
    fn first_non_empty_value_wins() {
        let info = MetadataInfo {
            metadata: symphonia::core::meta::METADATA_ID_NULL,
            short_name: "test",
            long_name: "test",
        };
        let mut b = MetadataBuilder::new(info);
        let t =
            |k: &str, v: &str, std: StandardTag| Tag::new_std(RawTag::new(k, v.to_string()), std);
        b.add_tag(t(
            "TITLE",
            " ",
            StandardTag::TrackTitle(Arc::new(" ".into())),
        ));
        b.add_tag(t(
            "TITLE",
            "Song",
            StandardTag::TrackTitle(Arc::new("Song".into())),
        ));
        b.add_tag(t(
            "TITLE",
            "Other",
            StandardTag::TrackTitle(Arc::new("Other".into())),
        ));
        b.add_tag(t(
            "GENRE",
            "Blues\0",
            StandardTag::Genre(Arc::new("Blues\0".into())),
        ));
        let mut tags = Tags::default();
        tags.fill_from(&b.build());
        assert_eq!(tags.title.as_deref(), Some("Song"));
        assert_eq!(tags.genre.as_deref(), Some("Blues"));
        assert!(tags.artist.is_none());
        assert!(!tags.is_empty());
    }
}
