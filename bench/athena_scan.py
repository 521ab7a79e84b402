"""Athena's bytes scanned per named query, estimated (no Athena here): Athena bills the compressed bytes
of the Parquet columns it reads, per scan of the table. Estimate: the query's scans of telegram_updates in
its SQL text times the compressed size of the table's columns the query names. Not every scan reads every
column (fewer bytes), but Athena may evaluate a layer used twice twice (more): an order of magnitude.

bench.queries prints it for its 1M-row table; `python -m bench.athena_scan DIR` for any processed table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from analytics.queries import TABLE_NAME, named_queries
from bench.common import SETTINGS
from telegram_etl.schema import COLUMN_NAMES


def column_bytes(root: Path) -> dict[str, int]:
    sizes = dict.fromkeys(COLUMN_NAMES, 0)
    for path in root.glob("context_date=*/*.parquet"):
        metadata = pq.ParquetFile(path).metadata
        for group in range(metadata.num_row_groups):
            row_group = metadata.row_group(group)
            for index in range(row_group.num_columns):
                column = row_group.column(index)
                name = column.path_in_schema.split(".")[0]
                if name in sizes:
                    sizes[name] += column.total_compressed_size
    return sizes


def print_scans(root: Path) -> None:
    sizes = column_bytes(root)
    print(f"| query | scans of {TABLE_NAME} | columns named | bytes scanned, at most |")
    print("|---|---|---|---|")
    for query in named_queries(SETTINGS):
        tree = sqlglot.parse_one(query.sql, read="trino")
        scans = sum(1 for table in tree.find_all(exp.Table) if table.name == TABLE_NAME)
        named = {column.name for column in tree.find_all(exp.Column)} & set(sizes)
        total = scans * sum(sizes[name] for name in named)
        print(f"| `{query.name}` | {scans} | {len(named)} | {total / 2**20:.1f} MiB |")


def main() -> int:
    print_scans(Path(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
