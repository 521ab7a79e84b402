"""The model's layers: sql/*.cte.sql (Athena's Trino dialect), each one concept, with the stage settings
that shape them entering in one place, `model_values`, as SQL literals. The model step runs them on
DuckDB after sqlglot's documented trino -> duckdb transpilation, each layer once (a table the next
layers read), and writes the tables the named queries read (telegram_model.tables)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

SQL_DIR = Path(__file__).parent / "sql"
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


# A string literal, a quoted identifier, a comment, or anything else up to the next of those.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|[^'\"-]+|-", re.DOTALL)


def code(sql: str) -> str:
    """SQL without its comments (whole comment lines go); `--` inside a string literal (a topic
    pattern, a hand-over pattern) or a quoted identifier is text, not a comment."""
    kept = "".join("" if token.startswith("--") else token for token in _TOKENS.findall(sql))
    lines = (line.rstrip() for line in kept.splitlines())
    return "\n".join(line for line in lines if line.strip())


def layer_files() -> dict[str, Path]:
    """The model's layers by name: messages, requests, cases, ..."""
    return {path.name.removesuffix(".cte.sql"): path for path in sorted(SQL_DIR.glob("*.cte.sql"))}


def uses(sql: str, names: Iterable[str]) -> set[str]:
    """The names a piece of SQL reads (after FROM or JOIN; a column may share a layer's name)."""
    return {name for name in names if re.search(rf"(?i)\b(?:FROM|JOIN)\s+{name}\b", sql)}


def in_order(layers: Mapping[str, str], wanted: Iterable[str] | None = None) -> list[str]:
    """The layers (all, or those `wanted` reads through others), each after the layers it reads."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for dependency in sorted(uses(code(layers[name]), set(layers) - {name})):
            visit(dependency)
        ordered.append(name)

    for name in sorted(layers if wanted is None else wanted):
        visit(name)
    return ordered


def rendered_layers(settings: ModelSettings) -> dict[str, str]:
    """Each layer's SQL (Trino dialect) with the stage's settings, comments removed."""
    values = model_values(settings)
    return {name: code(render_sql(path, values)) for name, path in layer_files().items()}


def to_duckdb(athena_sql: str) -> str:
    """Athena (Trino) SQL as DuckDB SQL, through sqlglot: e.g. day_of_week -> ISODOW,
    regexp_like -> REGEXP_MATCHES, approx_percentile -> APPROX_QUANTILE."""
    import sqlglot  # bundled with the model step; imported when first needed

    (statement,) = sqlglot.transpile(athena_sql, read="trino", write="duckdb")
    return statement
