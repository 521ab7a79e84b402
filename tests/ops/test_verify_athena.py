"""ops.verify's Athena query through the real awswrangler, in its own venv (.venv-aws), against moto: the
workgroup and database it runs in, the rows and bytes scanned it reads back, and a failed query's exact
reason with its execution id (whose results the clean-up removes)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AWS_PYTHON = ROOT / ".venv-aws" / "bin" / "python"


def test_awswrangler_runs_the_query_in_the_workgroup_and_reports_athena_s_reason_when_it_fails():
    if not AWS_PYTHON.exists():
        pytest.fail("awswrangler's venv is missing: `make aws-setup` (make test runs it)")
    run = subprocess.run(
        [str(AWS_PYTHON), str(ROOT / "tests/ops/verify_athena_moto_check.py")], cwd=ROOT,
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
             "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert (
        answer["calls"] == [{"workgroup": "telegram-analytics-dev", "database": "telegram_analytics_dev"}] * 2
    )
    assert answer["rows"] == [
        {"hour_of_day": 10, "messages": 1, "users": 1, "requests": 1},
        {"hour_of_day": 11, "messages": 1, "users": 1, "requests": 0},
    ]
    assert answer["scanned"] == 2_345_678
    assert answer["execution_id"] == answer["started"][0]
    assert answer["failure"] == {
        "message": "QUERY_HAS_TOO_MANY_STAGES: Query exceeded the maximum of 150 stages (line 1:1)",
        "execution_id": answer["started"][1],
    }
