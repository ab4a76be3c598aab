"""The `stepflow` command line: new, dev, start, steps, graph, emit, dlq."""

from __future__ import annotations

import asyncio
import json
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from . import _logs
from ._config import Settings, load_settings
from ._deadletters import DeadLetter
from ._discovery import Registry
from ._errors import DiscoveryError, Problem, StepflowError
from ._graph import edges, render_mermaid, render_text
from ._internal import project_id
from ._output import Column, first_line, is_terminal, print_json, print_table, shortened
from ._presence import announced, server_url
from ._reload import Reloader, child_command, watched_paths
from ._serve import Role, ServeOptions, check_port_free, load_project, serve
from ._version import __version__

app = typer.Typer(
    name="stepflow",
    help="Run and inspect a stepflow project.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help, as click writes it: paragraphs reflowed to the terminal, flags without
    # a type, values by the metavars below (rich's panels print `<bool>` for every flag).
    rich_markup_mode=None,
)
dlq_app = typer.Typer(
    help="List, show, replay and purge dead letters.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(dlq_app, name="dlq")

console = Console(soft_wrap=not is_terminal())
errors = Console(stderr=True, soft_wrap=True)

ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project", "-C", metavar="DIR", help="Project root (default: the current folder)."
    ),
]
StepsOpt = Annotated[
    Path | None,
    typer.Option(
        "--steps",
        metavar="DIR",
        help="Steps directory, relative to the project (default: steps_dir).",
    ),
]
HostOpt = Annotated[
    str | None, typer.Option("--host", metavar="HOST", help="Interface to listen on.")
]
PortOpt = Annotated[
    int | None,
    typer.Option("--port", "-p", metavar="PORT", min=1, max=65535, help="Port to listen on."),
]
UrlOpt = Annotated[
    str | None,
    typer.Option("--url", metavar="URL", help="A running server (default: where it listens)."),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key", metavar="KEY", envvar="STEPFLOW_API_KEY", help="The server's API key."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON document, full values.")]


def main() -> None:
    app()


def fail(message: str) -> NoReturn:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(1)


def _version(value: bool) -> None:
    if value:
        console.print(f"stepflow {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    project: ProjectOpt = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Run and inspect a stepflow project."""
    ctx.obj = project


@dlq_app.callback()
def _dlq(ctx: typer.Context, project: ProjectOpt = None) -> None:
    if project is not None:  # `stepflow dlq -C DIR list`: over one given before `dlq`
        ctx.obj = project


def _root_of(ctx: typer.Context, project: Path | None) -> Path:
    """`--project` given after the command, else before it (nearest first), else the
    current folder."""
    chosen = project or ctx.obj or Path(".")
    root = chosen.resolve()
    if not root.is_dir():
        fail(f"project directory {chosen} does not exist")
    return root


@app.command()
def new(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The project's folder name.")],
) -> None:
    """Make a new project that runs at once.

    Then `cd NAME && stepflow dev` serves it, and `pytest` runs its tests (with
    pytest and pytest-asyncio installed)."""
    from ._scaffold import TEST_REQUIREMENTS, scaffold

    try:
        root = scaffold(Path.cwd(), name)
    except StepflowError as exc:
        fail(str(exc))
    steps = [
        (f"cd {name} && stepflow dev", "then open /_stepflow/"),
        (f"pip install {TEST_REQUIREMENTS} && pytest", "its tests (in that folder)"),
    ]
    width = max(len(command) for command, _ in steps)
    console.print(f"created {root}", highlight=False)
    for command, comment in steps:
        console.print(f"  {command.ljust(width)}   # {comment}", highlight=False)


@app.command()
def dev(
    ctx: typer.Context,
    project: ProjectOpt = None,
    steps: StepsOpt = None,
    host: HostOpt = None,
    port: PortOpt = None,
    reload: Annotated[
        bool, typer.Option("--reload/--no-reload", help="Restart when a step file changes.")
    ] = True,
    exit_with_parent: Annotated[
        bool,
        typer.Option(
            "--exit-with-parent", hidden=True, help="Stop when stdin ends (the reloader's)."
        ),
    ] = False,
) -> None:
    """Serve the project for development, reloading on change.

    Serves HTTP, workers, cron and the Workbench, and restarts when a step file or
    pyproject.toml changes. Ctrl-C drains in-flight work (up to shutdown_timeout); a
    second Ctrl-C stops at once."""
    root = _root_of(ctx, project)
    options = _options(root, steps, host, port, workbench=True)
    options = replace(options, exit_with_parent=exit_with_parent)
    settings, registry = _validated(options)
    _listen_check(settings)
    if not reload:
        _print_steps(registry)
        url = f"http://{settings.host}:{settings.port}"
        console.print(f"[green]stepflow dev[/] on {url}  (Workbench: {url}/_stepflow/)")
        _serve_blocking(options)
        return
    args = ["dev", "--no-reload", "--exit-with-parent", "--project", str(root)]
    args += ["--host", settings.host]
    if settings.port:  # 0 (any free port) is the configuration's to give, not --port's
        args += ["--port", str(settings.port)]
    if steps is not None:
        args += ["--steps", str(_steps_dir(root, steps))]
    reloader = Reloader(
        child_command(args),
        watched_paths(settings.steps_dir, root),
        cwd=Path.cwd(),
        stop_timeout=settings.shutdown_timeout + 10,
        say=lambda text: console.print(f"[yellow]{text}[/]"),
    )
    status = reloader.run()
    console.print("stopped")
    raise typer.Exit(status)


@app.command()
def start(
    ctx: typer.Context,
    project: ProjectOpt = None,
    steps: StepsOpt = None,
    host: HostOpt = None,
    port: PortOpt = None,
    role: Annotated[
        str,
        typer.Option(
            "--role",
            metavar="ROLE",
            help="all: HTTP + workers + cron; api: HTTP only; worker: workers + cron.",
        ),
    ] = "all",
    log_json: Annotated[
        bool, typer.Option("--log-json", help="One JSON object per log line.")
    ] = False,
    workbench: Annotated[
        bool, typer.Option("--workbench", help="Serve the Workbench at /_stepflow/.")
    ] = False,
) -> None:
    """Serve the project for production (no reload)."""
    if role not in ("all", "api", "worker"):
        raise typer.BadParameter(f"must be all, api or worker, not {role!r}", param_hint="--role")
    root = _root_of(ctx, project)
    chosen: Role = "all" if role == "all" else "api" if role == "api" else "worker"
    options = _options(root, steps, host, port, role=chosen, log_json=log_json, workbench=workbench)
    settings, _ = _validated(options, quiet=True)
    if role != "worker":
        _listen_check(settings)
    _serve_blocking(options)


@app.command("steps")
def list_steps(
    ctx: typer.Context, project: ProjectOpt = None, steps: StepsOpt = None, as_json: JsonOpt = False
) -> None:
    """List the steps: type, name, trigger, emits, flows, file."""
    _, registry = _validated(_options(_root_of(ctx, project), steps), quiet=True)
    if as_json:
        print_json([_step_json(step) for step in registry.steps])
        return
    _print_steps(registry)


@app.command()
def graph(
    ctx: typer.Context,
    project: ProjectOpt = None,
    steps: StepsOpt = None,
    format: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="text, mermaid or json.")
    ] = "text",
    as_json: JsonOpt = False,
) -> None:
    """Draw the flow graph: which step's events reach which."""
    if as_json:
        format = "json"
    if format not in ("text", "mermaid", "json"):
        raise typer.BadParameter(
            f"must be text, mermaid or json, not {format!r}", param_hint="--format"
        )
    _, registry = _validated(_options(_root_of(ctx, project), steps), quiet=True)
    if format == "json":
        print_json(
            {
                "steps": [_step_json(step) for step in registry.steps],
                "edges": [
                    {"from": source, "topic": topic, "to": target}
                    for source, topic, target in edges(registry)
                ],
            }
        )
        return
    sys.stdout.write(render_mermaid(registry) if format == "mermaid" else render_text(registry))


