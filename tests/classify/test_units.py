from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steps.classify.models import NormalizedUnits
from steps.classify.units import normalize_units

Case = tuple[str | None, str, str, str | None, bool, float]

CASES: list[Case] = [
    # units, unit_type, scale, currency, is_currency, multiplier
    # Word-boundary and case traps: "All items" is not Albanian lek.
    ("All items", "unknown", "raw-units", None, False, 1.0),
    ("all items", "unknown", "raw-units", None, False, 1.0),
    ("ALL ITEMS", "unknown", "raw-units", None, False, 1.0),
    ("Allowance", "unknown", "raw-units", None, False, 1.0),
    ("ALL Million", "currency-amount", "millions", "ALL", True, 1e6),
    ("ALL", "currency-amount", "raw-units", "ALL", True, 1.0),
    ("TRY Billion", "currency-amount", "billions", "TRY", True, 1e9),
    # Codes are case-sensitive, so a lower-case "usd" is not a currency.
    ("usd billion", "count", "billions", None, False, 1e9),
    # Exchange rates: two currencies joined by "/" or "per".
    ("EUR/USD", "rate", "raw-units", None, False, 1.0),
    ("USD/JPY", "rate", "raw-units", None, False, 1.0),
    ("EUR / USD", "rate", "raw-units", None, False, 1.0),
    ("National currency per USD", "rate", "raw-units", None, False, 1.0),
    ("LCU per US$", "rate", "raw-units", None, False, 1.0),
    # Prices: a currency per physical unit.
    ("USD/Barrel", "price", "raw-units", "USD", True, 1.0),
    ("USD/Liter", "price", "raw-units", "USD", True, 1.0),
    ("EUR/MWh", "price", "raw-units", "EUR", True, 1.0),
    ("USD per ounce", "price", "raw-units", "USD", True, 1.0),
    ("USD/t", "price", "raw-units", "USD", True, 1.0),
    ("USD/Troy Ounce", "price", "raw-units", "USD", True, 1.0),
    ("Thousand USD per tonne", "price", "thousands", "USD", True, 1e3),
    ("USD per thousand cubic feet", "price", "raw-units", "USD", True, 1.0),
    # A currency per unit of time or per person is an amount (wages, income).
    ("USD/Hour", "currency-amount", "raw-units", "USD", True, 1.0),
    ("EUR per month", "currency-amount", "raw-units", "EUR", True, 1.0),
    ("USD per capita", "currency-amount", "raw-units", "USD", True, 1.0),
    # Currency amounts.
    ("USD Billion", "currency-amount", "billions", "USD", True, 1e9),
    ("EUR Million", "currency-amount", "millions", "EUR", True, 1e6),
    ("KRW Billion", "currency-amount", "billions", "KRW", True, 1e9),
    ("JPY Hundred Million", "currency-amount", "millions", "JPY", True, 1e8),
    ("CNY Hundred Million", "currency-amount", "millions", "CNY", True, 1e8),
    ("RMB 100 million", "currency-amount", "millions", "CNY", True, 1e8),
    ("Ten Thousand Yuan", "currency-amount", "thousands", "CNY", True, 1e4),
    ("National currency, millions", "currency-amount", "millions", None, True, 1e6),
    ("USD Thousand", "currency-amount", "thousands", "USD", True, 1e3),
    ("USD Trillion", "currency-amount", "trillions", "USD", True, 1e12),
    ("USD", "currency-amount", "raw-units", "USD", True, 1.0),
    ("(USD Million)", "currency-amount", "millions", "USD", True, 1e6),
    ("USD mn", "currency-amount", "millions", "USD", True, 1e6),
    ("EUR bn", "currency-amount", "billions", "EUR", True, 1e9),
    ("GBP Million", "currency-amount", "millions", "GBP", True, 1e6),
    ("£ million", "currency-amount", "millions", "GBP", True, 1e6),
    ("US Dollar", "currency-amount", "raw-units", "USD", True, 1.0),
    ("U.S. dollars, billions", "currency-amount", "billions", "USD", True, 1e9),
    ("Euro", "currency-amount", "raw-units", "EUR", True, 1.0),
    ("Euros, millions", "currency-amount", "millions", "EUR", True, 1e6),
    ("Yen", "currency-amount", "raw-units", "JPY", True, 1.0),
    ("SDR Million", "currency-amount", "millions", "XDR", True, 1e6),
    ("National currency", "currency-amount", "raw-units", None, True, 1.0),
    ("Dollars", "currency-amount", "raw-units", None, True, 1.0),
    # Percentages, all with scale "percent".
    ("per cent", "percentage", "percent", None, False, 1.0),
    ("percent", "percentage", "percent", None, False, 1.0),
    ("PERCENT", "percentage", "percent", None, False, 1.0),
    ("%", "percentage", "percent", None, False, 1.0),
    ("% of GDP", "percentage", "percent", None, False, 1.0),
    ("Percent of GDP", "percentage", "percent", None, False, 1.0),
    ("percentage points", "percentage", "percent", None, False, 1.0),
    ("pp", "percentage", "percent", None, False, 1.0),
    ("% yoy", "percentage", "percent", None, False, 1.0),
    ("% p.a.", "percentage", "percent", None, False, 1.0),
    ("Basis points", "percentage", "percent", None, False, 1.0),
    # Indexes, all with scale "index".
    ("points", "index", "index", None, False, 1.0),
    ("Index Points", "index", "index", None, False, 1.0),
    ("index", "index", "index", None, False, 1.0),
    ("2010=100", "index", "index", None, False, 1.0),
    ("2015 = 100", "index", "index", None, False, 1.0),
    ("Index (2015=100)", "index", "index", None, False, 1.0),
    ("DI", "index", "index", None, False, 1.0),
    ("Diffusion Index", "index", "index", None, False, 1.0),
    # Counts.
    ("Thousand", "count", "thousands", None, False, 1e3),
    ("Millions", "count", "millions", None, False, 1e6),
    ("Hundreds", "count", "hundreds", None, False, 100.0),
    ("Persons", "count", "raw-units", None, False, 1.0),
    ("people", "count", "raw-units", None, False, 1.0),
    ("Units", "count", "raw-units", None, False, 1.0),
    ("Number", "count", "raw-units", None, False, 1.0),
    ("Thousand Units", "count", "thousands", None, False, 1e3),
    ("Thousand persons", "count", "thousands", None, False, 1e3),
    ("Ten Thousand Persons", "count", "thousands", None, False, 1e4),
    ("Cars", "count", "raw-units", None, False, 1.0),
    ("Persons per year", "count", "raw-units", None, False, 1.0),
    # Physical quantities; a prefix inside a unit is not a scale.
    ("BBL/D/1K", "physical", "thousands", None, False, 1e3),
    ("Tonnes", "physical", "raw-units", None, False, 1.0),
    ("Thousand Tonnes", "physical", "thousands", None, False, 1e3),
    ("Million tonnes", "physical", "millions", None, False, 1e6),
    ("'000 tonnes", "physical", "thousands", None, False, 1e3),
    ("MWh", "physical", "raw-units", None, False, 1.0),
    ("Gigawatt-hour", "physical", "raw-units", None, False, 1.0),
    ("Kilotonnes", "physical", "raw-units", None, False, 1.0),
    ("Terajoules", "physical", "raw-units", None, False, 1.0),
    ("Hectares", "physical", "raw-units", None, False, 1.0),
    ("Mbpd", "physical", "raw-units", None, False, 1.0),
    ("Barrels per day", "physical", "raw-units", None, False, 1.0),
    ("Celsius", "physical", "raw-units", None, False, 1.0),
    # Durations.
    ("days", "duration", "raw-units", None, False, 1.0),
    ("weeks", "duration", "raw-units", None, False, 1.0),
    ("months", "duration", "raw-units", None, False, 1.0),
    ("years", "duration", "raw-units", None, False, 1.0),
    ("Hours per week", "duration", "raw-units", None, False, 1.0),
    ("Months of imports", "duration", "raw-units", None, False, 1.0),
    # Ratios.
    ("Ratio", "ratio", "raw-units", None, False, 1.0),
    ("times", "ratio", "raw-units", None, False, 1.0),
    ("x", "ratio", "raw-units", None, False, 1.0),
    # Rates: "per N" is a denominator, not a scale.
    ("per 1000 people", "rate", "raw-units", None, False, 1.0),
    ("per 100,000", "rate", "raw-units", None, False, 1.0),
    ("per thousand people", "rate", "raw-units", None, False, 1.0),
    ("Deaths per 1,000 live births", "rate", "raw-units", None, False, 1.0),
    ("‰", "rate", "raw-units", None, False, 1.0),
    # Nothing to go on.
    (None, "unknown", "raw-units", None, False, 1.0),
    ("", "unknown", "raw-units", None, False, 1.0),
    ("   ", "unknown", "raw-units", None, False, 1.0),
    ("\t\n", "unknown", "raw-units", None, False, 1.0),
    ("foo", "unknown", "raw-units", None, False, 1.0),
]


