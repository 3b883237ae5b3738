"""Go ``text/tabwriter`` emulation (pure), as chamber configures it: minwidth 0, tabwidth 8,
padding 2, pad character TAB, no flags. Exact algorithm in chamber.md §1.4.

Cells are terminated by TAB (or ``\\v``); a line's last cell is its trailing text. ``\\n`` and
``\\f`` end a line; a line with a single cell (no TAB) ends every open column block. Widths are
counted in code points. Output lines end with ``\\n``; text after the last newline is written
as it is.
"""

from __future__ import annotations

import re
from datetime import datetime

from pychamber.compat.gotime import short_time

TABWIDTH = 8
PADDING = 2

_LINE_END = re.compile(r"[\n\f]")
_CELL_END = re.compile(r"[\t\v]")


def _pad(textw: int, cellw: int) -> str:
    cellw = (cellw + TABWIDTH - 1) // TABWIDTH * TABWIDTH
    n = cellw - textw
    return "\t" * ((n + TABWIDTH - 1) // TABWIDTH)


class _Formatter:
    def __init__(self, lines: list[list[str]]):
        self.lines = lines
        self.widths: list[int] = []
        self.out: list[str] = []

    def write_lines(self, line0: int, line1: int, last_is_final: bool) -> None:
        for i in range(line0, line1):
            line = self.lines[i]
            for j, cell in enumerate(line):
                self.out.append(cell)
                # format() opens a column for every terminated cell, so widths[j] exists.
                if j < len(line) - 1:
                    self.out.append(_pad(len(cell), self.widths[j]))
            if not (last_is_final and i == len(self.lines) - 1):
                self.out.append("\n")

    def format(self, line0: int, line1: int, last_is_final: bool) -> None:
        column = len(self.widths)
        this = line0
        while this < line1:
            line = self.lines[this]
            if column >= len(line) - 1:
                this += 1
                continue
            self.write_lines(line0, this, last_is_final)
            line0 = this
            width = 0
            while this < line1:
                line = self.lines[this]
                if column >= len(line) - 1:
                    break
                w = len(line[column]) + PADDING
                if w > width:
                    width = w
                this += 1
            self.widths.append(width)
            self.format(line0, this, last_is_final)
            self.widths.pop()
            line0 = this
        self.write_lines(line0, line1, last_is_final)


def render(text: str) -> str:
    """Lay out ``text`` (cells separated by TAB, lines by newline) as Go's tabwriter does."""
    out: list[str] = []
    batch: list[list[str]] = []
    pos = 0
    for m in _LINE_END.finditer(text):
        cells = _CELL_END.split(text[pos : m.start()])
        batch.append(cells)
        pos = m.end()
        if len(cells) == 1:
            out.append(_flush(batch, final=False))
            batch = []
    batch.append(_CELL_END.split(text[pos:]))
    out.append(_flush(batch, final=True))
    return "".join(out)


def _flush(lines: list[list[str]], final: bool) -> str:
    f = _Formatter(lines)
    f.format(0, len(lines), final)
    return "".join(f.out)


def table(rows: list[list[str]]) -> str:
    """Rows of cells -> chamber's table bytes (every row newline-terminated)."""
    return render("".join("\t".join(r) + "\n" for r in rows))


def timestamp(dt: datetime) -> str:
    """Go layout ``2006-01-02 15:04:05`` in the machine's local time zone (honours ``TZ``)."""
    return short_time(dt)