@app.command()
def emit(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(metavar="TOPIC", help="The topic to publish on.")],
    data: Annotated[str, typer.Argument(metavar="DATA", help="The event data, as JSON.")],
    project: ProjectOpt = None,
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Publish an event on this project's running server.

    DATA is validated against the input models of the topic's subscribers."""
    try:
        payload = json.loads(data)
    except json.JSONDecodeError as exc:
        fail(f"DATA is not valid JSON: {exc}")
    root = _root_of(ctx, project)
    settings = _settings(root)
    server = _server(settings, root, url, api_key)
    if server is None:
        base = _base(settings, root, url)
        fail(f"no stepflow server answers at {base} (start one with `stepflow dev`)")
    reply = server.call("POST", "/emit", {"topic": topic, "data": payload})
    console.print(f"emitted {topic} id={reply['id']} trace_id={reply['trace_id']}", highlight=False)


@dlq_app.command("list")
def dlq_list(
    ctx: typer.Context,
    project: ProjectOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", metavar="N", min=1, help="At most this many.")
    ] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List dead letters, oldest first.

    `stepflow dlq show ID` prints one in full."""
    settings = _settings(_root_of(ctx, project))
    letters, total = asyncio.run(_letters(settings, limit))
    if as_json:
        print_json({"total": total, "items": [asdict(letter) for letter in letters]})
        return
    if not letters:
        console.print("no dead letters")
        return
    columns = [
        Column("id", whole=True),
        Column("step", whole=True),
        Column("topic", whole=True),
        Column("attempts"),
        Column("trace id", whole=True),
        Column("error"),
        Column("data"),
    ]
    rows = [
        [
            letter.id,
            letter.step,
            letter.topic,
            str(letter.attempts),
            letter.trace_id,
            shortened(first_line(letter.error), 120),
            shortened(json.dumps(letter.data)),
        ]
        for letter in letters
    ]
    print_table(console, columns, rows)
    if total > len(letters):
        console.print(f"({total - len(letters)} more; --limit to see them)")


@dlq_app.command("show")
def dlq_show(
    ctx: typer.Context,
    letter_id: Annotated[str, typer.Argument(metavar="ID", help="A dead letter's id.")],
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one dead letter in full.

    Its error with the traceback, its data, attempts and trace id."""
    settings = _settings(_root_of(ctx, project))
    letter = asyncio.run(_letter(settings, letter_id))
    if letter is None:
        fail(f"no dead letter {letter_id!r} (`stepflow dlq list` shows their ids)")
    if as_json:
        print_json(asdict(letter))
        return
    for label, value in (
        ("id", letter.id),
        ("step", letter.step),
        ("topic", letter.topic),
        ("event id", letter.event_id),
        ("trace id", letter.trace_id),
        ("attempts", str(letter.attempts)),
        ("failed at", _when(letter.failed_at)),
        ("error", letter.error),
    ):
        console.print(f"{label + ':':<10} {value}", highlight=False)
    console.print("data:", highlight=False)
    console.print(json.dumps(letter.data, indent=2), highlight=False)
    if letter.traceback:
        console.print("traceback:", highlight=False)
        console.print(letter.traceback.rstrip(), highlight=False)


