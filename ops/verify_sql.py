"""A deployed named query narrowed to the verification day: its `context_date` window replaced.

Each predicate on the partition key (`context_date BETWEEN a AND b`, `context_date >= <expression>`, `<`,
`<=`, `>`, `=`, `IN (...)`, qualified or quoted) becomes `context_date = 'D'`, whatever its bounds are
(literals, `?`, `date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')`, ...). Comments and string
literals are never matched. Every deployed named query reads its tables through such a window (the model
step's tables and `telegram_updates` alike, analytics.queries.console_queries); a query without one is
refused (NoWindow): run over every day, it would not test the day's rows.
"""

from __future__ import annotations

import re
from datetime import date

# Where an operand ends, at parenthesis depth 0.
_STOP_WORDS = {
    "and", "or", "group", "order", "limit", "having", "union", "window", "then", "when", "else", "end", "on",
    "join", "left", "right", "inner", "full", "cross", "where", "select", "from", "except", "intersect",
}  # fmt: skip
_PREDICATE = re.compile(
    r'(?i)(?<![\w."])((?:"?[a-z_][\w]*"?\.)?"?context_date"?)\s*(between\b|>=|<=|=|>|<(?!>)|in\s*(?=\())'
)


class NoWindow(ValueError):
    """A query whose days cannot be narrowed to the verification day."""


def _masked(sql: str) -> str:
    """The SQL with comments blanked and string contents replaced by 'x' (same length): offsets stay."""
    out, i = list(sql), 0
    while i < len(sql):
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            end = len(sql) if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
        elif sql[i] == "'":
            j = i + 1
            while j < len(sql):
                if sql[j] == "'" and sql.startswith("''", j):
                    j += 2
                elif sql[j] == "'":
                    break
                else:
                    j += 1
            out[i + 1 : j] = "x" * (j - i - 1)
            i = j + 1
        else:
            i += 1
    return "".join(out)


def _operand_end(masked: str, start: int, *, stop_at_and: bool) -> int:
    """Where the expression starting at `start` ends: at depth 0, before a stop word (AND included only
    when stop_at_and), a comma, a closing parenthesis or a semicolon."""
    depth, i = 0, start
    while i < len(masked):
        char = masked[i]
        if char == "'":
            i = masked.find("'", i + 1) + 1 or len(masked)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and char in ",;":
            break
        elif depth == 0 and (char.isalpha() or char == "_") and (i == 0 or not masked[i - 1].isalnum()):
            word = re.match(r"\w+", masked[i:])
            assert word is not None
            if word.group().lower() in _STOP_WORDS and (stop_at_and or word.group().lower() != "and"):
                break
            i += len(word.group())
            continue
        i += 1
    while i > start and masked[i - 1].isspace():
        i -= 1
    if i == start:
        raise NoWindow(f"a context_date predicate without a value at offset {start}")
    return i


def _closing(masked: str, opening: int) -> int:
    """The offset of the parenthesis closing the one at `opening`."""
    depth = 0
    for i in range(opening, len(masked)):
        depth += {"(": 1, ")": -1}.get(masked[i], 0)
        if depth == 0:
            return i
    raise NoWindow(f"unbalanced parentheses after offset {opening}")


def replace_window(sql: str, day: date) -> tuple[str, int]:
    """The SQL with each context_date predicate replaced by `context_date = 'day'`; and how many."""
    masked = _masked(sql)
    pieces, last, count = [], 0, 0
    for match in _PREDICATE.finditer(masked):
        if match.start() < last:  # inside a predicate already replaced
            continue
        operator = match.group(2).lower()
        start = match.end()
        if operator == "between":
            first_end = _operand_end(masked, start, stop_at_and=True)
            rest = re.match(r"\s*and\b", masked[first_end:], re.IGNORECASE)
            if rest is None:
                raise NoWindow(f"BETWEEN without AND after {sql[match.start() : first_end]!r}")
            end = _operand_end(masked, first_end + rest.end(), stop_at_and=True)
        elif operator.startswith("in"):
            end = _closing(masked, start) + 1
        else:
            end = _operand_end(masked, start, stop_at_and=True)
        pieces += [sql[last : match.start()], f"{sql[match.start() : match.end(1)]} = '{day.isoformat()}'"]
        last, count = end, count + 1
    pieces.append(sql[last:])
    return "".join(pieces), count


def for_day(sql: str, day: date, database: str) -> str:
    """The named query reading only `day` (see the module's docstring), or NoWindow."""
    narrowed, count = replace_window(sql, day)
    if count:
        return narrowed
    raise NoWindow(
        "no recognisable context_date window (context_date BETWEEN ... AND ..., >=, <=, =, IN): "
        "it would scan every day"
    )
