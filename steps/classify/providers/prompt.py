"""What every LLM provider asks: the system prompt, the user message, the schema.

Two prompts: the concept prompt (`llm_dedupe`, the default) asks about a concept that
many countries report, and only for the fields that do not depend on the country; the
indicator prompt (`llm_dedupe = false`) asks about one country's indicator, samples
included, for every field."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, get_args

import pydantic_core

from steps.classify.models import (
    TYPES_BY_FAMILY,
    CumulativePattern,
    Family,
    HeatMapOrientation,
    IndicatorInput,
    IndicatorType,
    NormalizedUnits,
    ReportingFrequency,
    TemporalAggregation,
    TimeBasis,
)

TOOL_NAME = "record_classification"
SCHEMA_NAME = "classification"

_FIELD_MEANINGS: dict[str, str] = {
    "reasoning": "one or two sentences on why; written before the answer fields",
    "family": "the indicator family; see the taxonomy",
    "indicator_type": "the type; it must be one of the types of the chosen family",
    "temporal_aggregation": (
        "how a value relates to time: point-in-time (a level at a moment), "
        "period-rate (a rate over the period), period-cumulative (accumulated "
        "within the period or year), period-average, period-total (a sum over the "
        "period), not-applicable"
    ),
    "heat_map_orientation": (
        "whether a higher value is good news (higher-is-positive), bad news "
        "(lower-is-positive, e.g. unemployment, inflation) or neither (neutral)"
    ),
    "time_basis": "per-period, point-in-time or cumulative",
    "reporting_frequency": (
        "how often it is published: daily, weekly, monthly, quarterly, annual or point-in-time"
    ),
    "cumulative_pattern": (
        "from the sample values: periodic (each value stands alone), ytd (rises "
        "through the year and resets), running_total (keeps rising), unknown"
    ),
    "confidence": "your confidence in the classification, from 0 to 1",
}

_ENUMS: dict[str, tuple[str, ...]] = {
    "family": get_args(Family),
    "indicator_type": get_args(IndicatorType),
    "temporal_aggregation": get_args(TemporalAggregation),
    "heat_map_orientation": get_args(HeatMapOrientation),
    "time_basis": get_args(TimeBasis),
    "reporting_frequency": get_args(ReportingFrequency),
    "cumulative_pattern": get_args(CumulativePattern),
}

LLM_FIELDS: tuple[str, ...] = (
    "reasoning",
    "family",
    "indicator_type",
    "temporal_aggregation",
    "heat_map_orientation",
    "time_basis",
    "reporting_frequency",
    "cumulative_pattern",
    "confidence",
)


CONCEPT_FIELDS: tuple[str, ...] = (
    "reasoning",
    "family",
    "indicator_type",
    "temporal_aggregation",
    "heat_map_orientation",
    "confidence",
)
"""What the LLM decides about a concept; the rest of `LLM_FIELDS` (time basis, reporting
frequency, cumulative pattern) comes from each indicator's data."""


@dataclass(frozen=True)
class Prompt:
    """One question to an LLM: the system prompt, the first user message and the JSON
    schema of the answer."""

    system: str
    user: str
    schema: dict[str, Any]


def classification_schema(fields: tuple[str, ...] = LLM_FIELDS) -> dict[str, Any]:
    """The JSON schema of the fields an LLM fills (strict-mode compatible)."""
    properties: dict[str, Any] = {}
    for field in fields:
        if field == "reasoning":
            prop: dict[str, Any] = {"type": "string"}
        elif field == "confidence":
            prop = {"type": "number"}
        else:
            prop = {"type": "string", "enum": list(_ENUMS[field])}
        prop["description"] = _FIELD_MEANINGS[field]
        properties[field] = prop
    return {
        "type": "object",
        "properties": properties,
        "required": list(fields),
        "additionalProperties": False,
    }


def concept_schema() -> dict[str, Any]:
    """The JSON schema of a concept's answer: `CONCEPT_FIELDS` only."""
    return classification_schema(CONCEPT_FIELDS)