@pytest.mark.parametrize(
    ("units", "unit_type", "scale", "currency", "is_currency", "multiplier"),
    CASES,
    ids=[repr(case[0]) for case in CASES],
)
def test_normalize_units(
    units: str | None,
    unit_type: str,
    scale: str,
    currency: str | None,
    is_currency: bool,
    multiplier: float,
) -> None:
    result = normalize_units(units)

    assert result.unit_type == unit_type
    assert result.scale == scale
    assert result.currency == currency
    assert result.is_currency is is_currency
    assert result.multiplier == pytest.approx(multiplier)


def test_case_list_is_large_enough() -> None:
    assert len(CASES) >= 70


@pytest.mark.parametrize("units", [None, "", "   ", "\t\n"])
def test_empty_input_has_zero_confidence(units: str | None) -> None:
    assert normalize_units(units).confidence == 0.0


@pytest.mark.parametrize(
    "units", ["USD Billion", "% of GDP", "Index (2015=100)", "BBL/D/1K", "EUR/USD"]
)
def test_clean_strings_have_high_confidence(units: str) -> None:
    assert normalize_units(units).confidence >= 0.9


@pytest.mark.parametrize("units", ["foo", "All items", "ALL ITEMS", "???"])
def test_unknown_strings_have_low_confidence(units: str) -> None:
    assert normalize_units(units).confidence <= 0.2


