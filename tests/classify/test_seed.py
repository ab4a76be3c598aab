"""The source database seeder and the concept catalog it expands."""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from scripts.catalog import CONCEPTS, COUNTRIES
from scripts.source import (
    COLUMNS,
    DEFAULT_DB,
    PERIODICITY_SPELLINGS,
    SAMPLE_COUNT,
    ensure_source_database,
    generate_rows,
    seed_database,
)
from steps.classify.models import TYPES_BY_FAMILY, Classification

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_FIELDS = {
    "family",
    "indicator_type",
    "temporal_aggregation",
    "heat_map_orientation",
    "time_basis",
    "reporting_frequency",
    "cumulative_pattern",
}
# Days between consecutive samples, per reporting frequency.
SPACING = {
    "daily": (1, 3),
    "weekly": (7, 7),
    "monthly": (28, 31),
    "quarterly": (89, 92),
    "annual": (365, 366),
}


def _rows(db: Path) -> list[dict[str, str | None]]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute("SELECT * FROM source_indicators")]
    finally:
        connection.close()


Rows = list[dict[str, str | None]]


def _slug(indicator_id: str) -> str:
    """ "usa-gdp-growth-rate-3" -> "gdp-growth-rate"."""
    return indicator_id.split("-", 1)[1].rsplit("-", 1)[0]


@pytest.fixture(scope="module")
def default_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("seed") / "nested" / "source.db"
    return path, seed_database(path)


@pytest.fixture(scope="module")
def default_rows(default_db: tuple[Path, int]) -> list[dict[str, str | None]]:
    return _rows(default_db[0])


# --------------------------------------------------------------------------- catalog


def test_catalog_is_large_and_consistent() -> None:
    assert len(CONCEPTS) >= 110
    assert len({concept.name for concept in CONCEPTS}) == len(CONCEPTS)
    assert len({concept.slug for concept in CONCEPTS}) == len(CONCEPTS)
    for concept in CONCEPTS:
        expected = concept.expected
        assert expected.indicator_type in TYPES_BY_FAMILY[expected.family], concept.name
        assert concept.units and concept.periodicities and concept.description
        assert "{country}" in concept.description, concept.name


def test_catalog_countries() -> None:
    assert 55 <= len(COUNTRIES) <= 70
    assert len({country.code for country in COUNTRIES}) == len(COUNTRIES)
    for country in COUNTRIES:
        assert re.fullmatch(r"[a-z]{3}", country.code)
        assert re.fullmatch(r"[A-Z]{3}", country.currency)
        assert country.currency_name and country.gdp_usd_bn > 0 and country.population_m > 0


def test_catalog_labels_for_anchor_concepts() -> None:
    by_name = {concept.name: concept.expected for concept in CONCEPTS}
    gdp = by_name["GDP"]
    assert (gdp.family, gdp.indicator_type, gdp.temporal_aggregation) == (
        "physical-fundamental",
        "flow",
        "period-total",
    )
    assert by_name["Unemployment Rate"].heat_map_orientation == "lower-is-positive"
    assert by_name["Inflation Rate"].indicator_type == "rate"
    assert by_name["Government Debt to GDP"].indicator_type == "ratio"
    assert by_name["Fiscal Year-to-Date Budget Balance"].cumulative_pattern == "ytd"
    assert by_name["Population"].indicator_type == "stock"


# --------------------------------------------------------------------------- generation


def test_same_seed_gives_identical_rows() -> None:
    assert generate_rows(400, seed=7) == generate_rows(400, seed=7)
    assert generate_rows(400, seed=7) != generate_rows(400, seed=8)


def test_same_seed_gives_identical_databases(tmp_path: Path) -> None:
    seed_database(tmp_path / "a.db", count=300, seed=3)
    seed_database(tmp_path / "b.db", count=300, seed=3)
    assert _rows(tmp_path / "a.db") == _rows(tmp_path / "b.db")


def test_the_default_source_database_is_the_repositorys() -> None:
    assert DEFAULT_DB == ROOT / ".stepflow" / "source.db"  # not in the folder above it


def test_default_database(default_db: tuple[Path, int], default_rows: Rows) -> None:
    _, written = default_db
    assert written == 10_000 == len(default_rows)
    assert len({row["indicator_id"] for row in default_rows}) == 10_000
    assert set(default_rows[0]) == set(COLUMNS)
    for row in default_rows:
        assert re.fullmatch(r"[a-z]{3}-[a-z0-9-]+-\d+", str(row["indicator_id"]))


def test_every_concept_and_many_countries_appear(default_rows: Rows) -> None:
    slugs = {_slug(str(row["indicator_id"])) for row in default_rows}
    assert slugs == {concept.slug for concept in CONCEPTS}
    assert len({row["country"] for row in default_rows}) == len(COUNTRIES)
    small = generate_rows(len(CONCEPTS), seed=1)
    assert {_slug(str(row["indicator_id"])) for row in small} == slugs


