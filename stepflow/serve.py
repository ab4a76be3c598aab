"""Run a project: discover, validate, and serve HTTP + workers + cron with uvicorn."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import uvicorn

from . import logs
from .config import Settings, load_settings
from .discovery import Problem, Registry, discover
from .errors import ConfigError, StepflowError
from .http import build_app
from .runtime import Runtime

log = logging.getLogger("stepflow.serve")

Role = Literal["all", "api", "worker"]


@dataclass(frozen=True)
class ServeOptions:
    """What a server process needs; picklable, so a reloading parent can hand it over."""

    root: Path
    overrides: dict[str, Any]
    role: Role = "all"
    log_json: bool = False


def load_project(options: ServeOptions) -> tuple[Settings, Registry, list[Problem]]:
    settings = load_settings(options.root, overrides=options.overrides)
    registry, warnings = discover(settings.steps_dir)
    return settings, registry, warnings


def check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise StepflowError(f"port {port} on {host} is in use") from None
            raise StepflowError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def make_runtime(settings: Settings, registry: Registry, role: Role) -> Runtime:
    if role != "all" and settings.bus == "memory":
        raise ConfigError(f"--role {role} needs a shared bus: set bus to a redis:// URL")
    return Runtime(registry, settings, workers=role != "api", cron=role != "api")


async def serve(options: ServeOptions) -> None:
    """Serve until SIGINT/SIGTERM, then drain up to `shutdown_timeout`."""
    settings, registry, _ = load_project(options)
    logs.configure(settings.log_level, json_lines=options.log_json, rich=not options.log_json)
    runtime = make_runtime(settings, registry, options.role)
    if options.role == "worker":
        await _run_worker(runtime)
        return
    app = build_app(runtime)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=max(1, int(settings.shutdown_timeout)),
    )
    server = uvicorn.Server(config)
    log.info(
        "serving", extra={"url": f"http://{settings.host}:{settings.port}", "role": options.role}
    )
    await server.serve()
    log.info("stopped")


async def _run_worker(runtime: Runtime) -> None:
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with runtime:
        log.info("worker running")
        await stop.wait()
        log.info("worker stopping; draining")
