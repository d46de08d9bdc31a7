"""Correction requests: the employee asks, HR decides with a reason, an approval changes the record.
Pure: records in, records out; every refusal is a DomainError naming the request field at fault."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from coachwire.domain.messages import notification_id
from coachwire.domain.profiles import check_role
from coachwire.errors import DomainError, UnknownReference
from coachwire.models.coaching import EmployeeProfile, Notification, SkillAssessment
from coachwire.models.framework import Framework
from coachwire.models.rights import (
    Correction,
    CorrectionRequest,
    DisplayNameCorrection,
    RoleCorrection,
    SkillLevelCorrection,
    Value,
)

HR_ADMINS = "hr_admins"  # the recipient id of messages to the HR mailbox (Settings.hr_admin_email)


class CorrectionClosed(DomainError):
    """The request was decided already: a second decision is refused, not applied."""


def correction_id(employee_id: str, request_id: str) -> str:
    return "corr_" + hashlib.sha256(f"{employee_id}|{request_id}".encode()).hexdigest()[:20]


def reason_digest(reason: str) -> str:
    """The audit log holds this instead of the free text, so the reason on the record can be proven unchanged."""
    return hashlib.sha256(reason.encode()).hexdigest()


def _current(profile: EmployeeProfile, request: CorrectionRequest) -> Value | None:
    if isinstance(request, SkillLevelCorrection):
        return profile.level_of(request.skill_id)
    if isinstance(request, RoleCorrection):
        return {"role_id": profile.role_id, "career_stage": profile.career_stage}
    return profile.display_name


def _proposed(request: CorrectionRequest) -> Value:
    if isinstance(request, RoleCorrection):
        return request.proposed.model_dump()
    return request.proposed


def proposed_level(correction: Correction) -> int:
    """The level a skill_level correction proposes (stored as a number; a mapping is a role's value)."""
    if isinstance(correction.proposed, dict):
        raise TypeError(f"correction {correction.correction_id} proposes a mapping, not a level")
    return int(correction.proposed)


def proposed_role_id(correction: Correction) -> str:
    """The role a role correction proposes (its value is the mapping {"role_id", "career_stage"})."""
    if not isinstance(correction.proposed, dict):
        raise TypeError(f"correction {correction.correction_id} proposes a {type(correction.proposed).__name__}, "
                        "not a role")
    return str(correction.proposed["role_id"])


def check(profile: EmployeeProfile, request: CorrectionRequest, framework: Framework | None) -> None:
    """`framework`: the employee's own for a skill level; the one defining the proposed role for a role
    correction (None when no published framework defines it)."""
    if isinstance(request, SkillLevelCorrection):
        if framework is None or framework.skill(request.skill_id) is None:
            raise UnknownReference("skill_id", f"unknown skill '{request.skill_id}' in the employee's framework")
        if not 1 <= request.proposed <= framework.top_level:
            raise DomainError("proposed", f"level {request.proposed} is outside the scale 1..{framework.top_level}")
    elif isinstance(request, RoleCorrection):
        if framework is None:
            raise UnknownReference("proposed.role_id", f"unknown role '{request.proposed.role_id}'")
        check_role(framework, request.proposed.role_id, request.proposed.career_stage, field_prefix="proposed")
    if _current(profile, request) == _proposed(request):
        raise DomainError("proposed", "this is already what the record says")


def open_duplicate(request: CorrectionRequest, existing: list[Correction]) -> Correction | None:
    """An open request for the same field (and skill) already waiting for HR."""
    skill = request.skill_id if isinstance(request, SkillLevelCorrection) else None
    return next((c for c in existing if c.status == "open" and c.field == request.field and c.skill_id == skill),
                None)


def new_correction(profile: EmployeeProfile, request: CorrectionRequest, *, correction_id: str, requested_by: str,
                   now: datetime) -> Correction:
    return Correction(
        correction_id=correction_id, employee_id=profile.employee_id, field=request.field,
        skill_id=request.skill_id if isinstance(request, SkillLevelCorrection) else None,
        current=_current(profile, request), proposed=_proposed(request), evidence=request.evidence,
        requested_by=requested_by, requested_at=now)


def applied(profile: EmployeeProfile, correction: Correction, framework: Framework, now: datetime) -> EmployeeProfile:
    """The profile with an approved correction applied, checked again against today's framework (it may have
    changed since the request). A corrected level is recorded as evidence of its own kind, `correction`."""
    if correction.field == "skill_level":
        request: CorrectionRequest = SkillLevelCorrection(field="skill_level", skill_id=str(correction.skill_id),
                                                          proposed=proposed_level(correction),
                                                          evidence=correction.evidence or "-")
    elif correction.field == "role":
        request = RoleCorrection.model_validate({"field": "role", "proposed": correction.proposed})
    else:
        request = DisplayNameCorrection(field="display_name", proposed=str(correction.proposed))
    check(profile, request, framework)
    if isinstance(request, SkillLevelCorrection):
        held = profile.levels.get(request.skill_id)
        levels = {**profile.levels, request.skill_id: SkillAssessment(
            level=request.proposed, assessed_at=now, source="correction", evidence_id=correction.correction_id,
            previous_level=held.level if held else None)}
        return profile.model_copy(update={"levels": levels})
    if isinstance(request, RoleCorrection):
        return profile.model_copy(update={"role_id": request.proposed.role_id,
                                          "career_stage": request.proposed.career_stage,
                                          "framework_id": framework.framework_id})
    return profile.model_copy(update={"display_name": request.proposed})


def decided(correction: Correction, approve: bool, *, by: str, reason: str, now: datetime) -> Correction:
    if correction.status != "open":
        raise CorrectionClosed("correction_id", f"the request was {correction.status} already")
    return correction.model_copy(update={"status": "approved" if approve else "rejected", "decided_by": by,
                                         "decided_at": now, "reason": reason, "revision": correction.revision + 1})


def overdue(correction: Correction, now: datetime, escalation_days: int) -> bool:
    """Open, never escalated, and waiting longer than `escalation_days`."""
    return (correction.status == "open" and correction.escalated_at is None
            and now - correction.requested_at >= timedelta(days=escalation_days))


def escalation(correction: Correction, *, hr_email: str, now: datetime, source_event_id: str,
               trigger: str) -> tuple[Correction, Notification]:
    """The request marked escalated, and the message to the HR mailbox. The message names the employee id and
    the field, never the proposed value or the evidence: HR reads those in Coachwire."""
    note_id = notification_id(HR_ADMINS, "correction_escalated", correction.correction_id)
    waited = (now - correction.requested_at).days
    what = f"{correction.field} ({correction.skill_id})" if correction.skill_id else correction.field
    body = (f"Correction request {correction.correction_id} from employee {correction.employee_id} ({what}) has "
            f"been waiting {waited} days for a decision.\n\nDecide it in Coachwire: POST /employees/"
            f"{correction.employee_id}/corrections/{correction.correction_id}/decision with approve or reject "
            "and a reason. Open requests: GET /corrections.")
    note = Notification(notification_id=note_id, recipient_id=HR_ADMINS, recipient_email=hr_email,
                        kind="correction_escalated", subject=f"Overdue correction request ({waited} days)",
                        body=body, created_at=now, source_event_id=source_event_id, trigger=trigger)
    marked = correction.model_copy(update={"escalated_at": now, "escalation_notification_id": note_id,
                                           "revision": correction.revision + 1})
    return marked, note
