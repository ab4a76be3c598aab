"""Turn a free-text unit string ("USD Billion", "% of GDP", "BBL/D/1K") into
`NormalizedUnits`.

`normalize_units` is pure and cached. The rules below are tried in order and the
first one that matches decides `unit_type`:

1. empty, blank or None: "unknown", confidence 0.
2. percentage: "%", "percent", "per cent", "percentage points", "pp", "bps".
   Scale is "percent" and the multiplier is 1, "% of GDP" included. Basis
   points count as a percentage too, still with multiplier 1.
3. index: "index", "points", "DI", "2010=100". Scale is "index".
4. currency. Upper-case ISO 4217 codes match only as whole tokens and are
   case-sensitive, so "All items" is not Albanian lek but "ALL Million" is.
   Names such as "US Dollar", "Euro" or "Yen" also count, as do the symbols
   "€", "£", "₹", "₩" and "₽". "National currency", "LCU", a bare "dollars" and
   the symbols "$" and "¥" give `currency=None` with `is_currency=True`.
   - two different currencies joined by "/" or "per" ("EUR/USD", "National
     currency per USD") are an exchange rate: "rate", with `currency=None` and
     `is_currency=False`. The value is a ratio of currencies and must never be
     converted like an amount.
   - a currency per unit of time ("USD/Hour", "EUR per month") or per person
     ("USD per capita") is a "currency-amount" (wages, income).
   - a currency per anything else ("USD/Barrel", "EUR/MWh", "USD/t") is a
     "price", with the currency set and `is_currency=True`.
   - otherwise "currency-amount".
5. rate: "per 1000 people", "per 100,000", "‰". The "per N" is a denominator,
   not a scale, so scale stays "raw-units".
6. ratio: "ratio", "times", "x".
7. physical: tonnes, barrels, MWh, joules, hectares, "Mbpd", and so on.
   SI-style prefixes inside a unit ("Kilotonnes", "kb/d") are part of the unit,
   not a scale. Only separate scale words or tokens set the scale ("Thousand
   Tonnes", the "1K" of "BBL/D/1K").
8. duration: days, weeks, months, years, hours, unless the word follows "per"
   or "/" ("Barrels per day" is physical, "Persons per year" is a count).
9. count: persons, people, units, number, cars, and so on.
10. a scale word alone ("Thousand", "Millions"): count, at lower confidence.
11. anything else: "unknown".

Scale words apply to every type except percentage, index (scale "percent" and
"index") and exchange rates (always "raw-units"). "Hundreds" gives scale
"hundreds" and multiplier 100. Compound scales keep the scale of their largest
word and carry the full factor in `multiplier`: "Hundred Million" (as in "JPY
Hundred Million" or "CNY Hundred Million", also written "100 million") is scale
"millions" with multiplier 1e8, and "Ten Thousand" is "thousands" with
multiplier 1e4. Short forms ("mn", "bn", "'000", "1K") count as scale words. A
scale word inside a "per N" denominator does not.

Confidence is 0.95 when every word in the string is recognised and 0.70 when
unrecognised words remain. A string that is only a scale word gives 0.75 (0.50
with unrecognised words). "Mbpd" and "mb/d" keep multiplier 1 and are capped at
0.70, because their M means a thousand or a million depending on the source.
Unrecognised text gives 0.1 and empty input 0.

An all-capitals string can also make an ISO code that is an English word
("ALL ITEMS", "TOP SHARE") look like a currency. Those codes are ignored when the
whole string is in capitals and has words the function does not recognise.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from steps.classify.models import NormalizedUnits, Scale, UnitType

__all__ = ["normalize_units"]

_CLEAN = 0.95
_SCALE_ONLY = 0.75
_UNCLEAR_PENALTY = 0.25
_AMBIGUOUS_CAP = 0.70
_UNKNOWN = 0.10


def _words(*alternatives: str) -> str:
    """A regex source matching any of the alternatives as a whole word.

    Only the end is checked here: `_TOKENS` tries words at word starts only.
    """
    return "(?:" + "|".join(alternatives) + r")(?!\w)"


# Active ISO 4217 codes (fund and precious-metal codes left out), plus a few
# recently retired ones that still appear in historical series.
_ISO_4217_TEXT = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
    BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK
    DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG
    HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR
    MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB
    RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS
    TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD
    XCG XDR XOF XPF YER ZAR ZMW ZWG ZWL
    BYR EEK HRK LTL LVL MRO STD VEF
"""
_ISO_4217 = frozenset(_ISO_4217_TEXT.split())
# Codes that are also English words; see the module docstring.
_WORDLIKE_CODES = frozenset(
    {"ALL", "BAM", "BOB", "CUP", "GEL", "MAD", "MOP", "PEN", "SOS", "TOP", "TRY"}
)
# Codes are the one case-sensitive thing, so they are found in the original
# text; every other pattern below is lower-case and reads a lower-cased copy.
_CURRENCY_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{3}(?![A-Za-z0-9])")

