"""`make demo`: the whole pipeline on this machine, from webhook calls to the answers.

1. starts SeaweedFS (a real S3 server) on loopback, with a raw and a processed bucket;
2. POSTs a two-day support conversation to the ingest Lambda's handler, as API Gateway would,
   plus a redelivery, a bad secret and a payload that is not an Update;
3. runs the ETL Lambda's handler twice as the daily schedule would (D-1), then once more to show a
   re-run changes nothing;
4. answers the three questions with the Athena named queries, run by DuckDB over the Parquet.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from analytics.queries import named_queries
from local_pipeline.conversation import conversation
from local_pipeline.runner import LocalPipeline, duckdb_over, run_query
from local_pipeline.s3_server import SeaweedS3
from telegram_etl.job import DayResult

WORKDIR = Path(".local/demo")
DESKTOP_EXPORT = Path("tests/fixtures/telegram/39_desktop_export_new_format.json")


def table(rows: list[dict[str, Any]], limit: int = 10) -> str:
    if not rows:
        return "  (no rows)"
    columns = list(rows[0])
    cells = [[str(row[c]) for c in columns] for row in rows[:limit]]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    if len(rows) > limit:
        lines.append(f"  ... {len(rows) - limit} more")
    return "\n".join(lines)


def post(
    pipeline: LocalPipeline, update: dict[str, Any], request_time_ms: int, **kwargs: Any
) -> dict[str, Any]:
    return pipeline.post_webhook(json.dumps(update).encode(), request_time_ms=request_time_ms, **kwargs)


def main() -> int:
    shutil.rmtree(WORKDIR, ignore_errors=True)
    print("1. Starting SeaweedFS (S3 API) on 127.0.0.1 ...")
    with SeaweedS3(WORKDIR / "seaweedfs") as server:
        pipeline = LocalPipeline(server.client_env())
        pipeline.create_buckets()
        print(f"   {server.endpoint_url}: buckets {pipeline.raw_bucket}, {pipeline.processed_bucket}")

        print("\n2. Telegram -> API Gateway -> ingest Lambda -> raw bucket")
        deliveries = conversation()
        statuses = [post(pipeline, d.update, d.request_time_ms)["statusCode"] for d in deliveries]
        print(f"   {len(deliveries)} updates posted: HTTP {sorted(set(statuses))}")
        first = deliveries[1]
        again = post(pipeline, first.update, first.request_time_ms)
        print(f"   redelivery of update {first.update['update_id']}: HTTP {again['statusCode']} (same key)")
        wrong = post(pipeline, first.update, first.request_time_ms, secret="guess")  # noqa: S106
        print(f"   wrong secret token: HTTP {wrong['statusCode']} {wrong['body']}")
        export = pipeline.post_webhook(DESKTOP_EXPORT.read_bytes(), request_time_ms=first.request_time_ms)
        print(f"   a Telegram Desktop export (not an Update): HTTP {export['statusCode']} {export['body']}")
        raw_keys = [o["Key"] for o in pipeline.s3.list_objects_v2(Bucket=pipeline.raw_bucket)["Contents"]]
        print(f"   raw objects: {len(raw_keys)}, e.g. {raw_keys[0]}")

        print("\n3. EventBridge (daily, D-1) -> ETL Lambda -> processed bucket (Parquet)")
        for scheduled_at in ("2025-03-11T06:00:00Z", "2025-03-12T06:00:00Z"):
            result = pipeline.run_etl(
                {"detail-type": "Scheduled Event", "source": "aws.events", "time": scheduled_at}
            )
            for day in result["days"]:
                counts = {name: day[name] for name in DayResult.COUNTS}
                print(f"   run at {scheduled_at}: D-1 = {day['date']} {counts} -> {day['files']}")
        rerun = pipeline.run_etl({"start_date": "2025-03-10", "end_date": "2025-03-11"})
        print(f"   backfill re-run of both days: {rerun['totals']} (same files, no duplicates)")

        print("\n4. Athena named queries, run by DuckDB over the same Parquet (timezone America/Sao_Paulo)")
        connection = duckdb_over(pipeline.download_processed(WORKDIR / "parquet"))
        for query in named_queries(pipeline.timezone):
            print(f"\n-- {query.name}: {query.description}")
            print(table(run_query(connection, query)))
    print(f"\nDone. Parquet files are under {WORKDIR / 'parquet'}; the S3 server was stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
