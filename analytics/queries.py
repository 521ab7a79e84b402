"""The named queries: each q*.sql / setup_*.sql file in sql/ (Athena's Trino dialect) is one answer.

The conversation model is layers of shared definitions (sql/*.cte.sql: messages -> requests -> cases,
see docs/conversation-model.md), each written once and put in front of every query that uses it as a
WITH clause, so each named query is complete SQL. The stage settings that shape the model (time zone,
staff, our bot, topic rules, feedback values, bot hand-overs) enter in one place, `model_values`, as SQL
literals.
DuckDB runs the same text after sqlglot's documented trino -> duckdb transpilation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

SQL_DIR = Path(__file__).parent / "sql"
TABLE_NAME = "telegram_updates"
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


class ModelSettings(Protocol):
    """The stage settings the conversation model reads (stacks.config.StageConfig has them all)."""

    timezone: str
    staff_user_ids: Sequence[int]
    bot_username: str | None
    topic_rules: Mapping[str, Sequence[str]]
    feedback_resolved_values: Sequence[str]
    feedback_unresolved_values: Sequence[str]
    satisfied_reactions: Sequence[str]
    unsatisfied_reactions: Sequence[str]
    bot_handover_patterns: Sequence[str]


@dataclass(frozen=True)
class NamedQuery:
    name: str  # file stem, e.g. q1_messages_by_hour
    description: str  # the file's leading comment
    sql: str  # complete Athena SQL


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _values(items: Iterable[str | int]) -> str:
    """A parenthesized list for IN; (NULL) when empty, which matches nothing."""
    rendered = [str(int(item)) if isinstance(item, int) else literal(item) for item in items]
    return f"({', '.join(rendered)})" if rendered else "(NULL)"


def topic_rule_sql(rules: Mapping[str, Sequence[str]]) -> str:
    """The first topic (in the rules' order) with a pattern matching the normalized text."""
    if not rules:
        return "CAST(NULL AS varchar)"
    branches = [
        f"WHEN regexp_like(normalized_text, {literal('|'.join(f'(?:{p})' for p in patterns))}) "
        f"THEN {literal(topic)}"
        for topic, patterns in rules.items()
        if patterns
    ]
    return f"CASE {' '.join(branches)} END" if branches else "CAST(NULL AS varchar)"


def bot_handover_sql(patterns: Sequence[str]) -> str:
    """The hand-over patterns as one regular expression (a NULL one, which matches nothing, when empty)."""
    if not patterns:
        return "CAST(NULL AS varchar)"
    return literal("|".join(f"(?:{p})" for p in patterns))


def model_values(settings: ModelSettings) -> dict[str, str]:
    """Each ${name} of the SQL files as the SQL text it stands for."""
    if "'" in settings.timezone:
        raise ValueError(f"invalid timezone {settings.timezone!r}")
    feedback = (*settings.feedback_resolved_values, *settings.feedback_unresolved_values)
    return {
        "timezone": settings.timezone,
        "staff_user_ids": _values(settings.staff_user_ids),
        "bot_username": literal(settings.bot_username.lower().lstrip("@"))
        if settings.bot_username
        else "NULL",
        "topic_rule": topic_rule_sql(settings.topic_rules),
        "feedback_values": _values(feedback),
        "feedback_resolved_values": _values(settings.feedback_resolved_values),
        "satisfied_reactions": _values(settings.satisfied_reactions),
        "unsatisfied_reactions": _values(settings.unsatisfied_reactions),
        "bot_handover_pattern": bot_handover_sql(settings.bot_handover_patterns),
    }


def render_sql(path: Path, values: Mapping[str, str]) -> str:
    """A SQL file with each ${setting} replaced by its SQL text."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            raise KeyError(f"{path.name}: unknown setting ${{{match.group(1)}}}")
        return values[match.group(1)]

    return _PLACEHOLDER.sub(substitute, path.read_text()).strip()


def _code(sql: str) -> str:
    """SQL without its comments (whole comment lines go)."""
    lines = (re.sub(r"\s*--[^\n]*", "", line) for line in sql.splitlines())
    return "\n".join(line for line in lines if line.strip())


def shared_definitions() -> dict[str, Path]:
    """The model's layers by name: messages, requests, cases, ..."""
    return {path.name.removesuffix(".cte.sql"): path for path in sorted(SQL_DIR.glob("*.cte.sql"))}


def _uses(code: str, names: Iterable[str]) -> set[str]:
    """The layers a piece of SQL reads (after FROM or JOIN; a column may share a layer's name)."""
    return {name for name in names if re.search(rf"(?i)\b(?:FROM|JOIN)\s+{name}\b", code)}


def _needed(code: str, layers: Mapping[str, str]) -> list[str]:
    """The layers a query uses, directly or through other layers, each after those it reads."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for dependency in sorted(_uses(_code(layers[name]), set(layers) - {name})):
            visit(dependency)
        ordered.append(name)

    for name in sorted(_uses(code, layers)):
        visit(name)
    return ordered


def compose(query_sql: str, layers: Mapping[str, str]) -> str:
    """The query with the layers it uses prepended (merged into its own WITH, if it has one)."""
    lines = query_sql.splitlines()
    header = [line for line in lines if line.startswith("--")]
    code = "\n".join(line for line in lines if not line.startswith("--")).strip()
    needed = _needed(code, layers)
    if not needed:
        return query_sql
    definitions = []
    for name in needed:
        body = _code(layers[name]).strip()
        indented = "\n".join(f"    {line}" if line else line for line in body.splitlines())
        definitions.append(f"{name} AS (\n{indented}\n)")
    shared = ",\n".join(definitions)
    if re.match(r"(?i)^WITH\s", code):
        code = f"WITH {shared},\n{code[5:].lstrip()}"
    else:
        code = f"WITH {shared}\n{code}"
    return "\n".join([*header, code])


def named_queries(settings: ModelSettings) -> list[NamedQuery]:
    values = model_values(settings)
    layers = {name: render_sql(path, values) for name, path in shared_definitions().items()}
    queries = []
    for path in sorted(SQL_DIR.glob("*.sql")):
        if path.name.endswith(".cte.sql"):
            continue
        raw = render_sql(path, values)
        header = [line.removeprefix("--").strip() for line in raw.splitlines() if line.startswith("--")]
        queries.append(NamedQuery(name=path.stem, description=" ".join(header), sql=compose(raw, layers)))
    return queries


def to_duckdb(athena_sql: str) -> str:
    """Athena (Trino) SQL as DuckDB SQL, through sqlglot: e.g. day_of_week -> ISODOW,
    regexp_like -> REGEXP_MATCHES, approx_percentile -> APPROX_QUANTILE."""
    import sqlglot  # a development dependency: only the local runner and the tests transpile

    (statement,) = sqlglot.transpile(athena_sql, read="trino", write="duckdb")
    return statement
