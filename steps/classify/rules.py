"""The offline, deterministic rules provider.

`classify_indicator` reads an indicator the way an analyst would: the name first (with the
normalized units deciding between readings such as "Industrial Production" in percent,
a growth rate, and in index points, an index), the raw unit string for "% of GDP" or
"per day", the periodicity (or the spacing of the sample dates) for the reporting
frequency, and the sample values for the cumulative pattern (a year-to-date series
resets every January; a debt stock only ever grows).

Everything is table driven:

- `TYPE_RULES`: ordered; the first rule whose name pattern (and unit/context conditions)
  matches gives indicator type, family and temporal aggregation. If no rule matches the
  name, the description is tried, then `UNIT_FALLBACK` by unit type.
- `ORIENTATION_RULES`: ordered keyword rules for the heat-map orientation; activity
  defaults to higher-is-positive.
- `FREQUENCIES`: periodicity spellings.

The module knows nothing of the seed catalog; it generalises from words and units.
Regexes are compiled once and the name-driven part is cached, so a call costs a few
microseconds.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, cast

from steps.classify.models import (
    AGGREGATION_SHORTHAND,
    FAMILY_OF_TYPE,
    Classification,
    CumulativePattern,
    Family,
    HeatMapOrientation,
    IndicatorInput,
    IndicatorType,
    NormalizedUnits,
    ReportingFrequency,
    SampleValue,
    TemporalAggregation,
    TimeBasis,
    UnitType,
)

__all__ = [
    "MODEL",
    "ORIENTATION_RULES",
    "PROVIDER",
    "TYPE_RULES",
    "RulesProvider",
    "TypeRule",
    "classify_indicator",
    "detect_cumulative_pattern",
    "detect_frequency",
]

PROVIDER: Final = "rules"
MODEL: Final = "rules-v1"

_I = re.IGNORECASE

# --------------------------------------------------------------------------- unit sets

_PCT = frozenset({"percentage"})
_PCT_RATIO = frozenset({"percentage", "ratio", "unknown"})
_PCT_ANY = frozenset({"percentage", "rate", "unknown"})
_INDEX = frozenset({"index"})
_INDEXISH = frozenset({"index", "unknown"})
_MONEYISH = frozenset({"currency-amount", "unknown"})
_MONEY_PRICE = frozenset({"currency-amount", "price"})
_COUNTISH = frozenset({"count", "unknown"})
_PHYSICAL = frozenset({"physical"})
_DURATION = frozenset({"duration", "unknown"})


@dataclass(frozen=True, slots=True)
class TypeRule:
    """`pattern` must match the name; `context` (if set) must match name + raw units;
    `units` (if set) must contain the normalized unit type."""

    label: str
    pattern: re.Pattern[str]
    indicator_type: IndicatorType
    aggregation: TemporalAggregation
    units: frozenset[str] | None = None
    context: re.Pattern[str] | None = None

    @property
    def family(self) -> Family:
        return cast(Family, FAMILY_OF_TYPE[self.indicator_type])

    def matches(self, name: str, unit_type: str, context: str) -> bool:
        if self.units is not None and unit_type not in self.units:
            return False
        if self.pattern.search(name) is None:
            return False
        return self.context is None or self.context.search(context) is not None


def _rule(
    label: str,
    pattern: str,
    indicator_type: IndicatorType,
    aggregation: str,
    units: frozenset[str] | None = None,
    context: str | None = None,
) -> TypeRule:
    return TypeRule(
        label,
        re.compile(pattern, _I),
        indicator_type,
        AGGREGATION_SHORTHAND[aggregation],
        units,
        re.compile(context, _I) if context else None,
    )


_OF_GDP = r"to gdp|of gdp|% gdp|gdp\)|to (?:disposable )?income|of (?:net )?(?:disposable )?income"
_GROWTH = (
    r"inflation|\b(?:mom|yoy|qoq|m/m|y/y|q/q)\b|growth|\bchange\b|"
    r"(?:month|year|quarter)[\s-]on[\s-](?:month|year|quarter)"
)
_ACTIVITY = (
    r"production|output|orders|sales|spending|inventor|construction|exports?|imports?|"
    r"investment|earnings|wages?|\bgdp\b|consumption|profits|lending|loans|credit|"
    r"money supply|\bm[0-4]\b|prices?|\bcpi\b|\bppi\b|hicp|turnover|income"
)

# Ordered: specific concepts first, generic unit-driven readings last.
TYPE_RULES: tuple[TypeRule, ...] = (
    # temporal
    _rule("threshold", r"\btarget\b|ceiling|debt limit|threshold", "threshold", "na"),
    _rule("probability", r"probability|likelihood|odds of", "probability", "pit"),
    _rule(
        "statutory age or lifetime",
        r"retirement age|pension age|life expectancy|time required|days to|time to",
        "duration",
        "na",
    ),
    _rule("duration", r"duration|hours|\bweeks\b|\bdays\b", "duration", "avg", _DURATION),
    # change and movement
    _rule("volatility", r"volatility|\bvix\b|\bvstoxx\b", "volatility", "pit"),
    _rule("gap", r"\bgap\b", "gap", "avg"),
    # composite statistics
    _rule("correlation", r"correlation", "correlation", "pit"),
    _rule("elasticity", r"elasticity", "elasticity", "na"),
    _rule(
        "estimated multiplier",
        r"fiscal multiplier|spending multiplier|multiplier estimate|tax multiplier",
        "multiplier",
        "na",
    ),
    _rule("multiplier", r"multiplier", "multiplier", "pit"),
    # qualitative
    _rule("allocation", r"allocation|allocated", "allocation", "total"),
    _rule(
        "survey sentiment",
        r"confidence|sentiment|optimism|business climate|\bmood\b|\bzew\b|\bifo\b",
        "sentiment",
        "avg",
    ),
    # ratios, spreads and shares
    _rule("velocity", r"velocity", "ratio", "avg"),
    _rule("spread", r"spread|yield curve|\d+y\s*-\s*\d+y", "spread", "pit"),
    _rule("per capita", r"per capita|per person|per head|per inhabitant", "ratio", "total"),
    _rule("debt service ratio", r"debt service", "ratio", "total", _PCT_RATIO),
    _rule("debt ratio", r"\bdebt\b", "ratio", "pit", _PCT_RATIO, _OF_GDP),
    _rule("ratio to GDP or income", r".", "ratio", "total", _PCT_RATIO, _OF_GDP),
    _rule("saving ratio", r"savings? (?:ratio|rate)", "ratio", "total", _PCT_RATIO),
    _rule("stock index", r"stock|share price|equit|\bshares\b", "index", "pit", _INDEXISH),
    _rule("share", r"\bshare\b", "share", "total", _PCT_RATIO),
    # statutory rates
    _rule(
        "tax rate", r"\btax\b|\bvat\b|social security|contribution rate", "percentage", "pit", _PCT
    ),
    # prices and yields
    _rule(
        "exchange rate",
        r"exchange rate|\bcurrency\b|\bfx rate\b|\bforex\b",
        "price",
        "pit",
        frozenset({"rate", "price", "currency-amount", "ratio", "unknown"}),
    ),
    _rule(
        "currency pair",
        r".",
        "price",
        "pit",
        frozenset({"rate"}),
        r"[a-z]{3}\s*(?:/|per)\s*[a-z]{3}",
    ),
    _rule(
        "interest rate or yield",
        r"yield|\bbonds?\b|\bnotes?\b|interest|lending rate|deposit rate|interbank|mortgage rate|"
        r"policy rate|prime rate|discount rate|repo|\blibor\b|euribor|\bsofr\b|overnight rate|"
        r"facility rate|swap rate",
        "yield",
        "pit",
        _PCT_ANY,
    ),
    _rule("minimum wage", r"minimum wage", "price", "pit", _MONEY_PRICE),
    _rule("wage level", r"wage|earnings|salar|compensation", "price", "avg", _MONEY_PRICE),
    # indices
    _rule("purchasing managers index", r"\bpmi\b|purchasing managers", "index", "avg"),
    _rule(
        "score or ranking",
        r"rating|\brank|corruption|competitiveness|doing business|\bscore\b|freedom",
        "index",
        "pit",
    ),
    # rates of change
    _rule("rate of change", _GROWTH, "rate", "rate", _PCT),
    _rule("activity in percent", _ACTIVITY, "rate", "rate", _PCT),
    # shares of a population
    _rule(
        "share of a population",
        r"unemploy|jobless|participation|employment rate|utili[sz]ation|ownership|"
        r"poverty|literacy|vacancy rate",
        "percentage",
        "avg",
        _PCT,
    ),
    # counts of people, units and events
    _rule(
        "change in a count",
        r"payrolls|employment change|change in employment|\badp\b|net change|jobs added",
        "count",
        "total",
        _COUNTISH,
    ),
    _rule(
        "headcount at a date",
        r"continuing|vacanc|openings|\brigs?\b|rig count|employed|^employment$|total employment|"
        r"number of unemployed|unemployed",
        "count",
        "pit",
        _COUNTISH,
    ),
    _rule("population", r"population|inhabitants|residents", "stock", "pit"),
    _rule(
        "count of events",
        r"claims|arrivals|registrations|starts|permits|home sales|house sales|bankrupt|insolven|"
        r"births|deaths|visitors|tourists|production|sales",
        "count",
        "total",
        _COUNTISH,
    ),
    # physical quantities
    _rule("physical change", r"change|inventor", "flow", "total", _PHYSICAL),
    _rule("physical stock", r"stocks|storage|reserves|holdings", "stock", "pit", _PHYSICAL),
    _rule("daily physical rate", r".", "volume", "avg", _PHYSICAL, r"/d\b|per day|b/d|bpd"),
    _rule("physical quantity", r".", "volume", "total", _PHYSICAL),
    # money amounts
    _rule(
        "money stock",
        r"money supply|monetary base|broad money|\bm[0-4]\b|reserves|loans|credit|deposits|"
        r"balance sheet|total assets|outstanding",
        "stock",
        "pit",
        _MONEYISH,
    ),
    _rule("debt stock", r"\bdebt\b", "stock", "pit", _MONEYISH),
    _rule(
        "net position",
        r"balance|current account|budget|fiscal|capital flows|net capital|surplus|deficit|"
        r"net exports",
        "balance",
        "total",
        _MONEYISH,
    ),
    _rule(
        "money flow",
        r"gdp|gross domestic|national product|\bgnp\b|capital formation|investment|spending|"
        r"consumption|expenditure|exports?|imports?|revenue|receipts|remittances|profits|"
        r"income|sales|orders|inventor|stocks|value added|from |turnover|transfers|\bfdi\b",
        "flow",
        "total",
        _MONEYISH,
    ),
    # index level without a better reading (price indices, leading indicators, productivity)
    _rule("index level", r".", "index", "avg", _INDEX),
)

UNIT_FALLBACK: dict[str, tuple[IndicatorType, TemporalAggregation]] = {
    "percentage": ("percentage", "period-average"),
    "index": ("index", "period-average"),
    "rate": ("ratio", "point-in-time"),  # "per 1000 people"; currency pairs have a rule
    "price": ("price", "period-average"),
    "duration": ("duration", "period-average"),
    "ratio": ("ratio", "period-average"),
    "physical": ("volume", "period-total"),
    "currency-amount": ("flow", "period-total"),
    "count": ("count", "period-total"),
    "unknown": ("ratio", "period-average"),
}

# --------------------------------------------------------------------------- orientation

_NEUTRAL: HeatMapOrientation = "neutral"
_LOWER: HeatMapOrientation = "lower-is-positive"
_HIGHER: HeatMapOrientation = "higher-is-positive"


def _o(pattern: str, orientation: HeatMapOrientation) -> tuple[re.Pattern[str], HeatMapOrientation]:
    return re.compile(pattern, _I), orientation


# Ordered; first match wins; otherwise higher-is-positive.
ORIENTATION_RULES: tuple[tuple[re.Pattern[str], HeatMapOrientation], ...] = (
    _o(r"\btarget\b|ceiling|debt limit|correlation|elasticity|multiplier|velocity", _NEUTRAL),
    _o(
        r"(?:constant|current|market|basic) prices|share price|stock (?:market|exchange|index)|"
        r"equit|life expectancy",
        _HIGHER,
    ),
    _o(r"\brank|doing business|time required|days to", _LOWER),
    _o(r"yield curve|\d+y\s*-\s*\d+y", _HIGHER),
    _o(r"export price|terms of trade", _HIGHER),
    _o(r"import price", _LOWER),
    _o(r"(?:crude|brent|\bwti\b|gold|silver|copper|oil)\b[\w\s]*\bprices?\b|commodit", _NEUTRAL),
    _o(r"deposit", _HIGHER),
    _o(r"\bgap\b|house price|property price|housing index|home price", _NEUTRAL),
    _o(r"allocation|hours|retirement|pension age|\bbirths?\b", _NEUTRAL),
    _o(r"inventor|stocks change|change in stocks|gas stocks|storage|oil stocks", _NEUTRAL),
    _o(r"import", _NEUTRAL),
    _o(
        r"inflation|price|\bcpi\b|\bppi\b|hicp|deflator|\bcosts?\b|unemploy|jobless|claims|"
        r"bankrupt|insolven|deaths|\bdebt\b|emission|\bco2\b|volatility|\bvix\b|recession|"
        r"spread|lending|mortgage rate|\bbonds?\b|\bnotes?\b|yield|uncertainty|stress",
        _LOWER,
    ),
    _o(
        r"interest rate|policy rate|interbank|repo|exchange rate|currency|\bfx rate\b|"
        r"money supply|monetary base|broad money|\bm[0-4]\b|balance sheet|total assets|"
        r"consumer credit|population|tax rate|\bvat\b|social security|"
        r"government (?:spending|expenditure|consumption)|military|defen[cs]e",
        _NEUTRAL,
    ),
)

# --------------------------------------------------------------------------- frequency

FREQUENCIES: dict[str, ReportingFrequency] = {
    **dict.fromkeys(("d", "daily", "day", "business daily", "every day"), "daily"),
    **dict.fromkeys(("w", "weekly", "week", "wk"), "weekly"),
    **dict.fromkeys(("m", "monthly", "month", "mth"), "monthly"),
    **dict.fromkeys(("q", "quarterly", "quarter", "qtr"), "quarterly"),
    **dict.fromkeys(
        ("a", "y", "annual", "annually", "yearly", "year", "yr", "fiscal year"), "annual"
    ),
    **dict.fromkeys(("point-in-time", "once", "one-off", "irregular"), "point-in-time"),
}
_DATE = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?|\s*-?\s*[qQ]([1-4]))?")
_YTD_NAME = re.compile(
    r"\bytd\b|year[\s-]to[\s-]date|since (?:the start of|january)|accumulated (?:since|from)",
    _I,
)
_CUMULATIVE_NAME = re.compile(r"cumulative|since inception|running total", _I)
_ACCUMULATING_STOCK = re.compile(r"\bdebt\b|\barrears\b", _I)


def _normalise_frequency(periodicity: str | None) -> ReportingFrequency | None:
    if not periodicity:
        return None
    return FREQUENCIES.get(periodicity.strip().lower())


def _parse_date(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of an ISO-ish date, "2024-03", "2024Q1" or "2024"."""
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        try:
            return int(text[:4]), int(text[5:7]), int(text[8:10])
        except ValueError:
            pass
    match = _DATE.match(text)
    if match is None:
        return None
    year, month, day, quarter = match.groups()
    if quarter is not None:
        return int(year), int(quarter) * 3, 28
    return int(year), int(month or 12), int(day or 28)


