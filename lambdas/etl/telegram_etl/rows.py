"""Flat rows -> one Arrow table of the processed schema, total: a row Arrow cannot take is reported,
never raised, so that one odd update costs its own row and not the day's.

Kept apart from flatten.py and schema.py on purpose: the flattener stays a pure mapping, and this is
the ETL's safety net around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from telegram_etl.flatten import MS_COLUMNS
from telegram_etl.schema import ARROW_SCHEMA, COLUMN_NAMES

Row = dict[str, Any]
# JSON may spell half of a UTF-16 pair ("\ud83d") that Python keeps as a lone surrogate; UTF-8 (and so
# Arrow) cannot encode it. U+FFFD is what a UTF-8 decoder shows for such a broken character.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


_MS_TYPE = pa.int64()


def values_to_table(values: list[tuple[Any, ...]]) -> Conversion:
    """Tuples of flatten_values() -> the same Conversion to_table() gives for the rows of flatten():
    one Arrow array per column (no dict per row). If Arrow refuses a value, the rows are rebuilt and
    to_table() finds the ones at fault, exactly as before."""
    try:
        columns = list(zip(*values, strict=True)) if values else [()] * len(COLUMN_NAMES)
        arrays = [
            pa.array(column, type=_MS_TYPE).cast(spec.type) if spec.name in MS_COLUMNS
            else pa.array(column, type=spec.type)
            for spec, column in zip(ARROW_SCHEMA, columns, strict=True)
        ]  # fmt: skip
        return Conversion(pa.Table.from_arrays(arrays, schema=ARROW_SCHEMA))
    except Exception:  # noqa: S110 - any refusal: the row path below finds the offending rows
        pass
    return to_table([_row(value) for value in values])


def _row(value: tuple[Any, ...]) -> Row:
    row = dict(zip(COLUMN_NAMES, value, strict=True))
    for name in MS_COLUMNS:  # what flatten() holds there: datetimes
        if row[name] is not None:
            row[name] = _EPOCH + timedelta(milliseconds=row[name])
    return row


def scrub(row: Row) -> Row:
    """The row with every lone surrogate in its strings replaced by U+FFFD."""
    return {
        name: _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value
        for name, value in row.items()
    }
