//! Every file in the shared data folder decodes: 50 GTZAN WAVs to their table length, 10 MP3s
//! close to their WAVs, 16 Ogg Vorbis files to the length librosa gives.

// Test helpers outside #[test] functions unwrap too; a panic is a test failure here.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use genrekit_audio::{AudioFile, DEFAULT_SAMPLE_RATE, DecodeOptions, SnippetOptions};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

/// The shared data folder, or `None` (with a loud message) when the repo is used without it.
fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(SHARED);
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("\n*** SKIPPED: shared data not found at {SHARED} ***\n");
        None
    }
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn decode(path: &Path) -> Vec<f32> {
    let file = AudioFile::open(path, &DecodeOptions::default())
        .unwrap_or_else(|e| panic!("open failed: {e}"));
    let audio = file
        .decode_all()
        .unwrap_or_else(|e| panic!("decode failed: {e}"));
    assert_eq!(audio.sample_rate, DEFAULT_SAMPLE_RATE);
    assert_eq!(audio.skipped_packets, 0, "{}", path.display());
    audio.samples
}

/// Runs `f` over `items` on two threads (the machine has two cores).
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let half = items.len().div_ceil(2);
    std::thread::scope(|s| {
        let (a, b) = items.split_at(half);
        let f = &f;
        let h = s.spawn(move || a.iter().map(f).collect::<Vec<_>>());
        let mut out: Vec<R> = b.iter().map(f).collect();
        let mut first = h.join().unwrap();
        first.append(&mut out);
        first
    })
}

/// `filename -> length` from features_30_sec.csv.
fn table_lengths(data: &Path) -> std::collections::HashMap<String, usize> {
    let csv = std::fs::read_to_string(data.join("gtzan/features_30_sec.csv")).unwrap();
    csv.lines()
        .skip(1)
        .filter_map(|l| {
            let mut it = l.split(',');
            Some((it.next()?.to_string(), it.next()?.parse().ok()?))
        })
        .collect()
}

#[test]
fn every_gtzan_wav_has_the_table_length_and_is_one_snippet() {
    let Some(data) = shared() else { return };
    let lengths = table_lengths(&data);
    let wavs = files(&data.join("gtzan/genres"), "wav");
    assert_eq!(wavs.len(), 50);
    let results = par_map(&wavs, |p| {
        let file = AudioFile::open(p, &DecodeOptions::default()).unwrap();
        assert_eq!(file.info().sample_rate, 22050);
        assert_eq!(file.info().channels, Some(1));
        let mut snippets = file.snippets(&SnippetOptions::default());
        let all: Vec<_> = snippets.by_ref().map(|s| s.unwrap()).collect();
        (p.clone(), all, snippets.total_samples())
    });
    for (path, snippets, total) in results {
        let name = path.file_name().unwrap().to_str().unwrap();
        let expected = lengths[name];
        assert_eq!(total, expected, "{name}");
        assert_eq!(snippets.len(), 1, "{name}");
        assert_eq!(snippets[0].samples.len(), expected, "{name}");
        assert_eq!(snippets[0].start, 0);
    }
}

/// 22050 Hz PCM passes through bit-exact: int16 / 32768, as soundfile (librosa.load) reads it.
#[test]
fn gtzan_wav_samples_are_int16_over_32768() {
    let Some(data) = shared() else { return };
    let path = data.join("gtzan/genres/blues/blues.00000.wav");
    let bytes = std::fs::read(&path).unwrap();
    let samples = decode(&path);
    // Canonical 44-byte header in GTZAN files; check the first and last 1000 samples.
    let pcm: Vec<f32> = bytes[44..]
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect();
    assert_eq!(pcm.len(), samples.len());
    assert_eq!(&samples[..1000], &pcm[..1000]);
    assert_eq!(&samples[samples.len() - 1000..], &pcm[pcm.len() - 1000..]);
    assert_eq!(samples, pcm);
}

/// Best normalized correlation of `b` against `a` over lags in `-max_lag..=max_lag`, found on
/// a 2 s window, then measured on the whole overlap: `(lag, correlation)`.
fn align(a: &[f32], b: &[f32], max_lag: isize) -> (isize, f64) {
    let corr = |lag: isize, start: usize, len: usize| -> f64 {
        let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
        for i in start..start + len {
            let j = i as isize + lag;
            if j < 0 || j as usize >= b.len() || i >= a.len() {
                continue;
            }
            let (x, y) = (f64::from(a[i]), f64::from(b[j as usize]));
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }
        ab / (aa * bb).sqrt().max(1e-30)
    };
    let start = a.len() / 2;
    let best = (-max_lag..=max_lag)
        .max_by(|&x, &y| corr(x, start, 44100).total_cmp(&corr(y, start, 44100)))
        .unwrap();
    let margin = max_lag as usize;
    (best, corr(best, margin, a.len() - 2 * margin))
}

#[test]
fn mp3s_match_their_wavs() {
    let Some(data) = shared() else { return };
    let mp3s = files(&data.join("gtzan/mp3"), "mp3");
    assert_eq!(mp3s.len(), 10);
    let results = par_map(&mp3s, |mp3| {
        let stem = mp3.file_stem().unwrap().to_str().unwrap().to_string();
        let genre = stem.split('.').next().unwrap().to_string();
        let wav = data.join(format!("gtzan/genres/{genre}/{stem}.wav"));
        let a = decode(&wav);
        let b = decode(mp3);
        let (lag, c) = align(&a, &b, 1200);
        (stem, a.len(), b.len(), lag, c)
    });
    for (stem, na, nb, lag, c) in results {
        eprintln!("{stem}: wav {na}, mp3 {nb}, lag {lag}, correlation {c:.5}");
        assert!(na.abs_diff(nb) <= 1152, "{stem}: lengths {na} vs {nb}");
        assert!(c >= 0.99, "{stem}: correlation {c}");
    }
}

#[test]
fn every_ogg_decodes_to_ceil_of_its_length() {
    let Some(data) = shared() else { return };
    let oggs = files(&data.join("cc-music"), "ogg");
    assert_eq!(oggs.len(), 16);
    let results = par_map(&oggs, |p| {
        let file = AudioFile::open(p, &DecodeOptions::default()).unwrap();
        let info = file.info().clone();
        let audio = file.decode_all().unwrap();
        (p.clone(), info, audio)
    });
    for (path, info, audio) in results {
        let hq = path.to_str().unwrap().ends_with(".hq.ogg");
        assert_eq!(
            info.sample_rate,
            if hq { 44100 } else { 22050 },
            "{}",
            path.display()
        );
        assert_eq!(
            info.channels,
            Some(if hq { 2 } else { 1 }),
            "{}",
            path.display()
        );
        assert_eq!(audio.skipped_packets, 0);
        // The container's frame count, resampled: ceil(n * 22050 / rate), +/- 1.
        let n = (info.duration_seconds.unwrap() * f64::from(info.sample_rate)).round();
        let expected = (n * 22050.0 / f64::from(info.sample_rate)).ceil() as usize;
        assert!(
            audio.samples.len().abs_diff(expected) <= 1,
            "{}: {} vs {expected}",
            path.display(),
            audio.samples.len()
        );
    }
}
