"""The named queries: each q*.sql / setup_*.sql file in sql/ (Athena's Trino dialect) is one answer.

They read the conversation model's tables (messages, requests, cases, ratings: telegram_model.tables,
materialized daily by the model step from the layers in lambdas/model/telegram_model/sql/, see
docs/conversation-model.md) or the processed table (telegram_updates), each a few table reads. The stage
settings that shape the model are applied by the model step, so the queries have none.

Deployed (console_queries), each table a query reads is a WITH clause named like it that reads the stage's
database's table over the days of `context_date` (default: the last 30 days, one line to edit), so the
query runs whatever database the editor shows and partition projection reads no other day. Locally
(named_queries()), the queries read the tables by name. DuckDB runs the same text after sqlglot's
documented trino -> duckdb transpilation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from telegram_model.layers import code, literal, to_duckdb, uses
from telegram_model.tables import TABLES

SQL_DIR = Path(__file__).parent / "sql"
TABLE_NAME = "telegram_updates"
STORED_TABLES: tuple[str, ...] = (TABLE_NAME, *(table.name for table in TABLES))
# The console's days: the last 30 (today included, by the partition key's day).
DEFAULT_DAYS = ("CAST(current_date - INTERVAL '29' DAY AS varchar)", "CAST(current_date AS varchar)")

__all__ = ["DEFAULT_DAYS", "SQL_DIR", "STORED_TABLES", "TABLE_NAME", "NamedQuery", "console_queries",
           "day_literals", "named_queries", "to_duckdb"]  # fmt: skip


@dataclass(frozen=True)
class NamedQuery:
    name: str  # file stem, e.g. q1_messages_by_hour
    description: str  # the file's leading comment
    sql: str  # complete Athena SQL


def day_literals(first: str, last: str) -> tuple[str, str]:
    """Two days (YYYY-MM-DD) as the SQL literals `days` takes."""
    return literal(first), literal(last)


def compose(query_sql: str, *, database: str | None, days: tuple[str, str] | None) -> str:
    """The query reading each stored table through a WITH clause named like it: the database's table
    (qualified), over `days` (two SQL expressions of YYYY-MM-DD). Unchanged without either."""
    lines = query_sql.splitlines()
    header = [line for line in lines if line.startswith("--")]
    body = "\n".join(line for line in lines if not line.startswith("--")).strip()
    read = [name for name in STORED_TABLES if name in uses(code(body), STORED_TABLES)]
    if not read or (database is None and days is None):
        return query_sql
    definitions = []
    for name in read:
        source = f'"{database}"."{name}"' if database else name
        where = (
            f"\n    WHERE context_date BETWEEN {days[0]} AND {days[1]}  -- the days read: edit here"
            if days
            else ""
        )
        definitions.append(f"{name} AS (\n    SELECT * FROM {source}{where}\n)")  # noqa: S608
    shared = ",\n".join(definitions)
    if re.match(r"(?i)^WITH\s", body):
        body = f"WITH {shared},\n{body[5:].lstrip()}"
    else:
        body = f"WITH {shared}\n{body}"
    return "\n".join([*header, body])


def named_queries(*, database: str | None = None, days: tuple[str, str] | None = None) -> list[NamedQuery]:
    """Every named query; with `database`, its tables qualified; with `days`, only those days read."""
    queries = []
    for path in sorted(SQL_DIR.glob("*.sql")):
        raw = path.read_text().strip()
        header = [line.removeprefix("--").strip() for line in raw.splitlines() if line.startswith("--")]
        sql = compose(raw, database=database, days=days)
        queries.append(NamedQuery(name=path.stem, description=" ".join(header), sql=sql))
    return queries


def console_queries(database: str) -> list[NamedQuery]:
    """The named queries as deployed: the stage's database, the last 30 days."""
    return named_queries(database=database, days=DEFAULT_DAYS)
