"""Shared helpers of the benchmark scripts: thread control and interleaved timing.

Timings are wall-clock (``time.perf_counter``) of single calls. Every round runs each
contender in turn: a few untimed warm-up calls (so thread pools and caches settle after the
previous contender), then ``reps`` timed calls. Reported: the median and the minimum over
all timed calls of all rounds.
"""
from __future__ import annotations

import contextlib
import os
import statistics
import time


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def threads(n: int, torch=None):
    """Use ``n`` threads for NumPy's BLAS (threadpoolctl) and, if given, for torch."""
    from threadpoolctl import threadpool_limits

    old = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=n, user_api="blas"):
        if torch is not None:
            torch.set_num_threads(n)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(old)


def blas_description() -> str:
    from threadpoolctl import threadpool_info

    libs = [f"{i['internal_api']} {i['version']} ({i.get('architecture', '?')}, {i['num_threads']} threads)"
            for i in threadpool_info() if i["user_api"] == "blas"]
    return ", ".join(libs) or "unknown BLAS"


def interleaved(contenders: dict, *, rounds: int = 9, reps: int = 20, warmup: int = 5, before=None) -> dict:
    """Time each callable of ``contenders`` in interleaved rounds; returns name -> list of seconds.

    ``reps`` and ``warmup`` may be dicts (per contender). ``before(name)``, if given, runs
    untimed before every call (e.g. to reset the weights).
    """
    times = {name: [] for name in contenders}
    for r in range(rounds):
        names = list(contenders)
        names = names[r % len(names):] + names[:r % len(names)]      # rotate the order
        for name in names:
            fn = contenders[name]
            n_rep = reps[name] if isinstance(reps, dict) else reps
            n_warm = warmup[name] if isinstance(warmup, dict) else warmup
            for _ in range(n_warm):
                if before:
                    before(name)
                fn()
            for _ in range(n_rep):
                if before:
                    before(name)
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
    return times


def summary(ts):
    return statistics.median(ts), min(ts)


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = "  ".join("-" * w for w in widths)
    print(title)
    print(line)
    print("  ".join(str(h).ljust(w) if i == 0 else str(h).rjust(w) for i, (h, w) in enumerate(zip(header, widths))))
    print(line)
    for row in rows:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    print(line)
