"""`make sql`: an interactive SQL shell over the local pipeline's Parquet, with the same names as in Athena.

    python -m analyst.sql [DIR] [--settings FILE.json | --stage STAGE] [-c SQL]

DIR is the processed table's folder (hive layout, context_date=YYYY-MM-DD/*.parquet; default
.local/demo/parquet/telegram, what `make demo` leaves). The tables are the Glue tables' names:
`telegram_updates`, and the conversation model's tables (messages, requests, cases, ratings;
docs/conversation-model.md) from DIR/../model/<table>/, each with its `context_date`, as the model step
wrote them. With --settings (a JSON object of stage settings, as replay takes) or --stage, or where the
model's tables are missing, the model step first (re)computes them there from the processed table with
those settings (else the settings.json `make demo` writes beside the Parquet, else cdk.json's stage,
default $STAGE or dev), as `make remodel` does in AWS.

A statement ends with `;`. Athena (Trino) SQL is transpiled to DuckDB's by sqlglot, as the named queries
are; SQL that only DuckDB understands runs as written. `.tables` lists the tables and views, `.queries`
the named queries, `.q NAME` runs one, `.quit` (or Ctrl-D) leaves. In a terminal, the Up arrow recalls
earlier lines (readline; the history is kept in .local/sql_history).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import duckdb

from analytics.queries import NamedQuery, named_queries, to_duckdb
from stacks.config import ConfigError, StageConfig
from standins.cli import ArgumentParser, one_line
from standins.runner import duckdb_over, remodel_folder
from standins.settings import stage_config
from telegram_model.tables import MODEL_PREFIX

DEFAULT_DIR = Path(".local/demo/parquet/telegram")
MAX_ROWS = 40


def settings_for(table_root: Path, settings_file: Path | None, stage: str | None) -> StageConfig:
    """--settings, else the demo's settings.json two folders up from the table, else cdk.json's stage."""
    beside = table_root.resolve().parent.parent / "settings.json"
    if settings_file is None and stage is None and beside.is_file():
        settings_file = beside
    if settings_file is not None:
        values = json.loads(settings_file.read_text(encoding="utf-8"))
        return StageConfig.from_context("local", values)
    return stage_config(stage)


def open_database(table_root: Path, settings: StageConfig | None) -> duckdb.DuckDBPyConnection:
    """DuckDB with telegram_updates and the model's tables over the Parquet; the model recomputed first
    with `settings` when given, or when the folder has none of its tables yet."""
    if settings is not None or not (table_root.parent / MODEL_PREFIX).is_dir():
        remodel_folder(table_root, settings or settings_for(table_root, None, None))
    return duckdb_over(table_root)


def translate(sql: str) -> str:
    """Athena SQL as DuckDB SQL; the statement as written when sqlglot cannot read it as Trino."""
    try:
        return to_duckdb(sql)
    except Exception:  # sqlglot raises several error types; DuckDB gets the last word
        return sql


def run(connection: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Runs the statement transpiled from Athena's dialect; when DuckDB refuses that, as written."""
    translated = translate(sql)
    try:
        cursor = connection.execute(translated)
    except duckdb.Error:
        if translated == sql:
            raise
        cursor = connection.execute(sql)
    if cursor.description is None:
        return [], []
    return [column[0] for column in cursor.description], cursor.fetchall()


def format_rows(columns: list[str], rows: list[tuple[Any, ...]], limit: int = MAX_ROWS) -> str:
    if not columns:
        return "OK"
    cells = [["NULL" if v is None else str(v) for v in row] for row in rows[:limit]]
    widths = [max(len(c), *(len(r[i]) for r in cells)) if cells else len(c) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    more = f", {limit} shown" if len(rows) > limit else ""
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''}{more})")
    return "\n".join(lines)


# Ctrl-C at the prompt: the statement being typed is dropped, the shell carries on.
CANCEL = "\x03"
HISTORY = Path(".local/sql_history")  # beside the demo's data, from where `make sql` runs
COMMANDS = "commands: .tables  .queries  .q NAME  .quit"


class ShellError(Exception):
    """A dot-command the shell cannot run (unknown, or a named query that does not exist)."""


def split_statements(text: str) -> tuple[list[str], str]:
    """The complete statements in `text`, each without its `;`, and the text after the last one. A `;`
    inside quotes or a comment ends nothing."""
    done: list[str] = []
    start = i = 0
    while i < len(text):
        if text[i] in "'\"":  # a doubled quote ('it''s') closes and reopens: the same as one string
            close = text.find(text[i], i + 1)
            if close < 0:
                break
            i = close + 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end + 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            if close < 0:
                break
            i = close + 2
        else:
            if text[i] == ";":
                if statement := text[start:i].strip():
                    done.append(statement)
                start = i + 1
            i += 1
    return done, text[start:]


def statements(next_line: Callable[[bool], str | None]) -> Iterator[str]:
    """Statements ending in `;` (several on a line, or one over several lines) and dot-commands (a line of
    their own), from next_line(continuing) until it returns None; what is left unended runs last."""
    buffer = ""
    while (line := next_line(bool(buffer.strip()))) is not None:
        if line == CANCEL:
            buffer = ""
        elif not buffer.strip() and line.strip().startswith("."):
            buffer = ""
            yield line.strip()
        else:
            done, buffer = split_statements(buffer + line.rstrip("\n") + "\n")
            yield from done
    if buffer.strip():
        yield buffer.strip()


