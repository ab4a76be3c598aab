"""Fixtures every test folder shares: a Redis namespace, a PostgreSQL schema, each bus
and each database in turn, and the seeded source indicators.

CI (.ci/run) points REDIS_TEST_URL and PG_TEST_URL at servers it found or started;
tests that need them fail, not skip, when none answers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.feeder import sample_indicators
from scripts.source import seed_database
from stepflow import Database, open_database
from tests.helpers import REDIS_URL, create_pg_schema, drop_pg_schema, pg_url


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


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a schema of their own, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    create_pg_schema(schema)
    yield pg_url(schema)
    drop_pg_schema(schema)


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings selecting each bus in turn, for the conformance suite."""
    if request.param == "memory":
        return {}
    namespace = request.getfixturevalue("redis_namespace")
    return {"bus": REDIS_URL, "redis_namespace": namespace, "redis_visibility_timeout": 5.0}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database in turn: a SQLite file, a PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "stepflow.db")
    url: str = request.getfixturevalue("pg_schema")
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = open_database(database_url)
    yield db
    await db.aclose()


@pytest.fixture(scope="session")
def source_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("source") / "source.db"
    seed_database(path, count=3_000, seed=7)
    return path


@pytest.fixture(scope="session")
def indicators(source_db: Path) -> list[dict[str, Any]]:
    return sample_indicators(source_db, 1_000, seed=1)
