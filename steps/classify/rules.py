"""The offline, deterministic rules provider.

`classify_indicator` reads an indicator the way an analyst would: the name first (with the
normalized units deciding between readings such as "Industrial Production" in percent,
a growth rate, and in index points, an index), the raw unit string for "% of GDP" or
"per day", the periodicity (or the spacing of the sample dates) for the reporting
frequency, and the sample values for the cumulative pattern (a year-to-date series
resets at the start of every fiscal or calendar year; a debt stock only ever grows).

Everything is table driven:

- `TYPE_RULES`: ordered; the first rule whose name pattern (and unit/context conditions)
  matches gives indicator type, family and temporal aggregation. If no rule matches the
  name, the description is tried, then `UNIT_FALLBACK` by unit type. Words with two
  senses in economics are read from their neighbours and the units before any keyword
  rule sees them: a yield per hectare or per cow is a ratio, a bond yield a price; a
  "rate" is an interest rate, a rate of change, a price (exchange, freight) or the share
  of a population, depending on the words around it; a "balance sheet" is a stock, not a
  trade balance; installed capacity is a capacity, capacity utilisation a share.
  Ratios and shares ("% of", "to GDP", "per 1,000", "share of", "ratio", "per capita")
  are measurements unless the name says change or growth; whether such a ratio is
  measured at a date or over the period follows from its numerator (a debt or an area is
  a stock, spending or deaths are flows).
- `POLARITY`: the heat-map orientation, an ordered table of what is bad news when it rises
  (burdens, harms, slack, stress, costs, delays) and what is good news (output, income,
  coverage, capital), keyed on the head of the name: parenthesised definitions, ratio
  denominators ("% of GDP", "per 1,000 people", "to total assets"), exclusions
  ("excluding food") and valuation phrases ("at constant prices") are cut off first, and
  for a two-sided name ("surplus/deficit") the side named first decides. Modifiers that
  change the reading ("gap", "access to", "share held by the lowest 20%", "price-to-
  earnings") come first, some entries apply to one indicator type only (the instrument
  decides the sign of a yield), and where the sign is genuinely ambiguous the table says
  neutral. The table takes precedence over the family rules; a name it does not know is
  neutral, with lower confidence, never a guess of "higher is positive".
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
from typing import Final, Literal, cast

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
    "POLARITY",
    "PROVIDER",
    "TYPE_RULES",
    "Polarity",
    "RulesProvider",
    "TypeRule",
    "classify_indicator",
    "detect_cumulative_pattern",
    "detect_frequency",
    "orientation_of",
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
_PHYSICALISH = frozenset({"physical", "unknown"})
_DURATION = frozenset({"duration", "unknown"})
_NOT_INDEX = frozenset(
    {"percentage", "ratio", "rate", "unknown", "physical", "count", "price", "currency-amount"}
)
_MEASURED = frozenset({"percentage", "ratio", "rate", "unknown", "count"})
_PER_UNIT = frozenset({"rate", "physical", "count", "unknown", "ratio", "currency-amount"})

# --------------------------------------------------------------------------- name parts

# A ratio's numerator decides whether it is measured at a date (a stock over something)
# or over the period (a flow over something); the word nearest the head (the last one in
# the numerator) wins, a flow on a tie ("return on assets").
_FLOW_WORDS = re.compile(
    r"return on \w+|\bservice\b|payments?|turnover|traded|trading|\bflows?\b|issuance|income|"
    r"revenues?|receipts|spending|expenditures?|expenses?|consumption|production|output|"
    r"generat\w*|emissions?|waste|withdrawals?|losses|imports?|exports?|\bsales\b|saving|"
    r"investment|transfers|subsidies|duties|taxes|value added|profits?|deaths?|mortality|"
    r"births?|fertility|\bcases\b|incidence|homicides?|injur\w*|crimes?|suicides?|"
    r"accidents?|fatalit\w*|discharges?|admissions?|migration|arrivals?|yields?|harvest|"
    r"lending|borrowing|deficit|surplus|balance|\bgdp\b|\buse\b|gains",
    _I,
)
_STOCK_WORDS = re.compile(
    r"\bdebt\b|assets?|\bcapital\b|capitali[sz]ation|\bloans?\b|\bcredit\b|deposits|reserves|"
    r"liabilit\w*|position|holdings|money|\bstocks?\b|wealth|arrears|\bareas?\b|\bland\b|"
    r"seats|beds|physicians|doctors|nurses|midwives|subscriptions?|subscribers|users|"
    r"teachers|pupils|dwellings|\bcover\b|delinquen\w*",
    _I,
)
_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_VALUATION = re.compile(
    r"\b(?:at |in )?(?:constant|current|market|basic|chained|purchasers'?) prices?\b|"
    r"\bprices of \d{4}\b|\b(?:real|nominal) terms\b",
    _I,
)
_EXCLUSION = re.compile(r"\b(?:excluding|excl\.?|ex|except|other than)\b[\s-]+[^()]*", _I)
_DENOMINATOR = re.compile(
    r"(?:,\s*)?\b(?:as (?:a )?(?:share|percent(?:age)?|%|proportion|ratio) of|"
    r"in (?:percent |% )of|in (?:months|weeks|days|years) of|per(?!\s*cent)\b|"
    r"to(?=[\s-]+(?:the[\s-]+)?(?:(?:total|gross|net|risk-weighted|short-term|bank|"
    r"disposable|potential|nominal)[\s-]+)*(?:gdp|gni|gnp|income|revenues?|assets|"
    r"liabilities|loans|deposits|earnings|equity|capital|population|exports|imports|sales|"
    r"output|expenditures?|expense|budget)\b)).*$|(?:%|percent) of\b.*$",
    _I,
)
_TWO_SIDED = re.compile(r"(?<=[a-z]{3})\s*/\s*(?=(?:net\s+)?[a-z]{3}).*$", _I)


@lru_cache(maxsize=8192)
def _name_parts(name: str) -> tuple[str, str, str]:
    """(full, clause, head) of a name, lower case.

    `clause` is the name without parenthesised definitions and valuation phrases; `head`
    is the clause without exclusions, ratio denominators and the second side of a
    two-sided name: the part that says what is measured.
    """
    full = name.lower()
    clause = _VALUATION.sub(" ", _PARENS.sub(" ", full))
    head = _EXCLUSION.sub(" ", clause)
    head = _DENOMINATOR.sub(" ", head)
    head = _TWO_SIDED.sub(" ", head)
    return full, clause, head


def _numerator_aggregation(name: str, default: TemporalAggregation) -> TemporalAggregation:
    head = _name_parts(name)[2]
    flow_end = max((m.end() for m in _FLOW_WORDS.finditer(head)), default=-1)
    stock_end = max((m.end() for m in _STOCK_WORDS.finditer(head)), default=-1)
    if flow_end < 0 and stock_end < 0:
        return default
    return "period-total" if flow_end >= stock_end else "point-in-time"


# --------------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class TypeRule:
    """`pattern` must match the name; `context` (if set) must match name + raw units;
    `units` (if set) must contain the normalized unit type. With `by_numerator` the
    aggregation follows the ratio's numerator (a stock: point-in-time; a flow: period
    total), `aggregation` when it says neither. With `signed_is_change` a level whose
    samples take both signs is read as the change of that level (a flow)."""

    label: str
    pattern: re.Pattern[str]
    indicator_type: IndicatorType
    aggregation: TemporalAggregation
    units: frozenset[str] | None = None
    context: re.Pattern[str] | None = None
    by_numerator: bool = False
    signed_is_change: bool = False

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
    *,
    by_numerator: bool = False,
    signed_is_change: bool = False,
) -> TypeRule:
    return TypeRule(
        label,
        re.compile(pattern, _I),
        indicator_type,
        AGGREGATION_SHORTHAND[aggregation],
        units,
        re.compile(context, _I) if context else None,
        by_numerator,
        signed_is_change,
    )


_OF = (
    r"(?:%|percent|per cent|percentage|share|proportion) of|"
    r"as (?:a )?(?:share|percent(?:age)?|%) of"
)
_OF_GDP = (
    rf"(?:{_OF}|\bto|in (?:percent|%) of)\s+(?:the\s+)?(?:potential\s+|nominal\s+)?"
    r"(?:gdp|gni|gnp|gross domestic product|potential (?:gdp|output)|"
    r"(?:net\s+)?(?:disposable\s+)?income|(?:tax\s+)?revenues?|exports of goods)\b|"
    r"% gdp|gdp\)"
)
_OF_POPULATION = (
    rf"(?:{_OF}|\bto)[\s-]+(?:the\s+)?(?:total\s+)?(?:[\w-]+\s+){{0,2}}"
    r"(?:population|people|persons|adults|children|women|men|girls|boys|youth|"
    r"labou?r force|employment|employed|workers|households|school age|age group|"
    r"working-age)\b"
)
_OF_ANY = rf"(?:{_OF})\s+\S"
_PER_UNIT_CONTEXT = (
    r"\bper\s+(?:capita|person|head|inhabitants?|\d[\d,.]*|hundred|thousand|million|cow|"
    r"animal|hectare|acre|woman|women|worker|employee|household|vehicle|teacher|pupil|"
    r"student|bed|kwh|mwh|live birth)|\bper capita\b"
)
_GROWTH = (
    r"inflation|\b(?:mom|yoy|qoq|m/m|y/y|q/q)\b|growth|\bchange\b|"
    r"(?:month|year|quarter)[\s-]on[\s-](?:month|year|quarter)"
)
_ACTIVITY = (
    r"production|output|orders|sales|spending|inventor|construction|exports?|imports?|"
    r"investment|earnings|wages?|\bgdp\b|consumption|profits|lending|loans|credit|"
    r"money supply|\bm[0-4]\b|prices?|\bcpi\b|\bppi\b|hicp|turnover|income"
)
_SHARE_OF_A_POPULATION = (
    r"\brate\b|unemploy|jobless|participation|employment rate|utili[sz]ation|ownership|"
    r"poverty|literacy|vacancy|prevalence|incidence|coverage|enrol|density|underemploy|"
    r"deprivation|overcrowd|overburden|obes|\bneet\b|informal|dropout|attainment|completion"
)
_MARKET_QUOTE = (
    r"\bspot\b|futures|crude|brent|\bwti\b|\bgold\b|silver|copper|platinum|palladium|"
    r"alumin|nickel|zinc|iron ore|\bcoal\b|natural gas|henry hub|\blng\b|wheat|\bcorn\b|"
    r"maize|soybeans?|sugar|coffee|cocoa|cotton|commodit"
)
_FARM = (
    r"crop|cereal|grain|wheat|maize|corn|rice|soy|barley|sorghum|cotton|milk|dairy|harvest|"
    r"farm|agricultur|livestock|hectare|acre|\bha\b|per cow|per animal|kg|kilogram|tonnes?|"
    r"bushels?"
)

# Ordered: specific concepts first, generic unit-driven readings last.
TYPE_RULES: tuple[TypeRule, ...] = (
    # temporal
    _rule("threshold", r"\btarget\b|ceiling|debt limit|threshold", "threshold", "na"),
    _rule("probability", r"probability|likelihood|odds of", "probability", "pit"),
    _rule("import cover", r"\bin (?:months|weeks) of\b", "ratio", "pit"),
    _rule(
        "statutory age or lifetime",
        r"retirement age|pension age|life expectancy|time required|days to|time to|lead time",
        "duration",
        "na",
    ),
    _rule("time lost", r"(?:days|hours|time) lost", "duration", "total", _DURATION),
    _rule(
        "duration",
        r"duration|hours|\bweeks\b|\bdays\b|dwell time|waiting time|length of stay|"
        r"time at port|turnaround|months'? supply",
        "duration",
        "avg",
        _DURATION,
    ),
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
        r"confidence|sentiment|optimism|business climate|\bmood\b|\bzew\b|\bifo\b|"
        r"tendency survey|business tendency|opinion survey",
        "sentiment",
        "avg",
    ),
    # spreads and rates of change
    _rule("velocity", r"velocity", "ratio", "avg"),
    _rule(
        "spread",
        r"spread|yield curve|\d+y\s*-\s*\d+y|\bminus\b|risk premium|term premium|"
        r"credit default swap|\bcds\b",
        "spread",
        "pit",
    ),
    _rule("rate of change", _GROWTH, "rate", "rate", _PCT),
    # ratios and shares are measurements (the name did not say change)
    _rule(
        "concentration",
        r".",
        "ratio",
        "avg",
        frozenset({"physical", "unknown", "ratio", "rate"}),
        r"per cubic|/\s*m3|µg|micrograms|\bppm\b|\bppb\b|concentration|\bpm\s?2\.5|\bpm10\b",
    ),
    _rule("intensity", r"\bintensity\b", "ratio", "total", _NOT_INDEX),
    _rule(
        "share of a population",
        r".",
        "percentage",
        "avg",
        _PCT_RATIO,
        _OF_POPULATION,
    ),
    _rule("per unit", r".", "ratio", "pit", _PER_UNIT, _PER_UNIT_CONTEXT, by_numerator=True),
    _rule("ratio to GDP or income", r".", "ratio", "total", _PCT_RATIO, _OF_GDP, by_numerator=True),
    _rule("saving ratio", r"savings? (?:ratio|rate)", "ratio", "total", _PCT_RATIO),
    _rule(
        "ratio of two amounts",
        r"\bratio\b|return on (?:equity|assets|capital)|coverage ratio|"
        r"\bto (?:total |gross |risk-weighted |short-term |bank )*(?:assets|liabilities|loans|"
        r"deposits|capital|equity|earnings)\b",
        "ratio",
        "pit",
        _MEASURED,
        by_numerator=True,
    ),
    _rule("stock index", r"\bstock|share price|equit|\bshares\b", "index", "pit", _INDEXISH),
    _rule(
        "share",
        r".",
        "share",
        "total",
        _PCT_RATIO,
        rf"\bshare\b|proportion|{_OF_ANY}",
        by_numerator=True,
    ),
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
    _rule("market quote", _MARKET_QUOTE, "price", "pit", frozenset({"price"})),
    _rule(
        "crop or animal yield",
        r"\byields?\b",
        "ratio",
        "total",
        frozenset({"physical", "ratio", "rate", "unknown", "count"}),
        _FARM,
    ),
    _rule(
        "interest rate or yield",
        r"yield|\bbonds?\b|\bnotes?\b|interest|lending rate|deposit rate|interbank|mortgage rate|"
        r"policy rate|prime rate|discount rate|repo|\blibor\b|euribor|\bsofr\b|overnight rate|"
        r"facility rate|swap rate|\bbills?\b|treasury|bank rate|base rate|cash rate|key rate|"
        r"refinancing rate|federal funds|coupon",
        "yield",
        "pit",
        _PCT_ANY,
    ),
    _rule(
        "cost or fee",
        r"\bcosts? (?:to|of|per)\b|\bfees?\b|\bcharges?\b",
        "price",
        "pit",
        _MONEY_PRICE,
    ),
    _rule("minimum wage", r"minimum wage", "price", "pit", _MONEY_PRICE),
    _rule("rent level", r"\brents?\b", "price", "avg", _MONEY_PRICE),
    _rule("wage level", r"wage|earnings|salar|compensation", "price", "avg", _MONEY_PRICE),
    # indices
    _rule("purchasing managers index", r"\bpmi\b|purchasing managers", "index", "avg"),
    _rule(
        "score or ranking",
        r"\bratings?\b|\brank|corruption|competitiveness|doing business|\bscore\b|freedom|"
        r"effectiveness|performance index|connectivity index|\bgini\b",
        "index",
        "pit",
    ),
    _rule("scored in points", r".", "index", "pit", _INDEXISH, r"\bscore\b|\brank\b"),
    # shares of a population named by their rate
    _rule("share of a population by name", _SHARE_OF_A_POPULATION, "percentage", "avg", _PCT),
    _rule("activity in percent", _ACTIVITY, "rate", "rate", _PCT),
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
        r"number of unemployed|unemployed|subscriptions|subscribers|beneficiar|recipients|"
        r"inventor|\bherds?\b|livestock|membership|members\b|labou?r force|workforce|personnel",
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
    _rule("container units", r".", "volume", "total", None, r"\bteus?\b"),
    _rule("capacity", r"capacity(?! utili)", "capacity", "pit", _PHYSICALISH),
    _rule("physical change", r"change", "flow", "total", _PHYSICAL),
    _rule(
        "physical stock",
        r"stocks|storage|reserves|holdings|inventor",
        "stock",
        "pit",
        _PHYSICAL,
        signed_is_change=True,
    ),
    _rule("daily physical rate", r".", "volume", "avg", _PHYSICAL, r"/d\b|per day|b/d|bpd"),
    _rule("physical quantity", r".", "volume", "total", _PHYSICAL),
    # money amounts
    _rule(
        "payments on debt",
        r"debt service|interest (?:payments|paid|expense|costs?)|repayments|amorti[sz]ation",
        "flow",
        "total",
        _MONEYISH,
    ),
    _rule(
        "money stock",
        r"money supply|monetary base|broad money|\bm[0-4]\b|reserves|loans|credit|deposits|"
        r"balance sheet|total assets|outstanding|arrears|assets|capitali[sz]ation|liabilit|"
        r"wealth|net worth",
        "stock",
        "pit",
        _MONEYISH,
    ),
    _rule("debt stock", r"\bdebt\b", "stock", "pit", _MONEYISH),
    _rule(
        "net position",
        r"balance|current account|budget|capital flows|net capital|surplus|deficit|"
        r"net exports|net borrowing|net lending|borrowing requirement",
        "balance",
        "total",
        _MONEYISH,
    ),
    _rule(
        "money flow",
        r"gdp|gross domestic|national product|\bgnp\b|capital formation|investment|spending|"
        r"consumption|expenditure|exports?|imports?|revenue|receipts|remittances|profits|"
        r"income|sales|orders|inventor|stocks|value added|from |turnover|transfers|\bfdi\b|"
        r"issuance|subsidies|duties",
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
Scope = Literal["clause", "head"]


@dataclass(frozen=True, slots=True)
class Polarity:
    """One row of the polarity table: when `pattern` matches the name's `scope` ("clause":
    the name without parenthesised definitions; "head": also without denominators,
    exclusions and the second side of a two-sided name), the orientation is
    `orientation`. `types` limits the row to readings of those indicator types."""

    label: str
    pattern: re.Pattern[str]
    orientation: HeatMapOrientation
    scope: Scope
    types: frozenset[str] | None = None


def _p(
    label: str,
    pattern: str,
    orientation: HeatMapOrientation,
    scope: Scope = "head",
    types: tuple[str, ...] | None = None,
) -> Polarity:
    return Polarity(
        label,
        re.compile(pattern, _I),
        orientation,
        scope,
        frozenset(types) if types is not None else None,
    )


# Ordered by precedence; the first row that matches decides. The groups, in order:
# 1. the instrument or good that a yield or price is for; 2. compound names and modifiers
# that change the reading of their words; 3. bad news when it rises; 4. neutral by
# nature; 5. good news when it rises.
# fmt: off
POLARITY: tuple[Polarity, ...] = (
    # 1. a yield's sign is its instrument's, a quote's is nobody's
    _p("return on savings", r"deposit|savings", _HIGHER, types=("yield",)),
    _p("cost of borrowing", r"lending|mortgage|\bloans?\b|credit card|overdraft", _LOWER,
       types=("yield",)),
    _p("policy or money-market rate",
       r"interest rate|policy|interbank|\brepo\b|overnight|swap|real interest|base rate|"
       r"cash rate|discount|refinanc|federal funds|prime|dividend|earnings yield|\bsofr\b|"
       r"libor|euribor|sonia", _NEUTRAL, types=("yield",)),
    _p("government and corporate paper",
       r"bonds?|notes?|\bbills?\b|gilts?|bunds?|treasur|sovereign|government|corporate|yield|"
       r"\d+\s*-?\s*y", _LOWER, types=("yield",)),
    _p("commodity quote", _MARKET_QUOTE, _NEUTRAL, types=("price", "index")),
    _p("freight rate",
       r"freight (?:rates?|index|costs?|prices?)|shipping (?:rates?|costs?|prices?)|"
       r"charter rates?|cargo rates?|container (?:freight|rates?|index|prices?)|baltic|dry bulk",
       _NEUTRAL, types=("price", "index")),
    # 2. compound names and modifiers that change the reading of their words
    _p("policy setting or structural statistic",
       r"\btarget\b|ceiling|debt limit|threshold|correlation|elasticity|multiplier|velocity|"
       r"allocation|tax rate|\bvat\b|social security|tax wedge|central bank|balance sheet|"
       r"monetary base|money supply|broad money|\bm[0-4]\b|"
       r"(?:loans?|credit)[\s-]+to[\s-]+(?:bank |total |customer )?deposit|"
       r"(?:resources?|oil|gas|mineral|forest|coal) rents|"
       r"(?:labou?r|wage|profit|capital) (?:income )?share", _NEUTRAL, "clause"),
    _p("volatility of anything", r"volatility|\bvix\b|vstoxx", _LOWER, "clause"),
    _p("slope of the yield curve", r"yield curve|\d+y\s*-\s*\d+y", _HIGHER, "clause"),
    _p("prices received", r"terms of trade|export prices?", _HIGHER, "clause"),
    _p("prices paid abroad", r"import prices?", _LOWER, "clause"),
    _p("lifetime", r"life expectancy", _HIGHER, "clause"),
    _p("equity prices",
       r"share prices?|stock (?:market|exchange|index|prices?)|equit(?:y|ies) (?:index|prices?|"
       r"market)", _HIGHER, "clause"),
    _p("valuation ratio",
       r"price[\s/-]*(?:to[\s-]*)?(?:earnings|book|rent|sales|income)|\bp/e\b|\bcape\b|"
       r"valuation", _NEUTRAL, "clause"),
    _p("time taken and delays",
       r"\brank|doing business|time required|days to|time to|lead time|dwell time|"
       r"\bwaiting\b|length of stay|delay(?:s|ed)?\b|congestion", _LOWER, "clause"),
    _p("a gap that is a shortfall",
       r"(?:pay|wage|gender|earnings|financing|funding|poverty|infrastructure|investment|"
       r"skills?) gap", _LOWER, "clause"),
    _p("a cyclical gap", r"\bgap\b", _NEUTRAL, "clause"),
    _p("nature lost", r"deforest|forest loss|tree cover loss", _LOWER, "clause"),
    _p("coverage and remedies",
       r"access to|coverage|covered by|immuni[sz]|vaccinat|attended by|treatment success|"
       r"success rate|cure rate|averted|avoided|prevented|reduction (?:in|of)|recycl|renewable|"
       r"clean (?:fuels?|energy|cooking|water)|safely managed|improved (?:water|sanitation)|"
       r"literacy|enrol|\bforest|protected areas?|wetlands|mangrove", _HIGHER, "clause"),
    _p("share of the poorest", r"(?:lowest|bottom|poorest)\s+(?:\d|quintile|decile|half|fifth)",
       _HIGHER, "clause"),
    _p("share of the richest", r"(?:highest|top|richest)\s+(?:\d|quintile|decile|fifth)", _LOWER,
       "clause"),
    _p("clean-government score",
       r"corruption (?:perceptions? )?(?:index|score)|control of corruption", _HIGHER, "clause"),
    _p("house prices and vacancies",
       r"house prices?|property prices?|housing (?:index|prices?)|home prices?|"
       r"residential property prices?|(?:rental|homeowner|housing|residential|office|dwelling) "
       r"vacanc",
       _NEUTRAL, "clause"),
    # 3. bad news when it rises
    _p("harm to health and life",
       r"mortality|deaths?\b|fatal|homicide|suicide|murder|crimes?\b|criminal|offen[cs]es?|"
       r"victim|injur|accident|disease|illness|infection|\bhiv\b|\baids\b|tubercul|malaria|"
       r"\bcases\b|incidence|obes|overweight|underweight|stunt|wasting|undernourish|"
       r"malnutrition|an(?:a)?emia|diabetes|tobacco|smok|alcohol|drug use|prevalence|"
       r"adolescent (?:fertility|births?)|teen(?:age)? (?:pregnanc|births?)", _LOWER),
    _p("deprivation",
       r"poverty|\bpoor\b|deprivation|inequality|\bgini\b|homeless|overcrowd|overburden|"
       r"food insecurity|hunger|slum", _LOWER),
    _p("labour slack",
       r"unemploy|jobless|underemploy|under-?utili[sz]|slack|informal|vulnerable|precarious|"
       r"\bneet\b|"
       r"not in employment|out of school|(?:early|school) leavers|drop-?outs?|child labou?r|"
       r"strikes?\b|"
       r"lockouts?|days lost|redundanc|layoffs?|job losses|claimants?|\bclaims\b", _LOWER),
    _p("environmental harm",
       r"emission|pollut|pm\s?2\.5|pm10|particulate|nitrogen (?:di)?oxides?|\bno2\b|\bnox\b|"
       r"\bso2\b|sulph|sulfur|ozone|"
       r"greenhouse|\bghg\b|\bco2\b|methane|carbon|waste|water stress|withdrawals?|depletion|"
       r"degradation|intensity|contaminat|spills?", _LOWER),
    _p("losses and financial distress",
       r"\bloss(?:es)?\b|arrears|delinquen|default|non-?performing|\bnpls?\b|bad loans|impair|"
       r"write-?offs?|repossess|possession|foreclos|evict|bankrupt|insolven|distress", _LOWER),
    _p("burdens",
       r"deficit|borrowing|financing needs|\bdebt\b|liabilit|interest payments|debt service|"
       r"dependency|pupil[\s-]+teacher|out-of-pocket|\bcosts?\b|expenses?\b|premium|burden",
       _LOWER),
    _p("prices paid",
       r"inflation|\bprices?\b|\bcpi\b|\bppi\b|hicp|\bpce\b|deflator|\brents?\b|cost of living|"
       r"tariffs?", _LOWER),
    _p("risk and stress",
       r"recession|uncertainty|stress|\brisk|spread|fragility",
       _LOWER),
    # 4. neutral by nature: the sign is genuinely ambiguous
    _p("resources used",
       r"(?:electric\w*|power|energy|gas|oil|fuel|coal|water|fertili[sz]er|pesticide)\s+"
       r"(?:\w+\s+)?(?:consumption|use|demand|supplied)|consumption of (?:electric|energy|gas|"
       r"oil|fuel|water|coal)", _NEUTRAL),
    _p("demography",
       r"population|inhabitants|residents|births?\b|fertility|migra|marriages?|divorces?|"
       r"\bageing|\baging", _NEUTRAL),
    _p("hours and supply in months",
       r"\bhours\b|retirement|pension age|months'? supply|supply of (?:new )?(?:houses|homes)",
       _NEUTRAL),
    _p("public spending and transfers",
       r"government (?:spending|expenditure|consumption)|public (?:spending|expenditure)|"
       r"social (?:spending|expenditure|protection)|health (?:spending|expenditure)|military|"
       r"defen[cs]e|subsid|transfers|grants", _NEUTRAL),
    _p("holdings and trade of ambiguous sign",
       r"inventor|\bstocks?\b(?! traded| market| exchange)|storage|imports?\b|consumer credit|"
       r"\bunions?\b|density|discharges|admissions|\bland\b|\bareas?\b|acreage|procure|"
       r"exchange rate|\bcurrency\b|\bfx rate\b|\bforex\b", _NEUTRAL),
    # 5. good news when it rises
    _p("health and education resources",
       r"physicians|doctors|nurses|midwives|hospital beds|\bbeds\b|health workers|teachers",
       _HIGHER),
    _p("financial soundness and buffers",
       r"\bcapital\b|liquid|solvency|z-?score|return on|profits?\b|profitab|earnings|reserves|"
       r"holdings|\bassets\b|wealth|net worth|deposits?", _HIGHER),
    _p("net position",
       r"surplus|balance\b|current account|budget\b|net exports|lending|investment position",
       _HIGHER),
    _p("quality and performance",
       r"effectiveness|performance|connectivity|on[\s-]time|affordab|competitiveness|\bratings?\b|"
       r"\bscore\b|freedom|productivity|seats held by women|women in (?:parliament|management)|"
       r"bid-to-cover|oversubscri|capacity\b(?! utili)", _HIGHER),
    _p("activity",
       r"production|output|generation|\bsales\b|\bsold\b|orders|exports?|\bgdp\b|gross domestic|"
       r"national (?:product|income)|\bgnp\b|\bgfcf\b|income|wages?|salar|compensation|"
       r"investment|capital formation|\bfdi\b|employ|payrolls|\bjobs\b|hiring|vacanc|openings|"
       r"construction|permits|starts|completions?|completed|approvals|arrivals|registrations|"
       r"visitors|touris|revenues?|receipts|value added|confidence|sentiment|optimism|climate|"
       r"tendency|\bpmi\b|purchasing managers|utili[sz]ation|participation|ownership|traffic|"
       r"freight|cargo|passengers?|throughput|capitali[sz]ation|issuance|turnover|traded|"
       r"\bloans?\b|credit|spending|expenditure|consumption|retail|manufactur|industr|"
       r"remittances|\brigs?\b|coincident|leading|subscriptions|subscribers|broadband|internet|"
       r"mobile|yields?|harvest|electric vehicles?|saving|tonnage|inspections|shipments|"
       r"market share|\bflows?\b|ridership|travell?ed|\btax(?:es)?\b|departures|loaded|"
       r"handled", _HIGHER),
)
# fmt: on

_ACTIVITY_ROW = POLARITY[-1]

# Orientation from the reading alone, for a name the table does not know.
_TYPE_DEFAULT: dict[str, HeatMapOrientation] = {
    "sentiment": _HIGHER,
    "volatility": _LOWER,
}


_SHARE_OF = re.compile(
    r"(?:%|percent|per cent|as (?:a )?(?:share|percentage|proportion)) of (?:the )?([\w\s,-]*)",
    _I,
)
_WORD = re.compile(r"[a-z]{4,}")


def _is_composition(full: str, head: str) -> bool:
    """A share of its own total ("employment in services, % of total employment"): how a
    whole divides up, neither good nor bad news in itself."""
    match = _SHARE_OF.search(full)
    if match is None:
        return False
    words = _WORD.findall(match.group(1))
    if words == ["total"]:
        return True
    return bool(words) and words[-1].rstrip("s") in head


@lru_cache(maxsize=8192)
def orientation_of(name: str, indicator_type: str) -> tuple[HeatMapOrientation, str | None]:
    """The heat-map orientation of a name read as `indicator_type`, and the label of the
    polarity row that decided it (None when nothing did: neutral by default)."""
    full, clause, head = _name_parts(name)
    for row in POLARITY:
        if row.types is not None and indicator_type not in row.types:
            continue
        if row.pattern.search(clause if row.scope == "clause" else head):
            if row is _ACTIVITY_ROW and _is_composition(full, head):
                return _NEUTRAL, "composition of a total"
            return row.orientation, row.label
    rest = _DENOMINATOR.sub(" ", full)  # the head said nothing: read the whole numerator
    for row in POLARITY:
        applies = row.types is None or indicator_type in row.types
        if applies and row.scope == "head" and row.pattern.search(rest):
            return row.orientation, row.label
    default = _TYPE_DEFAULT.get(indicator_type)
    if default is not None:
        return default, f"a {indicator_type}"
    return _NEUTRAL, None


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
_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
)
_YTD_NAME = re.compile(
    r"\b(?:ytd|fytd|mytd)\b|"
    r"(?:year|season)[\s-]+to[\s-]+date|"
    rf"\b(?:{_MONTHS})[\s-]+to[\s-]+date|"
    r"since (?:the (?:start|beginning) of the (?:\w+ )?(?:year|season)|january)|"
    r"from the (?:start|beginning) of the (?:\w+ )?(?:year|season)|"
    r"accumulated\b(?!\s+(?:over|during|in)?\s*(?:the\s+)?(?:last|past|previous|trailing|"
    r"rolling|12|twelve))",
    _I,
)
# Every phrase `_YTD_NAME` reads contains one of these; plain substring tests are much
# cheaper than the pattern on a long description.
_YTD_HINTS = ("ytd", "date", "since", "from the", "accumulated")


def _says_ytd(text: str) -> bool:
    lowered = text.lower()
    if not any(hint in lowered for hint in _YTD_HINTS):
        return False
    return _YTD_NAME.search(lowered) is not None


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


def _year_months(samples: list[SampleValue]) -> list[tuple[int, int]] | None:
    """(year, month) of each sample, or None when a date cannot be read."""
    out: list[tuple[int, int]] = []
    for sample in samples:
        text = sample["date"]
        try:
            if text[4] == "-":  # ISO: 2024-03-31
                out.append((int(text[:4]), int(text[5:7])))
                continue
        except (IndexError, ValueError):
            pass
        parsed = _parse_date(text)
        if parsed is None:
            return None
        out.append((parsed[0], parsed[1]))
    return out


def _accumulates_from(values: list[float], dates: list[tuple[int, int]], start: int) -> bool:
    """Values accumulate within each year that starts in month `start` (same sign, strictly
    growing magnitude) and fall back towards zero in the first period of every such year
    (a year seen only in one period, such as the first point of the window, cannot show
    its reset)."""
    resets = 0
    steps = 0
    growing = 0
    segment = 1  # periods seen so far in the current year
    previous_year = dates[0][0] - (dates[0][1] < start)
    for i in range(1, len(values)):
        year = dates[i][0] - (dates[i][1] < start)
        before, current = values[i - 1], values[i]
        if year != previous_year:
            previous_year = year
            if segment >= 2:
                if abs(current) >= 0.6 * abs(before):
                    return False
                resets += 1
            segment = 1
            continue
        segment += 1
        steps += 1
        if abs(current) > abs(before) and (current >= 0) == (before >= 0):
            growing += 1
    return resets >= 1 and steps >= 2 and growing >= 0.8 * steps


def _is_ytd(values: list[float], samples: list[SampleValue]) -> bool:
    """A year-to-date series, whatever month its (fiscal, marketing) year starts in: the
    months where the values fall back towards zero are the candidate starts, and one of
    them must explain every fall and every rise. Dates are read only for a series that
    falls back at all."""
    tried: list[int] = []
    dates: list[tuple[int, int]] | None = None
    for i in range(1, len(values)):
        if abs(values[i]) < 0.6 * abs(values[i - 1]):
            if dates is None:
                dates = _year_months(samples)
                if dates is None:
                    return False
            month = dates[i][1]
            if month in tried:
                continue
            if _accumulates_from(values, dates, month):
                return True
            tried.append(month)
            if len(tried) == 3:
                break
    return False


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
    samples: list[SampleValue] | None,
    *,
    text: str = "",
    stock_like: bool = False,
    description: str = "",
) -> CumulativePattern:
    """ytd, running_total, periodic or unknown, from the sample values and the name.

    A year-to-date series ("year to date", "fiscal/financial/marketing year to date",
    "April to date", "accumulated" in the name or the description) resets at the start of
    every year, in whatever month that year starts. A running total never falls and
    accumulates by nature: something named cumulative, or a debt stock. Without samples
    only a name that says year-to-date decides; otherwise "unknown".
    """
    if _says_ytd(text) or (description and _says_ytd(description)):
        return "ytd"
    if not samples:
        return "unknown"
    if len(samples) < 3:
        return "periodic"
    dates = [sample["date"] for sample in samples]
    ordered = samples if dates == sorted(dates) else sorted(samples, key=_date_of)
    values = [sample["value"] for sample in ordered]
    if _is_ytd(values, ordered):
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
    signed_is_change: bool = False


def _oriented(
    name: str, indicator_type: IndicatorType, confidence: float
) -> tuple[HeatMapOrientation, float, str]:
    orientation, label = orientation_of(name, indicator_type)
    if label is None:
        return orientation, confidence * 0.8, "orientation unknown (neutral)"
    return orientation, confidence, f"orientation '{label}'"


@lru_cache(maxsize=8192)
def _read_name(name: str, units: str, unit_type: UnitType) -> _Reading | None:
    """The reading of a name and its units from `TYPE_RULES`, or None."""
    context = f"{name} {units}"
    for rule in TYPE_RULES:
        if rule.matches(name, unit_type, context):
            aggregation = rule.aggregation
            if rule.by_numerator:
                aggregation = _numerator_aggregation(name, aggregation)
            orientation, confidence, why = _oriented(
                name, rule.indicator_type, 0.9 if rule.pattern.pattern != "." else 0.8
            )
            return _Reading(
                rule.indicator_type,
                rule.family,
                aggregation,
                orientation,
                confidence,
                f"rule '{rule.label}'; {why}",
                rule.signed_is_change,
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
            orientation, confidence, why = _oriented(
                indicator.name, from_description.indicator_type, 0.65
            )
            return _Reading(
                from_description.indicator_type,
                from_description.family,
                from_description.aggregation,
                orientation,
                confidence,
                f"{from_description.reason.split(';')[0]} (from the description); {why}",
                from_description.signed_is_change,
            )
    indicator_type, aggregation = UNIT_FALLBACK[units.unit_type]
    orientation, confidence, why = _oriented(indicator.name, indicator_type, 0.5)
    return _Reading(
        indicator_type,
        cast(Family, FAMILY_OF_TYPE[indicator_type]),
        aggregation,
        orientation,
        confidence,
        f"unit type {units.unit_type}; {why}",
    )


def _time_basis(aggregation: TemporalAggregation, pattern: CumulativePattern) -> TimeBasis:
    if pattern in ("ytd", "running_total"):
        return "cumulative"
    if aggregation in ("point-in-time", "not-applicable"):
        return "point-in-time"
    return "per-period"


def _takes_both_signs(samples: list[SampleValue]) -> bool:
    negative = positive = False
    for sample in samples:
        value = sample["value"]
        negative = negative or value < 0
        positive = positive or value > 0
    return negative and positive


def classify_indicator(indicator: IndicatorInput, units: NormalizedUnits) -> Classification:
    """Classify one indicator from its name, description, units and samples."""
    reading = _read(indicator, units)
    samples = indicator.sample_values
    frequency = _normalise_frequency(indicator.periodicity)
    if frequency is None and samples:
        frequency = detect_frequency(samples)
    if frequency is None:
        frequency = "point-in-time" if not samples or len(samples) < 2 else "annual"

    indicator_type = reading.indicator_type
    family = reading.family
    aggregation = reading.aggregation
    notes = [reading.reason, f"units {units.unit_type}"]
    if reading.signed_is_change and samples and _takes_both_signs(samples):
        indicator_type, family, aggregation = "flow", "physical-fundamental", "period-total"
        notes.append("values change sign (a change in the level)")

    pattern = detect_cumulative_pattern(
        samples,
        text=indicator.name,
        stock_like=indicator_type == "stock",
        description=indicator.description or "",
    )
    if pattern == "ytd":
        aggregation = "period-cumulative"
        notes.append("values reset at the start of each year (year to date)")
    elif pattern == "running_total":
        notes.append("values only accumulate (running total)")
    confidence = reading.confidence * (0.75 + 0.25 * units.confidence)
    return Classification(
        family=family,
        indicator_type=indicator_type,
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
