"""A catalog of economic indicator concepts and the countries they are reported for.

Each `IndicatorConcept` describes one kind of macro-economic series as real sources
publish it: the name (and a few aliases), the unit spellings sources use, the
periodicities, a description, the shape of its sample values and the classification an
economist would give it. `scripts/seed_database.py` expands `CONCEPTS` over
`COUNTRIES` into a source database; `EXTRA_CONCEPTS` (health, environment, energy,
financial markets, labour and social statistics, logistics, public finance, agriculture,
housing) are not seeded, so the source database and the figures that depend on its number
of distinct concepts stay as they were. The tests measure the rules provider against the
expected labels of `ALL_CONCEPTS`. The rules provider itself never reads this module.

Labelling conventions (applied consistently across the catalog):

- Money amounts produced over a period (GDP, exports, spending) are
  physical-fundamental/flow, `period-total`; net positions of two flows (trade balance,
  current account, budget value) are physical-fundamental/balance.
- Amounts outstanding at a date (money supply, reserves, loans) are
  physical-fundamental/stock, `point-in-time`; debt is a stock built by accumulating
  deficits, so its samples are a `running_total` and its time basis `cumulative`.
- Physical quantities (barrels, tonnes, GWh) are physical-fundamental/volume; a
  per-day rate such as BBL/D is a `period-average`.
- Counts of people, units or events (claims, permits, arrivals, payrolls) are
  numeric-measurement/count: a flow of events is `period-total`, a headcount at a date
  `point-in-time`.
- Shares of a population (unemployment, participation, utilisation) and statutory tax
  rates are numeric-measurement/percentage. X-to-GDP and X-to-income figures and per
  capita figures are numeric-measurement/ratio: a stock over GDP is `point-in-time`, a
  flow over a flow is `period-total`.
- Growth rates and inflation are change-movement/rate, `period-rate`.
- Interest rates and yields are price-value/yield; wages and unit prices are
  price-value/price; exchange rates are price-value/price.
- Constructed indices (price indices, PMIs, leading indices, stock indices, scores and
  rankings) are composite-derived/index. Opinion surveys of confidence, sentiment and
  optimism are qualitative/sentiment.
- Rates per 1,000 or 100,000 people, per live births, per woman, per hectare, per cow,
  per capita and per unit of GDP (mortality, fertility, crime, yields, intensities) are
  numeric-measurement/ratio: events or flows over the population are `period-total`,
  stocks over it (doctors, subscriptions) `point-in-time`, concentrations (PM2.5)
  `period-average`. "Rate" names a population share when it is not an interest, exchange
  or growth rate: poverty, obesity, NEET, vacancy and recycling rates in percent are
  percentage/`period-average`, like anything "% of population/adults/children/employment".
- Ratios of two amounts (capital to assets, loans to deposits, price to earnings, return
  on assets) are ratio; shares of a total that is not GDP or a population ("% of land
  area", "% of total final energy consumption", "% of loans") are share. Either is
  `point-in-time` when its numerator is a stock (area, loans, capital, seats) and
  `period-total` when it is a flow (consumption, imports, income).
- Spreads (credit default swaps, lending minus deposit rates) are numeric-measurement/
  spread; the gender pay gap, like the output gap, is change-movement/gap. Installed
  generating capacity is physical-fundamental/capacity; a crop or milk yield is a ratio,
  not a price-value/yield. Spot prices of commodities are `point-in-time`, retail prices
  and rents `period-average`. Physical inventories are stocks; their weekly change is a flow.
- Inflation itself and price levels paid by consumers are lower-is-positive; activity is
  higher-is-positive; policy settings, statutory tax rates, exchange rates and population
  are neutral. Burdens, harms, slack, stress, costs and delays are lower-is-positive
  (mortality, poverty, emissions, underemployment, arrears, non-performing loans, interest
  payments, waiting times), coverage and buffers higher-is-positive (access to
  electricity, immunisation, bank capital, reserves). Where the sign is genuinely
  ambiguous (resource consumption, house prices, commodity and freight prices, public and
  social spending, inventories, fertility, migration, the composition of a total) the
  label is neutral. Revenue, taxes collected included, is higher-is-positive.
- `time_basis` follows from the aggregation: cumulative patterns (ytd, running total)
  are `cumulative`, point-in-time and not-applicable values are `point-in-time`, the rest
  `per-period`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from steps.classify.models import (
    AGGREGATION_SHORTHAND,
    FAMILY_OF_TYPE,
    CumulativePattern,
    Family,
    HeatMapOrientation,
    IndicatorType,
    TemporalAggregation,
    TimeBasis,
)

Frequency = Literal["daily", "weekly", "monthly", "quarterly", "annual"]
ShapeKind = Literal["level", "rate", "index", "count", "step", "balance", "ytd", "running_total"]
ScaleBasis = Literal["none", "gdp", "population", "gdp_per_capita", "usd"]

__all__ = [
    "ALL_CONCEPTS",
    "CONCEPTS",
    "COUNTRIES",
    "EXTRA_CONCEPTS",
    "PERIODS_PER_YEAR",
    "Country",
    "ExpectedClassification",
    "Frequency",
    "IndicatorConcept",
    "SampleShape",
    "concept_by_name",
]

PERIODS_PER_YEAR: dict[Frequency, int] = {
    "daily": 260,
    "weekly": 52,
    "monthly": 12,
    "quarterly": 4,
    "annual": 1,
}


@dataclass(frozen=True, slots=True)
class SampleShape:
    """How a concept's sample values look.

    kind:
      level          trending level: compounding `trend` a year, relative noise `spread`
      rate           mean-reverting value around `base` (absolute noise `spread`);
                     `trend` is an absolute drift a year
      index          index starting near `base` (about 100), drifting `trend` percent a
                     year, relative noise `spread`
      count          like level, rounded to whole numbers by `decimals`
      step           piecewise constant; moves by about `spread` now and then
      balance        a net position around `base` that can change sign
      ytd            period flows of size `base` (relative noise `spread`) summed from
                     January, reset at the start of each year
      running_total  accumulates a positive increment every period; `trend` is the
                     growth a year
    basis: what `base` is measured against (`gdp`: share of annual GDP in USD, divided by
      the periods per year when `flow`; `population`: persons per inhabitant;
      `gdp_per_capita`: share of GDP per head; `usd`: a price in US dollars converted
      into the unit's currency; `none`: raw value in the unit).
    vary: sigma of a log-normal factor drawn per indicator (country differences).
    """

    kind: ShapeKind
    base: float
    spread: float
    trend: float = 0.0
    basis: ScaleBasis = "none"
    flow: bool = False
    vary: float = 0.0
    lower: float | None = None
    upper: float | None = None
    decimals: int = 2


@dataclass(frozen=True, slots=True)
class ExpectedClassification:
    """The classification an economist gives a concept (frequency comes per series)."""

    family: Family
    indicator_type: IndicatorType
    temporal_aggregation: TemporalAggregation
    heat_map_orientation: HeatMapOrientation
    time_basis: TimeBasis
    cumulative_pattern: CumulativePattern

    def as_dict(self, reporting_frequency: str) -> dict[str, str]:
        return {
            "family": self.family,
            "indicator_type": self.indicator_type,
            "temporal_aggregation": self.temporal_aggregation,
            "heat_map_orientation": self.heat_map_orientation,
            "time_basis": self.time_basis,
            "reporting_frequency": reporting_frequency,
            "cumulative_pattern": self.cumulative_pattern,
        }


@dataclass(frozen=True, slots=True)
class IndicatorConcept:
    """One kind of indicator, before it is expanded over countries.

    Unit templates may contain `{cur}` (the country's currency code) or `{pair}` (the
    country's exchange-rate pair against the US dollar).
    """

    name: str
    category_group: str
    topic: str
    units: tuple[str, ...]
    periodicities: tuple[Frequency, ...]
    description: str
    shape: SampleShape
    expected: ExpectedClassification
    aliases: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return _slugify(self.name)

    def expected_for(self, frequency: Frequency) -> dict[str, str]:
        return self.expected.as_dict(frequency)


@dataclass(frozen=True, slots=True)
class Country:
    code: str  # ISO 3166 alpha-3, lower case (used in indicator ids)
    name: str
    currency: str  # ISO 4217
    currency_name: str
    gdp_usd_bn: float
    population_m: float
    usd_rate: float  # units of `currency` per US dollar
    statistics_office: str
    central_bank: str
    eu: bool = False


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --------------------------------------------------------------------------- labels

_ORIENTATIONS: dict[str, HeatMapOrientation] = {
    "+": "higher-is-positive",
    "-": "lower-is-positive",
    "0": "neutral",
}


def _exp(
    indicator_type: IndicatorType,
    aggregation: str,
    orientation: str,
    pattern: CumulativePattern = "periodic",
) -> ExpectedClassification:
    """Expected labels; the family follows from the type, the time basis from the rest."""
    agg = AGGREGATION_SHORTHAND[aggregation]
    basis: TimeBasis
    if pattern in ("ytd", "running_total"):
        basis = "cumulative"
    elif agg in ("point-in-time", "not-applicable"):
        basis = "point-in-time"
    else:
        basis = "per-period"
    return ExpectedClassification(
        family=cast(Family, FAMILY_OF_TYPE[indicator_type]),
        indicator_type=indicator_type,
        temporal_aggregation=agg,
        heat_map_orientation=_ORIENTATIONS[orientation],
        time_basis=basis,
        cumulative_pattern=pattern,
    )


# --------------------------------------------------------------------------- shapes


def _level(
    base: float,
    trend: float = 0.03,
    spread: float = 0.01,
    *,
    basis: ScaleBasis = "gdp",
    flow: bool = True,
    vary: float = 0.0,
) -> SampleShape:
    return SampleShape("level", base, spread, trend, basis, flow, vary)


def _rate(
    mean: float,
    spread: float,
    *,
    trend: float = 0.0,
    vary: float = 0.0,
    lower: float | None = None,
    upper: float | None = None,
    decimals: int = 2,
) -> SampleShape:
    return SampleShape("rate", mean, spread, trend, "none", False, vary, lower, upper, decimals)


def _index(
    base: float = 110.0, trend: float = 2.0, spread: float = 0.004, *, vary: float = 0
) -> SampleShape:
    return SampleShape("index", base, spread, trend, "none", False, vary)


def _count(
    base: float,
    trend: float = 0.01,
    spread: float = 0.03,
    *,
    basis: ScaleBasis = "population",
    flow: bool = True,
    vary: float = 0.3,
) -> SampleShape:
    return SampleShape("count", base, spread, trend, basis, flow, vary, 0.0, None, 0)


def _step(
    base: float,
    spread: float,
    *,
    basis: ScaleBasis = "none",
    vary: float = 0.0,
    lower: float | None = None,
    upper: float | None = None,
    decimals: int = 2,
) -> SampleShape:
    return SampleShape("step", base, spread, 0.0, basis, False, vary, lower, upper, decimals)


def _balance(
    base: float,
    spread: float,
    *,
    basis: ScaleBasis = "gdp",
    flow: bool = True,
    vary: float = 0.0,
) -> SampleShape:
    return SampleShape("balance", base, spread, 0.0, basis, flow, vary)


def _ytd(base: float, spread: float = 0.2) -> SampleShape:
    return SampleShape("ytd", base, spread, 0.0, "gdp", True)


def _running(base: float, trend: float = 0.05) -> SampleShape:
    return SampleShape("running_total", base, 0.3, trend, "gdp", False)


# --------------------------------------------------------------------------- units

_PCT = ("percent", "%", "Percent", "per cent")
_PCT_GDP = ("% of GDP", "percent of GDP", "Percent of GDP", "% GDP")
_INDEX = ("points", "Index Points", "2015=100", "Index, 2015=100", "2010=100")
_POINTS = ("points", "Index Points", "Index")
_CUR_LARGE = (
    "{cur} Billion",
    "USD Billion",
    "National currency, billions",
    "{cur} Million",
    "USD Million",
    "National currency, millions",
)
_CUR_MEDIUM = (
    "{cur} Million",
    "USD Million",
    "National currency, millions",
    "{cur} Billion",
)
_USD = ("USD Million", "USD Billion", "US Dollar Million")
_THOUSAND = ("Thousand", "Thousands", "Thousand persons")
_PERSONS = ("Persons", "Thousand", "Thousand persons", "Number of people")
_UNITS = ("Units", "Thousand Units", "Thousand")
_RATE = ("percent", "%")
_M: tuple[Frequency, ...] = ("monthly",)
_Q: tuple[Frequency, ...] = ("quarterly",)
_A: tuple[Frequency, ...] = ("annual",)
_D: tuple[Frequency, ...] = ("daily",)
_W: tuple[Frequency, ...] = ("weekly",)
_MQ: tuple[Frequency, ...] = ("monthly", "quarterly")
_QA: tuple[Frequency, ...] = ("quarterly", "annual")
_MA: tuple[Frequency, ...] = ("monthly", "annual")
_DM: tuple[Frequency, ...] = ("daily", "monthly")
_MW: tuple[Frequency, ...] = ("monthly", "weekly")


def _c(
    name: str,
    group: str,
    topic: str,
    units: tuple[str, ...],
    periodicities: tuple[Frequency, ...],
    shape: SampleShape,
    expected: ExpectedClassification,
    description: str,
    aliases: tuple[str, ...] = (),
) -> IndicatorConcept:
    return IndicatorConcept(
        name, group, topic, units, periodicities, description, shape, expected, aliases
    )


# --------------------------------------------------------------------------- concepts

# fmt: off
CONCEPTS: tuple[IndicatorConcept, ...] = (
    # ---------------------------------------------------------------- GDP
    _c("GDP", "GDP", "GDP", _CUR_LARGE, ("annual", "quarterly"),
       _level(1.0, 0.04), _exp("flow", "total", "+"),
       "The gross domestic product of {country}: the market value of all final goods "
       "and services produced in the period.",
       ("Gross Domestic Product", "Nominal GDP")),
    _c("GDP Growth Rate", "GDP", "GDP", _PCT, _Q,
       _rate(0.5, 0.5, lower=-4, upper=5), _exp("rate", "rate", "+"),
       "Quarter-on-quarter change of seasonally adjusted real GDP in {country}.",
       ("GDP QoQ", "Real GDP Growth QoQ")),
    _c("GDP Annual Growth Rate", "GDP", "GDP", _PCT, _QA,
       _rate(2.2, 1.0, vary=0.4, lower=-8, upper=12), _exp("rate", "rate", "+"),
       "Year-on-year change of real gross domestic product in {country}.",
       ("GDP YoY", "Real GDP Growth YoY")),
    _c("GDP per Capita", "GDP", "GDP", ("USD", "{cur}", "US Dollar"), _A,
       _level(1.0, 0.02, basis="gdp_per_capita", flow=False),
       _exp("ratio", "total", "+"),
       "Gross domestic product of {country} divided by its mid-year population.",
       ("GDP per Person",)),
    _c("GDP per Capita PPP", "GDP", "GDP",
       ("USD", "current international $", "USD PPP"), _A,
       _level(1.6, 0.03, basis="gdp_per_capita", flow=False),
       _exp("ratio", "total", "+"),
       "GDP per head of {country} converted at purchasing power parity rates."),
    _c("GDP Constant Prices", "GDP", "GDP", _CUR_LARGE, _QA,
       _level(0.9, 0.02), _exp("flow", "total", "+"),
       "Real gross domestic product of {country} at constant prices of the base year.",
       ("Real GDP", "GDP at Constant Prices")),
    _c("Gross National Product", "GDP", "GDP", _CUR_LARGE, _QA,
       _level(1.02, 0.035), _exp("flow", "total", "+"),
       "Gross national product of {country}: GDP plus net primary income from abroad.",
       ("GNP",)),
    _c("GDP Deflator", "GDP", "GDP", _INDEX, _QA,
       _index(118, 3.0), _exp("index", "avg", "-"),
       "The implicit price deflator of {country}'s GDP, the ratio of nominal to real "
       "output.",
       ("Implicit Price Deflator",)),
    _c("Gross Fixed Capital Formation", "GDP", "GDP", _CUR_LARGE, _QA,
       _level(0.22, 0.03, 0.02), _exp("flow", "total", "+"),
       "Spending on fixed assets such as buildings, machinery and equipment in "
       "{country}.",
       ("Fixed Investment", "GFCF")),
    _c("Changes in Inventories", "GDP", "GDP", _CUR_MEDIUM, _Q,
       _balance(0.004, 0.008), _exp("flow", "total", "0"),
       "The change in the stocks of goods held by firms in {country} during the "
       "quarter.",
       ("Change in Stocks",)),
    _c("Consumer Spending", "GDP", "Consumption", _CUR_LARGE, _QA,
       _level(0.58, 0.035), _exp("flow", "total", "+"),
       "Final consumption expenditure of households in {country}.",
       ("Household Consumption", "Private Consumption Expenditure")),
    _c("Government Spending", "GDP", "Government", _CUR_LARGE, _QA,
       _level(0.18, 0.03), _exp("flow", "total", "0"),
       "Final consumption expenditure of the general government of {country}.",
       ("Government Consumption Expenditure",)),
    _c("GDP from Manufacturing", "GDP", "GDP", _CUR_MEDIUM, _QA,
       _level(0.15, 0.02, 0.015), _exp("flow", "total", "+"),
       "Gross value added by the manufacturing sector of {country}."),
    _c("GDP from Agriculture", "GDP", "GDP", _CUR_MEDIUM, _QA,
       _level(0.04, 0.01, 0.03), _exp("flow", "total", "+"),
       "Gross value added by agriculture, forestry and fishing in {country}."),
    _c("GDP from Construction", "GDP", "GDP", _CUR_MEDIUM, _QA,
       _level(0.06, 0.02, 0.02), _exp("flow", "total", "+"),
       "Gross value added by the construction sector of {country}."),
    _c("Output Gap", "GDP", "GDP",
       ("% of potential GDP", "percent of potential output"), _QA,
       _rate(-0.3, 0.6, lower=-6, upper=6), _exp("gap", "avg", "0"),
       "The difference between actual and potential output of {country}, as a "
       "percentage of potential GDP.",
       ("Output Gap (% of potential GDP)",)),
    # ---------------------------------------------------------------- Labour
    _c("Unemployment Rate", "Labour", "Labour", _PCT, _MQ,
       _rate(6.0, 0.25, vary=0.5, lower=1.5, upper=35), _exp("percentage", "avg", "-"),
       "The share of the labour force of {country} that is without work but available "
       "for and seeking employment.",
       ("Jobless Rate", "Unemployment")),
    _c("Youth Unemployment Rate", "Labour", "Labour", _PCT, _MQ,
       _rate(15.0, 0.6, vary=0.5, lower=3, upper=60), _exp("percentage", "avg", "-"),
       "Unemployed persons aged 15 to 24 in {country} as a share of the youth labour "
       "force.",
       ("Youth Unemployment",)),
    _c("Long Term Unemployment Rate", "Labour", "Labour", _PCT, _Q,
       _rate(2.5, 0.15, vary=0.5, lower=0.2), _exp("percentage", "avg", "-"),
       "Persons in {country} unemployed for twelve months or more as a share of the "
       "labour force."),
    _c("Employment Rate", "Labour", "Labour", _PCT, _Q,
       _rate(68.0, 0.4, vary=0.1, upper=90), _exp("percentage", "avg", "+"),
       "Employed persons aged 15 to 64 in {country} as a share of the working-age "
       "population."),
    _c("Labour Force Participation Rate", "Labour", "Labour", _PCT, _MQ,
       _rate(63.0, 0.3, vary=0.1, upper=85), _exp("percentage", "avg", "+"),
       "The share of the working-age population of {country} that is employed or "
       "looking for work.",
       ("Labor Force Participation Rate", "Participation Rate")),
    _c("Employed Persons", "Labour", "Labour", _THOUSAND, _MQ,
       _count(0.45, 0.01, 0.003, flow=False, vary=0.1), _exp("count", "pit", "+"),
       "The number of people in employment in {country}.",
       ("Employment", "Total Employment")),
    _c("Unemployed Persons", "Labour", "Labour", _THOUSAND, _MQ,
       _count(0.03, 0.0, 0.02, flow=False), _exp("count", "pit", "-"),
       "The number of people in {country} without a job who are seeking work.",
       ("Number of Unemployed",)),
    _c("Non Farm Payrolls", "Labour", "Labour", ("Thousand", "Thousands"), _M,
       _balance(0.005, 0.004, basis="population"), _exp("count", "total", "+"),
       "The monthly change in the number of paid workers on non-farm payrolls in "
       "{country}.",
       ("Nonfarm Payrolls", "Non-Farm Employment Change")),
    _c("ADP Employment Change", "Labour", "Labour", ("Thousand", "Thousands"), _M,
       _balance(0.0045, 0.004, basis="population"), _exp("count", "total", "+"),
       "The monthly change in private-sector employment in {country} measured by the "
       "ADP payroll data.",
       ("ADP Private Employment",)),
    _c("Employment Change", "Labour", "Labour", ("Thousand", "Persons"), _MQ,
       _balance(0.006, 0.006, basis="population"), _exp("count", "total", "+"),
       "The change in the number of employed persons in {country} over the period.",
       ("Net Change in Employment",)),
    _c("Initial Jobless Claims", "Labour", "Labour", ("Thousand", "Persons"), _W,
       _count(0.034, 0.0, 0.05), _exp("count", "total", "-"),
       "The number of people in {country} filing first-time claims for unemployment "
       "insurance during the week.",
       ("Initial Claims", "Jobless Claims")),
    _c("Continuing Jobless Claims", "Labour", "Labour", ("Thousand", "Persons"), _W,
       _count(0.0055, 0.0, 0.02, flow=False), _exp("count", "pit", "-"),
       "The number of people in {country} receiving unemployment benefits at the end "
       "of the week.",
       ("Continuing Claims",)),
    _c("Job Vacancies", "Labour", "Labour", ("Thousand", "Units", "Number"), _MQ,
       _count(0.02, -0.02, 0.03, flow=False), _exp("count", "pit", "+"),
       "The number of unfilled job openings reported by employers in {country}.",
       ("Job Openings",)),
    _c("Wages", "Labour", "Wages",
       ("{cur}/Month", "{cur} per month", "{cur}/month"), _MQ,
       _level(0.04, 0.04, 0.005, basis="gdp_per_capita", flow=False),
       _exp("price", "avg", "+"),
       "Average gross monthly wages of employees in {country}.",
       ("Average Monthly Wages", "Average Earnings")),
    _c("Minimum Wages", "Labour", "Wages", ("{cur}/Month", "{cur} per month"), _MA,
       _step(0.02, 0.0015, basis="gdp_per_capita"), _exp("price", "pit", "+"),
       "The statutory minimum monthly wage in {country}.",
       ("Minimum Wage", "National Minimum Wage")),
    _c("Wage Growth", "Labour", "Wages", _PCT, _MQ,
       _rate(3.5, 0.4, vary=0.3), _exp("rate", "rate", "+"),
       "Year-on-year change of average wages in {country}.",
       ("Wage Growth YoY", "Average Earnings Growth")),
    _c("Average Hourly Earnings", "Labour", "Wages",
       ("{cur}/Hour", "{cur} per hour"), _M,
       _level(0.00025, 0.04, 0.003, basis="gdp_per_capita", flow=False),
       _exp("price", "avg", "+"),
       "Average hourly earnings of private-sector employees in {country}.",
       ("Hourly Earnings",)),
    _c("Average Weekly Hours", "Labour", "Labour", ("Hours", "hours per week"), _M,
       _rate(34.5, 0.15, vary=0.05), _exp("duration", "avg", "0"),
       "Average weekly hours worked by employees in {country}.",
       ("Average Hours Worked",)),
    _c("Productivity", "Labour", "Labour", _INDEX, _QA,
       _index(108, 1.0), _exp("index", "avg", "+"),
       "Output per hour worked in {country}, as an index.",
       ("Labour Productivity", "Labor Productivity")),
    _c("Unit Labour Costs", "Labour", "Labour", _INDEX, _Q,
       _index(112, 2.5), _exp("index", "avg", "-"),
       "The average cost of labour per unit of output in {country}, as an index.",
       ("Unit Labor Costs",)),
    _c("Labour Costs", "Labour", "Labour", _INDEX, _Q,
       _index(115, 3.0), _exp("index", "avg", "-"),
       "An index of hourly labour costs of employers in {country}.",
       ("Labor Cost Index",)),
    _c("Retirement Age Men", "Labour", "Labour", ("Years", "years"), _A,
       _step(65.0, 0.5, lower=55, upper=70, decimals=1), _exp("duration", "na", "0"),
       "The statutory age at which men in {country} can retire with a full pension.",
       ("Pension Age Men",)),
    _c("Retirement Age Women", "Labour", "Labour", ("Years", "years"), _A,
       _step(63.0, 0.5, lower=55, upper=70, decimals=1), _exp("duration", "na", "0"),
       "The statutory age at which women in {country} can retire with a full pension.",
       ("Pension Age Women",)),
    _c("Average Unemployment Duration", "Labour", "Labour", ("Weeks", "weeks"), _M,
       _rate(20.0, 0.8, vary=0.3, lower=4), _exp("duration", "avg", "-"),
       "The average number of weeks people in {country} have been unemployed.",
       ("Mean Duration of Unemployment",)),
    _c("Population", "Labour", "Demographics",
       ("Million", "Million persons", "Thousand", "Persons"), _A,
       _level(1.0, 0.008, 0.0005, basis="population", flow=False),
       _exp("stock", "pit", "0"),
       "The total number of residents of {country} at mid-year.",
       ("Total Population",)),
    # ---------------------------------------------------------------- Prices
    _c("Inflation Rate", "Prices", "Prices", _PCT, _M,
       _rate(3.0, 0.3, vary=0.4, lower=-3), _exp("rate", "rate", "-"),
       "Year-on-year change of the consumer price index of {country}.",
       ("CPI Inflation YoY", "Consumer Price Inflation", "Headline Inflation Rate")),
    _c("Inflation Rate MoM", "Prices", "Prices", _PCT, _M,
       _rate(0.25, 0.2), _exp("rate", "rate", "-"),
       "Month-on-month change of the consumer price index of {country}.",
       ("CPI MoM", "Monthly Inflation")),
    _c("Core Inflation Rate", "Prices", "Prices", _PCT, _M,
       _rate(2.8, 0.2, vary=0.3), _exp("rate", "rate", "-"),
       "Year-on-year change of consumer prices in {country} excluding food and energy.",
       ("Core CPI YoY",)),
    _c("Food Inflation", "Prices", "Prices", _PCT, _M,
       _rate(4.0, 0.6, vary=0.4), _exp("rate", "rate", "-"),
       "Year-on-year change of food prices in the consumer basket of {country}.",
       ("Food Price Inflation",)),
    _c("Harmonised Inflation Rate", "Prices", "Prices", _PCT, _M,
       _rate(2.6, 0.3, vary=0.3), _exp("rate", "rate", "-"),
       "Year-on-year change of the harmonised index of consumer prices of {country}.",
       ("HICP YoY",)),
    _c("Rent Inflation", "Prices", "Prices", _PCT, _M,
       _rate(3.5, 0.2, vary=0.3), _exp("rate", "rate", "-"),
       "Year-on-year change of actual rents paid by tenants in {country}."),
    _c("Producer Price Inflation MoM", "Prices", "Prices", _PCT, _M,
       _rate(0.2, 0.4), _exp("rate", "rate", "-"),
       "Month-on-month change of prices received by domestic producers in {country}.",
       ("PPI MoM",)),
    _c("Producer Prices Change", "Prices", "Prices", _PCT, _M,
       _rate(2.5, 1.0, vary=0.3), _exp("rate", "rate", "-"),
       "Year-on-year change of the producer price index of {country}.",
       ("PPI YoY", "Producer Price Inflation")),
    _c("Inflation Expectations", "Prices", "Prices", _PCT, _M,
       _rate(2.8, 0.15, vary=0.3), _exp("rate", "rate", "-"),
       "The inflation rate households in {country} expect over the next twelve months.",
       ("Consumer Inflation Expectations",)),
    _c("Consumer Price Index CPI", "Prices", "Prices", _INDEX, _M,
       _index(125, 3.5, 0.002), _exp("index", "avg", "-"),
       "The consumer price index of {country}: the price of a fixed basket of goods "
       "and services bought by households.",
       ("Consumer Price Index", "CPI")),
    _c("Core Consumer Prices", "Prices", "Prices", _INDEX, _M,
       _index(122, 3.0, 0.002), _exp("index", "avg", "-"),
       "Consumer prices in {country} excluding food and energy, as an index.",
       ("Core CPI Index",)),
    _c("Producer Prices", "Prices", "Prices", _INDEX, _M,
       _index(128, 3.0, 0.005), _exp("index", "avg", "-"),
       "Prices received by domestic producers in {country} for their output, as an "
       "index.",
       ("Producer Price Index", "PPI")),
    _c("CPI Transportation", "Prices", "Prices", _INDEX, _M,
       _index(130, 3.0, 0.01), _exp("index", "avg", "-"),
       "The transportation component of the consumer price index of {country}.",
       ("Transport Prices",)),
    _c("CPI Housing Utilities", "Prices", "Prices", _INDEX, _M,
       _index(127, 3.5, 0.004), _exp("index", "avg", "-"),
       "The housing and utilities component of the consumer price index of {country}."),
    _c("Import Prices", "Prices", "Prices", _INDEX, _M,
       _index(118, 2.0, 0.008), _exp("index", "avg", "-"),
       "An index of the prices of goods imported into {country}.",
       ("Import Price Index",)),
    _c("Export Prices", "Prices", "Prices", _INDEX, _M,
       _index(116, 2.0, 0.008), _exp("index", "avg", "+"),
       "An index of the prices of goods exported from {country}.",
       ("Export Price Index",)),
    _c("Terms of Trade", "Trade", "Trade", _INDEX, _MQ,
       _index(102, 0.0, 0.01), _exp("index", "avg", "+"),
       "The ratio of export prices to import prices of {country}, as an index.",
       ("Terms of Trade Index",)),
    _c("Gasoline Prices", "Prices", "Energy",
       ("USD/Liter", "{cur}/Liter", "{cur} per litre"), _MW,
       SampleShape("level", 1.4, 0.02, 0.02, "usd", False, 0.2),
       _exp("price", "avg", "-"),
       "The average retail price of a litre of gasoline in {country}.",
       ("Petrol Prices", "Gasoline Price")),
    _c("Diesel Prices", "Prices", "Energy",
       ("USD/Liter", "{cur}/Liter", "{cur} per litre"), _MW,
       SampleShape("level", 1.5, 0.02, 0.02, "usd", False, 0.2),
       _exp("price", "avg", "-"),
       "The average retail price of a litre of diesel fuel in {country}.",
       ("Diesel Fuel Price",)),
    _c("Electricity Prices", "Prices", "Energy",
       ("{cur}/MWh", "EUR/MWh", "USD/MWh"), _M,
       SampleShape("level", 110.0, 0.06, 0.0, "usd", False, 0.3),
       _exp("price", "avg", "-"),
       "The average wholesale price of electricity in {country}.",
       ("Wholesale Electricity Price",)),
    _c("House Price Index", "Housing", "Housing", _INDEX, _MQ,
       _index(140, 5.0, 0.005), _exp("index", "avg", "0"),
       "An index of residential property prices in {country}.",
       ("Residential Property Prices", "Housing Index")),
    _c("House Price Index YoY", "Housing", "Housing", _PCT, _MQ,
       _rate(4.0, 1.2), _exp("rate", "rate", "0"),
       "Year-on-year change of residential property prices in {country}.",
       ("House Prices YoY",)),
    # ---------------------------------------------------------------- Money
    _c("Interest Rate", "Money", "Money", _RATE, _DM,
       _step(4.0, 0.25, vary=0.5, lower=0.0), _exp("yield", "pit", "0"),
       "The benchmark policy interest rate set by the central bank of {country}.",
       ("Policy Rate", "Central Bank Interest Rate", "Benchmark Interest Rate")),
    _c("Bank Lending Rate", "Money", "Money", _RATE, _M,
       _rate(7.0, 0.08, vary=0.4, lower=0.5), _exp("yield", "pit", "-"),
       "The average interest rate banks in {country} charge on new loans.",
       ("Lending Rate", "Prime Lending Rate")),
    _c("Interbank Rate", "Money", "Money", _RATE, _DM,
       _rate(4.2, 0.04, vary=0.5, lower=0.0), _exp("yield", "pit", "0"),
       "The three-month rate at which banks in {country} lend to each other.",
       ("3 Month Interbank Rate", "Overnight Interbank Rate")),
    _c("Deposit Interest Rate", "Money", "Money", _RATE, _M,
       _rate(2.5, 0.05, vary=0.5, lower=0.0), _exp("yield", "pit", "+"),
       "The average interest rate banks in {country} pay on time deposits.",
       ("Deposit Rate",)),
    _c("Mortgage Rate", "Housing", "Housing", _RATE, _MW,
       _rate(6.5, 0.08, vary=0.3, lower=0.5), _exp("yield", "pit", "-"),
       "The average interest rate on new fixed-rate home loans in {country}.",
       ("30 Year Mortgage Rate", "Mortgage Lending Rate")),
    _c("Government Bond 10Y", "Bonds", "Bonds", _RATE, _D,
       _rate(4.0, 0.04, vary=0.4, lower=-0.5), _exp("yield", "pit", "-"),
       "The yield on the benchmark ten-year government bond of {country}.",
       ("10 Year Bond Yield", "10Y Government Bond Yield")),
    _c("2 Year Note Yield", "Bonds", "Bonds", _RATE, _D,
       _rate(4.3, 0.04, vary=0.4, lower=-0.5), _exp("yield", "pit", "-"),
       "The yield on the two-year government note of {country}.",
       ("2Y Bond Yield",)),
    _c("Yield Curve Spread", "Bonds", "Bonds",
       ("percentage points", "basis points", "bps"), _D,
       _rate(0.3, 0.04, lower=-2, upper=4), _exp("spread", "pit", "+"),
       "The difference between the ten-year and two-year government bond yields of "
       "{country}.",
       ("10Y-2Y Spread", "Yield Curve Slope")),
    _c("Corporate Bond Spread", "Bonds", "Bonds", ("basis points", "percentage points"),
       _D, _rate(1.4, 0.04, vary=0.3, lower=0.2), _exp("spread", "pit", "-"),
       "The extra yield of investment-grade corporate bonds over government bonds in "
       "{country}.",
       ("Credit Spread",)),
    _c("Money Supply M0", "Money", "Money", _CUR_LARGE, _M,
       _level(0.08, 0.05, 0.01, flow=False), _exp("stock", "pit", "0"),
       "Notes and coins in circulation plus bank reserves held at the central bank of "
       "{country}.",
       ("Monetary Base",)),
    _c("Money Supply M1", "Money", "Money", _CUR_LARGE, _M,
       _level(0.3, 0.05, 0.006, flow=False), _exp("stock", "pit", "0"),
       "Currency in circulation plus overnight deposits in {country}."),
    _c("Money Supply M2", "Money", "Money", _CUR_LARGE, _M,
       _level(0.7, 0.05, 0.004, flow=False), _exp("stock", "pit", "0"),
       "M1 plus short-term time and savings deposits in {country}."),
    _c("Money Supply M3", "Money", "Money", _CUR_LARGE, _M,
       _level(0.9, 0.05, 0.004, flow=False), _exp("stock", "pit", "0"),
       "M2 plus repurchase agreements and money market fund shares in {country}.",
       ("Broad Money M3",)),
    _c("Foreign Exchange Reserves", "Money", "Money", (*_USD, "{cur} Million"), _M,
       _level(0.15, 0.02, 0.01, flow=False, vary=0.5), _exp("stock", "pit", "+"),
       "Foreign currency assets held by the central bank of {country}.",
       ("FX Reserves", "Foreign Reserves")),
    _c("Gold Reserves", "Money", "Money", ("Tonnes", "Tonnes of gold"), _Q,
       _step(300.0, 3.0, vary=1.2, lower=0.0), _exp("stock", "pit", "+"),
       "The official gold holdings of the central bank of {country}.",
       ("Official Gold Holdings",)),
    _c("Loans to Private Sector", "Money", "Money", _CUR_LARGE, _M,
       _level(0.8, 0.05, 0.004, flow=False), _exp("stock", "pit", "+"),
       "Outstanding bank loans to households and non-financial firms in {country}.",
       ("Private Sector Credit", "Bank Loans to the Private Sector")),
    _c("Loan Growth", "Money", "Money", _PCT, _M,
       _rate(6.0, 0.6, vary=0.4), _exp("rate", "rate", "+"),
       "Year-on-year change of outstanding bank loans to the private sector in "
       "{country}.",
       ("Private Sector Credit Growth",)),
    _c("Central Bank Balance Sheet", "Money", "Money", _CUR_LARGE, _M,
       _level(0.25, 0.02, 0.01, flow=False), _exp("stock", "pit", "0"),
       "Total assets on the balance sheet of the central bank of {country}.",
       ("Central Bank Total Assets",)),
    _c("Money Velocity", "Money", "Money", ("ratio", "Ratio", "times"), _QA,
       _rate(1.4, 0.02, vary=0.3, lower=0.3), _exp("ratio", "avg", "0"),
       "Nominal GDP of {country} divided by the M2 money supply: how often a unit of "
       "money is spent.",
       ("Velocity of Money", "M2 Velocity")),
    _c("Money Multiplier", "Money", "Money", ("ratio", "times"), _M,
       _rate(4.5, 0.05, vary=0.3, lower=1.0), _exp("multiplier", "pit", "0"),
       "Broad money of {country} divided by the monetary base.",
       ("M2 Money Multiplier",)),
    _c("Currency", "Markets", "Currency", ("{pair}", "{cur} per USD"), _D,
       SampleShape("level", 1.0, 0.004, 0.0, "usd", False), _exp("price", "pit", "0"),
       "The exchange rate of the currency of {country} against the US dollar.",
       ("Exchange Rate", "Exchange Rate vs USD")),
    _c("Stock Market", "Markets", "Stock Market", ("points", "Index Points"), _D,
       SampleShape("level", 5000.0, 0.01, 0.08, "none", False, 1.0),
       _exp("index", "pit", "+"),
       "The benchmark stock market index of {country}.",
       ("Stock Market Index", "Share Price Index", "Stock Exchange Index")),
    _c("Volatility Index", "Markets", "Stock Market", ("points", "Index Points"), _D,
       _rate(18.0, 1.5, lower=9), _exp("volatility", "pit", "-"),
       "The implied volatility of options on the main stock index of {country}.",
       ("VIX", "Implied Volatility Index")),
    _c("Stock-Bond Correlation", "Markets", "Stock Market",
       ("correlation coefficient", "coefficient"), _M,
       _rate(-0.1, 0.08, lower=-1, upper=1), _exp("correlation", "pit", "0"),
       "The rolling correlation between stock and government bond returns in "
       "{country}.",
       ("Equity-Bond Correlation",)),
    # ---------------------------------------------------------------- Trade
    _c("Balance of Trade", "Trade", "Trade", _CUR_MEDIUM, _M,
       _balance(0.01, 0.015, vary=0.5), _exp("balance", "total", "+"),
       "Exports minus imports of goods of {country}.",
       ("Trade Balance", "Goods Trade Balance")),
    _c("Current Account", "Trade", "Trade", _CUR_MEDIUM, _Q,
       _balance(0.005, 0.02, vary=0.5), _exp("balance", "total", "+"),
       "The balance of trade, primary and secondary income of {country} with the rest "
       "of the world.",
       ("Current Account Balance",)),
    _c("Current Account to GDP", "Trade", "Trade", _PCT_GDP, _A,
       _rate(-0.5, 1.2), _exp("ratio", "total", "+"),
       "The current account balance of {country} as a percentage of GDP.",
       ("Current Account Balance (% of GDP)",)),
    _c("Exports", "Trade", "Trade", _CUR_MEDIUM, _M,
       _level(0.25, 0.04, 0.03), _exp("flow", "total", "+"),
       "The value of goods exported from {country}.",
       ("Exports of Goods", "Total Exports")),
    _c("Imports", "Trade", "Trade", _CUR_MEDIUM, _M,
       _level(0.24, 0.04, 0.03), _exp("flow", "total", "0"),
       "The value of goods imported into {country}.",
       ("Imports of Goods", "Total Imports")),
    _c("Exports YoY", "Trade", "Trade", _PCT, _M,
       _rate(4.0, 4.0), _exp("rate", "rate", "+"),
       "Year-on-year change of the value of exports of {country}.",
       ("Export Growth",)),
    _c("Imports YoY", "Trade", "Trade", _PCT, _M,
       _rate(4.0, 4.0), _exp("rate", "rate", "0"),
       "Year-on-year change of the value of imports of {country}.",
       ("Import Growth",)),
    _c("Foreign Direct Investment", "Trade", "Trade", _CUR_MEDIUM, _QA,
       _level(0.02, 0.03, 0.15), _exp("flow", "total", "+"),
       "Net inflows of foreign direct investment into {country}.",
       ("FDI Inflows", "Foreign Direct Investment Net Inflows")),
    _c("Remittances", "Trade", "Trade", _USD, _MQ,
       _level(0.02, 0.04, 0.05, vary=0.8), _exp("flow", "total", "+"),
       "Money sent home by workers from {country} who live abroad.",
       ("Personal Remittances", "Workers Remittances")),
    _c("Tourist Arrivals", "Trade", "Tourism",
       ("Persons", "Thousand", "Thousand persons"), _M,
       _count(0.4, 0.04, 0.1, vary=0.8), _exp("count", "total", "+"),
       "The number of international visitors arriving in {country}.",
       ("International Tourist Arrivals", "Visitor Arrivals")),
    _c("Tourism Revenues", "Trade", "Tourism", _CUR_MEDIUM, _MQ,
       _level(0.02, 0.04, 0.1, vary=0.6), _exp("flow", "total", "+"),
       "Receipts from international visitors to {country}.",
       ("Tourism Receipts",)),
    _c("External Debt", "Trade", "Trade", (*_USD, "{cur} Billion"), _Q,
       _running(0.6, 0.05), _exp("stock", "pit", "-", "running_total"),
       "The total external debt of {country} owed to non-residents.",
       ("Gross External Debt", "Total External Debt")),
    _c("Capital Flows", "Trade", "Trade", _CUR_MEDIUM, _Q,
       _balance(0.005, 0.02, vary=0.5), _exp("balance", "total", "+"),
       "Net capital and financial account flows of {country}.",
       ("Net Capital Flows",)),
    _c("Crude Oil Imports", "Trade", "Energy",
       ("BBL/D/1K", "Thousand Barrels per Day"), _M,
       SampleShape("level", 4.0e5, 0.05, 0.0, "none", False, 1.2),
       _exp("volume", "avg", "0"),
       "Crude oil imported into {country}, in thousands of barrels a day.",
       ("Oil Imports",)),
    # ---------------------------------------------------------------- Government
    _c("Government Debt to GDP", "Government", "Government", _PCT_GDP, _A,
       _rate(60.0, 1.2, trend=1.0, vary=0.6, lower=5), _exp("ratio", "pit", "-"),
       "The gross debt of the general government of {country} as a percentage of GDP.",
       ("Public Debt to GDP", "General Government Gross Debt (% of GDP)")),
    _c("Government Debt", "Government", "Government", _CUR_LARGE, _QA,
       _running(0.6, 0.05), _exp("stock", "pit", "-", "running_total"),
       "The outstanding gross debt of the central government of {country}.",
       ("Public Debt", "Central Government Debt", "Gross Government Debt")),
    _c("Government Budget", "Government", "Government", _PCT_GDP, _A,
       _rate(-3.0, 0.8, vary=0.2), _exp("ratio", "total", "+"),
       "The general government budget balance of {country} as a percentage of GDP.",
       ("Government Budget Balance (% of GDP)", "Fiscal Balance to GDP")),
    _c("Government Budget Value", "Government", "Government", _CUR_MEDIUM, _M,
       _balance(-0.03, 0.04), _exp("balance", "total", "+"),
       "The monthly difference between central government revenues and spending in "
       "{country}.",
       ("Monthly Budget Statement", "Budget Balance")),
    _c("Fiscal Year-to-Date Budget Balance", "Government", "Government", _CUR_MEDIUM,
       _MQ, _ytd(-0.03, 0.25), _exp("balance", "cum", "+", "ytd"),
       "The central government balance of {country} accumulated since the start of the "
       "fiscal year in January.",
       ("Central Government Fiscal Balance", "Budget Balance YTD",
        "Cumulative Budget Balance")),
    _c("Government Revenues", "Government", "Government", _CUR_MEDIUM, _MA,
       _level(0.35, 0.04, 0.05), _exp("flow", "total", "+"),
       "Total revenues collected by the central government of {country}.",
       ("Government Revenue", "Tax Revenue")),
    _c("Government Spending to GDP", "Government", "Government", _PCT_GDP, _A,
       _rate(40.0, 0.8, vary=0.2), _exp("ratio", "total", "0"),
       "Total general government expenditure of {country} as a percentage of GDP.",
       ("Government Expenditure to GDP",)),
    _c("Military Expenditure", "Government", "Government", (*_USD, "{cur} Million"), _A,
       _level(0.02, 0.04, 0.03, vary=0.4), _exp("flow", "total", "0"),
       "Spending on the armed forces of {country}.",
       ("Military Spending", "Defence Spending")),
    _c("Budget Allocation to Education", "Government", "Government",
       ("% of budget", "percent of government expenditure"), _A,
       _rate(12.0, 0.3, vary=0.3), _exp("allocation", "total", "0"),
       "The part of the government budget of {country} allocated to education.",
       ("Education Budget Allocation",)),
    _c("Credit Rating", "Government", "Government", ("points",), _A,
       _step(60.0, 4.0, vary=0.3, lower=0, upper=100, decimals=0),
       _exp("index", "pit", "+"),
       "A 0 to 100 score summarising the sovereign credit ratings of {country} by the "
       "major agencies.",
       ("Sovereign Credit Rating Score",)),
    _c("Ease of Doing Business", "Business", "Business", ("rank", "Rank"), _A,
       _step(60.0, 3.0, vary=1.0, lower=1, upper=190, decimals=0),
       _exp("index", "pit", "-"),
       "The rank of {country} among 190 economies in the ease of doing business; 1 is "
       "the most business-friendly.",
       ("Ease of Doing Business Rank", "Doing Business Ranking")),
    _c("Corruption Index", "Government", "Government", ("points", "score"), _A,
       _step(50.0, 2.0, vary=0.4, lower=0, upper=100, decimals=0),
       _exp("index", "pit", "+"),
       "The corruption perceptions score of {country}, from 0 (highly corrupt) to 100 "
       "(very clean).",
       ("Corruption Perceptions Index",)),
    _c("Corruption Rank", "Government", "Government", ("rank", "Rank"), _A,
       _step(60.0, 4.0, vary=0.9, lower=1, upper=180, decimals=0),
       _exp("index", "pit", "-"),
       "The position of {country} among 180 countries in the corruption perceptions "
       "ranking.",
       ("Corruption Perceptions Rank",)),
    _c("Competitiveness Index", "Business", "Business", ("points",), _A,
       _step(65.0, 1.0, vary=0.15, lower=0, upper=100), _exp("index", "pit", "+"),
       "The global competitiveness score of {country}.",
       ("Global Competitiveness Index",)),
    _c("Corporate Tax Rate", "Taxes", "Taxes", _PCT, _A,
       _step(24.0, 1.0, vary=0.3, lower=0, upper=50, decimals=1),
       _exp("percentage", "pit", "0"),
       "The statutory tax rate on company profits in {country}.",
       ("Corporate Income Tax Rate",)),
    _c("Personal Income Tax Rate", "Taxes", "Taxes", _PCT, _A,
       _step(35.0, 1.0, vary=0.3, lower=0, upper=60, decimals=1),
       _exp("percentage", "pit", "0"),
       "The top marginal rate of personal income tax in {country}.",
       ("Top Income Tax Rate",)),
    _c("Sales Tax Rate", "Taxes", "Taxes", _PCT, _A,
       _step(15.0, 1.0, vary=0.4, lower=0, upper=30, decimals=1),
       _exp("percentage", "pit", "0"),
       "The standard rate of value added or sales tax in {country}.",
       ("VAT Rate", "Value Added Tax Rate")),
    _c("Social Security Rate", "Taxes", "Taxes", _PCT, _A,
       _step(20.0, 1.0, vary=0.4, lower=0, upper=50, decimals=1),
       _exp("percentage", "pit", "0"),
       "The combined employer and employee social security contribution rate in "
       "{country}.",
       ("Social Security Contribution Rate",)),
    _c("Inflation Target", "Money", "Money", _RATE, _A,
       _step(2.0, 0.0, vary=0.3, decimals=1), _exp("threshold", "na", "0"),
       "The inflation rate the central bank of {country} aims for.",
       ("Central Bank Inflation Target",)),
    _c("Debt Ceiling", "Government", "Government", _CUR_LARGE, _A,
       _step(1.1, 0.05, basis="gdp"), _exp("threshold", "na", "0"),
       "The statutory limit on the amount of debt the government of {country} may "
       "issue.",
       ("Statutory Debt Limit",)),
    _c("Fiscal Multiplier Estimate", "Government", "Government",
       ("ratio", "multiplier"), _A,
       _rate(0.8, 0.08, lower=0.1), _exp("multiplier", "na", "0"),
       "The estimated change in output of {country} per unit of additional government "
       "spending.",
       ("Government Spending Multiplier",)),
    # ---------------------------------------------------------------- Business
    _c("Business Confidence", "Business", "Business", _POINTS, _M,
       _rate(98.0, 2.0, lower=60), _exp("sentiment", "avg", "+"),
       "A survey of how managers in {country} judge current and expected business "
       "conditions.",
       ("Business Climate Index", "Business Sentiment")),
    _c("Manufacturing PMI", "Business", "Business", _POINTS, _M,
       _rate(50.0, 1.2, lower=30, upper=70), _exp("index", "avg", "+"),
       "The purchasing managers' index of the manufacturing sector of {country}; above "
       "50 signals expansion.",
       ("PMI Manufacturing", "Manufacturing Purchasing Managers Index")),
    _c("Services PMI", "Business", "Business", _POINTS, _M,
       _rate(51.0, 1.2, lower=30, upper=70), _exp("index", "avg", "+"),
       "The purchasing managers' index of the services sector of {country}.",
       ("Non Manufacturing PMI",)),
    _c("Composite PMI", "Business", "Business", _POINTS, _M,
       _rate(50.5, 1.0, lower=30, upper=70), _exp("index", "avg", "+"),
       "The output-weighted average of the manufacturing and services PMIs of "
       "{country}.",
       ("Composite Purchasing Managers Index",)),
    _c("Industrial Production", "Business", "Business", _PCT, _M,
       _rate(1.5, 2.0), _exp("rate", "rate", "+"),
       "Year-on-year change of the output of factories, mines and utilities in "
       "{country}.",
       ("Industrial Production YoY", "Industrial Output Growth")),
    _c("Industrial Production MoM", "Business", "Business", _PCT, _M,
       _rate(0.1, 0.9), _exp("rate", "rate", "+"),
       "Month-on-month change of industrial output in {country}.",
       ("Industrial Output MoM",)),
    _c("Industrial Production Index", "Business", "Business", _INDEX, _M,
       _index(102, 1.0, 0.01), _exp("index", "avg", "+"),
       "The volume of output of industry in {country}, as an index.",
       ("Industrial Output Index",)),
    _c("Manufacturing Production", "Business", "Business", _PCT, _M,
       _rate(1.2, 2.0), _exp("rate", "rate", "+"),
       "Year-on-year change of manufacturing output in {country}.",
       ("Manufacturing Output YoY",)),
    _c("Mining Production", "Business", "Business", _PCT, _M,
       _rate(0.5, 3.0), _exp("rate", "rate", "+"),
       "Year-on-year change of the output of mining and quarrying in {country}."),
    _c("Capacity Utilization", "Business", "Business", _PCT, _MQ,
       _rate(78.0, 0.8, vary=0.05, upper=95), _exp("percentage", "avg", "+"),
       "The share of the productive capacity of industry in {country} that is in use.",
       ("Capacity Utilisation", "Capacity Utilization Rate")),
    _c("New Orders", "Business", "Business", _CUR_MEDIUM, _M,
       _level(0.04, 0.03, 0.03), _exp("flow", "total", "+"),
       "The value of new orders received by manufacturers in {country}.",
       ("Manufacturing New Orders",)),
    _c("Factory Orders", "Business", "Business", _PCT, _M,
       _rate(0.3, 1.5), _exp("rate", "rate", "+"),
       "Month-on-month change of the value of new orders for manufactured goods in "
       "{country}.",
       ("Factory Orders MoM",)),
    _c("Durable Goods Orders", "Business", "Business", _PCT, _M,
       _rate(0.3, 3.0), _exp("rate", "rate", "+"),
       "Month-on-month change of new orders for durable goods in {country}.",
       ("Durable Goods Orders MoM",)),
    _c("Business Inventories", "Business", "Business", _PCT, _M,
       _rate(0.2, 0.3), _exp("rate", "rate", "0"),
       "Month-on-month change of inventories held by businesses in {country}.",
       ("Business Inventories MoM",)),
    _c("Bankruptcies", "Business", "Business", ("Companies", "Units", "Number"), _MQ,
       _count(0.0005, 0.02, 0.08), _exp("count", "total", "-"),
       "The number of companies in {country} declared insolvent.",
       ("Corporate Insolvencies", "Business Bankruptcies")),
    _c("Steel Production", "Business", "Business",
       ("Thousand Tonnes", "Tonnes", "Thousands of Tonnes"), _M,
       SampleShape("level", 2.0e6, 0.04, 0.0, "none", False, 1.5),
       _exp("volume", "total", "+"),
       "The monthly output of crude steel in {country}.",
       ("Crude Steel Production",)),
    _c("Cement Production", "Business", "Business",
       ("Thousand Tonnes", "Tonnes", "Thousands of Tonnes"), _M,
       SampleShape("level", 4.0e6, 0.05, 0.0, "none", False, 1.2),
       _exp("volume", "total", "+"),
       "The monthly output of cement in {country}."),
    _c("Electricity Production", "Business", "Energy", ("Gigawatt-hour", "GWh"), _M,
       SampleShape("level", 25000.0, 0.05, 0.02, "none", False, 1.2),
       _exp("volume", "total", "+"),
       "Electricity generated by power plants in {country}.",
       ("Electricity Generation",)),
    _c("Crude Oil Production", "Business", "Energy",
       ("BBL/D/1K", "Thousand Barrels per Day"), _M,
       SampleShape("level", 1.0e6, 0.02, 0.0, "none", False, 1.5),
       _exp("volume", "avg", "+"),
       "Crude oil produced in {country}, in thousands of barrels a day.",
       ("Oil Production",)),
    _c("Crude Oil Rigs", "Business", "Energy", ("Units", "Rigs"), _MW,
       SampleShape("count", 50.0, 0.03, 0.0, "none", False, 1.2, 0.0, None, 0),
       _exp("count", "pit", "+"),
       "The number of rigs actively drilling for oil in {country}.",
       ("Oil Rig Count",)),
    _c("Natural Gas Stocks", "Business", "Energy", ("Billion Cubic Feet", "Bcf"), _W,
       SampleShape("level", 2.5e12, 0.02, 0.0, "none", False, 0.8),
       _exp("stock", "pit", "0"),
       "Working natural gas held in underground storage in {country}.",
       ("Natural Gas Storage",)),
    _c("Crude Oil Stocks Change", "Business", "Energy", ("Million Barrels", "BBL/1M"), _W,
       _rate(0.0, 3.0), _exp("flow", "total", "0"),
       "The weekly change in commercial crude oil inventories in {country}.",
       ("Crude Oil Inventories",)),
    _c("Coincident Index", "Business", "Business", _INDEX, _M,
       _index(105, 1.0, 0.003), _exp("index", "avg", "+"),
       "A composite index of indicators that move with the business cycle of "
       "{country}.",
       ("Coincident Economic Index",)),
    _c("Leading Economic Index", "Business", "Business", _INDEX, _M,
       _index(101, 0.5, 0.003), _exp("index", "avg", "+"),
       "A composite index of indicators that anticipate turning points in the economy "
       "of {country}.",
       ("Composite Leading Indicator", "Leading Index")),
    _c("Zew Economic Sentiment Index", "Business", "Business", ("points",), _M,
       _rate(10.0, 6.0, lower=-90, upper=90), _exp("sentiment", "avg", "+"),
       "A survey of financial analysts' expectations for the economy of {country} over "
       "the next six months.",
       ("ZEW Indicator of Economic Sentiment",)),
    _c("Economic Optimism Index", "Business", "Business", ("points",), _M,
       _rate(45.0, 2.0, lower=20, upper=80), _exp("sentiment", "avg", "+"),
       "A survey of how optimistic people in {country} are about the economic outlook.",
       ("Economic Optimism",)),
    _c("Small Business Sentiment", "Business", "Business", ("points",), _M,
       _rate(92.0, 1.5, lower=60), _exp("sentiment", "avg", "+"),
       "A survey of the outlook of small business owners in {country}.",
       ("Small Business Optimism Index",)),
    _c("Car Production", "Business", "Business", _UNITS, _M,
       _count(0.03, 0.02, 0.06, vary=0.8), _exp("count", "total", "+"),
       "The number of passenger cars manufactured in {country}.",
       ("Vehicle Production",)),
    _c("Corporate Profits", "Business", "Business", _CUR_MEDIUM, _Q,
       _level(0.1, 0.04, 0.04), _exp("flow", "total", "+"),
       "Profits of non-financial corporations in {country} for the quarter.",
       ("Company Profits",)),
    _c("Industrial Profits YTD", "Business", "Business", _CUR_MEDIUM, _M,
       _ytd(0.06, 0.15), _exp("flow", "cum", "+", "ytd"),
       "Profits of large industrial firms in {country} accumulated since January.",
       ("Industrial Profits Year-to-Date",)),
    _c("Fixed Asset Investment YTD", "Business", "Business", _CUR_LARGE, _M,
       _ytd(0.3, 0.12), _exp("flow", "cum", "+", "ytd"),
       "Investment in fixed assets in {country} accumulated from the start of the year.",
       ("Fixed Asset Investment Cumulative", "Fixed Asset Investment")),
    _c("Foreign Direct Investment YTD", "Trade", "Trade", _CUR_MEDIUM, _M,
       _ytd(0.02, 0.3), _exp("flow", "cum", "+", "ytd"),
       "Actual use of foreign direct investment in {country} accumulated since January.",
       ("FDI Year-to-Date", "Foreign Direct Investment Cumulative")),
    _c("Recession Probability", "Business", "Business", _PCT, _M,
       _rate(25.0, 4.0, lower=0, upper=100), _exp("probability", "pit", "-"),
       "The model-based probability that {country} is in recession within twelve "
       "months.",
       ("Probability of Recession",)),
    _c("Market Share of Renewable Energy", "Business", "Energy",
       ("percent", "% of total electricity generation"), _A,
       _rate(30.0, 0.8, trend=1.5, vary=0.5, lower=0, upper=100),
       _exp("share", "total", "+"),
       "The share of electricity generated in {country} from renewable sources.",
       ("Renewable Energy Share", "Share of Renewables in Electricity")),
    _c("Market Share of Electric Vehicles", "Business", "Transport",
       ("percent", "% of new car sales"), _MA,
       _rate(12.0, 0.8, trend=3.0, vary=0.6, lower=0, upper=100),
       _exp("share", "total", "+"),
       "The share of electric vehicles in new passenger car sales in {country}.",
       ("EV Market Share",)),
    _c("Price Elasticity of Exports", "Trade", "Trade", ("elasticity", "coefficient"),
       _A, _rate(-0.8, 0.05), _exp("elasticity", "na", "0"),
       "The estimated percentage change of export volumes of {country} for a one "
       "percent change in relative prices.",
       ("Export Price Elasticity",)),
    _c("CO2 Emissions", "Business", "Climate", ("Million Tonnes", "Thousand Tonnes"), _A,
       SampleShape("level", 3.0e8, 0.02, -0.01, "none", False, 1.2),
       _exp("volume", "total", "-"),
       "Carbon dioxide emitted by fuel combustion and industry in {country}.",
       ("Carbon Dioxide Emissions",)),
    # ---------------------------------------------------------------- Consumer
    _c("Consumer Confidence", "Consumer", "Consumer", _POINTS, _M,
       _rate(95.0, 2.5, lower=40), _exp("sentiment", "avg", "+"),
       "A survey of how households in {country} judge their finances and the economy.",
       ("Consumer Sentiment", "Consumer Confidence Index")),
    _c("Retail Sales MoM", "Consumer", "Consumer", _PCT, _M,
       _rate(0.3, 0.9), _exp("rate", "rate", "+"),
       "Month-on-month change of retail sales volumes in {country}.",
       ("Retail Sales Month-on-Month",)),
    _c("Retail Sales YoY", "Consumer", "Consumer", _PCT, _M,
       _rate(3.0, 1.8), _exp("rate", "rate", "+"),
       "Year-on-year change of retail sales volumes in {country}.",
       ("Retail Sales Year-on-Year",)),
    _c("Retail Sales Ex Autos", "Consumer", "Consumer", _PCT, _M,
       _rate(0.3, 0.7), _exp("rate", "rate", "+"),
       "Month-on-month change of retail sales in {country} excluding motor vehicles.",
       ("Core Retail Sales",)),
    _c("Retail Sales", "Consumer", "Consumer", _CUR_MEDIUM, _M,
       _level(0.3, 0.04, 0.03), _exp("flow", "total", "+"),
       "The value of sales of retail stores in {country}.",
       ("Retail Sales Value", "Retail Trade Turnover")),
    _c("Disposable Personal Income", "Consumer", "Consumer", _CUR_LARGE, _QA,
       _level(0.65, 0.04, 0.01), _exp("flow", "total", "+"),
       "The income of households in {country} after taxes and transfers.",
       ("Household Disposable Income",)),
    _c("Personal Spending", "Consumer", "Consumer", _PCT, _M,
       _rate(0.4, 0.3), _exp("rate", "rate", "+"),
       "Month-on-month change of personal consumption expenditures in {country}.",
       ("Personal Spending MoM",)),
    _c("Household Saving Ratio", "Consumer", "Consumer",
       ("percent", "% of disposable income"), _QA,
       _rate(8.0, 0.8, vary=0.4, lower=-5), _exp("ratio", "total", "+"),
       "Household saving in {country} as a percentage of disposable income.",
       ("Personal Saving Rate", "Household Savings Rate")),
    _c("Household Debt to GDP", "Consumer", "Consumer", _PCT_GDP, _Q,
       _rate(60.0, 0.4, vary=0.5, lower=5), _exp("ratio", "pit", "-"),
       "Debt of households in {country} as a percentage of GDP.",
       ("Households Debt to GDP",)),
    _c("Household Debt to Income", "Consumer", "Consumer",
       ("% of disposable income", "percent of net disposable income"), _Q,
       _rate(120.0, 0.8, vary=0.4, lower=10), _exp("ratio", "pit", "-"),
       "Debt of households in {country} as a percentage of their disposable income.",
       ("Households Debt to Income",)),
    _c("Private Debt to GDP", "Consumer", "Consumer", _PCT_GDP, _A,
       _rate(150.0, 3.0, vary=0.4, lower=20), _exp("ratio", "pit", "-"),
       "Debt of households and non-financial corporations in {country} as a percentage "
       "of GDP.",
       ("Private Sector Debt to GDP",)),
    _c("Debt Service Ratio", "Consumer", "Consumer", ("% of income", "percent"), _Q,
       _rate(12.0, 0.3, vary=0.3, lower=2), _exp("ratio", "total", "-"),
       "Interest and principal payments of the private sector of {country} as a "
       "percentage of income.",
       ("Household Debt Service Ratio",)),
    _c("Consumer Credit", "Consumer", "Consumer", _CUR_LARGE, _M,
       _level(0.2, 0.04, 0.004, flow=False), _exp("stock", "pit", "0"),
       "Outstanding consumer credit owed by households in {country}.",
       ("Consumer Credit Outstanding",)),
    # ---------------------------------------------------------------- Housing
    _c("Housing Starts", "Housing", "Housing", ("Thousand", "Thousand units", "Units"),
       _M, _count(0.004, 0.0, 0.06), _exp("count", "total", "+"),
       "The number of new residential construction projects begun in {country}.",
       ("New Housing Starts", "Housing Starts Units")),
    _c("Building Permits", "Housing", "Housing", ("Thousand", "Thousand units", "Units"),
       _M, _count(0.0045, 0.0, 0.06), _exp("count", "total", "+"),
       "The number of permits issued for new residential buildings in {country}.",
       ("Residential Building Permits",)),
    _c("New Home Sales", "Housing", "Housing", ("Thousand", "Thousand units", "Units"),
       _M, _count(0.002, 0.0, 0.07), _exp("count", "total", "+"),
       "The number of newly built single-family homes sold in {country}.",
       ("New House Sales",)),
    _c("Construction Output", "Housing", "Housing", _PCT, _M,
       _rate(1.0, 2.5), _exp("rate", "rate", "+"),
       "Year-on-year change of construction output in {country}.",
       ("Construction Output YoY",)),
    _c("Home Ownership Rate", "Housing", "Housing", _PCT, _QA,
       _rate(65.0, 0.3, vary=0.15, upper=95), _exp("percentage", "avg", "+"),
       "The share of households in {country} that own their home."),
    # ---------------------------------------------------------------- Transport
    _c("Car Registrations", "Transport", "Transport", _UNITS, _M,
       _count(0.03, 0.01, 0.08, vary=0.5), _exp("count", "total", "+"),
       "The number of new passenger cars registered in {country}.",
       ("New Car Registrations", "Passenger Car Registrations")),
    # ---------------------------------------------------------------- Health
    _c("Births", "Health", "Demographics", _PERSONS, _MA,
       _count(0.011, -0.01, 0.03), _exp("count", "total", "0"),
       "The number of live births recorded in {country}.",
       ("Live Births", "Number of Births")),
    _c("Deaths", "Health", "Demographics", _PERSONS, _MA,
       _count(0.009, 0.005, 0.04), _exp("count", "total", "-"),
       "The number of deaths recorded in {country}.",
       ("Number of Deaths",)),
    _c("Life Expectancy", "Health", "Demographics", ("Years", "years"), _A,
       _rate(78.0, 0.1, trend=0.15, vary=0.08, upper=90), _exp("duration", "na", "+"),
       "The number of years a newborn in {country} is expected to live.",
       ("Life Expectancy at Birth",)),
    _c("Time Required to Start a Business", "Business", "Business", ("Days", "days"),
       _A, _step(10.0, 1.0, vary=0.6, lower=1, decimals=0), _exp("duration", "na", "-"),
       "The number of calendar days needed to register a new firm in {country}.",
       ("Days to Start a Business",)),
)
# fmt: on


# --------------------------------------------------------------------------- more concepts

_PER_1K = ("per 1,000 people", "per 1000 people")
_PER_100K = ("per 100,000 people", "per 100,000 population", "per 100,000 inhabitants")
_PER_1K_BIRTHS = ("per 1,000 live births", "per 1000 live births")
_PCT_POPULATION = ("% of population", "percent of population")
_TONNES = ("Thousand Tonnes", "Tonnes", "Thousands of Tonnes")
_DW: tuple[Frequency, ...] = ("daily", "weekly")
_BARRELS = ("Thousand Barrels", "Million Barrels")


def _qty(base: float, trend: float = 0.01, spread: float = 0.04, vary: float = 1.0) -> SampleShape:
    """A physical quantity of about `base` in the unit, trending `trend` a year."""
    return SampleShape("level", base, spread, trend, "none", False, vary)


# Concepts the tests measure the rules provider on, beyond those `CONCEPTS` seeds into the
# source database (whose size other figures depend on): health, environment, energy,
# financial markets, labour and social statistics, logistics, public finance, agriculture
# and housing, as international statistical sources name them.
# fmt: off
EXTRA_CONCEPTS: tuple[IndicatorConcept, ...] = (
    # ---------------------------------------------------------------- Health
    _c("Infant Mortality Rate", "Health", "Health", _PER_1K_BIRTHS, _A,
       _rate(15.0, 0.5, trend=-0.4, vary=0.8, lower=1), _exp("ratio", "total", "-"),
       "Deaths of infants under one year of age in {country} per 1,000 live births.",
       ("Infant Mortality",)),
    _c("Under-Five Mortality Rate", "Health", "Health", _PER_1K_BIRTHS, _A,
       _rate(20.0, 0.6, trend=-0.5, vary=0.8, lower=1), _exp("ratio", "total", "-"),
       "Deaths of children under five in {country} per 1,000 live births.",
       ("Child Mortality Rate",)),
    _c("Maternal Mortality Ratio", "Health", "Health",
       ("per 100,000 live births",), _A,
       _rate(60.0, 3.0, trend=-1.0, vary=1.0, lower=1), _exp("ratio", "total", "-"),
       "Maternal deaths in {country} per 100,000 live births."),
    _c("Crude Death Rate", "Health", "Demographics", _PER_1K, _A,
       _rate(9.0, 0.2, vary=0.2, lower=1), _exp("ratio", "total", "-"),
       "Deaths during the year in {country} per 1,000 people.",
       ("Death Rate",)),
    _c("Crude Birth Rate", "Health", "Demographics", _PER_1K, _A,
       _rate(12.0, 0.3, vary=0.3, lower=4), _exp("ratio", "total", "0"),
       "Live births during the year in {country} per 1,000 people.",
       ("Birth Rate",)),
    _c("Total Fertility Rate", "Health", "Demographics",
       ("births per woman", "children per woman"), _A,
       _rate(1.8, 0.05, vary=0.3, lower=0.8), _exp("ratio", "total", "0"),
       "The number of children a woman in {country} would bear at current age-specific "
       "fertility rates.",
       ("Fertility Rate",)),
    _c("Medical Doctors per 10,000 Population", "Health", "Health",
       ("per 10,000 population", "per 10,000 people"), _A,
       _rate(30.0, 0.5, trend=0.3, vary=0.5, lower=1), _exp("ratio", "pit", "+"),
       "Practising medical doctors in {country} per 10,000 people.",
       ("Doctors per 10,000 People",)),
    _c("Health Expenditure per Capita", "Health", "Health",
       ("USD", "{cur}", "current international $"), _A,
       _level(0.08, 0.04, 0.01, basis="gdp_per_capita", flow=False),
       _exp("ratio", "total", "0"),
       "Current spending on health care in {country} divided by the population.",
       ("Health Spending per Capita",)),
    _c("Health Expenditure to GDP", "Health", "Health", _PCT_GDP, _A,
       _rate(8.0, 0.2, vary=0.3, lower=1), _exp("ratio", "total", "0"),
       "Current spending on health care in {country} as a percentage of GDP.",
       ("Health Spending (% of GDP)",)),
    _c("Tuberculosis Incidence", "Health", "Health", ("per 100,000 people",), _A,
       _rate(40.0, 2.0, trend=-1.0, vary=1.0, lower=0.5), _exp("ratio", "total", "-"),
       "New and relapsed tuberculosis cases in {country} per 100,000 people.",
       ("TB Incidence Rate",)),
    _c("HIV Prevalence", "Health", "Health",
       ("% of population ages 15-49", "percent of population ages 15-49"), _A,
       _rate(1.0, 0.05, vary=1.0, lower=0.05), _exp("percentage", "avg", "-"),
       "People aged 15 to 49 living with HIV in {country} as a share of that age group."),
    _c("Obesity Prevalence", "Health", "Health", ("% of adults", "percent of adults"), _A,
       _rate(20.0, 0.4, trend=0.3, vary=0.3, lower=2), _exp("percentage", "avg", "-"),
       "Adults in {country} with a body mass index of 30 or more as a share of all adults.",
       ("Adult Obesity Prevalence",)),
    _c("Smoking Prevalence", "Health", "Health", ("% of adults", "percent of adults"), _A,
       _rate(22.0, 0.4, trend=-0.3, vary=0.3, lower=2), _exp("percentage", "avg", "-"),
       "Adults in {country} who smoke tobacco daily as a share of all adults.",
       ("Daily Smokers",)),
    _c("DPT Immunization Coverage", "Health", "Health",
       ("% of children ages 12-23 months",), _A,
       _rate(90.0, 1.0, vary=0.05, lower=30, upper=99), _exp("percentage", "avg", "+"),
       "Children aged 12 to 23 months in {country} vaccinated against diphtheria, "
       "pertussis and tetanus.",
       ("DTP3 Immunization Coverage",)),
    _c("Out-of-Pocket Health Spending Share", "Health", "Health",
       ("% of current health expenditure",), _A,
       _rate(25.0, 0.6, vary=0.5, lower=2, upper=90), _exp("share", "total", "-"),
       "Health spending paid directly by households in {country} as a share of all current "
       "health spending.",
       ("Out-of-Pocket Share of Health Spending",)),
    _c("Reported Influenza Cases", "Health", "Health", ("Cases", "Number"), _W,
       _count(0.00005, 0.0, 0.15), _exp("count", "total", "-"),
       "Laboratory-confirmed influenza cases reported in {country} during the week.",
       ("Influenza Cases",)),
    _c("Suicide Rate", "Health", "Health", ("per 100,000 population",), _A,
       _rate(10.0, 0.3, vary=0.4, lower=1), _exp("ratio", "total", "-"),
       "Deaths by suicide in {country} per 100,000 people.",
       ("Suicide Mortality Rate",)),
    _c("Hospital Admissions", "Health", "Health", ("Number", "Thousand"), _MA,
       _count(0.012, 0.01, 0.03), _exp("count", "total", "0"),
       "Inpatient admissions to hospitals in {country}."),
    # ---------------------------------------------------------------- Environment
    _c("Greenhouse Gas Emissions", "Environment", "Climate",
       ("Million Tonnes of CO2 equivalent", "Thousand Tonnes of CO2 equivalent"), _A,
       _qty(4.0e8, -0.01, 0.02, 1.2), _exp("volume", "total", "-"),
       "Emissions of all greenhouse gases from {country}, in CO2 equivalent.",
       ("GHG Emissions", "Total Greenhouse Gas Emissions")),
    _c("CO2 Emissions per Capita", "Environment", "Climate",
       ("tonnes per capita", "metric tons per capita"), _A,
       _rate(7.0, 0.2, trend=-0.1, vary=0.6, lower=0.1), _exp("ratio", "total", "-"),
       "Carbon dioxide emitted in {country} divided by its population.",
       ("Carbon Dioxide Emissions per Capita",)),
    _c("Methane Emissions", "Environment", "Climate", ("Thousand Tonnes", "kt"), _A,
       _qty(5.0e5, 0.0, 0.02, 1.2), _exp("volume", "total", "-"),
       "Methane emitted by agriculture, energy and waste in {country}."),
    _c("PM2.5 Concentration", "Environment", "Air Quality",
       ("micrograms per cubic metre", "µg/m3"), _A,
       _rate(15.0, 0.6, trend=-0.2, vary=0.6, lower=1), _exp("ratio", "avg", "-"),
       "The mean annual concentration of fine particulate matter in the air of {country}.",
       ("Fine Particulate Matter Concentration",)),
    _c("Nitrogen Dioxide Concentration", "Environment", "Air Quality",
       ("micrograms per cubic metre", "µg/m3"), _M,
       _rate(25.0, 2.0, vary=0.5, lower=1), _exp("ratio", "avg", "-"),
       "The mean concentration of nitrogen dioxide in the urban air of {country}.",
       ("NO2 Concentration",)),
    _c("Forest Area Share", "Environment", "Land", ("% of land area",), _A,
       _rate(30.0, 0.2, trend=-0.05, vary=0.6, lower=0, upper=95), _exp("share", "pit", "+"),
       "Land under natural or planted forest in {country} as a share of its land area.",
       ("Forest Cover",)),
    _c("Renewable Energy Consumption Share", "Environment", "Energy",
       ("% of total final energy consumption",), _A,
       _rate(18.0, 0.5, trend=0.5, vary=0.6, lower=0, upper=100), _exp("share", "total", "+"),
       "Renewable energy in {country} as a share of total final energy consumption.",
       ("Share of Renewables in Final Energy Consumption",)),
    _c("Municipal Waste", "Environment", "Waste", _TONNES, _A,
       _qty(1.0e7, 0.01, 0.02, 1.0), _exp("volume", "total", "-"),
       "Municipal waste collected from households and businesses in {country}.",
       ("Municipal Solid Waste Generated",)),
    _c("Municipal Waste Recycling Rate", "Environment", "Waste", ("percent", "%"), _A,
       _rate(35.0, 0.8, trend=0.5, vary=0.4, lower=0, upper=95), _exp("percentage", "avg", "+"),
       "The share of municipal waste in {country} that is recycled or composted.",
       ("Recycling Rate",)),
    _c("Water Stress", "Environment", "Water", ("percent", "%"), _A,
       _rate(30.0, 0.6, vary=0.8, lower=0), _exp("percentage", "avg", "-"),
       "Freshwater withdrawn in {country} relative to the renewable freshwater available.",
       ("Water Stress Level",)),
    _c("Energy Intensity", "Environment", "Energy",
       ("MJ per USD of GDP", "MJ/$2017 PPP GDP"), _A,
       _rate(4.5, 0.05, trend=-0.08, vary=0.4, lower=0.5), _exp("ratio", "total", "-"),
       "Primary energy supplied in {country} per unit of GDP.",
       ("Energy Intensity of GDP",)),
    _c("Carbon Intensity of GDP", "Environment", "Climate",
       ("kg CO2 per USD of GDP", "kg per USD of GDP"), _A,
       _rate(0.3, 0.005, trend=-0.01, vary=0.4, lower=0.01), _exp("ratio", "total", "-"),
       "Carbon dioxide emitted in {country} per unit of GDP.",
       ("CO2 Intensity",)),
    _c("Tree Cover Loss", "Environment", "Land", ("Hectares", "Thousand Hectares"), _A,
       _qty(5.0e4, 0.0, 0.1, 1.2), _exp("volume", "total", "-"),
       "The area of tree cover lost in {country} during the year.",
       ("Deforestation",)),
    _c("Water Consumption", "Environment", "Water",
       ("Million Cubic Metres", "Cubic Metres"), _A,
       _qty(5.0e9, 0.0, 0.02, 1.0), _exp("volume", "total", "0"),
       "Freshwater consumed by households, industry and agriculture in {country}.",
       ("Freshwater Consumption",)),
    _c("Environmental Tax Revenue to GDP", "Environment", "Taxes", _PCT_GDP, _A,
       _rate(2.3, 0.05, vary=0.3, lower=0.1), _exp("ratio", "total", "+"),
       "Revenue from taxes on energy, transport, pollution and resources in {country} as "
       "a percentage of GDP.",
       ("Environmental Tax Revenue (% of GDP)",)),
    # ---------------------------------------------------------------- Energy
    _c("Electricity Demand", "Energy", "Energy", ("GWh", "Gigawatt-hour"), _M,
       _qty(25000.0, 0.01, 0.04, 1.2), _exp("volume", "total", "0"),
       "Electricity drawn from the grid of {country}.",
       ("Grid Electricity Demand",)),
    _c("Electricity Consumption per Capita", "Energy", "Energy", ("kWh per capita",), _A,
       _rate(6000.0, 60.0, vary=0.6, lower=50), _exp("ratio", "total", "0"),
       "Electricity consumed in {country} divided by its population.",
       ("Electric Power Consumption per Capita",)),
    _c("Natural Gas Production", "Energy", "Energy",
       ("Billion Cubic Feet", "Bcf", "Million Cubic Metres"), _M,
       _qty(2.0e11, 0.02, 0.04, 1.5), _exp("volume", "total", "+"),
       "Marketed natural gas produced in {country}.",
       ("Gas Production",)),
    _c("Natural Gas Prices", "Energy", "Energy", ("USD/MMBtu", "USD per MMBtu"), _D,
       SampleShape("level", 3.5, 0.02, 0.0, "usd", False, 0.3), _exp("price", "pit", "0"),
       "The benchmark price of natural gas for delivery in {country}.",
       ("Natural Gas Futures",)),
    _c("Coal Prices", "Energy", "Energy", ("USD/Tonne", "USD per tonne"), _DW,
       SampleShape("level", 120.0, 0.015, 0.0, "usd", False, 0.2), _exp("price", "pit", "0"),
       "The benchmark price of thermal coal delivered to {country}.",
       ("Thermal Coal Price",)),
    _c("Refinery Utilization", "Energy", "Energy", ("%", "percent"), _W,
       _rate(88.0, 1.0, vary=0.05, lower=50, upper=100), _exp("percentage", "avg", "+"),
       "Crude oil refined in {country} as a share of operable refinery capacity.",
       ("Refinery Capacity Utilization",)),
    _c("Gasoline Stocks", "Energy", "Energy", _BARRELS, _W,
       _qty(2.3e8, 0.0, 0.01, 1.0), _exp("stock", "pit", "0"),
       "Gasoline held in commercial storage in {country} at the end of the week.",
       ("Gasoline Inventories",)),
    _c("Installed Wind Capacity", "Energy", "Energy", ("MW", "GW", "Megawatts"), _A,
       _qty(20000.0, 0.08, 0.01, 1.5), _exp("capacity", "pit", "+"),
       "The generating capacity of wind farms installed in {country}.",
       ("Wind Power Capacity",)),
    _c("Electricity Generating Capacity", "Energy", "Energy", ("GW", "MW"), _A,
       _qty(100.0, 0.02, 0.01, 1.5), _exp("capacity", "pit", "+"),
       "The total net generating capacity of the power plants of {country}.",
       ("Installed Generating Capacity",)),
    _c("Renewable Electricity Output Share", "Energy", "Energy",
       ("% of total electricity output",), _A,
       _rate(35.0, 0.8, trend=1.0, vary=0.5, lower=0, upper=100), _exp("share", "total", "+"),
       "Electricity generated in {country} from renewable sources as a share of all "
       "electricity generated."),
    _c("Access to Clean Cooking Fuels", "Energy", "Energy", _PCT_POPULATION, _A,
       _rate(70.0, 0.8, trend=0.8, vary=0.3, lower=1, upper=100),
       _exp("percentage", "avg", "+"),
       "People in {country} who cook mainly with clean fuels and technologies, as a share "
       "of the population.",
       ("Access to Clean Fuels for Cooking",)),
    _c("Primary Energy Consumption", "Energy", "Energy",
       ("Million Tonnes of Oil Equivalent", "Mtoe", "Petajoules"), _A,
       _qty(150.0, 0.0, 0.02, 1.2), _exp("volume", "total", "0"),
       "The total primary energy consumed in {country}.",
       ("Total Energy Consumption",)),
    _c("Oil Demand", "Energy", "Energy", ("Thousand Barrels per Day", "BBL/D/1K"), _M,
       _qty(1.5e6, 0.0, 0.03, 1.2), _exp("volume", "avg", "0"),
       "Petroleum products consumed in {country}, in thousands of barrels a day.",
       ("Oil Consumption",)),
    _c("Nuclear Electricity Generation", "Energy", "Energy", ("GWh", "TWh"), _M,
       _qty(8000.0, 0.0, 0.05, 1.5), _exp("volume", "total", "+"),
       "Electricity generated by the nuclear power plants of {country}.",
       ("Nuclear Power Generation",)),
    _c("Proved Oil Reserves", "Energy", "Energy", ("Billion Barrels", "Million Barrels"), _A,
       _step(5.0e9, 1.0e8, vary=1.5, lower=0), _exp("stock", "pit", "+"),
       "Crude oil in the ground of {country} that can be recovered at today's prices.",
       ("Proven Crude Oil Reserves",)),
    _c("Distillate Stocks Change", "Energy", "Energy", ("Million Barrels", "Thousand Barrels"),
       _W, _rate(0.0, 1.5), _exp("flow", "total", "0"),
       "The weekly change in distillate fuel oil held in storage in {country}.",
       ("Distillate Inventories",)),
    # ---------------------------------------------------------------- Financial markets
    _c("Non-Performing Loans Ratio", "Money", "Banking", ("% of gross loans", "% of loans"),
       _QA, _rate(3.5, 0.2, vary=0.6, lower=0.2), _exp("ratio", "pit", "-"),
       "Bank loans in {country} that are 90 days or more overdue as a share of all loans.",
       ("NPL Ratio",)),
    _c("Capital Adequacy Ratio", "Money", "Banking",
       ("% of risk-weighted assets", "percent"), _Q,
       _rate(17.0, 0.3, vary=0.2, lower=8), _exp("ratio", "pit", "+"),
       "Regulatory capital of the banks of {country} relative to their risk-weighted assets.",
       ("Bank Capital Adequacy Ratio", "Tier 1 Capital Ratio")),
    _c("Bank Return on Assets", "Money", "Banking", ("percent", "%"), _Q,
       _rate(1.1, 0.08, vary=0.3, lower=-1), _exp("ratio", "total", "+"),
       "Net income of the banks of {country} relative to their average total assets.",
       ("Return on Assets of Banks",)),
    _c("Liquidity Coverage Ratio", "Money", "Banking", ("percent", "%"), _Q,
       _rate(150.0, 3.0, vary=0.2, lower=80), _exp("ratio", "pit", "+"),
       "High-quality liquid assets of the banks of {country} relative to their net cash "
       "outflows over thirty days.",
       ("Bank Liquidity Coverage Ratio",)),
    _c("Loan to Deposit Ratio", "Money", "Banking", ("percent", "ratio"), _M,
       _rate(85.0, 0.8, vary=0.2, lower=30), _exp("ratio", "pit", "0"),
       "Bank loans to customers in {country} relative to customer deposits.",
       ("Loan-to-Deposit Ratio",)),
    _c("Stock Market Capitalization", "Markets", "Stock Market",
       ("USD Billion", "USD Million", "{cur} Billion"), _M,
       _level(0.9, 0.06, 0.03, flow=False, vary=0.6), _exp("stock", "pit", "+"),
       "The market value of the shares of domestic companies listed in {country}.",
       ("Market Capitalization of Listed Companies",)),
    _c("Stock Market Capitalization to GDP", "Markets", "Stock Market", _PCT_GDP, _A,
       _rate(80.0, 4.0, vary=0.6, lower=1), _exp("ratio", "pit", "+"),
       "The market value of the listed domestic companies of {country} as a percentage of "
       "GDP.",
       ("Market Capitalization to GDP",)),
    _c("Price to Earnings Ratio", "Markets", "Stock Market", ("ratio", "times"), _M,
       _rate(17.0, 0.5, vary=0.2, lower=4), _exp("ratio", "pit", "0"),
       "The price of the benchmark stock index of {country} relative to its constituents' "
       "earnings.",
       ("P/E Ratio",)),
    _c("Dividend Yield", "Markets", "Stock Market", ("percent", "%"), _M,
       _rate(2.5, 0.05, vary=0.3, lower=0.2), _exp("yield", "pit", "0"),
       "Dividends of the benchmark stock index of {country} relative to its price.",
       ("Stock Market Dividend Yield",)),
    _c("Sovereign CDS Spread", "Bonds", "Bonds", ("basis points", "bps"), _D,
       _rate(0.8, 0.03, vary=0.8, lower=0.05), _exp("spread", "pit", "-"),
       "The premium of five-year credit default swaps on the government debt of "
       "{country}.",
       ("5 Year Credit Default Swap",)),
    _c("Value of Stocks Traded", "Markets", "Stock Market",
       ("USD Billion", "USD Million", "{cur} Billion"), _M,
       _level(0.08, 0.04, 0.06, vary=0.8), _exp("flow", "total", "+"),
       "The value of shares traded on the stock exchanges of {country}.",
       ("Stock Market Turnover",)),
    _c("Treasury Bill Yield", "Bonds", "Bonds", ("percent", "%"), _D,
       _rate(4.0, 0.03, vary=0.5, lower=0.0), _exp("yield", "pit", "-"),
       "The yield on three-month bills issued by the government of {country}.",
       ("3 Month Bill Yield",)),
    _c("Corporate Bond Yield", "Bonds", "Bonds", ("percent", "%"), _D,
       _rate(5.5, 0.04, vary=0.3, lower=0.5), _exp("yield", "pit", "-"),
       "The average yield on investment-grade bonds of companies in {country}.",
       ("Investment Grade Corporate Bond Yield",)),
    _c("Real Interest Rate", "Money", "Money", ("percent", "%"), _A,
       _rate(1.5, 0.4, vary=0.5), _exp("yield", "pit", "0"),
       "The lending rate in {country} adjusted for inflation."),
    _c("Household Financial Assets", "Money", "Households", _CUR_LARGE, _Q,
       _level(2.5, 0.04, 0.01, flow=False, vary=0.3), _exp("stock", "pit", "+"),
       "Deposits, securities, insurance and pension entitlements held by households in "
       "{country}.",
       ("Financial Assets of Households",)),
    _c("Effective Exchange Rate", "Markets", "Currency", _INDEX, _M,
       _index(100, 0.0, 0.01), _exp("index", "avg", "0"),
       "The trade-weighted value of the currency of {country} against its trading "
       "partners, as an index.",
       ("Trade Weighted Exchange Rate Index",)),
    _c("Bank Deposits Growth", "Money", "Banking", _PCT, _M,
       _rate(6.0, 0.5, vary=0.4), _exp("rate", "rate", "+"),
       "Year-on-year change of bank deposits of residents of {country}.",
       ("Deposit Growth",)),
    # ---------------------------------------------------------------- Labour and social
    _c("Underemployment Rate", "Labour", "Labour", _PCT, _Q,
       _rate(6.0, 0.3, vary=0.5, lower=0.5), _exp("percentage", "avg", "-"),
       "Employed people in {country} who want and are available to work more hours, as a "
       "share of the labour force.",
       ("Time-Related Underemployment Rate",)),
    _c("Labour Market Slack", "Labour", "Labour", ("% of extended labour force",), _Q,
       _rate(10.0, 0.4, vary=0.4, lower=1), _exp("percentage", "avg", "-"),
       "Unemployed, underemployed and discouraged people in {country} as a share of the "
       "extended labour force.",
       ("Labour Slack",)),
    _c("NEET Rate", "Labour", "Labour", _PCT, _A,
       _rate(12.0, 0.4, vary=0.4, lower=2), _exp("percentage", "avg", "-"),
       "Young people in {country} neither in employment nor in education or training as a "
       "share of their age group.",
       ("Youth NEET Rate",)),
    _c("Informal Employment Rate", "Labour", "Labour", _PCT, _A,
       _rate(30.0, 0.6, vary=0.7, lower=1, upper=95), _exp("percentage", "avg", "-"),
       "Workers in {country} without social protection or a formal contract as a share of "
       "all employed.",
       ("Informality Rate",)),
    _c("Gender Pay Gap", "Labour", "Wages", ("% of male earnings", "percent"), _A,
       _rate(13.0, 0.4, trend=-0.2, vary=0.4, lower=0), _exp("gap", "avg", "-"),
       "The difference between the median earnings of men and women in {country} relative "
       "to the median earnings of men.",
       ("Gender Wage Gap",)),
    _c("Employment to Population Ratio", "Labour", "Labour", ("percent", "%"), _QA,
       _rate(58.0, 0.4, vary=0.1, upper=85), _exp("percentage", "avg", "+"),
       "Employed people in {country} as a share of the population of working age.",
       ("Employment-to-Population Ratio",)),
    _c("Occupational Fatality Rate", "Labour", "Labour", ("per 100,000 workers",), _A,
       _rate(3.0, 0.15, vary=0.5, lower=0.2), _exp("ratio", "total", "-"),
       "Fatal injuries at work in {country} per 100,000 workers.",
       ("Fatal Work Accidents Rate",)),
    _c("Gini Coefficient", "Social", "Inequality", ("points", "index"), _A,
       _rate(35.0, 0.3, vary=0.2, lower=20, upper=65), _exp("index", "pit", "-"),
       "The Gini coefficient of disposable household income in {country}: 0 is perfect "
       "equality, 100 the greatest inequality.",
       ("Income Inequality Gini",)),
    _c("Poverty Rate", "Social", "Poverty", _PCT_POPULATION, _A,
       _rate(12.0, 0.4, vary=0.6, lower=0.2), _exp("percentage", "avg", "-"),
       "People in {country} living below the national poverty line as a share of the "
       "population.",
       ("National Poverty Rate",)),
    _c("Income Share of the Top 10%", "Social", "Inequality", ("percent", "%"), _A,
       _rate(30.0, 0.3, vary=0.2, lower=15, upper=60), _exp("share", "total", "-"),
       "The share of national income received by the richest tenth of households in "
       "{country}.",
       ("Top Decile Income Share",)),
    _c("Material Deprivation Rate", "Social", "Poverty", _PCT, _A,
       _rate(6.0, 0.3, vary=0.6, lower=0.2), _exp("percentage", "avg", "-"),
       "People in {country} who cannot afford several items considered necessities, as a "
       "share of the population.",
       ("Severe Material Deprivation Rate",)),
    _c("Homicide Rate", "Social", "Crime", ("per 100,000 people",), _A,
       _rate(4.0, 0.2, vary=1.0, lower=0.1), _exp("ratio", "total", "-"),
       "Intentional homicides in {country} per 100,000 people.",
       ("Intentional Homicide Rate",)),
    _c("Crime Rate", "Social", "Crime", ("per 100,000 inhabitants", "per 1,000 people"), _A,
       _rate(3000.0, 60.0, vary=0.5, lower=10), _exp("ratio", "total", "-"),
       "Criminal offences recorded by the police of {country} relative to the population.",
       ("Recorded Crime Rate",)),
    _c("Primary School Enrolment", "Social", "Education", ("% net", "% gross", "percent"),
       _A, _rate(92.0, 0.6, vary=0.05, lower=30, upper=110), _exp("percentage", "avg", "+"),
       "Children in {country} enrolled in primary school as a share of the children of "
       "primary school age.",
       ("Net Enrolment Rate, Primary",)),
    _c("Adult Literacy Rate", "Social", "Education", _PCT, _A,
       _rate(90.0, 0.4, vary=0.1, lower=20, upper=100), _exp("percentage", "avg", "+"),
       "People aged 15 and over in {country} who can read and write, as a share of that "
       "age group.",
       ("Literacy Rate",)),
    _c("Early School Leavers", "Social", "Education", _PCT, _A,
       _rate(9.0, 0.3, trend=-0.2, vary=0.4, lower=0.5), _exp("percentage", "avg", "-"),
       "People aged 18 to 24 in {country} with at most lower secondary education and not "
       "in education or training, as a share of their age group.",
       ("Early Leavers from Education and Training",)),
    _c("Net Migration Rate", "Social", "Demographics", ("per 1,000 people",), _A,
       _rate(2.0, 0.5, vary=0.5), _exp("ratio", "total", "0"),
       "Immigrants minus emigrants in {country} per 1,000 people.",
       ("Migration Rate",)),
    _c("Unemployment Benefit Recipients", "Labour", "Labour", _PERSONS, _M,
       _count(0.02, 0.0, 0.02, flow=False), _exp("count", "pit", "-"),
       "People in {country} receiving unemployment benefits at the end of the month.",
       ("Recipients of Unemployment Benefits",)),
    _c("Trade Union Membership", "Labour", "Labour", ("Thousand", "Thousand persons"), _A,
       _count(0.05, -0.01, 0.01, flow=False), _exp("count", "pit", "0"),
       "Members of trade unions in {country}.",
       ("Union Membership",)),
    _c("Social Protection Spending to GDP", "Social", "Government", _PCT_GDP, _A,
       _rate(20.0, 0.3, vary=0.4, lower=1), _exp("ratio", "total", "0"),
       "Public spending on pensions, family, unemployment and other social benefits in "
       "{country} as a percentage of GDP.",
       ("Social Spending to GDP",)),
    _c("Labour Income Share", "Labour", "Wages", ("% of GDP", "percent of GDP"), _A,
       _rate(55.0, 0.4, vary=0.1, lower=20, upper=80), _exp("ratio", "total", "0"),
       "Compensation of employees and the labour income of the self-employed in {country} "
       "as a percentage of GDP.",
       ("Labour Share of GDP",)),
    # ---------------------------------------------------------------- Logistics
    _c("Container Throughput", "Transport", "Logistics", ("TEU", "Thousand TEU"), _M,
       _level(0.00003, 0.03, 0.04, basis="population"), _exp("volume", "total", "+"),
       "Containers handled by the ports of {country}, in twenty-foot equivalent units.",
       ("Port Container Throughput",)),
    _c("Air Freight", "Transport", "Logistics", ("Million tonne-km", "million ton-km"), _MA,
       _qty(5000.0, 0.03, 0.04, 1.5), _exp("volume", "total", "+"),
       "Freight carried by the airlines of {country}, in tonne-kilometres.",
       ("Air Cargo",)),
    _c("Air Passengers", "Transport", "Logistics", ("Thousand", "Number", "Persons"), _M,
       _count(0.15, 0.04, 0.05, vary=0.8), _exp("count", "total", "+"),
       "Passengers carried by the airlines of {country}.",
       ("Airline Passengers",)),
    _c("Road Freight Transport", "Transport", "Logistics",
       ("Million tonne-kilometres", "Million tonne-km"), _QA,
       _qty(50000.0, 0.02, 0.03, 1.2), _exp("volume", "total", "+"),
       "Goods carried by road in {country}, in tonne-kilometres.",
       ("Road Freight",)),
    _c("Port Cargo Throughput", "Transport", "Logistics", ("Thousand Tonnes", "Million Tonnes"),
       _M, _qty(2.0e7, 0.02, 0.04, 1.5), _exp("volume", "total", "+"),
       "Cargo loaded and unloaded at the seaports of {country}.",
       ("Seaborne Cargo Handled",)),
    _c("Air Freight Rates", "Transport", "Logistics", ("USD per kg", "USD/kg"), _W,
       SampleShape("level", 4.0, 0.02, 0.0, "usd", False, 0.2), _exp("price", "avg", "0"),
       "The average price of air freight out of {country} per kilogram.",
       ("Air Cargo Rates",)),
    _c("Port Waiting Time for Vessels", "Transport", "Logistics", ("Days", "Hours"), _W,
       _rate(2.0, 0.2, vary=0.5, lower=0.1), _exp("duration", "avg", "-"),
       "The average time container ships wait at anchor before berthing in the ports of "
       "{country}.",
       ("Vessel Waiting Time",)),
    _c("Time to Import, Documentary Compliance", "Transport", "Logistics", ("Hours",), _A,
       _step(40.0, 4.0, vary=0.6, lower=1, decimals=0), _exp("duration", "na", "-"),
       "The hours needed to obtain, prepare and submit the documents for an import "
       "shipment into {country}."),
    _c("Cost to Export, Documentary Compliance", "Transport", "Logistics", ("USD",), _A,
       _step(100.0, 10.0, vary=0.6, lower=1, decimals=0), _exp("price", "pit", "-"),
       "The cost of obtaining, preparing and submitting the documents for an export "
       "shipment from {country}."),
    _c("Road Traffic Deaths", "Transport", "Safety", ("Persons", "Number"), _A,
       _count(0.00007, -0.02, 0.03), _exp("count", "total", "-"),
       "People killed in road traffic accidents in {country}.",
       ("Road Fatalities",)),
    _c("Vehicle Miles Traveled", "Transport", "Logistics", ("Billion Miles", "Million Miles"),
       _M, _qty(2.5e11, 0.01, 0.02, 1.0), _exp("volume", "total", "+"),
       "The distance driven by all motor vehicles on the roads of {country}.",
       ("Vehicle Kilometres Travelled",)),
    _c("Public Transport Passengers", "Transport", "Logistics", ("Thousand", "Number"), _M,
       _count(0.8, 0.01, 0.04), _exp("count", "total", "+"),
       "Passenger journeys on buses, trams and metros in {country}.",
       ("Public Transit Ridership",)),
    _c("Flight Delays", "Transport", "Logistics", ("Number",), _M,
       _count(0.0002, 0.0, 0.1), _exp("count", "total", "-"),
       "Departures from the airports of {country} more than fifteen minutes late.",
       ("Delayed Flights",)),
    _c("Air Cargo Handled at Airports", "Transport", "Logistics", ("Tonnes", "Thousand Tonnes"),
       _M, _qty(2.0e5, 0.03, 0.05, 1.5), _exp("volume", "total", "+"),
       "Freight and mail loaded and unloaded at the airports of {country}."),
    # ---------------------------------------------------------------- Public finance
    _c("Primary Balance to GDP", "Government", "Government", _PCT_GDP, _A,
       _rate(-1.0, 0.8, vary=0.2), _exp("ratio", "total", "+"),
       "The general government budget balance of {country} excluding interest payments, "
       "as a percentage of GDP.",
       ("Primary Fiscal Balance",)),
    _c("Interest Payments to Revenue", "Government", "Government",
       ("% of revenue", "percent of revenue"), _A,
       _rate(8.0, 0.3, vary=0.5, lower=0.2), _exp("ratio", "total", "-"),
       "Interest paid on government debt of {country} as a percentage of government "
       "revenue.",
       ("Interest Burden",)),
    _c("Interest Payments on Government Debt", "Government", "Government", _CUR_MEDIUM, _QA,
       _level(0.02, 0.04, 0.03), _exp("flow", "total", "-"),
       "Interest paid by the general government of {country} on its debt.",
       ("Government Interest Expense",)),
    _c("Tax Revenue to GDP", "Government", "Taxes", _PCT_GDP, _A,
       _rate(25.0, 0.3, vary=0.3, lower=5), _exp("ratio", "total", "+"),
       "Taxes collected by all levels of government of {country} as a percentage of GDP.",
       ("Tax-to-GDP Ratio",)),
    _c("Government Arrears", "Government", "Government", _CUR_MEDIUM, _Q,
       _level(0.01, 0.0, 0.05, flow=False), _exp("stock", "pit", "-"),
       "Overdue payments owed by the government of {country} to suppliers and others.",
       ("Payment Arrears of the Government",)),
    _c("Gross Financing Needs", "Government", "Government", _PCT_GDP, _A,
       _rate(12.0, 0.8, vary=0.4, lower=0.5), _exp("ratio", "total", "-"),
       "The budget deficit of the government of {country} plus its maturing debt, as a "
       "percentage of GDP.",
       ("Government Gross Financing Needs",)),
    _c("External Debt Service", "Trade", "Trade", _USD, _A,
       _level(0.02, 0.03, 0.05, vary=0.5), _exp("flow", "total", "-"),
       "Principal and interest paid by {country} on its long-term external debt.",
       ("Total Debt Service",)),
    _c("Government Subsidies", "Government", "Government", _CUR_MEDIUM, _A,
       _level(0.02, 0.03, 0.04), _exp("flow", "total", "0"),
       "Subsidies paid by the government of {country} to producers.",
       ("Subsidies to Producers",)),
    _c("Customs Revenue", "Government", "Taxes", _CUR_MEDIUM, _M,
       _level(0.01, 0.03, 0.05), _exp("flow", "total", "+"),
       "Customs duties collected on imports into {country}.",
       ("Customs Receipts",)),
    _c("Structural Budget Balance", "Government", "Government", ("% of potential GDP",), _A,
       _rate(-2.0, 0.5, vary=0.3), _exp("ratio", "total", "+"),
       "The government budget balance of {country} adjusted for the business cycle, as a "
       "percentage of potential GDP.",
       ("Structural Balance",)),
    _c("Tax Revenue Year-to-Date", "Government", "Taxes", _CUR_MEDIUM, _M,
       _ytd(0.2, 0.15), _exp("flow", "cum", "+", "ytd"),
       "Tax receipts of the central government of {country} summed since January.",
       ("Cumulative Tax Receipts",)),
    _c("Fiscal Deficit to GDP", "Government", "Government", _PCT_GDP, _A,
       _rate(3.0, 0.6, vary=0.3, lower=0), _exp("ratio", "total", "-"),
       "The excess of government spending over revenue in {country} as a percentage of "
       "GDP.",
       ("Budget Deficit to GDP",)),
    _c("Government Effectiveness Index", "Government", "Governance", ("points", "score"), _A,
       _step(60.0, 3.0, vary=0.3, lower=0, upper=100, decimals=0), _exp("index", "pit", "+"),
       "A score of the quality of public services and policy making in {country}.",
       ("Government Effectiveness Score",)),
    _c("Public Investment to GDP", "Government", "Government", _PCT_GDP, _A,
       _rate(3.5, 0.2, vary=0.3, lower=0.2), _exp("ratio", "total", "+"),
       "Fixed investment by the general government of {country} as a percentage of GDP.",
       ("Government Investment to GDP",)),
    _c("Exports Accumulated in the Year", "Trade", "Trade", _CUR_MEDIUM, _M,
       _ytd(0.25, 0.1), _exp("flow", "cum", "+", "ytd"),
       "The value of goods exported from {country} summed from January.",
       ("Exports Year to Date",)),
    # ---------------------------------------------------------------- Agriculture
    _c("Wheat Yield", "Agriculture", "Agriculture",
       ("Tonnes per Hectare", "kg per hectare", "Bushels per Acre"), _A,
       _rate(3.5, 0.2, trend=0.03, vary=0.5, lower=0.5), _exp("ratio", "total", "+"),
       "Wheat harvested in {country} per hectare of land sown.",
       ("Wheat Yield per Hectare",)),
    _c("Corn Yield", "Agriculture", "Agriculture", ("Bushels per Acre", "Tonnes per Hectare"),
       _A, _rate(170.0, 8.0, trend=1.5, vary=0.4, lower=10), _exp("ratio", "total", "+"),
       "Corn harvested in {country} per unit of land planted.",
       ("Maize Yield",)),
    _c("Milk Production", "Agriculture", "Agriculture", ("Thousand Tonnes", "Million Pounds"),
       _M, _qty(8.0e5, 0.01, 0.03, 1.2), _exp("volume", "total", "+"),
       "Cow's milk produced on the farms of {country}.",
       ("Milk Output",)),
    _c("Rice Production", "Agriculture", "Agriculture", ("Thousand Tonnes", "Million Tonnes"),
       _A, _qty(2.0e6, 0.01, 0.04, 2.0), _exp("volume", "total", "+"),
       "Paddy rice harvested in {country}.",
       ("Paddy Production",)),
    _c("Soybean Exports", "Agriculture", "Agriculture", ("Thousand Tonnes", "Million Bushels"),
       _M, _qty(1.0e6, 0.02, 0.1, 2.0), _exp("volume", "total", "+"),
       "Soybeans shipped from {country} to other countries.",
       ("Soybean Shipments",)),
    _c("Sugar Stocks", "Agriculture", "Agriculture", ("Thousand Tonnes", "Tonnes"), _Q,
       _qty(1.5e6, 0.0, 0.05, 1.5), _exp("stock", "pit", "0"),
       "Sugar held in storage in {country} at the end of the quarter.",
       ("Sugar Inventories",)),
    _c("Cattle Herd", "Agriculture", "Agriculture", ("Thousand Head", "Head"), _A,
       _count(0.3, 0.0, 0.01, flow=False, vary=1.0), _exp("count", "pit", "0"),
       "Cattle and calves on the farms of {country} on the survey date.",
       ("Cattle Inventory",)),
    _c("Agricultural Land Share", "Agriculture", "Land", ("% of land area",), _A,
       _rate(40.0, 0.2, vary=0.4, lower=1, upper=90), _exp("share", "pit", "0"),
       "Arable land, permanent crops and pastures in {country} as a share of its land "
       "area.",
       ("Agricultural Area Share",)),
    _c("Fertilizer Use", "Agriculture", "Agriculture",
       ("kg per hectare of arable land", "kilograms per hectare"), _A,
       _rate(140.0, 5.0, vary=0.6, lower=1), _exp("ratio", "total", "0"),
       "Nitrogen, phosphate and potash fertilizer applied in {country} per hectare of "
       "arable land.",
       ("Fertilizer Consumption per Hectare",)),
    _c("Food Production Index", "Agriculture", "Agriculture",
       ("2014-2016=100", "Index, 2014-2016=100", "points"), _A,
       _index(105, 1.0, 0.01), _exp("index", "avg", "+"),
       "The volume of food crops and livestock produced in {country}, as an index."),
    _c("Food Commodity Price Index", "Agriculture", "Prices", _INDEX, _M,
       _index(120, 2.0, 0.015), _exp("index", "avg", "0"),
       "World prices of the food commodities {country} trades, as an index.",
       ("Food Commodity Prices",)),
    _c("Farm Income", "Agriculture", "Agriculture", _CUR_LARGE, _A,
       _level(0.01, 0.02, 0.08), _exp("flow", "total", "+"),
       "The income of the farm sector of {country} after expenses.",
       ("Agricultural Income",)),
    _c("Agriculture Value Added to GDP", "Agriculture", "GDP", _PCT_GDP, _A,
       _rate(4.0, 0.1, trend=-0.05, vary=0.8, lower=0.1), _exp("ratio", "total", "+"),
       "Gross value added by agriculture, forestry and fishing in {country} as a "
       "percentage of GDP.",
       ("Agriculture Share of GDP",)),
    _c("Food Insecurity Prevalence", "Agriculture", "Food Security", _PCT_POPULATION, _A,
       _rate(8.0, 0.4, vary=0.8, lower=0.5), _exp("percentage", "avg", "-"),
       "People in {country} facing moderate or severe food insecurity as a share of the "
       "population.",
       ("Prevalence of Food Insecurity",)),
    _c("Beef Production", "Agriculture", "Agriculture", _TONNES, _M,
       _qty(1.0e5, 0.0, 0.04, 1.5), _exp("volume", "total", "+"),
       "Beef and veal produced by the slaughterhouses of {country}.",
       ("Beef and Veal Production",)),
    # ---------------------------------------------------------------- Housing
    _c("Homeowner Vacancy Rate", "Housing", "Housing", _PCT, _Q,
       _rate(1.2, 0.1, vary=0.3, lower=0.2), _exp("percentage", "avg", "0"),
       "Vacant homes for sale in {country} as a share of the owner-occupied housing stock."),
    _c("Housing Costs to Disposable Income", "Housing", "Housing",
       ("% of disposable income",), _A,
       _rate(20.0, 0.4, vary=0.3, lower=2), _exp("ratio", "total", "-"),
       "Spending of households in {country} on rent, mortgage interest and utilities as a "
       "percentage of their disposable income.",
       ("Housing Cost Burden",)),
    _c("Mortgage Arrears Rate", "Housing", "Housing", ("% of mortgage loans",), _Q,
       _rate(1.5, 0.1, vary=0.5, lower=0.05), _exp("share", "pit", "-"),
       "Home loans in {country} at least three months in arrears as a share of all home "
       "loans.",
       ("Mortgage Delinquency Rate",)),
    _c("Housing Completions", "Housing", "Housing", ("Thousand", "Units", "Number"), _M,
       _count(0.0035, 0.0, 0.06), _exp("count", "total", "+"),
       "New homes finished in {country}.",
       ("New Homes Completed",)),
    _c("Home Repossessions", "Housing", "Housing", ("Number", "Units"), _Q,
       _count(0.00002, 0.0, 0.08), _exp("count", "total", "-"),
       "Homes taken back by lenders in {country} from borrowers who defaulted.",
       ("Mortgage Repossessions",)),
    _c("Months Supply of Homes", "Housing", "Housing", ("Months",), _M,
       _rate(4.0, 0.2, vary=0.3, lower=1), _exp("duration", "avg", "0"),
       "The number of months the homes for sale in {country} would last at the current "
       "pace of sales.",
       ("Housing Inventory Months Supply",)),
    _c("Construction Costs", "Housing", "Housing", _INDEX, _MQ,
       _index(118, 3.0, 0.004), _exp("index", "avg", "-"),
       "The cost of materials and labour to build new residential buildings in {country}, "
       "as an index.",
       ("Building Cost Index",)),
    _c("Residential Investment to GDP", "Housing", "Housing", _PCT_GDP, _Q,
       _rate(5.0, 0.1, vary=0.3, lower=0.5), _exp("ratio", "total", "+"),
       "Investment in dwellings in {country} as a percentage of GDP.",
       ("Housing Investment to GDP",)),
    _c("Pending Home Sales", "Housing", "Housing", _INDEX, _M,
       _index(100, 0.0, 0.03), _exp("index", "avg", "+"),
       "Contracts signed for the purchase of existing homes in {country}, as an index.",
       ("Pending Home Sales Index",)),
    _c("Existing Home Sales", "Housing", "Housing", ("Thousand", "Million", "Units"), _M,
       _count(0.015, 0.0, 0.05), _exp("count", "total", "+"),
       "Previously owned homes sold in {country}.",
       ("Existing House Sales",)),
    _c("Average Rent", "Housing", "Housing", ("{cur}/Month", "{cur} per month"), _M,
       _level(0.015, 0.04, 0.003, basis="gdp_per_capita", flow=False),
       _exp("price", "avg", "-"),
       "The average monthly rent paid for a dwelling in {country}.",
       ("Average Monthly Rent",)),
)
# fmt: on

ALL_CONCEPTS: tuple[IndicatorConcept, ...] = CONCEPTS + EXTRA_CONCEPTS
"""Every concept: `CONCEPTS` (seeded into the source database) and `EXTRA_CONCEPTS`."""


_C = Country
# fmt: off
COUNTRIES: tuple[Country, ...] = (
    _C("usa", "United States", "USD", "US Dollar", 27360, 335, 1.0,
       "U.S. Bureau of Economic Analysis", "Federal Reserve"),
    _C("chn", "China", "CNY", "Yuan Renminbi", 17790, 1410, 7.1,
       "National Bureau of Statistics of China", "People's Bank of China"),
    _C("jpn", "Japan", "JPY", "Yen", 4210, 124, 145.0,
       "Statistics Bureau of Japan", "Bank of Japan"),
    _C("deu", "Germany", "EUR", "Euro", 4460, 84, 0.92,
       "Federal Statistical Office (Destatis)", "Deutsche Bundesbank", True),
    _C("ind", "India", "INR", "Indian Rupee", 3550, 1430, 83.0,
       "Ministry of Statistics and Programme Implementation", "Reserve Bank of India"),
    _C("gbr", "United Kingdom", "GBP", "Pound Sterling", 3340, 68, 0.79,
       "Office for National Statistics", "Bank of England"),
    _C("fra", "France", "EUR", "Euro", 3030, 68, 0.92,
       "INSEE", "Banque de France", True),
    _C("ita", "Italy", "EUR", "Euro", 2250, 59, 0.92,
       "ISTAT", "Banca d'Italia", True),
    _C("bra", "Brazil", "BRL", "Brazilian Real", 2170, 216, 5.0,
       "IBGE", "Banco Central do Brasil"),
    _C("can", "Canada", "CAD", "Canadian Dollar", 2140, 40, 1.35,
       "Statistics Canada", "Bank of Canada"),
    _C("rus", "Russia", "RUB", "Russian Ruble", 2020, 144, 90.0,
       "Rosstat", "Bank of Russia"),
    _C("mex", "Mexico", "MXN", "Mexican Peso", 1790, 129, 17.5,
       "INEGI", "Banco de Mexico"),
    _C("kor", "South Korea", "KRW", "Won", 1710, 52, 1300.0,
       "Statistics Korea", "Bank of Korea"),
    _C("aus", "Australia", "AUD", "Australian Dollar", 1720, 27, 1.5,
       "Australian Bureau of Statistics", "Reserve Bank of Australia"),
    _C("esp", "Spain", "EUR", "Euro", 1580, 48, 0.92,
       "National Statistics Institute (INE)", "Banco de Espana", True),
    _C("idn", "Indonesia", "IDR", "Rupiah", 1370, 278, 15500.0,
       "Statistics Indonesia (BPS)", "Bank Indonesia"),
    _C("nld", "Netherlands", "EUR", "Euro", 1120, 18, 0.92,
       "Statistics Netherlands (CBS)", "De Nederlandsche Bank", True),
    _C("tur", "Turkey", "TRY", "Turkish Lira", 1110, 85, 29.0,
       "Turkish Statistical Institute", "Central Bank of the Republic of Turkey"),
    _C("sau", "Saudi Arabia", "SAR", "Saudi Riyal", 1070, 36, 3.75,
       "General Authority for Statistics", "Saudi Central Bank"),
    _C("che", "Switzerland", "CHF", "Swiss Franc", 880, 8.8, 0.88,
       "Federal Statistical Office", "Swiss National Bank"),
    _C("pol", "Poland", "PLN", "Zloty", 810, 37, 4.0,
       "Statistics Poland", "National Bank of Poland", True),
    _C("arg", "Argentina", "ARS", "Argentine Peso", 640, 46, 350.0,
       "INDEC", "Central Bank of Argentina"),
    _C("bel", "Belgium", "EUR", "Euro", 630, 11.7, 0.92,
       "Statbel", "National Bank of Belgium", True),
    _C("swe", "Sweden", "SEK", "Swedish Krona", 590, 10.5, 10.6,
       "Statistics Sweden", "Sveriges Riksbank", True),
    _C("irl", "Ireland", "EUR", "Euro", 550, 5.2, 0.92,
       "Central Statistics Office", "Central Bank of Ireland", True),
    _C("tha", "Thailand", "THB", "Baht", 510, 72, 35.0,
       "National Statistical Office", "Bank of Thailand"),
    _C("isr", "Israel", "ILS", "New Israeli Sheqel", 510, 9.8, 3.7,
       "Central Bureau of Statistics", "Bank of Israel"),
    _C("aut", "Austria", "EUR", "Euro", 520, 9.1, 0.92,
       "Statistics Austria", "Oesterreichische Nationalbank", True),
    _C("nor", "Norway", "NOK", "Norwegian Krone", 490, 5.5, 10.6,
       "Statistics Norway", "Norges Bank"),
    _C("are", "United Arab Emirates", "AED", "UAE Dirham", 500, 9.5, 3.67,
       "Federal Competitiveness and Statistics Centre", "Central Bank of the UAE"),
    _C("sgp", "Singapore", "SGD", "Singapore Dollar", 500, 5.9, 1.34,
       "Department of Statistics Singapore", "Monetary Authority of Singapore"),
    _C("nga", "Nigeria", "NGN", "Naira", 360, 224, 800.0,
       "National Bureau of Statistics", "Central Bank of Nigeria"),
    _C("phl", "Philippines", "PHP", "Philippine Peso", 440, 117, 56.0,
       "Philippine Statistics Authority", "Bangko Sentral ng Pilipinas"),
    _C("vnm", "Vietnam", "VND", "Dong", 430, 99, 24000.0,
       "General Statistics Office", "State Bank of Vietnam"),
    _C("dnk", "Denmark", "DKK", "Danish Krone", 400, 5.9, 6.9,
       "Statistics Denmark", "Danmarks Nationalbank", True),
    _C("egy", "Egypt", "EGP", "Egyptian Pound", 400, 112, 31.0,
       "CAPMAS", "Central Bank of Egypt"),
    _C("mys", "Malaysia", "MYR", "Malaysian Ringgit", 400, 34, 4.6,
       "Department of Statistics Malaysia", "Bank Negara Malaysia"),
    _C("zaf", "South Africa", "ZAR", "Rand", 380, 60, 18.5,
       "Statistics South Africa", "South African Reserve Bank"),
    _C("hkg", "Hong Kong", "HKD", "Hong Kong Dollar", 380, 7.5, 7.8,
       "Census and Statistics Department", "Hong Kong Monetary Authority"),
    _C("col", "Colombia", "COP", "Colombian Peso", 360, 52, 4000.0,
       "DANE", "Banco de la Republica"),
    _C("chl", "Chile", "CLP", "Chilean Peso", 335, 19.6, 880.0,
       "National Statistics Institute of Chile", "Central Bank of Chile"),
    _C("cze", "Czech Republic", "CZK", "Czech Koruna", 330, 10.8, 22.5,
       "Czech Statistical Office", "Czech National Bank", True),
    _C("rou", "Romania", "RON", "Romanian Leu", 350, 19, 4.6,
       "National Institute of Statistics", "National Bank of Romania", True),
    _C("prt", "Portugal", "EUR", "Euro", 290, 10.4, 0.92,
       "Statistics Portugal", "Banco de Portugal", True),
    _C("nzl", "New Zealand", "NZD", "New Zealand Dollar", 250, 5.2, 1.65,
       "Stats NZ", "Reserve Bank of New Zealand"),
    _C("per", "Peru", "PEN", "Sol", 270, 34, 3.75,
       "INEI", "Central Reserve Bank of Peru"),
    _C("grc", "Greece", "EUR", "Euro", 240, 10.4, 0.92,
       "Hellenic Statistical Authority", "Bank of Greece", True),
    _C("fin", "Finland", "EUR", "Euro", 300, 5.6, 0.92,
       "Statistics Finland", "Bank of Finland", True),
    _C("hun", "Hungary", "HUF", "Forint", 210, 9.6, 360.0,
       "Hungarian Central Statistical Office", "Magyar Nemzeti Bank", True),
    _C("ukr", "Ukraine", "UAH", "Hryvnia", 180, 37, 37.0,
       "State Statistics Service of Ukraine", "National Bank of Ukraine"),
    _C("kaz", "Kazakhstan", "KZT", "Tenge", 260, 19.6, 460.0,
       "Bureau of National Statistics", "National Bank of Kazakhstan"),
    _C("pak", "Pakistan", "PKR", "Pakistan Rupee", 340, 240, 280.0,
       "Pakistan Bureau of Statistics", "State Bank of Pakistan"),
    _C("bgd", "Bangladesh", "BDT", "Taka", 450, 172, 110.0,
       "Bangladesh Bureau of Statistics", "Bangladesh Bank"),
    _C("mar", "Morocco", "MAD", "Moroccan Dirham", 140, 37, 10.0,
       "High Commission for Planning", "Bank Al-Maghrib"),
    _C("ken", "Kenya", "KES", "Kenyan Shilling", 110, 55, 150.0,
       "Kenya National Bureau of Statistics", "Central Bank of Kenya"),
    _C("alb", "Albania", "ALL", "Lek", 23, 2.8, 95.0,
       "INSTAT", "Bank of Albania"),
    _C("isl", "Iceland", "ISK", "Iceland Krona", 31, 0.39, 138.0,
       "Statistics Iceland", "Central Bank of Iceland"),
    _C("hrv", "Croatia", "EUR", "Euro", 82, 3.9, 0.92,
       "Croatian Bureau of Statistics", "Croatian National Bank", True),
    _C("srb", "Serbia", "RSD", "Serbian Dinar", 75, 6.6, 108.0,
       "Statistical Office of the Republic of Serbia", "National Bank of Serbia"),
    _C("lka", "Sri Lanka", "LKR", "Sri Lanka Rupee", 84, 22, 300.0,
       "Department of Census and Statistics", "Central Bank of Sri Lanka"),
    _C("gha", "Ghana", "GHS", "Ghana Cedi", 76, 34, 12.0,
       "Ghana Statistical Service", "Bank of Ghana"),
    _C("qat", "Qatar", "QAR", "Qatari Rial", 235, 2.7, 3.64,
       "Planning and Statistics Authority", "Qatar Central Bank"),
    _C("emu", "Euro Area", "EUR", "Euro", 15000, 350, 0.92,
       "Eurostat", "European Central Bank", True),
)
# fmt: on


def concept_by_name(name: str) -> IndicatorConcept:
    """The concept with this canonical name, seeded or extra (KeyError if none)."""
    return _BY_NAME[name]


def _validate() -> dict[str, IndicatorConcept]:
    by_name: dict[str, IndicatorConcept] = {}
    slugs: set[str] = set()
    for concept in ALL_CONCEPTS:
        if concept.name in by_name or concept.slug in slugs:
            raise ValueError(f"duplicate concept {concept.name!r}")
        expected = concept.expected
        if FAMILY_OF_TYPE[expected.indicator_type] != expected.family:
            raise ValueError(f"{concept.name}: type outside its family")
        if not concept.units or not concept.periodicities:
            raise ValueError(f"{concept.name}: needs units and periodicities")
        if concept.shape.kind == "ytd" and not set(concept.periodicities) <= {
            "monthly",
            "quarterly",
        }:
            raise ValueError(f"{concept.name}: a ytd series must be sub-annual")
        by_name[concept.name] = concept
        slugs.add(concept.slug)
    codes = [country.code for country in COUNTRIES]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate country code")
    return by_name


_BY_NAME = _validate()