# Currency names, most specific first. None means "a currency, but which one
# is not said".
_CURRENCY_NAMES: tuple[tuple[str, str | None], ...] = (
    (r"u\.?\s?s\.?\s?dollars?|us\$|american\s+dollars?", "USD"),
    (r"canadian\s+dollars?", "CAD"),
    (r"australian\s+dollars?", "AUD"),
    (r"new\s+zealand\s+dollars?", "NZD"),
    (r"hong\s+kong\s+dollars?", "HKD"),
    (r"singapore\s+dollars?", "SGD"),
    (r"euros?", "EUR"),
    (r"(?:japanese\s+)?yen", "JPY"),
    (r"(?:chinese\s+)?yuan|renminbi|rmb", "CNY"),
    (r"pounds?\s+sterling|british\s+pounds?|sterling", "GBP"),
    (r"swiss\s+francs?", "CHF"),
    (r"(?:south\s+)?(?:korean\s+)?won", "KRW"),
    (r"indian\s+rupees?", "INR"),
    (r"(?:russian\s+)?r[ou]+bles?", "RUB"),
    (r"brazilian\s+real|(?:brazilian\s+)?reais", "BRL"),
    (r"mexican\s+pesos?", "MXN"),
    (r"sdrs?|special\s+drawing\s+rights?", "XDR"),
    (r"(?:national|local|domestic|foreign)\s+currency|lcu|currency", None),
    (r"dollars?|rupees?|pesos?|francs?", None),
)
_CURRENCY_SYMBOLS: dict[str, str | None] = {
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "$": None,
    "¥": None,  # yen or yuan
}
_NAME_CODES: dict[str, str | None] = {
    f"currency{i}": code for i, (_, code) in enumerate(_CURRENCY_NAMES)
}

_NUMBER = r"\d(?:[\d,.]|\s\d)*k?"
_TIME_WORDS = (
    *("hours?", "hrs?", "days?", "weeks?", "wks?", "months?", "mths?"),
    *("years?", "yrs?", "quarters?", "qtrs?"),
)
_PER = r"(?:per\s+|/)"

