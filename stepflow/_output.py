"""What the CLI prints: tables that fit a terminal, plain full rows in a pipe, or JSON.

In a terminal, rich draws the table to the terminal's width, folding long cells but
never cutting an id or a name. Anywhere else (a pipe, a file, a script), every row is
one line of whole values in aligned columns, so `grep` and `cut` see all of it."""

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
    if is_terminal():
        table = Table(title=title, title_justify="left")
        for index, column in enumerate(columns):
            if column.whole:
                widest = max([len(column.name), *(len(row[index]) for row in rows)])
                table.add_column(column.name, no_wrap=True, min_width=widest)
            else:
                table.add_column(column.name, overflow="fold")
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


def _one_line(text: str) -> str:
    return " ".join(text.split())


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def shortened(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
