"""Reading single values: dates in the formats HRIS exports use, ids, ratings, proficiency levels."""

from __future__ import annotations

from datetime import date

import pytest
from coachwire_tools.readiness import values as v
from coachwire_tools.readiness.checks import months_before


@pytest.mark.parametrize(
    ("raw", "order", "expected", "fmt"),
    [
        ("2025-03-04", None, date(2025, 3, 4), v.ISO),
        ("2026-10-07T09:23:00Z", None, date(2026, 10, 7), v.ISO),
        ("2026-10-07 09:23:00", None, date(2026, 10, 7), v.ISO),
        ("2025/03/04", None, date(2025, 3, 4), v.YMD_SLASH),
        ("24/01/2017", None, date(2017, 1, 24), v.DMY),
        ("01/24/2017", None, date(2017, 1, 24), v.MDY),
        ("03/04/2025", "dmy", date(2025, 4, 3), v.DMY),
        ("03/04/2025", "mdy", date(2025, 3, 4), v.MDY),
        ("15.11.2026", None, date(2026, 11, 15), v.DMY),
        ("04/04/25", None, date(2025, 4, 4), v.AMBIGUOUS),
        ("10 Dec 2025", None, date(2025, 12, 10), v.TEXT_MONTH),
        ("December 10, 2025", None, date(2025, 12, 10), v.TEXT_MONTH),
        ("10-DEC-25", None, date(2025, 12, 10), v.TEXT_MONTH),
        ("45720", None, date(2025, 3, 4), v.EXCEL),
        ("2025-03", None, date(2025, 3, 1), v.YEAR_MONTH),
    ],
)
def test_dates_in_the_formats_exports_use(raw: str, order: str | None, expected: date, fmt: str) -> None:
    reading = v.parse_date(raw, order)
    assert (reading.value, reading.fmt) == (expected, fmt)


@pytest.mark.parametrize("raw", ["next year", "asap", "31/02/2025", "2025-13-01", "12345", "Q3"])
def test_what_is_not_a_date(raw: str) -> None:
    assert v.parse_date(raw).value is None


def test_a_day_month_date_without_evidence_is_ambiguous_not_guessed() -> None:
    reading = v.parse_date("03/04/2025")
    assert reading.value is None and reading.fmt == v.AMBIGUOUS


def test_the_column_tells_day_first_from_month_first() -> None:
    assert v.infer_date_order(["03/04/2025", "24/01/2017"]) == "dmy"
    assert v.infer_date_order(["03/04/2025", "01/24/2017"]) == "mdy"
    assert v.infer_date_order(["03.04.2025"]) == "dmy"
    assert v.infer_date_order(["03/04/2025", "2025-01-01"]) is None
    assert v.infer_date_order(["24/01/2017", "01/24/2017"]) is None  # contradicting evidence


def test_ids_emails_numbers_periods() -> None:
    assert v.is_identifier("E1001") and v.is_identifier("eng.software_engineer") and v.is_identifier("ENG-SWE")
    assert not v.is_identifier("Senior PM") and not v.is_identifier("Aurelia T.") and not v.is_identifier("team lead?")
    assert v.is_email("a.b@example.com") and not v.is_email("tbc")
    assert v.is_number("1.5") and v.is_number("90") and not v.is_number("ninety")
    assert all(v.is_period(p) for p in ["2025 Annual", "FY2025", "2026 Mid-year", "H1-25", "Q3 24"])
    assert not v.is_period("last review")
    assert v.period_key("2025 Annual") == v.period_key("2025-annual")


def test_blank_markers_are_empty_not_free_text() -> None:
    assert all(v.is_blank(x) for x in ["", "  ", "N/A", "null", "-", "none"])
    assert not v.is_blank("0")


@pytest.mark.parametrize("raw", ["3", "3.5", "4/5", "3 - Meets expectations", "Exceeds expectations", "meets"])
def test_structured_ratings(raw: str) -> None:
    assert v.is_structured_rating(raw)


@pytest.mark.parametrize("raw", ["Strong year - see comments", "TBD", "solid contributor"])
def test_free_text_ratings(raw: str) -> None:
    assert not v.is_structured_rating(raw)


def test_declared_rating_labels_count_as_structured() -> None:
    assert v.is_structured_rating("Solid contributor", ["solid contributor"])


def test_levels_against_a_scale() -> None:
    names = ["Developing", "Practising", "Accomplished", "Leading"]
    assert v.read_level("3", 1, 4, names).kind == "on_scale"
    assert v.read_level("Accomplished", 1, 4, names).kind == "on_scale"
    assert v.read_level("5", 1, 4, names) == v.LevelReading("off_scale", 5.0)
    assert v.read_level("0", 1, 4, names).kind == "off_scale"
    assert v.read_level("2.5", 1, 4, names).kind == "off_scale"
    assert v.read_level("good", 1, 4, names).kind == "label"


def test_months_before_handles_month_ends_and_years() -> None:
    assert months_before(date(2026, 11, 30), 12) == date(2025, 11, 30)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)
