"""The model's tables from the processed updates of some days: each layer computed once, in DuckDB.

Pure: an Arrow table of updates in, an Arrow table per model table out (telegram_model.tables), the rows
of the days asked for, in a fixed order. The reading and writing are telegram_model.job's."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from telegram_model.layers import ModelSettings, in_order, rendered_layers, to_duckdb
from telegram_model.tables import TABLES, Table

UPDATES = "telegram_updates"
DUCKDB_MEMORY_SHARE = 0.6


def compiled_layers(settings: ModelSettings) -> list[tuple[str, str]]:
    """Every layer as DuckDB SQL, each after the layers it reads."""
    layers = rendered_layers(settings)
    return [(name, to_duckdb(layers[name])) for name in in_order(layers)]


def connect() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")  # like Athena's session: local times come from the SQL
    # Lambda's only writable folder is /tmp: DuckDB spills there past its memory limit.
    spill = Path(tempfile.gettempdir()) / "duckdb-spill"
    connection.execute(f"SET temp_directory = '{spill.as_posix()}'")
    # In Lambda, DuckDB would take 80% of the host's memory, not of the function's: it gets a share of
    # the function's, the rest left to Python's Arrow tables (the new day's updates, the rows written).
    function_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    if function_mb:
        connection.execute(f"SET memory_limit = '{int(int(function_mb) * DUCKDB_MEMORY_SHARE)}MB'")
    return connection


def build(
    updates: pa.Table, settings: ModelSettings, *, first: date, last: date,
    layers: list[tuple[str, str]] | None = None, connection: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, pa.Table]:  # fmt: skip
    """The model's rows of the days first..last (context_date), from `updates` (the processed table's
    columns and context_date), which must hold the days those rows depend on (telegram_model.job). The
    layers stay in `connection` as tables (the job reads its per-day state from them)."""
    own = connection is None
    connection = connection or connect()
    try:
        connection.register(UPDATES, updates)
        run_layers(connection, layers or compiled_layers(settings))
        return {table.name: rows(connection, table, first, last) for table in TABLES}
    finally:
        if own:
            connection.close()


def run_layers(connection: duckdb.DuckDBPyConnection, layers: list[tuple[str, str]]) -> None:
    """Each layer as a table, in order (a layer's SQL reads the tables of the layers before it)."""
    for name, sql in layers:
        connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")


def rows(connection: duckdb.DuckDBPyConnection, table: Table, first: date, last: date) -> pa.Table:
    columns = ", ".join(f'"{name}"' for name in (*table.arrow_schema.names, "context_date"))
    order = ", ".join(f'"{name}"' for name in ("context_date", *table.order))
    days = f"'{first.isoformat()}' AND '{last.isoformat()}'"  # dates: no quoting to escape
    result = connection.sql(
        f"SELECT {columns} FROM {table.name} WHERE context_date BETWEEN {days} ORDER BY {order}"  # noqa: S608
    ).to_arrow_table()
    schema = table.arrow_schema.append(pa.field("context_date", pa.string()))
    return result.cast(schema)