def test_unrecognised_words_lower_confidence() -> None:
    clean = normalize_units("Deaths per 1,000 births")
    noisy = normalize_units("Deaths per 1,000 live births")

    assert noisy.unit_type == clean.unit_type == "rate"
    assert noisy.confidence < clean.confidence


def test_ambiguous_barrels_per_day_have_lower_confidence() -> None:
    assert normalize_units("Mbpd").confidence < normalize_units("Tonnes").confidence


def test_a_bare_scale_word_is_a_less_certain_count() -> None:
    assert normalize_units("Thousand").confidence < normalize_units("Persons").confidence


def test_extra_spaces_commas_and_parentheses_do_not_matter() -> None:
    assert normalize_units("  ( USD ,  Billion )  ") == normalize_units("USD Billion")


def test_each_call_returns_a_new_model() -> None:
    first = normalize_units("USD Billion")
    first.currency = "EUR"

    again = normalize_units("USD Billion")

    assert again is not first
    assert again.currency == "USD"


_VOCABULARY = [
    *("USD", "EUR", "ALL", "All", "usd", "US$", "€", "$", "National currency"),
    *("Million", "Hundred", "Thousand", "bn", "1K", "'000", "100", "1,000"),
    *("per", "/", "%", "=", "Index", "points", "Tonnes", "BBL", "D", "Barrel"),
    *("days", "Hour", "capita", "Persons", "Ratio", "x", "items", "of", "GDP"),
    *(",", "(", ")", " ", "‰", "°C", "ALL ITEMS", "Mbpd", "ten"),
]


def _check_invariants(result: NormalizedUnits) -> None:
    assert 0.0 <= result.confidence <= 1.0
    assert result.multiplier > 0
    if result.unit_type == "percentage":
        assert result.scale == "percent"
    if result.unit_type == "index":
        assert result.scale == "index"
    if result.currency is not None:
        assert result.is_currency
        assert len(result.currency) == 3
        assert result.currency.isupper()


@settings(database=None)
@given(st.text())
def test_never_raises_on_arbitrary_text(units: str) -> None:
    _check_invariants(normalize_units(units))


@settings(database=None)
@given(st.lists(st.sampled_from(_VOCABULARY), max_size=8).map(" ".join))
def test_never_raises_on_mixed_unit_words(units: str) -> None:
    _check_invariants(normalize_units(units))


@settings(database=None)
@given(st.lists(st.sampled_from(_VOCABULARY), max_size=8).map("".join))
def test_never_raises_on_run_together_unit_words(units: str) -> None:
    _check_invariants(normalize_units(units))
