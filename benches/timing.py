"""What the benchmark scripts share: the clips they time and how a time is taken.

`compare_librosa.py` and `peers.py` import it from this folder (Python puts a script's own
folder on the import path).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENRES = ROOT.parent / "shared" / "data" / "gtzan" / "genres"


def shared_clips(n: int) -> list[Path]:
    """The first `n` shared GTZAN clips, the first of each genre first (blues.00000,
    classical.00000, ..., then blues.00001, ...); exits with a message if there are none."""
    by_index = sorted(GENRES.glob("*/*.wav"), key=lambda p: (p.name.split(".")[1], p.name))
    clips = by_index[:n]
    if not clips:
        sys.exit(f"no clips under {GENRES}: put ../shared beside the repository")
    return clips


def best_of(fn, repeat: int) -> float:
    """The shortest of `repeat` timed calls of `fn`, in seconds, after one untimed warm-up call
    (numba compilation, caches)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best
