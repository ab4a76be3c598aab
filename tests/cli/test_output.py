"""The CLI's tables in a terminal: drawn to its width when they fit without cutting a
whole value, else the plain rows a pipe gets."""

from __future__ import annotations

import pytest
from rich.console import Console

from stepflow import _output
from stepflow._output import Column, print_table

COLUMNS = [Column("type"), Column("name", whole=True), Column("trigger", whole=True),
           Column("emits"), Column("flows"), Column("file")]  # fmt: skip
ROWS = [
    ["event", "NormalizeIndicator", "indicator.normalize",
     "indicator.classify.anthropic, indicator.classify.openai, indicator.classify.rules",
     "classify", "steps/classify/normalize_step.py:11"],
    ["api", "GetIndicator", "GET /classify/indicators/{indicator_id:path}", "", "classify",
     "steps/classify/read_step.py:33"],
]  # fmt: skip


@pytest.fixture(autouse=True)
def in_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_output, "is_terminal", lambda: True)


def test_a_table_that_fits_is_drawn_with_every_value_whole(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_table(Console(width=250), COLUMNS, ROWS)
    out = capsys.readouterr().out
    assert "┃ type " in out
    for row in ROWS:
        assert all(cell in out for cell in row)


def test_a_narrower_terminal_folds_other_cells_but_never_a_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_table(Console(width=140), COLUMNS, ROWS)
    out = capsys.readouterr().out
    assert "┃ type " in out and max(len(line) for line in out.splitlines()) <= 140
    for row in ROWS:  # the whole columns, and short values that need no folding
        assert row[0] in out and row[1] in out and row[2] in out and row[4] in out


@pytest.mark.parametrize("width", [80, 100])
def test_a_terminal_too_narrow_for_the_table_gets_the_plain_rows(
    capsys: pytest.CaptureFixture[str], width: int
) -> None:
    print_table(Console(width=width), COLUMNS, ROWS)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["type", "name", "trigger", "emits", "flows", "file"]
    for line, row in zip(lines[1:], ROWS, strict=True):
        assert " ".join(line.split()) == " ".join(" ".join(row).split())
