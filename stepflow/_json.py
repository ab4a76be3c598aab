"""JSON text of handler data for display (span inputs): orjson where it writes what
pydantic would, pydantic-core everywhere else.

orjson writes the classify flow's inputs (a kilobyte of nested dicts, lists and floats)
in a third of pydantic-core's time, and tracing writes one for every span. Its text is
pydantic's for the plain JSON types, dates and times (in UTC as `Z`), UUIDs and enums;
a model is handed to it as its field values only when nothing in the model's schema
changes how pydantic serializes it (no serializer, alias, computed field, excluded field,
extra fields or root model; see `_plain`). Anything orjson refuses goes to pydantic-core
whole. Two differences are kept, both fine for showing an input: a field holding a
subclass of its declared model shows all of the subclass's fields (pydantic writes the
declared ones), and NaN or infinity in plain data shows as null (pydantic writes NaN,
which is not JSON). Not for data that is read back: the bus keeps pydantic-core's text."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel
from pydantic_core import to_json

# Dataclasses go to `_default` (so to pydantic, which knows a pydantic dataclass's own
# serializers); datetimes in UTC end in Z, as pydantic writes them.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z | orjson.OPT_PASSTHROUGH_DATACLASS
_PLAIN: dict[type, bool] = {}


class _NotPlain(TypeError):
    """A value orjson cannot write as pydantic would (raised from `_default`)."""


def display_json(value: Any) -> str:
    """`value` (a pydantic model or JSON-like data) as compact JSON text, as pydantic
    writes it; what JSON cannot hold is written as its `repr`."""
    try:
        if isinstance(value, BaseModel) and _is_plain(type(value)):
            value = value.__dict__  # most inputs are one model: a callback fewer
        return orjson.dumps(value, default=_default, option=_OPTIONS).decode()
    except TypeError:  # _NotPlain, an int past 64 bits, a type orjson does not know
        return to_json(value, fallback=repr).decode()


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel) and _is_plain(type(value)):
        return value.__dict__
    raise _NotPlain


def _is_plain(model: type[BaseModel]) -> bool:
    found = _PLAIN.get(model)
    if found is None:
        found = _PLAIN[model] = _plain(model.__pydantic_core_schema__)
    return found


def _plain(schema: Any) -> bool:
    """Whether nothing in a core schema makes pydantic write a model other than as its
    field values in order: a serializer or an alias (`serialization*` keys), an excluded
    field, a computed field, a root model, extra fields, or a `ser_json_*` setting."""
    if isinstance(schema, list | tuple):
        return all(_plain(item) for item in schema)
    if not isinstance(schema, dict):
        return True
    for key, item in schema.items():
        if key.startswith(("serialization", "ser_json")):
            return False
        if key == "computed_fields" and item:
            return False
        if key == "root_model" and item:
            return False
        if key == "extra_fields_behavior" and item == "allow":
            return False
        if not _plain(item):
            return False
    return True