def _taxonomy() -> str:
    return "\n".join(f"- {family}: {', '.join(types)}" for family, types in TYPES_BY_FAMILY.items())


SYSTEM_PROMPT = f"""\
You classify economic indicators (from statistics offices, central banks and \
market data) for a heat-map dashboard. You get one indicator as JSON: its name, \
units, description, periodicity, sample values and source, plus the units as a \
normalizer read them (unit_type, scale, currency, multiplier).

Taxonomy: families and the indicator types each allows:
{_taxonomy()}

Pick the family first, then a type from that family only. Fields:
{chr(10).join(f"- {name}: {meaning}" for name, meaning in _FIELD_MEANINGS.items())}

Reply with a single JSON object holding exactly these fields and nothing else."""

CORRECTION_PROMPT = """\
Your reply was not valid: {error}
Reply again with only the corrected JSON object: every field, values from the \
allowed lists, and an indicator_type that belongs to the chosen family."""


_CONCEPT_MEANINGS = {name: _FIELD_MEANINGS[name] for name in CONCEPT_FIELDS}
_CONCEPT_MEANINGS["confidence"] = "your confidence in the classification of the concept, 0 to 1"

CONCEPT_SYSTEM_PROMPT = f"""\
You classify economic indicator concepts (from statistics offices, central banks and \
market data) for a heat-map dashboard. A concept is what many countries report under \
one name: answer for the concept, never for one country. You get one concept as JSON: \
its name; its units as a normalizer read them (unit_type, scale, whether it is a \
currency, how sure the normalizer is, and the unit wording with the scale left out and \
any currency written CUR); how often it is reported; its category and topic; and, when \
the name alone may not say what is measured, a description in which the country is \
written [country] and the source [source].

Each country's currency, reporting frequency and cumulative pattern (year to date, \
running total) are read from its own data, and the time basis follows from them: they \
are not asked.

Taxonomy: families and the indicator types each allows:
{_taxonomy()}

Pick the family first, then a type from that family only. Fields:
{chr(10).join(f"- {name}: {meaning}" for name, meaning in _CONCEPT_MEANINGS.items())}

Reply with a single JSON object holding exactly these fields and nothing else."""

_CONCEPT_INSTRUCTION = "Classify this indicator concept."


def _digest(*parts: object) -> str:
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


CONCEPT_PROMPT_VERSION = (
    "concept-" + _digest(CONCEPT_SYSTEM_PROMPT, concept_schema(), _CONCEPT_INSTRUCTION)[:12]
)
"""Part of every concept's cache key: a change to the system prompt, the schema or the
instruction is a new version, and nothing cached under the old one is reused."""


def concept_prompt(concept: dict[str, Any]) -> Prompt:
    """The question about a concept (see `steps.classify.providers.concept`): the same
    concept always gives the same text."""
    block = json.dumps({"concept": concept}, ensure_ascii=False, indent=2, sort_keys=True)
    return Prompt(
        system=CONCEPT_SYSTEM_PROMPT,
        user=f"{_CONCEPT_INSTRUCTION}\n\n```json\n{block}\n```",
        schema=concept_schema(),
    )


def indicator_prompt(indicator: IndicatorInput, units: NormalizedUnits) -> Prompt:
    """The question about one country's indicator, every field (`llm_dedupe = false`)."""
    return Prompt(
        system=SYSTEM_PROMPT, user=user_prompt(indicator, units), schema=classification_schema()
    )


def user_prompt(indicator: IndicatorInput, units: NormalizedUnits) -> str:
    """The user message: an instruction and a fenced JSON block with the data."""
    data = {
        "indicator": indicator.model_dump(mode="json", exclude_none=True),
        "units": units.model_dump(mode="json"),
    }
    # The same text as json.dumps(data, ensure_ascii=False, indent=2), ten times
    # faster: the standard library encodes indented JSON in Python, not C.
    block = pydantic_core.to_json(data, indent=2).decode()
    return f"Classify this indicator.\n\n```json\n{block}\n```"
