"""The vocabulary of the classify flow: inputs, normalized units and classifications."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator, with_config
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

UnitType = Literal[
    "percentage",
    "index",
    "rate",
    "price",
    "duration",
    "ratio",
    "physical",
    "currency-amount",
    "count",
    "unknown",
]
Scale = Literal[
    "raw-units",
    "hundreds",
    "thousands",
    "millions",
    "billions",
    "trillions",
    "percent",
    "index",
]
Family = Literal[
    "physical-fundamental",
    "numeric-measurement",
    "price-value",
    "change-movement",
    "composite-derived",
    "temporal",
    "qualitative",
]
IndicatorType = Literal[
    "stock",
    "flow",
    "balance",
    "capacity",
    "volume",
    "count",
    "percentage",
    "ratio",
    "spread",
    "share",
    "price",
    "yield",
    "rate",
    "volatility",
    "gap",
    "index",
    "correlation",
    "elasticity",
    "multiplier",
    "duration",
    "probability",
    "threshold",
    "sentiment",
    "allocation",
]
TemporalAggregation = Literal[
    "point-in-time",
    "period-rate",
    "period-cumulative",
    "period-average",
    "period-total",
    "not-applicable",
]
HeatMapOrientation = Literal["higher-is-positive", "lower-is-positive", "neutral"]
TimeBasis = Literal["per-period", "point-in-time", "cumulative"]
ReportingFrequency = Literal["daily", "weekly", "monthly", "quarterly", "annual", "point-in-time"]
CumulativePattern = Literal["periodic", "ytd", "running_total", "unknown"]
Status = Literal["pending", "classified", "failed"]
Obtained = Literal["llm_call", "cache_hit", "shared_call"]
"""How an LLM provider got an indicator's classification: its own LLM call, an answer
from the response cache, or the answer of a call another indicator had in flight (see
`steps.classify.providers.http`). The rules provider obtains nothing: None."""

# Short names for temporal aggregations, as the rule and catalog tables write them.
AGGREGATION_SHORTHAND: dict[str, TemporalAggregation] = {
    "pit": "point-in-time",
    "rate": "period-rate",
    "cum": "period-cumulative",
    "avg": "period-average",
    "total": "period-total",
    "na": "not-applicable",
}

TYPES_BY_FAMILY: dict[str, tuple[str, ...]] = {
    "physical-fundamental": ("stock", "flow", "balance", "capacity", "volume"),
    "numeric-measurement": ("count", "percentage", "ratio", "spread", "share"),
    "price-value": ("price", "yield"),
    "change-movement": ("rate", "volatility", "gap"),
    "composite-derived": ("index", "correlation", "elasticity", "multiplier"),
    "temporal": ("duration", "probability", "threshold"),
    "qualitative": ("sentiment", "allocation"),
}
FAMILY_OF_TYPE: dict[str, str] = {
    type_: family for family, types in TYPES_BY_FAMILY.items() for type_ in types
}
assert set(FAMILY_OF_TYPE) == set(get_args(IndicatorType))
assert set(TYPES_BY_FAMILY) == set(get_args(Family))

# Surrounding whitespace is stripped, so a name or id must hold something else: the
# patterns say so in the OpenAPI document too. What is stripped (Unicode White_Space) is
# spelled out, not `\s`: JSON Schema tools read patterns as ECMA-262, whose `\s` leaves
# out U+0085 and takes in U+FEFF, so the document and the server would disagree.
_BLANK = r"\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
WHITE_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
WHITE_SPACE += "\u2028\u2029\u202f\u205f\u3000"
"""The characters of `_BLANK`, to strip."""
_STRIPPED = AfterValidator(lambda text: text.strip(WHITE_SPACE))
"""Surrounding whitespace dropped once the text passed its checks as sent: the document's
`maxLength` counts what the client sends (pydantic's `str_strip_whitespace` would count
what is left, and take 201 characters of which one is a space)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]").search


def _an_id(text: str) -> bool:
    """The id pattern's test, in linear time: something once white space is stripped from
    both ends, and no control character in it."""
    core = text.strip(WHITE_SPACE)
    return bool(core) and _CONTROL(core) is None


Text10 = Annotated[str, Field(max_length=10), _STRIPPED]
Text50 = Annotated[str, Field(max_length=50), _STRIPPED]
Text200 = Annotated[str, Field(max_length=200), _STRIPPED]
ShortText = Annotated[str, Field(max_length=2_000), _STRIPPED]


def _pattern(pattern: str, says: str, holds: Callable[[str], object] | None = None) -> Any:
    """`pattern` in the JSON schema, checked with an error in words: pydantic's own
    quotes the pattern (the id's is 250 characters of escapes). The type stays
    pydantic's, `string_pattern_mismatch`; the check is a search, as pydantic's is, and
    a final `$` is the end of the text, as in ECMA-262 and Rust (Python's `$` also
    matches before a last newline). `holds`, when given, is the same test in Python:
    for a pattern that a backtracking search would take too long over."""
    found = holds or re.compile(re.sub(r"\$\Z", r"\\Z", pattern)).search

    def check(value: str) -> str:
        if not found(value):
            raise PydanticCustomError("string_pattern_mismatch", says)
        return value

    return [Field(json_schema_extra={"pattern": pattern}), AfterValidator(check)]


Name = Annotated[
    str,
    Field(min_length=1, max_length=500),
    *_pattern(f"[^{_BLANK}]", "Should hold more than white space"),
    _STRIPPED,
]


