"""Run by tests/analyst/test_athena_answers.py under .venv-aws (awswrangler needs pyarrow < 26):
`python -m analyst.athena report` through the real awswrangler against moto's Athena and S3
(tests/athena_on_moto.py), each query answered with rows that depend on its name."""

import csv
import io
import json
import sys
from pathlib import Path

from analyst import athena
from tests.athena_on_moto import FakeAthena, athena_on_moto

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


def result_csv(query: str) -> str:
    rows = next((rows for key, rows in ROWS.items() if key in query), [])
    if not rows:
        return '"nothing"\n'
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


def main(out: Path) -> None:
    fake = FakeAthena(result_csv, scanned_bytes=123_456_789)
    with athena_on_moto(fake) as session:
        runner = athena.wrangler_runner("dev", boto3_session=session)
        code = athena.main(["report", "--stage", "dev", "--from", "2025-03-01", "--to", "2025-03-07",
                            "--out", str(out), "--lang", "pt-BR"], run=runner)  # fmt: skip
        assert code == 0
    calls = [
        {key: call[key] for key in ("query", "parameters", "workgroup", "database")} for call in fake.calls
    ]
    print(json.dumps(calls))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
