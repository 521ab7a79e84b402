"""Run by tests/ops/test_verify_athena.py under .venv-aws (awswrangler needs pyarrow < 26): ops.verify's
awswrangler query (start, wait, results) against moto's Athena and S3 (tests/athena_on_moto.py); a query
whose SQL says FAIL is reported failed with Athena's reason."""

import json

from ops import verify
from tests.athena_on_moto import FakeAthena, athena_on_moto

REASON = "QUERY_HAS_TOO_MANY_STAGES: Query exceeded the maximum of 150 stages (line 1:1)"
BODY = '"hour_of_day","messages","users","requests"\n"10","1","1","1"\n"11","1","1","0"\n'


def main() -> None:
    fake = FakeAthena(lambda query: BODY, scanned_bytes=2_345_678,
                      failure=lambda query: REASON if "FAIL" in query else None)  # fmt: skip
    with athena_on_moto(fake) as session:
        query = verify.wrangler_query(session)
        result = query("SELECT 1 AS hour_of_day", "telegram_analytics_dev", "telegram-analytics-dev")
        try:
            query("SELECT FAIL", "telegram_analytics_dev", "telegram-analytics-dev")
            failure = None
        except verify.QueryError as error:
            failure = {"message": str(error), "execution_id": error.execution_id}
    calls = [{key: call[key] for key in ("workgroup", "database")} for call in fake.calls]
    print(json.dumps({"rows": result.rows, "scanned": result.scanned_bytes, "execution_id": result.execution_id,
                      "failure": failure, "calls": calls, "started": list(fake.started)}))  # fmt: skip


if __name__ == "__main__":
    main()
