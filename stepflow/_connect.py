"""Opening the project's database: SQLite for a path, PostgreSQL for a URL."""

from __future__ import annotations

from os import PathLike, fspath

from ._database import Database


def open_database(url: str | PathLike[str], *, pool_size: int = 10) -> Database:
    """A `Database` for a SQLite path (or `:memory:`) or a `postgresql://` URL.

    Nothing is connected until the first statement (nor is a driver imported that is
    not needed)."""
    url = fspath(url)
    if url.startswith(("postgresql://", "postgres://")):
        from ._postgres import PostgresDatabase

        return PostgresDatabase(url, pool_size=pool_size)
    from ._sqlite import SqliteDatabase

    return SqliteDatabase(url)
