"""Side by side: genrekit and librosa 0.11 computing the same features on the same clips.

Both run single-threaded (BLAS/numba/OpenMP threads pinned to 1 for librosa; genrekit's
extractor is single-threaded per snippet). For each clip, each stage's time is the minimum over
--repeat runs after a warm-up; the table shows the mean over clips and the ratio
librosa / genrekit. "total (57 columns)" is the table's 57 columns computed the way
fixtures/reference/gtzan_reference.py does (librosa.effects.hpss computes its own STFT there,
as a librosa user would); genrekit's total is the full vector minus the extra columns.

Usage (from the repository root, with ../shared beside it):
    pip install librosa==0.11.0
    python3 benches/compare_librosa.py [--clips 10] [--repeat 3]
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import librosa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures" / "reference"))
from gtzan_reference import features as librosa_57  # noqa: E402
from timing import best_of, shared_clips  # noqa: E402

SR, N_FFT, HOP = 22050, 2048, 512


def librosa_stages(y: np.ndarray) -> dict[str, callable]:
    """librosa calls that compute what each genrekit stage computes (the same inputs)."""
    D = librosa.stft(y, n_fft=N_FFT, hop_length=HOP, pad_mode="reflect")
    S = np.abs(D)
    P = S**2
    chroma = librosa.feature.chroma_stft(S=P, sr=SR)

    def hpss():
        H, Pc = librosa.decompose.hpss(D)
        librosa.istft(H, length=len(y))
        librosa.istft(Pc, length=len(y))

    def tempo():
        env = librosa.onset.onset_strength(y=y, sr=SR, aggregate=np.median)
        librosa.feature.tempo(onset_envelope=env, sr=SR)

    def spectral():
        librosa.feature.spectral_centroid(S=S, sr=SR)
        librosa.feature.spectral_bandwidth(S=S, sr=SR)
        librosa.feature.spectral_rolloff(S=S, sr=SR)

    def mfcc():
        mel = librosa.feature.melspectrogram(S=P, sr=SR)
        librosa.feature.mfcc(S=librosa.power_to_db(mel, top_db=80.0), n_mfcc=20)

    return {
        "stft": lambda: np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP, pad_mode="reflect")),
        "chroma": lambda: librosa.feature.chroma_stft(S=P, sr=SR),
        "rms": lambda: librosa.feature.rms(y=y, pad_mode="reflect"),
        "spectral": spectral,
        "zcr": lambda: librosa.feature.zero_crossing_rate(y),
        "hpss": hpss,
        "tempo": tempo,
        "mfcc": mfcc,
        "contrast": lambda: librosa.feature.spectral_contrast(S=S, sr=SR),
        "tonnetz": lambda: librosa.feature.tonnetz(chroma=chroma, sr=SR),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=10, help="clips to use (first of each genre first)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    clips = shared_clips(args.clips)

    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "genrekit-benches", "--bin", "feature_timings"],
        cwd=ROOT,
        check=True,
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    rust = json.loads(
        subprocess.run(
            [str(target / "release" / "feature_timings"), "--repeat", str(args.repeat)]
            + [str(c) for c in clips],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )

    stages = list(rust[0]["stages"].keys())
    lib = {s: [] for s in stages}
    lib_total = []
    for clip in clips:
        y, _ = librosa.load(clip, sr=None)
        for name, fn in librosa_stages(y).items():
            lib[name].append(best_of(fn, args.repeat))
        lib_total.append(best_of(lambda: librosa_57(y), args.repeat))
    ours = {s: [c["stages"][s] for c in rust] for s in stages}
    extras = ("contrast", "tonnetz")
    ours_total = [c["total"] - sum(c["stages"][e] for e in extras) for c in rust]

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print(f"{len(clips)} clips, best of {args.repeat}, single-threaded; librosa {librosa.__version__}; {cpu}")
    print(f"{'stage':22s} {'librosa ms':>11s} {'genrekit ms':>12s} {'ratio':>8s}")
    for s in stages:
        a, b = 1e3 * np.mean(lib[s]), 1e3 * np.mean(ours[s])
        print(f"{s:22s} {a:11.2f} {b:12.2f} {a / b:7.1f}x")
    a, b = 1e3 * np.mean(lib_total), 1e3 * np.mean(ours_total)
    print(f"{'total (57 columns)':22s} {a:11.2f} {b:12.2f} {a / b:7.1f}x")


if __name__ == "__main__":
    main()
