"""Seed the SOURCE database of economic indicators the feeder samples from.

Expands the concept catalog (`scripts.catalog`) over its countries into about
10,000 indicators with realistic variation (unit spellings, periodicity spellings,
sources, aliases) and 25 dated sample values shaped like each concept. Every row carries
the classification an economist would give it (`expected`), which the tests use to
measure the rules provider. The output is deterministic for a given seed.

`scripts/seed_database.py` is its command line.
"""

from __future__ import annotations

import calendar
import json
import math
import random
import re
import sqlite3
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from scripts.catalog import (
    CONCEPTS,
    COUNTRIES,
    PERIODS_PER_YEAR,
    Country,
    Frequency,
    IndicatorConcept,
    SampleShape,
)

__all__ = [
    "COLUMNS",
    "DEFAULT_DB",
    "SAMPLE_COUNT",
    "ensure_source_database",
    "generate_rows",
    "seed_database",
]

DEFAULT_DB = Path(__file__).resolve().parents[1] / ".stepflow" / "source.db"
"""In the repository's own `.stepflow/` (ignored by git), beside the flow's database."""
SAMPLE_COUNT = 25
TABLE = "source_indicators"
COLUMNS = (
    "indicator_id",
    "name",
    "units",
    "description",
    "periodicity",
    "sample_values",
    "source_name",
    "country",
    "category_group",
    "topic",
    "dataset",
    "currency_code",
    "expected",
)
Row = dict[str, str | None]

_CREATE = f"""
CREATE TABLE {TABLE} (
    indicator_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    units TEXT,
    description TEXT,
    periodicity TEXT,
    sample_values TEXT,
    source_name TEXT,
    country TEXT,
    category_group TEXT,
    topic TEXT,
    dataset TEXT,
    currency_code TEXT,
    expected TEXT NOT NULL
)
"""

PERIODICITY_SPELLINGS: dict[Frequency, tuple[str, ...]] = {
    "daily": ("Daily", "daily", "D"),
    "weekly": ("Weekly", "weekly", "W"),
    "monthly": ("Monthly", "monthly", "M", "Month"),
    "quarterly": ("Quarterly", "quarterly", "Q", "Quarter"),
    "annual": ("Yearly", "Annual", "annual", "A", "Y"),
}

# (source, dataset) per category group; "{stats}", "{cb}" and "{country}" are filled in
# per country, "Eurostat" is only used for EU members.
_SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "GDP": (
        ("{stats}", "National Accounts"),
        ("IMF", "World Economic Outlook"),
        ("World Bank", "World Development Indicators"),
        ("OECD", "Quarterly National Accounts"),
        ("Eurostat", "National Accounts (ESA 2010)"),
    ),
    "Labour": (
        ("{stats}", "Labour Force Survey"),
        ("OECD", "Labour Market Statistics"),
        ("ILO", "ILOSTAT"),
        ("Eurostat", "EU Labour Force Survey"),
    ),
    "Prices": (
        ("{stats}", "Consumer and Producer Prices"),
        ("IMF", "International Financial Statistics"),
        ("Eurostat", "Harmonised Indices of Consumer Prices"),
    ),
    "Money": (
        ("{cb}", "Monetary Statistics"),
        ("IMF", "International Financial Statistics"),
        ("BIS", "BIS Statistics"),
    ),
    "Bonds": (
        ("{cb}", "Financial Market Statistics"),
        ("OECD", "Monthly Monetary and Financial Statistics"),
        ("BIS", "BIS Statistics"),
    ),
    "Markets": (
        ("{cb}", "Financial Market Statistics"),
        ("IMF", "International Financial Statistics"),
    ),
    "Trade": (
        ("{stats}", "External Trade"),
        ("{cb}", "Balance of Payments"),
        ("IMF", "Balance of Payments Statistics"),
        ("World Bank", "World Development Indicators"),
        ("Eurostat", "International Trade in Goods"),
    ),
    "Government": (
        ("Ministry of Finance of {country}", "Public Finance"),
        ("IMF", "Government Finance Statistics"),
        ("World Bank", "World Development Indicators"),
        ("Eurostat", "Government Finance Statistics"),
    ),
    "Taxes": (
        ("Ministry of Finance of {country}", "Tax Policy"),
        ("OECD", "Tax Database"),
    ),
    "Business": (
        ("{stats}", "Industry and Business Statistics"),
        ("OECD", "Main Economic Indicators"),
        ("World Bank", "World Development Indicators"),
        ("Eurostat", "Short-term Business Statistics"),
    ),
    "Consumer": (
        ("{stats}", "Household and Retail Statistics"),
        ("{cb}", "Household Finance"),
        ("OECD", "Main Economic Indicators"),
    ),
    "Housing": (
        ("{stats}", "Construction and Housing"),
        ("BIS", "Residential Property Prices"),
        ("OECD", "Housing Prices"),
    ),
    "Transport": (
        ("{stats}", "Transport Statistics"),
        ("Eurostat", "Transport Statistics"),
    ),
    "Health": (
        ("{stats}", "Vital Statistics"),
        ("World Bank", "World Development Indicators"),
        ("United Nations", "World Population Prospects"),
    ),
}
_DEFAULT_SOURCES = (("{stats}", "Official Statistics"), ("IMF", "IMF Data"))