# Every kind of word the function knows, as (kind, regex source), combined
# into one pattern that reads the string in a single pass. At any position the
# first kind that matches wins, so order matters: "per cent" is a percentage
# before "per" is a separator, "per 1000" is a rate denominator before "1000"
# is a scale, and "per day" is a time denominator before "day" is a duration.
_KINDS: tuple[tuple[str, str], ...] = (
    (
        "percentage",
        r"[%％]|"
        + _words(
            *(r"per\s?cent(?:age)?s?", "percentages?", "pcts?", "pp", "ppts?"),
            *(r"p\.p\.?", r"basis\s+points?", "bps"),
        ),
    ),
    (
        "index",
        _words(r"ind(?:ex|exes|ices)", "points?", "pts", "di", "diffusion") + r"|=\s*100(?!\d)",
    ),
    (
        "rate",
        _words(
            rf"per\s+(?:{_NUMBER}|(?:(?:hundred|ten)\s+)?(?:hundred|thousand|million))",
            r"per\s*mille",
            "permil",
        )
        + "|‰",
    ),
    ("per_time", _PER + _words(*_TIME_WORDS, "annum", "d", "h", "mo")),
    (
        "per_person",
        _PER
        + _words(
            *("capita", "persons?", "people", "heads?", "inhabitants?"),
            *("residents?", "employees?", "workers?", "households?"),
        ),
    ),
    *((f"currency{i}", _words(source)) for i, (source, _) in enumerate(_CURRENCY_NAMES)),
    ("symbol", f"[{re.escape(''.join(_CURRENCY_SYMBOLS))}]"),
    ("ratio", _words("ratios?", "times", "x", "multiples?")),
    # "M" is a thousand or a million barrels depending on the source.
    ("ambiguous_physical", _words("mbpd", "mb/d", "mbd")),
    (
        "physical",
        _words(
            # mass
            *("tonnes?", "tons?", r"(?<!['’])t", "kt", "mt", r"metric\s+tons?"),
            *(r"(?:kilo|mega)-?(?:tonnes?|tons?)", "kg", "kilograms?", "grams?"),
            *("lbs?", "pounds?", r"(?:troy\s+)?ounces?", "ozt?", "bushels?"),
            "carats?",
            # oil and gas
            *("barrels?", "bbls?", "boe", "bpd", "kbpd", "mmbpd", "b/d", "kb/d"),
            *("mmbbls?", "bcm", "bcf", "tcf", "mcf"),
            # volume
            *("lit(?:er|re)s?", "hectolit(?:er|re)s?", "gallons?", "m3"),
            r"cubic\s+(?:met(?:er|re)s?|feet|foot)",
            # energy and power
            r"(?:kilo|mega|giga|tera)?watt[-\s]?hours?",
            *("wh", "kwh", "mwh", "gwh", "twh"),
            *("(?:kilo|mega|giga)?watts?", "kw", "mw", "gw"),
            "(?:kilo|mega|giga|tera|peta)?joules?",
            *("kj", "mj", "gj", "tj", "pj", "btu", "mmbtu", "therms?", "k?toe", "mtoe"),
            # area and length
            *("hectares?", "ha", "acres?", "km2", r"sq\.?\s*km"),
            r"square\s+(?:kilomet(?:er|re)s?|met(?:er|re)s?|miles?|feet)",
            *("kilomet(?:er|re)s?", "km", "met(?:er|re)s?", "miles?"),
            *("millimet(?:er|re)s?", "mm", "cm"),
            # temperature and concentration
            *("degrees?", "celsius", "fahrenheit", "ppm", "ppb"),
        )
        + r"|°\s?[cf](?!\w)",
    ),
    ("duration", _words(*_TIME_WORDS, "minutes?", "seconds?")),
    (
        "count",
        _words(
            *("persons?", "people", "individuals?", "inhabitants?", "units?"),
            *("numbers?", r"no\.", "counts?", "cars", "vehicles?", "jobs"),
            *("workers?", "employees?", "employed", "unemployed", "households?"),
            *("firms?", "companies", "enterprises?", "establishments?"),
            *("dwellings?", "houses?", "homes?", "buildings?", "permits?"),
            *("births?", "deaths?", "cases?", "doses?", "claims?"),
            *("transactions?", "contracts?", "tourists?", "visitors?"),
            *("arrivals?", "passengers?", "heads?", "animals?"),
        ),
    ),
    (
        "scale",
        r"(?:(?<![,.])(?:hundred|ten|100|10)\s+)?"
        r"(?:thousand|million|billion|trillion)s?(?!\w)|"
        + _words(
            *("hundreds?", "thou", "ths", "thsd", "1k", "000s"),
            *("mn", "mln", "mio", "bn", "bln", "trn", "tln"),
        )
        + r"|(?<![\w,.])1,?000(?![\w,.])|'000|\(000\)",
    ),
    (
        "filler",
        _words(
            *("of", "in", "the", "and", "or", "a", "an", "at", "on", "to", "by"),
            *("for", "from", "as", "vs", "gdp", "gnp", "gni", "total", "value"),
            *("level", "average", "avg", "sa", "nsa", "saar", "sadj", "yoy"),
            *("y/y", "y-o-y", "mom", "m/m", "qoq", "q/q", "annual", "annuali[sz]ed"),
            *("change", "growth", "rate", "constant", "current", "prices?", "real"),
            *("nominal", "terms", "chained", "adjusted", "seasonally", "base"),
            *("eop", "end", "period", r"p\.a\.?"),
        ),
    ),
    ("per", r"/|per(?!\w)"),
)
# Tried only where a word starts or at punctuation, never inside a word or at a
# space. A word no kind knows is taken whole as "other", so the scan moves on to
# the next word and does not retry every kind at each of its letters.
_TOKENS = re.compile(
    r"(?=\S)(?:(?<!\w)|(?!\w))(?:"
    + "|".join(f"(?P<{kind}>{source})" for kind, source in _KINDS)
    + r"|(?P<other>\w+))"
)
# Kinds that put something "per" something else.
_DENOMINATORS = frozenset({"rate", "per_time", "per_person", "per"})
# The order that decides the unit type when there is no percentage, index or
# currency.
_PLAIN_ORDER: tuple[UnitType, ...] = ("rate", "ratio", "physical", "duration", "count")

