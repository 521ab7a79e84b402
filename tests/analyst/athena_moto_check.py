"""Run by tests/analyst/test_athena_answers.py under .venv-aws (awswrangler needs pyarrow < 26):
`python -m analyst.athena report` through the real awswrangler against moto's Athena and S3.

moto runs no SQL and writes no result file, and says every query scanned 0 bytes: two botocore hooks
stand in for Athena there. After StartQueryExecution, the query's CSV result is written where Athena
writes it (the workgroup's output location, <id>.csv), with rows that depend on the query's name; after
GetQueryExecution, its output location and bytes scanned are filled in. Everything else (the workgroup,
the execution parameters, awswrangler's polling and reading) is moto's and awswrangler's own."""

import csv
import io
import json
import sys
from pathlib import Path

import boto3
from moto import mock_aws

from analyst import athena

RESULTS = "s3://athena-results/results/"
ROWS = {  # a few named queries' rows, as CSV cells; every other query returns its header only
    "Q1. When do customers call? Customer messages (commands": [
        {"hour_of_day": "9", "messages": "12", "users": "3", "requests": "5"}
    ],
    "Q3. Does the bot resolve them?": [
        {"rated": "0", "resolved": "0", "unresolved": "0", "resolution_rate_pct": ""}
    ],
    "Q3 per week": [
        {"week": "2025-03-03", "requests": "5", "answered": "3", "answered_pct": "60.0",
         "median_minutes_to_reply": "12.5", "rated": "0", "resolution_rate_pct": "", "resolved_pct": "0.0",
         "answered_by_staff": "2", "answered_by_bot": "2", "answered_by_staff_pct": "40.0",
         "answered_by_bot_pct": "40.0", "median_minutes_to_staff": "20.0", "median_minutes_to_bot": "0.5"}
    ],
}  # fmt: skip


def main(out: Path) -> None:
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        session.client("s3").create_bucket(Bucket="athena-results")
        session.client("athena").create_work_group(
            Name="telegram-analytics-dev",
            Configuration={
                "ResultConfiguration": {"OutputLocation": RESULTS},
                "EnforceWorkGroupConfiguration": True,
            },
        )
        started: dict[str, str] = {}

        pending: list[dict] = []

        def remember(params, **_):
            pending.append(dict(params))

        def write_result(parsed, **_):
            params = pending.pop()
            query = params["QueryString"]
            rows = next((rows for key, rows in ROWS.items() if key in query), [])
            text = io.StringIO()
            if rows:
                writer = csv.DictWriter(text, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
                writer.writeheader()
                writer.writerows(rows)
            else:
                text.write('"nothing"\n')
            execution_id = parsed["QueryExecutionId"]
            started[execution_id] = query
            session.client("s3").put_object(Bucket="athena-results", Key=f"results/{execution_id}.csv",
                                            Body=text.getvalue().encode())  # fmt: skip
            calls.append({"query": query, "parameters": params.get("ExecutionParameters"),
                          "workgroup": params.get("WorkGroup"),
                          "database": params.get("QueryExecutionContext", {}).get("Database")})  # fmt: skip

        def fill_in(parsed, **_):
            execution = parsed.get("QueryExecution")
            if execution and execution["QueryExecutionId"] in started:
                execution["ResultConfiguration"]["OutputLocation"] = (
                    f"{RESULTS}{execution['QueryExecutionId']}.csv"
                )
                execution["Statistics"]["DataScannedInBytes"] = 123_456_789

        calls: list[dict] = []
        session.events.register("before-parameter-build.athena.StartQueryExecution", remember)
        session.events.register("after-call.athena.StartQueryExecution", write_result)
        session.events.register("after-call.athena.GetQueryExecution", fill_in)
        runner = athena.wrangler_runner("dev", boto3_session=session)
        code = athena.main(["report", "--stage", "dev", "--from", "2025-03-01", "--to", "2025-03-07",
                            "--out", str(out), "--lang", "pt-BR"], run=runner)  # fmt: skip
        assert code == 0
        print(json.dumps(calls))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
