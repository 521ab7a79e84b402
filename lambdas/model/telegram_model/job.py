"""A model run: which days it writes, which processed days it reads, and each table's partitions replaced.

A run writes the days first..last of every model table (telegram_model.tables) and reads the processed
updates of first - CONTEXT_DAYS .. last + CONTEXT_DAYS (the days of those that exist): a case of day D is
answered, rated or asked again within 7 days of its request, and a reply, a click or a follow-up of day D
may concern a request of up to 7 days before. Rows of the context days are computed but not written (their
own context reaches further). So re-running the ETL for a past day D (the model then writes D-7..D) keeps
the answers, ratings and follow-ups that later days hold for those cases. The daily run (the ETL wrote
the last day alone) reads that day only when the days before have their state (telegram_model.incremental,
telegram_model.state), with the same rows; every run writes the state of the days it writes.

Each partition is one object, replaced whole (telegram_etl.storage.PartitionWriter): a reader sees the
previous one or the new one, never part of a run. A day without rows has no object (an earlier one is
deleted after the others are written). Re-running a range gives the same bytes.

Memory: the processed objects are downloaded to the run's temporary folder (Lambda's /tmp) and read there
by DuckDB (telegram_model.build), which holds the layers within its memory limit and spills the rest to
that folder; each partition is written a batch of rows at a time. Python never holds a day whole.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from telegram_etl.storage import PartitionWriter, Storage
from telegram_model.build import compiled_layers, connect, day_rows, register_updates, rows, run_layers
from telegram_model.incremental import run_incremental
from telegram_model.layers import ModelSettings
from telegram_model.state import (
    FROM_LAYERS,
    FROM_UPDATES,
    fetch,
    fingerprint,
    mark_days,
    markable,
    record_stale,
    stale_days,
    unmark_days,
    write_state,
)
from telegram_model.tables import TABLES, Table

PROCESSED_PREFIX = "telegram"  # the ETL's processed table (telegram_etl.job.PROCESSED_PREFIX)
CONTEXT_DAYS = 7
ROW_GROUP_ROWS = 100_000
ROW_GROUP_BYTES = 64 * 2**20
PART_BYTES = 8 * 2**20


def partition_prefix(prefix: str, day: date) -> str:
    return f"{prefix}/context_date={day.isoformat()}/"


def part_key(table: Table, day: date) -> str:
    return f"{partition_prefix(table.prefix(), day)}part-00000.parquet"


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


@dataclass
class ModelResult:
    first: str
    last: str
    read_days: int = 0
    updates: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    mode: str = "full"  # or incremental: the new day read, the days before from state

    def as_dict(self) -> dict[str, Any]:
        return {"start_date": self.first, "end_date": self.last, "read_days": self.read_days,
                "updates": self.updates, "rows": self.rows, "mode": self.mode}  # fmt: skip


def download_updates(storage: Storage, bucket: str, first: date, last: date, folder: Path) -> list[Path]:
    """The processed Parquet objects of first..last, downloaded into `folder` under their keys (their day
    in the path, .../context_date=YYYY-MM-DD/), for DuckDB to read (telegram_model.build.register_updates)."""
    paths = []
    for day in days(first, last):
        prefix = partition_prefix(PROCESSED_PREFIX, day)
        for key in sorted(o.key for o in storage.list_objects(bucket, prefix) if o.key.endswith(".parquet")):
            paths.append(fetch(storage, bucket, key, folder))
    return paths


def write_partition(storage: Storage, bucket: str, table: Table, day: date, parts: Iterable[pa.Table]) -> int:
    """Replace the table's partition of `day` with the rows of `parts` (delete it when there are none),
    one row group in memory at a time. Returns the rows written."""
    key = part_key(table, day)
    writer = PartitionWriter(storage, bucket, key, table.arrow_schema, row_group_rows=ROW_GROUP_ROWS,
                             row_group_bytes=ROW_GROUP_BYTES, part_bytes=PART_BYTES)  # fmt: skip
    count = 0
    try:
        for part in parts:
            count += part.num_rows
            writer.write(part)
        writer.close()  # publishes nothing when nothing was written
    except BaseException:
        writer.abort()
        raise
    # Without rows, the day's old object goes; with rows, anything else left there by something else: the
    # partition is its one object.
    stale = [
        o.key for o in storage.list_objects(bucket, partition_prefix(table.prefix(), day))
        if not count or o.key != key
    ]  # fmt: skip
    if stale:
        storage.delete(bucket, stale)
    return count


def write_days(
    storage: Storage, bucket: str, connection: duckdb.DuckDBPyConnection, table: Table, written: list[date]
) -> int:  # fmt: skip
    """Replace the table's partitions of these days with their rows (a batch of rows in memory at a time)."""
    count = 0
    for day in written:
        parts = (part.drop_columns(["context_date"]) for part in rows(connection, table, day, day))
        count += write_partition(storage, bucket, table, day, parts)
    return count


def run_model(
    storage: Storage, *, bucket: str, settings: ModelSettings, first: date, last: date,
    context_days: int = CONTEXT_DAYS, new_days: Sequence[date] = (),
) -> ModelResult:  # fmt: skip
    """Recompute and replace the model's partitions of first..last. `new_days`: the processed days that
    changed since the last run (the ETL's): when it is the last day alone, and the days before have their
    state, the run reads that day only (telegram_model.incremental), else all of them (`full`)."""
    result = ModelResult(first.isoformat(), last.isoformat())
    layers = compiled_layers(settings)
    mark = fingerprint(layers, settings)
    window = days(first, last)

    def write_table(connection: duckdb.DuckDBPyConnection, table: Table, only: list[date] | None) -> int:
        return write_days(storage, bucket, connection, table, window if only is None else only)

    def save_state(connection: duckdb.DuckDBPyConnection, day: date, kinds: Sequence[str]) -> None:
        write_state(storage, bucket, connection, day, kinds)

    if list(new_days) == [last] and (last - first).days == context_days:
        done = run_incremental(
            storage, bucket=bucket, layers=layers, mark=mark, first=first, last=last,
            context_days=context_days, processed_prefix=PROCESSED_PREFIX,
            download_updates=lambda day, folder: download_updates(storage, bucket, day, day, folder),
            write_table=write_table, write_state=save_state,
        )  # fmt: skip
        if done is not None:
            result.rows, result.updates = done
            result.read_days, result.mode = 1, "incremental"
            return result
    context = timedelta(days=context_days)
    with tempfile.TemporaryDirectory(prefix="model-") as folder:
        paths = download_updates(storage, bucket, first - context, last + context, Path(folder))
        counts = day_rows(paths)
        result.updates, result.read_days = sum(counts.values()), len(counts)
        connection = connect(Path(folder))
        try:
            register_updates(connection, paths)
            run_layers(connection, layers)
            # Before anything is written, the days written and the days read whose state an edit made
            # stale lose their markers (telegram_model.state): a run that fails half-way leaves none valid.
            stale = stale_days(connection, context_days)
            unmark_days(storage, bucket, sorted(set(window) | stale))
            record_stale(storage, bucket, sorted(stale))
            for table in TABLES:
                result.rows[table.name] = write_table(connection, table, None)
            # State only for the days with processed data, which are all the incremental run asks for: an
            # empty day stays empty (make verify takes a day with nothing under it for its own).
            stated = [day for day in window if counts.get(day.isoformat())]
            for day in stated:
                write_state(storage, bucket, connection, day, (*FROM_LAYERS, *FROM_UPDATES))
            mark_days(storage, bucket, markable(storage, bucket, stated, stale, last, context_days), mark)
        finally:
            connection.close()
    return result
