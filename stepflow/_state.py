"""State: JSON values by group and key, shared by every step of a project."""

from __future__ import annotations

import json
from typing import Any, Protocol

from ._database import Database, Migration
from ._events import to_json_value


class StateStore(Protocol):
    async def get(self, group: str, key: str) -> Any | None: ...

    async def set(self, group: str, key: str, value: Any) -> None: ...

    async def delete(self, group: str, key: str) -> None: ...

    async def get_group(self, group: str) -> dict[str, Any]: ...

    async def groups(self) -> dict[str, int]:
        """Every group with its number of keys (for the Workbench)."""
        ...

    async def clear(self, group: str) -> None: ...

    async def aclose(self) -> None: ...


def encode(value: Any) -> str:
    """The stored form of a state value; `TypeError` for what JSON cannot hold."""
    return json.dumps(to_json_value(value))


class MemoryState:
    """State in a dict; values are stored as JSON copies, like the other backends."""

    def __init__(self) -> None:
        self._groups: dict[str, dict[str, str]] = {}

    async def get(self, group: str, key: str) -> Any | None:
        raw = self._groups.get(group, {}).get(key)
        return None if raw is None else json.loads(raw)

    async def set(self, group: str, key: str, value: Any) -> None:
        self._groups.setdefault(group, {})[key] = encode(value)

    async def delete(self, group: str, key: str) -> None:
        self._groups.get(group, {}).pop(key, None)

    async def get_group(self, group: str) -> dict[str, Any]:
        values = self._groups.get(group, {})
        return {key: json.loads(values[key]) for key in sorted(values)}

    async def groups(self) -> dict[str, int]:
        return {name: len(keys) for name, keys in sorted(self._groups.items()) if keys}

    async def clear(self, group: str) -> None:
        self._groups.pop(group, None)

    async def aclose(self) -> None:
        self._groups.clear()


MIGRATIONS: list[Migration] = [
    {
        "sqlite": "CREATE TABLE IF NOT EXISTS stepflow_state ("
        " grp TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
        " PRIMARY KEY (grp, key)) WITHOUT ROWID",
        "postgresql": "CREATE TABLE IF NOT EXISTS stepflow_state ("
        " grp TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
        " PRIMARY KEY (grp, key))",
    },
]


class DatabaseState:
    """State in a table of the project's database (SQLite or PostgreSQL)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def _db(self) -> Database:
        await self.database.ensure("state", MIGRATIONS)
        return self.database

    async def get(self, group: str, key: str) -> Any | None:
        db = await self._db()
        raw = await db.fetchval(
            "SELECT value FROM stepflow_state WHERE grp = $1 AND key = $2", group, key
        )
        return None if raw is None else json.loads(raw)

    async def set(self, group: str, key: str, value: Any) -> None:
        raw = encode(value)
        db = await self._db()
        await db.execute(
            "INSERT INTO stepflow_state (grp, key, value) VALUES ($1, $2, $3)"
            " ON CONFLICT (grp, key) DO UPDATE SET value = excluded.value",
            group,
            key,
            raw,
        )

    async def delete(self, group: str, key: str) -> None:
        db = await self._db()
        await db.execute("DELETE FROM stepflow_state WHERE grp = $1 AND key = $2", group, key)

    async def get_group(self, group: str) -> dict[str, Any]:
        db = await self._db()
        rows = await db.fetch("SELECT key, value FROM stepflow_state WHERE grp = $1", group)
        # Sorted here: the databases' collations order text differently.
        return {key: json.loads(raw) for key, raw in sorted((row[0], row[1]) for row in rows)}

    async def groups(self) -> dict[str, int]:
        db = await self._db()
        rows = await db.fetch("SELECT grp, COUNT(*) FROM stepflow_state GROUP BY grp")
        return dict(sorted((row[0], int(row[1])) for row in rows))

    async def clear(self, group: str) -> None:
        db = await self._db()
        await db.execute("DELETE FROM stepflow_state WHERE grp = $1", group)

    async def aclose(self) -> None:
        return None  # the runtime closes the database
