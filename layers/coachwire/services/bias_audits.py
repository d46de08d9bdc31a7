"""The bias audit, wired: requests, the quarterly/on-demand job, its outputs, review cases and HR notifications.

The statistics are `coachwire.fairness.pipeline` (pure); this module reads the inputs through the ports, stores
the outputs (S3: reports readable by the API, the input snapshot under the demographics key), records a summary
for GET /audits, and turns every flag into a review case, an `audit.disparity.flagged` event and an email to
each HR admin. Only the bias_audit function can read demographics (IAM), so everything that loads inputs runs
there.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from coachwire import __version__, spine
from coachwire.fairness.audit import AuditConfig, Verdict
from coachwire.fairness.labels import attribute_name, group_label, outcome_title, outcome_titles
from coachwire.fairness.pipeline import rerun, run
from coachwire.fairness.records import (
    AuditInputs,
    AuditManifest,
    AuditRun,
    Flag,
    PipelineConfig,
    PopulationMember,
    RecommendationFact,
    review_id_for,
)
from coachwire.logs import logger
from coachwire.models.bias_audits import (
    AuditJob,
    AuditKind,
    AuditSummary,
    AuditWindow,
    ModelReviewJob,
    ReviewCase,
    parse_window,
)
from coachwire.models.coaching import Notification
from coachwire.ports import AuditArchive
from coachwire.services.deps import Dependencies
from coachwire.services.unit_of_work import TriggerResult
from coachwire.settings import Settings

CODE_VERSION = f"coachwire {__version__}"
TRIGGER = "bias_audit"
# One audit's objects under the reports prefix (the API may read these); the snapshot lives apart.
REPORT_OBJECTS = ("results.json", "report.html", "manifest.json")
# A request still "requested" after this long lost its job event: asking again re-sends it. One still "running"
# well past the function's timeout was cut short (a Lambda timeout runs no except block): asking again re-sends too.
STALE_REQUEST = timedelta(minutes=20)
STALE_RUN = timedelta(seconds=spine.TRIGGERS_BY_NAME[TRIGGER].timeout_seconds) + timedelta(minutes=10)


# -- names ---------------------------------------------------------------------------------------------------


def object_key(audit_id: str, name: str) -> str:
    """Where an audit's report objects live (readable by the API)."""
    return f"{spine.AUDIT_REPORTS_PREFIX}{audit_id}/{name}"


def snapshot_key(audit_id: str) -> str:
    """Where an audit's input snapshot lives (row-level, demographics included: the audit function only)."""
    return f"{spine.AUDIT_SNAPSHOTS_PREFIX}{audit_id}/inputs.json"


