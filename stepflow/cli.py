"""The `stepflow` command line: dev, start, steps, graph, emit, dlq."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.table import Table

from . import logs
from .config import Settings, load_settings
from .discovery import Problem, Registry
from .errors import DiscoveryError, StepflowError
from .graph import render_mermaid, render_text
from .serve import Role, ServeOptions, check_port_free, load_project, serve

app = typer.Typer(
    name="stepflow",
    help="Run and inspect a stepflow project.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
dlq_app = typer.Typer(help="List and replay dead letters.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")

console = Console()
errors = Console(stderr=True)

ProjectOpt = Annotated[
    Path, typer.Option("--project", "-C", help="Project root (holds pyproject.toml).")
]
StepsOpt = Annotated[Path | None, typer.Option("--steps", help="Steps directory.")]
HostOpt = Annotated[str | None, typer.Option("--host", help="Interface to listen on.")]
PortOpt = Annotated[int | None, typer.Option("--port", "-p", help="Port to listen on.")]
UrlOpt = Annotated[
    str | None, typer.Option("--url", help="A running server (default: host and port).")
]
ApiKeyOpt = Annotated[
    str | None, typer.Option("--api-key", envvar="STEPFLOW_API_KEY", help="The server's API key.")
]


def main() -> None:
    app()


def fail(message: str) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@app.command()
def dev(
    project: ProjectOpt = Path("."),
    steps: StepsOpt = None,
    host: HostOpt = None,
    port: PortOpt = None,
    reload: Annotated[
        bool, typer.Option("--reload/--no-reload", help="Restart when a step file changes.")
    ] = True,
) -> None:
    """Run the project for development: HTTP, workers and cron, reloading on change."""
    options = _options(project, steps, host, port)
    settings, registry = _validated(options)
    _print_steps(registry)
    _listen_check(settings)
    console.print(f"[green]stepflow dev[/] on http://{settings.host}:{settings.port}")
    if not reload:
        _serve_blocking(options)
        return
    import watchfiles

    def announce(changes: set[tuple[Any, str]]) -> None:
        names = sorted({Path(path).name for _, path in changes})
        console.print(f"[yellow]reloading[/] after changes to {', '.join(names)}")

    with contextlib.suppress(KeyboardInterrupt):
        watchfiles.run_process(
            settings.steps_dir,
            options.root / "pyproject.toml",
            target=_serve_process,
            args=(options,),
            callback=announce,
            watch_filter=_python_or_pyproject,
            sigint_timeout=max(5, int(settings.shutdown_timeout) + 2),
        )
    console.print("stopped")


@app.command()
def start(
    project: ProjectOpt = Path("."),
    steps: StepsOpt = None,
    host: HostOpt = None,
    port: PortOpt = None,
    role: Annotated[
        str,
        typer.Option(
            "--role", help="all: HTTP + workers + cron; api: HTTP only; worker: workers + cron."
        ),
    ] = "all",
    log_json: Annotated[
        bool, typer.Option("--log-json", help="One JSON object per log line.")
    ] = False,
) -> None:
    """Run the project for production: no reload."""
    if role not in ("all", "api", "worker"):
        fail(f"--role must be all, api or worker, not {role!r}")
    options = _options(project, steps, host, port, role=role, log_json=log_json)  # type: ignore[arg-type]
    settings, _ = _validated(options, quiet=True)
    if role != "worker":
        _listen_check(settings)
    _serve_blocking(options)


@app.command("steps")
def list_steps(project: ProjectOpt = Path("."), steps: StepsOpt = None) -> None:
    """List the project's steps: type, name, trigger, emits, flows, file."""
    _, registry = _validated(_options(project, steps), quiet=True)
    _print_steps(registry)


@app.command()
def graph(
    project: ProjectOpt = Path("."),
    steps: StepsOpt = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or mermaid.")] = "text",
) -> None:
    """Draw the flow graph: which step's events reach which step."""
    renderers: dict[str, Callable[[Registry], str]] = {
        "text": render_text,
        "mermaid": render_mermaid,
    }
    if format not in renderers:
        fail(f"--format must be text or mermaid, not {format!r}")
    _, registry = _validated(_options(project, steps), quiet=True)
    sys.stdout.write(renderers[format](registry))


