"""Export a framework as a 1EdTech CASE 1.1 CFPackage (see docs/import-case.md).

The package uses only standard CASE fields for everything CASE can express: the framework is the
CFDocument, each category is a grouping CFItem and each skill a CFItem under it (`isChildOf`), each
skill has a CFRubric whose one criterion points at the skill's CFItem and whose criterion levels are the
proficiency levels (quality = scale level name, score = position = level, description = the anchors as a
"- " list). A prerequisite is a `precedes` association from the prerequisite skill to the skill.

What CASE cannot say travels in the `extensions` objects the schema reserves for proprietary data, under
the key "coachwire": the framework id and roles (with career stages and benchmarks) on the CFDocument,
the skill id and criticality on each skill CFItem, the prerequisite level on each `precedes`
association. Anchors and a description equal to the name are only repeated there when the standard
fields alone could not give them back exactly. So `import_case(export_case(f))` rebuilds `f`.

Output is deterministic: every identifier is a UUID v5 of the framework id and the element's id in a
Coachwire namespace, every URI is `urn:uuid:<identifier>`, and every timestamp is the framework's
effective date at midnight UTC (a framework carries no change time of its own).
"""

from __future__ import annotations

import uuid
from typing import Any

from coachwire.models.framework import Framework, Skill

from coachwire_tools.frameworks.importers.case import EXTENSION_KEY, parse_anchors, render_anchors

# Fixed forever: changing it would give every exported element a new identity.
COACHWIRE_CASE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:coachwire:case")
EXTENSION_VERSION = 1
SKILL_ITEM_TYPE = "Competency"
CATEGORY_ITEM_TYPE = "Competency Category"


def case_uuid(framework_id: str, *parts: str) -> str:
    """The stable identifier of one exported element: same framework and element → same UUID."""
    return str(uuid.uuid5(COACHWIRE_CASE_NAMESPACE, "/".join((framework_id, *parts))))


def _uri(identifier: str) -> str:
    return f"urn:uuid:{identifier}"


def _link(title: str, identifier: str) -> dict[str, str]:
    return {"title": title, "identifier": identifier, "uri": _uri(identifier)}


def export_case(framework: Framework) -> dict:
    fid = framework.framework_id
    stamp = f"{framework.effective_date.isoformat()}T00:00:00+00:00"
    doc_id = case_uuid(fid, "document")
    scale_names = {s.level: s.name for s in framework.scale}

    document = {
        "identifier": doc_id,
        "uri": _uri(doc_id),
        "caseVersion": "1.1",
        "creator": framework.owner,
        "title": framework.name,
        "version": framework.version,
        "adoptionStatus": "Adopted",
        "statusStartDate": framework.effective_date.isoformat(),
        "lastChangeDateTime": stamp,
        "extensions": {
            EXTENSION_KEY: {
                "version": EXTENSION_VERSION,
                "framework_id": fid,
                "roles": [role.model_dump(mode="json") for role in framework.roles],
            }
        },
    }
    doc_link = _link(framework.name, doc_id)

    categories: list[str] = []
    for skill in framework.skills:
        if skill.category not in categories:
            categories.append(skill.category)
    category_ids = {c: case_uuid(fid, "category", c) for c in categories}
    skill_ids = {s.skill_id: case_uuid(fid, "skill", s.skill_id) for s in framework.skills}

    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []

    def associate(kind: str, origin: dict, destination: dict, sequence: int, extension: dict | None = None) -> None:
        identifier = case_uuid(fid, kind, origin["identifier"], destination["identifier"])
        association: dict[str, Any] = {
            "identifier": identifier,
            "associationType": kind,
            "sequenceNumber": sequence,
            "uri": _uri(identifier),
            "originNodeURI": origin,
            "destinationNodeURI": destination,
            "lastChangeDateTime": stamp,
        }
        if extension:
            association["extensions"] = {EXTENSION_KEY: extension}
        associations.append(association)

    for position, category in enumerate(categories, start=1):
        identifier = category_ids[category]
        items.append(
            {
                "identifier": identifier,
                "uri": _uri(identifier),
                "fullStatement": category,
                "CFItemType": CATEGORY_ITEM_TYPE,
                "lastChangeDateTime": stamp,
                "extensions": {EXTENSION_KEY: {"kind": "category"}},
            }
        )
        associate("isChildOf", _link(category, identifier), doc_link, position)

    in_category: dict[str, int] = {}
    for skill in framework.skills:
        identifier = skill_ids[skill.skill_id]
        extension: dict[str, Any] = {"kind": "skill", "skill_id": skill.skill_id, "criticality": skill.criticality}
        if skill.description and skill.description == skill.name:
            extension["description"] = skill.description  # fullStatement alone would read back as "no description"
        items.append(
            {
                "identifier": identifier,
                "uri": _uri(identifier),
                "fullStatement": skill.description or skill.name,
                "abbreviatedStatement": skill.name,
                "humanCodingScheme": skill.skill_id,
                "CFItemType": SKILL_ITEM_TYPE,
                "lastChangeDateTime": stamp,
                "extensions": {EXTENSION_KEY: extension},
            }
        )
        in_category[skill.category] = in_category.get(skill.category, 0) + 1
        category_link = _link(skill.category, category_ids[skill.category])
        associate("isChildOf", _link(skill.skill_id, identifier), category_link, in_category[skill.category])

    for skill in framework.skills:
        for sequence, prerequisite in enumerate(skill.prerequisites, start=1):
            associate(
                "precedes",
                _link(prerequisite.skill_id, skill_ids[prerequisite.skill_id]),
                _link(skill.skill_id, skill_ids[skill.skill_id]),
                sequence,
                {"level": prerequisite.level},
            )

    rubrics = [_rubric(fid, skill, skill_ids[skill.skill_id], scale_names, stamp) for skill in framework.skills]
    return {"CFDocument": document, "CFItems": items, "CFAssociations": associations, "CFRubrics": rubrics}


def _rubric(fid: str, skill: Skill, item_id: str, scale_names: dict[int, str], stamp: str) -> dict:
    rubric_id = case_uuid(fid, "rubric", skill.skill_id)
    criterion_id = case_uuid(fid, "criterion", skill.skill_id)
    levels = []
    for anchored in sorted(skill.levels, key=lambda a: a.level):
        identifier = case_uuid(fid, "level", skill.skill_id, str(anchored.level))
        description = render_anchors(anchored.anchors)
        level: dict[str, Any] = {
            "identifier": identifier,
            "uri": _uri(identifier),
            "quality": scale_names[anchored.level],
            "score": anchored.level,
            "position": anchored.level,
            "description": description,
            "rubricCriterionId": criterion_id,
            "lastChangeDateTime": stamp,
        }
        if parse_anchors(description) != list(anchored.anchors):
            # An anchor with a line break or a leading "- " would not split back the same way.
            level["extensions"] = [{EXTENSION_KEY: {"anchors": list(anchored.anchors)}}]
        levels.append(level)
    criterion = {
        "identifier": criterion_id,
        "uri": _uri(criterion_id),
        "category": skill.category,
        "description": skill.name,
        "CFItemURI": _link(skill.name, item_id),
        "position": 1,
        "rubricId": rubric_id,
        "lastChangeDateTime": stamp,
        "CFRubricCriterionLevels": levels,
    }
    return {
        "identifier": rubric_id,
        "uri": _uri(rubric_id),
        "title": f"{skill.name}: proficiency levels",
        "lastChangeDateTime": stamp,
        "CFRubricCriteria": [criterion],
    }
