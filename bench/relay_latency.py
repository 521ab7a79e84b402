"""Relay mode: the latency the relay adds to a webhook request. The unchanged ingest handler (moto S3, in
process), without relay and with a bot backend on loopback that answers at once; the difference is the
relay's own cost (an HTTP round trip on loopback; in AWS add the network to the backend).

Usage: python -m bench.relay_latency [N]   (default 300 requests each)
"""

from __future__ import annotations

import os
import statistics
import sys

from bench.common import bodies
from bench.ingest_requests import SECRET, latencies, row
from standins.runner import LAMBDAS_DIR, LambdaContainer
from tests.fake_bot_backend import FakeBotBackend


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    items = bodies(count)
    env = {"RAW_BUCKET": "bench-raw", "WEBHOOK_SECRET": SECRET, "TIMEZONE": "UTC",
           "POWERTOOLS_LOG_LEVEL": "ERROR", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    from moto import mock_aws

    with mock_aws(), FakeBotBackend(body=b'{"ok":true}') as backend:
        import boto3

        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="bench-raw")
        direct = latencies(LambdaContainer(LAMBDAS_DIR / "ingest" / "handler.py", env).invoke, items)
        relayed_env = {**env, "RELAY_URL": backend.url, "RELAY_SECRET": "backend-secret"}
        relayed = latencies(LambdaContainer(LAMBDAS_DIR / "ingest" / "handler.py", relayed_env).invoke, items)
    print("| benchmark | result |\n|---|---|")
    print(row("without relay (moto)", direct))
    print(row("relayed to a bot backend on loopback (moto)", relayed))
    added = statistics.median(relayed) - statistics.median(direct)
    print(f"| relay's added latency (p50 difference) | {added:.2f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
