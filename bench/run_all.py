"""`make bench`: every benchmark in its own fresh interpreter, their figures printed as Markdown and
saved to .local/bench/latest.md (BENCHMARKS.md holds a run of it, with the machine).

Usage: python -m bench.run_all [--full]   (--full: the ETL on SeaweedFS with 1,000,000 updates too, in
each raw layout)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import machine

OUTPUT = Path(".local/bench/latest.md")


def steps(full: bool) -> list[tuple[str, list[str]]]:
    chosen = [
        ("ETL end to end on SeaweedFS, 10k updates", ["bench.etl_s3", "--updates", "10000"]),
        ("ETL end to end on SeaweedFS, 2k updates, +20 ms a request",
         ["bench.etl_s3", "--updates", "2000", "--latency-ms", "20"]),
        ("ETL end to end on SeaweedFS, 100k updates, firehose layout",
         ["bench.etl_s3", "--updates", "100000", "--raw-layout", "firehose"]),
        ("the same with the standard library's json (orjson, as the Lambda runs, is the row above)",
         ["bench.etl_s3", "--updates", "100000", "--raw-layout", "firehose", "--stdlib-json"]),
        ("flatten + Parquet in memory, 10k updates", ["bench.flatten_write", "10000"]),
        ("ingest module import", ["bench.ingest_import", "5"]),
        ("ingest requests: moto and SeaweedFS", ["bench.ingest_requests", "500"]),
        ("cdk synth", ["bench.synth", "2"]),
        ("ETL memory, 100k updates", ["bench.etl_day", "100000"]),
        ("ETL memory, 1M updates", ["bench.etl_day", "1000000"]),
        ("seen update ids, 10M: compact vs set", ["bench.ids_memory", "10000000"]),
        ("model step, then the named queries on 1M rows", ["bench.queries", "1000000"]),
        ("model step, a full day of 1M updates, then the next day's incremental run",
         ["bench.model_day", "1000000", "--history", "1"]),
    ]  # fmt: skip
    if full:
        chosen.append(("model step, the daily run at 1M updates a day, 14 days of history",
                       ["bench.model_day", "1000000"]))  # fmt: skip
        chosen.append(("ETL end to end on SeaweedFS, 1M updates", ["bench.etl_s3", "--updates", "1000000"]))
        chosen.append(("ETL end to end on SeaweedFS, 1M updates, firehose layout",
                       ["bench.etl_s3", "--updates", "1000000", "--raw-layout", "firehose"]))  # fmt: skip
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args(argv)
    lines = [f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.", ""]
    started = time.perf_counter()
    chosen = steps(args.full)
    for n, (title, command) in enumerate(chosen, start=1):
        print(f"[{n}/{len(chosen)}] {title} ...", file=sys.stderr, flush=True)
        step_started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", *command], stdout=subprocess.PIPE, text=True, check=True
        )
        print(f"      done in {time.perf_counter() - step_started:.0f} s", file=sys.stderr, flush=True)
        lines += [f"`python -m {' '.join(command)}`", "", *result.stdout.strip().splitlines(), ""]
    lines.append(f"All benchmarks: {time.perf_counter() - started:.0f} s.")
    text = "\n".join(lines) + "\n"
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
