#!/usr/bin/env python3
"""Benchmarks: `python scripts/bench.py [--quick] [--json out.json] [--only bus,e2e]`.

Each section measures stepflow against a baseline measured in the same run and reports
the ratio next to its target (see each module under scripts/benchmarks/); no figure
here is asserted by the test suite. Absolute figures move two or three times between
machines: quote them, compare ratios."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import typer
from rich.console import Console
from rich.table import Table

from scripts.benchmarks.bus import bench_bus
from scripts.benchmarks.e2e import bench_e2e
from scripts.benchmarks.llm_bound import bench_llm_bound
from scripts.benchmarks.llm_cost import bench_llm_cost
from scripts.benchmarks.memory import bench_memory
from scripts.benchmarks.redis import bench_redis
from scripts.benchmarks.scale import bench_scale

SECTIONS: dict[str, Callable[[bool], dict[str, Any]]] = {
    "bus": bench_bus,
    "e2e": bench_e2e,
    "llm_bound": bench_llm_bound,
    "llm_cost": bench_llm_cost,
    "memory": bench_memory,
    "redis": bench_redis,
    "scale": bench_scale,
}

console = Console()
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def bench(
    quick: Annotated[bool, typer.Option(help="Small sizes, for a smoke run.")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the results here.")] = None,
    only: Annotated[
        str | None, typer.Option(help=f"Comma-separated sections: {', '.join(SECTIONS)}.")
    ] = None,
) -> None:
    """Run the benchmark sections and print their figures and ratios."""
    chosen = only.split(",") if only else list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        raise typer.BadParameter(f"unknown sections: {', '.join(unknown)}", param_hint="--only")
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "quick": quick}
    }
    started = time.perf_counter()
    for name in chosen:
        console.print(f"[bold]{name}[/] …")
        section_start = time.perf_counter()
        results[name] = SECTIONS[name](quick)
        results[name]["section_seconds"] = round(time.perf_counter() - section_start, 1)
        if json_out:  # written as it goes: a late failure keeps what was measured
            json_out.write_text(json.dumps(results, indent=2) + "\n")
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    table = Table("section", "measure", "value", title="stepflow benchmarks", title_justify="left")
    for name in chosen:
        for key, value in results[name].items():
            table.add_row(name, key, str(value))
    console.print(table)
    if json_out:
        json_out.write_text(json.dumps(results, indent=2) + "\n")
        console.print(f"wrote {json_out}")


if __name__ == "__main__":
    app()
