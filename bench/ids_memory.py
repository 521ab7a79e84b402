"""Memory of the ETL's set of seen update ids: the compact UpdateIds (sorted int64 array + recent set)
against a Python set, filled as the day job fills it (batches of BATCH_SIZE, a membership check of the
batch, then one add per id), each in a fresh interpreter so that peak RSS is its own.

Usage: python -m bench.ids_memory [N]   (default 10,000,000)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.common import peak_rss_mib
from telegram_etl.ids import UpdateIds
from telegram_etl.job import BATCH_SIZE


def fill(kind: str, count: int) -> tuple[float, float, float]:
    """(seconds, peak RSS MiB over the start, resident bytes per id at the end) in this interpreter."""
    baseline = peak_rss_mib()
    held_before = _rss_bytes()
    started = time.perf_counter()
    # Telegram's update ids grow by one per update, with gaps; a stride keeps them spread like that.
    if kind == "compact":
        ids = UpdateIds()
        for start in range(0, count, BATCH_SIZE):
            batch = list(range(start * 3, (start + min(BATCH_SIZE, count - start)) * 3, 3))
            ids.contains_many(batch)
            for update_id in batch:
                ids.add(update_id)
            ids.merge_if_large()
    else:
        plain: set[int] = set()
        for start in range(0, count, BATCH_SIZE):
            batch = list(range(start * 3, (start + min(BATCH_SIZE, count - start)) * 3, 3))
            [update_id in plain for update_id in batch]
            plain.update(batch)
    elapsed = time.perf_counter() - started
    return elapsed, peak_rss_mib() - baseline, (_rss_bytes() - held_before) / count


def _rss_bytes() -> int:
    """Resident memory now (not the peak): the structure's cost once filled."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> int:
    if len(sys.argv) > 2:  # the child: one kind
        seconds, peak, per_id = fill(sys.argv[2], int(sys.argv[1]))
        print(f"{seconds:.1f}\t{peak:.0f}\t{per_id:.1f}")
        return 0
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    print(f"| seen update ids, {count:,} (filled in batches of {BATCH_SIZE:,}) | time | peak RSS added "
          "| resident bytes per id at the end |\n|---|---|---|---|")  # fmt: skip
    for kind, label in (
        ("compact", "UpdateIds: sorted int64 array + recent set"),
        ("set", "Python set[int]"),
    ):
        output = subprocess.run([sys.executable, "-m", "bench.ids_memory", str(count), kind],
                                capture_output=True, text=True, check=True).stdout.split("\t")  # fmt: skip
        seconds, peak, per_id = output
        print(f"| {label} | {float(seconds):.1f} s | {peak.strip()} MiB | {float(per_id):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
