"""Reading single values the way an HRIS export writes them: dates in several formats, ids, ratings, levels.

Pure functions, no I/O. "Machine-readable" means a program can use the value without a human reading it:
a date that parses unambiguously, an id without spaces, a number, a label from a known enumeration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

# Values that mean "nothing here": counted as empty, not as free text.
NULLS = frozenset({"", "n/a", "na", "null", "none", "nil", "-", "--", "—", "nan", "#n/a", "(blank)"})

IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d+)?|\.\d+)$")
# "3", "3.0", "3/5", "3 - Meets expectations", "3 (Accomplished)"
LEADING_NUMBER = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(?:/\s*(\d+))?(?:\s*[-–:(]\s*[A-Za-z].*)?$")
NUMERIC_DATE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})$")
YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
SHORT_YEAR_PERIOD = re.compile(r"^(fy|h[12]|q[1-4])[\s\-_]?\d{2}$", re.IGNORECASE)

ISO = "ISO 8601 (2025-03-04)"
YMD_SLASH = "2025/03/04"
DMY = "day first (04/03/2025)"
MDY = "month first (03/04/2025)"
AMBIGUOUS = "ambiguous day/month (03/04/2025)"
TEXT_MONTH = "month name (4 Mar 2025)"
EXCEL = "Excel serial number (45720)"
YEAR_MONTH = "year and month (2025-03)"

_TEXT_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y")


def is_blank(value: str | None) -> bool:
    return value is None or value.strip().lower() in NULLS


@dataclass(frozen=True)
class DateReading:
    value: date | None
    fmt: str | None  # the format family; None when it is not a date at all


def infer_date_order(values: Iterable[str]) -> str | None:
    """'dmy' or 'mdy' when a column's numeric dates say which (a part above 12, or dots as in 04.03.2025)."""
    day_first = month_first = False
    for raw in values:
        m = NUMERIC_DATE.match(raw.strip())
        if not m:
            continue
        a, sep, b = int(m.group(1)), m.group(2), int(m.group(3))
        if a > 12 or sep == ".":
            day_first = True
        if b > 12:
            month_first = True
    if day_first and not month_first:
        return "dmy"
    if month_first and not day_first:
        return "mdy"
    return None


def parse_date(raw: str, order: str | None = None) -> DateReading:
    """Parse one date. ``order`` ('dmy'/'mdy') settles 03/04/2025; without it such a value is ambiguous."""
    text = raw.strip()
    if not text:
        return DateReading(None, None)
    m = NUMERIC_DATE.match(text)
    if m:
        a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if year < 100:
            year += 2000
        if a > 12 or (order == "dmy" and b <= 12):
            day, month, fmt = a, b, DMY
        elif b > 12 or order == "mdy":
            day, month, fmt = b, a, MDY
        elif a == b:  # 04/04/2025 reads the same either way
            day, month, fmt = a, b, AMBIGUOUS
        else:
            return DateReading(None, AMBIGUOUS)
        try:
            return DateReading(date(year, month, day), fmt)
        except ValueError:
            return DateReading(None, None)
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        try:
            return DateReading(datetime.fromisoformat(text.replace(" UTC", "")).date(), ISO)
        except ValueError:
            return DateReading(None, None)
    if re.match(r"^\d{4}/\d{1,2}/\d{1,2}$", text):
        try:
            return DateReading(datetime.strptime(text, "%Y/%m/%d").date(), YMD_SLASH)
        except ValueError:
            return DateReading(None, None)
    if re.match(r"^\d{4}-\d{2}$", text):
        try:
            return DateReading(datetime.strptime(text, "%Y-%m").date(), YEAR_MONTH)
        except ValueError:
            return DateReading(None, None)
    if re.match(r"^\d{5}(\.\d+)?$", text):
        serial = float(text)
        if 20000 <= serial <= 80000:  # 1954..2119 in Excel's 1900 date system
            return DateReading(date(1899, 12, 30) + timedelta(days=int(serial)), EXCEL)
        return DateReading(None, None)
    for fmt in _TEXT_FORMATS:
        try:
            return DateReading(datetime.strptime(text, fmt).date(), TEXT_MONTH)
        except ValueError:
            continue
    return DateReading(None, None)


def is_identifier(value: str) -> bool:
    return bool(IDENTIFIER.match(value.strip()))


def is_email(value: str) -> bool:
    return bool(EMAIL.match(value.strip()))


def is_number(value: str) -> bool:
    return bool(NUMBER.match(value.strip().replace(",", ".", 1)))


def is_period(value: str) -> bool:
    """A review cycle a program can order: it names a year (FY2025, 2025-H1, Mid-year 2025, H1-25)."""
    text = value.strip()
    return bool(YEAR.search(text) or SHORT_YEAR_PERIOD.match(text))


def period_key(value: str) -> str:
    """Cycle labels that differ only in case or punctuation are the same cycle."""
    return re.sub(r"[^a-z0-9]", "", value.lower())


# Calibrated performance-rating labels that count as an enumeration, not free text.
RATING_LABELS = frozenset(
    {
        "outstanding",
        "exceptional",
        "role model",
        "exceeds",
        "exceeds expectations",
        "exceeded expectations",
        "meets",
        "meets expectations",
        "met expectations",
        "fully meets expectations",
        "partially meets",
        "partially meets expectations",
        "below",
        "below expectations",
        "does not meet expectations",
        "did not meet expectations",
        "needs improvement",
        "unsatisfactory",
    }
)


def _label(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip().lower().replace("_", " "))


def leading_number(value: str) -> float | None:
    m = LEADING_NUMBER.match(value.strip())
    return float(m.group(1).replace(",", ".")) if m else None


def is_structured_rating(value: str, extra_labels: Iterable[str] = ()) -> bool:
    """A rating is structured when it is a number ("3", "3.5", "4/5", "3 - Meets") or a calibrated label."""
    if leading_number(value) is not None:
        return True
    label = _label(value)
    return label in RATING_LABELS or label in {_label(x) for x in extra_labels}


@dataclass(frozen=True)
class LevelReading:
    kind: str  # "on_scale" | "off_scale" (a number that is not a level of the scale) | "label" (free text)
    number: float | None = None


def read_level(value: str, low: int, high: int, level_names: Iterable[str] = ()) -> LevelReading:
    """A proficiency value against a scale low..high; the scale's own level names count as on the scale."""
    number = leading_number(value)
    if number is not None:
        on = number == int(number) and low <= number <= high
        return LevelReading("on_scale" if on else "off_scale", number)
    if _label(value) in {_label(n) for n in level_names}:
        return LevelReading("on_scale")
    return LevelReading("label")
