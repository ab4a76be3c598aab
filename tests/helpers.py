"""What many tests use: the test servers' addresses, reading a flow's rows, serving the
classify flow on a port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

from stepflow import Runtime, Settings, build_app, discover
from stepflow.testing import LiveServer, free_port, wait_until_blocking

REPO = Path(__file__).resolve().parents[1]
STEPS = REPO / "steps"
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
PG_URL = os.environ.get("PG_TEST_URL", "postgresql://postgres@127.0.0.1:5432/stepflow_test")
FAST: dict[str, Any] = {"retry_base_delay": 0.001, "retry_max_delay": 0.01}
"""Settings for retries that do not keep a test waiting."""


async def next_turn() -> None:
    """Let every other ready task run once: a yield, not a wait for time."""
    await asyncio.sleep(0)


# -- PostgreSQL ------------------------------------------------------------------------


def pg_url(schema: str) -> str:
    """PG_URL with its tables in `schema` (asyncpg passes `search_path` to the server)."""
    parts = urlsplit(PG_URL)
    query = f"{parts.query}&search_path={schema}" if parts.query else f"search_path={schema}"
    return urlunsplit(parts._replace(query=query))


@cache
def _ensure_pg_database() -> None:
    """Create PG_URL's database when it does not exist (CI makes its own)."""
    parts = urlsplit(PG_URL)
    name = parts.path.lstrip("/")

    async def create() -> None:
        admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres", query="")))
        try:
            if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                    await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()

    _blocking(create)


def _pg(statement: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    _blocking(run)


def _blocking(job: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `job` to completion in a thread of its own: fixtures that call this may be
    set up inside a running event loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, job()).result()


def create_pg_schema(schema: str) -> None:
    _ensure_pg_database()
    _pg(f'CREATE SCHEMA "{schema}"')


def drop_pg_schema(schema: str) -> None:
    _pg(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextlib.contextmanager
def immutable(database: Path) -> Iterator[None]:
    """A SQLite database (and its write-ahead log) that nobody, root included, can write
    while the block runs: `chattr +i`, a real fault of the file system. (Not the -shm
    file: SQLite maps it into memory, and a mapped page that cannot be written is a
    SIGBUS, not an error.)"""
    wal = database.with_name(database.name + "-wal")
    files = [path for path in (database, wal) if path.exists()]
    subprocess.run(["chattr", "+i", *map(str, files)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], check=True)


class RedisServer:
    """A redis-server of the test's own on a free port, that keeps nothing on disk: it can
    be stopped and started again, its data lost, as a crash or a restart loses it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until_blocking(self._answers, what=f"redis on port {self.port}")
        return self

    def _answers(self) -> bool:
        ping = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
        )
        return ping.stdout.strip() == "PONG"

    def stop(self) -> None:
        """Shut it down without saving: everything it held is gone."""
        if self.process is not None and self.process.poll() is None:
            subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], check=False)
            self.process.wait(30)
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: connections stay open and nothing answers, as when the network
        between drops every packet without a reset."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class PostgresServer:
    """A PostgreSQL cluster of the test's own on a free port: it can be stopped as a crash
    stops it (`pg_ctl -m immediate`: every connection dropped, nothing shut down cleanly)
    and started again, its data kept. Run as the `postgres` user when the tests run as
    root (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="stepflow-pg-"))
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        initdb = max(Path("/usr/lib/postgresql").glob("*/bin/initdb"), default=None, key=_version)
        self.bin = initdb.parent if initdb is not None else Path(shutil.which("initdb") or "")
        self.running = False

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> PostgresServer:
        data = self.directory / "data"
        if not data.exists():
            if os.geteuid() == 0:
                shutil.chown(self.directory, "postgres")
            self._run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
        options = f"-p {self.port} -h 127.0.0.1 -k {self.directory} -c fsync=off"
        log = str(self.directory / "log")
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", log, "-w", "start")
        self.running = True
        return self

    def stop(self) -> None:
        """Stop it at once, as a crash would: clients see their connections dropped."""
        if self.running:
            self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "stop")
            self.running = False

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def _version(initdb: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in initdb.parts[-3].split(".") if part.isdigit())


