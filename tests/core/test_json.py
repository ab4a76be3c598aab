"""Span inputs as JSON text: the text pydantic writes, whichever encoder writes it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Annotated, Any

import pydantic.dataclasses
import pytest
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    RootModel,
    computed_field,
    field_serializer,
    model_serializer,
)
from pydantic_core import to_json
from typing_extensions import TypedDict

from stepflow._json import _is_plain, display_json


class Colour(enum.Enum):
    RED = "red"


class Sample(TypedDict):
    date: str
    value: float


class Inner(BaseModel):
    when: dt.datetime
    tags: list[str] = []


class Plain(BaseModel):
    name: str
    count: int
    ratio: float | None
    colour: Colour
    id: uuid.UUID
    samples: list[Sample]
    inner: Inner
    extra: dict[str, Any] = {}


class WithFieldSerializer(BaseModel):
    value: float

    @field_serializer("value")
    def rounded(self, value: float) -> int:
        return round(value)


class WithModelSerializer(BaseModel):
    value: int

    @model_serializer
    def whole(self) -> str:
        return f"value={self.value}"


class WithAnnotatedSerializer(BaseModel):
    value: Annotated[float, PlainSerializer(lambda v: f"{v:.1f}")]


class WithComputedField(BaseModel):
    value: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def double(self) -> int:
        return self.value * 2


class WithExcludedField(BaseModel):
    value: int
    secret: str = Field(exclude=True)


class WithExtraFields(BaseModel):
    model_config = ConfigDict(extra="allow")
    value: int


class WithAlias(BaseModel):
    my_field: int = Field(alias="myField")


class Root(RootModel[list[int]]):
    pass


class HoldsNotPlain(BaseModel):
    inner: WithFieldSerializer


@pydantic.dataclasses.dataclass
class PydanticDataclass:
    value: float

    @field_serializer("value")
    def rounded(self, value: float) -> int:
        return round(value)


@dataclasses.dataclass
class StdDataclass:
    value: float
    when: dt.date


def _plain_sample() -> Plain:
    return Plain(
        name="Mortgage Lending Rate é",
        count=3,
        ratio=1e-7,
        colour=Colour.RED,
        id=uuid.UUID(int=7),
        samples=[{"date": "2022-02-28", "value": 6.334}, {"date": "2022-03-31", "value": -0.0}],
        inner=Inner(when=dt.datetime(2020, 1, 2, 3, 4, 5, 120, tzinfo=dt.UTC), tags=["a"]),
        extra={"1": [1, 2.5, None, True]},
    )


def test_a_plain_model_is_written_as_pydantic_writes_it() -> None:
    model = _plain_sample()
    assert _is_plain(Plain)
    assert display_json(model) == to_json(model).decode()


@pytest.mark.parametrize(
    "model",
    [
        WithFieldSerializer(value=2.6),
        WithModelSerializer(value=2),
        WithAnnotatedSerializer(value=2.25),
        WithComputedField(value=2),
        WithExcludedField(value=2, secret="s"),
        WithExtraFields(value=2, other="kept"),
        WithAlias(myField=2),
        Root([1, 2]),
        HoldsNotPlain(inner=WithFieldSerializer(value=2.6)),
    ],
    ids=lambda model: type(model).__name__,
)
def test_a_model_pydantic_writes_otherwise_is_left_to_pydantic(model: BaseModel) -> None:
    assert display_json(model) == to_json(model).decode()


@pytest.mark.parametrize(
    "model_type",
    [
        WithFieldSerializer,
        WithModelSerializer,
        WithAnnotatedSerializer,
        WithComputedField,
        WithExcludedField,
        WithExtraFields,
        WithAlias,
        Root,
        HoldsNotPlain,
    ],
)
def test_a_schema_that_changes_the_output_is_not_plain(model_type: type[BaseModel]) -> None:
    assert not _is_plain(model_type)


@pytest.mark.parametrize(
    "value",
    [
        {"big": 2**70},
        {"amount": Decimal("1.10")},
        {"raw": b"bytes"},
        {"when": dt.timedelta(seconds=90)},
        {"set": {1}},
    ],
    ids=["int past 64 bits", "decimal", "bytes", "timedelta", "set"],
)
def test_data_orjson_refuses_is_written_by_pydantic(value: dict[str, Any]) -> None:
    assert display_json(value) == to_json(value).decode()


@pytest.mark.parametrize(
    "value",
    [PydanticDataclass(value=2.6), {"item": StdDataclass(value=1.5, when=dt.date(2020, 1, 2))}],
    ids=["pydantic dataclass", "dataclass"],
)
def test_a_dataclass_is_written_by_pydantic(value: Any) -> None:
    assert display_json(value) == to_json(value).decode()


def test_what_json_cannot_hold_is_written_as_its_repr() -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "<opaque>"

    assert display_json({"x": Opaque()}) == '{"x":"<opaque>"}'
