"""Flatten + Parquet write in memory, on the demo generator's updates: ours (the ETL's flatten and the
schema module's Arrow schema) against pandas.json_normalize + to_parquet.

Usage: python -m bench.flatten_write [N]   (default 10,000)
"""

from __future__ import annotations

import io
import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from bench.common import rate, timer, updates
from bench.naive import naive_parquet
from telegram_etl.flatten import flatten, parse_update
from telegram_etl.schema import ARROW_SCHEMA


def ours(bodies: list[bytes]) -> bytes:
    rows = [flatten(parse_update(body), None) for body in bodies]
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=ARROW_SCHEMA), buffer, compression="zstd")
    return buffer.getvalue()


def naive(bodies: list[bytes]) -> bytes:
    return naive_parquet([json.loads(body) for body in bodies])


def best_of(runs: int, work, bodies) -> tuple[float, bytes]:
    best, output = float("inf"), b""
    for _ in range(runs):
        with timer() as elapsed:
            output = work(bodies)
        best = min(best, elapsed())
    return best, output


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    bodies = [json.dumps(u, ensure_ascii=False).encode() for u in updates(count)]
    ours_s, ours_out = best_of(3, ours, bodies)
    naive_s, naive_out = best_of(3, naive, bodies)
    naive_columns = len(pq.read_schema(io.BytesIO(naive_out)))
    ours_cell = (
        f"{ours_s:.2f} s ({rate(count, ours_s)}), {len(ours_out) / 1024:.0f} KiB, "
        f"{len(ARROW_SCHEMA)} typed columns"
    )
    naive_cell = (
        f"{naive_s:.2f} s ({rate(count, naive_s)}), {len(naive_out) / 1024:.0f} KiB, "
        f"{naive_columns} columns, lists as strings"
    )
    print("| benchmark | ours | naive baseline | naive / ours |\n|---|---|---|---|")
    print(
        f"| flatten + Parquet, {count:,} updates (in memory, best of 3) | {ours_cell} | {naive_cell} "
        f"| {naive_s / ours_s:.1f}x |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