async def pg_statuses(url: str) -> Counter[str]:
    """Row counts by status in a PostgreSQL database (nothing yet: an empty count)."""
    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT to_regclass('classifications') IS NOT NULL")
        if not exists:
            return Counter()
        rows = await conn.fetch("SELECT status, COUNT(*) FROM classifications GROUP BY status")
        return Counter({row[0]: int(row[1]) for row in rows})
    finally:
        await conn.close()


# -- a flow's rows -----------------------------------------------------------------------


def rows(database: Path, table: str = "classifications") -> list[dict[str, Any]]:
    """Every row of `table` in a SQLite file, read without writing to it."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(f"SELECT * FROM {table}")]


def statuses(database: Path) -> Counter[str]:
    """Row counts by status, from a live database (nothing yet: an empty count)."""
    if not database.exists():
        return Counter()
    try:
        return Counter(row["status"] for row in rows(database))
    except sqlite3.OperationalError:  # the table is not there yet
        return Counter()


@contextlib.contextmanager
def serve_flow(
    database: Path | str, *, framework: Mapping[str, Any] | None = None, **app: Any
) -> Iterator[str]:
    """The classify flow on a free loopback port, its database at `database`: `framework`
    are stepflow's settings (`api_key`, say), `app` the flow's (`[tool.stepflow.app]`)."""
    settings = Settings.model_validate(
        {
            "database": str(database),
            "steps_dir": STEPS,
            "app": app,
            "retry_base_delay": 0.01,
            **(framework or {}),
        }
    )
    registry, _ = discover(STEPS, settings)
    with LiveServer(build_app(Runtime(registry, settings, project=REPO))) as server:
        yield server.url


# -- the command line: `stepflow` as users run it -----------------------------------------

HELLO = REPO / "examples" / "hello"

GREET = """
from pydantic import BaseModel
from stepflow import ApiRequest, ApiResponse, Context, api_step, event_step

class Name(BaseModel):
    name: str

@api_step(name="Greet", method="POST", path="/greet", body=Name, emits=["greet"])
async def greet(req: ApiRequest[Name], ctx: Context) -> ApiResponse:
    await ctx.emit("greet", req.body)
    return ApiResponse(status=202, body={"trace_id": ctx.trace_id})

@event_step(name="Compose", subscribes=["greet"], input=Name)
async def compose(name: Name, ctx: Context) -> None:
    await ctx.state.set("greetings", name.name, GREETING.format(name.name))

@api_step(name="Read", method="GET", path="/greetings/{name}")
async def read(req: ApiRequest[None], ctx: Context) -> ApiResponse:
    value = await ctx.state.get("greetings", req.path_params["name"])
    return ApiResponse(status=200 if value else 404, body={"greeting": value})
"""

FAILING = """
from pydantic import BaseModel
from stepflow import Context, event_step

class Job(BaseModel):
    n: int

@event_step(name="Work", subscribes=["job"], input=Job, retries=0)
async def work(job: Job, ctx: Context) -> None:
    if BROKEN:
        raise RuntimeError(f"cannot do {job.n}")
    await ctx.state.set("done", str(job.n), True)
"""


def stepflow(
    *args: str, cwd: Path, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`stepflow ARGS` in `cwd`, as a pipe sees it (no terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "stepflow", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "80", **(env or {})},
    )


def write_step(root: Path, name: str, source: str, **constants: object) -> Path:
    """`steps/<name>_step.py` holding `source`, after `NAME = value` lines."""
    header = "".join(f"{key} = {value!r}\n" for key, value in constants.items())
    path = root / "steps" / f"{name}_step.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + textwrap.dedent(source))
    return path


def greet_project(root: Path, greeting: str = "Hello, {}!", pyproject: bool = True) -> Path:
    if pyproject:
        root.mkdir(parents=True, exist_ok=True)
        (root / "pyproject.toml").write_text("[tool.stepflow]\nshutdown_timeout = 5\n")
    write_step(root, "greet", GREET, GREETING=greeting)
    return root


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def wait_healthy(url: str) -> None:
    wait_until_blocking(lambda: healthy(url), timeout=60, interval=0.05, what=f"{url}/health")


def greeting(url: str, name: str) -> str | None:
    try:
        response = httpx.get(f"{url}/greetings/{name}", timeout=2)
    except httpx.TransportError:
        return None
    return response.json()["greeting"] if response.status_code == 200 else None
