"""Statistics core of scheduled bias audits of development recommendations.

`run_audit(rows, AuditConfig())` -> `AuditResult` (per attribute and sex x race/ethnicity intersection: n, unknown
count, recipients, rate, impact ratio with score CI, omnibus chi-square, pairwise Fisher / score tests, Holm across
the audit, verdicts). numpy + math only. See docs/fairness-statistics.md. The quarterly pipeline (inputs, outcomes,
manifest, HTML report, rerun) is `coachwire.fairness.pipeline`: docs/fairness-audit.md.
"""

from coachwire.fairness.audit import (
    AttributeResult,
    AuditConfig,
    AuditResult,
    CategoryDisclosure,
    Cell,
    EmployeeRow,
    GroupResult,
    GroupTable,
    OmnibusResult,
    Verdict,
    audit_from_tables,
    run_audit,
)

__all__ = [
    "AttributeResult",
    "AuditConfig",
    "AuditResult",
    "CategoryDisclosure",
    "Cell",
    "EmployeeRow",
    "GroupResult",
    "GroupTable",
    "OmnibusResult",
    "Verdict",
    "audit_from_tables",
    "run_audit",
]
