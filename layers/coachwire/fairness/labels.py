"""How the audit names things to people: attributes, demographic categories and outcomes.

The one place the report, the HR e-mail and the review cases take their words from. Results, flags and JSON keep
the codes the HRIS sent ("non_binary", "gb"); only what a person reads is translated. A code without an entry
still reads as words ("pacific_islander" → "Pacific islander"; a country code "fr" → "FR").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from coachwire.fairness.audit import INTERSECTION_SEPARATOR, UNKNOWN
from coachwire.fairness.records import DEFAULT_HIGH_VALUE_CLASSES, OUTCOME_ANY, OUTCOME_MEAN

ATTRIBUTE_NAMES: dict[str, str] = {
    "age_band": "Age band",
    "gender": "Gender",
    "geography": "Geography",
    "race_ethnicity": "Race / ethnicity",
    "sex": "Sex",
    "tenure_band": "Years of service",
}

UNKNOWN_LABEL = "Unknown or declined"

# Common HRIS codes per attribute. Geography: ISO 3166-1 alpha-2 (and "uk", which HR systems often send for "gb"),
# plus the UK's ISO 3166-2 nations.
CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "gender": {
        "woman": "Woman", "man": "Man", "female": "Female", "male": "Male", "non_binary": "Non-binary",
        "nonbinary": "Non-binary", "genderqueer": "Genderqueer", "agender": "Agender", "two_spirit": "Two-spirit",
        "transgender_woman": "Transgender woman", "transgender_man": "Transgender man",
        "self_described": "Self-described", "other": "Another gender",
    },
    "sex": {"female": "Female", "male": "Male", "intersex": "Intersex", "other": "Another sex"},
    "race_ethnicity": {
        "white": "White", "black": "Black", "black_african_american": "Black or African American",
        "african_american": "African American", "asian": "Asian", "south_asian": "South Asian",
        "east_asian": "East Asian", "southeast_asian": "Southeast Asian", "hispanic_latino": "Hispanic / Latino",
        "hispanic": "Hispanic", "latino": "Latino", "latinx": "Latinx", "multiracial": "Multiracial",
        "two_or_more": "Two or more races", "mixed": "Mixed", "indigenous": "Indigenous",
        "american_indian_alaska_native": "American Indian or Alaska Native",
        "native_hawaiian_pacific_islander": "Native Hawaiian or Pacific Islander",
        "pacific_islander": "Pacific Islander", "middle_eastern_north_african": "Middle Eastern or North African",
        "mena": "Middle Eastern or North African", "arab": "Arab", "other": "Another race or ethnicity",
    },
    "geography": {
        "ar": "Argentina", "at": "Austria", "au": "Australia", "be": "Belgium", "br": "Brazil", "ca": "Canada",
        "ch": "Switzerland", "cl": "Chile", "cn": "China", "co": "Colombia", "cz": "Czechia", "de": "Germany",
        "dk": "Denmark", "eg": "Egypt", "es": "Spain", "fi": "Finland", "fr": "France", "gb": "United Kingdom",
        "gr": "Greece", "hk": "Hong Kong", "hu": "Hungary", "id": "Indonesia", "ie": "Ireland", "il": "Israel",
        "in": "India", "it": "Italy", "jp": "Japan", "ke": "Kenya", "kr": "South Korea", "mx": "Mexico",
        "my": "Malaysia", "ng": "Nigeria", "nl": "Netherlands", "no": "Norway", "nz": "New Zealand",
        "ph": "Philippines", "pl": "Poland", "pt": "Portugal", "ro": "Romania", "sa": "Saudi Arabia",
        "se": "Sweden", "sg": "Singapore", "th": "Thailand", "tr": "Türkiye", "ua": "Ukraine",
        "ae": "United Arab Emirates", "uk": "United Kingdom", "us": "United States", "vn": "Vietnam",
        "za": "South Africa",
        "gb-eng": "England", "gb-sct": "Scotland", "gb-wls": "Wales", "gb-nir": "Northern Ireland",
    },
}

_COUNTRY_CODE = re.compile(r"^[a-z]{2}(-[a-z0-9]{1,3})?$")
_RANGE = re.compile(r"^(\d+)-(\d+)(y?)$")
_OPEN_RANGE = re.compile(r"^(\d+)y\+$")


def attribute_name(attribute: str) -> str:
    """"gender × race_ethnicity" → "Gender × Race / ethnicity"."""
    return INTERSECTION_SEPARATOR.join(ATTRIBUTE_NAMES.get(a, _words(a))
                                       for a in attribute.split(INTERSECTION_SEPARATOR))


def category_label(attribute: str, code: str) -> str:
    """One category of one (single) attribute, as a person reads it."""
    if code == UNKNOWN:
        return UNKNOWN_LABEL
    known = CATEGORY_LABELS.get(attribute, {}).get(code.casefold())
    if known:
        return known
    if attribute == "geography" and _COUNTRY_CODE.match(code.casefold()):
        return code.upper()
    if attribute in ("tenure_band", "age_band"):
        if m := _RANGE.match(code):
            return f"{m[1]}–{m[2]}" + (" years" if m[3] else "")
        if m := _OPEN_RANGE.match(code):
            return f"{m[1]}+ years"
    return _words(code)


def group_label(attribute: str, label: str) -> str:
    """A group of an attribute or an intersection: "woman × hispanic_latino" → "Woman × Hispanic / Latino"."""
    if label == UNKNOWN:
        return UNKNOWN_LABEL
    attributes = attribute.split(INTERSECTION_SEPARATOR)
    parts = label.split(INTERSECTION_SEPARATOR)
    if len(parts) != len(attributes):
        return _words(label)
    return INTERSECTION_SEPARATOR.join(category_label(a, p) for a, p in zip(attributes, parts, strict=True))


def outcome_titles(high_value_classes: Iterable) -> dict[str, str]:
    """Outcome code → its title: the two general outcomes and each high-value class the audit was run with."""
    titles = {OUTCOME_ANY: "Any personalised recommendation", OUTCOME_MEAN: "Recommendations per employee"}
    for cls in high_value_classes:
        titles[cls.name] = cls.title[:1].upper() + cls.title[1:]
    return titles


def outcome_title(outcome: str, titles: dict[str, str] | None = None) -> str:
    if titles is None:
        titles = outcome_titles(DEFAULT_HIGH_VALUE_CLASSES)
    return titles.get(outcome) or _words(outcome)


def _words(code: str) -> str:
    """"hispanic_latino" → "Hispanic latino": separators become spaces, the first letter a capital."""
    text = " ".join(re.sub(r"[_\-]+", " ", code).split())
    return text[:1].upper() + text[1:] if text else code
