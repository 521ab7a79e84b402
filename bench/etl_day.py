"""ETL memory and throughput: one day of N updates through the real day job (flatten, dedupe, Parquet),
over an in-memory storage that makes each raw object when it is read, from a pool of the benchmark
corpus's updates (bench.corpus.corpus_updates; each copy with its own update_id). So the figures are
the ETL's own: throughput, and peak resident memory against the interpreter with pyarrow and the pool
loaded.

Usage: python -m bench.etl_day [N]   (default 1,000,000)
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bench.common import DAY, peak_rss_mib
from bench.corpus import corpus_updates
from telegram_etl.job import RAW_PREFIX, READ_WORKERS, partition_prefix, process_day
from telegram_etl.privacy import People
from telegram_etl.storage import StoredObject

POOL = 20_000


class SyntheticDay:
    def __init__(self, count: int) -> None:
        self.count = count
        self.pool = corpus_updates(min(count, POOL))
        self.written_bytes = 0
        self.files = 0

    def list_objects(self, bucket: str, prefix: str) -> Iterator[StoredObject]:
        # The day's objects in the object layout only: the day before is empty, and so is the Firehose
        # layout's prefix, which the job lists too (before, every object was read twice).
        if bucket != "raw" or prefix != partition_prefix(RAW_PREFIX, DAY):
            return
        stamp = datetime(2025, 3, 10, 12, tzinfo=UTC)
        for i in range(self.count):
            yield StoredObject(f"{prefix}{i:09d}.json", stamp)

    def get(self, bucket: str, key: str) -> bytes:
        i = int(key.rsplit("/", 1)[-1][:-5])
        return json.dumps({**self.pool[i % len(self.pool)], "update_id": i}, ensure_ascii=False).encode()

    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        self.written_bytes += len(body)
        self.files += 1

    def delete(self, bucket: str, keys: Iterable[str]) -> None:
        pass

    def start_upload(self, bucket: str, key: str, content_type: str) -> CountingUpload:
        # Like S3's multipart upload, parts leave as they are written: the day's Parquet object is not
        # held in this process (without this, a 10 M-update day's ~200 MB file would count as ETL memory).
        return CountingUpload(self)


class CountingUpload:
    def __init__(self, day: SyntheticDay) -> None:
        self._day = day

    def write_part(self, body: bytes) -> None:
        self._day.written_bytes += len(body)

    def complete(self) -> None:
        self._day.files += 1

    def abort(self) -> None:
        pass


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    storage = SyntheticDay(count)
    baseline = peak_rss_mib()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
        result = process_day(storage, raw_bucket="raw", processed_bucket="processed", day=DAY, pool=pool,
                             people=People(b"bench-key"))  # as deployed: pseudonyms, redaction  # fmt: skip
    elapsed = time.perf_counter() - started
    peak = peak_rss_mib()
    assert result.written == count, result
    speed = f"{elapsed:.1f} s ({count / elapsed:,.0f}/s)"
    memory = f"peak RSS {peak:.0f} MiB (+{peak - baseline:.0f} MiB over the loaded interpreter)"
    output = f"{storage.files} Parquet file(s), {storage.written_bytes / 2**20:.1f} MiB"
    print("| benchmark | result |\n|---|---|")
    print(f"| ETL day job in memory, {count:,} updates | {speed}, {memory}, {output} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
