"""Where a project's running server listens, for the CLI's commands that talk to it.

`stepflow dev` and `stepflow start` write `.stepflow/server.json` in the project (the
URL and their process id) while they serve HTTP, and remove it when they stop, so that
`stepflow emit` and `stepflow dlq replay` find a server started with `--port 3711` as
well as one on the configured port. A file left by a process that is gone (killed with
SIGKILL, say) is ignored. Writing it is best effort: a read-only project still serves."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

_FILE = Path(".stepflow") / "server.json"


def server_url(host: str, port: int) -> str:
    """The URL a client on this machine reaches a server bound to `host:port` by (an
    address of every interface is reached on loopback)."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def announce(root: Path, url: str) -> None:
    path = root / _FILE
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
        partial.replace(path)  # whole or not at all, for a reader


def withdraw(root: Path) -> None:
    """Remove this process's announcement (not a later server's)."""
    path = root / _FILE
    if _read(path).get("pid") == os.getpid():
        with contextlib.suppress(OSError):
            path.unlink()


def announced(root: Path) -> str | None:
    """The URL of the project's running server, if one says where it is."""
    found = _read(root / _FILE)
    url, pid = found.get("url"), found.get("pid")
    if not isinstance(url, str) or not isinstance(pid, int) or not _alive(pid):
        return None
    return url


def _read(path: Path) -> dict[str, object]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    except OSError:
        return False
    return True
