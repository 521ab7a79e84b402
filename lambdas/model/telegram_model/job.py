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
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from telegram_etl.schema import ARROW_SCHEMA
from telegram_etl.storage import PartitionWriter, Storage
from telegram_model.build import UPDATES, compiled_layers, connect, rows, run_layers
from telegram_model.incremental import run_incremental
from telegram_model.layers import ModelSettings
from telegram_model.state import (
    FROM_LAYERS,
    FROM_UPDATES,
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
UPDATES_SCHEMA = ARROW_SCHEMA.append(pa.field("context_date", pa.string()))


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


def read_updates(storage: Storage, bucket: str, first: date, last: date) -> tuple[pa.Table, int]:
    """The processed updates of first..last, each day's columns as the schema has them now (a day written
    before a column existed reads it as null, as Athena does), with context_date."""
    tables, read = [], 0
    for day in days(first, last):
        prefix = partition_prefix(PROCESSED_PREFIX, day)
        keys = sorted(o.key for o in storage.list_objects(bucket, prefix) if o.key.endswith(".parquet"))
        read += bool(keys)
        for key in keys:
            stored = pq.read_table(io.BytesIO(storage.get(bucket, key)))
            columns = [
                stored.column(f.name).cast(f.type) if f.name in stored.column_names
                else pa.nulls(stored.num_rows, f.type)
                for f in ARROW_SCHEMA
            ]  # fmt: skip
            columns.append(pa.array([day.isoformat()] * stored.num_rows, pa.string()))
            tables.append(pa.Table.from_arrays(columns, schema=UPDATES_SCHEMA))
    return (pa.concat_tables(tables) if tables else UPDATES_SCHEMA.empty_table()), read


def write_partition(storage: Storage, bucket: str, table: Table, day: date, rows: pa.Table) -> bool:
    """Replace the table's partition of `day` with `rows` (delete it when there are none)."""
    key = part_key(table, day)
    if rows.num_rows == 0:
        stale = [o.key for o in storage.list_objects(bucket, partition_prefix(table.prefix(), day))]
        if stale:
            storage.delete(bucket, stale)
        return False
    writer = PartitionWriter(storage, bucket, key, table.arrow_schema, row_group_rows=ROW_GROUP_ROWS,
                             row_group_bytes=ROW_GROUP_BYTES, part_bytes=PART_BYTES)  # fmt: skip
    try:
        writer.write(rows)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    stale = [
        o.key for o in storage.list_objects(bucket, partition_prefix(table.prefix(), day)) if o.key != key
    ]
    if stale:  # left by something else: the partition is its one object
        storage.delete(bucket, stale)
    return True


def write_days(
    storage: Storage, bucket: str, connection: duckdb.DuckDBPyConnection, table: Table, written: list[date]
) -> int:  # fmt: skip
    """Replace the table's partitions of these days with their rows (one day's rows in memory at a time)."""
    count = 0
    for day in written:
        part = rows(connection, table, day, day).drop_columns(["context_date"])
        count += part.num_rows
        write_partition(storage, bucket, table, day, part)
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
            read_updates=lambda day: read_updates(storage, bucket, day, day)[0],
            write_table=write_table, write_state=save_state,
        )  # fmt: skip
        if done is not None:
            result.rows, result.updates = done
            result.read_days, result.mode = 1, "incremental"
            return result
    context = timedelta(days=context_days)
    updates, result.read_days = read_updates(storage, bucket, first - context, last + context)
    result.updates = updates.num_rows
    connection = connect()
    try:
        connection.register(UPDATES, updates)
        run_layers(connection, layers)
        # Before anything is written, the days written and the days read whose state an edit made stale
        # lose their markers (telegram_model.state): a run that fails half-way leaves none of them valid.
        stale = stale_days(connection, context_days)
        unmark_days(storage, bucket, sorted(set(window) | stale))
        record_stale(storage, bucket, sorted(stale))
        for table in TABLES:
            result.rows[table.name] = write_table(connection, table, None)
        # State only for the days with processed data, which are all the incremental run asks for: an empty
        # day stays empty (make verify takes a day with nothing under it for its own).
        present = set(pc.unique(updates.column("context_date")).to_pylist()) if updates.num_rows else set()
        stated = [day for day in window if day.isoformat() in present]
        for day in stated:
            write_state(storage, bucket, connection, day, (*FROM_LAYERS, *FROM_UPDATES))
        mark_days(storage, bucket, markable(storage, bucket, stated, stale, last, context_days), mark)
    finally:
        connection.close()
    return result
