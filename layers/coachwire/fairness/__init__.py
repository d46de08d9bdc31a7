"""Statistics core of scheduled bias audits of development recommendations (issue #5).

`run_audit(rows, AuditConfig())` -> `AuditResult` (per attribute and sex x race/ethnicity intersection: n, unknown
count, recipients, rate, impact ratio with score CI, omnibus chi-square, pairwise Fisher / score tests, Holm across
the audit, verdicts). numpy + math only. See docs/fairness-statistics.md.
"""

from coachwire.fairness.audit import (
    AttributeResult,
    AuditConfig,
    AuditResult,
    CategoryDisclosure,
    EmployeeRow,
    GroupResult,
    OmnibusResult,
    Verdict,
    run_audit,
)

__all__ = [
    "AttributeResult",
    "AuditConfig",
    "AuditResult",
    "CategoryDisclosure",
    "EmployeeRow",
    "GroupResult",
    "OmnibusResult",
    "Verdict",
    "run_audit",
]
