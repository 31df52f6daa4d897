//! Criterion benchmarks of feature extraction on a 30-second clip: each stage alone, and the
//! full feature vector. Run with `cargo bench -p genrekit-benches`.

use criterion::{Criterion, criterion_group, criterion_main};
use genrekit_features::{
    ChromaStft, Complex32, FeatureExtractor, Hpss, MedianFilter, Mfcc, OnsetStrength, PadMode,
    SpectralContrast, Stft, Tempo, rms, spectral_bandwidth, spectral_centroid, spectral_rolloff,
    zero_crossing_rate,
};
use ndarray::Array2;

fn stages(c: &mut Criterion) {
    let y = genrekit_benches::clip_30s();
    let sr = genrekit_benches::SAMPLE_RATE as f32;
    let mut stft = Stft::new(2048, 512);
    let mut spectrum: Array2<Complex32> = Array2::zeros((0, 1025));
    stft.complex(&y, PadMode::Reflect, &mut spectrum);
    let magnitude = spectrum.mapv(|d| d.norm());
    let power = magnitude.mapv(|m| m * m);

    let mut group = c.benchmark_group("30s clip");
    group.sample_size(20);
    group.bench_function("stft", |b| {
        b.iter(|| stft.complex(&y, PadMode::Reflect, &mut spectrum));
    });
    let mut chroma = ChromaStft::new(sr, 2048, 12);
    let mut chroma_out = Array2::zeros((0, 12));
    group.bench_function("chroma_stft", |b| {
        b.iter(|| chroma.compute(power.view(), &mut chroma_out));
    });
    let mut frames_f32 = Vec::new();
    group.bench_function("rms", |b| {
        b.iter(|| rms(&y, 2048, 512, PadMode::Reflect, &mut frames_f32));
    });
    let (mut f1, mut f2) = (Vec::new(), Vec::new());
    group.bench_function("spectral centroid+bandwidth+rolloff", |b| {
        b.iter(|| {
            spectral_centroid(magnitude.view(), sr, &mut f1);
            spectral_bandwidth(magnitude.view(), sr, &f1, &mut f2);
            spectral_rolloff(magnitude.view(), sr, 0.85, &mut f2);
        });
    });
    group.bench_function("zero_crossing_rate", |b| {
        b.iter(|| zero_crossing_rate(&y, 2048, 512, &mut f1));
    });
    // HPSS's two running medians (width 31) over the clip's 1293 x 1025 magnitudes.
    let mut median = MedianFilter::new(31);
    let (flat, mut filtered) = (magnitude.iter().copied().collect::<Vec<f32>>(), Vec::new());
    filtered.resize(flat.len(), 0.0);
    group.bench_function("median along frequency (P)", |b| {
        b.iter(|| median.filter_rows(&flat, 1025, &mut filtered));
    });
    group.bench_function("median along time (H)", |b| {
        b.iter(|| median.filter_columns(&flat, 1025, &mut filtered));
    });
    let mut hpss = Hpss::new(2048, 512);
    let (mut h, mut p) = (Vec::new(), Vec::new());
    group.bench_function("hpss", |b| {
        b.iter(|| hpss.separate(&spectrum, y.len(), &mut h, &mut p));
    });
    // What the extractor runs: only the harmonic part is inverted, percussive = y - harmonic,
    // with the magnitudes' rows padded to 1040 samples.
    let mut padded = Array2::zeros((magnitude.nrows(), 1040));
    for (mut to, from) in padded.rows_mut().into_iter().zip(magnitude.rows()) {
        to.iter_mut().zip(from).for_each(|(to, &m)| *to = m);
    }
    group.bench_function("hpss, one inverse STFT", |b| {
        b.iter(|| hpss.separate_signal(&y, &spectrum, &padded, &mut h, &mut p));
    });
    let mut onset = OnsetStrength::new(sr);
    let mut tempo = Tempo::new(sr, 512);
    let mut env = Vec::new();
    group.bench_function("onset+tempo", |b| {
        b.iter(|| {
            onset.compute(&y, &mut env);
            tempo.estimate(&env)
        });
    });
    let mut mfcc = Mfcc::new(sr, 2048, 128, 20);
    let mut mfcc_out = Array2::zeros((0, 20));
    group.bench_function("mfcc", |b| {
        b.iter(|| mfcc.compute(power.view(), &mut mfcc_out));
    });
    let mut contrast = SpectralContrast::new(sr, 2048, 6, 200.0, 0.02);
    let mut contrast_out = Array2::zeros((0, 7));
    group.bench_function("spectral_contrast", |b| {
        b.iter(|| contrast.compute(magnitude.view(), &mut contrast_out));
    });
    let mut extractor = FeatureExtractor::new(22050);
    let mut out = Vec::new();
    group.bench_function("full vector", |b| {
        b.iter(|| extractor.extract_into(&y, &mut out));
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
