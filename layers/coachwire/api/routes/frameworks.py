"""Competency frameworks: publish immutable versions, read and diff them, and crosswalks from other taxonomies."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coachwire.api import views
from coachwire.api.bodies import json_object, json_response, parse_model
from coachwire.api.contract import error, ok
from coachwire.api.request import ApiContext
from coachwire.domain import framework_diff
from coachwire.domain.framework_diff import FrameworkDiff
from coachwire.frameworks import crosswalk
from coachwire.models.coaching import AuditRecord
from coachwire.models.framework import Crosswalk, Framework
from coachwire.ports import CatalogStore, RoleConflict, VersionConflict
from coachwire.services.frameworks import publish

router = APIGatewayHttpRouter()


@router.post("/frameworks", summary="Publish a framework version (hr_admin); versions are immutable",
             responses={201: ok("Published", views.FrameworkPublished),
                        200: ok("This exact version exists", views.FrameworkPublished),
                        400: error("Invalid framework; `field` names the culprit"),
                        409: error("Version published before with other content, or a role clash")})
def post_framework(request: ApiContext):
    who = request.hr_admin()
    deps = request.deps
    raw = request.json()
    body, translated = _catalog_in_our_ids(raw or {}, deps.catalog)
    wanted = parse_model(views.PublishRequest, body)
    try:
        published = publish(deps, wanted.framework, wanted.catalog)
    except (VersionConflict, RoleConflict) as err:
        return json_response(409, {"message": str(err)})
    deps.audit.append(AuditRecord(
        event_id=published.event_id, trigger="api", subject_id=f"framework:{published.framework_id}",
        outcome="succeeded" if published.new else "duplicate", recorded_at=deps.clock.now(),
        framework_version=published.version, decision={"action": "framework.published",
                                                       "requested_by": who.subject}))
    return json_response(201 if published.new else 200, {
        "framework_id": published.framework_id, "version": published.version, "event_id": published.event_id,
        "status": "published" if published.new else "already_published", "translated_ids": translated})


def _catalog_in_our_ids(body: Any, catalog: CatalogStore) -> tuple[Any, dict[str, str]]:
    """A catalog may name skills in a vendor's ids: the framework's crosswalks translate them."""
    if not isinstance(body, dict):
        return body, {}
    framework_doc, catalog_doc = body.get("framework"), body.get("catalog")
    if not isinstance(framework_doc, dict) or not isinstance(catalog_doc, dict):
        return body, {}
    skills = {str(s["skill_id"]) for s in framework_doc.get("skills") or []
              if isinstance(s, dict) and s.get("skill_id")}
    crosswalks = catalog.crosswalks(str(framework_doc.get("framework_id", "")))
    catalog_doc, translated = crosswalk.translate_catalog_document(catalog_doc, skills, crosswalks)
    return {**body, "catalog": catalog_doc}, translated


@router.get("/frameworks", summary="Published frameworks and their current versions")
def list_frameworks(request: ApiContext) -> views.FrameworkList:
    request.caller()
    catalog = request.deps.catalog
    return views.FrameworkList(frameworks=[
        views.FrameworkSummary(**f, versions=catalog.versions(f["framework_id"])) for f in catalog.frameworks()])


@router.get("/frameworks/<framework_id>/versions/<version>", summary="One published version, as published",
            responses={200: ok("The version", Framework), 404: error("No such version")})
def get_framework_version(framework_id: str, version: str, request: ApiContext) -> Framework:
    request.caller()
    found = request.deps.catalog.framework_version(framework_id, version)
    if found is None:
        raise NotFoundError(f"no version '{version}' of framework '{framework_id}'")
    return found


@router.get("/frameworks/<framework_id>/diff", summary="What changed between two versions",
            responses={200: ok("The changes", FrameworkDiff), 404: error("Either version does not exist")})
def get_framework_diff(framework_id: str, from_version: Annotated[str, Query(alias="from")],
                       to_version: Annotated[str, Query(alias="to")], request: ApiContext) -> FrameworkDiff:
    request.caller()
    before = request.deps.catalog.framework_version(framework_id, from_version)
    after = request.deps.catalog.framework_version(framework_id, to_version)
    if before is None or after is None:
        missing = [v for v, fw in ((from_version, before), (to_version, after)) if fw is None]
        raise NotFoundError(f"no version {', '.join(missing)} of framework '{framework_id}'")
    return framework_diff.diff(before, after)


@router.put("/frameworks/<framework_id>/crosswalks/<crosswalk_id>",
            summary="Map an external taxonomy's ids onto this framework (hr_admin)",
            responses={200: ok("Stored", views.CrosswalkStored),
                       400: error("Invalid; `field` names the culprit, `problems` lists them all"),
                       404: error("No such framework")})
def put_crosswalk(framework_id: str, crosswalk_id: str, request: ApiContext):
    who = request.hr_admin()
    deps = request.deps
    body = json_object(request.json())
    mapping = parse_model(Crosswalk, {**body, "framework_id": framework_id, "crosswalk_id": crosswalk_id})
    framework = deps.catalog.framework(framework_id)
    if framework is None:
        raise NotFoundError(f"no framework '{framework_id}'")
    problems = crosswalk.check(mapping, framework, deps.catalog.catalog(framework_id))
    if problems:
        return json_response(400, {"message": "the crosswalk points at ids the framework does not have",
                                   "field": problems[0].split(":", 1)[0], "problems": problems})
    deps.catalog.put_crosswalk(mapping)
    deps.audit.append(AuditRecord(
        event_id=f"crosswalk:{framework_id}:{crosswalk_id}:{uuid.uuid4().hex[:8]}", trigger="api",
        subject_id=f"framework:{framework_id}", outcome="succeeded", recorded_at=deps.clock.now(),
        decision={"action": "crosswalk.stored", "crosswalk_id": crosswalk_id, "skills": len(mapping.skills),
                  "items": len(mapping.items), "requested_by": who.subject}))
    return json_response(200, {"crosswalk_id": crosswalk_id, "framework_id": framework_id,
                               "skills": len(mapping.skills), "items": len(mapping.items)})


@router.get("/frameworks/<framework_id>/crosswalks", summary="The crosswalks of a framework")
def list_crosswalks(framework_id: str, request: ApiContext) -> list[Crosswalk]:
    request.caller()
    return request.deps.catalog.crosswalks(framework_id)
