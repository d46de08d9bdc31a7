"""The model review gate's rules over stored audit summaries and review cases (the store faked in memory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from coachwire.models.bias_audits import AuditSummary, ReviewCase
from coachwire.services.model_versions import review_gate

T = datetime(2026, 11, 20, tzinfo=UTC)


@dataclass
class Governance:
    summaries: list[AuditSummary] = field(default_factory=list)
    cases: dict[str, ReviewCase] = field(default_factory=dict)

    def audits(self):
        return self.summaries

    def review(self, review_id):
        return self.cases.get(review_id)


@dataclass
class Deps:
    governance: Governance


def review_of(version="cand", audit_id="aud-1", *, at=T, audited=120, verdicts=None, review_ids=(), kind="model_review",
              status="completed"):
    return AuditSummary(audit_id=audit_id, window="2026Q4", kind=kind, status=status, requested_by="hr-1",
                        requested_at=at, completed_at=at, counts={"recommendations_audited": audited},
                        reviewed_model=version if kind == "model_review" else None, review_ids=list(review_ids),
                        verdicts={"no_evidence": 9, "insufficient_data": 3} if verdicts is None else verdicts)


def case(review_id, status):
    return ReviewCase(review_id=review_id, audit_id="aud-1", window="2026Q4", status=status, opened_at=T,
                      updated_at=T, title="t", evidence={})


def test_a_completed_review_with_enough_people_and_no_open_case_lets_the_candidate_through():
    gate = review_gate(Deps(Governance([review_of()])), "cand")
    assert gate.problem("cand") is None and gate.comparisons_without_disparity == 9


def test_each_reason_to_refuse():
    assert "no completed model review" in review_gate(Deps(Governance()), "cand").problem("cand")
    quarterly_only = Governance([review_of(kind="quarterly")])
    assert "no completed model review" in review_gate(Deps(quarterly_only), "cand").problem("cand")
    running = Governance([review_of(status="running")])
    assert "no completed model review" in review_gate(Deps(running), "cand").problem("cand")
    empty = Governance([review_of(audited=0)])
    assert "audited no shadow recommendations" in review_gate(Deps(empty), "cand").problem("cand")
    thin = Governance([review_of(verdicts={"insufficient_data": 12})])
    assert "insufficient data is not a pass" in review_gate(Deps(thin), "cand").problem("cand")
    flagged = Governance([review_of(review_ids=["rev-a", "rev-b"])], {"rev-a": case("rev-a", "investigating"),
                                                                       "rev-b": case("rev-b", "dismissed")})
    assert review_gate(Deps(flagged), "cand").open_reviews == ("rev-a",)


def test_the_latest_review_decides():
    older_flagged = review_of(audit_id="aud-old", at=datetime(2026, 10, 1, tzinfo=UTC), review_ids=["rev-a"])
    newer_clean = review_of(audit_id="aud-new")
    gate = review_gate(Deps(Governance([older_flagged, newer_clean], {"rev-a": case("rev-a", "open")})), "cand")
    assert gate.audit_id == "aud-new" and gate.problem("cand") is None