def _digest(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


def audit_id_for(window: str, request_id: str | None = None) -> str:
    """Deterministic for a (window, request id) pair, so a repeated request finds its audit; fresh otherwise."""
    return f"aud-{window}-{_digest(window, request_id) if request_id else uuid.uuid4().hex[:12]}"


def model_review_audit_id(model_version: str, window: str, request_id: str | None = None) -> str:
    return f"aud-{window}-review-{_digest(model_version, request_id or '', length=12)}"


def current_quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarterly_audit_id(window: str) -> str:
    return f"aud-{window}-quarterly"


def previous_quarter(day: date) -> str:
    """The quarter that ended before `day`'s quarter began: what the schedule on the 1st audits."""
    quarter = (day.month - 1) // 3 + 1
    return f"{day.year - 1}Q4" if quarter == 1 else f"{day.year}Q{quarter - 1}"


def pipeline_config(settings: Settings) -> PipelineConfig:
    """The pipeline's defaults with the organisation's tunable statistics (COACHWIRE_AUDIT_*)."""
    default = PipelineConfig()
    rules = settings.audit
    stats = AuditConfig(**{**default.stats.model_dump(), "alpha": rules.alpha, "min_n": rules.min_n,
                           "small_category_share": rules.small_category_share,
                           "suppress_below": rules.suppress_below})
    return PipelineConfig(**{**default.model_dump(), "stats": stats})


# -- inputs --------------------------------------------------------------------------------------------------


def member_of(profile: dict) -> PopulationMember:
    return PopulationMember(
        employee_id=profile["employee_id"], role_id=profile["role_id"], career_stage=profile["career_stage"],
        hire_date=profile.get("hire_date"), personalisation_enabled=profile.get("personalisation_enabled", True))


def fact_of(recommendation: dict) -> RecommendationFact:
    return RecommendationFact(
        employee_id=recommendation["employee_id"], recommendation_id=recommendation["recommendation_id"],
        item_id=recommendation["item_id"], item_kind=recommendation["item_kind"],
        skill_id=recommendation["skill_id"], basis=recommendation.get("basis", "personalised"),
        model_version=recommendation["recommender_version"], framework_version=recommendation["framework_version"],
        created_at=recommendation["created_at"])


def _require(deps: Dependencies, *names: str) -> None:
    missing = [n for n in names if getattr(deps, n) is None]
    if missing:
        raise RuntimeError(f"this function was built without {', '.join(missing)}")


def load_inputs(deps: Dependencies, window: AuditWindow, recommendations: bool = True) -> AuditInputs:
    """The population (every profile), the demographics, and the recommendations created in the window."""
    _require(deps, "audit_source", "demographics")
    source, demographics = deps.audit_source, deps.demographics
    assert source is not None and demographics is not None
    start, end = window.start_at(), window.end_at()
    members: list[PopulationMember] = []
    facts: list[RecommendationFact] = []
    for kind, doc in source.profile_docs(recommendations):
        if kind == "profile":
            members.append(member_of(doc))
            continue
        fact = fact_of(doc)
        if start <= fact.created_at < end:
            facts.append(fact)
    return AuditInputs(window=window, population=tuple(members),
                       demographics=tuple(demographics.all_records()),
                       recommendations=tuple(facts))


# -- on request ----------------------------------------------------------------------------------------------


def request_audit(deps: Dependencies, window: str, request_id: str | None, requested_by: str,
                  model_version: str | None = None) -> tuple[AuditSummary, bool]:
    """Record the request and put the job on the bus. The same request again returns the same audit (and, if it
    never started within STALE_REQUEST, sends the job again: a completed audit is never recomputed). With a
    `model_version`, the audit is that candidate's model review (its shadow recommendations)."""
    _require(deps, "governance")
    governance = deps.governance
    assert governance is not None
    label = parse_window(window).label
    audit_id = (model_review_audit_id(model_version, label, request_id) if model_version
                else audit_id_for(label, request_id))
    summary = AuditSummary(audit_id=audit_id, window=label, kind="model_review" if model_version else "on_demand",
                           status="requested", requested_by=requested_by, requested_at=deps.clock.now(),
                           reviewed_model=model_version)
    created = governance.add_audit(summary) is not None
    if not created:
        summary = governance.audit(summary.audit_id) or summary
    if created or _needs_resend(summary, deps.clock.now()):
        detail = {"job": TRIGGER, "window": label, "audit_id": summary.audit_id, "requested_by": requested_by}
        if model_version:
            detail["model_version"] = model_version
        deps.events.publish(spine.EVENT_SOURCE_INTERNAL, spine.BIAS_AUDIT_REQUESTED, detail)
    return summary, created


def _needs_resend(summary: AuditSummary, now: datetime) -> bool:
    if summary.status == "failed":
        return True
    if summary.status == "requested":
        return now - summary.requested_at > STALE_REQUEST
    return summary.status == "running" and now - (summary.started_at or summary.requested_at) > STALE_RUN


# -- the job -------------------------------------------------------------------------------------------------


def bias_audit(detail: dict, deps: Dependencies) -> TriggerResult:
    """One audit run: quarterly (the quarter before `as_of`, default today) or the window POST /audits asked for."""
    _require(deps, "governance", "audit_archive")
    job = AuditJob.model_validate(detail)
    now = deps.clock.now()
    kind: AuditKind
    if job.model_version:
        window, kind = job.window or current_quarter(now.date()), "model_review"
        audit_id = job.audit_id or model_review_audit_id(job.model_version, window)
    elif job.window:
        window, kind = job.window, "on_demand"
        audit_id = job.audit_id or audit_id_for(window)
    else:
        window, kind = previous_quarter(job.as_of or now.date()), "quarterly"
        audit_id = job.audit_id or quarterly_audit_id(window)
    governance = deps.governance
    assert governance is not None
    summary = governance.audit(audit_id)
    if summary is not None and summary.status == "completed":
        return TriggerResult("duplicate", f"audit:{audit_id}", _decision(summary),
                             notification_ids=tuple(summary.notification_ids))
    summary = (summary or AuditSummary(audit_id=audit_id, window=window, kind=kind, status="requested",
                                       requested_by=job.requested_by, requested_at=now,
                                       reviewed_model=job.model_version))
    summary = summary.model_copy(update={"status": "running", "started_at": now, "error_type": None})
    if not governance.claim_audit(summary, now - STALE_RUN):
        # A second delivery while the first run is alive (or just completed): let that run finish it.
        return TriggerResult("no_action", f"audit:{audit_id}", {"audit_id": audit_id, "reason": "already_running"})
    try:
        inputs = load_inputs(deps, parse_window(window), recommendations=job.model_version is None)
        if job.model_version:
            inputs = inputs.model_copy(update={"recommendations": shadow_facts(deps, job.model_version)})
        result = run(inputs, pipeline_config(deps.settings), code_version=CODE_VERSION, generated_at=now,
                     audit_id=audit_id)
        objects, versions = store_outputs(deps, result, inputs)
        reviews = open_reviews(deps, result, window, now)
        notes = hr_notifications(deps.settings, result, window, reviews, now, job.model_version)
        governance.queue_notifications(notes)
        for flag, review in zip(result.flags, reviews, strict=True):
            deps.events.publish(spine.EVENT_SOURCE_INTERNAL, spine.AUDIT_DISPARITY_FLAGGED, {
                "audit_id": audit_id, "window": window, "review_id": review.review_id,
                **flag.model_dump(mode="json")})
    except Exception as err:
        governance.put_audit(summary.model_copy(update={
            "status": "failed", "error_type": type(err).__name__, "completed_at": deps.clock.now()}))
        raise
    summary = summary.model_copy(update={
        "status": "completed", "completed_at": deps.clock.now(), "counts": result.counts.model_dump(),
        "flags": [f.model_dump(mode="json") for f in result.flags], "review_ids": [r.review_id for r in reviews],
        "notification_ids": [n.notification_id for n in notes], "objects": objects, "object_versions": versions,
        "input_content_hash": result.manifest.input_content_hash,
        "model_versions": list(result.manifest.model_versions), "verdicts": verdict_tally(result)})
    governance.put_audit(summary)
    if result.flags and not notes:
        logger.warning("bias audit %s flagged %d comparisons but no HR admin is configured (COACHWIRE_HR_ADMINS)",
                    audit_id, len(result.flags))
    return TriggerResult("succeeded", f"audit:{audit_id}", _decision(summary),
                         notification_ids=tuple(n.notification_id for n in notes))


def verdict_tally(result: AuditRun) -> dict[str, int]:
    """Comparisons per verdict (the reference groups are not comparisons)."""
    tally: dict[str, int] = {}
    for res in result.result.results:
        for g in res.groups:
            if g.verdict != Verdict.REFERENCE:
                tally[g.verdict.value] = tally.get(g.verdict.value, 0) + 1
    return dict(sorted(tally.items()))


def _decision(summary: AuditSummary) -> dict:
    """Ids, counts and codes for the audit log: never a group label or a number about a group."""
    return {"audit_id": summary.audit_id, "window": summary.window, "kind": summary.kind,
            "audited": summary.counts.get("audited", 0), "flags": len(summary.flags),
            "review_ids": list(summary.review_ids), "hr_admins_notified": len(summary.notification_ids)}


def store_outputs(deps: Dependencies, result: AuditRun, inputs: AuditInputs) -> tuple[dict[str, str], dict[str, str]]:
    """Snapshot first (a manifest must never point at inputs that were not kept), then the reports."""
    archive = deps.audit_archive
    assert archive is not None
    audit_id = result.audit_id
    objects = {"snapshot": snapshot_key(audit_id), **{name: object_key(audit_id, name) for name in REPORT_OBJECTS}}
    if not deps.settings.demographics_key_arn and deps.settings.stage != "local":
        # The snapshot holds demographics: never let it fall back to the bucket's key.
        raise RuntimeError("COACHWIRE_DEMOGRAPHICS_KEY_ARN is not set: refusing to store the input snapshot")
    versions = {"snapshot": archive.put(objects["snapshot"], inputs.to_json(), "application/json",
                                        kms_key_id=deps.settings.demographics_key_arn)}
    versions["results.json"] = archive.put(objects["results.json"], result.results_json, "application/json")
    versions["report.html"] = archive.put(objects["report.html"], result.report_html, "text/html; charset=utf-8")
    versions["manifest.json"] = archive.put(objects["manifest.json"], result.manifest_json, "application/json")
    return objects, versions


def open_reviews(deps: Dependencies, result: AuditRun, window: str, now: datetime) -> list[ReviewCase]:
    """One framework review case per flag; a redelivered audit finds its cases and opens nothing twice."""
    governance = deps.governance
    assert governance is not None
    cases = []
    titles = outcome_titles(result.manifest.config.high_value_classes)
    for flag in result.flags:
        case = ReviewCase(
            review_id=review_id_for(result.audit_id, flag), audit_id=result.audit_id, window=window,
            opened_at=now, updated_at=now, title=flag_line(flag, titles),
            evidence={**flag.model_dump(mode="json"), "audit_id": result.audit_id, "window": window,
                      "report": f"/audits/{result.audit_id}?format=html",
                      "input_content_hash": result.manifest.input_content_hash,
                      "model_versions": list(result.manifest.model_versions)})
        if not governance.open_review(case):
            case = governance.review(case.review_id) or case
        cases.append(case)
    return cases


def _number(value: float | None, digits: int = 2) -> str:
    return "suppressed" if value is None else f"{value:.{digits}f}"


def flag_line(flag: Flag, titles: dict[str, str] | None = None) -> str:
    """One flag in words, from published (suppressed) values only; groups by their display labels, as in the
    report. `titles`: outcome titles of the audit's high-value classes (default: the standard ones)."""
    interval = ("" if flag.ci_low is None or flag.ci_high is None
                else f" (95% CI {flag.ci_low:.2f}-{flag.ci_high:.2f})")
    p = "suppressed" if flag.p_adjusted is None else f"{flag.p_adjusted:.2g}"
    reference = "" if flag.reference_group is None else group_label(flag.attribute, flag.reference_group)
    return (f"{outcome_title(flag.outcome, titles)}: {attribute_name(flag.attribute).lower()} "
            f"'{group_label(flag.attribute, flag.group)}' vs '{reference}', impact ratio "
            f"{_number(flag.impact_ratio)}{interval}, adjusted p {p}")


def hr_notifications(settings: Settings, result: AuditRun, window: str, reviews: list[ReviewCase],
                     now: datetime, reviewed_model: str | None = None) -> list[Notification]:
    """One email per HR admin per audit that flagged something, listing every flag and its review case."""
    if not result.flags:
        return []
    titles = outcome_titles(result.manifest.config.high_value_classes)
    lines = [f"- {flag_line(flag, titles)}. Review case {case.review_id}."
             for flag, case in zip(result.flags, reviews, strict=True)]
    count = len(result.flags)
    what = (f"model review of candidate {reviewed_model} (its shadow recommendations, which were never delivered)"
            if reviewed_model else "bias audit of development recommendations")
    body = "\n".join([
        *([f"The candidate cannot be promoted while these cases are open, unless an hr_admin overrides with a "
           f"reason (POST /models/{reviewed_model}/promote).", ""] if reviewed_model else []),
        f"The {window} {what} ({result.audit_id}) flagged {count} "
        f"comparison{'s' if count != 1 else ''}: a group received the outcome at less than "
        f"{pipeline_config(settings).stats.detect_ratio:.0%} of the reference group's rate, and the difference "
        f"is significant after Holm correction (alpha {settings.audit.alpha}).",
        "",
        *lines,
        "",
        f"Read the report: GET /audits/{result.audit_id}?format=html",
        "Record what you find and decide on each case: PATCH /reviews/<review id> (status and a note).",
    ])
    return [Notification(
        notification_id=f"ntf-{result.audit_id}-{_digest(subject, length=10)}", recipient_id=subject,
        recipient_email=email, kind="audit_flag",
        subject=f"Bias audit {window}: {count} disparit{'ies' if count != 1 else 'y'} flagged for review",
        body=body, created_at=now, source_event_id=result.audit_id, trigger=TRIGGER)
        for subject, email in sorted(settings.hr_admins.items())]


# -- model promotion ------------------------------------------------------------------------------


def shadow_facts(deps: Dependencies, model_version: str) -> tuple[RecommendationFact, ...]:
    """A candidate's shadow recommendations as the audit reads them (the pipeline keeps those in the window)."""
    shadow = deps.profiles.shadow_recommendations(model_version)
    return tuple(sorted((fact_of(r.model_dump(mode="json")) for r in shadow), key=lambda f: f.recommendation_id))


# -- yearly model review reminder ----------------------------------------------------------------------------


def model_review_reminder(detail: dict, deps: Dependencies) -> TriggerResult:
    """Each year: ask every HR admin to review the active recommendation model, with the latest audits."""
    _require(deps, "governance")
    governance = deps.governance
    assert governance is not None
    job = ModelReviewJob.model_validate(detail)
    pointer = deps.models.pointer()
    active = pointer.active
    now = deps.clock.now()
    year = (job.as_of or now.date()).year
    audits = [a for a in governance.audits() if a.status == "completed"][:4]
    open_reviews_ = [r for r in governance.reviews() if r.status in ("open", "investigating")]
    recent = [f"- {a.window} ({a.audit_id}): {len(a.flags)} flagged, models {', '.join(a.model_versions) or 'none'}"
              for a in audits] or ["- no completed audit yet: run one (POST /audits) before the review"]
    body = "\n".join([
        f"It is time for the {year} review of the active recommendation model ({active}).",
        "Check that it still serves every group fairly, that its explanations hold, and decide whether it stays.",
        f"Candidate in shadow: {pointer.shadow} (GET /models/{pointer.shadow})." if pointer.shadow
        else "No candidate is in shadow.",
        "",
        "Latest bias audits:", *recent,
        f"Open framework review cases: {len(open_reviews_)} (GET /reviews).",
    ])
    notes = [Notification(
        notification_id=f"ntf-model-review-{year}-{_digest(subject, length=10)}", recipient_id=subject,
        recipient_email=email, kind="model_review", subject=f"Yearly model review {year}: Coachwire recommendations",
        body=body, created_at=now, source_event_id=f"model-review-{year}", trigger="model_review_reminder")
        for subject, email in sorted(deps.settings.hr_admins.items())]
    governance.queue_notifications(notes)
    if not notes:
        logger.warning("the yearly model review reminder found no HR admin to tell (COACHWIRE_HR_ADMINS)")
    return TriggerResult("succeeded" if notes else "no_action", "job:model_review_reminder",
                         {"year": year, "hr_admins_notified": len(notes), "open_reviews": len(open_reviews_)},
                         notification_ids=tuple(n.notification_id for n in notes),
                         recommender_version=active)


# -- reproducing a stored audit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RerunReport:
    audit_id: str
    input_content_hash: str
    # Object name → whether the rerun produced exactly the stored bytes.
    identical: dict[str, bool]

    @property
    def byte_identical(self) -> bool:
        return all(self.identical.values())


def rerun_stored(archive: AuditArchive, audit_id: str | None = None, manifest_json: bytes | None = None
                 ) -> RerunReport:
    """Fetch an audit's input snapshot, check it is what the manifest was computed from, rerun, and compare the
    outputs with the stored ones byte for byte. Raises pipeline.InputMismatchError when the snapshot's hash
    differs from the manifest's and pipeline.ReproducibilityError when the results differ."""
    if manifest_json is None:
        if audit_id is None:
            raise ValueError("give an audit id or a manifest")
        manifest_json = archive.get(object_key(audit_id, "manifest.json"))
    manifest = AuditManifest.from_json(manifest_json)
    inputs = AuditInputs.from_json(archive.get(snapshot_key(manifest.audit_id)))
    again = rerun(manifest, inputs)
    stored = {name: archive.get(object_key(manifest.audit_id, name)) for name in ("results.json", "report.html")}
    identical = {"results.json": again.results_json == stored["results.json"],
                 "report.html": again.report_html == stored["report.html"],
                 "manifest.json": again.manifest_json == manifest_json}
    return RerunReport(manifest.audit_id, manifest.input_content_hash, identical)