_SCALE_WORDS: tuple[tuple[re.Pattern[str], float], ...] = (
    (re.compile(r"\btrillions?\b", re.I), 1e12),
    (re.compile(r"\bbillions?\b|\bbcf\b", re.I), 1e9),
    (re.compile(r"\bmillions?\b|/1M\b", re.I), 1e6),
    (re.compile(r"\bthousands?\b|/1K\b", re.I), 1e3),
)


# --------------------------------------------------------------------------- units


def _unit_multiplier(units: str) -> float:
    for pattern, factor in _SCALE_WORDS:
        if pattern.search(units):
            return factor
    return 1.0


def _usd_rate(currency: str | None, country: Country) -> float:
    if currency is None or currency == "USD":
        return 1.0
    if currency == "EUR":
        return 0.92
    return country.usd_rate if currency == country.currency else 1.0


def _render_units(template: str, country: Country) -> tuple[str, str | None, float | None]:
    """The unit string, its currency, and the exchange rate when it is a currency pair."""
    cur = country.currency
    if template == "{pair}":
        if cur in ("USD", "EUR"):
            return "EUR/USD", cur, 1 / 0.92
        return f"USD/{cur}", cur, country.usd_rate
    if template == "{cur} per USD" and cur == "USD":
        return "USD per EUR", cur, 1 / 0.92
    if template == "{cur} per USD":
        return f"{cur} per USD", cur, country.usd_rate
    units = template.replace("{cur}", cur)
    if "{cur}" in template or template.lower().startswith("national currency"):
        return units, cur, None
    for code in ("USD", "EUR"):
        if units.startswith(code) or units.endswith(code) or f"{code}/" in units:
            return units, code, None
    if units.startswith("US Dollar"):
        return units, "USD", None
    return units, None, None


