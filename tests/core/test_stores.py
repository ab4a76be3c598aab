"""The framework's stores, one conformance suite over every backend: dead letters
(SQLite, PostgreSQL, Redis), leases (SQLite, PostgreSQL), and schema versions."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from stepflow import ConfigError, Database, DeadLetterStore, Event, Unavailable, open_database
from stepflow._deadletters import DatabaseDeadLetters
from stepflow._leases import DatabaseLeases
from stepflow._redis import RedisDeadLetters, client_for
from tests.helpers import REDIS_URL, immutable


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
async def letters(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DeadLetterStore]:
    if request.param == "redis":
        client = client_for(REDIS_URL)
        yield RedisDeadLetters(client, request.getfixturevalue("redis_namespace"))
        await client.aclose()
        return
    url = (
        str(tmp_path / "s.db")
        if request.param == "sqlite"
        else request.getfixturevalue("pg_schema")
    )
    database = open_database(url)
    yield DatabaseDeadLetters(database)
    await database.aclose()


def _event(n: int) -> Event:
    return Event(topic="item", data={"n": n}, trace_id=f"t{n}", id=f"e{n}", attempt=4)


async def test_a_dead_letter_keeps_the_event_its_error_and_traceback(
    letters: DeadLetterStore,
) -> None:
    added = await letters.add(_event(1), "Work", "RuntimeError: no", "Traceback ...")
    [listed] = await letters.list()
    assert listed == added
    assert (listed.step, listed.topic, listed.data, listed.error) == (
        "Work",
        "item",
        {"n": 1},
        "RuntimeError: no",
    )
    assert (listed.attempts, listed.trace_id, listed.event_id, listed.traceback) == (
        4,
        "t1",
        "e1",
        "Traceback ...",
    )
    assert await letters.get(listed.id) == listed
    assert await letters.get("no-such-id") is None


async def test_a_dead_letter_keeps_the_span_that_emitted_its_event(
    letters: DeadLetterStore,
) -> None:
    emitted = Event(topic="item", data={"n": 1}, trace_id="t1", parent_span="00f067aa0ba902b7")
    await letters.add(emitted, "Work", "RuntimeError: no")
    await letters.add(_event(2), "Work", "RuntimeError: no")  # published from outside

    first, second = await letters.list()
    assert (first.parent_span, second.parent_span) == ("00f067aa0ba902b7", None)
    assert first.to_event().parent_span == "00f067aa0ba902b7"


async def test_data_json_cannot_hold_is_kept_as_its_repr(letters: DeadLetterStore) -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "<opaque>"

    event = Event(topic="item", data={"thing": Opaque()}, trace_id="t")
    await letters.add(event, "Work", "TypeError: odd")
    [listed] = await letters.list()
    assert listed.data == {"thing": "<opaque>"}


async def test_dead_letters_list_in_order_with_paging(letters: DeadLetterStore) -> None:
    for n in range(5):
        await letters.add(_event(n), "Work", f"error {n}")
    assert [x.error for x in await letters.list(limit=2, offset=1)] == ["error 1", "error 2"]
    assert await letters.count() == 5


async def test_taking_letters_removes_them_and_passes_over_unknown_ids(
    letters: DeadLetterStore,
) -> None:
    first = await letters.add(_event(1), "Work", "a")
    second = await letters.add(_event(2), "Work", "b")
    taken = await letters.take([second.id, "999999", "not-an-id", second.id])
    assert taken == [second]
    assert [x.id for x in await letters.list()] == [first.id]
    assert await letters.take(None) == [first]
    assert await letters.count() == 0


async def test_purging_deletes_the_letters_named_or_all(letters: DeadLetterStore) -> None:
    kept = await letters.add(_event(1), "Work", "a")
    gone = await letters.add(_event(2), "Work", "b")
    assert await letters.purge([gone.id]) == 1
    assert [x.id for x in await letters.list()] == [kept.id]
    await letters.add(_event(3), "Work", "c")
    assert await letters.purge(None) == 2
    assert await letters.count() == 0


# -- leases ------------------------------------------------------------------------------


async def test_a_running_process_lease_is_alive_and_a_stopped_one_is_not(
    database: Database,
) -> None:
    mine = DatabaseLeases(database, ttl=10)
    other = DatabaseLeases(database, ttl=10)
    await mine.start()
    await other.start()
    await other._renew()  # what its renewal loop does first
    await mine._renew()
    assert await mine.alive({other.owner, "never-seen"}) == {other.owner}
    await other.aclose()
    assert await mine.alive({other.owner}) == set()
    assert await mine.alive({mine.owner}) == {mine.owner}
    await mine.aclose()


async def test_a_lease_not_renewed_within_its_ttl_has_lapsed(database: Database) -> None:
    lapsed = DatabaseLeases(database, ttl=0.001)
    await lapsed._renew()
    judge = DatabaseLeases(database, ttl=0.001)
    assert await judge.alive({lapsed.owner}) == set()


async def test_leases_cannot_be_told_when_the_database_is_down() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    database = open_database(f"postgresql://postgres@127.0.0.1:{port}/nothing")
    judge = DatabaseLeases(database)
    # Unknown, so no work is taken from anyone.
    assert await judge.alive({"a", "b"}) == {"a", "b"}
    await database.aclose()


# -- the database itself ----------------------------------------------------------------


async def test_tables_are_created_once_and_recorded_at_their_version(database: Database) -> None:
    migrations = ["CREATE TABLE widgets (id INTEGER PRIMARY KEY)"]
    await database.ensure("widgets", migrations)
    await database.ensure("widgets", migrations)
    version = await database.fetchval(
        "SELECT version FROM stepflow_schema WHERE component = $1", "widgets"
    )
    assert version == 1


async def test_a_later_release_upgrades_an_existing_database(database_url: str) -> None:
    v1 = ["CREATE TABLE widgets (id INTEGER PRIMARY KEY)"]
    v2 = [*v1, "ALTER TABLE widgets ADD COLUMN colour TEXT NOT NULL DEFAULT 'blue'"]
    old = open_database(database_url)
    await old.ensure("widgets", v1)
    await old.execute("INSERT INTO widgets (id) VALUES ($1)", 7)
    await old.aclose()
    new = open_database(database_url)
    try:
        await new.ensure("widgets", v2)
        assert await new.fetchval("SELECT colour FROM widgets WHERE id = $1", 7) == "blue"
        assert (
            await new.fetchval(
                "SELECT version FROM stepflow_schema WHERE component = $1", "widgets"
            )
            == 2
        )
    finally:
        await new.aclose()


async def test_a_database_from_a_newer_release_is_refused(database_url: str) -> None:
    newer = open_database(database_url)
    await newer.ensure("widgets", ["CREATE TABLE a (x INTEGER)", "CREATE TABLE b (x INTEGER)"])
    await newer.aclose()
    older = open_database(database_url)
    try:
        with pytest.raises(ConfigError) as raised:
            await older.ensure("widgets", ["CREATE TABLE a (x INTEGER)"])
    finally:
        await older.aclose()
    assert "holds 'widgets' tables at schema version 2, newer than this release knows (1)" in str(
        raised.value
    )


async def test_an_unreachable_postgresql_is_unavailable_not_a_crash() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    database = open_database(f"postgresql://postgres:secret@127.0.0.1:{port}/nothing")
    try:
        with pytest.raises(Unavailable) as raised:
            await database.fetchval("SELECT 1")
    finally:
        await database.aclose()
    assert raised.value.what == f"the database postgresql://postgres:***@127.0.0.1:{port}/nothing"


async def test_an_unwritable_sqlite_file_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    database = open_database(path)
    try:
        await database.ensure("widgets", ["CREATE TABLE widgets (id INTEGER)"])
        with immutable(path), pytest.raises(Unavailable) as raised:  # chattr +i: not even root
            await database.execute("INSERT INTO widgets (id) VALUES (1)")
        assert raised.value.what == f"the database {path}"
        await database.execute("INSERT INTO widgets (id) VALUES (2)")  # writable again
        assert await database.fetchval("SELECT COUNT(*) FROM widgets") == 1
    finally:
        await database.aclose()
