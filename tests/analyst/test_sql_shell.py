"""`make sql` as a user runs it: statements on stdin, Athena's dialect or DuckDB's, over Parquet the real
ETL and the model step wrote, with telegram_updates and the model's tables under their Athena names."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analyst.sql import statements

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def table(s3_server, tmp_path_factory) -> Path:
    """The sample conversation's processed table, and the settings it was made with beside it (as the demo
    leaves them: <workdir>/parquet/telegram and <workdir>/settings.json)."""
    from demo_data.conversation import SETTINGS
    from standins.runner import answer_sample_conversation

    workdir = tmp_path_factory.mktemp("sql")
    answer_sample_conversation(s3_server.client_env(), workdir / "parquet")
    (workdir / "settings.json").write_text(json.dumps({
        "timezone": SETTINGS.timezone, "staff_user_ids": list(SETTINGS.staff_user_ids),
        "bot_username": SETTINGS.bot_username, "topic_rules": dict(SETTINGS.topic_rules),
    }))  # fmt: skip
    return workdir / "parquet" / "telegram"


def sql_shell(table: Path, stdin: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analyst.sql", str(table), *args], input=stdin, cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.e2e
def test_the_table_and_the_layers_answer_athena_and_duckdb_sql(table):
    run = sql_shell(
        table,
        "SELECT count(*) AS requests FROM requests;\n"
        # Athena's dialect, over two lines: approx_percentile and day_of_week are Trino functions
        "SELECT day_of_week(local_time) AS weekday, count(*) AS cases,\n"
        "       approx_percentile(first_response_minutes, 0.5) AS median FROM cases GROUP BY 1 ORDER BY 1;\n"
        # DuckDB's own: a list comprehension sqlglot does not read as Trino
        "SELECT [x * 2 FOR x IN [1, 2]] AS doubled;\n"
        ".tables\n"
        ".q q3_questions_answered\n",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    blocks = run.stdout.split("\n(")
    assert "requests\n" in run.stdout and "\n8\n(1 row)" in run.stdout  # the sample's 8 requests
    assert "weekday | cases | median" in run.stdout
    assert "\n1       | 5     |" in run.stdout and "\n2       | 3     |" in run.stdout  # Monday 5, Tuesday 3
    assert "[2, 4]" in run.stdout
    for name in ("telegram_updates", "messages", "requests", "cases", "ratings"):
        assert f"\n{name}  (" in "\n" + run.stdout
    assert "questions | answered | answered_pct | median_minutes_to_reply" in run.stdout
    assert len(blocks) >= 4


@pytest.mark.e2e
def test_an_error_is_reported_and_the_shell_carries_on(table):
    run = sql_shell(table, "SELECT * FROM nowhere;\nSELECT 1 AS one;\n")
    assert run.returncode == 1
    assert "error: Catalog Error" in run.stdout and "nowhere" in run.stdout
    assert "one\n---\n1\n(1 row)" in run.stdout


@pytest.mark.e2e
def test_one_statement_from_the_command_line(table):
    run = sql_shell(
        table, "", "-c", "SELECT count(DISTINCT user_id) AS customers FROM messages WHERE role = 'customer';"
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-2:] == ["4", "(1 row)"]  # Ana, Bruno, Diego and Eva


def test_a_missing_folder_is_one_clear_line(tmp_path):
    run = sql_shell(tmp_path / "nothing", "")
    assert run.returncode == 2
    assert "no such folder; run `make demo` first" in run.stderr


def test_statements_end_with_a_semicolon_and_dot_commands_with_the_line():
    lines = [".tables\n", "SELECT 1\n", "  , 2;\n", "\n", "SELECT 3;\n", "SELECT 4\n"]
    assert list(statements(lines, None)) == [".tables", "SELECT 1\n  , 2", "SELECT 3", "SELECT 4"]
