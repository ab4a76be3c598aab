"""One LLM answer per concept (`llm_dedupe`): what the LLM decides, what the data decides.

The source is mostly the same concepts reported by many countries. With `llm_dedupe` on
(the default) an LLM provider asks about the concept, never about one country's
indicator, so that every country, batch and process shares one answer; what differs by
country is read from the indicator's own data, deterministically, and merged after.

The concept (`concept_of`) holds:

- `name`: the indicator's name, as given;
- `units`: `unit_type`, `scale` and `is_currency` from `normalize_units` (never which
  currency), the normalizer's `confidence`, and the `wording`: the unit string with the
  scale words left out (the scale is given) and every currency written `CUR` (so "EUR
  Million", "JPY Million" and "National currency, millions" all read `CUR`, while "% of
  GDP", "BBL/D" or "CUR per hour" keep what the unit type alone does not say);
- `reporting_frequency`: the canonical frequency (see `reporting_frequency`);
- `category_group` and `topic`, when given;
- `description`, only when the name does not say what it measures (the rules provider
  finds no reading for the name and units: an acronym like "GFCF", a bare "Diesel
  Prices"), with the country written `[country]`, the source `[source]`, every currency
  code `CUR`, a closing "Source: ..." sentence and an opening title sentence ("Gross
  Fixed Capital Formation for [country].") left out. A name that says what it measures
  needs no description, and a description is free text: sources append their name,
  some rows have none, real ones quote the country's latest figures. Keying on it would
  make every way of writing (or omitting) that sentence a concept of its own.

`concept_key` hashes the canonical JSON of the provider, the model, the prompt version
(`prompt.CONCEPT_PROMPT_VERSION`) and the concept: the response cache and the single
flight (`providers.http`) use it, so identical concepts share one answer.

Where each field of the final classification comes from (`merge`):

=====================  ========  ==========================================================
field                  from      how
=====================  ========  ==========================================================
family                 LLM       the concept's answer (but see indicator_type)
indicator_type         LLM       the concept's answer; a physical stock whose samples take
                                 both signs is the change of that stock: a flow, period
                                 total (data: a quantity held is never negative)
temporal_aggregation   LLM       the concept's answer; period-cumulative when the pattern
                                 is year to date (data)
heat_map_orientation   LLM       the concept's answer
confidence             LLM       the concept's answer
reasoning              LLM       the concept's answer, and a note of what the data changed
reporting_frequency    data      the periodicity, else the spacing of the sample dates
                                 (`rules.detect_frequency`); point-in-time with fewer than
                                 two samples, annual when the dates say nothing
cumulative_pattern     data      `rules.detect_cumulative_pattern` on the samples, the
                                 name and the description; a stock (the merged type)
                                 that only grows and names a debt is a running total
time_basis             data      follows from temporal_aggregation and cumulative_pattern
                                 (`rules._time_basis`): cumulative for ytd and running
                                 totals, point-in-time for point-in-time and
                                 not-applicable aggregations, per-period otherwise
provider, model        provider  the provider's name, the model its reply names
currency (units)       data      `normalize_units` of the indicator's own unit string
=====================  ========  ==========================================================

Why the data decides the time basis: it is not a judgement but a function of the
aggregation and the cumulative pattern (the catalog's convention, the rules provider's
`_time_basis`), and the pattern is per country: one concept is a year-to-date series in
one country and a monthly flow in another. An answer shared by both could not be right
for both; derived after the merge, it always agrees with the fields it follows from.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any, Final

from steps.classify import units as _normalizer
from steps.classify.models import (
    Classification,
    ConceptClassification,
    IndicatorInput,
    NormalizedUnits,
    ReportingFrequency,
)
from steps.classify.providers.cache import canonical_json
from steps.classify.providers.prompt import CONCEPT_PROMPT_VERSION
from steps.classify.rules import (
    _normalise_frequency,
    _read_name,
    _takes_both_signs,
    _time_basis,
    detect_cumulative_pattern,
    detect_frequency,
)

__all__ = [
    "CURRENCY_MARK",
    "concept_key",
    "concept_of",
    "masked_description",
    "merge",
    "reporting_frequency",
    "unit_wording",
]

CURRENCY_MARK: Final = "CUR"
"""How a currency reads in a concept: three letters, so a pair reads "CUR/CUR"."""
COUNTRY_MARK: Final = "[country]"
SOURCE_MARK: Final = "[source]"
_MAX_REASONING = 4_000  # Classification.reasoning's limit

_SMALL_WORDS = frozenset(
    {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "per", "the", "to", "vs"}
)
_TITLE = re.compile(
    rf"^(?P<title>[^.!?]{{1,150}}?)\s+(?:for|in|of)\s+{re.escape(COUNTRY_MARK)}\.\s+(?=\S)"
)
_SOURCE_LINE = re.compile(r"(?:^|(?<=[.!?]))\s*Sources?:.*$", re.DOTALL)


# --------------------------------------------------------------------------- the concept


def reporting_frequency(indicator: IndicatorInput) -> ReportingFrequency:
    """The canonical reporting frequency: the periodicity's, else the spacing of the
    sample dates; point-in-time with fewer than two samples, annual when the dates say
    nothing (as the rules provider reads it)."""
    samples = indicator.sample_values
    frequency = _normalise_frequency(indicator.periodicity)
    if frequency is None and samples:
        frequency = detect_frequency(samples)
    if frequency is None:
        frequency = "point-in-time" if not samples or len(samples) < 2 else "annual"
    return frequency


def unit_wording(text: str | None, units: NormalizedUnits) -> str:
    """The unit string as a concept reads it: lower case, the scale words left out (the
    scale is given), every currency (a code, a name, a symbol, "national currency") as
    `CUR`, percentages as "%", index words and base years ("2015=100") as "index".

    It reads the string with the normalizer's own token table, so the two never disagree
    about what a scale word or a currency is."""
    return _wording(text, units.currency) if text else ""


@lru_cache(maxsize=8192)
def _wording(text: str, currency: str | None) -> str:
    lowered = text.translate(_normalizer._ASCII_LOWER)
    words: list[str] = []
    after_scale = False
    for match in _normalizer._TOKENS.finditer(lowered):
        kind = match.lastgroup or "other"
        token = match.group(0)
        if kind == "scale":
            after_scale = True
            continue
        if after_scale and token == "of":  # "Thousands of Tonnes"
            after_scale = False
            continue
        after_scale = False
        if kind == "other":
            original = text[match.start() : match.end()]
            if _is_currency_code(original, currency):
                word = CURRENCY_MARK
            elif token.isdigit():
                continue  # a base year or a stray number
            else:
                word = token
        elif kind == "percentage":
            word = "%"
        elif kind == "index":
            word = "index"
        elif kind.startswith("currency") or kind == "symbol":
            word = CURRENCY_MARK
        else:
            word = " ".join(token.split())
        if not words or words[-1] != word:
            words.append(word)
    while words and words[-1] in ("/", "per"):
        words.pop()
    return " ".join(words)


def _is_currency_code(word: str, currency: str | None) -> bool:
    if word not in _normalizer._ISO_4217:
        return False
    # "ALL ITEMS", "TOP SHARE": a code that is an English word counts only when the
    # normalizer read it as the currency.
    return word not in _normalizer._WORDLIKE_CODES or currency == word


def masked_description(indicator: IndicatorInput, units: NormalizedUnits) -> str | None:
    """The description without what is the country's: its source and its name written
    `[source]` and `[country]`, its currency codes `CUR`; a closing "Source: ..." sentence
    and an opening title sentence ("GDP for [country].") left out."""
    text = indicator.description
    if not text:
        return None
    for value, mark in ((indicator.source_name, SOURCE_MARK), (indicator.country, COUNTRY_MARK)):
        if value and len(value.strip()) >= 2:
            text = re.sub(rf"(?<!\w){re.escape(value.strip())}(?!\w)", mark, text)
    codes = {code for code in (indicator.currency_code, units.currency) if code}
    for code in sorted(codes):
        text = re.sub(rf"(?<![A-Za-z]){re.escape(code)}(?![A-Za-z])", CURRENCY_MARK, text)
    text = _SOURCE_LINE.sub("", text)
    title = _TITLE.match(text)
    if title is not None and _is_title(title.group("title")):
        text = text[title.end() :]
    text = " ".join(text.split())
    return text or None


def _is_title(text: str) -> bool:
    """Words that read as a heading: each capitalised, a number, a symbol or a small
    word ("Household Debt to GDP")."""
    return all(
        word[0].isupper() or not word[0].isalpha() or word.lower() in _SMALL_WORDS
        for word in text.split()
    )


def _name_says_what_it_is(name: str, wording: str, units: NormalizedUnits) -> bool:
    """Whether the name and units alone have a reading (the rules provider's table of
    names finds one): then a description only repeats them."""
    return _read_name(name, wording, units.unit_type) is not None


def concept_of(indicator: IndicatorInput, units: NormalizedUnits) -> dict[str, Any]:
    """The concept an indicator reports, as JSON: nothing in it is the country's."""
    wording = unit_wording(indicator.units, units)
    concept: dict[str, Any] = {
        "name": indicator.name,
        "units": {
            "unit_type": units.unit_type,
            "scale": units.scale,
            "is_currency": units.is_currency,
            "confidence": units.confidence,
            "wording": wording,
        },
        "reporting_frequency": reporting_frequency(indicator),
    }
    if indicator.category_group:
        concept["category_group"] = indicator.category_group
    if indicator.topic:
        concept["topic"] = indicator.topic
    if not _name_says_what_it_is(indicator.name, wording, units):
        description = masked_description(indicator, units)
        if description is not None:
            concept["description"] = description
    return concept


