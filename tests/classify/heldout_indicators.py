"""A labelled evaluation set for the rules provider: real-world indicator names, worded as
international statistical sources word them (World Bank WDI, OECD, Eurostat, ILO, IMF
FSI, FAO, USDA, EIA, UNCTAD, national finance ministries), from the domains the catalog
covered thinly: health, environment, energy, financial markets, labour and social
statistics, logistics, public finance, agriculture and housing.

None of these names is a catalog concept or alias (a test checks it). They were written and
labelled before the rules were changed, following the conventions of `scripts/catalog.py`,
and conservatively: where a careful analyst would accept more than one answer, the label
lists each acceptable value.

Each row: name, units, periodicity as the source spells it (None: the sample dates decide),
the expected reporting frequency (A, Q, M, W, D), the acceptable indicator types (the
family follows from each), the acceptable temporal aggregations (shorthand), the acceptable
orientations (`+` higher is positive, `-` lower is positive, `0` neutral), the shape of the
sample values and, for some, a description.

Sample shapes: `level` (a noisy level that rises and falls), `running` (only ever grows),
`ytdN` (period flows summed from month N, the first month of a fiscal or marketing year,
and reset there every year).
"""

from __future__ import annotations

import random
import zlib
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import NamedTuple

from steps.classify.models import (
    FAMILY_OF_TYPE,
    Classification,
    IndicatorInput,
    NormalizedUnits,
    SampleValue,
)
from steps.classify.units import normalize_units

__all__ = [
    "FIELDS",
    "FREQUENCY",
    "HELDOUT",
    "Labelled",
    "Score",
    "acceptable",
    "indicator_for",
    "samples_for",
    "score",
]

FREQUENCY = {"A": "annual", "Q": "quarterly", "M": "monthly", "W": "weekly", "D": "daily"}


class Labelled(NamedTuple):
    name: str
    units: str | None
    periodicity: str | None
    frequency: str  # A, Q, M, W, D
    types: str  # acceptable indicator types, space separated
    aggregations: str  # acceptable aggregations (pit rate cum avg total na), space separated
    orientations: str  # acceptable orientations: any of "+", "-", "0"
    shape: str = "level"
    description: str | None = None


_L = Labelled
_PCT_POP = "percentage share ratio"

