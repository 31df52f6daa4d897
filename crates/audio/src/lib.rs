//! Decode audio files to mono `f32` at 22050 Hz, as `librosa.load` does, and cut them into
//! snippets for analysis.
//!
//! [`AudioFile::open`] probes a file (WAV, MP3, FLAC, Ogg Vorbis, AAC/ALAC in MP4) with
//! symphonia and reports its [`SourceInfo`] and [`Tags`]. [`AudioFile::snippets`] then decodes
//! packet by packet, downmixes to mono (mean of channels), resamples with rubato, and yields
//! 30-second [`Snippet`]s as soon as each is complete, so memory does not grow with track
//! length; [`AudioFile::decode_all`] returns the whole track instead. [`snippet_plan`] is the
//! snippet rule as a pure function. Errors are [`AudioError`]s that name the file.
//!
//! ```no_run
//! use genrekit_audio::{AudioFile, DecodeOptions, SnippetOptions};
//! # fn main() -> Result<(), genrekit_audio::AudioError> {
//! let file = AudioFile::open("song.mp3".as_ref(), &DecodeOptions::default())?;
//! println!("{} Hz, {:?}", file.info().sample_rate, file.info().tags.title);
//! for snippet in file.snippets(&SnippetOptions::default()) {
//!     let snippet = snippet?;
//!     println!("snippet {} starts at {:.1} s", snippet.index, snippet.start_seconds(22050));
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod decode;
mod error;
mod options;
mod resample;
mod snippet;
mod snippet_stream;
mod tags;

pub use decode::{AudioFile, DecodedAudio, SourceInfo, StreamTimings};
pub use error::{AudioError, ErrorKind};
pub use options::{
    DEFAULT_MIN_DURATION_SECONDS, DEFAULT_SAMPLE_RATE, DEFAULT_SNIPPET_SECONDS, DecodeOptions,
    SnippetOptions,
};
pub use snippet::{Snippet, snippet_plan};
pub use snippet_stream::Snippets;
pub use tags::Tags;
