"""Athena's bytes scanned per named query, estimated (no Athena here) from the Parquet footers: Athena
bills the compressed bytes of the column chunks it reads. For each stored table a query reads (after
inlining its WITH references, as Trino plans it: analytics.shape), the compressed size of that table's
columns the query names, in the partitions it reads, once per scan.

bench.queries prints it for its table; `python -m bench.athena_scan DIR` for any processed table
(DIR/.. holding the model's tables under model/).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.parquet as pq
from sqlglot import exp

from analytics.queries import TABLE_NAME, named_queries
from analytics.shape import inlined, scans
from telegram_model.tables import MODEL_PREFIX, TABLES


def column_bytes(root: Path) -> dict[str, int]:
    """Compressed bytes per top-level column over every partition of a table folder."""
    sizes: dict[str, int] = {}
    for path in root.glob("context_date=*/*.parquet"):
        metadata = pq.ParquetFile(path).metadata
        for group in range(metadata.num_row_groups):
            row_group = metadata.row_group(group)
            for index in range(row_group.num_columns):
                column = row_group.column(index)
                name = column.path_in_schema.split(".")[0]
                sizes[name] = sizes.get(name, 0) + column.total_compressed_size
    return sizes


def table_sizes(root: Path) -> dict[str, dict[str, int]]:
    folders = {TABLE_NAME: root, **{t.name: root.parent / MODEL_PREFIX / t.name for t in TABLES}}
    return {name: column_bytes(folder) for name, folder in folders.items()}


def scanned_bytes(sql: str, sizes: dict[str, dict[str, int]]) -> int:
    named = {column.name for column in inlined(sql).find_all(exp.Column)}
    return sum(count * sum(sizes[table].get(c, 0) for c in named) for table, count in scans(sql).items())


def print_scans(root: Path, scale: float = 1.0, label: str = "") -> None:
    sizes = table_sizes(root)
    print(f"| query | scans (table x n) | bytes scanned{label} |")
    print("|---|---|---|")
    for query in named_queries():
        read = ", ".join(f"{table} x {n}" for table, n in sorted(scans(query.sql).items()))
        total = scanned_bytes(query.sql, sizes) * scale
        print(f"| `{query.name}` | {read} | {total / 2**20:.1f} MiB |")


def main() -> int:
    print_scans(Path(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
