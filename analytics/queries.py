"""The named queries: each .sql file in sql/ (Athena's Trino dialect) is one answer.

Two shared definitions, `user_messages` and `questions` (sql/*.cte.sql), are written once and put
in front of every query that uses them as WITH clauses, so each named query is complete SQL.
DuckDB runs the same text after sqlglot's documented trino -> duckdb transpilation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"
TABLE_NAME = "telegram_updates"
# Shared CTEs in dependency order: questions reads user_messages.
SHARED = ("user_messages", "questions")


@dataclass(frozen=True)
class NamedQuery:
    name: str  # file stem, e.g. q1_messages_by_hour
    description: str  # the file's leading comment
    sql: str  # complete Athena SQL


def _body(path: Path, timezone: str) -> str:
    if "'" in timezone:
        raise ValueError(f"invalid timezone {timezone!r}")
    # A plain ${timezone} placeholder (string.Template would trip over regex anchors such as `$)`).
    return path.read_text().replace("${timezone}", timezone).strip()


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def _needed(sql: str) -> list[str]:
    code = _strip_comments(sql)
    needed = {name for name in SHARED if re.search(rf"\b{name}\b", code)}
    if "questions" in needed:
        needed.add("user_messages")
    return [name for name in SHARED if name in needed]


def compose(query_sql: str, timezone: str) -> str:
    """The query with the shared CTEs it uses prepended (merged into its own WITH, if it has one)."""
    lines = query_sql.splitlines()
    header = [line for line in lines if line.startswith("--")]
    code = "\n".join(line for line in lines if not line.startswith("--")).strip()
    needed = _needed(code)
    if not needed:
        return query_sql
    definitions = []
    for name in needed:
        cte = _strip_comments(_body(SQL_DIR / f"{name}.cte.sql", timezone)).strip()
        indented = "\n".join(f"    {line}" if line else line for line in cte.splitlines())
        definitions.append(f"{name} AS (\n{indented}\n)")
    shared = ",\n".join(definitions)
    if re.match(r"(?i)^WITH\s", code):
        code = f"WITH {shared},\n{code[5:].lstrip()}"
    else:
        code = f"WITH {shared}\n{code}"
    return "\n".join([*header, code])


def named_queries(timezone: str) -> list[NamedQuery]:
    queries = []
    for path in sorted(SQL_DIR.glob("q*.sql")):
        if path.name.endswith(".cte.sql"):
            continue
        raw = _body(path, timezone)
        header = [line.removeprefix("--").strip() for line in raw.splitlines() if line.startswith("--")]
        description = " ".join(header)
        queries.append(NamedQuery(name=path.stem, description=description, sql=compose(raw, timezone)))
    return queries


def to_duckdb(athena_sql: str) -> str:
    """Athena (Trino) SQL as DuckDB SQL, through sqlglot: e.g. day_of_week -> ISODOW,
    regexp_replace gains the 'g' flag, approx_percentile -> APPROX_QUANTILE."""
    import sqlglot  # a development dependency: only the local runner and the tests transpile

    (statement,) = sqlglot.transpile(athena_sql, read="trino", write="duckdb")
    return statement
