"""Ingest handler: per-request latency of the unchanged Lambda handler (secret check, parsing, one
PutObject), against moto (in process) and against SeaweedFS on loopback.

Usage: python -m bench.ingest_requests [N]   (default 500 requests each)
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import bodies
from stacks.config import StageConfig
from standins.api_gateway import proxy_event
from standins.runner import LAMBDAS_DIR, LambdaContainer, LocalPipeline
from standins.s3_server import SeaweedS3
from telegram_ingest.app import SECRET_HEADER

SECRET = "bench-secret"


def latencies(invoke, items: list[tuple[int, bytes]]) -> list[float]:
    timings = []
    for _, body in items:
        event = proxy_event(
            "POST", "/webhook", {SECRET_HEADER: SECRET}, body, request_time_ms=1_741_600_000_000
        )
        started = time.perf_counter()
        response = invoke(event)
        timings.append((time.perf_counter() - started) * 1000)
        assert response["statusCode"] == 200, response
    return timings


def row(where: str, timings: list[float]) -> str:
    cuts = statistics.quantiles(timings, n=100)
    figures = f"p50 {cuts[49]:.2f} ms, p95 {cuts[94]:.2f} ms, mean {statistics.fmean(timings):.2f} ms"
    return f"| ingest request, {where} ({len(timings)} requests) | {figures} |"


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    items = bodies(count)
    env = {
        "RAW_BUCKET": "bench-raw",
        "WEBHOOK_SECRET": SECRET,
        "TIMEZONE": "UTC",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    # SeaweedFS first: it takes its credentials from the environment, which the moto part changes.
    with tempfile.TemporaryDirectory() as tmp, SeaweedS3(Path(tmp) / "seaweedfs") as server:
        pipeline = LocalPipeline(
            server.client_env(),
            raw_bucket="bench-raw",
            webhook_secret=SECRET,
            settings=StageConfig(stage="bench", timezone="UTC"),
            log_level="ERROR",
        )
        pipeline.create_buckets()
        seaweed_timings = latencies(pipeline.ingest.invoke, items)
    from moto import mock_aws

    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    with mock_aws():
        import boto3

        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="bench-raw")
        handler = LambdaContainer(LAMBDAS_DIR / "ingest" / "handler.py", env)
        moto_timings = latencies(handler.invoke, items)
    print("| benchmark | result |\n|---|---|")
    print(row("moto, in process", moto_timings))
    print(row("SeaweedFS on loopback", seaweed_timings))
    print(
        json.dumps(
            {
                "moto_p50_ms": statistics.median(moto_timings),
                "seaweedfs_p50_ms": statistics.median(seaweed_timings),
            }
        ),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
