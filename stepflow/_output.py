"""What the CLI prints: tables that fit a terminal, plain full rows in a pipe, or JSON.

In a terminal, rich draws the table to the terminal's width, folding long cells but
never cutting an id or a name. Anywhere else (a pipe, a file, a script), every row is
one line of whole values in aligned columns, so `grep` and `cut` see all of it; so too
in a terminal too narrow for the table, whose rows it then wraps."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Column:
    name: str
    whole: bool = False
    """Never cut or wrapped (ids, names): the table gives up width elsewhere."""


def is_terminal() -> bool:
    return sys.stdout.isatty()


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


def print_table(
    console: Console,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
) -> None:
    least = [_least_width(column, [row[i] for row in rows]) for i, column in enumerate(columns)]
    # Each column takes a space either side and a border; the table one border more.
    if is_terminal() and sum(least) + 3 * len(least) + 1 <= console.width:
        table = Table(title=title, title_justify="left")
        for column, width in zip(columns, least, strict=True):
            if column.whole:
                table.add_column(column.name, no_wrap=True, min_width=width)
            else:
                table.add_column(column.name, overflow="fold", min_width=width)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    lines = [[column.name for column in columns]]
    lines += [[_one_line(cell) for cell in row] for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns))]
    out = sys.stdout
    if title:
        out.write(f"{title}\n")
    for line in lines:
        cells = [cell.ljust(width) for cell, width in zip(line[:-1], widths[:-1], strict=True)]
        out.write("  ".join([*cells, line[-1]]).rstrip() + "\n")


_FOLDED = 12
"""The narrowest a folded column is made (or its widest cell, if narrower)."""


def _least_width(column: Column, cells: Sequence[str]) -> int:
    """What a column needs: its widest value if it is whole, else room for its header
    and a few words of each cell (folded onto more lines)."""
    widest = max([len(column.name), *(len(cell) for cell in cells)])
    if column.whole:
        return widest
    return min(widest, max(len(column.name), _FOLDED))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def shortened(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
