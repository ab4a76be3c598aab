from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from stepflow import Runtime, Settings, discover
from stepflow.http import build_app
from stepflow.testing import LiveServer
from steps.classify.feeder import sample_indicators
from steps.classify.source import seed_database

STEPS = Path(__file__).resolve().parents[2] / "steps"


@contextmanager
def serve_flow(database: Path, **app: Any) -> Iterator[str]:
    """The classify flow on a free loopback port, with its database at `database`."""
    registry, _ = discover(STEPS)
    settings = Settings(database=database, steps_dir=STEPS, app=app, retry_base_delay=0.01)
    with LiveServer(build_app(Runtime(registry, settings))) as server:
        yield server.url


@pytest.fixture(scope="session")
def source_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("source") / "source.db"
    seed_database(path, count=3_000, seed=7)
    return path


@pytest.fixture(scope="session")
def indicators(source_db: Path) -> list[dict[str, Any]]:
    return sample_indicators(source_db, 1_000, seed=1)
