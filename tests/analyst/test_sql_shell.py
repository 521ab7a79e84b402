"""`make sql` as a user runs it: statements on stdin, Athena's dialect or DuckDB's, over Parquet the real
ETL and the model step wrote, with telegram_updates and the model's tables under their Athena names."""

import contextlib
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analyst.sql import file_lines, split_statements, statements

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
    assert run.stderr.startswith("error: Catalog Error") and "nowhere" in run.stderr
    assert len(run.stderr.splitlines()) == 1  # from a pipe, one line per failed statement
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
    assert list(statements(file_lines(lines))) == [".tables", "SELECT 1\n  , 2", "SELECT 3", "SELECT 4"]


def test_several_statements_on_a_line_each_run_and_a_semicolon_in_quotes_or_comments_ends_nothing():
    lines = ["SELECT 1; SELECT 'a;b' AS x; -- a comment; still\n", 'SELECT /* ; */ 2;  SELECT "c;" FROM t;\n']
    assert list(statements(file_lines(lines))) == [
        "SELECT 1", "SELECT 'a;b' AS x", "-- a comment; still\nSELECT /* ; */ 2", 'SELECT "c;" FROM t',
    ]  # fmt: skip
    assert split_statements("SELECT 'it''s; fine'; SELECT 'open;") == (
        ["SELECT 'it''s; fine'"],
        " SELECT 'open;",
    )


@pytest.mark.e2e
def test_each_statement_of_c_shows_its_result(table):
    run = sql_shell(table, "", "-c", "SELECT 1 AS first; SELECT 2 AS second;")
    assert run.returncode == 0, run.stderr
    assert "first\n-----\n1\n(1 row)\nsecond\n------\n2\n(1 row)\n" in run.stdout


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("command", "said"),
    [
        (".q unknown", "error: no named query 'unknown': .queries lists them"),
        (".q", "error: .q needs a named query: .queries lists them"),
        (".frobnicate", "error: unknown command .frobnicate; commands: .tables  .queries  .q NAME  .quit"),
        ("SELECT 1; selec 2;", 'error: Parser Error: syntax error at or near "selec"'),
    ],
)
def test_a_mistake_in_c_is_one_line_and_exits_1(table, command, said):
    run = sql_shell(table, "", "-c", command)
    assert run.returncode == 1
    assert run.stderr == said + "\n"


def terminal(table: Path, cwd: Path) -> tuple[subprocess.Popen, int]:
    """`make sql` at a terminal: the shell on a pseudo-terminal, its other end to type into."""
    main, child = pty.openpty()
    env = {**os.environ, "TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-m", "analyst.sql", str(table)], stdin=child, stdout=child, stderr=child,
        cwd=cwd, env=env, start_new_session=True,
    )  # fmt: skip
    os.close(child)
    return process, main


def read_until(fd: int, text: str, seen: bytearray, timeout: float = 60) -> str:
    """What the terminal showed until `text` appeared (counting from what `seen` already holds)."""
    start, deadline = len(seen), time.monotonic() + timeout
    while text.encode() not in seen[start:]:
        assert time.monotonic() < deadline, f"no {text!r} in {bytes(seen[start:])!r}"
        if select.select([fd], [], [], 1)[0]:
            try:
                seen += os.read(fd, 4096)
            except OSError:  # the shell ended and closed the terminal
                break
    return seen[start:].decode(errors="replace")


def finish(process: subprocess.Popen, fd: int, seen: bytearray) -> int:
    with contextlib.suppress(OSError):
        while select.select([fd], [], [], 1)[0] and (chunk := os.read(fd, 4096)):
            seen += chunk
    os.close(fd)
    return process.wait(timeout=30)


@pytest.mark.e2e
def test_at_a_terminal_the_up_arrow_recalls_history_and_ctrl_d_ends_0_after_an_error(table, tmp_path):
    process, fd = terminal(table, tmp_path)
    seen = bytearray()
    read_until(fd, "sql> ", seen)
    # Each key is typed once the prompt is back, as a person would.
    os.write(fd, b"SELECT 41 + 1 AS answer;\r")
    read_until(fd, "(1 row)\r\nsql> ", seen)
    os.write(fd, b"\x1b[A\r")  # Up arrow, Enter: the same statement again
    again = read_until(fd, "(1 row)\r\nsql> ", seen)
    assert "SELECT 41 + 1 AS answer;" in again and "42" in again
    os.write(fd, b"SELECT * FROM nowhere;\r")
    assert "Catalog Error" in read_until(fd, "\r\nsql> ", seen)
    os.write(fd, b"\x04")  # Ctrl-D
    assert finish(process, fd, seen) == 0, bytes(seen)  # the earlier error does not fail the session
    assert "^[[A" not in seen.decode(errors="replace")
    history = (tmp_path / ".local" / "sql_history").read_text()
    assert "SELECT 41 + 1 AS answer;" in history and "SELECT * FROM nowhere;" in history

    process, fd = terminal(table, tmp_path)  # a new session remembers the last one's lines
    seen = bytearray()
    read_until(fd, "sql> ", seen)
    os.write(fd, b"\x1b[A\x1b[A\r")
    assert "42" in read_until(fd, "(1 row)\r\nsql> ", seen)
    os.write(fd, b".quit\r")
    assert finish(process, fd, seen) == 0
