from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from steps.classify.feeder import sample_indicators
from steps.classify.source import seed_database

# CI (.ci/run) points this at a Redis it found or started; tests that need Redis fail,
# not skip, when none answers.
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def redis_namespace() -> Iterator[str]:
    """A namespace of its own in the test Redis, deleted afterwards."""
    import redis

    namespace = f"test-{uuid.uuid4().hex[:12]}"
    yield namespace
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings selecting each bus in turn, for the conformance suite."""
    if request.param == "memory":
        return {}
    namespace = request.getfixturevalue("redis_namespace")
    return {"bus": REDIS_URL, "redis_namespace": namespace, "redis_visibility_timeout": 5.0}


@pytest.fixture(scope="session")
def source_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("source") / "source.db"
    seed_database(path, count=3_000, seed=7)
    return path


@pytest.fixture(scope="session")
def indicators(source_db: Path) -> list[dict[str, Any]]:
    return sample_indicators(source_db, 1_000, seed=1)
