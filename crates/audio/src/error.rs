//! The error type of the crate: what went wrong with which file.

use std::io;
use std::path::{Path, PathBuf};

use symphonia::core::errors::Error as SymphoniaError;

/// Reading one audio file failed; the message names the file and the problem.
///
/// `Display` reads `"<path>: <what is wrong>"`. Use [`AudioError::kind`] to group errors
/// (for statistics or exit codes) without matching on every variant.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The file could not be opened or read.
    #[error("{}: cannot read the file: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },
    /// The container or codec is not one genrekit can decode (or the bytes are not audio).
    #[error(
        "{}: unsupported or unrecognized format ({detail}); genrekit reads WAV, MP3, FLAC, \
         Ogg Vorbis and AAC/ALAC in MP4/M4A",
        path.display()
    )]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What was not recognized or not supported.
        detail: String,
        /// The decoder library's error, when there was one.
        #[source]
        source: Option<SymphoniaError>,
    },
    /// The container holds no audio track.
    #[error("{}: the file has no audio track", path.display())]
    NoAudioTrack {
        /// The file.
        path: PathBuf,
    },
    /// The stream is damaged beyond what skipping packets can repair.
    #[error("{}: corrupt audio stream ({detail}); try re-encoding or replacing the file", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is damaged.
        detail: String,
        /// The decoder library's error, when there was one.
        #[source]
        source: Option<SymphoniaError>,
    },
    /// The decoded audio is shorter than the minimum duration that can be analyzed.
    #[error(
        "{}: too short to analyze: {seconds:.3} s of audio, at least {min_seconds} s needed",
        path.display()
    )]
    TooShort {
        /// The file.
        path: PathBuf,
        /// Seconds of audio decoded (after resampling).
        seconds: f64,
        /// The configured minimum, see [`crate::DecodeOptions::min_duration_seconds`].
        min_seconds: f64,
    },
}

/// The class of an [`AudioError`], for grouping and counting.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// See [`AudioError::Io`].
    Io,
    /// See [`AudioError::Unsupported`].
    Unsupported,
    /// See [`AudioError::NoAudioTrack`].
    NoAudioTrack,
    /// See [`AudioError::Corrupt`].
    Corrupt,
    /// See [`AudioError::TooShort`].
    TooShort,
}

impl AudioError {
    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AudioError::Io { .. } => ErrorKind::Io,
            AudioError::Unsupported { .. } => ErrorKind::Unsupported,
            AudioError::NoAudioTrack { .. } => ErrorKind::NoAudioTrack,
            AudioError::Corrupt { .. } => ErrorKind::Corrupt,
            AudioError::TooShort { .. } => ErrorKind::TooShort,
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            AudioError::Io { path, .. }
            | AudioError::Unsupported { path, .. }
            | AudioError::NoAudioTrack { path }
            | AudioError::Corrupt { path, .. }
            | AudioError::TooShort { path, .. } => path,
        }
    }

    /// Sorts an error from probing a container: unreadable bytes are "unsupported", I/O
    /// failures stay I/O, malformed headers are "corrupt".
    pub(crate) fn from_probe(path: &Path, err: SymphoniaError) -> AudioError {
        let path = path.to_path_buf();
        match err {
            SymphoniaError::IoError(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                AudioError::Unsupported {
                    path,
                    detail: "the file ends before any known audio header".into(),
                    source: Some(SymphoniaError::IoError(e)),
                }
            }
            SymphoniaError::IoError(source) => AudioError::Io { path, source },
            SymphoniaError::Unsupported(what) => AudioError::Unsupported {
                path,
                detail: what.to_string(),
                source: Some(err),
            },
            other => AudioError::Corrupt {
                path,
                detail: format!("bad header: {other}"),
                source: Some(other),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_starts_with_the_path() {
        let err = AudioError::TooShort {
            path: PathBuf::from("dir/a.wav"),
            seconds: 0.001,
            min_seconds: 1.0,
        };
        assert_eq!(
            err.to_string(),
            "dir/a.wav: too short to analyze: 0.001 s of audio, at least 1 s needed"
        );
        assert_eq!(err.kind(), ErrorKind::TooShort);
        assert_eq!(err.path(), Path::new("dir/a.wav"));
    }

    #[test]
    fn io_error_keeps_its_source() {
        let err = AudioError::Io {
            path: PathBuf::from("x.mp3"),
            source: io::Error::new(io::ErrorKind::NotFound, "gone"),
        };
        let source = std::error::Error::source(&err).map(|s| s.to_string());
        assert_eq!(source.as_deref(), Some("gone"));
    }

    #[test]
    fn probe_eof_is_unsupported() {
        let err = AudioError::from_probe(
            Path::new("e.wav"),
            SymphoniaError::IoError(io::Error::from(io::ErrorKind::UnexpectedEof)),
        );
        assert_eq!(err.kind(), ErrorKind::Unsupported);
    }
}
