"""The `Database` interface, the same on SQLite and PostgreSQL: transactions commit as a
whole or not at all, reads see the transaction's own writes, and a closed database
opens again on its next use."""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg
import pytest

from stepflow import Database

DUPLICATE = (sqlite3.IntegrityError, asyncpg.UniqueViolationError)
TABLE = "CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"


async def names(database: Database) -> list[str]:
    return [str(row[0]) for row in await database.fetch("SELECT name FROM widgets ORDER BY id")]


@pytest.fixture
async def widgets(database: Database) -> Database:
    await database.ensure("widgets", [TABLE])
    return database


async def test_a_transaction_commits_its_writes_when_the_block_ends(widgets: Database) -> None:
    async with widgets.transaction() as tx:
        await tx.execute("INSERT INTO widgets (id, name) VALUES ($1, $2)", 1, "one")
        await tx.executemany("INSERT INTO widgets (id, name) VALUES ($1, $2)", [(2, "two")])
    assert await names(widgets) == ["one", "two"]


async def test_a_read_in_a_transaction_sees_its_own_writes(widgets: Database) -> None:
    async with widgets.transaction() as tx:
        await tx.execute("INSERT INTO widgets (id, name) VALUES ($1, $2)", 1, "one")
        count = await tx.fetchval("SELECT COUNT(*) FROM widgets")
        await tx.execute("UPDATE widgets SET name = $1 WHERE id = $2", "uno", 1)
        row = await tx.fetchrow("SELECT name FROM widgets WHERE id = $1", 1)
    assert count == 1
    assert row is not None and row[0] == "uno"


async def test_a_read_outside_a_transaction_sees_only_what_was_committed(
    widgets: Database,
) -> None:
    await widgets.execute("INSERT INTO widgets (id, name) VALUES ($1, $2)", 1, "one")
    async with widgets.transaction() as tx:
        await tx.execute("INSERT INTO widgets (id, name) VALUES ($1, $2)", 2, "two")
        assert await tx.fetchval("SELECT COUNT(*) FROM widgets") == 2
        # Not queued behind the open transaction (it would wait for itself), and blind
        # to what it has not committed.
        assert await asyncio.wait_for(names(widgets), timeout=60) == ["one"]
    assert await names(widgets) == ["one", "two"]


async def test_a_failed_write_rolls_back_the_whole_transaction(widgets: Database) -> None:
    with pytest.raises(DUPLICATE):
        async with widgets.transaction() as tx:
            await tx.execute("INSERT INTO widgets (id, name) VALUES ($1, $2)", 1, "one")
            await tx.execute("INSERT INTO widgets (id, name) VALUES ($1, $2)", 1, "again")
    assert await names(widgets) == []


async def test_an_error_in_the_block_rolls_back_its_writes(widgets: Database) -> None:
    with pytest.raises(RuntimeError, match="changed my mind"):
        async with widgets.transaction() as tx:
            await tx.execute("INSERT INTO widgets (id, name) VALUES ($1, $2)", 1, "one")
            raise RuntimeError("changed my mind")
    assert await names(widgets) == []


async def test_rows_written_outside_a_transaction_go_in_together_or_not_at_all(
    widgets: Database,
) -> None:
    rows = [(1, "one"), (2, "two"), (1, "one again")]
    with pytest.raises(DUPLICATE):
        await widgets.executemany("INSERT INTO widgets (id, name) VALUES ($1, $2)", rows)
    assert await names(widgets) == []


async def test_the_rows_are_those_given_when_executemany_was_called(widgets: Database) -> None:
    rows = [(1, "one")]
    async with widgets.transaction() as tx:
        await tx.executemany("INSERT INTO widgets (id, name) VALUES ($1, $2)", rows)
        rows.append((2, "two"))  # too late for the statement
    assert await names(widgets) == ["one"]


async def test_a_closed_database_opens_again_when_used(widgets: Database) -> None:
    await widgets.execute("INSERT INTO widgets (id, name) VALUES ($1, $2)", 1, "one")
    await widgets.aclose()
    assert await names(widgets) == ["one"]
