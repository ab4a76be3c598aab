"""What every LLM provider asks: the system prompt, the user message, the schema."""

from __future__ import annotations

import json
from typing import Any, get_args

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


def classification_schema() -> dict[str, Any]:
    """The JSON schema of the fields an LLM fills (strict-mode compatible)."""
    properties: dict[str, Any] = {}
    for field in LLM_FIELDS:
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
        "required": list(LLM_FIELDS),
        "additionalProperties": False,
    }


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


def user_prompt(indicator: IndicatorInput, units: NormalizedUnits) -> str:
    """The user message: an instruction and a fenced JSON block with the data."""
    data = {
        "indicator": indicator.model_dump(mode="json", exclude_none=True),
        "units": units.model_dump(mode="json"),
    }
    block = json.dumps(data, ensure_ascii=False, indent=2)
    return f"Classify this indicator.\n\n```json\n{block}\n```"
