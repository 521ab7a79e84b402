"""The model's tables from the processed updates of some days: each layer computed once, in DuckDB.

Pure: Parquet files of updates in (read by DuckDB where they lie, never whole in Python), the rows of each
model table (telegram_model.tables) of the days asked for out, in a fixed order, a batch at a time. DuckDB
holds the layers within its memory limit, a stated share of the function's memory, and spills the rest to
the temporary folder (Lambda's /tmp, the function's ephemeral storage). The downloading and writing are
telegram_model.job's."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from telegram_etl.schema import ARROW_SCHEMA
from telegram_model.layers import ModelSettings, in_order, rendered_layers, to_duckdb
from telegram_model.tables import Table

UPDATES = "telegram_updates"
UPDATES_SCHEMA = ARROW_SCHEMA.append(pa.field("context_date", pa.string()))
# DuckDB's memory limit, a share of the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE): the rest is
# the interpreter, DuckDB's memory outside its buffer pool, and the row group being written.
DUCKDB_MEMORY_SHARE = 0.6
BATCH_ROWS = 100_000  # rows handed from DuckDB to the writer at a time


def compiled_layers(settings: ModelSettings) -> list[tuple[str, str]]:
    """Every layer as DuckDB SQL, each after the layers it reads."""
    layers = rendered_layers(settings)
    return [(name, to_duckdb(layers[name])) for name in in_order(layers)]


def connect(folder: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB database in `folder` (the run's temporary folder, in Lambda's /tmp; it goes with it): the
    layers are tables in its file, compressed (about a seventh of their size in memory), which DuckDB
    evicts from memory and reads back as it needs (the incremental run's own tables too: a TEMP table
    would live in DuckDB's memory, uncompressed, spilled only past its limit); what does not fit otherwise
    (sorts, joins) spills to folder/duckdb-spill."""
    connection = duckdb.connect(str(folder / "model.duckdb"))
    connection.execute("SET TimeZone = 'UTC'")  # like Athena's session: local times come from the SQL
    connection.execute(f"SET temp_directory = '{(folder / 'duckdb-spill').as_posix()}'")
    # In Lambda, DuckDB would take 80% of the host's memory, not of the function's: it gets a share of
    # the function's.
    function_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    if function_mb:
        connection.execute(f"SET memory_limit = '{int(int(function_mb) * DUCKDB_MEMORY_SHARE)}MB'")
    return connection


def day_rows(paths: Iterable[Path]) -> dict[str, int]:
    """The updates of each day (YYYY-MM-DD) in these files, from their footers."""
    counts: dict[str, int] = {}
    for path in paths:
        day = path.parent.name.removeprefix("context_date=")
        counts[day] = counts.get(day, 0) + pq.ParquetFile(path).metadata.num_rows
    return counts


def register_updates(connection: duckdb.DuckDBPyConnection, paths: Sequence[Path]) -> None:
    """telegram_updates as a view over Parquet files of processed updates, each under a
    .../context_date=YYYY-MM-DD/ folder (its day): the schema's columns as the schema has them now (a file
    written before a column existed reads it as null, as Athena does), and context_date. DuckDB reads the
    columns and days each layer asks for, when it asks."""
    connection.register("updates_schema", UPDATES_SCHEMA.empty_table())
    types = {name: kind for name, kind, *_ in connection.execute("DESCRIBE updates_schema").fetchall()}
    connection.unregister("updates_schema")
    files, stored = "(SELECT 1) WHERE false", set()
    if paths:
        listed = ", ".join(f"'{p.as_posix()}'" for p in paths)  # our own folder's paths: no quote in them
        files = f"read_parquet([{listed}], union_by_name = true, hive_partitioning = true, " + (
            "hive_types = {'context_date': VARCHAR})"
        )
        stored = {row[0] for row in connection.execute(f"DESCRIBE SELECT * FROM {files}").fetchall()}  # noqa: S608

    def column(name: str, kind: str) -> str:
        source = f'"{name}"' if name in stored else "NULL"
        return f'CAST({source} AS {kind}) AS "{name}"'

    columns = ", ".join(column(name, kind) for name, kind in types.items())
    connection.execute(f"CREATE OR REPLACE TEMP VIEW {UPDATES} AS SELECT {columns} FROM {files}")  # noqa: S608


def run_layers(connection: duckdb.DuckDBPyConnection, layers: list[tuple[str, str]]) -> None:
    """Each layer as a table of the database, in order (a layer's SQL reads the tables of the layers before
    it, or the incremental run's tables of their names)."""
    for name, sql in layers:
        connection.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")


def rows(connection: duckdb.DuckDBPyConnection, table: Table, first: date, last: date) -> Iterator[pa.Table]:
    """The table's rows of first..last in its order, with context_date, BATCH_ROWS at a time: DuckDB sorts
    (spilling as it needs), Python holds one batch."""
    columns = ", ".join(f'"{name}"' for name in (*table.arrow_schema.names, "context_date"))
    order = ", ".join(f'"{name}"' for name in ("context_date", *table.order))
    days = f"'{first.isoformat()}' AND '{last.isoformat()}'"  # dates: no quoting to escape
    reader = connection.sql(
        f"SELECT {columns} FROM {table.name} WHERE context_date BETWEEN {days} ORDER BY {order}"  # noqa: S608
    ).to_arrow_reader(BATCH_ROWS)
    schema = table.arrow_schema.append(pa.field("context_date", pa.string()))
    for batch in reader:
        yield pa.Table.from_batches([batch]).cast(schema)