def file_lines(source: Iterable[str]) -> Callable[[bool], str | None]:
    lines = iter(source)
    return lambda continuing: next(lines, None)


def terminal_lines(continuing: bool) -> str | None:
    """A line typed at the prompt, with readline's editing and history; None on Ctrl-D."""
    try:
        return input("   ...> " if continuing else "sql> ")
    except EOFError:
        print()  # the shell's prompt starts on a line of its own
        return None
    except KeyboardInterrupt:
        print()
        return CANCEL


@contextlib.contextmanager
def history(path: Path = HISTORY) -> Iterator[None]:
    """readline's history, kept between sessions in `path` (the Up arrow recalls earlier lines)."""
    import readline  # input() edits lines with it once it is imported

    with contextlib.suppress(OSError):  # no history yet
        readline.read_history_file(path)
    readline.set_history_length(1000)
    try:
        yield
    finally:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)
        except OSError as error:  # a convenience: said, but no reason to fail the session
            print(f"make sql: history not saved to {path}: {error.strerror or error}", file=sys.stderr)


def command(connection: duckdb.DuckDBPyConnection, text: str, queries: dict[str, NamedQuery]) -> str | None:
    """A dot-command's output, or None for .quit; ShellError for a command or a query it does not know."""
    name, _, argument = text.partition(" ")
    argument = argument.strip()
    if name in (".quit", ".exit"):
        return None
    if name == ".tables":
        rows = connection.execute(
            "SELECT table_name, table_type FROM information_schema.tables ORDER BY table_type, table_name"
        ).fetchall()
        return "\n".join(f"{table}  ({kind.lower()})" for table, kind in rows)
    if name == ".queries":
        return "\n".join(f"{q.name}  {q.description}" for q in queries.values())
    if name == ".q":
        if argument not in queries:
            what = f"no named query {argument!r}" if argument else ".q needs a named query"
            raise ShellError(f"{what}: .queries lists them")
        return format_rows(*run(connection, queries[argument].sql))
    raise ShellError(f"unknown command {name}; {COMMANDS}")


def shell(
    connection: duckdb.DuckDBPyConnection, settings: StageConfig, next_line: Callable[[bool], str | None],
    out: TextIO, *, interactive: bool = False,
) -> int:  # fmt: skip
    """Runs each statement until the input ends or .quit. At a terminal the session ends 0 whatever its
    statements did (each error was shown where it happened); otherwise 1 if any statement failed."""
    queries = {q.name: q for q in named_queries()}
    if interactive:
        out.write(__doc__.split("\n\n")[3].strip() + "\n\n")
        out.flush()
    failed = 0
    for statement in statements(next_line):
        try:
            if statement.startswith("."):
                output = command(connection, statement, queries)
                if output is None:
                    break
            else:
                output = format_rows(*run(connection, statement))
            print(output, file=out)
        except (duckdb.Error, ShellError) as error:
            failed = 1
            # At the prompt DuckDB's whole message (its LINE and caret); from -c or a pipe, one line each.
            message = str(error)
            if isinstance(error, duckdb.Error) and not interactive:
                message = one_line(re.split(r"\n\s*LINE \d+:", message)[0])
            print(f"error: {message}", file=sys.stderr)
        except KeyboardInterrupt:
            if not interactive:
                raise
            print("(interrupted)", file=sys.stderr)
        out.flush()
    return 0 if interactive else failed


def main(argv: list[str] | None = None, source: TextIO | None = None) -> int:
    parser = ArgumentParser(prog="make sql", description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR, help=f"default {DEFAULT_DIR}")
    parser.add_argument("--settings", type=Path, help="stage settings (JSON object) the data was made with")
    parser.add_argument("--stage", help="else the settings of this stage in cdk.json (default $STAGE, dev)")
    parser.add_argument("-c", dest="sql", help="run this SQL (statements end with ;) and leave")
    args = parser.parse_args(argv)
    if not args.dir.is_dir():
        print(f"make sql: {args.dir}: no such folder; run `make demo` first, or give DIR=", file=sys.stderr)
        return 2
    try:
        chosen = args.settings is not None or args.stage is not None
        settings = settings_for(args.dir, args.settings, args.stage) if chosen else None
        connection = open_database(args.dir, settings)
    except (OSError, ValueError, ConfigError) as error:
        print(f"make sql: invalid settings: {error}", file=sys.stderr)
        return 2
    if args.sql is not None:
        return shell(connection, settings, file_lines(io.StringIO(args.sql + "\n")), sys.stdout)
    source = source or sys.stdin
    if not source.isatty():  # a pipe or a file: no prompt, no history
        return shell(connection, settings, file_lines(source), sys.stdout)
    with history():
        return shell(connection, settings, terminal_lines, sys.stdout, interactive=True)


if __name__ == "__main__":
    sys.exit(main())