def concept_key(provider: str, model: str, concept: dict[str, Any]) -> str:
    """The cache and single-flight key of a concept: sha256 of the canonical JSON of the
    provider, the model, the prompt version and the concept."""
    text = canonical_json(
        {
            "provider": provider,
            "model": model,
            "prompt_version": CONCEPT_PROMPT_VERSION,
            "concept": concept,
        }
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- the merge


def merge(
    answer: ConceptClassification,
    indicator: IndicatorInput,
    units: NormalizedUnits,
    *,
    provider: str,
    model: str,
) -> Classification:
    """The indicator's classification: the concept's answer, and what its data decides
    (see the table in the module docstring)."""
    samples = indicator.sample_values
    family = answer.family
    indicator_type = answer.indicator_type
    aggregation = answer.temporal_aggregation
    notes: list[str] = []
    if (
        indicator_type == "stock"
        and units.unit_type == "physical"
        and samples
        and _takes_both_signs(samples)
    ):
        family, indicator_type, aggregation = "physical-fundamental", "flow", "period-total"
        notes.append("the values change sign: the change of the stock, a flow")
    pattern = detect_cumulative_pattern(
        samples,
        text=indicator.name,
        stock_like=indicator_type == "stock",
        description=indicator.description or "",
    )
    if pattern == "ytd" and aggregation != "period-cumulative":
        aggregation = "period-cumulative"
        notes.append("year to date: period-cumulative")
    reasoning = answer.reasoning
    if notes:
        reasoning = f"{reasoning} [from the data: {'; '.join(notes)}]".strip()
        if len(reasoning) > _MAX_REASONING:
            reasoning = reasoning[: _MAX_REASONING - 3] + "..."
    return Classification(
        family=family,
        indicator_type=indicator_type,
        temporal_aggregation=aggregation,
        heat_map_orientation=answer.heat_map_orientation,
        time_basis=_time_basis(aggregation, pattern),
        reporting_frequency=reporting_frequency(indicator),
        cumulative_pattern=pattern,
        confidence=answer.confidence,
        reasoning=reasoning,
        provider=provider,
        model=model,
    )
