"""A test harness: run a project's steps in-process and look at what they did.

async with FlowTester.from_dir("steps") as flow:
    response = await flow.post("/orders", json={"id": "1", "qty": 2})
    await flow.drain()
    assert [e.data["id"] for e in flow.emitted("order.shipped")] == ["1"]
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from .config import Settings
from .deadletters import DeadLetter
from .discovery import Problem, build_registry, load_steps
from .events import Event
from .http import build_app
from .runtime import Runtime
from .state import StateStore
from .steps import StepSpec


class FlowTester:
    """A runtime on an in-memory bus and state, with captured events and an HTTP client."""

    def __init__(
        self,
        steps: Iterable[StepSpec | Callable[..., Any]],
        settings: Settings | None = None,
        **overrides: Any,
    ) -> None:
        base = settings or Settings(database=":memory:", state="memory")
        self.settings = base.model_copy(update=overrides) if overrides else base
        registry, self.warnings = build_registry(steps)
        self.runtime = Runtime(registry, self.settings, cron=False)
        self.app = build_app(self.runtime)
        self._emitted: dict[str, list[Event]] = defaultdict(list)
        self.runtime.observers.append(lambda event: self._emitted[event.topic].append(event))
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://stepflow.test"
        )

    @classmethod
    def from_dir(
        cls, steps_dir: Path | str, settings: Settings | None = None, **overrides: Any
    ) -> FlowTester:
        return cls(load_steps(steps_dir), settings, **overrides)

    async def __aenter__(self) -> FlowTester:
        await self.runtime.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.client.aclose()
        await self.runtime.stop(deadline=0)

    @property
    def state(self) -> StateStore:
        return self.runtime.state

    @property
    def problems(self) -> list[Problem]:
        return self.warnings

    async def emit(self, topic: str, data: Any, trace_id: str | None = None) -> Event:
        """Publish an event as if a step had emitted it."""
        return await self.runtime.publish(topic, data, trace_id)

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call an API step through the real HTTP app, in-process."""
        return await self.client.request(method, path, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until no event is queued, waiting for a retry, or being handled."""
        async with asyncio.timeout(timeout):
            await self.runtime.drain()

    async def run_cron(self, name: str) -> None:
        await self.runtime.run_cron(name)

    def emitted(self, topic: str) -> list[Event]:
        """Every event published on `topic` so far, in order."""
        return list(self._emitted.get(topic, []))

    async def dead_letters(self) -> Sequence[DeadLetter]:
        return await self.runtime.bus.dead_letters.list(limit=10_000)

    async def replay(self, ids: Sequence[str] | None = None) -> list[DeadLetter]:
        return await self.runtime.replay(ids)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """An ASGI app served by uvicorn on loopback, in a background thread.

    The socket is bound before uvicorn starts (port 0: a free one), so there is no race
    for the port; `url` holds the address. Usable as a context manager, or through
    `start()` and `stop()`."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, wait: float = 10.0) -> LiveServer:
        if self._thread is not None:
            raise RuntimeError(f"already serving on {self.url}")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + wait
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self, wait: float = 10.0) -> None:
        """Ask uvicorn to exit (forcing it if it does not) and wait for its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(wait)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(wait)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ServerProcess:
    """`stepflow start` for a project in a subprocess, on a free loopback port.

    `env` adds to the environment (for example `STEPFLOW_DATABASE`). `start()` waits until
    `/health` answers, unless `http` is False (a `--role worker` process serves no HTTP).
    `stop()` sends SIGINT and waits; `kill()` sends SIGKILL, as a crash would."""

    def __init__(
        self,
        project: Path | str,
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
        args: Sequence[str] = (),
        log: Path | None = None,
        http: bool = True,
    ) -> None:
        self.project = Path(project)
        self.http = http
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "STEPFLOW_LOG_LEVEL": "WARNING", **(env or {})}
        self.args = list(args)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> ServerProcess:
        command = [sys.executable, "-m", "stepflow", "start", "--project", str(self.project)]
        command += ["--host", "127.0.0.1", "--port", str(self.port), *self.args]
        if self.log is None:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        else:
            with open(self.log, "ab") as output:  # the child keeps its own descriptor
                self.process = subprocess.Popen(
                    command, env=self.env, stdout=output, stderr=subprocess.STDOUT
                )
        if not self.http:
            return self
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"server did not answer on {self.url} within {timeout}s")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self, timeout: float = 30.0) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
