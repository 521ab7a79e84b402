"""ETL benchmark: one synthetic day of N updates through the real job (flatten, dedupe, Parquet).

Storage is in memory and generates each raw object when it is read, so the figures are the ETL's own:
throughput, and peak resident memory against the baseline of the interpreter with pyarrow loaded.
Usage: python -m bench.etl_day [N]   (default 1,000,000)
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

from telegram_etl.job import READ_WORKERS, process_day
from telegram_etl.storage import StoredObject

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "telegram"
DAY = date(2025, 3, 10)


class SyntheticDay:
    """N raw updates cycling through the real fixtures, each with its own update_id."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.templates = [json.loads(p.read_bytes()) for p in sorted(FIXTURES.glob("[0-3]*.json"))]
        self.written_bytes = 0
        self.files = 0

    def list_objects(self, bucket: str, prefix: str) -> Iterator[StoredObject]:
        if bucket != "raw" or DAY.isoformat() not in prefix:  # the day before is empty
            return
        stamp = datetime(2025, 3, 10, 12, tzinfo=UTC)
        for i in range(self.count):
            yield StoredObject(f"{prefix}{i:09d}.json", stamp)

    def get(self, bucket: str, key: str) -> bytes:
        i = int(key.rsplit("/", 1)[-1][:-5])
        update = dict(self.templates[i % len(self.templates)])
        update["update_id"] = i
        return json.dumps(update).encode()

    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        self.written_bytes += len(body)
        self.files += 1

    def delete(self, bucket: str, keys: Iterable[str]) -> None:
        pass


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    storage = SyntheticDay(count)
    baseline = peak_rss_mib()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
        result = process_day(storage, raw_bucket="raw", processed_bucket="processed", day=DAY, pool=pool)
    elapsed = time.perf_counter() - started
    peak = peak_rss_mib()
    print(f"updates={count:,} written={result.written:,} files={storage.files} "
          f"parquet={storage.written_bytes / 2**20:.1f} MiB")  # fmt: skip
    print(f"elapsed={elapsed:.1f} s throughput={count / elapsed:,.0f} updates/s")
    print(f"peak RSS={peak:.0f} MiB (baseline {baseline:.0f} MiB, ETL +{peak - baseline:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