@with_config(ConfigDict(extra="forbid"))
class SampleValue(TypedDict):
    """One dated value. A TypedDict, not a model: a request holds thousands of these, and
    validating them into dicts is about twice as fast as building model instances."""

    date: Annotated[str, Field(min_length=1, max_length=40)]
    # NaN and ±Infinity are refused in pydantic-core, not by a Python validator per value;
    # strict: a boolean or a numeric string is not a number.
    value: Annotated[float, Field(strict=True, allow_inf_nan=False)]


class IndicatorInput(BaseModel):
    """One indicator as a client submits it."""

    model_config = ConfigDict(extra="forbid")

    indicator_id: Annotated[
        str,
        Field(min_length=1, max_length=200),
        *_pattern(
            # White space at either end (a tab, a newline: stripped) and none of the
            # other control characters anywhere.
            rf"^[{_BLANK}]*[^\x00-\x1f\x7f]*[^{_BLANK}\x00-\x1f\x7f][^\x00-\x1f\x7f]*[{_BLANK}]*$",
            "Should hold no control characters and more than white space",
            _an_id,
        ),
        _STRIPPED,
    ]
    name: Name
    units: Text200 | None = None
    description: ShortText | None = None
    periodicity: Text50 | None = None
    sample_values: Annotated[list[SampleValue], Field(max_length=500)] | None = None
    source_name: Text200 | None = None
    country: Text200 | None = None
    category_group: Text200 | None = None
    topic: Text200 | None = None
    dataset: Text200 | None = None
    currency_code: Text10 | None = None


class NormalizedUnits(BaseModel):
    """What `normalize_units` makes of a unit string."""

    unit_type: UnitType
    scale: Scale
    currency: str | None = None
    is_currency: bool = False
    multiplier: float = 1.0
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]


class Classification(BaseModel):
    """What a provider says an indicator is; a type outside its family is invalid."""

    model_config = ConfigDict(extra="forbid")

    family: Family
    indicator_type: IndicatorType
    temporal_aggregation: TemporalAggregation
    heat_map_orientation: HeatMapOrientation
    time_basis: TimeBasis
    reporting_frequency: ReportingFrequency
    cumulative_pattern: CumulativePattern
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    reasoning: Annotated[str, Field(max_length=4_000)] = ""
    provider: str = ""
    model: str = ""

    @model_validator(mode="after")
    def _type_belongs_to_family(self) -> Classification:
        _check_family(self.family, self.indicator_type)
        return self


def _check_family(family: Family, indicator_type: IndicatorType) -> None:
    if FAMILY_OF_TYPE[indicator_type] != family:
        raise ValueError(
            f"indicator_type {indicator_type!r} does not belong to family "
            f"{family!r} (allowed: {', '.join(TYPES_BY_FAMILY[family])})"
        )


class ConceptClassification(BaseModel):
    """What an LLM says about a concept (`llm_dedupe`): the fields that do not depend on
    the country. Reporting frequency, cumulative pattern and time basis come from each
    indicator's own data (see `steps.classify.providers.concept`)."""

    model_config = ConfigDict(extra="forbid")

    family: Family
    indicator_type: IndicatorType
    temporal_aggregation: TemporalAggregation
    heat_map_orientation: HeatMapOrientation
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    reasoning: Annotated[str, Field(max_length=4_000)] = ""

    @model_validator(mode="after")
    def _type_belongs_to_family(self) -> ConceptClassification:
        _check_family(self.family, self.indicator_type)
        return self


class NormalizedIndicator(BaseModel):
    """The event between normalize and classify."""

    indicator: IndicatorInput
    units: NormalizedUnits
    provider: str | None = None
    batch_id: str | None = None
    """The batch (trace id) that recorded the indicator pending."""


class ClassifiedIndicator(BaseModel):
    """The event between classify and persist: a classification or a failure."""

    indicator_id: str
    units: NormalizedUnits
    classification: Classification | None = None
    error: str | None = None
    attempts: int = 1
    batch_id: str | None = None
    """Only the row still belonging to this batch is updated: a stale result of an
    earlier submission never overwrites a re-submitted indicator."""
    obtained: Obtained | None = None
    """How the provider got the answer (None for the rules provider); recorded for a
    failure too: a call that failed was still made."""


# -- what the read endpoints answer -----------------------------------------------------


class Failure(BaseModel):
    indicator_id: str
    error: str | None


class BatchTimings(BaseModel):
    created_at: float
    last_finished_at: float | None
    elapsed_seconds: float


class LLMUsage(BaseModel):
    """What a batch cost in LLM calls (see `Obtained`)."""

    calls: int
    """Indicators whose classification took an LLM call of their own (a call that failed
    included; its HTTP retries and its one re-ask are part of the call)."""
    cache_hits: int
    """Indicators answered from the response cache."""
    shared: int
    """Indicators that waited on a call another indicator of the same concept had in
    flight."""


class BatchStatus(BaseModel):
    """A batch's progress: `complete` once nothing in it is pending."""

    trace_id: str
    provider: str
    total: int
    pending: int
    classified: int
    failed: int
    moved: int
    """Indicators re-submitted in a newer batch since, counted there."""
    complete: bool
    by_family: dict[str, int]
    by_type: dict[str, int]
    failures: list[Failure]
    """The first 100 failures, by indicator id."""
    timings: BatchTimings
    llm: LLMUsage


class IndicatorRecord(BaseModel):
    """One indicator's outcome (or its pending state)."""

    indicator_id: str
    trace_id: str
    name: str
    status: Status
    normalized_units: NormalizedUnits | None
    classification: Classification | None
    error: str | None
    attempts: int
    obtained: Obtained | None
    input: dict[str, object]
    updated_at: float


class StatusesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=200)]],
        Field(min_length=1, max_length=10_000),
    ]


class StatusesReply(BaseModel):
    statuses: dict[str, Status | None]
    """Each id's status; null for an id never submitted."""
