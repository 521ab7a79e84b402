"""Athena under moto for the awswrangler checks (run under .venv-aws by tests/analyst/test_athena_answers.py
and tests/ops/test_verify_athena.py): moto runs no SQL, writes no result file and says every query scanned
0 bytes, so three botocore hooks stand in for Athena there. After StartQueryExecution, the query's CSV
result is written where Athena writes it (the workgroup's output location, <id>.csv); after
GetQueryExecution, its output location and bytes scanned are filled in, and a failure reason given by the
caller makes it FAILED. Everything else (the workgroup, the execution parameters, awswrangler's polling and
reading) is moto's and awswrangler's own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import boto3
from moto import mock_aws

RESULTS = "s3://athena-results/results/"
WORKGROUP = "telegram-analytics-dev"


@dataclass
class FakeAthena:
    """What a test tells the stand-in: each query's CSV result and failure, and the bytes scanned."""

    result_csv: Callable[[str], str]
    scanned_bytes: int
    failure: Callable[[str], str | None] = lambda query: None
    calls: list[dict] = field(default_factory=list)  # one per StartQueryExecution, in order
    started: dict[str, str] = field(default_factory=dict)  # execution id -> query


@contextmanager
def athena_on_moto(fake: FakeAthena) -> Iterator[boto3.Session]:
    """A boto3 session whose Athena answers as `fake` says, with the dev stage's workgroup."""
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        session.client("s3").create_bucket(Bucket="athena-results")
        session.client("athena").create_work_group(
            Name=WORKGROUP,
            Configuration={
                "ResultConfiguration": {"OutputLocation": RESULTS},
                "EnforceWorkGroupConfiguration": True,
            },
        )
        pending: list[dict] = []

        def remember(params, **_):
            pending.append(dict(params))
            fake.calls.append({
                "query": params["QueryString"], "parameters": params.get("ExecutionParameters"),
                "workgroup": params.get("WorkGroup"),
                "database": params.get("QueryExecutionContext", {}).get("Database"),
            })  # fmt: skip

        def write_result(parsed, **_):
            query = pending.pop()["QueryString"]
            execution_id = parsed["QueryExecutionId"]
            fake.started[execution_id] = query
            session.client("s3").put_object(
                Bucket="athena-results",
                Key=f"results/{execution_id}.csv",
                Body=fake.result_csv(query).encode(),
            )

        def fill_in(parsed, **_):
            execution = parsed.get("QueryExecution")
            if execution and execution["QueryExecutionId"] in fake.started:
                execution_id = execution["QueryExecutionId"]
                execution["ResultConfiguration"] = {"OutputLocation": f"{RESULTS}{execution_id}.csv"}
                execution["Statistics"]["DataScannedInBytes"] = fake.scanned_bytes
                reason = fake.failure(fake.started[execution_id])
                if reason:
                    execution["Status"] = {"State": "FAILED", "StateChangeReason": reason}

        session.events.register("before-parameter-build.athena.StartQueryExecution", remember)
        session.events.register("after-call.athena.StartQueryExecution", write_result)
        session.events.register("after-call.athena.GetQueryExecution", fill_in)
        yield session