_SLASH = re.compile(r"\s*/\s*")
# Lower-cases ASCII only: one character for one, so offsets in the lower-cased
# copy are offsets in the original too.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

_BASE_SCALES: dict[str, tuple[Scale, float]] = {
    "thousand": ("thousands", 1e3),
    "million": ("millions", 1e6),
    "billion": ("billions", 1e9),
    "trillion": ("trillions", 1e12),
}
_PREFIX_FACTORS = {"hundred": 100.0, "ten": 10.0, "100": 100.0, "10": 10.0}
_SHORT_SCALES = {
    **dict.fromkeys(
        ("thou", "ths", "thsd", "1k", "000s", "1000", "1,000", "'000", "(000)"),
        "thousand",
    ),
    **dict.fromkeys(("mn", "mln", "mio"), "million"),
    **dict.fromkeys(("bn", "bln"), "billion"),
    **dict.fromkeys(("trn", "tln"), "trillion"),
}


class _Result(NamedTuple):
    unit_type: UnitType
    scale: Scale
    currency: str | None
    is_currency: bool
    multiplier: float
    confidence: float


class _Mention(NamedTuple):
    start: int
    end: int
    code: str | None


@dataclass(slots=True)
class _Scan:
    """What one pass over a unit string found."""

    kinds: set[str] = field(default_factory=set)
    currencies: list[_Mention] = field(default_factory=list)
    denominators: list[int] = field(default_factory=list)  # their start offsets
    scale: str | None = None  # the first scale word, lower-case
    unclear: bool = False  # words were left unrecognised


_EMPTY = _Result("unknown", "raw-units", None, False, 1.0, 0.0)


def normalize_units(units: str | None) -> NormalizedUnits:
    """Normalize a unit string; see the module docstring for the rules.

    Never raises. Results are cached, but each call returns a new model, so a
    caller may change the one it gets.
    """
    result = _EMPTY if units is None else _classify(units)
    return NormalizedUnits(
        unit_type=result.unit_type,
        scale=result.scale,
        currency=result.currency,
        is_currency=result.is_currency,
        multiplier=result.multiplier,
        confidence=result.confidence,
    )


