"""Bias audit bookkeeping: requests and summaries of audit runs, and the framework review cases a flag opens.

Nothing here holds row-level or demographic data: summaries and evidence carry the published (cell-suppressed)
aggregates only. Review notes are free text by HR admins: they live on the case, never in logs or the audit log.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coachwire.models.base import Identifier, InboundModel, Record

AuditStatus = Literal["requested", "running", "completed", "failed"]
AuditKind = Literal["quarterly", "on_demand", "model_review"]
ReviewStatus = Literal["open", "investigating", "resolved", "dismissed"]
REVIEW_STATUSES: tuple[str, ...] = ("open", "investigating", "resolved", "dismissed")


_WINDOW = re.compile(r"^(?P<year>\d{4})Q(?P<quarter>[1-4])$")


class AuditWindow(BaseModel):
    """A calendar quarter. `start` is the first day (inclusive), `end` the first day of the next quarter
    (EXCLUSIVE): a recommendation is in the window when start <= created_at (UTC date) < end. `last_day` is the
    inclusive last day, the date tenure and ages are measured at."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    start: date
    end: date

    @model_validator(mode="after")
    def _consistent(self) -> AuditWindow:
        expected = parse_window(self.label)
        if (self.start, self.end) != (expected.start, expected.end):
            raise ValueError(f"window {self.label} runs {expected.start} to {expected.end} (exclusive)")
        return self

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def start_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    def end_at(self) -> datetime:
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=UTC)

    def contains(self, moment: datetime) -> bool:
        """Whether an instant falls in the window (naive datetimes are taken as UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return self.start_at() <= moment < self.end_at()


def parse_window(text: str) -> AuditWindow:
    """"2026Q4" → AuditWindow(label="2026Q4", start=2026-10-01, end=2027-01-01 exclusive)."""
    if not isinstance(text, str):
        raise ValueError(f"window must be a string like 2026Q4, got {type(text).__name__}")
    match = _WINDOW.match(text.strip())
    if match is None:
        raise ValueError(f"window must look like 2026Q4 (a four-digit year, 'Q', a quarter 1-4), got {text!r}")
    year, quarter = int(match["year"]), int(match["quarter"])
    if year < 1970:
        raise ValueError(f"window year must be 1970 or later, got {year}")
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return AuditWindow.model_construct(label=f"{year}Q{quarter}", start=start, end=end)


def _window_label(text: str) -> str:
    return parse_window(text).label


class AuditRequest(InboundModel):
    """POST /audits. The same `request_id` for the same window answers with the same audit (idempotent)."""

    window: str = Field(description="a calendar quarter such as 2026Q4")
    request_id: Identifier | None = Field(None, description="your idempotency key: repeat it to get the same audit")

    @field_validator("window")
    @classmethod
    def _known_window(cls, value: str) -> str:
        return _window_label(value)


class AuditJob(InboundModel):
    """Detail of a bias audit job: from the quarterly schedule (no window: the quarter before `as_of` or today)
    or from POST /audits (window and audit id set)."""

    job: Literal["bias_audit"]
    as_of: date | None = None
    window: str | None = None
    audit_id: Identifier | None = None
    requested_by: str = "schedule"
    # A model review: audit this candidate's shadow recommendations in the window instead of the delivered ones.
    model_version: Identifier | None = None

    @field_validator("window")
    @classmethod
    def _known_window(cls, value: str | None) -> str | None:
        return None if value is None else _window_label(value)


class ModelReviewJob(InboundModel):
    job: Literal["model_review_reminder"]
    as_of: date | None = None
    requested_by: str = "schedule"


class AuditSummary(Record):
    """One audit run as listed by GET /audits: where its outputs are and what it found."""

    audit_id: str
    window: str
    kind: AuditKind
    status: AuditStatus
    requested_by: str
    requested_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    # fairness.records.AuditCounts as JSON: who and what the audit covered (unknowns per attribute, suppressed
    # when small).
    counts: dict[str, Any] = Field(default_factory=dict)
    # Published view of every flagged comparison (fairness.records.Flag as JSON), in the audit's order.
    flags: list[dict] = Field(default_factory=list)
    review_ids: list[str] = Field(default_factory=list)
    notification_ids: list[str] = Field(default_factory=list)
    # Object name (results.json, report.html, manifest.json, snapshot) → S3 key and version id.
    objects: dict[str, str] = Field(default_factory=dict)
    object_versions: dict[str, str] = Field(default_factory=dict)
    input_content_hash: str | None = None
    model_versions: list[str] = Field(default_factory=list)
    # For kind "model_review": the candidate whose shadow recommendations were audited.
    reviewed_model: str | None = None
    # How many group comparisons ended in each verdict (flagged / insufficient_data / no_evidence).
    verdicts: dict[str, int] = Field(default_factory=dict)
    error_type: str | None = None


class ModelReviewRequest(InboundModel):
    """POST /models/{version}/review: audit the candidate's shadow recommendations of a quarter."""

    window: str | None = Field(None, description="a calendar quarter such as 2026Q4; default: the current one")
    request_id: Identifier | None = Field(None, description="repeat it to get the same review audit")

    @field_validator("window")
    @classmethod
    def _known_window(cls, value: str | None) -> str | None:
        return None if value is None else _window_label(value)


class ReviewUpdate(Record):
    """One change of a review case, attributed to the hr_admin who made it."""

    status: ReviewStatus
    note: str
    by: str
    at: datetime


class ReviewCase(Record):
    """A framework review opened by a flagged disparity: the evidence, and the status HR keeps current."""

    review_id: str
    audit_id: str
    window: str
    status: ReviewStatus = "open"
    opened_at: datetime
    updated_at: datetime
    title: str
    evidence: dict
    history: list[ReviewUpdate] = Field(default_factory=list)
    version: int = 0


class ReviewPatch(InboundModel):
    """PATCH /reviews/{id}: the new status and why (kept on the case, attributed)."""

    status: ReviewStatus
    note: str = Field(min_length=1, max_length=2000)