def detect_frequency(samples: list[SampleValue]) -> ReportingFrequency | None:
    """The reporting frequency implied by the median spacing of the sample dates."""
    days: list[int] = []
    for sample in samples:
        parsed = _parse_date(sample["date"])
        if parsed is not None:
            year, month, day = parsed
            days.append(year * 372 + month * 31 + min(day, 31))
    if len(days) < 2:
        return None
    days.sort()
    gaps = sorted(b - a for a, b in itertools.pairwise(days) if b > a)
    if not gaps:
        return None
    gap = gaps[len(gaps) // 2]  # in 31-day months, 372-day years: a coarse calendar
    if gap <= 4:
        return "daily"
    if gap <= 10:
        return "weekly"
    if gap <= 45:
        return "monthly"
    if gap <= 140:
        return "quarterly"
    return "annual"


def _years(samples: list[SampleValue]) -> list[str] | None:
    """The year of each sample (as text), or None when a date cannot be read."""
    years = [sample["date"][:4] for sample in samples]
    if all(map(str.isdigit, years)):
        return years
    for index, year in enumerate(years):
        if not year.isdigit():
            parsed = _parse_date(samples[index]["date"])
            if parsed is None:
                return None
            years[index] = f"{parsed[0]:04d}"
    return years


def _is_ytd(values: list[float], years: list[str]) -> bool:
    """Values accumulate within each year (same sign, growing magnitude) and fall back
    towards zero in the first period of every new year (a year seen only in one
    period, such as the first point of the window, cannot show its reset)."""
    resets = 0
    steps = 0
    growing = 0
    segment = 1  # periods seen so far in the current year
    for i in range(1, len(values)):
        previous, current = values[i - 1], values[i]
        if years[i] != years[i - 1]:
            if segment >= 2:
                if abs(current) >= 0.6 * abs(previous):
                    return False
                resets += 1
            segment = 1
            continue
        segment += 1
        steps += 1
        if abs(current) >= abs(previous) and (current >= 0) == (previous >= 0):
            growing += 1
    return resets >= 1 and steps >= 2 and growing >= 0.8 * steps


def _is_running_total(values: list[float]) -> bool:
    rises = 0
    for previous, current in itertools.pairwise(values):
        if current < previous:
            return False
        rises += current > previous
    return rises >= 0.8 * (len(values) - 1)


def _date_of(sample: SampleValue) -> str:
    return sample["date"]


def detect_cumulative_pattern(
    samples: list[SampleValue] | None, *, text: str = "", stock_like: bool = False
) -> CumulativePattern:
    """ytd, running_total, periodic or unknown, from the sample values and the name.

    A year-to-date series resets in the first period of every year. A running total
    never falls and accumulates by nature: something named cumulative, or a debt stock.
    Without samples only a name that says "YTD" decides; otherwise "unknown".
    """
    if _YTD_NAME.search(text) is not None:
        return "ytd"
    if not samples:
        return "unknown"
    if len(samples) < 3:
        return "periodic"
    dates = [sample["date"] for sample in samples]
    ordered = samples if dates == sorted(dates) else sorted(samples, key=_date_of)
    values = [sample["value"] for sample in ordered]
    years = _years(ordered)
    if years is not None and _is_ytd(values, years):
        return "ytd"
    accumulates = _CUMULATIVE_NAME.search(text) is not None or (
        stock_like and _ACCUMULATING_STOCK.search(text) is not None
    )
    if accumulates and _is_running_total(values):
        return "running_total"
    return "periodic"


# --------------------------------------------------------------------------- classify


@dataclass(frozen=True, slots=True)
class _Reading:
    indicator_type: IndicatorType
    family: Family
    aggregation: TemporalAggregation
    orientation: HeatMapOrientation
    confidence: float
    reason: str


def _orientation(text: str) -> HeatMapOrientation:
    for pattern, orientation in ORIENTATION_RULES:
        if pattern.search(text):
            return orientation
    return _HIGHER


@lru_cache(maxsize=8192)
def _read_name(name: str, units: str, unit_type: UnitType) -> _Reading | None:
    """The reading of a name and its units from `TYPE_RULES`, or None."""
    context = f"{name} {units}"
    for rule in TYPE_RULES:
        if rule.matches(name, unit_type, context):
            return _Reading(
                rule.indicator_type,
                rule.family,
                rule.aggregation,
                _orientation(name),
                0.9 if rule.pattern.pattern != "." else 0.8,
                f"rule '{rule.label}'",
            )
    return None


def _read(indicator: IndicatorInput, units: NormalizedUnits) -> _Reading:
    raw_units = indicator.units or ""
    reading = _read_name(indicator.name, raw_units, units.unit_type)
    if reading is not None:
        return reading
    description = indicator.description
    if description:
        from_description = _read_name(description[:300], raw_units, units.unit_type)
        if from_description is not None:
            return _Reading(
                from_description.indicator_type,
                from_description.family,
                from_description.aggregation,
                _orientation(indicator.name),
                0.65,
                f"{from_description.reason} (from the description)",
            )
    indicator_type, aggregation = UNIT_FALLBACK[units.unit_type]
    return _Reading(
        indicator_type,
        cast(Family, FAMILY_OF_TYPE[indicator_type]),
        aggregation,
        _orientation(indicator.name),
        0.5,
        f"unit type {units.unit_type}",
    )


def _time_basis(aggregation: TemporalAggregation, pattern: CumulativePattern) -> TimeBasis:
    if pattern in ("ytd", "running_total"):
        return "cumulative"
    if aggregation in ("point-in-time", "not-applicable"):
        return "point-in-time"
    return "per-period"


def classify_indicator(indicator: IndicatorInput, units: NormalizedUnits) -> Classification:
    """Classify one indicator from its name, description, units and samples."""
    reading = _read(indicator, units)
    samples = indicator.sample_values
    frequency = _normalise_frequency(indicator.periodicity)
    if frequency is None and samples:
        frequency = detect_frequency(samples)
    if frequency is None:
        frequency = "point-in-time" if not samples or len(samples) < 2 else "annual"

    pattern = detect_cumulative_pattern(
        samples, text=indicator.name, stock_like=reading.indicator_type == "stock"
    )
    aggregation = reading.aggregation
    notes = [reading.reason, f"units {units.unit_type}"]
    if pattern == "ytd":
        aggregation = "period-cumulative"
        notes.append("values reset each January (year to date)")
    elif pattern == "running_total":
        notes.append("values only accumulate (running total)")
    confidence = reading.confidence * (0.75 + 0.25 * units.confidence)
    return Classification(
        family=reading.family,
        indicator_type=reading.indicator_type,
        temporal_aggregation=aggregation,
        heat_map_orientation=reading.orientation,
        time_basis=_time_basis(aggregation, pattern),
        reporting_frequency=frequency,
        cumulative_pattern=pattern,
        confidence=round(min(confidence, 0.99), 3),
        reasoning="; ".join(notes),
        provider=PROVIDER,
        model=MODEL,
    )


class RulesProvider:
    """The `rules` provider: offline, deterministic, the default."""

    name = PROVIDER
    model = MODEL

    async def classify(self, indicator: IndicatorInput, units: NormalizedUnits) -> Classification:
        return classify_indicator(indicator, units)

    async def aclose(self) -> None:
        return None
