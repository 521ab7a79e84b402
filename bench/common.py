"""What every benchmark shares: the demo generator's updates (same shapes, seeded) and timing."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from local_pipeline.generator import generate

DAY = date(2025, 3, 10)


def updates(count: int, *, seed: int = 1) -> list[dict[str, Any]]:
    """`count` distinct updates of the demo's conversation (redeliveries dropped), as one day's worth."""
    conversation = generate(seed=seed, updates=count, days=max(1, count // 20_000))
    distinct = {d.update["update_id"]: d.update for d in conversation.deliveries}
    return list(distinct.values())[:count]


def corpus_updates(count: int, *, seed: int = 1) -> list[dict[str, Any]]:
    """The updates of the ETL's throughput figures: the realistic support-chat corpus (bench.corpus: mostly
    distinct texts) by default, or the demo generator's (~20% distinct) with BENCH_CORPUS=demo."""
    corpus = os.environ.get("BENCH_CORPUS", "realistic")
    if corpus == "demo":
        return updates(count, seed=seed)
    if corpus != "realistic":
        raise ValueError(f"BENCH_CORPUS={corpus!r}: realistic or demo")
    from bench.corpus import realistic_updates  # which builds on updates()

    return realistic_updates(count, seed=seed)


def bodies(count: int, *, seed: int = 1) -> list[tuple[int, bytes]]:
    return [(u["update_id"], json.dumps(u, ensure_ascii=False).encode()) for u in updates(count, seed=seed)]


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    started = time.perf_counter()
    finished: list[float] = []
    yield lambda: (finished[0] if finished else time.perf_counter()) - started
    finished.append(time.perf_counter())


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def machine() -> str:
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    memory_kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return (
        f"{platform.machine()}, {cpus} cores, {memory_kib / 2**20:.0f} GiB, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
    )


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "-"
