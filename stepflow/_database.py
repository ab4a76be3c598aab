"""The project's database: one small interface over SQLite and PostgreSQL.

Every store that lives in the database (state, dead letters, leases, traces, and a
flow's own tables) is written once against `Database`, in SQL both dialects accept:
`$1`-style parameters, `INSERT … ON CONFLICT … DO UPDATE`, `RETURNING`. Where they
differ (column types in DDL, row locks), a store asks `database.dialect`.

Schemas are versioned per component in `stepflow_schema`: `ensure(component,
migrations)` applies the migrations a database lacks, once per process, and refuses a
database whose version is newer than this release knows."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from ._errors import ConfigError

Dialect = Literal["sqlite", "postgresql"]
MAX_ROW = 2**63 - 1
"""The largest integer either database holds (both are 64-bit, signed): an offset or
row id past it fails in the driver, so callers check first."""
Migration = str | Mapping[Dialect, str]
"""One schema step: a SQL script for both dialects, or one per dialect."""

SCHEMA_TABLE = "stepflow_schema"
_STATEMENT_END = re.compile(r";\s*(?:\n|$)")


class Row(Protocol):
    """A result row: items by position or by column name."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __len__(self) -> int: ...


class Connection(Protocol):
    """Statements on one connection (inside `Database.transaction()`).

    Inside a transaction a failed `execute` or `executemany` may raise at a later
    statement of the same transaction or as the block ends (SQLite sends writes with
    what comes next); either way the transaction rolls back and the error leaves the
    block. Do not catch a write's error inside the transaction to carry on."""

    async def execute(self, sql: str, *args: Any) -> None: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...

    async def fetchval(self, sql: str, *args: Any) -> Any: ...


class Database(Connection, Protocol):
    """The project's database. Outside `transaction()`, each statement commits alone.

    Failures of the database itself (unreachable, locked for too long, read-only, disk
    full) raise `Unavailable`; mistakes in the SQL raise the driver's own error."""

    dialect: Dialect
    url: str
    """Where the database is, without a password: for messages."""

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """A transaction that commits when the block ends, or rolls back if it raises."""
        ...

    async def ensure(self, component: str, migrations: Sequence[Migration]) -> None:
        """Bring `component`'s tables to `len(migrations)`; once per process."""
        ...

    async def aclose(self) -> None: ...


def statements(script: str) -> list[str]:
    """The statements of a migration script (our own DDL: no `;` inside literals)."""
    return [part.strip() for part in _STATEMENT_END.split(script) if part.strip()]


def script_for(migration: Migration, dialect: Dialect) -> str:
    return migration if isinstance(migration, str) else migration[dialect]


async def apply_migrations(
    tx: Connection,
    dialect: Dialect,
    url: str,
    component: str,
    migrations: Sequence[Migration],
) -> None:
    """Inside a transaction that serialises migrators: read the version, refuse a newer
    one, apply what is missing, record the new version."""
    await tx.execute(
        f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} ("
        " component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    current = await tx.fetchval(
        f"SELECT version FROM {SCHEMA_TABLE} WHERE component = $1", component
    )
    version = int(current or 0)
    if version > len(migrations):
        raise ConfigError(
            f"the database {url} holds {component!r} tables at schema version {version}, "
            f"newer than this release knows ({len(migrations)}); upgrade, or use another "
            "database"
        )
    for migration in migrations[version:]:
        for statement in statements(script_for(migration, dialect)):
            await tx.execute(statement)
    if version < len(migrations):
        await tx.execute(
            f"INSERT INTO {SCHEMA_TABLE} (component, version) VALUES ($1, $2)"
            " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            component,
            len(migrations),
        )


def redacted(url: str) -> str:
    """`url` without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
