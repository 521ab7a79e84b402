"""`make answers STAGE=` / `make report STAGE=`: the named queries in Athena over chosen days, with the bytes
each scanned and its cost. The date filter runs for real in DuckDB; awswrangler runs against moto."""

import json
import os
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from analyst import athena
from analytics.queries import compose, named_queries, to_duckdb

ROOT = Path(__file__).resolve().parents[2]
AWS_PYTHON = ROOT / ".venv-aws" / "bin" / "python"


def test_the_days_shadow_each_table_in_front_of_the_query_own_with():
    sql = (
        "-- Q. a comment\nWITH m AS (SELECT * FROM messages)\nSELECT count(*) FROM m JOIN cases AS c ON true"
    )
    assert compose(sql, database="telegram_analytics_dev", days=athena.DAYS) == (
        "-- Q. a comment\n"
        'WITH messages AS (\n    SELECT * FROM "telegram_analytics_dev"."messages"\n'
        "    WHERE context_date BETWEEN ? AND ?  -- the days read: edit here\n),\n"
        'cases AS (\n    SELECT * FROM "telegram_analytics_dev"."cases"\n'
        "    WHERE context_date BETWEEN ? AND ?  -- the days read: edit here\n),\n"
        "m AS (SELECT * FROM messages)\nSELECT count(*) FROM m JOIN cases AS c ON true"
    )
    assert compose("SELECT 1", database="db", days=athena.DAYS) == "SELECT 1"
    # One pair of days per table read.
    assert athena.parameters(compose(sql, database="db", days=athena.DAYS), date(2025, 3, 1), date(2025, 3, 2)) == [
        "'2025-03-01'", "'2025-03-02'", "'2025-03-01'", "'2025-03-02'"]  # fmt: skip


def test_cost_is_the_bytes_scanned_at_least_10_mb_at_5_dollars_per_tb():
    assert athena.Answer("q", [], 2 * 10**12).cost() == 10.0
    assert athena.Answer("q", [], 0).cost() == pytest.approx(10 * 1024 * 1024 / 1e12 * 5)


def test_the_default_days_are_the_last_30_and_from_after_to_is_refused():
    args = athena.parse_args(["answers", "--stage", "dev", "--to", "2025-03-31"])
    assert (args.first, args.last) == (date(2025, 3, 2), date(2025, 3, 31))
    with pytest.raises(SystemExit):
        athena.parse_args(["answers", "--stage", "dev", "--from", "2025-04-01", "--to", "2025-03-01"])


def test_answers_print_bytes_and_cost_and_the_report_is_written(tmp_path, capsys):
    seen = []

    def fake(sql: str, params: list[str]) -> tuple[list[dict], int]:
        seen.append(params)
        rows = (
            [{"hour_of_day": 9, "messages": 3, "users": 1, "requests": 1}]
            if "Customer messages (commands" in sql
            else []
        )
        return rows, 50_000_000

    out = tmp_path / "report.html"
    code = athena.main(["report", "--stage", "dev", "--from", "2025-03-01", "--to", "2025-03-07", "--out", str(out)],
                       run=fake)  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    assert seen and all(p == ["'2025-03-01'", "'2025-03-07'"] for p in seen)  # SQL literals, as Athena takes
    assert "q3_weekly_trends                      50.0 MB  $0.000250" in printed
    assert f"Report: {out.resolve()}" in printed
    assert "setup_staff_candidates" not in printed  # a setup query, not an answer
    assert "no ratings yet" in out.read_text()


@pytest.mark.e2e
def test_the_date_filter_keeps_only_the_chosen_days_when_run(answers, tmp_path_factory, s3_server):
    """q1_volume_by_day, with the days clause, in DuckDB over the sample conversation (10 and 11 March)."""
    import duckdb

    from standins.runner import answer_sample_conversation, duckdb_over

    workdir = tmp_path_factory.mktemp("days")
    answer_sample_conversation(s3_server.client_env(), workdir)
    connection = duckdb_over(workdir / "telegram")
    connection.execute("ATTACH ':memory:' AS telegram_analytics_dev")
    connection.execute("CREATE VIEW telegram_analytics_dev.messages AS SELECT * FROM memory.messages")
    (query,) = [q for q in athena.athena_queries("telegram_analytics_dev") if q.name == "q1_volume_by_day"]
    sql = to_duckdb(query.sql)
    days = connection.execute(sql, ["2025-03-11", "2025-03-11"]).fetchall()
    assert [row[0] for row in days] == [date(2025, 3, 11)]
    assert len(connection.execute(sql, ["2025-03-01", "2025-03-31"]).fetchall()) == 2
    assert isinstance(connection, duckdb.DuckDBPyConnection)


def test_awswrangler_runs_each_query_in_the_workgroup_with_the_days_as_parameters(tmp_path):
    """The real awswrangler, in its own venv (.venv-aws: `make aws-setup`), against moto."""
    if not AWS_PYTHON.exists():
        pytest.fail("awswrangler's venv is missing: `make aws-setup` (make test runs it)")
    out = tmp_path / "report.html"
    run = subprocess.run(
        [str(AWS_PYTHON), str(ROOT / "tests/analyst/athena_moto_check.py"), str(out)], cwd=ROOT,
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
             "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    calls = json.loads(run.stdout.strip().splitlines()[-1])
    names = [q.name for q in named_queries() if not q.name.startswith("setup_")]
    assert len(calls) == len(names)
    for call in calls:
        assert call["workgroup"] == "telegram-analytics-dev" and call["database"] == "telegram_analytics_dev"
        pairs = call["query"].count("WHERE context_date BETWEEN ? AND ?")
        assert pairs >= 1 and call["parameters"] == ["'2025-03-01'", "'2025-03-07'"] * pairs
        assert 'FROM "telegram_analytics_dev".' in call["query"]
    assert "q1_messages_by_hour                  123.5 MB  $0.000617" in run.stdout
    page = re.sub(r' data-label="[^"]*"', "", out.read_text())
    assert '<html lang="pt-BR">' in page and "ainda sem avaliações" in page
    assert (  # its days written dd/mm/aaaa; staff and the bot apart, then anyone
        "<td>03/03/2025</td><td>5</td><td>40 %</td><td>40 %</td><td>20</td><td>0,5</td><td>60 %</td><td>12,5</td>"
        in page
    )
