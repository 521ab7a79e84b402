"""Run by tests/ops/test_verify_athena.py under .venv-aws (awswrangler needs pyarrow < 26): ops.verify's
awswrangler query (start, wait, results) against moto's Athena and S3.

moto runs no SQL and says nothing of where a result is: after StartQueryExecution the result CSV is written
where Athena writes it (the workgroup's location, <id>.csv); after GetQueryExecution its location and bytes
scanned are filled in, and a query whose SQL says FAIL is reported failed with Athena's reason."""

import json

import boto3
from moto import mock_aws

from ops import verify

RESULTS = "s3://athena-results/results/"
REASON = "QUERY_HAS_TOO_MANY_STAGES: Query exceeded the maximum of 150 stages (line 1:1)"


def main() -> None:
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
        calls: list[dict] = []

        def remember(params, **_):
            pending.append(dict(params))
            calls.append(
                {
                    "workgroup": params.get("WorkGroup"),
                    "database": params.get("QueryExecutionContext", {}).get("Database"),
                }
            )

        def write_result(parsed, **_):
            query = pending.pop()["QueryString"]
            started[parsed["QueryExecutionId"]] = query
            body = '"hour_of_day","messages","users","requests"\n"10","1","1","1"\n"11","1","1","0"\n'
            session.client("s3").put_object(
                Bucket="athena-results", Key=f"results/{parsed['QueryExecutionId']}.csv", Body=body.encode()
            )

        def fill_in(parsed, **_):
            execution = parsed.get("QueryExecution")
            if execution and execution["QueryExecutionId"] in started:
                execution["ResultConfiguration"] = {
                    "OutputLocation": f"{RESULTS}{execution['QueryExecutionId']}.csv"
                }
                execution["Statistics"]["DataScannedInBytes"] = 2_345_678
                if "FAIL" in started[execution["QueryExecutionId"]]:
                    execution["Status"] = {"State": "FAILED", "StateChangeReason": REASON}

        session.events.register("before-parameter-build.athena.StartQueryExecution", remember)
        session.events.register("after-call.athena.StartQueryExecution", write_result)
        session.events.register("after-call.athena.GetQueryExecution", fill_in)
        query = verify.wrangler_query(session)
        result = query("SELECT 1 AS hour_of_day", "telegram_analytics_dev", "telegram-analytics-dev")
        try:
            query("SELECT FAIL", "telegram_analytics_dev", "telegram-analytics-dev")
            failure = None
        except verify.QueryError as error:
            failure = {"message": str(error), "execution_id": error.execution_id}
        print(
            json.dumps(
                {
                    "rows": result.rows,
                    "scanned": result.scanned_bytes,
                    "execution_id": result.execution_id,
                    "failure": failure,
                    "calls": calls,
                    "started": list(started),
                }
            )
        )


if __name__ == "__main__":
    main()
