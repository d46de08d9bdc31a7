"""Demographic data, used for bias audits only.

Kept apart from every other record: its own event type, its own table and KMS key, readable only by the audit
function. `None` means the HRIS sent nothing for the field; "declined_to_state" is an explicit answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints, field_validator

from coachwire.models.base import Identifier, InboundModel, Record

DECLINED = "declined_to_state"
MIN_BAND_YEARS = 5

Category = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
# Birth-year bands such as "1980-1989"; "none" when the organisation does not collect birth years.
BirthYearBand = Annotated[str, StringConstraints(pattern=r"^(\d{4}-\d{4}|none|declined_to_state)$")]


class DemographicsUpserted(InboundModel):
    """Data of an `employee.demographics.upserted` webhook. Every field but the id is optional."""

    employee_id: Identifier
    gender: Category | None = None
    race_ethnicity: Category | None = None
    birth_year_band: BirthYearBand | None = None
    geography: Category | None = None

    @field_validator("birth_year_band")
    @classmethod
    def _a_band_not_a_birth_year(cls, value: str | None) -> str | None:
        if value is None or "-" not in value or value == DECLINED:
            return value
        first, last = (int(y) for y in value.split("-"))
        if last - first + 1 < MIN_BAND_YEARS:
            raise ValueError(f"a band runs from an earlier to a later year and spans at least {MIN_BAND_YEARS} "
                             "years (an exact birth year is not collected)")
        return value


class DemographicRecord(Record):
    """As stored in the demographics table (one item per employee, latest wins)."""

    employee_id: str
    gender: str | None = None
    race_ethnicity: str | None = None
    birth_year_band: str | None = None
    geography: str | None = None
    updated_at: datetime
