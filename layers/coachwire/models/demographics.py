"""Demographic data, used for bias audits only.

Kept apart from every other record: its own event type, its own table and KMS key, readable only by the audit
function. `None` means the HRIS sent nothing for the field; "declined_to_state" is an explicit answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from coachwire.models.base import Identifier, InboundModel, Record

DECLINED = "declined_to_state"

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


class DemographicRecord(Record):
    """As stored in the demographics table (one item per employee, latest wins)."""

    employee_id: str
    gender: str | None = None
    race_ethnicity: str | None = None
    birth_year_band: str | None = None
    geography: str | None = None
    updated_at: datetime
