"""Structured logging: every record from a handler carries its step, topic and trace id."""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from typing import Any

ROOT = "stepflow"
FIELDS = ("step", "topic", "trace_id", "event_id", "attempt")
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class StepLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger adapter that merges its context into each record's `extra`."""

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        extra = kwargs.get("extra")
        if extra:
            # A field named like a LogRecord attribute ("name", "msg") would make logging
            # raise; keep it, suffixed.
            safe = {(f"{k}_" if k in _STANDARD else k): v for k, v in extra.items()}
            kwargs["extra"] = {**(self.extra or {}), **safe}
        else:
            kwargs["extra"] = self.extra
        return msg, kwargs


def step_logger(step: str, trace_id: str, **fields: Any) -> StepLogger:
    return StepLogger(
        logging.getLogger(f"{ROOT}.step.{step}"),
        {"step": step, "trace_id": trace_id, **fields},
    )


def extras(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields of a record: the context fields first, then the rest."""
    return {
        k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")
    }


class KeyValueFormatter(logging.Formatter):
    """`time level logger message key=value …`, readable and grep-able."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(f"{k}={_value(v)}" for k, v in extras(record).items())
        return f"{line} {fields}" if fields else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": record.created,
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **extras(record),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure(level: str = "INFO", *, json_lines: bool = False, rich: bool = False) -> None:
    """Send stepflow's records to stderr, once; the CLI uses rich, servers may use JSON."""
    root = logging.getLogger(ROOT)
    root.setLevel(level)
    for old in list(root.handlers):
        if getattr(old, "_stepflow", False):
            root.removeHandler(old)
    handler: logging.Handler
    if rich:
        from rich.logging import RichHandler

        handler = RichHandler(show_path=False, rich_tracebacks=False, markup=False)
        handler.setFormatter(_RichFieldsFormatter())
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter() if json_lines else KeyValueFormatter())
    # On the handler too: a runtime that records INFO for its traces lowers the logger's
    # level, and that must not print what the user asked not to see.
    handler.setLevel(level)
    setattr(handler, "_stepflow", True)  # noqa: B010 - marks our handler for reconfiguring
    root.addHandler(handler)
    root.propagate = False


class _RichFieldsFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={_value(v)}" for k, v in extras(record).items())
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        return f"[{record.name.removeprefix(ROOT + '.')}] {message} {fields}".rstrip()


def _value(value: Any) -> str:
    text = str(value)
    return json.dumps(text) if (" " in text or not text) else text