@lru_cache(maxsize=4096)
def _classify(units: str) -> _Result:
    text = _SLASH.sub("/", " ".join(unicodedata.normalize("NFKC", units).split()))
    if not text:
        return _EMPTY
    scan = _scan(text)
    confidence = _CLEAN - (_UNCLEAR_PENALTY if scan.unclear else 0.0)
    if "ambiguous_physical" in scan.kinds:
        confidence = min(confidence, _AMBIGUOUS_CAP)

    if "percentage" in scan.kinds:
        return _Result("percentage", "percent", None, False, 1.0, confidence)
    if "index" in scan.kinds:
        return _Result("index", "index", None, False, 1.0, confidence)

    scale, multiplier = _scale(scan.scale)
    if scan.currencies:
        unit_type = _currency_unit_type(scan)
        if unit_type == "rate":
            return _Result("rate", "raw-units", None, False, 1.0, confidence)
        code = next((m.code for m in scan.currencies if m.code is not None), None)
        return _Result(unit_type, scale, code, True, multiplier, confidence)

    for unit_type in _PLAIN_ORDER:
        if unit_type in scan.kinds:
            return _Result(unit_type, scale, None, False, multiplier, confidence)
    if scan.scale is not None:
        confidence = _SCALE_ONLY - (_UNCLEAR_PENALTY if scan.unclear else 0.0)
        return _Result("count", scale, None, False, multiplier, confidence)
    return _Result("unknown", "raw-units", None, False, 1.0, _UNKNOWN)


def _scan(text: str) -> _Scan:
    scan = _Scan()
    codes = [m for m in _CURRENCY_CODE.finditer(text) if m.group() in _ISO_4217]
    blanked = _blank_codes(text, codes)
    lower = blanked.lower() if blanked.isascii() else blanked.translate(_ASCII_LOWER)

    for match in _TOKENS.finditer(lower):
        kind = match.lastgroup or ""
        if kind in _NAME_CODES:
            scan.currencies.append(_Mention(match.start(), match.end(), _NAME_CODES[kind]))
        elif kind == "symbol":
            code = _CURRENCY_SYMBOLS[match.group()]
            scan.currencies.append(_Mention(match.start(), match.end(), code))
        elif kind == "ambiguous_physical":
            scan.kinds.add("physical")
        elif kind == "scale" and scan.scale is None:
            scan.scale = match.group()
        elif kind == "other" and not match.group().isdigit():
            scan.unclear = True
        if kind in _DENOMINATORS:
            scan.denominators.append(match.start())
        scan.kinds.add(kind)

    skip_wordlike = scan.unclear and text.isupper()
    for match in codes:
        if not (skip_wordlike and match.group() in _WORDLIKE_CODES):
            scan.currencies.append(_Mention(match.start(), match.end(), match.group()))
    scan.currencies.sort(key=lambda mention: mention.start)
    return scan


def _blank_codes(text: str, codes: list[re.Match[str]]) -> str:
    """Spaces in place of the currency codes, so they are not read as words."""
    if not codes:
        return text
    chars = list(text)
    for match in codes:
        chars[match.start() : match.end()] = " " * (match.end() - match.start())
    return "".join(chars)


def _currency_unit_type(scan: _Scan) -> UnitType:
    """Exchange rate, price or amount; see rule 4 of the module docstring."""
    first = scan.currencies[0]
    other = next((m for m in scan.currencies[1:] if m.code != first.code), None)
    if other is not None and any(first.end <= offset < other.start for offset in scan.denominators):
        return "rate"
    if scan.kinds & {"per_time", "per_person"}:
        return "currency-amount"
    if scan.denominators:
        return "price"
    return "currency-amount"


def _scale(phrase: str | None) -> tuple[Scale, float]:
    """Scale and multiplier of a scale phrase such as "hundred million" or "bn"."""
    if phrase is None:
        return "raw-units", 1.0
    *prefix, word = phrase.split()
    word = _SHORT_SCALES.get(word, word.removesuffix("s"))
    if word == "hundred":
        return "hundreds", 100.0
    scale, factor = _BASE_SCALES[word]
    if prefix:
        factor *= _PREFIX_FACTORS[prefix[0]]
    return scale, factor
