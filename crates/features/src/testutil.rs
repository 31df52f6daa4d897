//! Test helpers: read the reference signals and the librosa reference arrays that
//! `fixtures/reference/*.py` write (see `fixtures/reference/common.py` for the format).

use std::path::PathBuf;

/// The repository's `fixtures/reference` folder.
pub(crate) fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/reference")
}

/// The samples of `fixtures/reference/signals/NAME.wav` as f32 in [-1, 1), exactly as
/// soundfile reads them for the reference script (16-bit PCM divided by 32768).
pub(crate) fn signal(name: &str) -> Vec<f32> {
    let path = reference_dir().join("signals").join(format!("{name}.wav"));
    let mut reader =
        hound::WavReader::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(reader.spec().sample_rate, 22050, "{}", path.display());
    assert_eq!(reader.spec().channels, 1, "{}", path.display());
    reader
        .samples::<i16>()
        .map(|s| f32::from(s.expect("valid sample")) / 32768.0)
        .collect()
}

/// A reference array: its shape (librosa's order, e.g. (n_features, n_frames)) and its values
/// in row-major order, widened to f64.
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    pub(crate) shape: Vec<usize>,
    pub(crate) data: Vec<f64>,
}

impl Reference {
    /// Element (i, j) of a two-dimensional reference.
    pub(crate) fn at(&self, i: usize, j: usize) -> f64 {
        assert_eq!(self.shape.len(), 2);
        self.data[i * self.shape[1] + j]
    }
}

/// Reads the reference array `SIGNAL/NAME` listed in `fixtures/reference/data/manifest.json`.
pub(crate) fn reference(signal: &str, name: &str) -> Reference {
    let dir = reference_dir().join("data");
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("manifest.json")).expect("fixtures/reference/data/manifest.json"),
    )
    .expect("manifest is JSON");
    let key = format!("{signal}/{name}");
    let entry = manifest.get(&key).unwrap_or_else(|| {
        panic!("no reference {key} in manifest.json; rerun the reference scripts")
    });
    let file = dir.join(entry["file"].as_str().expect("file"));
    let shape: Vec<usize> = entry["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|v| v.as_u64().expect("dim") as usize)
        .collect();
    let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let data: Vec<f64> = match entry["dtype"].as_str() {
        Some("f32") => bytes
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        Some("f64") => bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect(),
        other => panic!("unknown dtype {other:?} for {key}"),
    };
    assert_eq!(data.len(), shape.iter().product::<usize>(), "{key}");
    Reference { shape, data }
}

/// Asserts that `actual` matches `expected` elementwise within `atol + rtol * |expected|`,
/// reporting the worst element.
pub(crate) fn assert_close(what: &str, actual: &[f64], expected: &[f64], rtol: f64, atol: f64) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    let mut worst = (0usize, 0.0f64);
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let excess = (a - e).abs() - (atol + rtol * e.abs());
        if excess > worst.1 || (i == 0 && excess > 0.0) {
            worst = (i, excess);
        }
    }
    let (i, excess) = worst;
    assert!(
        excess <= 0.0,
        "{what}: element {i} is {} but the reference is {} (rtol {rtol:e}, atol {atol:e})",
        actual[i],
        expected[i]
    );
}

/// Seed of the pseudo-random test inputs.
pub(crate) const RNG_SEED: u64 = 20261122;

/// `n` pseudo-random samples, uniform in [-1, 1), from a fixed seed (SplitMix64).
pub(crate) fn random_signal(seed: u64, n: usize) -> Vec<f32> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            ((z >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// The names of the reference signals written by `fixtures/reference/common.py`.
pub(crate) const SIGNALS: [&str; 8] = [
    "chirp",
    "chord_env",
    "clicks_120",
    "harm_perc",
    "noise",
    "short_1000",
    "silence",
    "tone_443",
];

/// `|STFT|` (n_fft 2048, hop 512, Hann, centred, reflect padding) of a reference signal,
/// frames as rows.
pub(crate) fn magnitude_spectrogram(name: &str) -> ndarray::Array2<f32> {
    let mut mag = ndarray::Array2::zeros((0, 0));
    crate::stft::Stft::new(2048, 512).magnitude(
        &signal(name),
        crate::stft::PadMode::Reflect,
        &mut mag,
    );
    mag
}

/// `|STFT|^2` of a reference signal, as [`magnitude_spectrogram`] squared in f32 like librosa.
pub(crate) fn power_spectrogram(name: &str) -> ndarray::Array2<f32> {
    let mut p = magnitude_spectrogram(name);
    p.mapv_inplace(|m| m * m);
    p
}

/// A frame-major Rust array flattened in librosa's (features, frames) order, widened to f64.
pub(crate) fn librosa_order<T: Copy + Into<f64>>(a: &ndarray::Array2<T>) -> Vec<f64> {
    a.t().iter().map(|&v| v.into()).collect()
}
