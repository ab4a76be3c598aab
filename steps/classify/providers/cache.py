"""LLM replies kept in the project's database (SQLite or PostgreSQL), by request key."""

from __future__ import annotations

import hashlib
import json
import time

import orjson

from stepflow import Database, Migration


def canonical_json(value: object) -> str:
    """JSON with sorted keys and no spaces: the same request gives the same text.

    orjson writes it (59 -> 14 us for a 7 KB request body, one every LLM call), the text
    json.dumps writes with `sort_keys`, compact and `ensure_ascii=False`, which keyed the
    replies cached before; json.dumps writes what orjson refuses (an int past 64 bits, a
    key that is not a string). Only a float under 1e-4 written as a JSON number differs
    (1e-7 against 1e-07; the flow's requests hold none): a reply cached under the old
    text would be asked for again, once."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cache_key(provider: str, url: str, body: object) -> str:
    """sha256 of the provider, the URL and the canonical JSON body."""
    text = canonical_json({"provider": provider, "url": url, "body": body})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


MIGRATIONS: list[Migration] = [
    {
        "sqlite": "CREATE TABLE IF NOT EXISTS llm_responses (key TEXT PRIMARY KEY,"
        " provider TEXT NOT NULL, reply TEXT NOT NULL, created_at REAL NOT NULL)",
        "postgresql": "CREATE TABLE IF NOT EXISTS llm_responses (key TEXT PRIMARY KEY,"
        " provider TEXT NOT NULL, reply TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)",
    },
]


class ResponseCache:
    """Reply text by request key, shared by every process on the same database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def _db(self) -> Database:
        await self.database.ensure("llm_cache", MIGRATIONS)
        return self.database

    async def get(self, key: str) -> str | None:
        """The stored reply for `key`, or None."""
        db = await self._db()
        reply = await db.fetchval("SELECT reply FROM llm_responses WHERE key = $1", key)
        return None if reply is None else str(reply)

    async def put(self, key: str, reply: str, *, provider: str = "") -> None:
        """Store (or replace) the reply for `key`."""
        db = await self._db()
        await db.execute(
            "INSERT INTO llm_responses (key, provider, reply, created_at)"
            " VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (key) DO UPDATE SET reply = excluded.reply,"
            " created_at = excluded.created_at",
            key,
            provider,
            reply,
            time.time(),
        )
