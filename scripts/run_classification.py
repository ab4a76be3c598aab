#!/usr/bin/env python3
"""Classify sample indicators end to end: `python scripts/run_classification.py -n 1000 --serve`.

Seeds the source database on first use, samples indicators evenly over their names,
submits them to the API in batches of the server's limit with several requests in flight,
follows them to completion, and prints a summary. Exit 0 only if every one was classified.
The old tool's form `-1000` is accepted for `-n 1000`."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import time
from pathlib import Path
from typing import Annotated, Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import typer
import typer.main
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scripts.feeder import (
    DEFAULT_API,
    Feeder,
    FeederError,
    Outcome,
    answers,
    sample_indicators,
    serving,
)
from scripts.source import DEFAULT_DB, ensure_source_database

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def run_classification(
    count: Annotated[int, typer.Option("-n", "--count", min=1, help="How many indicators.")] = 100,
    api: Annotated[str, typer.Option(help="The API's base URL.")] = DEFAULT_API,
    provider: Annotated[
        str | None, typer.Option(help="rules, openai or anthropic (default: the server's).")
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(min=1, help="Indicators per request (default: the server's limit)."),
    ] = None,
    in_flight: Annotated[int, typer.Option(min=1, help="Requests in flight.")] = 4,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 42,
    source_db: Annotated[Path, typer.Option(help="The source database.")] = DEFAULT_DB,
    resume: Annotated[bool, typer.Option(help="Skip indicators already classified.")] = False,
    serve: Annotated[bool, typer.Option(help="Serve in-process when nothing answers.")] = False,
    api_key: Annotated[
        str | None, typer.Option(envvar="STEPFLOW_API_KEY", help="The server's API key.")
    ] = None,
    max_outage: Annotated[
        float, typer.Option(min=0, help="Seconds to ride out a server that does not answer.")
    ] = 600.0,
) -> None:
    """Sample indicators from the source database and classify them through the API."""
    if provider not in (None, "rules", "openai", "anthropic"):
        raise typer.BadParameter("must be rules, openai or anthropic", param_hint="--provider")
    console = Console(soft_wrap=not sys.stdout.isatty())
    feeder_options = {
        "batch_size": batch_size,
        "in_flight": in_flight,
        "provider": provider,
        "api_key": api_key,
        "max_outage": max_outage,
    }
    try:
        outcome = asyncio.run(
            feed(console, count, api, seed, source_db, resume, serve, feeder_options)
        )
    except FeederError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    summary(outcome, console)
    complete = outcome.failed == 0 and outcome.classified == outcome.submitted
    raise typer.Exit(0 if complete else 1)


async def feed(
    console: Console,
    count: int,
    api: str,
    seed: int,
    source_db: Path,
    resume: bool,
    serve: bool,
    options: dict[str, Any],
) -> Outcome:
    await asyncio.to_thread(ensure_source_database, source_db)
    indicators = sample_indicators(source_db, count, seed)
    if len(indicators) < count:
        raise FeederError(
            f"the source database {source_db} holds only {len(indicators)} indicators;"
            " ask for fewer, or seed more with scripts/seed_database.py --count"
        )
    async with contextlib.AsyncExitStack() as stack:
        if not await answers(api):
            if not serve:
                raise FeederError(f"no server answers at {api}; start one, or pass --serve")
            database = await stack.enter_async_context(serving(api))
            console.print(f"[dim]serving {api} in-process (database {database})[/]")

        def notice(text: str) -> None:  # above the progress bars, once they are drawn
            console.print(f"[yellow]{escape(text)}[/]")

        feeder = Feeder(api, on_notice=notice, **options)
        stack.push_async_callback(feeder.aclose)
        await feeder.preflight()  # before anything is drawn: a server that will refuse us
        outcome = Outcome()
        if resume:
            done = await feeder.already_classified([i["indicator_id"] for i in indicators])
            indicators = [i for i in indicators if i["indicator_id"] not in done]
            outcome.skipped = len(done)
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        submitted = progress.add_task("submitted", total=len(indicators))
        completed = progress.add_task("completed", total=len(indicators))

        def show(outcome: Outcome) -> None:
            progress.update(submitted, completed=outcome.submitted + outcome.skipped)
            progress.update(completed, completed=outcome.done + outcome.skipped)

        feeder.on_progress = show
        with progress:
            show(outcome)
            if indicators:
                await feeder.run(indicators, outcome)
            outcome.finished = time.perf_counter()
            show(outcome)
        return outcome


def summary(outcome: Outcome, console: Console) -> None:
    families = Table("family", "count", title="classified by family", title_justify="left")
    for family, n in sorted(outcome.by_family.items(), key=lambda kv: -kv[1]):
        families.add_row(family, str(n))
    types = Table("family/type", "count", title="classified by type", title_justify="left")
    for label, n in sorted(outcome.by_type.items(), key=lambda kv: -kv[1]):
        types.add_row(label, str(n))
    console.print(families)
    console.print(types)
    if outcome.failures:
        failures = Table("indicator", "reason", title="failures", title_justify="left")
        for failure in outcome.failures[:20]:
            failures.add_row(failure["indicator_id"], failure["error"])
        console.print(failures)
    totals = Table("", "", title="summary", title_justify="left", show_header=False)
    for label, value in (
        ("submitted", str(outcome.submitted)),
        ("classified", str(outcome.classified)),
        ("failed", str(outcome.failed)),
        ("skipped (--resume)", str(outcome.skipped)),
        ("seconds", f"{outcome.seconds:.2f}"),
        ("indicators/s", f"{outcome.rate:.0f}"),
        ("LLM calls", str(outcome.llm_calls)),
        ("LLM cache hits", str(outcome.cache_hits)),
        ("outages ridden out", str(outcome.outages)),
    ):
        totals.add_row(label, value)
    console.print(totals)


def count_shorthand(args: list[str]) -> list[str]:
    """`args` with the old tool's count, a bare negative number (`-1000`), as `--count=1000`.

    A negative number that is the value of an option (`--max-outage -1`, `--seed -7`) is
    left alone, for the option to take (or refuse, with a usage error naming it)."""
    command = typer.main.get_command(app)
    takes_value = {
        name
        for param in command.params
        if param.param_type_name == "option"
        and not getattr(param, "is_flag", False)
        and not getattr(param, "count", False)
        for name in param.opts
    }
    out: list[str] = []
    for i, arg in enumerate(args):
        is_value = i > 0 and args[i - 1] in takes_value
        out.append(f"--count={arg[1:]}" if re.fullmatch(r"-\d+", arg) and not is_value else arg)
    return out


def main(argv: list[str] | None = None) -> None:
    app(args=count_shorthand(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
