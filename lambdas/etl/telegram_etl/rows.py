"""Flat rows -> one Arrow table of the processed schema, total: a row Arrow cannot take is reported,
never raised, so that one odd update costs its own row and not the day's.

Kept apart from flatten.py and schema.py on purpose: the flattener stays a pure mapping, and this is
the ETL's safety net around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from telegram_etl.schema import ARROW_SCHEMA

Row = dict[str, Any]
# JSON may spell half of a UTF-16 pair ("\ud83d") that Python keeps as a lone surrogate; UTF-8 (and so
# Arrow) cannot encode it. U+FFFD is what a UTF-8 decoder shows for such a broken character.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Conversion:
    table: pa.Table
    rejected: list[int] = field(default_factory=list)  # indexes of rows that could not be converted
    repaired: int = 0  # rows whose lone surrogates became U+FFFD


def to_table(rows: list[Row]) -> Conversion:
    """All rows at once (the fast path); if Arrow refuses, row by row to find the ones at fault."""
    try:
        return Conversion(pa.Table.from_pylist(rows, schema=ARROW_SCHEMA))
    except Exception:  # noqa: S110 - any refusal: look for the offending rows below
        pass
    kept: list[Row] = []
    conversion = Conversion(ARROW_SCHEMA.empty_table())
    for index, row in enumerate(rows):
        candidate = row
        try:
            pa.Table.from_pylist([candidate], schema=ARROW_SCHEMA)
        except UnicodeEncodeError:
            candidate = scrub(row)
            try:
                pa.Table.from_pylist([candidate], schema=ARROW_SCHEMA)
            except Exception:  # more wrong than its text: the row goes
                conversion.rejected.append(index)
                continue
            conversion.repaired += 1
        except Exception:  # e.g. a value of the wrong type from a flattener bug
            conversion.rejected.append(index)
            continue
        kept.append(candidate)
    conversion.table = pa.Table.from_pylist(kept, schema=ARROW_SCHEMA)
    return conversion


def scrub(row: Row) -> Row:
    """The row with every lone surrogate in its strings replaced by U+FFFD."""
    return {
        name: _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value
        for name, value in row.items()
    }