# --------------------------------------------------------------------------- dates


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _dates(frequency: Frequency, rng: random.Random) -> list[date]:
    """SAMPLE_COUNT period-end dates, oldest first, ending between 2024 and mid 2025."""
    n = SAMPLE_COUNT
    if frequency == "annual":
        end_year = rng.randint(2022, 2024)
        return [date(end_year - n + 1 + i, 12, 31) for i in range(n)]
    if frequency in ("monthly", "quarterly"):
        step = 1 if frequency == "monthly" else 3
        end_index = 2024 * 12 + rng.randrange(0, 18, step)  # months since year 0
        if frequency == "quarterly":
            end_index += 2  # quarter-end months: March, June, ...
        first = end_index - (n - 1) * step
        return [_month_end((first + i * step) // 12, (first + i * step) % 12 + 1) for i in range(n)]
    end = date(2024, 1, 1) + timedelta(days=rng.randrange(540))
    if frequency == "weekly":
        end -= timedelta(days=(end.weekday() - 4) % 7)  # a Friday
        return [end - timedelta(weeks=n - 1 - i) for i in range(n)]
    while end.weekday() >= 5:
        end -= timedelta(days=1)
    days: list[date] = []
    day = end
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


# --------------------------------------------------------------------------- values


def _round(value: float, decimals: int) -> float:
    """Round to `decimals`, keeping at least four significant digits when `decimals > 0`."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    if decimals == 0:
        return float(round(value))
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude < 2:
        decimals = max(decimals, 3 - magnitude)
    return round(value, decimals)


def _scaled(shape: SampleShape, country: Country, fx: float, multiplier: float) -> float:
    """`shape.base` in the unit of the series (before per-period division for flows)."""
    if shape.basis == "gdp":
        return shape.base * country.gdp_usd_bn * 1e9 * fx / multiplier
    if shape.basis == "population":
        return shape.base * country.population_m * 1e6 / multiplier
    if shape.basis == "gdp_per_capita":
        per_head = country.gdp_usd_bn * 1e3 / country.population_m
        return shape.base * per_head * fx / multiplier
    if shape.basis == "usd":
        return shape.base * fx / multiplier
    return shape.base / multiplier


def _clamp(value: float, shape: SampleShape) -> float:
    if shape.lower is not None:
        value = max(shape.lower, value)
    if shape.upper is not None:
        value = min(shape.upper, value)
    return value


def _values(
    shape: SampleShape,
    dates: list[date],
    frequency: Frequency,
    base: float,
    rng: random.Random,
    *,
    decimals: int,
    unit_factor: float,
) -> list[float]:
    """Sample values for one series; `base` is already scaled into the unit."""
    n = len(dates)
    ppy = PERIODS_PER_YEAR[frequency]
    vary = math.exp(rng.gauss(0.0, shape.vary)) if shape.vary else 1.0
    gauss = rng.gauss
    out: list[float] = []
    kind = shape.kind
    if kind in ("level", "count", "index"):
        if kind == "index":
            growth = shape.trend / 100.0 / ppy
            level = base * vary * (1 + 0.04 * gauss(0.0, 1.0)) * (1 + growth) ** (-n)
        else:
            growth = (1 + shape.trend) ** (1 / ppy) - 1
            per_period = base * vary / (ppy if shape.flow else 1)
            level = per_period * (1 + growth) ** (-n)
        for _ in range(n):
            level *= 1 + growth + shape.spread * gauss(0.0, 1.0)
            out.append(max(level, 0.0))
    elif kind == "rate":
        mean = shape.base * vary
        sd = shape.spread
        value = mean + sd * gauss(0.0, 1.0)
        for i in range(n):
            drifted = mean + shape.trend * (i - n + 1) / ppy
            value = drifted + 0.7 * (value - drifted) + sd * gauss(0.0, 1.0)
            value = _clamp(value, shape)
            out.append(value * unit_factor)
    elif kind == "step":
        if shape.basis == "none":
            value = _clamp(shape.base * vary, shape)
            move = shape.spread
            upward = False
        else:
            value = base * vary
            move = value * shape.spread / shape.base
            upward = True
        chance = min(0.3, 2.0 / ppy)
        for _ in range(n):
            if move and rng.random() < chance:
                value += move if upward else move * rng.choice((-1.0, 1.0))
                value = value if upward else _clamp(value, shape)
            out.append(value)
    elif kind == "balance":
        divisor = ppy if shape.flow else 1
        mean = base * vary / divisor
        sd = abs(shape.spread / shape.base * base) / divisor if shape.base else 0.0
        value = mean
        for _ in range(n):
            value = mean + 0.5 * (value - mean) + sd * gauss(0.0, 1.0)
            out.append(value)
    elif kind == "ytd":
        per_period = base * vary / ppy
        # the flows of the first year that fall before the window are already summed
        total = sum(
            per_period * (1 + shape.spread * gauss(0.0, 1.0))
            for _ in range((dates[0].month - 1) * ppy // 12)
        )
        for day in dates:
            if day.month <= 12 // ppy:  # first period of the year
                total = 0.0
            total += per_period * (1 + shape.spread * gauss(0.0, 1.0))
            out.append(total)
    else:  # running_total
        level = base * vary * (1 + shape.trend) ** (-n / ppy)
        increment = level * shape.trend / ppy
        for _ in range(n):
            level += max(0.0, increment * (1 + shape.spread * gauss(0.0, 1.0)))
            out.append(level)
    return [_round(value, decimals) for value in out]


# --------------------------------------------------------------------------- rows


def _source(concept: IndicatorConcept, country: Country, rng: random.Random) -> tuple[str, str]:
    options = [
        option
        for option in _SOURCES.get(concept.category_group, _DEFAULT_SOURCES)
        if country.eu or option[0] != "Eurostat"
    ]
    source, dataset = rng.choice(options)
    source = source.format(
        stats=country.statistics_office, cb=country.central_bank, country=country.name
    )
    return source, dataset


def _description(concept: IndicatorConcept, country: Country, source: str, r: float) -> str | None:
    text = concept.description.format(country=country.name)
    if r < 0.05:
        return None
    if r < 0.30:
        return f"{text} Source: {source}."
    if r < 0.40:
        return f"{concept.name} for {country.name}. {text}"
    return text


def _row(concept: IndicatorConcept, country: Country, ordinal: int, rng: random.Random) -> Row:
    frequency = rng.choice(concept.periodicities)
    name = concept.name
    if concept.aliases and rng.random() < 0.3:
        name = rng.choice(concept.aliases)
    units, currency, pair_value = _render_units(rng.choice(concept.units), country)
    shape = concept.shape
    multiplier = _unit_multiplier(units)
    fx = pair_value if pair_value is not None else _usd_rate(currency, country)
    base = _scaled(shape, country, fx, multiplier)
    decimals = shape.decimals
    if shape.kind == "count" and multiplier > 1:
        decimals = 3
    lowered = units.lower()
    unit_factor = 100.0 if "basis point" in lowered or lowered == "bps" else 1.0
    dates = _dates(frequency, rng)
    values = _values(shape, dates, frequency, base, rng, decimals=decimals, unit_factor=unit_factor)
    source, dataset = _source(concept, country, rng)
    samples = [
        {"date": day.isoformat(), "value": value} for day, value in zip(dates, values, strict=True)
    ]
    return {
        "indicator_id": f"{country.code}-{concept.slug}-{ordinal}",
        "name": name,
        "units": units,
        "description": _description(concept, country, source, rng.random()),
        "periodicity": rng.choice(PERIODICITY_SPELLINGS[frequency]),
        "sample_values": json.dumps(samples, separators=(",", ":")),
        "source_name": source,
        "country": country.name,
        "category_group": concept.category_group,
        "topic": concept.topic,
        "dataset": dataset,
        "currency_code": currency,
        "expected": json.dumps(concept.expected_for(frequency), separators=(",", ":")),
    }


def generate_rows(count: int = 10_000, seed: int = 42) -> list[Row]:
    """`count` source rows, deterministic for `seed`; every concept appears when
    `count >= len(CONCEPTS)` (concepts are spread evenly)."""
    rng = random.Random(seed)
    order = [i % len(CONCEPTS) for i in range(count)]
    rng.shuffle(order)
    ordinals: defaultdict[tuple[str, str], int] = defaultdict(int)
    rows: list[Row] = []
    for index in order:
        concept = CONCEPTS[index]
        country = rng.choice(COUNTRIES)
        key = (country.code, concept.slug)
        ordinals[key] += 1
        rows.append(_row(concept, country, ordinals[key], rng))
    return rows


# --------------------------------------------------------------------------- database


def seed_database(path: Path, count: int = 10_000, seed: int = 42) -> int:
    """(Re)create the source table at `path` with `count` rows; returns rows written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = generate_rows(count, seed)
    placeholders = ", ".join("?" for _ in COLUMNS)
    insert = f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({placeholders})"
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.execute(f"DROP TABLE IF EXISTS {TABLE}")
            connection.execute(_CREATE)
            connection.executemany(insert, ([row[c] for c in COLUMNS] for row in rows))
    finally:
        connection.close()
    return len(rows)


def _row_count(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        found = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
        ).fetchone()[0]
        if not found:
            return 0
        return int(connection.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0])
    finally:
        connection.close()


def ensure_source_database(path: Path, count: int = 10_000, seed: int = 42) -> None:
    """Seed `path` unless it already holds a non-empty source table."""
    path = Path(path)
    if path.exists() and _row_count(path) > 0:
        return
    seed_database(path, count, seed)