@dlq_app.command("replay")
def dlq_replay(
    ctx: typer.Context,
    ids: Annotated[list[str] | None, typer.Argument(metavar="ID", help="Dead letter ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
    project: ProjectOpt = None,
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Deliver dead letters again to the steps that failed them.

    Goes through this project's running server when one answers; otherwise runs the
    project's workers in this process until the replayed events are handled."""
    chosen = _chosen(ids, all_)
    root = _root_of(ctx, project)
    settings = _settings(root)
    server = _server(settings, root, url, api_key)
    if server is not None:
        replayed = list(server.call("POST", "/dead-letters/replay", {"ids": chosen})["replayed"])
    else:
        console.print(
            f"[dim]no server answers at {_base(settings, root, url)}; replaying in this process"
            " (--url names a server elsewhere)[/]"
        )
        try:
            replayed = asyncio.run(_replay_here(root, chosen))
        except DiscoveryError as exc:
            fail(_problems(exc))
    if not replayed and chosen is None:
        console.print("no dead letters")
        return
    if replayed:
        console.print(f"replayed {_letters_named(replayed)}", highlight=False)
    _fail_on_missing(chosen, replayed)


@dlq_app.command("purge")
def dlq_purge(
    ctx: typer.Context,
    ids: Annotated[list[str] | None, typer.Argument(metavar="ID", help="Dead letter ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Purge every dead letter.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    project: ProjectOpt = None,
) -> None:
    """Delete dead letters for good."""
    chosen = _chosen(ids, all_)
    settings = _settings(_root_of(ctx, project))
    what = "every dead letter" if chosen is None else f"{len(chosen)} dead letter(s)"
    if not yes:
        if not sys.stdin.isatty():
            fail(f"purging {what} needs --yes when not run from a terminal")
        if not typer.confirm(f"Delete {what} for good?"):
            raise typer.Exit(1)
    purged = asyncio.run(_purge(settings, chosen))
    if not purged and chosen is None:
        console.print("no dead letters")
    elif purged:
        console.print(f"purged {_letters_named(purged)}", highlight=False)
    _fail_on_missing(chosen, purged)


# -- helpers ---------------------------------------------------------------------------


def _chosen(ids: list[str] | None, all_: bool) -> list[str] | None:
    """The dead letters a command names: None for --all."""
    if all_ and ids:
        fail("name dead letter IDS or pass --all, not both")
    if not ids and not all_:
        fail("name dead letter IDS, or pass --all")
    return None if all_ else list(dict.fromkeys(ids or []))


_NAMED = 10
"""The most ids a summary line lists."""


def _letters_named(ids: Sequence[str]) -> str:
    """`1 dead letter: 7`, `3 dead letters: 1, 2, 5`, the first few of many."""
    count = f"{len(ids)} dead letter{'' if len(ids) == 1 else 's'}"
    named = ", ".join(ids[:_NAMED])
    if len(ids) > _NAMED:
        named += f" and {len(ids) - _NAMED} more"
    return f"{count}: {named}"


def _fail_on_missing(chosen: list[str] | None, done: list[str]) -> None:
    missing = [letter_id for letter_id in chosen or [] if letter_id not in done]
    if missing:
        names = ", ".join(repr(letter_id) for letter_id in missing)
        fail(f"no dead letter {names} (`stepflow dlq list` shows their ids)")


def _options(
    root: Path,
    steps: Path | None,
    host: str | None = None,
    port: int | None = None,
    role: Role = "all",
    log_json: bool = False,
    workbench: bool = False,
) -> ServeOptions:
    overrides: dict[str, Any] = {
        "steps_dir": _steps_dir(root, steps) if steps else None,
        "host": host,
        "port": port,
        "workbench": True if workbench else None,
    }
    return ServeOptions(root, {k: v for k, v in overrides.items() if v is not None}, role, log_json)


def _steps_dir(root: Path, steps: Path) -> Path:
    """`--steps`: a relative one is under the project (`-C`), as `steps_dir` is."""
    return (root / steps).resolve()


def _settings(root: Path, overrides: dict[str, Any] | None = None) -> Settings:
    """The project's settings; a folder that holds no project stops the command."""
    try:
        settings = load_settings(root, overrides=overrides)
    except StepflowError as exc:
        fail(str(exc))
    if "steps_dir" not in (overrides or {}):
        _require_project(root, settings)
    return settings


def _require_project(root: Path, settings: Settings) -> None:
    """A folder with neither a steps directory nor `[tool.stepflow]` in its
    pyproject.toml is no project: say so, and how to make one or find one."""
    if settings.steps_dir.is_dir() or _configured(root):
        return
    steps = settings.steps_dir
    shown = f"{steps.relative_to(root)}/" if steps.is_relative_to(root) else str(steps)
    fail(
        f"no stepflow project in {root} (no {shown} folder): make one with"
        " `stepflow new NAME`, or point at one with `-C PATH`"
    )


def _configured(root: Path) -> bool:
    try:
        document = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    tool = document.get("tool")
    return isinstance(tool, dict) and "stepflow" in tool


def _validated(options: ServeOptions, *, quiet: bool = False) -> tuple[Settings, Registry]:
    _settings(options.root, options.overrides)
    try:
        settings, registry, warnings = load_project(options)
    except DiscoveryError as exc:
        fail(_problems(exc))
    except StepflowError as exc:
        fail(str(exc))
    _print_problems(warnings)
    return settings, registry


def _problems(exc: DiscoveryError) -> str:
    if len(exc.problems) == 1:
        return exc.problems[0].describe()
    return "the project has problems:\n" + "\n".join(str(p) for p in exc.problems)


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        errors.print(f"[yellow]{escape(str(problem))}[/]", highlight=False)


def _shown(path: str) -> str:
    cwd = Path.cwd()
    file = Path(path)
    return str(file.relative_to(cwd)) if file.is_relative_to(cwd) else path


def _step_json(step: Any) -> dict[str, Any]:
    return {
        "name": step.name,
        "type": step.kind,
        "trigger": step.trigger,
        "emits": sorted(step.emits),
        "subscribes": list(step.subscribes),
        "flows": list(step.flows),
        "file": step.file,
        "line": step.line,
    }


def _print_steps(registry: Registry) -> None:
    columns = [
        Column("type"),
        Column("name", whole=True),
        Column("trigger", whole=True),
        Column("emits"),
        Column("flows"),
        Column("file"),
    ]
    rows = [
        [
            step.kind,
            step.name,
            step.trigger,
            ", ".join(sorted(step.emits)),
            ", ".join(step.flows),
            f"{_shown(step.file)}:{step.line}",
        ]
        for step in registry.steps
    ]
    print_table(console, columns, rows, title="steps")


def _listen_check(settings: Settings) -> None:
    try:
        check_port_free(settings.host, settings.port)
    except StepflowError as exc:
        fail(str(exc))


def _serve_blocking(options: ServeOptions) -> None:
    try:
        asyncio.run(serve(options))
    except StepflowError as exc:
        fail(str(exc))


def _base(settings: Settings, root: Path, url: str | None) -> str:
    """The server's base URL: `--url`; else where the project's running server says it
    listens (`stepflow dev --port 3711`, say); else the configured host and port."""
    if url is None:
        return announced(root) or server_url(settings.host, settings.port)
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        fail(f"--url {url!r} is not a URL: {exc}")
    if parsed.scheme not in ("http", "https") or not parsed.host:
        fail(f"--url {url!r} is not an http:// or https:// URL (such as http://127.0.0.1:3000)")
    return url.rstrip("/")


class _Server:
    """This project's running server, through its internal API."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.base = base
        self.headers = headers

    def call(self, method: str, path: str, body: Any = None) -> Any:
        url = f"{self.base}/_stepflow/api{path}"
        try:
            response = httpx.request(method, url, json=body, headers=self.headers, timeout=30)
        except httpx.TransportError as exc:
            fail(f"the server at {self.base} stopped answering: {exc}")
        if response.status_code >= 400:
            fail(f"{url}: HTTP {response.status_code}: {_detail(response)}")
        return response.json()


def _server(settings: Settings, root: Path, url: str | None, api_key: str | None) -> _Server | None:
    """The server serving this project at `url` (or the configured host and port); None
    when nothing answers there. Another project's server, or something that is not a
    stepflow server, stops the command with one line."""
    base = _base(settings, root, url)
    key = api_key or settings.api_key
    headers = {"x-api-key": key} if key else {}
    try:
        response = httpx.get(f"{base}/_stepflow/api/project", headers=headers, timeout=10)
    except httpx.TransportError:
        return None
    if response.status_code in (401, 403):
        fail(f"the server at {base} refused: {_detail(response)} (pass --api-key?)")
    info = response.json() if _is_json(response) and response.status_code == 200 else None
    if not isinstance(info, dict) or "project_id" not in info:
        fail(
            f"something answers at {base}, but not a stepflow server (HTTP {response.status_code})"
        )
    if info["project_id"] != project_id(root):
        fail(
            f"the stepflow server at {base} serves another project ({info.get('root')}); "
            "stop it, or pass --url of this project's server"
        )
    return _Server(base, headers)


def _detail(response: httpx.Response) -> str:
    """An error answer in words: a 422's errors as `where: what` (where in the body
    the command sent, so without `body.`), joined by "; "."""
    if not _is_json(response):
        return response.text[:200]
    body = response.json()
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if not isinstance(detail, list) or not all(isinstance(e, dict) and "msg" in e for e in detail):
        return str(detail)
    found = []
    for error in detail:
        loc = [str(part) for part in error.get("loc", [])]
        where = ".".join(loc[1:] if loc[:1] == ["body"] else loc)
        found.append(f"{where}: {error['msg']}")
    return "; ".join(found)


def _is_json(response: httpx.Response) -> bool:
    return str(response.headers.get("content-type", "")).startswith("application/json")


def _when(timestamp: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="seconds")


async def _with_store(settings: Settings, action: Any) -> Any:
    """Run `action(store)` on the project's dead-letter store; a project whose SQLite
    database does not exist yet has none (and none is made)."""
    from ._runtime import Runtime

    if _no_database_yet(settings):
        return None
    runtime = Runtime(Registry([]), settings, cron=False, workers=False)
    try:
        return await action(runtime.dead_letters)
    finally:
        await runtime.stop(deadline=0)


def _no_database_yet(settings: Settings) -> bool:
    embedded = not settings.uses_redis and not settings.uses_postgres
    return embedded and settings.database != ":memory:" and not Path(settings.database).exists()


async def _letters(settings: Settings, limit: int) -> tuple[list[DeadLetter], int]:
    async def read(store: Any) -> tuple[list[DeadLetter], int]:
        return list(await store.list(limit)), int(await store.count())

    found = await _with_store(settings, read)
    return found if found is not None else ([], 0)


async def _letter(settings: Settings, letter_id: str) -> DeadLetter | None:
    async def read(store: Any) -> DeadLetter | None:
        letter: DeadLetter | None = await store.get(letter_id)
        return letter

    found: DeadLetter | None = await _with_store(settings, read)
    return found


async def _purge(settings: Settings, ids: list[str] | None) -> list[str]:
    """The ids of the dead letters deleted."""

    async def purge(store: Any) -> list[str]:
        return [letter.id for letter in await store.take(ids)]

    return list(await _with_store(settings, purge) or [])


async def _replay_here(root: Path, ids: list[str] | None) -> list[str]:
    from ._runtime import Runtime

    settings, registry, _ = load_project(ServeOptions(root, {}))
    _logs.configure(settings.log_level, rich=True)
    async with Runtime(registry, settings, cron=False, project=root) as runtime:
        letters = await runtime.replay(ids)
        await runtime.drain()
    return [letter.id for letter in letters]
