"""Cold-start cost of the ingest Lambda's module: each part imported in a fresh interpreter.

Usage: python -m bench.ingest_import [runs]   (default 5)
"""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import time
t0 = time.perf_counter(); import boto3
t1 = time.perf_counter(); boto3.client("s3")
t2 = time.perf_counter(); from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
t3 = time.perf_counter(); import lambdas.ingest.handler
t4 = time.perf_counter()
print(f"boto3 {(t1-t0)*1e3:.0f} ms | S3 client {(t2-t1)*1e3:.0f} ms | Powertools {(t3-t2)*1e3:.0f} ms | "
      f"handler {(t4-t3)*1e3:.0f} ms | total {(t4-t0)*1e3:.0f} ms")
"""


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    env = {**os.environ, "RAW_BUCKET": "bench", "WEBHOOK_SECRET": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    for _ in range(runs):
        subprocess.run([sys.executable, "-c", PROBE], env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
