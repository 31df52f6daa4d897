"""Times Essentia's MusicExtractor on audio files, for the peers table of benches/peers.py.

MusicExtractor is Essentia's all-in-one music descriptor extractor (low-level spectral,
rhythm and tonal descriptors with statistics: about 580 descriptor names, a much larger set
than genrekit's 57 columns plus extras). It runs with its defaults, as a user calling it would:
it loads, resamples to 44.1 kHz and analyses the whole file. Single-threaded (BLAS/OpenMP
threads pinned to 1). Per file: the minimum wall time over --repeat runs, after one warm-up
run on the first file.

Usage:
    pip install essentia
    python3 benches/peers/essentia_bench.py [--repeat 1] FILE...   # prints JSON
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import json
import sys
import time


def load():
    """Essentia's standard-mode module and its version, quiet; raises ImportError if missing."""
    import essentia
    import essentia.standard as es

    essentia.log.infoActive = False
    essentia.log.warningActive = False
    return es, essentia.__version__


def time_files(paths: list[str], repeat: int) -> list[dict]:
    """Per file: {path, seconds (minimum wall time), descriptors (how many it computed)}."""
    es, _ = load()
    extractor = es.MusicExtractor()
    if paths:
        extractor(paths[0])  # warm-up: lazily built algorithms, caches
    out = []
    for path in paths:
        best = float("inf")
        n = 0
        for _ in range(repeat):
            t = time.perf_counter()
            pool, _frames = extractor(path)
            best = min(best, time.perf_counter() - t)
            n = len(pool.descriptorNames())
        out.append({"path": path, "seconds": best, "descriptors": n})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    try:
        _, version = load()
    except ImportError as err:
        sys.exit(f"essentia_bench: cannot import essentia ({err}); pip install essentia")
    print(json.dumps({"essentia": version, "files": time_files(args.files, args.repeat)}))


if __name__ == "__main__":
    main()
