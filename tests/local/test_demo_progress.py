"""The demo's progress bar in a terminal: a line printed while the bar is unfinished (an ETL day's) starts
on a line of its own instead of being appended to the bar's (issue 23, item 3)."""

import contextlib
import io
import re
from collections.abc import Iterator

import pytest

from local import demo


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def screen(written: str) -> list[str]:
    """The lines a terminal shows for what was written: `\\r` goes back to the start of the line, and
    ESC [K erases from there to its end."""
    lines, column = [""], 0
    for token in re.findall(r"\x1b\[K|\r|\n|[^\r\n\x1b]+", written):
        if token == "\n":
            lines.append("")
            column = 0
        elif token == "\r":
            column = 0
        elif token == "\x1b[K":
            lines[-1] = lines[-1][:column]
        else:
            lines[-1] = lines[-1][:column] + token + lines[-1][column + len(token) :]
            column += len(token)
    return lines


@pytest.fixture
def terminal(monkeypatch) -> Iterator[Terminal]:
    """stdout and stderr on the same terminal, as in `make demo` run by a person."""
    monkeypatch.setattr(demo, "_bar_open", False)
    shared = Terminal()
    # In the test's body (pytest swaps its own capture in between setup and call).
    yield shared


def on(terminal: Terminal) -> contextlib.AbstractContextManager:
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(terminal))
    stack.enter_context(contextlib.redirect_stderr(terminal))
    return stack


def test_the_screen_model_applies_carriage_returns_and_erasures():
    assert screen("abc\rX\n12345\r\x1b[Kz") == ["Xbc", "z"]


def test_each_etl_days_line_starts_its_own_line_under_a_progress_bar(terminal):
    with on(terminal):
        for n in (1, 2, 3):
            demo.clear_progress()
            print(f"   2025-03-0{n}: read=1")
            demo.progress("days", n, 3)
    shown = screen(terminal.getvalue())
    assert [line for line in shown if "2025-03" in line] == [f"   2025-03-0{n}: read=1" for n in (1, 2, 3)]
    assert shown[-2:] == ["   days [##############################] 3/3", ""]
    assert sum("days [" in line for line in shown) == 1  # the bar redrawn in place, not a line per day


def test_without_clearing_the_day_would_land_on_the_bar(terminal):
    """What the issue saw, so that the screen model above is known to tell the two apart."""
    with on(terminal):
        demo.progress("days", 1, 3)
        print("   2025-03-02: read=1")
    assert "1/3   2025-03-02" in screen(terminal.getvalue())[0]
