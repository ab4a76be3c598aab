#!/usr/bin/env python3
"""Seed the SOURCE database of economic indicators the feeder samples from.

python scripts/seed_database.py [--count 10000] [--seed 42] [--db .stepflow/source.db]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import typer

from scripts.source import DEFAULT_DB, seed_database

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def seed(
    count: Annotated[int, typer.Option(min=1, help="Rows to write.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    db: Annotated[Path, typer.Option(help="The database to (re)build.")] = DEFAULT_DB,
) -> None:
    """(Re)build the source database: indicators over the catalog's concepts and countries."""
    started = time.perf_counter()
    written = seed_database(db, count, seed)
    elapsed = time.perf_counter() - started
    typer.echo(f"wrote {written} indicators to {db} in {elapsed:.2f}s (seed {seed})")


if __name__ == "__main__":
    app()
