"""Analytics: the model step over N processed rows (default 1,000,000), hive-partitioned by day like the
processed bucket (its time and the process's peak memory), then each named query in DuckDB over the
model's tables it wrote, and Athena's bytes scanned per query from the Parquet footers, scaled to 30 days
of 1M updates a day.

The rows are the ETL's flattening of the demo generator's updates, repeated week after week (ids
shifted, weekdays kept) until N, so that the questions, replies and feedback keep their shapes.
Usage: python -m bench.queries [N]
"""

from __future__ import annotations

import resource
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analytics.queries import named_queries
from bench.athena_scan import print_scans
from bench.common import SETTINGS, TIMEZONE, timer, updates
from local.demo import progress
from standins.runner import duckdb_over, remodel_folder, run_query
from telegram_etl.flatten import flatten
from telegram_etl.privacy import People
from telegram_etl.schema import ARROW_SCHEMA, PARTITION_KEY

ID_COLUMNS = ("update_id", "message_id", "reply_to_message_id")
TIME_COLUMNS = ("date", "edit_date", "ingested_at")


def base_table(count: int) -> pa.Table:
    people = People(b"bench-key", SETTINGS.staff_user_ids)  # the default table: pseudonyms, staff marked
    return pa.Table.from_pylist(
        [flatten(u, None, people=people) for u in updates(count)], schema=ARROW_SCHEMA
    )


def write_days(table: pa.Table, root: Path) -> None:
    # The day in local time; rows without a date (button clicks) go with the row before them.
    local = pc.fill_null_forward(table["date"].cast(pa.timestamp("ms", tz=TIMEZONE)))
    table = table.append_column("_day", pc.strftime(local, format="%Y-%m-%d"))
    for day in pc.unique(table["_day"]).to_pylist():
        part = table.filter(pc.equal(table["_day"], day)).drop_columns(["_day"])
        folder = root / f"{PARTITION_KEY.name}={day}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(part, folder / f"part-{len(list(folder.iterdir())):05d}.parquet", compression="zstd")


def main() -> int:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    base = base_table(min(total, 100_000))
    span_days = 7 * ((base["date"].to_pylist()[-1] - base["date"].to_pylist()[0]).days // 7 + 1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "telegram"
        copies = -(-total // base.num_rows)
        for k in range(copies):
            shifted = base.slice(0, min(base.num_rows, total - k * base.num_rows))
            for name in ID_COLUMNS:
                column = shifted[name]
                shifted = shifted.set_column(
                    shifted.schema.get_field_index(name),
                    name,
                    pc.add(column, pa.scalar(k * 10**9, pa.int64())),
                )
            for name in TIME_COLUMNS:
                column = shifted[name]
                moved = pc.add(column, pa.scalar(timedelta(days=k * span_days), pa.duration("ms")))
                shifted = shifted.set_column(
                    shifted.schema.get_field_index(name), name, moved.cast(column.type)
                )
            write_days(shifted, root)
            progress("writing rows", min((k + 1) * base.num_rows, total), total)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with timer() as elapsed:
            remodel_folder(root, SETTINGS)  # the model step's code, over every day at once
        took = elapsed()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        connection = duckdb_over(root)
        rows = connection.execute("SELECT count(*) FROM telegram_updates").fetchone()[0]
        days = connection.execute("SELECT count(DISTINCT context_date) FROM telegram_updates").fetchone()[0]
        cases = connection.execute("SELECT count(*) FROM cases").fetchone()[0]
        print(f"model step: {rows:,} updates, {days} days, {cases:,} cases: {took:.1f} s, process peak RSS "
              f"{peak / 1024:.0f} MiB (before it {before / 1024:.0f} MiB)")  # fmt: skip
        print()
        print(f"| query (DuckDB, model tables of {rows:,} updates, {days} days, best of 3) | time | rows |")
        print("|---|---|---|")
        for query in named_queries():
            best = float("inf")
            for _ in range(3):
                with timer() as elapsed:
                    answer = run_query(connection, query)
                best = min(best, elapsed())
            print(f"| `{query.name}` | {best * 1000:.0f} ms | {len(answer)} |")
        print()
        print_scans(root, scale=30e6 / rows, label=", scaled to 30 days x 1M updates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