@app.command()
def emit(
    topic: Annotated[str, typer.Argument(help="The topic to publish on.")],
    data: Annotated[str, typer.Argument(help="The event data, as JSON.")],
    project: ProjectOpt = Path("."),
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Inject an event into a running server."""
    try:
        payload = json.loads(data)
    except json.JSONDecodeError as exc:
        fail(f"DATA is not valid JSON: {exc}")
    settings = _settings(project)
    reply = _internal(
        settings, url, api_key, "POST", "/_stepflow/emit", {"topic": topic, "data": payload}
    )
    console.print(f"emitted {topic} id={reply['id']} trace_id={reply['trace_id']}")


@dlq_app.command("list")
def dlq_list(
    project: ProjectOpt = Path("."),
    limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 100,
) -> None:
    """List dead letters from the project's store."""
    settings = _settings(project)
    letters = asyncio.run(_list_letters(settings, limit))
    if not letters:
        console.print("no dead letters")
        return
    table = Table("id", "step", "topic", "attempts", "trace id", "error", "data")
    for letter in letters:
        table.add_row(
            letter.id,
            letter.step,
            letter.topic,
            str(letter.attempts),
            letter.trace_id,
            letter.error,
            _short(json.dumps(letter.data)),
        )
    console.print(table)


@dlq_app.command("replay")
def dlq_replay(
    ids: Annotated[list[str] | None, typer.Argument(help="Dead letter ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
    project: ProjectOpt = Path("."),
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Re-deliver dead letters to the steps that failed them.

    Goes through the running server when one answers; otherwise runs the project's
    workers in this process until the replayed events are handled."""
    if not ids and not all_:
        fail("name dead letter IDS, or pass --all")
    chosen = None if all_ else list(ids or [])
    settings = _settings(project)
    try:
        reply = _internal(
            settings,
            url,
            api_key,
            "POST",
            "/_stepflow/dead-letters/replay",
            {"ids": chosen},
            quiet=True,
        )
        replayed = list(reply["replayed"])
    except _Unreachable:
        replayed = asyncio.run(_replay_here(project.resolve(), chosen))
    if not replayed:
        fail("no such dead letters")
    console.print(f"replayed {len(replayed)}: {', '.join(replayed)}")


# -- helpers ---------------------------------------------------------------------------


class _Unreachable(Exception):
    pass


def _options(
    project: Path,
    steps: Path | None,
    host: str | None = None,
    port: int | None = None,
    role: Role = "all",
    log_json: bool = False,
) -> ServeOptions:
    root = project.resolve()
    if not root.is_dir():
        fail(f"project directory {project} does not exist")
    overrides = {"steps_dir": steps.resolve() if steps else None, "host": host, "port": port}
    return ServeOptions(root, {k: v for k, v in overrides.items() if v is not None}, role, log_json)


def _settings(project: Path) -> Settings:
    try:
        return load_settings(project.resolve())
    except StepflowError as exc:
        fail(str(exc))


def _validated(options: ServeOptions, *, quiet: bool = False) -> tuple[Settings, Registry]:
    try:
        settings, registry, warnings = load_project(options)
    except DiscoveryError as exc:
        if len(exc.problems) == 1:
            fail(exc.problems[0].removeprefix("error: "))
        fail("the project has problems:\n" + "\n".join(exc.problems))
    except StepflowError as exc:
        fail(str(exc))
    _print_problems(warnings)
    return settings, registry


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        errors.print(f"[yellow]{problem}[/]", highlight=False, soft_wrap=True)


def _print_steps(registry: Registry) -> None:
    table = Table(title="steps", title_justify="left")
    for column in ("type", "name", "trigger", "emits", "flows", "file"):
        table.add_column(column, overflow="fold")
    cwd = Path.cwd()
    for step in registry.steps:
        path = Path(step.file)
        shown = path.relative_to(cwd) if path.is_relative_to(cwd) else path
        table.add_row(
            step.kind,
            step.name,
            step.trigger,
            ", ".join(sorted(step.emits)),
            ", ".join(step.flows),
            f"{shown}:{step.line}",
        )
    console.print(table)


def _listen_check(settings: Settings) -> None:
    try:
        check_port_free(settings.host, settings.port)
    except StepflowError as exc:
        fail(str(exc))


def _serve_blocking(options: ServeOptions) -> None:
    try:
        asyncio.run(serve(options))
    except KeyboardInterrupt:
        pass
    except StepflowError as exc:
        fail(str(exc))


def _serve_process(options: ServeOptions) -> None:
    """The reloading parent's child: serve, or print why not and wait for the next change."""
    try:
        asyncio.run(serve(options))
    except KeyboardInterrupt:
        pass
    except StepflowError as exc:
        errors.print(f"[bold red]error:[/] {exc}\n[dim]waiting for changes…[/]", highlight=False)


def _python_or_pyproject(change: Any, path: str) -> bool:
    return path.endswith((".py", "pyproject.toml"))


def _internal(
    settings: Settings,
    url: str | None,
    api_key: str | None,
    method: str,
    path: str,
    body: Any,
    *,
    quiet: bool = False,
) -> Any:
    base = url or f"http://{settings.host}:{settings.port}"
    headers = {"x-api-key": api_key or settings.api_key or ""}
    try:
        response = httpx.request(method, base + path, json=body, headers=headers, timeout=30)
    except httpx.TransportError:
        if quiet:
            raise _Unreachable from None
        fail(f"no stepflow server answers at {base} (start one with `stepflow dev`)")
    if response.status_code >= 400:
        detail = response.json().get("detail") if _is_json(response) else response.text
        fail(f"{base}{path}: HTTP {response.status_code}: {detail}")
    return response.json()


def _is_json(response: httpx.Response) -> bool:
    return str(response.headers.get("content-type", "")).startswith("application/json")


async def _list_letters(settings: Settings, limit: int) -> Sequence[Any]:
    from .runtime import make_bus

    bus = make_bus(settings)
    try:
        return await bus.dead_letters.list(limit)
    finally:
        await bus.aclose()


async def _replay_here(project: Path, ids: list[str] | None) -> list[str]:
    from .runtime import Runtime

    settings, registry, _ = load_project(ServeOptions(project, {}))
    logs.configure(settings.log_level, rich=True)
    async with Runtime(registry, settings, cron=False) as runtime:
        letters = await runtime.replay(ids)
        await runtime.drain()
    return [letter.id for letter in letters]


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
