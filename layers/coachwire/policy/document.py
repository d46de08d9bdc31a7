"""The data-use policy, generated from the running configuration.

Nothing here is written by hand twice: retention periods come from Settings through the data-class registry (the
same values the stores write as TTLs and the sweep enforces), the recommendation features from the engine's
feature list, the processing steps from the spine's triggers, and "who can see what" from evaluating the API's
own authorisation functions (api/access.py) for each kind of caller. Change any of them and the text and its
version change with it. The version is a hash of the content; the effective date is configuration.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import date

from pydantic import BaseModel

from coachwire import spine
from coachwire.domain import access
from coachwire.domain.data_classes import DATA_CLASSES, DataClass
from coachwire.domain.profiles import PASSING_SCORE
from coachwire.engine.features import FEATURES
from coachwire.errors import NotAllowed
from coachwire.settings import Settings

TITLE = "Coachwire data-use policy"


class FeatureUse(BaseModel):
    feature: str
    description: str
    personal_data: list[str]
    other_inputs: list[str]


class CoreProgramme(BaseModel):
    description: str
    personal_data: list[str]
    not_used: list[str]


class Processing(BaseModel):
    name: str
    when: str
    what: str
    reads: list[str]
    writes: list[str]


class RetentionEntry(BaseModel):
    data_class: str
    name: str
    holds: str
    kept: str
    days: int | None
    enforcement: str
    erased_on_leaving: bool


class AccessEntry(BaseModel):
    what: str
    how: str
    who: list[str]


class Right(BaseModel):
    right: str
    how: str
    details: str


class PolicyDocument(BaseModel):
    title: str
    version: str
    effective_date: date
    contact: str
    summary: str
    features: list[FeatureUse]
    core_programme: CoreProgramme
    never_used: list[str]
    processing: list[Processing]
    retention: list[RetentionEntry]
    erasure: str
    audit_log_after_erasure: str
    access: list[AccessEntry]
    rights: list[Right]
    configuration: dict


# -- what the engine's feature inputs are, in plain words -----------------------------------------------
# (personal: data about the employee, with its data class) or (None: reference data about the framework or
# catalog). A feature input missing here fails a test: a new feature cannot ship undescribed.
FEATURE_INPUTS: dict[str, tuple[str | None, str]] = {
    "role_id": ("profile", "your role"),
    "stage": ("profile", "your career stage"),
    "levels": ("profile", "your current skill levels (from check-ins, learning records and approved corrections)"),
    "flagged_skills": ("profile", "the skills your manager flagged in your latest check-in"),
    "priorities": ("profile", "the skills you and your manager agreed to prioritise"),
    "declined": ("profile", "the items you declined, and when"),
    "framework benchmarks": (None, "the benchmark levels of the role and stage"),
    "framework criticality": (None, "how critical each skill is for the role"),
    "framework prerequisites": (None, "the skills' prerequisites"),
    "item builds_level": (None, "the level each learning item builds"),
    "fitted efficacy table": (None, "how often colleagues at the same level who completed an item rose a level "
                                    "(counts per item and level, never one person's data)"),
    "other candidates' scores": (None, "the scores of the other candidate items"),
    "as_of": (None, "today's date"),
}

# -- what each trigger does with personal data. A trigger missing here fails a test. -----------------------
_Describe = Callable[[Settings], str]
TRIGGER_USES: dict[str, tuple[tuple[str, ...], tuple[str, ...], _Describe]] = {
    "profile_sync": (("profile", "parked_events"), ("profile", "receipts"), lambda s: (
        "Keeps your coaching profile in step with the HRIS: name, work e-mail, manager, role, career stage and hire "
        "date; and, for the outcome metrics only (never to recommend anything), your latest two performance "
        "ratings or quartiles with their periods. Events about you that arrived before your record are then "
        "processed, oldest first (held at most "
        f"{s.retention.parked_events_days} days). When the HRIS reports that you left, everything held about you is "
        f"erased {s.retention.leaver_grace_days} days after your leaving date; the leaving reason it sends "
        "(voluntary, involuntary, other) is kept until then for the outcome metrics.")),
    "checkin_gap_nudge": (("profile",), ("profile", "recommendations", "training_history", "shadow_recommendations",
                                         "notifications", "receipts"), lambda s: (
        "A check-in's ratings become your current skill levels (an older rating never replaces a newer one). For "
        f"the skills your manager flagged, up to {s.nudge_items} learning items are recommended and you are "
        "e-mailed. With personalisation on, the ratings are kept as learning history for model training, and a "
        "candidate model's suggestions may be stored for comparison (never shown or sent).")),
    "role_change_plan": (("profile", "plans"), ("profile", "plans", "notifications", "receipts"), lambda s: (
        "When your role or stage changes, your gaps against the new benchmark become a transition plan with "
        f"milestones ({s.plan_days_per_level} days per level to close), and you are e-mailed. The kind of move "
        "(promotion, lateral, demotion, correction) and the requisition it filled, when the HRIS sends them, are "
        "kept for the internal mobility metric only.")),
    "learning_next_step": (("profile",), ("profile", "recommendations", "training_history",
                                          "shadow_recommendations", "notifications", "receipts"), lambda s: (
        "A completed learning activity is recorded as evidence: with a score of at least "
        f"{PASSING_SCORE:.0%} on an item that builds the next level, that level is raised. The next item is "
        "recommended. With personalisation on, the completion is kept as learning history for model training.")),
    "model_training": (("profile", "training_history"), ("model_versions",), lambda s: (
        f"Weekly: fits a candidate recommendation model on the last {s.training_window_days} days of learning "
        "history of people with personalisation on (anyone who opted out is left out), as counts per item and "
        "level. The candidate only becomes active when an HR admin promotes it.")),
    "stall_detection": (("profile",), ("alerts", "notifications", "receipts"), lambda s: (
        f"Daily: when you completed fewer than {s.stall.min_activities} learning "
        f"{'activity' if s.stall.min_activities == 1 else 'activities'} in {s.stall.window_days} days, a rating "
        "dropped (corrections excepted), or your benchmark was raised, your line manager receives "
        f"a supportive 1:1 prompt, at most once every {s.stall.cooldown_days} days. People who have left are not "
        "included.")),
    "framework_recompute": (("profile", "plans"), ("plans", "receipts"), lambda s: (
        "When HR publishes a new version of your competency framework, your plan is recomputed against it; "
        "your decisions on it are kept.")),
    "notification_delivery": (("notifications", "preferences", "profile"), ("notifications",), lambda s: (
        "Sends each queued message once, on the channel you chose (e-mail to your work address, or Slack or "
        "Microsoft Teams where your organisation offers them; Slack finds you by your work e-mail), outside your "
        "quiet hours and within your daily and weekly limits; a message you switched off is not sent. A chat "
        "channel that cannot reach you gives way to e-mail, and the message says so.")),
    "chat_action": (("notifications", "profile", "plans", "alerts"), ("plans", "alerts", "profile",
                                                                    "notifications", "receipts"), lambda s: (
        "When you press a button on a message in Slack or Teams (accept, decline, done, not now; or, as a "
        "manager, discussed in our 1:1, not now, not relevant, open the brief), the change is made as if you had "
        "made it in Coachwire, attributed to you, and recorded as an engagement event (what, when; never the "
        "reason or note you typed, which stays on the plan or alert). Only the person a message was sent to can "
        "act on it.")),
    "retention_sweep": (("profile", "corrections"), ("corrections", "notifications"), lambda s: (
        "Daily: deletes what has passed its retention period, erases people whose grace period after leaving "
        f"has ended, and escalates correction requests open for {s.correction_escalation_days} days to HR.")),
    "bias_audit": (("profile", "recommendations", "demographics"), ("audit_reports", "governance", "notifications"),
                   lambda s: (
        "Quarterly, or when HR asks: compares how often each group (gender, race/ethnicity, age band, tenure band, "
        "geography and gender × race/ethnicity) received personalised and high-value recommendations, with sound "
        f"statistics (alpha {s.audit.alpha}, groups under {s.audit.suppress_below} people suppressed in anything "
        "published). A flag opens a review case for HR; the published report holds counts and rates, never a "
        "person.")),
    "model_review_reminder": (("governance",), ("notifications",), lambda s: (
        "Yearly: reminds HR admins to review the active recommendation model with the latest audits.")),
    "held_release": (("notifications", "profile"), ("notifications",), lambda s: (
        "Every 15 minutes: a message held back (your quiet hours, a daily or weekly limit, a chat channel asking us "
        "to wait) is sent once its hold is over. If you are a manager who chose a weekly digest, the 1:1 prompts "
        "held for it are sent together as one message; nothing is sent about someone who has left.")),
    "reliability_check": (("audit_log",), ("audit_log",), lambda s: (
        "Every hour: checks that every HRIS event about you that Coachwire accepted was processed (or visibly "
        f"failed) within {s.reliability_silent_after_minutes} minutes. It reads the audit log's event ids and "
        "outcomes only, and records counts and event ids, never anything about you.")),
    "demographics_sync": (("demographics",), ("demographics",), lambda s: (
        "Stores the demographic data the HRIS sends in a separate table, readable only by the bias audit.")),
}

# Kinds of caller the access table is evaluated for: subject ids "E" (the employee), "M" (their line manager).
_EMPLOYEE, _MANAGER = "E", "M"
RELATIONS: tuple[tuple[str, access.Caller], ...] = (
    ("the employee", access.Caller(_EMPLOYEE, "employee")),
    ("their line manager", access.Caller(_MANAGER, "manager")),
    ("HR admins", access.Caller("H", "hr_admin")),
    ("other managers", access.Caller("X", "manager")),
    ("other employees", access.Caller("Y", "employee")),
)


def _hr_only(caller: access.Caller) -> bool:
    try:
        access.require_hr_admin(caller)
    except NotAllowed:
        return False
    return True


ACCESS: tuple[tuple[str, str, Callable[[access.Caller], bool]], ...] = (
    ("Profile, skill levels and gaps", "GET /employees/{id}",
     lambda c: access.may_read_employee(c, _EMPLOYEE, _MANAGER)),
    ("Recommendations, with explanations and factor tables", "GET /employees/{id}/recommendations",
     lambda c: access.may_read_employee(c, _EMPLOYEE, _MANAGER)),
    ("Development plan and its decisions", "GET /employees/{id}/plan",
     lambda c: access.may_read_employee(c, _EMPLOYEE, _MANAGER)),
    ("Changing the plan (accept, decline, reorder, add actions)", "PATCH /employees/{id}/plan",
     lambda c: access.plan_party(c, _EMPLOYEE, _MANAGER) is not None),
    ("Stall alerts about the employee (1:1 prompts)", "GET /managers/{manager_id}/alerts",
     lambda c: access.may_read_manager_inbox(c, _MANAGER)),
    ("The 1:1 brief (gaps, recent activity, plan decisions, the last alert)",
     "GET /managers/{manager_id}/brief/{id}", lambda c: access.may_read_brief(c, _MANAGER, _EMPLOYEE, _MANAGER)),
    ("Messages sent to the employee", "GET /notifications?recipient_id={id}",
     lambda c: access.may_read_notifications(c, _EMPLOYEE)),
    ("Switching personalisation off or on", "PUT /employees/{id}/personalisation",
     lambda c: access.may_set_personalisation(c, _EMPLOYEE)),
    ("Delivery preferences (channel, quiet hours, caps, digest, kinds switched off)",
     "GET /people/{id}/preferences, PUT /people/{id}/preferences",
     lambda c: access.may_manage_preferences(c, _EMPLOYEE)),
    ("Everything held, including audit-log entries and alerts", "GET /employees/{id}/export",
     lambda c: access.may_export(c, _EMPLOYEE)),
    ("Requesting a correction", "POST /employees/{id}/corrections",
     lambda c: access.may_request_correction(c, _EMPLOYEE)),
    ("Correction requests and their decisions", "GET /employees/{id}/corrections",
     lambda c: access.may_read_corrections(c, _EMPLOYEE)),
    ("Deciding a correction request (never one's own)", "POST /employees/{id}/corrections/{cid}/decision",
     lambda c: access.may_decide_correction(c, _EMPLOYEE)),
    ("Trigger statistics (counts, no personal data)", "GET /triggers/stats", _hr_only),
    ("Demographic data", "no API: read only by the bias audit function", lambda c: False),
)


def _when(trigger: spine.Trigger) -> str:
    daily = re.fullmatch(r"cron\((\d+) (\d+) \* \* \? \*\)", trigger.schedule or "")
    if daily:
        return f"daily at {int(daily.group(2)):02d}:{int(daily.group(1)):02d} UTC"
    every = re.fullmatch(r"rate\((\d+) (minutes?|hours?|days?)\)", trigger.schedule or "")
    if every:
        return f"every {every.group(1)} {every.group(2)}"
    if spine.EVENT_SOURCE_HRIS in trigger.sources:
        return "on HRIS event " + ", ".join(trigger.detail_types)
    return "on internal event " + ", ".join(trigger.detail_types)


def _kept(c: DataClass, days: int | None) -> str:
    if c.enforcement == "kept":
        return "kept (no personal data)"
    if c.enforcement == "with_person":
        return f"while employed; erased {days} days after {c.counted_from}"
    leaving = " (sooner if the person leaves: see below)" if c.erased_on_leaving else ""
    return f"{days} days after {c.counted_from}{leaving}"


_ENFORCEMENT = {
    "ttl_and_sweep": "expiry date written with each item (DynamoDB TTL) and deleted by the daily sweep",
    "ttl_only": "expiry date written with each entry (DynamoDB TTL); append-only, so no function can delete early",
    "ttl_isolated": "expiry date written with each record (DynamoDB TTL); on leaving, the sweep deletes the record "
                    "by key without being able to read it",
    "with_person": "erased by the daily sweep once the grace period after leaving ends",
    "lifecycle": "an S3 lifecycle rule deletes them (earlier versions too)",
    "kept": "not deleted automatically",
    "parked": "processed and deleted when the employee's record arrives; past the expiry the daily sweep records "
              "each as expired in the audit log and deletes it (DynamoDB TTL as a backstop)",
}


def build(settings: Settings) -> PolicyDocument:
    names = {c.key: c.name for c in DATA_CLASSES}
    features = []
    for feature in FEATURES:
        personal = [FEATURE_INPUTS[i][1] for i in feature.inputs if FEATURE_INPUTS[i][0] is not None]
        other = [FEATURE_INPUTS[i][1] for i in feature.inputs if FEATURE_INPUTS[i][0] is None]
        features.append(FeatureUse(feature=feature.name, description=feature.description, personal_data=personal,
                                   other_inputs=other))
    processing = []
    for trigger in spine.TRIGGERS:
        reads, writes, describe = TRIGGER_USES[trigger.name]
        processing.append(Processing(name=trigger.name, when=_when(trigger), what=describe(settings),
                                     reads=[names[k] for k in reads], writes=[names[k] for k in writes]))
    retention = [RetentionEntry(data_class=c.key, name=c.name, holds=c.holds, kept=_kept(c, c.days(settings)),
                                days=c.days(settings), enforcement=_ENFORCEMENT[c.enforcement],
                                erased_on_leaving=c.erased_on_leaving) for c in DATA_CLASSES]
    access = [AccessEntry(what=what, how=how, who=[label for label, caller in RELATIONS if allowed(caller)])
              for what, how, allowed in ACCESS]
    grace = settings.retention.leaver_grace_days
    erased = [c.name.lower() for c in DATA_CLASSES if c.erased_on_leaving]
    content = {
        "title": TITLE,
        "contact": settings.hr_admin_email,
        "summary": (
            "Coachwire suggests learning and development actions for your role, explains every suggestion, and "
            "prompts managers to support you. This policy says what data each part uses, how long it is kept, who "
            "can see it, and how to opt out, export your data or have it corrected. It is generated from the "
            "configuration Coachwire is running with, so it always says what the system does."),
        "features": features,
        "core_programme": CoreProgramme(
            description=("With personalisation off, recommendations and plans come from your role's core learning "
                         "programme: the same for everyone in the role and stage, ordered by the role benchmark."),
            personal_data=["your role", "your career stage", "the learning items you already completed or have "
                           "assigned (so they are skipped)"],
            not_used=["your check-in ratings and flags", "your skill levels", "your learning history beyond "
                      "skipping completed items", "your plan decisions and agreed priorities"]),
        "never_used": [
            "Demographic data (gender, race/ethnicity, age, geography) is never used to recommend anything: the "
            "engine has no field for it. It is kept apart and read only by the bias audit.",
            "Hire date and tenure are not used by the recommendation engine (an avoidable proxy for age).",
            "Performance ratings and quartiles, leaving reasons and the kind of a role move are kept for the "
            "outcome metrics only (high-performer retention, internal mobility): the engine has no field for them."],
        "processing": processing,
        "retention": retention,
        "erasure": (f"When the HRIS reports that you left, everything held about you ({', '.join(erased)}) is "
                    f"erased {grace} days after your leaving date by the daily sweep. The grace period in force on "
                    "the day the HRIS reports it applies."),
        "audit_log_after_erasure": (
            "Audit-log entries about you are kept for their own retention period "
            f"({settings.retention.audit_days} days) so that automated decisions stay accountable. They hold your "
            "employee id, event ids, outcomes, versions and codes or counts only, never your name, e-mail address "
            "or any free text. One more place keeps your id after erasure: the input snapshot of each bias audit "
            "that covered you (your role, hire date, opt-out state, recommendation ids and demographic record), "
            "encrypted under the demographics key and readable by the audit function alone, so the audit can be "
            f"re-checked; it expires {spine.AUDIT_SNAPSHOT_RETENTION_DAYS} days after the audit. Apart from those, "
            "nothing in Coachwire links that id to you."),
        "access": access,
        "rights": [
            Right(right="Opt out of personalisation", how="PUT /employees/{id}/personalisation {\"enabled\": false}",
                  details="You alone can switch it; recommendations then come from the core programme (above). "
                          "Switch back on at any time with {\"enabled\": true}. Every change is audit-logged."),
            Right(right="Export your data", how="GET /employees/{id}/export",
                  details="Everything held about you in one JSON document: profile, skill levels, recommendations "
                          "with explanations and factor tables, plan and decisions, alerts about you, messages "
                          "sent to you, correction requests and audit-log entries, stamped with this policy's "
                          "version."),
            Right(right="Have your data corrected", how="POST /employees/{id}/corrections",
                  details="Name the field (skill_level with evidence, role, or display_name) and the value you "
                          "believe is right. HR approves or rejects with a reason you can read; an approval "
                          "updates the record and recomputes your gaps and plan. Requests open for "
                          f"{settings.correction_escalation_days} days are escalated to HR. Role and name also "
                          "live in the HRIS: HR corrects them there too."),
            Right(right="Erasure", how="automatic on leaving",
                  details=f"Everything listed above as erased on leaving goes {grace} days after your leaving "
                          "date."),
        ],
        "configuration": {
            "retention": settings.retention.model_dump(),
            "webhook_dedupe_days": settings.webhook_dedupe_days,
            "correction_escalation_days": settings.correction_escalation_days,
            "decline_cooldown_days": settings.decline_cooldown_days,
            "stall": settings.stall.model_dump(),
            "nudge_items": settings.nudge_items,
            "plan_days_per_level": settings.plan_days_per_level,
        },
    }
    digest = hashlib.sha256(canonical(content).encode()).hexdigest()
    return PolicyDocument(version=f"p-{digest[:16]}", effective_date=settings.policy_effective_date, **content)


def canonical(content: dict) -> str:
    def plain(value):
        return value.model_dump(mode="json") if isinstance(value, BaseModel) else value

    return json.dumps({k: [plain(v) for v in value] if isinstance(value, list) else plain(value)
                       for k, value in content.items()}, sort_keys=True, separators=(",", ":"), default=str)