def test_rows_vary_realistically(default_rows: Rows) -> None:
    gdp_units = {row["units"] for row in default_rows if _slug(str(row["indicator_id"])) == "gdp"}
    assert len(gdp_units) >= 6
    local = [u for u in gdp_units if re.fullmatch(r"[A-Z]{3} (?:Billion|Million)", str(u))]
    assert any(not str(u).startswith(("USD", "EUR")) for u in local)
    spellings = {row["periodicity"] for row in default_rows}
    assert {"Monthly", "M", "Quarterly", "Yearly", "Daily", "Weekly"} <= spellings
    sources = {row["source_name"] for row in default_rows}
    assert {"IMF", "World Bank", "Eurostat"} <= sources
    assert len(sources) > 100  # national offices and central banks
    names = {row["name"] for row in default_rows}
    assert "Trade Balance" in names and "Balance of Trade" in names
    assert any(row["description"] is None for row in default_rows)


def test_sample_values_are_dated_and_match_the_periodicity(
    default_rows: Rows,
) -> None:
    spelled = {
        spelling: frequency
        for frequency, spellings in PERIODICITY_SPELLINGS.items()
        for spelling in spellings
    }
    for row in default_rows:
        samples = json.loads(str(row["sample_values"]))
        assert len(samples) == SAMPLE_COUNT
        days = [date.fromisoformat(sample["date"]) for sample in samples]
        assert all(isinstance(sample["value"], float | int) for sample in samples)
        expected = json.loads(str(row["expected"]))
        frequency = spelled[str(row["periodicity"])]
        assert expected["reporting_frequency"] == frequency
        low, high = SPACING[frequency]
        for earlier, later in itertools.pairwise(days):
            assert low <= (later - earlier).days <= high, (row["indicator_id"], earlier, later)


def test_expected_labels_are_valid(default_rows: Rows) -> None:
    for row in default_rows:
        expected = json.loads(str(row["expected"]))
        assert set(expected) == EXPECTED_FIELDS
        Classification(**expected, confidence=1.0)  # validates type within family


def test_currency_units_carry_a_currency_code(default_rows: Rows) -> None:
    for row in default_rows:
        units = str(row["units"])
        if "Billion" in units and "Cubic" not in units:
            assert row["currency_code"] is not None, row
        if units in ("percent", "%", "points"):
            assert row["currency_code"] is None


def test_ytd_series_reset_in_january(default_rows: Rows) -> None:
    ytd_rows = [
        row
        for row in default_rows
        if json.loads(str(row["expected"]))["cumulative_pattern"] == "ytd"
    ]
    assert len(ytd_rows) > 100
    for row in ytd_rows:
        samples = json.loads(str(row["sample_values"]))
        resets = 0
        for previous, current in itertools.pairwise(samples):
            if previous["date"][:4] != current["date"][:4]:
                # the first period of the year holds one period's flow, the last a year's
                assert abs(current["value"]) < 0.6 * abs(previous["value"]), row["indicator_id"]
                resets += 1
            else:
                assert abs(current["value"]) > abs(previous["value"]) * 0.9
        assert resets >= 2


def test_running_totals_never_fall(default_rows: Rows) -> None:
    rows = [
        row
        for row in default_rows
        if json.loads(str(row["expected"]))["cumulative_pattern"] == "running_total"
    ]
    assert rows
    for row in rows:
        values = [sample["value"] for sample in json.loads(str(row["sample_values"]))]
        assert values == sorted(values)


# --------------------------------------------------------------------------- database


def test_ensure_source_database_does_not_reseed(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "source.db"
    ensure_source_database(path, count=40, seed=1)
    assert len(_rows(path)) == 40
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE source_indicators SET name = 'marker'")
    connection.close()
    ensure_source_database(path, count=80, seed=2)
    rows = _rows(path)
    assert len(rows) == 40 and {row["name"] for row in rows} == {"marker"}


def test_ensure_source_database_seeds_an_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()  # exists, but has no table
    ensure_source_database(path, count=25, seed=1)
    assert len(_rows(path)) == 25


def test_seed_database_replaces_the_table(tmp_path: Path) -> None:
    path = tmp_path / "source.db"
    assert seed_database(path, count=60, seed=1) == 60
    assert seed_database(path, count=30, seed=1) == 30
    assert len(_rows(path)) == 30


def test_script_runs_from_the_repo_root(tmp_path: Path) -> None:
    path = tmp_path / "script.db"
    result = subprocess.run(
        [sys.executable, "scripts/seed_database.py", "--count", "20", "--db", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "wrote 20 indicators" in result.stdout
    assert len(_rows(path)) == 20
