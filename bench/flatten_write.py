"""Flatten + Parquet write in memory, on the demo generator's updates: the ETL's columnar path (with
orjson when installed, and with the standard library's json as in the Lambda), the row-dict path it
replaced (a dict per row + pa.Table.from_pylist), and pandas.json_normalize + to_parquet.

The text-features cache is emptied before every run, so each run pays for its distinct texts.

Usage: python -m bench.flatten_write [N]   (default 10,000)
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache

import pyarrow as pa
import pyarrow.parquet as pq

import telegram_etl.flatten as flatten_module
from bench.common import DAY, rate, timer, updates
from bench.naive import naive_parquet
from telegram_etl.flatten import flatten, parse_update
from telegram_etl.ids import UpdateIds
from telegram_etl.job import BATCH_SIZE, DayResult, _Rows
from telegram_etl.privacy import People, _redacted
from telegram_etl.schema import ARROW_SCHEMA
from telegram_etl.storage import StoredObject

STAMP = datetime(2025, 3, 10, 12, tzinfo=UTC)  # LastModified of every object: ingested_at is computed


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def columnar(bodies: list[bytes]) -> bytes:
    """The ETL's code: job._Rows (parse, dedupe, flatten, Arrow, per-object quarantine) in its batches."""
    # As the ETL runs by default: people as pseudonyms (a fresh cache per run, as per day), texts redacted.
    people = People(b"bench-key", staff_user_ids=())
    rows = _Rows(None, "processed", "quarantine/", UpdateIds(), DayResult(date=DAY.isoformat()), people)  # type: ignore[arg-type]
    tables = [rows.of(_listing(len(chunk)), chunk) for chunk in _chunks(bodies)]
    assert not rows.quarantined
    return _parquet(pa.concat_tables(tables))


def _chunks(bodies: list[bytes]) -> list[list[bytes]]:
    return [bodies[start : start + BATCH_SIZE] for start in range(0, len(bodies), BATCH_SIZE)]


@cache
def _listing(count: int) -> list[StoredObject]:
    """A batch's listed objects, made once: the listing is the storage's cost, not the flattener's."""
    return [StoredObject(f"{i}.json", STAMP) for i in range(count)]


def columnar_stdlib(bodies: list[bytes]) -> bytes:
    """The Lambda's case: orjson is not in its asset."""
    saved, flatten_module.orjson = flatten_module.orjson, None
    try:
        return columnar(bodies)
    finally:
        flatten_module.orjson = saved


def row_dicts(bodies: list[bytes]) -> bytes:
    """The code this replaced: text features computed for every row (no cache), a dict per row."""
    saved, flatten_module.text_features = flatten_module.text_features, flatten_module._text_features_of
    try:
        rows = [flatten(parse_update(body), STAMP) for body in bodies]
    finally:
        flatten_module.text_features = saved
    return _parquet(pa.Table.from_pylist(rows, schema=ARROW_SCHEMA))


def naive(bodies: list[bytes]) -> bytes:
    return naive_parquet([json.loads(body) for body in bodies])


def best_of(
    runs: int, work: Callable[[list[bytes]], bytes], bodies: list[bytes], *, warm: bool = False
) -> tuple[float, bytes]:
    best, output = float("inf"), b""
    for _ in range(runs):
        if not warm:
            flatten_module._cached_text_features.cache_clear()  # every run computes its texts' features
            _redacted.cache_clear()  # ...and redacts them
        with timer() as elapsed:
            output = work(bodies)
        best = min(best, elapsed())
    return best, output


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    bodies = [json.dumps(u, ensure_ascii=False).encode() for u in updates(count)]
    parser = "orjson" if flatten_module.orjson is not None else "json (orjson not installed)"
    ours_s, ours_out = best_of(5, columnar, bodies)
    warm_s, _ = best_of(5, columnar, bodies, warm=True)
    stdlib_s, _ = best_of(5, columnar_stdlib, bodies)
    rows_s, _ = best_of(5, row_dicts, bodies)
    naive_s, naive_out = best_of(3, naive, bodies)
    naive_columns = len(pq.read_schema(io.BytesIO(naive_out)))
    print(
        "| flatten + Parquet, in memory, best of 5 (naive: 3) | time | rate | vs naive |\n|---|---|---|---|"
    )
    for label, seconds in (
        (f"ours: columnar, {parser}", ours_s),
        (f"ours: columnar, {parser}, texts' features already cached (a later day, same texts)", warm_s),
        ("ours: columnar, stdlib json (the Lambda)", stdlib_s),
        ("before: a dict per row + from_pylist, stdlib json, features per row", rows_s),
        (f"naive: json_normalize + to_parquet ({naive_columns} columns, lists as strings)", naive_s),
    ):
        print(f"| {label}, {count:,} updates | {seconds:.3f} s | {rate(count, seconds)} "
              f"| {naive_s / seconds:.1f}x |")  # fmt: skip
    print(f"\nOurs writes {len(ours_out) / 1024:.0f} KiB, {len(ARROW_SCHEMA)} typed columns; naive "
          f"{len(naive_out) / 1024:.0f} KiB.")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
