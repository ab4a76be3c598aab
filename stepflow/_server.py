"""uvicorn, set up the way stepflow serves: JSON for framing errors, deadlines for the
request head and body, forwarded headers only from trusted proxies, and signals handled
here.

Why a protocol subclass: uvicorn answers malformed HTTP (`Content-Length: -1`, say) with
a text/plain 400 before any ASGI app runs, and has no deadline for a request head or
body, so a client sending its headers a byte at a time, or a body shorter than its
Content-Length, holds a connection (and its handler, and a graceful shutdown) for ever.
All of it lives in the HTTP protocol object, so that is where it is mended; the rest is
uvicorn's."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import threading
from collections.abc import Iterator
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ._config import Settings


class StepflowH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with JSON framing errors, a deadline for the request head,
    and one for each pause in a request body."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0

    # uvicorn narrows asyncio.Protocol's BaseTransport to Transport, so its own override
    # (and so ours) is wider than mypy allows: the ignore is the one uvicorn needs too.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.conn.their_state is h11.IDLE and self.conn.our_state is h11.IDLE:
            if self.conn.trailing_data[0]:  # a request head was started, never finished
                self._send_json(408, "the request head did not arrive in time")
            else:
                self.transport.close()

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a complete request head arrived
            self._cancel_head_timer()
        self._cancel_body_timer()
        if self.conn.their_state is h11.SEND_BODY and not self.transport.is_closing():
            self._arm_body_timer()  # more of the body is due (again after each part)

    def _arm_body_timer(self) -> None:
        self._body_timer = self.loop.call_later(self.body_timeout, self._body_timed_out)

    def _cancel_body_timer(self) -> None:
        timer = getattr(self, "_body_timer", None)
        if timer is not None:
            timer.cancel()
            self._body_timer = None

    def _body_timed_out(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.SEND_BODY:
            return
        if self.flow.read_paused:  # the handler has not read what came: not the client's wait
            self._arm_body_timer()
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_started:
            # The handler waiting for the body hears the client is gone; what it answers
            # then is dropped (uvicorn sends nothing to a disconnected cycle).
            cycle.disconnected = True
            cycle.message_event.set()
            self._send_json(408, "the request body did not arrive in time")
        else:
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()  # the next request's head has the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        self._cancel_body_timer()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        self._send_json(400, f"malformed HTTP request: {msg.rstrip('.')}")

    def _send_json(self, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        with contextlib.suppress(h11.LocalProtocolError):
            if self.conn.our_state in {h11.IDLE, h11.SEND_RESPONSE}:
                self.transport.write(
                    self.conn.send(h11.Response(status_code=status, headers=headers))
                )
                self.transport.write(self.conn.send(h11.Data(data=body)))
                self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()


def protocol_class(settings: Settings) -> type[StepflowH11Protocol]:
    timeouts = {"header_timeout": settings.header_timeout, "body_timeout": settings.body_timeout}
    return type("Protocol", (StepflowH11Protocol,), timeouts)


def uvicorn_config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """The uvicorn config stepflow serves `app` with."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "http": protocol_class(settings),
        "log_level": "warning",
        "access_log": False,
        "lifespan": "on",
        "timeout_keep_alive": min(5.0, settings.header_timeout),
        "timeout_graceful_shutdown": max(1, int(settings.shutdown_timeout)),
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": settings.trusted_proxies or None,
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)


class Server(uvicorn.Server):
    """A uvicorn server whose signals are stepflow's: SIGINT or SIGTERM starts a
    graceful shutdown (drain), a second forces it. uvicorn would re-raise the signal
    once it has stopped, which ends a process with a traceback.

    When shutdown begins, the app's runtime hears of it first (`runtime.stopping`), so
    that long-lived responses (the Workbench's live stream) end instead of holding the
    shutdown for its whole grace period."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        runtime = getattr(getattr(self.config.app, "state", None), "runtime", None)
        if runtime is not None:
            runtime.stopping.set()
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.handle_exit, sig, None)
        try:
            yield
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


def bound_socket(host: str, port: int) -> socket.socket:
    """A listening-ready socket on `host:port` (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock
