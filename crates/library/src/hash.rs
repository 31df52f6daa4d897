//! Content hash of a file: xxh3-64 of every byte, read in 256 KiB blocks.
//!
//! The whole file is hashed rather than a sample (size + first/last 64 KiB), because a sample
//! misses edits in the middle of a file and the full hash is cheap where it is used: a new or
//! changed file is decoded right after hashing (which reads it all anyway, now from the page
//! cache), and an unchanged file (same size and mtime) is not hashed at all. xxh3 runs at several
//! GB/s, so reading the file is the only cost.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use xxhash_rust::xxh3::Xxh3;

use crate::error::{Error, Result};

/// Size of the read buffer used by [`content_hash`].
const BLOCK: usize = 256 * 1024;

/// A 64-bit content hash of a file (xxh3-64 of its bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentHash(pub u64);

impl ContentHash {
    /// The hash as stored in SQLite's signed 64-bit integer (same bits).
    pub(crate) fn to_sql(self) -> i64 {
        i64::from_ne_bytes(self.0.to_ne_bytes())
    }

    /// The hash from SQLite's signed 64-bit integer (same bits).
    pub(crate) fn from_sql(v: i64) -> Self {
        ContentHash(u64::from_ne_bytes(v.to_ne_bytes()))
    }
}

impl std::fmt::Display for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Hashes every byte of the file at `path` with xxh3-64.
///
/// # Errors
/// [`Error::Io`] naming `path` when the file cannot be opened or read.
pub fn content_hash(path: &Path) -> Result<ContentHash> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut hasher = Xxh3::new();
    let mut buf = vec![0u8; BLOCK];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    Ok(ContentHash(hasher.digest()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn matches_one_shot_xxh3_and_sees_a_change_in_the_middle() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        // Longer than one block, so the streaming path crosses block boundaries.
        let mut data: Vec<u8> = (0..(BLOCK * 2 + 12345))
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        std::fs::File::create(&path)
            .unwrap()
            .write_all(&data)
            .unwrap();
        let h1 = content_hash(&path).unwrap();
        assert_eq!(h1.0, xxhash_rust::xxh3::xxh3_64(&data));

        let mid = data.len() / 2;
        data[mid] ^= 1;
        std::fs::write(&path, &data).unwrap();
        assert_ne!(content_hash(&path).unwrap(), h1);
    }

    #[test]
    fn sql_round_trip_keeps_all_bits() {
        for v in [0, 1, u64::MAX, 1 << 63, 0x0123_4567_89ab_cdef] {
            assert_eq!(ContentHash::from_sql(ContentHash(v).to_sql()).0, v);
        }
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = content_hash(Path::new("/nonexistent/genrekit/x.mp3")).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/genrekit/x.mp3"),
            "{err}"
        );
        assert!(std::error::Error::source(&err).is_some());
    }
}
