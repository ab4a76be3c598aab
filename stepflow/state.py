"""State: JSON values by group and key, shared by every step of a project."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from . import sqlite


class StateStore(Protocol):
    async def get(self, group: str, key: str) -> Any | None: ...

    async def set(self, group: str, key: str, value: Any) -> None: ...

    async def delete(self, group: str, key: str) -> None: ...

    async def get_group(self, group: str) -> dict[str, Any]: ...

    async def clear(self, group: str) -> None: ...

    async def aclose(self) -> None: ...


def to_json_value(value: Any) -> Any:
    """Plain JSON types for `value`, so every backend stores and returns the same thing."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return to_jsonable_python(value)


class MemoryState:
    """State in a dict; values are stored as JSON copies, like the other backends."""

    def __init__(self) -> None:
        self._groups: dict[str, dict[str, str]] = {}

    async def get(self, group: str, key: str) -> Any | None:
        raw = self._groups.get(group, {}).get(key)
        return None if raw is None else json.loads(raw)

    async def set(self, group: str, key: str, value: Any) -> None:
        self._groups.setdefault(group, {})[key] = json.dumps(to_json_value(value))

    async def delete(self, group: str, key: str) -> None:
        self._groups.get(group, {}).pop(key, None)

    async def get_group(self, group: str) -> dict[str, Any]:
        return {key: json.loads(raw) for key, raw in self._groups.get(group, {}).items()}

    async def clear(self, group: str) -> None:
        self._groups.pop(group, None)

    async def aclose(self) -> None:
        self._groups.clear()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS stepflow_state (
    grp TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (grp, key)
) WITHOUT ROWID
"""


class SqliteState:
    """State in a table of the project's SQLite database."""

    def __init__(self, path: Path | str) -> None:
        self._db = sqlite.Database(path, _SCHEMA)

    async def get(self, group: str, key: str) -> Any | None:
        async with self._db.read() as conn:
            async with conn.execute(
                "SELECT value FROM stepflow_state WHERE grp = ? AND key = ?", (group, key)
            ) as cursor:
                row = await cursor.fetchone()
            return None if row is None else json.loads(row[0])

    async def set(self, group: str, key: str, value: Any) -> None:
        raw = json.dumps(to_json_value(value))
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO stepflow_state (grp, key, value) VALUES (?, ?, ?)"
                " ON CONFLICT (grp, key) DO UPDATE SET value = excluded.value",
                (group, key, raw),
            )

    async def delete(self, group: str, key: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM stepflow_state WHERE grp = ? AND key = ?", (group, key))

    async def get_group(self, group: str) -> dict[str, Any]:
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT key, value FROM stepflow_state WHERE grp = ? ORDER BY key", (group,)
            ) as cursor,
        ):
            return {key: json.loads(raw) for key, raw in await cursor.fetchall()}

    async def clear(self, group: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM stepflow_state WHERE grp = ?", (group,))

    async def aclose(self) -> None:
        await self._db.aclose()
