"""genrekit beside its peers, per clip, in one run: librosa 0.11, bliss-audio and Essentia.

For each clip (the first of each GTZAN genre first, as compare_librosa.py picks them), one
single-threaded number per tool, each the minimum wall time over --repeat runs after a warm-up:

- genrekit: `genrekit bench --format json --jobs 1` on the clip: decode + resample + every
  feature (the GTZAN table's 57 columns and the extras) + KNN, end to end ("genrekit e2e"),
  and the feature stages alone ("genrekit features").
- librosa 0.11: `librosa.load(sr=22050)` then the table's 57 columns as
  fixtures/reference/gtzan_reference.py computes them: the same features.
- bliss-audio (Rust, crates.io): decode with its symphonia decoder, then `Song::analyze`, its 23
  numbers (tempo, centroid, roll-off, flatness, ZCR, loudness, chroma); benches/peers/bliss.
  bliss runs its descriptors on several threads, so its wall time uses both cores here; its
  CPU time is reported too.
- Essentia: MusicExtractor with its defaults (about 580 descriptors, analysed at 44.1 kHz);
  benches/peers/essentia_bench.py.

Ratios are peer time / genrekit end-to-end time. A peer that cannot be built, installed or
run is reported with the reason, and the rest goes on. Writes benches/results/peers.json.

Usage (from the repository root, ../shared beside it):
    pip install librosa==0.11.0 essentia
    python3 benches/peers.py [--clips 10] [--repeat 3] [--essentia-repeat 1]
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import datetime
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benches" / "results"
sys.path.insert(0, str(ROOT / "benches" / "peers"))
sys.path.insert(0, str(ROOT / "fixtures" / "reference"))

from timing import best_of, shared_clips  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_genrekit(clips: list[Path], repeat: int) -> tuple[dict, str | None]:
    """Per clip path: {e2e, features} seconds, from `genrekit bench --jobs 1`."""
    try:
        subprocess.run(
            ["cargo", "build", "--release", "-q", "-p", "genrekit"], cwd=ROOT, check=True
        )
    except (OSError, subprocess.CalledProcessError) as err:
        return {}, f"cannot build genrekit: {err}"
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    exe = target / "release" / "genrekit"
    out = {}
    for clip in clips:
        # One extra pass: the first one warms the page cache and the extractor.
        r = json.loads(
            subprocess.run(
                [str(exe), "bench", "--format", "json", "--jobs", "1"]
                + ["--repeat", str(repeat + 1), str(clip)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        io = {"decode", "resample", "knn"}
        features = sum(s["min_s"] for s in r["stages"] if s["name"] not in io)
        out[str(clip)] = {"e2e": r["wall"]["min_s"], "features": features}
    return out, None


def run_librosa(clips: list[Path], repeat: int) -> tuple[dict, str | None, str | None]:
    try:
        import librosa
        from gtzan_reference import features as librosa_57
    except ImportError as err:
        return {}, None, f"cannot import librosa: {err}"

    out = {}
    for clip in clips:
        def load_and_extract(clip=clip):
            y, _ = librosa.load(clip, sr=22050)
            librosa_57(y)

        out[str(clip)] = best_of(load_and_extract, repeat)
    return out, librosa.__version__, None


def run_bliss(clips: list[Path], repeat: int) -> tuple[dict, str | None]:
    manifest = ROOT / "benches" / "peers" / "bliss" / "Cargo.toml"
    target = Path(os.environ.get("BLISS_TARGET_DIR", ROOT / "target-bliss"))
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    try:
        subprocess.run(
            ["cargo", "build", "--release", "-q", "--manifest-path", str(manifest)],
            env=env,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as err:
        return {}, f"cannot build benches/peers/bliss: {err}"
    run = subprocess.run(
        [str(target / "release" / "bliss-peer"), "--repeat", str(repeat)] + [str(c) for c in clips],
        capture_output=True,
        text=True,
    )
    if run.returncode not in (0, 3):
        return {}, f"bliss-peer failed: {run.stderr.strip()}"
    return {
        r["path"]: {
            "e2e": r["decode_s"] + r["analyze_s"],
            "analyze": r["analyze_s"],
            "analyze_cpu": r["analyze_cpu_s"],
        }
        for r in json.loads(run.stdout)
    }, None


def run_essentia(clips: list[Path], repeat: int) -> tuple[dict, str | None, str | None]:
    try:
        import essentia_bench

        _, version = essentia_bench.load()
    except ImportError as err:
        return {}, None, f"cannot import essentia ({err}): pip install essentia"
    rows = essentia_bench.time_files([str(c) for c in clips], repeat)
    return {r["path"]: r["seconds"] for r in rows}, version, None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=10, help="clips (first of each genre first)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per clip for genrekit, librosa, bliss")
    ap.add_argument("--essentia-repeat", type=int, default=1, help="runs per clip for Essentia (slow)")
    ap.add_argument("--skip", default="", help="comma-separated peers to leave out: librosa,bliss,essentia")
    args = ap.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    clips = shared_clips(args.clips)

    problems = {}
    versions = {}
    t0 = time.time()
    genrekit, err = run_genrekit(clips, args.repeat)
    if err:
        sys.exit(err)
    librosa_t, bliss_t, essentia_t = {}, {}, {}
    if "librosa" not in skip:
        librosa_t, versions["librosa"], err = run_librosa(clips, args.repeat)
        if err:
            problems["librosa"] = err
    if "bliss" not in skip:
        bliss_t, err = run_bliss(clips, args.repeat)
        versions["bliss-audio"] = "0.13 (symphonia decoder)"
        if err:
            problems["bliss"] = err
    if "essentia" not in skip:
        essentia_t, versions["essentia"], err = run_essentia(clips, args.essentia_repeat)
        if err:
            problems["essentia"] = err

    ms = lambda s: None if s is None else round(1e3 * s, 2)  # noqa: E731
    rows = []
    for clip in clips:
        k = str(clip)
        g = genrekit[k]
        rows.append(
            {
                "clip": clip.name,
                "genrekit_e2e_ms": ms(g["e2e"]),
                "genrekit_features_ms": ms(g["features"]),
                "librosa_ms": ms(librosa_t.get(k)),
                "bliss_ms": ms(bliss_t.get(k, {}).get("e2e")),
                "bliss_analyze_cpu_ms": ms(bliss_t.get(k, {}).get("analyze_cpu")),
                "essentia_ms": ms(essentia_t.get(k)),
            }
        )

    cols = [
        ("genrekit_e2e_ms", "genrekit e2e"),
        ("genrekit_features_ms", "gk features"),
        ("librosa_ms", "librosa"),
        ("bliss_ms", "bliss"),
        ("bliss_analyze_cpu_ms", "bliss CPU"),
        ("essentia_ms", "essentia"),
    ]

    def mean(key):
        v = [r[key] for r in rows if r[key] is not None]
        return round(sum(v) / len(v), 2) if v else None

    summary = {key: mean(key) for key, _ in cols}
    base = summary["genrekit_e2e_ms"]
    ratios = {
        peer: (round(summary[key] / base, 2) if summary[key] and base else None)
        for peer, key in [("librosa", "librosa_ms"), ("bliss", "bliss_ms"), ("essentia", "essentia_ms")]
    }

    print(
        f"{len(clips)} clips, best of {args.repeat} (Essentia: {args.essentia_repeat}); "
        f"{cpu_model()}, {os.cpu_count()} cores; ms per 30 s clip"
    )
    print(f"{'clip':18s}" + "".join(f"{name:>14s}" for _, name in cols))
    fmt = lambda v: f"{v:14.1f}" if v is not None else f"{'-':>14s}"  # noqa: E731
    for r in rows:
        print(f"{r['clip']:18s}" + "".join(fmt(r[key]) for key, _ in cols))
    print(f"{'mean':18s}" + "".join(fmt(summary[key]) for key, _ in cols))
    for peer, ratio in ratios.items():
        if ratio is not None:
            print(f"{peer}: {ratio:.2f}x genrekit's end-to-end time")
    for peer, why in problems.items():
        print(f"{peer}: not measured: {why}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count()},
        "note": "shared 2-core machine with other builds running: noisy; quote ratios from one run",
        "clips": len(clips),
        "repeat": args.repeat,
        "essentia_repeat": args.essentia_repeat,
        "versions": versions,
        "what": {
            "genrekit_e2e_ms": "genrekit bench --jobs 1: decode, resample, 57 columns + extras, KNN",
            "genrekit_features_ms": "the feature stages alone (no decode, resample or KNN)",
            "librosa_ms": "librosa.load(sr=22050) + the table's 57 columns (gtzan_reference.py)",
            "bliss_ms": "bliss-audio symphonia decode + Song::analyze (23 numbers; multi-threaded)",
            "bliss_analyze_cpu_ms": "process CPU time of bliss's Song::analyze (all threads)",
            "essentia_ms": "Essentia MusicExtractor, defaults (~580 descriptors at 44.1 kHz)",
        },
        "rows": rows,
        "mean": summary,
        "ratio_to_genrekit_e2e": ratios,
        "not_measured": problems,
        "run_seconds": round(time.time() - t0, 1),
    }
    (RESULTS / "peers.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS / 'peers.json'}")


if __name__ == "__main__":
    main()
