"""Run a project: discover, validate, and serve HTTP + workers + cron with uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from . import _logs
from ._config import Settings, load_settings
from ._database import Database, redacted
from ._discovery import Registry, discover
from ._errors import ConfigError, Problem, StepflowError, Unavailable
from ._http import build_app
from ._presence import announce, server_url, withdraw
from ._runtime import Runtime
from ._server import Server, bound_socket, uvicorn_config

log = logging.getLogger("stepflow.serve")

Role = Literal["all", "api", "worker"]


@dataclass(frozen=True)
class ServeOptions:
    """What a server process needs."""

    root: Path
    overrides: dict[str, Any]
    role: Role = "all"
    log_json: bool = False
    exit_with_parent: bool = False
    """Stop (draining) when stdin reaches its end: `dev`'s reloading parent holds the
    other end of a pipe, so its server child never outlives it, killed or not."""


def load_project(options: ServeOptions) -> tuple[Settings, Registry, list[Problem]]:
    settings = load_settings(options.root, overrides=options.overrides)
    registry, warnings = discover(settings.steps_dir, settings)
    return settings, registry, warnings


def check_port_free(host: str, port: int) -> None:
    try:
        bound_socket(host, port).close()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StepflowError(f"port {port} on {host} is in use") from None
        raise StepflowError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def make_runtime(settings: Settings, registry: Registry, role: Role, root: Path) -> Runtime:
    if role != "all" and not settings.uses_redis:
        raise ConfigError(f"--role {role} needs a shared bus: set bus to a redis:// URL")
    return Runtime(registry, settings, workers=role != "api", cron=role != "api", project=root)


async def serve(options: ServeOptions) -> None:
    """Serve until SIGINT/SIGTERM, then drain up to `shutdown_timeout`."""
    settings, registry, _ = load_project(options)
    # rich on a terminal only: it wraps at the console's width, and a log written to a
    # file or a pipe (`stepflow dev > log`) must keep each record, tracebacks too, whole.
    rich = not options.log_json and sys.stdout.isatty()  # where rich writes
    _logs.configure(settings.log_level, json_lines=options.log_json, rich=rich)
    runtime = make_runtime(settings, registry, options.role, options.root)
    await check_reachable(settings, runtime.database)
    tune_gc()
    if options.role == "worker":
        await _run_worker(runtime)
        return
    server = Server(uvicorn_config(build_app(runtime), settings))
    if options.exit_with_parent:
        _stop_at_end_of(sys.stdin.fileno(), lambda: server.handle_exit(signal.SIGTERM, None))
    url = f"http://{settings.host}:{settings.port}"
    fields = {"url": url, "role": options.role}
    if settings.workbench:
        fields["workbench"] = f"{url}/_stepflow/"
    log.info("serving", extra=fields)
    if settings.port:  # port 0 is the system's pick: nothing known to announce
        announce(options.root, server_url(settings.host, settings.port))
    try:
        await server.serve()
    finally:
        withdraw(options.root)
    if server.started:
        log.info("stopped")
    else:
        raise StepflowError(f"the server did not start on {url} (see the log above)")


async def check_reachable(settings: Settings, database: Database) -> None:
    """The database (the runtime's own, whose first connection this makes) and the bus
    answer, or a `StepflowError` in one line. At startup a database that does not exist,
    a wrong port or a Redis that is not there is a mistake to say at once and stop for;
    once serving, an outage is a 503 and a wait."""
    try:
        await database.fetchval("SELECT 1")
    except Exception as exc:
        with contextlib.suppress(Exception):
            await database.aclose()
        reason = exc.reason if isinstance(exc, Unavailable) else str(exc)
        raise StepflowError(
            f"cannot use the database {redacted(settings.database)}: {reason}"
        ) from None
    if settings.uses_redis:
        from ._redis import client_for

        client = client_for(settings.bus, max_connections=1)
        try:
            await client.ping()
        except Exception as exc:
            raise StepflowError(f"cannot reach the bus {redacted(settings.bus)}: {exc}") from None
        finally:
            await client.aclose()


def _stop_at_end_of(fd: int, stop: Callable[[], None]) -> None:
    """Call `stop` once the pipe `fd` reads its end: the process holding its other end
    has exited (or been killed, which no signal to this process would say)."""
    loop = asyncio.get_running_loop()

    def readable() -> None:
        if os.read(fd, 4096):
            return  # nothing is written on it but its end
        loop.remove_reader(fd)
        log.warning("the process that started this server is gone; stopping")
        stop()

    loop.add_reader(fd, readable)


def tune_gc() -> None:
    """Keep the cyclic garbage collector off what a server holds for its whole life.

    Once the project is loaded (steps, models, catalogs), those objects are frozen out of
    collection, and collections start after 50,000 net allocations rather than 700:
    handlers make many short-lived objects, and each full collection walked the whole
    heap. Measured on the classify flow over 10,000 indicators, traced: time in the
    collector 0.35-0.45 s → 0.04 s, server CPU per indicator about a tenth lower (3 runs
    each, interleaved: 460-474 µs against 490-556)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


async def _run_worker(runtime: Runtime) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with runtime:
        log.info("worker running")
        await stop.wait()
        log.info("worker stopping; draining")
    log.info("stopped")
