"""Cold-start cost of the ingest Lambda's module: each part imported in a fresh interpreter, and a
check that neither pandas nor pyarrow is on that path.

Usage: python -m bench.ingest_import [runs]   (default 5)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

PROBE = """
import json, sys, time
t0 = time.perf_counter(); import boto3
t1 = time.perf_counter(); boto3.client("s3")
t2 = time.perf_counter(); from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
t3 = time.perf_counter(); import lambdas.ingest.handler
t4 = time.perf_counter()
print(json.dumps({"boto3": t1 - t0, "S3 client": t2 - t1, "Powertools": t3 - t2, "handler": t4 - t3,
                  "total": t4 - t0, "heavy": sorted({"pandas", "pyarrow"} & set(sys.modules))}))
"""


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    env = {**os.environ, "RAW_BUCKET": "bench", "WEBHOOK_SECRET": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    samples = [
        json.loads(subprocess.run([sys.executable, "-c", PROBE], env=env, check=True, capture_output=True,
                                  text=True).stdout)
        for _ in range(runs)
    ]  # fmt: skip
    heavy = sorted({name for sample in samples for name in sample["heavy"]})
    parts = ", ".join(
        f"{part} {statistics.median(s[part] for s in samples) * 1000:.0f} ms"
        for part in ("boto3", "S3 client", "Powertools", "handler")
    )
    total = statistics.median(s["total"] for s in samples) * 1000
    print("| benchmark | result |\n|---|---|")
    print(f"| ingest module import, fresh interpreter (median of {runs}) | {total:.0f} ms ({parts}); "
          f"pandas/pyarrow loaded: {', '.join(heavy) or 'none'} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
