"""The Workbench in a real headless Chromium (Debian's, driven by Playwright), against
real servers on loopback: examples/hello, and a small project whose second step fails
until a test lets it succeed."""

from __future__ import annotations

import contextlib
import os
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from scripts.workbench_screenshots import CHROMIUM, CHROMIUM_ARGS
from stepflow import Runtime, Settings, build_app, discover
from stepflow.testing import LiveServer, wait_until_blocking
from tests.helpers import HELLO

TIMEOUT_MS = 30_000
"""How long any expectation waits: generous, for a busy 2-core machine."""

JOBS = """
from pathlib import Path

from pydantic import BaseModel
from stepflow import ApiRequest, ApiResponse, Context, api_step, event_step

class Job(BaseModel):
    n: int

@api_step(name="StartJob", method="POST", path="/jobs", body=Job, emits=["job.started"])
async def start(req: ApiRequest[Job], ctx: Context) -> ApiResponse:
    await ctx.emit("job.started", req.body)
    return ApiResponse(status=202, body={"trace_id": ctx.trace_id})

@event_step(name="Work", subscribes=["job.started"], input=Job, retries=2)
async def work(job: Job, ctx: Context) -> None:
    ctx.logger.info("working on job", extra={"n": job.n})
    if not Path(FIXED).exists():
        raise RuntimeError(f"cannot do job {job.n}")
    await ctx.state.set("jobs/done", str(job.n), "done")
"""


@contextlib.contextmanager
def workbench(root: Path, database: Path, **settings: object) -> Iterator[str]:
    """The project at `root` served with the Workbench on a free loopback port."""
    chosen = Settings.model_validate(
        {
            "workbench": True,
            "database": str(database),
            "steps_dir": root / "steps",
            "retry_base_delay": 0.01,
            "retry_max_delay": 0.05,
            **settings,
        }
    )
    registry, _ = discover(root / "steps", chosen)
    with LiveServer(build_app(Runtime(registry, chosen, project=root))) as server:
        yield server.url


@pytest.fixture
def hello(tmp_path: Path) -> Iterator[str]:
    """examples/hello, served: its URL."""
    with workbench(HELLO, tmp_path / "hello.db") as url:
        yield url


@dataclass
class Jobs:
    url: str
    fixed: Path
    """While this file is missing, the Work step raises."""

    def start(self, n: int) -> str:
        """POST /jobs: the trace id."""
        response = httpx.post(f"{self.url}/jobs", json={"n": n}, timeout=30)
        assert response.status_code == 202, response.text
        return response.headers["x-trace-id"]

    def traces(self, **params: str | int) -> dict[str, object]:
        return dict(httpx.get(f"{self.url}/_stepflow/api/traces", params=params).json())

    def wait_for(self, status: str, total: int) -> None:
        """Until `total` traces have `status` (ok, failed)."""
        wait_until_blocking(
            lambda: self.traces(status=status)["total"] == total,
            timeout=60,
            interval=0.05,
            what=f"{total} {status} traces",
        )


@pytest.fixture
def jobs(tmp_path: Path) -> Iterator[Jobs]:
    """A project whose `Work` step fails (retries=2: three attempts, then a dead letter)
    until `jobs.fixed` exists; a job done is kept in the state group `jobs/done`."""
    root = tmp_path / "jobs"
    fixed = tmp_path / "fixed"
    (root / "steps").mkdir(parents=True)
    source = f"FIXED = {str(fixed)!r}\n" + textwrap.dedent(JOBS)
    (root / "steps" / "jobs_step.py").write_text(source)
    with workbench(root, tmp_path / "jobs.db") as url:
        yield Jobs(url, fixed)


STASH = """
from pydantic import BaseModel
from stepflow import ApiRequest, ApiResponse, Context, api_step

class Entry(BaseModel):
    group: str
    key: str
    value: str

@api_step(name="Stash", method="POST", path="/stash", body=Entry)
async def stash(req: ApiRequest[Entry], ctx: Context) -> ApiResponse:
    await ctx.state.set(req.body.group, req.body.key, req.body.value)
    return ApiResponse(status=204)
"""


@dataclass
class Stash:
    url: str

    def put(self, group: str, key: str, value: str) -> None:
        """POST /stash: `value` under `key` in the state group `group`, whatever its name."""
        entry = {"group": group, "key": key, "value": value}
        response = httpx.post(f"{self.url}/stash", json=entry, timeout=30)
        assert response.status_code == 204, response.text


@pytest.fixture
def stash(tmp_path: Path) -> Iterator[Stash]:
    """A project whose one step keeps what it is sent in the state group it names."""
    root = tmp_path / "stash"
    (root / "steps").mkdir(parents=True)
    (root / "steps" / "stash_step.py").write_text(textwrap.dedent(STASH))
    with workbench(root, tmp_path / "stash.db") as url:
        yield Stash(url)


def ensure_chromium() -> None:
    """Debian's chromium, installed with apt-get when it is missing (as .ci/run does), so
    that the README's test command passes on a fresh machine; never Playwright's own
    browser download."""
    if Path(CHROMIUM).exists():
        return
    subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "chromium"],
        check=True,
        capture_output=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    ensure_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page; the test fails if the page threw or broke its Content-Security-Policy.

    Ask for it after the server fixture, so that it closes before the server stops."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            problems.append(f"CSP: {message.text}")

    opened.on("console", console)
    yield opened
    context.close()
    assert not problems, problems
