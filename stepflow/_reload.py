"""`stepflow dev`'s reloading parent: it serves nothing itself, it runs the server as a
child process and starts a new one when a step file or pyproject.toml changes.

The child runs in a session of its own, so a Ctrl-C in the terminal reaches only the
parent, which passes one SIGINT on: the child drains its in-flight work (up to
`shutdown_timeout`) and exits. A second Ctrl-C, or a child still running a while after
its deadline, is stopped with SIGKILL. The child's stdin is a pipe from the parent: if
the parent is killed (SIGKILL tells no one), the pipe's end stops the child as SIGINT
would."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import watchfiles

Announce = Callable[[str], None]


def watched_paths(steps_dir: Path, root: Path) -> list[Path]:
    """What a change of restarts the server: the steps folder, and pyproject.toml if
    the project has one (a project without it is valid)."""
    paths = [steps_dir]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        paths.append(pyproject)
    return paths


def _python_or_pyproject(change: Any, path: str) -> bool:
    return path.endswith((".py", "pyproject.toml"))


class Reloader:
    def __init__(
        self,
        command: Sequence[str],
        paths: Sequence[Path],
        *,
        cwd: Path,
        stop_timeout: float,
        say: Announce,
    ) -> None:
        self.command = list(command)
        self.paths = list(paths)
        self.cwd = cwd
        self.stop_timeout = stop_timeout
        self.say = say
        self.child: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._signals = 0
        self._told = False
        self._files: dict[Path, tuple[int, int, int] | None] = {}
        """Watched files as they were when this server was decided on (see `_replaced`)."""

    def run(self) -> int:
        """Serve until SIGINT or SIGTERM; the exit status to end with."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            self._remember()
            self._spawn()
            for changes in watchfiles.watch(
                *self.paths,
                watch_filter=_python_or_pyproject,
                stop_event=self._stop,
                yield_on_timeout=True,
                rust_timeout=500,
                raise_interrupt=False,
            ):
                if self._stop.is_set():
                    break
                names = sorted({Path(path).name for _, path in changes} | self._replaced())
                if names:
                    self.say(f"reloading after changes to {', '.join(names)}")
                    self._remember()  # what changes from now on is the next reload's
                    self._stop_child()
                    self._spawn()
                elif self.child is not None and self.child.poll() is not None and not self._told:
                    # It could not start (a step with an error, say): the child said why.
                    self.say("waiting for changes…")
                    self._told = True
        finally:
            self._stop_child()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals += 1
        self._stop.set()
        child = self.child
        if child is None or child.poll() is not None:
            return
        if self._signals == 1:
            child.send_signal(signal.SIGINT)  # drain, once
        else:
            child.kill()

    def _replaced(self) -> set[str]:
        """Watched files that are not the files they were: an editor that saves by
        writing a new file and renaming it over the old (vim, sed -i) leaves the watch on
        the old one, which hears nothing more; this looks (at least twice a second)."""
        return {path.name for path, seen in self._files.items() if _identity(path) != seen}

    def _remember(self) -> None:
        self._files = {path: _identity(path) for path in self.paths if path.is_file()}

    def _spawn(self) -> None:
        self._told = False
        self.child = subprocess.Popen(
            self.command, cwd=self.cwd, start_new_session=True, stdin=subprocess.PIPE
        )

    def _stop_child(self) -> None:
        child = self.child
        if child is None:
            return
        if child.poll() is None:
            if self._signals == 0:
                child.send_signal(signal.SIGINT)
            try:
                child.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.say("the server did not stop in time; killing it")
                child.kill()
                child.wait()
        if child.stdin is not None:
            child.stdin.close()


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


def child_command(args: Sequence[str]) -> list[str]:
    """This same `stepflow` as a child process."""
    return [sys.executable, "-m", "stepflow", *args]
