"""A SQLite response cache keyed by the exact request."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from stepflow.sqlite import Database


def canonical_json(value: object) -> str:
    """JSON with sorted keys and no spaces: the same request gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cache_key(provider: str, url: str, body: object) -> str:
    """sha256 of the provider, the URL and the canonical JSON body."""
    text = canonical_json({"provider": provider, "url": url, "body": body})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_responses (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    reply TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""


class ResponseCache:
    """Reply text by request key in a SQLite file (WAL), opened on first use."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = Database(self.path, _SCHEMA)
        self._closed = False

    async def get(self, key: str) -> str | None:
        """The stored reply for `key`, or None."""
        self._check_open()
        async with (
            self._db.read() as conn,
            conn.execute("SELECT reply FROM llm_responses WHERE key = ?", (key,)) as cursor,
        ):
            row = await cursor.fetchone()
        return None if row is None else str(row[0])

    async def put(self, key: str, reply: str, *, provider: str = "") -> None:
        """Store (or replace) the reply for `key`."""
        self._check_open()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO llm_responses (key, provider, reply, created_at)"
                " VALUES (?, ?, ?, ?)",
                (key, provider, reply, time.time()),
            )

    async def aclose(self) -> None:
        """Close the connection; later use raises."""
        self._closed = True
        await self._db.aclose()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the response cache is closed")