# fmt: off
HELDOUT: tuple[Labelled, ...] = (
    # ---------------------------------------------------------------- health
    _L("Mortality rate, infant (per 1,000 live births)", "per 1,000 live births", "Annual",
       "A", "ratio", "total avg", "-"),
    _L("Maternal mortality ratio (modeled estimate, per 100,000 live births)",
       "per 100,000 live births", "Annual", "A", "ratio", "total avg", "-"),
    _L("Prevalence of undernourishment (% of population)", "% of population", "Annual", "A",
       _PCT_POP, "avg pit", "-"),
    _L("Incidence of tuberculosis (per 100,000 people)", "per 100,000 people", "Annual", "A",
       "ratio", "total avg", "-"),
    _L("Immunization, measles (% of children ages 12-23 months)",
       "% of children ages 12-23 months", "Annual", "A", _PCT_POP, "avg pit", "+"),
    _L("Physicians (per 1,000 people)", "per 1,000 people", "A", "A", "ratio", "pit", "+"),
    _L("Current health expenditure (% of GDP)", "% of GDP", "Annual", "A", "ratio", "total",
       "0+"),
    _L("Out-of-pocket expenditure (% of current health expenditure)",
       "% of current health expenditure", "Annual", "A", "share ratio percentage", "total",
       "-"),
    _L("Healthy life expectancy (HALE) at age 60", "Years", "Annual", "A", "duration", "na",
       "+"),
    _L("Prevalence of current tobacco use (% of adults)", "% of adults", "Annual", "A",
       _PCT_POP, "avg pit", "-"),
    _L("Suicide mortality rate (per 100,000 population)", "per 100,000 population", "Annual",
       "A", "ratio", "total avg", "-"),
    _L("Number of new HIV infections", "Number of people", "Annual", "A", "count", "total",
       "-"),
    _L("Births attended by skilled health staff (% of total)", "% of total", "Annual", "A",
       _PCT_POP, "avg total", "+"),
    _L("Hospital discharges, all causes (per 100,000 inhabitants)",
       "per 100,000 inhabitants", "Annual", "A", "ratio", "total avg", "0"),
    _L("Average length of stay in hospital", "Days", "Annual", "A", "duration", "avg", "-0"),
    _L("Tuberculosis treatment success rate (% of new cases)", "% of new cases", "Annual",
       "A", _PCT_POP, "avg total", "+"),
    _L("Diabetes prevalence (% of population ages 20 to 79)",
       "% of population ages 20 to 79", "Annual", "A", _PCT_POP, "avg pit", "-"),
    _L("Notified cases of malaria", "Cases", "Monthly", "M", "count", "total", "-"),
    _L("Obesity rate among adults", "%", "Annual", "A", _PCT_POP, "avg pit", "-"),
    _L("Nurses and midwives (per 1,000 people)", "per 1,000 people", "Annual", "A", "ratio",
       "pit", "+"),
    # ---------------------------------------------------------------- environment
    _L("Total greenhouse gas emissions (kt of CO2 equivalent)", "kt of CO2 equivalent",
       "Annual", "A", "volume", "total", "-"),
    _L("Methane emissions (metric tons of CO2 equivalent per capita)",
       "metric tons of CO2 equivalent per capita", "Annual", "A", "ratio", "total", "-"),
    _L("PM2.5 air pollution, mean annual exposure (micrograms per cubic meter)",
       "micrograms per cubic meter", "Annual", "A", "ratio", "avg", "-"),
    _L("Forest area (% of land area)", "% of land area", "Annual", "A", _PCT_POP, "pit avg",
       "+"),
    _L("Renewable energy consumption (% of total final energy consumption)",
       "% of total final energy consumption", "Annual", "A", "share percentage ratio",
       "total avg", "+"),
    _L("Annual freshwater withdrawals, total (% of internal resources)",
       "% of internal resources", "Annual", "A", "ratio share percentage", "total avg", "-"),
    _L("Terrestrial protected areas (% of total land area)", "% of total land area", "Annual",
       "A", _PCT_POP, "pit avg", "+"),
    _L("Municipal waste generated per capita", "kg per capita", "Annual", "A", "ratio",
       "total", "-"),
    _L("Recycling rate of municipal waste", "%", "Annual", "A", _PCT_POP, "total avg", "+"),
    _L("Nitrogen oxides emissions", "Thousand tonnes", "Annual", "A", "volume", "total", "-"),
    _L("Level of water stress: freshwater withdrawal as a proportion of available freshwater "
       "resources", "%", "Annual", "A", "ratio share percentage", "total avg", "-"),
    _L("Energy intensity level of primary energy (MJ/$2017 PPP GDP)", "MJ/$2017 PPP GDP",
       "Annual", "A", "ratio", "total avg", "-"),
    _L("Hazardous waste generation", "Tonnes", "Annual", "A", "volume", "total", "-"),
    _L("Deforestation area", "Hectares", None, "A", "volume", "total", "-"),
    # ---------------------------------------------------------------- energy
    _L("Electric power transmission and distribution losses (% of output)", "% of output",
       "Annual", "A", "percentage share ratio", "total avg", "-"),
    _L("Access to electricity (% of population)", "% of population", "Annual", "A", _PCT_POP,
       "avg pit", "+"),
    _L("Electric power consumption (kWh per capita)", "kWh per capita", "Annual", "A",
       "ratio", "total", "0+"),
    _L("Natural gas consumption", "Billion Cubic Feet", "Monthly", "M", "volume", "total",
       "0"),
    _L("Refinery operable utilization rate", "%", "Weekly", "W", "percentage", "avg", "+"),
    _L("Henry Hub natural gas spot price", "USD/MMBtu", "Daily", "D", "price", "pit", "0"),
    _L("Electricity prices for household consumers (including taxes)", "EUR per kWh",
       "Annual", "A", "price", "avg", "-"),
    _L("Refinery crude oil input", "Thousand Barrels per Day", "Monthly", "M", "volume",
       "avg", "+"),
    _L("Distillate fuel oil inventories", "Thousand Barrels", "Weekly", "W", "stock", "pit",
       "0"),
    _L("Solar photovoltaic installed capacity", "MW", "Annual", "A", "capacity", "pit", "+"),
    _L("Energy imports, net (% of energy use)", "% of energy use", "Annual", "A",
       "ratio share percentage", "total", "-0"),
    _L("Proved reserves of crude oil", "Billion Barrels", "Annual", "A", "stock", "pit",
       "+0"),
    # ---------------------------------------------------------------- financial markets
    _L("Bank nonperforming loans to total gross loans (%)", "%", "Annual", "A",
       "ratio percentage share", "pit avg", "-"),
    _L("Bank capital to assets ratio (%)", "%", "Annual", "A", "ratio", "pit", "+"),
    _L("Market capitalization of listed domestic companies (% of GDP)", "% of GDP", "Annual",
       "A", "ratio", "pit", "+0"),
    _L("Stocks traded, turnover ratio of domestic shares (%)", "%", "Annual", "A", "ratio",
       "total avg", "+0"),
    _L("Risk premium on lending (lending rate minus treasury bill rate, %)", "%", "Annual",
       "A", "spread", "pit avg", "-"),
    _L("Interest rate spread (lending rate minus deposit rate, %)", "%", "Annual", "A",
       "spread", "pit avg", "-"),
    _L("Dividend yield of the main stock index", "%", "Monthly", "M", "yield ratio",
       "pit avg", "0+"),
    _L("Cyclically adjusted price-to-earnings ratio", "ratio", "Monthly", "M", "ratio",
       "pit avg", "0"),
    _L("Sovereign credit default swap spread, 5-year", "basis points", "Daily", "D", "spread",
       "pit", "-"),
    _L("Liquid assets to short-term liabilities", "%", "Quarterly", "Q", "ratio", "pit", "+"),
    _L("Return on equity of deposit takers", "%", "Quarterly", "Q", "ratio percentage",
       "total avg", "+"),
    _L("Regulatory capital to risk-weighted assets", "%", "Quarterly", "Q", "ratio", "pit",
       "+"),
    _L("Bank Z-score", None, "Annual", "A", "index ratio", "pit avg", "+"),
    _L("Margin debt", "USD Million", "Monthly", "M", "stock", "pit", "0"),
    _L("Corporate bond issuance", "USD Billion", "Monthly", "M", "flow", "total", "+0"),
    _L("Nominal effective exchange rate", "Index, 2010=100", "Monthly", "M", "index", "avg",
       "0"),
    _L("Real effective exchange rate index (2010 = 100)", "2010 = 100", "Annual", "A",
       "index", "avg", "0"),
    _L("Treasury bill rate, 3-month", "%", "Monthly", "M", "yield", "pit", "-0"),
    _L("Bank liquid reserves to bank assets ratio (%)", "%", "Annual", "A", "ratio", "pit",
       "+0"),
    _L("Total reserves in months of imports", "months", "Annual", "A", "ratio duration",
       "pit na", "+"),
    _L("Households' financial balance sheet: total financial assets", "EUR Million",
       "Quarterly", "Q", "stock", "pit", "+0"),
    _L("Net international investment position (% of GDP)", "% of GDP", "Quarterly", "Q",
       "ratio", "pit", "+"),
    # ---------------------------------------------------------------- labour and social
    _L("Labour underutilisation rate", "%", "Quarterly", "Q", "percentage", "avg", "-"),
    _L("Time-related underemployment (% of employment)", "% of employment", "Annual", "A",
       _PCT_POP, "avg", "-"),
    _L("Share of youth not in employment, education or training (NEET)", "%", "Annual", "A",
       _PCT_POP, "avg", "-"),
    _L("Informal employment (% of total non-agricultural employment)",
       "% of total non-agricultural employment", "Annual", "A", _PCT_POP, "avg total", "-"),
    _L("Gender pay gap in unadjusted form", "% of average gross hourly earnings of men",
       "Annual", "A", "gap percentage ratio spread", "avg total pit", "-"),
    _L("Employment to population ratio, 15+, total (%)", "%", "Annual", "A",
       "ratio percentage", "avg", "+"),
    _L("Average hours actually worked per week", "Hours", "Annual", "A", "duration", "avg",
       "0"),
    _L("Working days lost due to strikes and lockouts", "Thousands of working days", "Annual",
       "A", "count duration", "total", "-"),
    _L("Fatal occupational injuries per 100,000 workers", "per 100,000 workers", "Annual",
       "A", "ratio", "total avg", "-"),
    _L("Gini index", None, "Annual", "A", "index", "pit avg", "-"),
    _L("Income share held by lowest 20%", "%", "Annual", "A", "share percentage",
       "total avg pit", "+"),
    _L("Poverty headcount ratio at $2.15 a day (2017 PPP) (% of population)",
       "% of population", "Annual", "A", _PCT_POP, "avg pit", "-"),
    _L("At-risk-of-poverty rate", "%", "Annual", "A", "percentage", "avg", "-"),
    _L("Severe material and social deprivation rate", "%", "Annual", "A", "percentage", "avg",
       "-"),
    _L("Intentional homicides (per 100,000 people)", "per 100,000 people", "Annual", "A",
       "ratio", "total avg", "-"),
    _L("Literacy rate, adult total (% of people ages 15 and above)",
       "% of people ages 15 and above", "Annual", "A", _PCT_POP, "avg pit", "+"),
    _L("School enrollment, tertiary (% gross)", "% gross", "Annual", "A", _PCT_POP, "avg",
       "+"),
    _L("Pupil-teacher ratio, primary", "ratio", "Annual", "A", "ratio", "avg pit", "-"),
    _L("Children out of school (% of primary school age)", "% of primary school age",
       "Annual", "A", _PCT_POP, "avg pit", "-"),
    _L("Proportion of seats held by women in national parliaments (%)", "%", "Annual", "A",
       _PCT_POP, "pit avg", "+"),
    _L("Public social expenditure (% of GDP)", "% of GDP", "Annual", "A", "ratio", "total",
       "0+"),
    _L("Beneficiaries of unemployment insurance", "Persons", "Monthly", "M", "count",
       "pit total", "-"),
    _L("Trade union density", "%", "Annual", "A", "percentage ratio", "avg", "0"),
    _L("Age dependency ratio, old (% of working-age population)",
       "% of working-age population", "Annual", "A", "ratio percentage", "pit avg", "-0"),
    _L("Fertility rate, total (births per woman)", "births per woman", "Annual", "A",
       "ratio", "total avg", "0"),
    _L("Fixed broadband subscriptions (per 100 people)", "per 100 people", "Annual", "A",
       "ratio", "pit", "+"),
    # ---------------------------------------------------------------- logistics
    _L("Container port traffic (TEU: 20 foot equivalent units)", "TEU", "Annual", "A",
       "volume count", "total", "+"),
    _L("Air transport, freight (million ton-km)", "million ton-km", "Annual", "A", "volume",
       "total", "+"),
    _L("Air transport, passengers carried", "Number", "Annual", "A", "count", "total", "+"),
    _L("Liner shipping connectivity index (maximum value in 2023 = 100)", "Index",
       "Quarterly", "Q", "index", "avg pit", "+"),
    _L("Logistics performance index: Overall (1=low to 5=high)", "score", "Annual", "A",
       "index", "pit avg", "+"),
    _L("Time to export, border compliance (hours)", "Hours", "Annual", "A", "duration",
       "na avg", "-"),
    _L("Cost to import, border compliance (US$)", "USD", "Annual", "A", "price",
       "pit na avg", "-"),
    _L("Mortality caused by road traffic injury (per 100,000 population)",
       "per 100,000 population", "Annual", "A", "ratio", "total avg", "-"),
    _L("Rail freight transport", "Million tonne-kilometres", "Quarterly", "Q", "volume",
       "total", "+"),
    _L("Baltic Dry Index", "points", "Daily", "D", "index", "pit avg", "0"),
    _L("Average container dwell time at port", "Days", "Monthly", "M", "duration", "avg",
       "-"),
    _L("Freight rate for a 40ft container, Shanghai to Rotterdam", "USD per 40ft container",
       "Weekly", "W", "price", "pit avg", "0-"),
    _L("Truck tonnage index", "2015=100", "Monthly", "M", "index", "avg", "+"),
    _L("Share of flights arriving on time", "%", "Monthly", "M", "share percentage",
       "avg total", "+"),
    _L("Rail passenger transport", "Million passenger-km", "Annual", "A", "volume count",
       "total", "+"),
    # ---------------------------------------------------------------- public finance
    _L("Interest payments (% of revenue)", "% of revenue", "Annual", "A",
       "ratio share percentage", "total", "-"),
    _L("General government primary balance (% of GDP)", "% of GDP", "Annual", "A", "ratio",
       "total", "+"),
    _L("Net lending (+) / net borrowing (-): general government", "% of GDP", "Annual", "A",
       "ratio", "total", "+"),
    _L("Tax revenue (% of GDP)", "% of GDP", "Annual", "A", "ratio", "total", "+0"),
    _L("Gross financing needs of the general government (% of GDP)", "% of GDP", "Annual",
       "A", "ratio", "total", "-"),
    _L("Domestic expenditure arrears of the central government", "NGN Billion",
       "Quarterly", "Q", "stock", "pit", "-"),
    _L("Debt service on external debt, total (TDS, current US$)", "USD", "Annual", "A",
       "flow", "total", "-"),
    _L("Customs and other import duties (% of tax revenue)", "% of tax revenue", "Annual",
       "A", "share ratio percentage", "total", "0"),
    _L("Subsidies and other transfers (% of expense)", "% of expense", "Annual", "A",
       "share ratio percentage", "total", "0"),
    _L("Government bond auction bid-to-cover ratio", "ratio", "Monthly", "M", "ratio",
       "avg pit", "+"),
    _L("Cash surplus/deficit (% of GDP)", "% of GDP", "Annual", "A", "ratio", "total", "+"),
    _L("Government effectiveness: estimate", "score", "Annual", "A", "index", "pit avg", "+"),
    _L("Financing gap of the public sector", "USD Million", "Annual", "A",
       "balance flow gap", "total avg", "-"),
    # ---------------------------------------------------------------- agriculture
    _L("Cereal yield (kg per hectare)", "kg per hectare", "Annual", "A", "ratio",
       "total avg", "+"),
    _L("Milk yield per cow", "kg per cow", "Annual", "A", "ratio", "total avg", "+"),
    _L("Agricultural land (% of land area)", "% of land area", "Annual", "A", _PCT_POP,
       "pit avg", "0"),
    _L("Fertilizer consumption (kilograms per hectare of arable land)",
       "kilograms per hectare of arable land", "Annual", "A", "ratio", "total", "0"),
    _L("Crop production index (2014-2016 = 100)", "2014-2016 = 100", "Annual", "A", "index",
       "avg", "+"),
    _L("FAO Food Price Index", "2014-2016=100", "Monthly", "M", "index", "avg", "-0"),
    _L("All cattle and calves inventory", "Thousand Head", "Annual", "A", "count stock",
       "pit", "0+"),
    _L("Wheat ending stocks", "Million Bushels", "Monthly", "M", "stock", "pit", "0"),
    _L("Corn planted acreage", "Million Acres", "Annual", "A", "volume", "total pit", "+0"),
    _L("Harvested area of rice", "Hectares", "Annual", "A", "volume", "total pit", "+0"),
    _L("Agriculture, forestry, and fishing, value added (% of GDP)", "% of GDP", "Annual",
       "A", "ratio share", "total", "0+"),
    _L("Food imports (% of merchandise imports)", "% of merchandise imports", "Annual", "A",
       "share ratio percentage", "total", "0"),
    _L("Prevalence of moderate or severe food insecurity in the population (%)", "%",
       "Annual", "A", _PCT_POP, "avg pit", "-"),
    _L("Pig meat production", "Thousand Tonnes", "Monthly", "M", "volume", "total", "+"),
    _L("Net farm income", "USD Billion", "Annual", "A", "flow", "total", "+"),
    # ---------------------------------------------------------------- housing
    _L("Rental vacancy rate", "%", "Quarterly", "Q", "percentage", "avg", "0"),
    _L("Housing affordability index", "Index", "Monthly", "M", "index", "avg", "+"),
    _L("House price-to-income ratio", "Index, 2015=100", "Quarterly", "Q", "index ratio",
       "avg", "-0"),
    _L("Housing cost overburden rate", "%", "Annual", "A", "percentage", "avg", "-"),
    _L("Overcrowding rate", "% of population", "Annual", "A", _PCT_POP, "avg", "-"),
    _L("Residential mortgage loans in arrears more than 90 days", "% of loans", "Quarterly",
       "Q", "percentage ratio share", "pit avg", "-"),
    _L("Dwellings completed", "Number", "Quarterly", "Q", "count", "total", "+"),
    _L("Number of people experiencing homelessness", "Persons", "Annual", "A", "count",
       "pit total", "-"),
    _L("Mortgage possession claims", "Number", "Quarterly", "Q", "count", "total", "-"),
    _L("Months' supply of new houses for sale", "Months", "Monthly", "M", "duration",
       "pit avg", "0"),
    _L("Construction cost index for new residential buildings", "2021=100", "Quarterly", "Q",
       "index", "avg", "-"),
    # ---------------------------------------------------------------- other sources' wording
    _L("Retail trade, except motor vehicles and motorcycles, volume (% change on previous "
       "month)", "%", "Monthly", "M", "rate", "rate", "+"),
    _L("HICP excluding energy, food, alcohol and tobacco", "2015=100", "Monthly", "M",
       "index", "avg", "-"),
    _L("Value of agricultural production at constant prices", "USD Million", "Annual", "A",
       "flow", "total", "+"),
    _L("Urban population (% of total population)", "% of total population", "Annual", "A",
       _PCT_POP, "pit avg", "0"),
    _L("Mobile cellular subscriptions", "Number", None, "A", "count", "pit", "+"),
    # ---------------------------------------------------------------- year to date
    _L("Public sector net borrowing, financial year to date", "GBP Million", "Monthly", "M",
       "balance flow", "cum", "-", "ytd4"),
    _L("Fiscal deficit, April to date", "INR Billion", "Monthly", "M", "balance", "cum",
       "-", "ytd4"),
    _L("Federal receipts, fiscal year to date", "USD Million", "Monthly", "M", "flow", "cum",
       "+", "ytd10"),
    _L("Wheat exports, marketing year to date", "Thousand Tonnes", "Monthly", "M", "volume",
       "cum", "+", "ytd6"),
    _L("Corn export inspections, marketing year to date", "Tonnes", "Weekly", "W", "volume",
       "cum", "+", "ytd9"),
    _L("Underlying cash balance", "AUD Million", "Monthly", "M", "balance", "cum", "+",
       "ytd7"),
    _L("General account tax revenue", "JPY Billion", "Monthly", "M", "flow", "cum", "+",
       "ytd4"),
    _L("Hydroelectric generation, accumulated", "GWh", "Monthly", "M", "volume", "cum", "+",
       "ytd1"),
    _L("Rice procurement", "Thousand Tonnes", "Monthly", "M", "volume", "cum", "+0", "ytd10",
       "Rice procured by government agencies, accumulated since the start of the kharif "
       "marketing season in October."),
    _L("Development expenditure, July to date", "PKR Billion", "Quarterly", "Q", "flow",
       "cum", "0+", "ytd7"),
    _L("Gross tax revenue of the centre", "INR Billion", "Quarterly", "Q", "flow", "cum", "+",
       "ytd4"),
    _L("Merchandise trade balance, accumulated in the year", "USD Million", "Monthly", "M",
       "balance", "cum", "+", "ytd1"),
)
# fmt: on


