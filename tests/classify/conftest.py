from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from stepflow import Runtime, Settings, discover
from stepflow.http import build_app
from stepflow.testing import LiveServer

STEPS = Path(__file__).resolve().parents[2] / "steps"


@contextmanager
def serve_flow(database: Path, **app: Any) -> Iterator[str]:
    """The classify flow on a free loopback port, with its database at `database`."""
    registry, _ = discover(STEPS)
    settings = Settings(database=database, steps_dir=STEPS, app=app, retry_base_delay=0.01)
    with LiveServer(build_app(Runtime(registry, settings))) as server:
        yield server.url
