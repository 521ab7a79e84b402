"""The ETL end to end on raw updates stored in a real S3 server (SeaweedFS on loopback): our ETL Lambda
handler against the naive baseline (bench/naive.py), both on the same day of raw objects.

On this machine the client and the server share 2 cores, so GETs cost ~1.5 ms and concurrency buys
little; real S3 answers a GET in ~20-50 ms, where concurrency is what matters. `--latency-ms` adds that
delay to every S3 request of both clients (a botocore `before-send` hook) to measure that regime.

Usage: python -m bench.etl_s3 [--updates N] [--latency-ms MS]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from bench.common import DAY, bodies, rate, timer
from bench.naive import naive_etl
from local_pipeline.demo import progress
from local_pipeline.runner import LocalPipeline
from local_pipeline.s3_server import SeaweedS3
from stacks.config import StageConfig


def add_latency(client: Any, seconds: float) -> None:
    if seconds > 0:
        client.meta.events.register("before-send.s3", lambda **kwargs: time.sleep(seconds))


def upload(pipeline: LocalPipeline, count: int) -> None:
    prefix = f"telegram/context_date={DAY.isoformat()}/"
    items = bodies(count)
    done = 0
    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in pool.map(
            lambda item: pipeline.s3.put_object(
                Bucket=pipeline.raw_bucket, Key=f"{prefix}{item[0]}.json", Body=item[1]
            ),
            items,
        ):
            done += 1
            progress("uploading raw updates", done, len(items))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    latency = args.latency_ms / 1000
    with tempfile.TemporaryDirectory() as tmp, SeaweedS3(Path(tmp) / "seaweedfs") as server:
        pipeline = LocalPipeline(
            server.client_env(),
            raw_bucket="bench-raw",
            processed_bucket="bench-out",
            settings=StageConfig(stage="bench", timezone="UTC"),
            log_level="ERROR",
        )
        pipeline.create_buckets()
        upload(pipeline, args.updates)

        add_latency(pipeline.etl.module.storage._s3, latency)
        # The client's own CPU (this process; SeaweedFS is another): what a Lambda's vCPU share pays.
        cpu_started = time.process_time()
        with timer() as ours:
            result = pipeline.run_etl({"date": DAY.isoformat()})
        ours_cpu = time.process_time() - cpu_started
        assert result["totals"]["written"] == args.updates, result

        env = server.client_env()
        naive_client = boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL_S3"],
            region_name="us-east-1",
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            config=Config(retries={"mode": "standard"}),
        )
        add_latency(naive_client, latency)
        cpu_started = time.process_time()
        with timer() as naive:
            written = naive_etl(naive_client, "bench-raw", "bench-out", DAY.isoformat())
        naive_cpu = time.process_time() - cpu_started
        assert written == args.updates
    where = f"+{args.latency_ms:g} ms per request" if latency else "no added latency"
    print("| benchmark | ours | naive baseline | naive / ours |\n|---|---|---|---|")
    print(
        f"| ETL end to end, {args.updates:,} updates on SeaweedFS ({where}) | {ours():.1f} s "
        f"({rate(args.updates, ours())}), client CPU {ours_cpu / args.updates * 1e3:.2f} ms/update "
        f"| {naive():.1f} s ({rate(args.updates, naive())}), client CPU "
        f"{naive_cpu / args.updates * 1e3:.2f} ms/update | {naive() / ours():.1f}x |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
