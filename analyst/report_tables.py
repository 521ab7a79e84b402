"""Each chart's numbers as a table beside it, with its CSV download as a data: URI (no network)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from html import escape
from typing import Any
from urllib.parse import quote

from analyst.report_texts import date_text, number, translate

# How each language's spreadsheet reads a CSV: Excel in pt-BR splits on ";" and reads decimal commas
# (its list separator is ";" because "," is the decimal mark); in English "," and dots.
CSV_FORMAT = {"en": (",", "."), "pt-BR": (";", ",")}


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[Any]], lang: str = "en") -> str:
    """A CSV file for `lang`'s spreadsheets: its separator and decimal mark (CSV_FORMAT), days as the
    page writes them, floats rounded to 2 places with no thousands separator, no value an empty cell;
    UTF-8 with a byte order mark, so that Excel reads accents; CRLF line ends."""
    separator, decimal = CSV_FORMAT[lang]

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, date):
            value = date_text(value, lang)
        elif isinstance(value, float | Decimal):
            value = round(float(value), 2)
            value = int(value) if value == int(value) else value
        text = str(value)
        if isinstance(value, float):
            text = text.replace(".", decimal)
        if any(ch in text for ch in (separator, '"', "\n", "\r")):
            text = '"' + text.replace('"', '""') + '"'
        return text

    lines = [separator.join(cell(c) for c in columns)]
    lines += [separator.join(cell(v) for v in row) for row in rows]
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def csv_uri(columns: Sequence[str], rows: Sequence[Sequence[Any]], lang: str = "en") -> str:
    """csv_text as a data: URI (a download with no network)."""
    return "data:text/csv;charset=utf-8," + quote(csv_text(columns, rows, lang))


def data_table(
    name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], lang: str, *,
    shown: Sequence[Sequence[str]] | None = None, open_: bool = False,
) -> str:  # fmt: skip
    """The chart's numbers as a table (in a <details> unless open_) with its CSV download."""
    cells = shown if shown is not None else [[number(v, lang) for v in row] for row in rows]
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    labels = [escape(h) for h in headers]  # each cell's header too: a phone shows a row as a card
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{label}">{escape(str(v))}</td>' for label, v in zip(labels, row, strict=True)
        )
        + "</tr>"
        for row in cells
    )
    link = (
        f'<a class="csv" download="{escape(name)}.csv" href="{csv_uri(headers, rows, lang)}">'
        f"{escape(translate(lang, 'csv'))}</a>"
    )
    table = f'<div class="table"><table data-table="{escape(name)}"><thead><tr>{head}</tr></thead>' \
            f"<tbody>{body}</tbody></table></div>{link}"  # fmt: skip
    if open_:
        return table
    return f"<details><summary>{escape(translate(lang, 'table'))}</summary>{table}</details>"