# --------------------------------------------------------------------------- samples


def _dates(frequency: str) -> list[date]:
    """Period-end dates, oldest first, ending in late 2024."""
    if frequency == "A":
        return [date(2010 + i, 12, 31) for i in range(15)]
    if frequency in ("M", "Q"):
        step = 1 if frequency == "M" else 3
        count = 25 if frequency == "M" else 20
        last = 2024 * 12 + 11  # December 2024, months since year 0
        months = [last - (count - 1 - i) * step for i in range(count)]
        return [_month_end(m // 12, m % 12 + 1) for m in months]
    if frequency == "W":
        first = date(2024, 7, 5)  # a Friday
        return [first + timedelta(weeks=i) for i in range(30)]
    days: list[date] = []
    day = date(2024, 9, 2)
    while len(days) < 30:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def samples_for(row: Labelled) -> list[SampleValue]:
    """Deterministic sample values of the row's shape at the row's frequency."""
    rng = random.Random(zlib.crc32(row.name.encode()))
    dates = _dates(row.frequency)
    values: list[float] = []
    if row.shape.startswith("ytd"):
        start = int(row.shape[3:])
        flow = rng.uniform(50.0, 500.0)
        total = flow * rng.randint(1, 4)  # the fiscal year is under way when the window opens
        previous: date | None = None
        for day in dates:
            new_year = previous is not None and _fiscal_year(day, start) != _fiscal_year(
                previous, start
            )
            total = 0.0 if new_year else total
            total += flow * (1 + 0.25 * rng.uniform(-1.0, 1.0))
            values.append(round(total, 2))
            previous = day
    elif row.shape == "running":
        level = rng.uniform(100.0, 1000.0)
        for _ in dates:
            level += level * 0.01 * rng.uniform(0.2, 1.8)
            values.append(round(level, 2))
    else:
        level = rng.uniform(5.0, 500.0)
        for _ in dates:
            level *= 1 + 0.004 + 0.03 * rng.gauss(0.0, 1.0)
            values.append(round(level, 3))
    return [
        SampleValue(date=day.isoformat(), value=value)
        for day, value in zip(dates, values, strict=True)
    ]


def _fiscal_year(day: date, start_month: int) -> int:
    return day.year if day.month >= start_month else day.year - 1


# --------------------------------------------------------------------------- scoring

FIELDS = (
    "family",
    "indicator_type",
    "temporal_aggregation",
    "heat_map_orientation",
    "time_basis",
    "reporting_frequency",
    "cumulative_pattern",
)
_AGGREGATION = {
    "pit": "point-in-time",
    "rate": "period-rate",
    "cum": "period-cumulative",
    "avg": "period-average",
    "total": "period-total",
    "na": "not-applicable",
}
_ORIENTATION = {"+": "higher-is-positive", "-": "lower-is-positive", "0": "neutral"}


def _basis(aggregation: str) -> str:
    if aggregation == "period-cumulative":
        return "cumulative"
    if aggregation in ("point-in-time", "not-applicable"):
        return "point-in-time"
    return "per-period"


def acceptable(row: Labelled) -> dict[str, frozenset[str]]:
    """The acceptable values of each field for a row."""
    types = row.types.split()
    aggregations = [_AGGREGATION[short] for short in row.aggregations.split()]
    if row.shape.startswith("ytd"):
        pattern = "ytd"
    elif row.shape == "running":
        pattern = "running_total"
    else:
        pattern = "periodic"
    cumulative = pattern != "periodic"
    return {
        "family": frozenset(FAMILY_OF_TYPE[type_] for type_ in types),
        "indicator_type": frozenset(types),
        "temporal_aggregation": frozenset(aggregations),
        "heat_map_orientation": frozenset(_ORIENTATION[o] for o in row.orientations),
        "time_basis": frozenset(
            {"cumulative"} if cumulative else {_basis(a) for a in aggregations}
        ),
        "reporting_frequency": frozenset({FREQUENCY[row.frequency]}),
        "cumulative_pattern": frozenset({pattern}),
    }


def indicator_for(index: int, row: Labelled) -> IndicatorInput:
    return IndicatorInput(
        indicator_id=f"heldout-{index}",
        name=row.name,
        units=row.units,
        periodicity=row.periodicity,
        description=row.description,
        sample_values=samples_for(row),
    )


class Score(NamedTuple):
    hits: Counter[str]
    ytd_hits: int
    ytd_rows: int
    misses: list[str]


def score(classify: Callable[[IndicatorInput, NormalizedUnits], Classification]) -> Score:
    """Score a classifier on `HELDOUT`, field by field, listing every miss."""
    hits: Counter[str] = Counter()
    misses: list[str] = []
    ytd_hits = ytd_rows = 0
    for index, row in enumerate(HELDOUT):
        indicator = indicator_for(index, row)
        got = classify(indicator, normalize_units(row.units)).model_dump()
        want = acceptable(row)
        for field in FIELDS:
            if got[field] in want[field]:
                hits[field] += 1
            else:
                wanted = " or ".join(sorted(want[field]))
                misses.append(
                    f"  miss: {field} of {row.name!r}: expected {wanted}, got {got[field]}"
                )
        if row.shape.startswith("ytd"):
            ytd_rows += 1
            ytd_hits += got["cumulative_pattern"] == "ytd"
    return Score(hits, ytd_hits, ytd_rows, misses)
