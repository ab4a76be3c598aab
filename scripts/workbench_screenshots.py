#!/usr/bin/env python3
"""A PNG of every Workbench view, to look at: examples/hello served on a free port with
the Workbench, driven by Debian's headless Chromium through Playwright.

python scripts/workbench_screenshots.py [--out .stepflow/screenshots] [--width 1280]

Besides the three hello steps, it serves `AuditGreeting`, an event step defined here
that refuses one name, so that one request fails for good: the failed trace and the
dead-letters view have something to show."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from playwright.sync_api import Page, sync_playwright
from pydantic import BaseModel

from stepflow import Context, Runtime, Settings, build_app, build_registry, event_step
from stepflow._discovery import load_steps
from stepflow.testing import LiveServer, wait_until_blocking

REPO = Path(__file__).resolve().parents[1]
HELLO = REPO / "examples" / "hello"
DEFAULT_OUT = REPO / ".stepflow" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REFUSED = "Mallory"
TIMEOUT_MS = 30_000


class Greeted(BaseModel):
    name: str
    message: str


@event_step(
    name="AuditGreeting",
    subscribes=["hello.composed"],
    input=Greeted,
    flows=["hello"],
    retries=2,
)
async def audit(greeted: Greeted, ctx: Context) -> None:
    ctx.logger.info("auditing greeting", extra={"who": greeted.name})
    if greeted.name == REFUSED:
        raise RuntimeError(f"the audit service refuses to greet {greeted.name}")


def serve(database: Path) -> LiveServer:
    settings = Settings(
        workbench=True,
        database=str(database),
        steps_dir=HELLO / "steps",
        retry_base_delay=0.01,
    )
    registry, _ = build_registry([*load_steps(HELLO / "steps", settings), audit])
    return LiveServer(build_app(Runtime(registry, settings, project=HELLO)))


def traffic(url: str) -> tuple[str, str]:
    """Two greetings that work and one that ends as a dead letter: their trace ids."""
    with httpx.Client(base_url=url, timeout=30) as client:
        ok = ""
        for name in ("Ada", "Grace"):
            ok = client.post("/hello", json={"name": name}).headers["x-trace-id"]
        failed = client.post("/hello", json={"name": REFUSED}).headers["x-trace-id"]
        client.post("/hello", json={"name": ""})  # a 422: an API span that failed

        def settled() -> bool:
            letters: int = client.get("/_stepflow/api/dead-letters").json()["total"]
            done: int = client.get("/_stepflow/api/traces", params={"status": "ok"}).json()["total"]
            return letters >= 1 and done >= 2

        wait_until_blocking(settled, timeout=60, interval=0.1, what="the requests to settle")
    return ok, failed


def shoot(page: Page, out: Path, name: str, path: str, ready: str, then: Callable[[], Any]) -> Path:
    page.goto(path)
    page.wait_for_selector(ready, timeout=TIMEOUT_MS)
    then()
    page.evaluate("window.scrollTo(0, 0)")
    target = out / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the PNGs go")
    parser.add_argument("--width", type=int, default=1280, help="the window's width")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / "workbench.db") as server:
        ok, failed = traffic(server.url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(
                base_url=server.url, viewport={"width": args.width, "height": 800}
            )
            page.set_default_timeout(TIMEOUT_MS)

            def nothing() -> None:
                return None

            def click(selector: str, wait: str) -> Callable[[], None]:
                def run() -> None:
                    page.click(selector)
                    page.wait_for_selector(wait)

                return run

            def send() -> None:
                form = page.get_by_test_id("endpoint-SayHello")
                form.get_by_test_id("body").fill('{\n  "name": "Linus"\n}')
                form.get_by_test_id("send").click()
                form.get_by_test_id("trace-link").wait_for()

            views = [
                ("graph", "/_stepflow/", "[data-testid=stats-SayHello]:has-text('ok')",
                 click("[data-testid=node-ComposeGreeting]", "[data-testid=step-schema]")),
                ("endpoints", "/_stepflow/endpoints", "[data-testid=send]", send),
                ("traces", "/_stepflow/traces", "[data-testid=trace-row]", nothing),
                ("trace", f"/_stepflow/traces/{failed}", "[data-testid=span-row]",
                 click("[data-testid=span-row][data-status=dead_letter]",
                       "[data-testid=span-detail]")),
                ("trace-ok", f"/_stepflow/traces/{ok}", "[data-testid=span-row]", nothing),
                ("logs", "/_stepflow/logs", "[data-testid=log-row]", nothing),
                ("dead-letters", "/_stepflow/dead-letters", "[data-testid=dead-letter-row]",
                 click("[data-testid=details]", "[data-testid=dead-letter-detail]")),
                ("state", "/_stepflow/state?group=greetings", "[data-testid=state-key]", nothing),
                ("docs", "/docs", "[data-testid=operation]", nothing),
            ]  # fmt: skip
            for name, path, ready, then in views:
                print(shoot(page, out, name, path, ready, then))
            browser.close()
    print(f"wrote {len(views)} screenshots to {out}")


if __name__ == "__main__":
    main()
