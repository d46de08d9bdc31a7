"""Import a 1EdTech CASE package (CFPackage JSON, CASE 1.0 or 1.1) as a Coachwire framework.

Mapping (details and reasons in docs/import-case.md):

- CFDocument → framework metadata (title → name, creator → owner, version, statusStartDate or the date of
  lastChangeDateTime → effective_date; framework_id from the Coachwire extension, else a slug of the title).
- CFItems that have no `isChildOf` children, or that a rubric criterion points at, become skills; the
  other items are groupings, and the nearest grouping above a skill names its category.
- CFRubrics → CFRubricCriteria (CFItemURI → the skill) → CFRubricCriterionLevels become the skill's
  proficiency levels: ordered by score, `quality` names the scale level, `description` gives the anchors.
  A rubric with 3-5 levels sets the scale; other sizes are mapped onto it and reported.
- `precedes` between two skills becomes a prerequisite of the later skill.
- Anything CASE cannot express (roles, benchmarks, criticality, prerequisite level) is read from the
  "coachwire" extensions an export writes. Without them: criticality defaults to 2 and roles are reported
  as missing. A skill without rubric levels gets an error, never invented anchors.

The importer never raises on a malformed package: what it cannot read is a finding in the report.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from coachwire.models.framework import Framework
from pydantic import ValidationError

from coachwire_tools.frameworks.interchange import ImportOptions, ImportReport, ImportResult

EXTENSION_KEY = "coachwire"
STANDARD = "case"
DEFAULT_CRITICALITY = 2
DEFAULT_PREREQUISITE_LEVEL = 1
NAME_MAX, CATEGORY_MAX, LEVEL_NAME_MAX, IDENTIFIER_MAX = 120, 80, 60, 128

_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")
_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_.:\-]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_BULLETS = ("- ", "* ", "• ", "– ")

_PACKAGE_KEYS = {"CFDocument", "CFItems", "CFAssociations", "CFDefinitions", "CFRubrics", "extensions"}
_DOCUMENT_MAPPED = {
    "identifier", "uri", "title", "creator", "publisher", "version", "statusStartDate", "lastChangeDateTime",
    "caseVersion", "CFPackageURI", "extensions",
}  # fmt: skip
_ITEM_MAPPED = {
    "identifier", "uri", "fullStatement", "abbreviatedStatement", "humanCodingScheme", "lastChangeDateTime",
    "CFDocumentURI", "CFItemAssociationURI", "extensions",
}  # fmt: skip
_ITEM_TYPE_FIELDS = {"CFItemType", "CFItemTypeURI"}


# ---- anchors as text: shared with the exporter ----------------------------------------------------------


def render_anchors(anchors: list[str]) -> str:
    """Anchors as a CASE level description: one "- " line per anchor."""
    return "\n".join(f"- {anchor}" for anchor in anchors)


def parse_anchors(text: str) -> list[str]:
    """A level description as anchors: a bulleted list gives one anchor per bullet, other text one anchor."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    if all(line.startswith(_BULLETS) for line in lines):
        return [anchor for line in lines if (anchor := line[2:].strip())]
    return [text.strip()]


# ---- reading the package ---------------------------------------------------------------------------------


class _Unreadable(Exception):
    pass


def _load(source: Path) -> dict:
    try:
        package = json.loads(source.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise _Unreadable(f"cannot read the file: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Unreadable(f"not a JSON CASE package: {exc}") from exc
    if not isinstance(package, dict):
        raise _Unreadable("not a CASE package: the JSON top level is not an object")
    if "CFDocument" not in package and isinstance(package.get("CFPackage"), dict):
        package = package["CFPackage"]
    if not isinstance(package.get("CFDocument"), dict):
        raise _Unreadable("not a CASE package: no CFDocument object at the top level")
    return package


def _key(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(package: dict, name: str, report: ImportReport) -> list:
    value = package.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        report.add("error", name, f"{name} is not a list: ignored")
        return []
    return value


def _extension(obj: dict) -> dict:
    """The "coachwire" extension object; CFRubricCriterionLevel.extensions is a list of objects in CASE 1.1."""
    raw = obj.get("extensions")
    for candidate in raw if isinstance(raw, list) else [raw]:
        if isinstance(candidate, dict) and isinstance(candidate.get(EXTENSION_KEY), dict):
            return candidate[EXTENSION_KEY]
    return {}


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def _sanitize(value: str) -> str:
    cleaned = _NOT_IDENTIFIER.sub("_", value.strip())
    cleaned = re.sub(r"^[^A-Za-z0-9]+", "", cleaned)
    return cleaned[:IDENTIFIER_MAX].rstrip("_.:-")


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _int(value: Any, low: int, high: int) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else None


@dataclass
class _Item:
    index: int
    identifier: str  # as written in the source
    raw: dict
    where: str
    parents: list[str] = field(default_factory=list)  # keys of parent items, in association order
    children: list[str] = field(default_factory=list)
    to_document: bool = False

    @property
    def label(self) -> str:
        for name in ("abbreviatedStatement", "fullStatement", "humanCodingScheme"):
            if text := _text(self.raw.get(name)):
                return text
        return self.identifier


@dataclass
class _Criterion:
    where: str
    levels: list[dict]  # ordered lowest to highest proficiency
    order: str  # how the order was decided


# ---- the import ------------------------------------------------------------------------------------------


def import_case(source: Path, options: ImportOptions) -> ImportResult:
    report = ImportReport(source=str(source), standard=STANDARD)
    try:
        package = _load(Path(source))
    except _Unreadable as exc:
        report.add("error", str(source), str(exc))
        return ImportResult(data={}, report=report)
    data = _Import(package, options, report).run()
    framework = _validate(data, report)
    report.mapped["valid"] = int(framework is not None)
    return ImportResult(data=data, report=report, framework=framework)


def _validate(data: dict, report: ImportReport) -> Framework | None:
    try:
        return Framework.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = ".".join(str(part) for part in error["loc"]) or "(top level)"
            report.add("error", "framework", f"does not validate: {loc}: {error['msg']}")
        return None


class _Import:
    def __init__(self, package: dict, options: ImportOptions, report: ImportReport) -> None:
        self.package = package
        self.options = options
        self.report = report
        self.document: dict = package["CFDocument"]
        self.doc_key = _key(self.document.get("identifier"))
        self.items: dict[str, _Item] = {}
        self.by_uri: dict[str, str] = {}
        self.criteria: dict[str, _Criterion] = {}

    # -- entry point

    def run(self) -> dict:
        report = self.report
        for name in sorted(set(self.package) - _PACKAGE_KEYS):
            report.add("info", name, f"{name} is not part of a CASE CFPackage: ignored")
        self._read_items()
        associations = _list(self.package, "CFAssociations", report)
        self._read_hierarchy(associations)
        self._read_rubrics()

        skills = [item for item in self.items.values() if self._is_skill(item)]
        groupings = len(self.items) - len(skills)
        skill_ids = self._skill_ids(skills)
        scale, levels_by_skill = self._levels(skills, skill_ids)
        categories = self._categories(skills, skill_ids)

        skill_rows = []
        defaulted_criticality = 0
        ext_skill_ids: dict[str, str] = {}
        for item in skills:
            sid = skill_ids[self._key(item)]
            ext = _extension(item.raw)
            if isinstance(ext.get("skill_id"), str):
                ext_skill_ids[ext["skill_id"]] = sid
            criticality = _int(ext.get("criticality"), 1, 3)
            if criticality is None:
                defaulted_criticality += 1
                criticality = DEFAULT_CRITICALITY
            name, description = self._name_and_description(item, sid, ext)
            skill_rows.append(
                {
                    "skill_id": sid,
                    "name": name,
                    "description": description,
                    "category": categories[self._key(item)],
                    "criticality": criticality,
                    "levels": levels_by_skill[self._key(item)],
                }
            )
        if defaulted_criticality:
            report.add(
                "info",
                "CFItems",
                f"criticality is not part of CASE: {defaulted_criticality} skill(s) set to {DEFAULT_CRITICALITY} "
                "(important); review them in the framework file",
            )
        prerequisites = self._prerequisites(associations, skill_ids, len(scale))
        for row in skill_rows:
            if row["skill_id"] in prerequisites:  # the key is optional: left out when empty, as people write it
                row["prerequisites"] = prerequisites[row["skill_id"]]
        roles = self._roles(ext_skill_ids, {row["skill_id"] for row in skill_rows})
        if not skill_rows:
            report.add("error", "CFItems", "the package has no CFItems, so the framework has no skills")

        data = self._metadata()
        data.update({"scale": scale, "skills": skill_rows, "roles": roles})
        report.mapped.update(
            {
                "cf_items": len(self.items),
                "skills": len(skill_rows),
                "category_items": groupings,
                "categories": len({row["category"] for row in skill_rows}),
                "rubric_criteria": sum(1 for item in skills if self._key(item) in self.criteria),
                "skill_levels": sum(len(row["levels"]) for row in skill_rows),
                "anchors": sum(len(level["anchors"]) for row in skill_rows for level in row["levels"]),
                "prerequisites": sum(len(row.get("prerequisites", [])) for row in skill_rows),
                "roles": len(roles),
            }
        )
        return data

    def _is_skill(self, item: _Item) -> bool:
        if self._key(item) in self.criteria:
            return True
        if item.children:
            return False
        if _extension(item.raw).get("kind") == "category":  # an exported category whose skills were deleted
            self.report.add("info", item.where, "category item without skills: ignored")
            return False
        return True

    @staticmethod
    def _key(item: _Item) -> str:
        return item.identifier.lower()

    # -- items and the isChildOf hierarchy

    def _read_items(self) -> None:
        unmapped: Counter[str] = Counter()
        typed = 0
        for index, raw in enumerate(_list(self.package, "CFItems", self.report)):
            where = f"CFItems[{index}]"
            if not isinstance(raw, dict):
                self.report.add("error", where, "not an object: ignored")
                continue
            key = _key(raw.get("identifier"))
            if key is None:
                self.report.add("error", where, "CFItem without an identifier: ignored (nothing can refer to it)")
                continue
            if key in self.items:
                self.report.add("warning", f"CFItems/{raw['identifier']}", "duplicate CFItem identifier: ignored")
                continue
            identifier = raw["identifier"].strip()
            if not _text(raw.get("fullStatement")):
                self.report.add("warning", f"CFItems/{identifier}", "CFItem without a fullStatement")
            self.items[key] = _Item(index, identifier, raw, f"CFItems/{identifier}")
            if uri := _key(raw.get("uri")):
                self.by_uri[uri] = key
            unmapped.update(name for name in raw if name not in _ITEM_MAPPED | _ITEM_TYPE_FIELDS)
            typed += any(name in raw for name in _ITEM_TYPE_FIELDS)
        for name, count in sorted(unmapped.items()):
            self.report.add(
                "info", f"CFItems.{name}", f"{name} ({count} item(s)) not mapped: Coachwire skills have no such field"
            )
        if typed:
            self.report.add(
                "info",
                "CFItems.CFItemType",
                f"CFItemType ({typed} item(s)) not used: skills are the leaves of the isChildOf tree and the items "
                "a rubric criterion points at; the other items are categories",
            )
        if (uri := _key(self.document.get("uri"))) and self.doc_key:
            self.by_uri.setdefault(uri, self.doc_key)

    def _node(self, node: Any) -> str | None:
        """The key of the item or document an association end (LinkGenURI, or a bare URI in drafts) names."""
        identifier = uri = None
        if isinstance(node, dict):
            identifier, uri = _key(node.get("identifier")), _key(node.get("uri"))
        elif isinstance(node, str):
            uri = _key(node)
        known = set(self.items) | ({self.doc_key} if self.doc_key else set())
        if identifier and identifier in known:
            return identifier
        if uri in self.by_uri:
            return self.by_uri[uri]
        found = _UUID.findall(uri or "")
        if found and found[-1].lower() in known:
            return found[-1].lower()
        return identifier or uri

    def _read_hierarchy(self, associations: list) -> None:
        unmapped: Counter[str] = Counter()
        for index, association in enumerate(associations):
            if not isinstance(association, dict):
                self.report.add("error", f"CFAssociations[{index}]", "not an object: ignored")
                continue
            kind = association.get("associationType")
            if kind == "precedes":
                continue  # read once the skills are known
            if kind != "isChildOf":
                unmapped[str(kind)] += 1
                continue
            where = _where("CFAssociations", association, index)
            child, parent = (
                self._node(association.get("originNodeURI")),
                self._node(association.get("destinationNodeURI")),
            )
            if child not in self.items:
                self.report.add("warning", where, "isChildOf from a node that is not a CFItem of this package: ignored")
            elif parent is not None and parent == self.doc_key:
                self.items[child].to_document = True
            elif parent in self.items and parent != child:
                if parent not in self.items[child].parents:
                    self.items[child].parents.append(parent)
                    self.items[parent].children.append(child)
            else:
                self.report.add(
                    "warning", where, "isChildOf points outside this package: the item is treated as top level"
                )
        for kind, count in sorted(unmapped.items()):
            self.report.add(
                "info",
                f"CFAssociations.{kind}",
                f"{count} {kind} association(s) not mapped: a Coachwire framework only keeps the isChildOf hierarchy "
                "and precedes (prerequisites)",
            )

    # -- rubrics

    def _read_rubrics(self) -> None:
        feedback = 0
        for r_index, rubric in enumerate(_list(self.package, "CFRubrics", self.report)):
            r_where = f"CFRubrics[{r_index}]"
            if not isinstance(rubric, dict):
                self.report.add("error", r_where, "not an object: ignored")
                continue
            criteria = rubric.get("CFRubricCriteria") or []
            if not isinstance(criteria, list):
                self.report.add("error", f"{r_where}.CFRubricCriteria", "not a list: ignored")
                continue
            for c_index, criterion in enumerate(criteria):
                where = f"{r_where}.CFRubricCriteria[{c_index}]"
                if not isinstance(criterion, dict):
                    self.report.add("error", where, "not an object: ignored")
                    continue
                target = self._node(criterion.get("CFItemURI"))
                if target not in self.items:
                    self.report.add(
                        "warning", where, "criterion does not point at a CFItem of this package (CFItemURI): ignored"
                    )
                    continue
                if target in self.criteria:
                    self.report.add(
                        "warning",
                        where,
                        f"a second criterion for {self.items[target].where}: ignored, the levels come from "
                        f"{self.criteria[target].where}",
                    )
                    continue
                raw_levels = criterion.get("CFRubricCriterionLevels") or []
                levels = (
                    [level for level in raw_levels if isinstance(level, dict)] if isinstance(raw_levels, list) else []
                )
                feedback += sum(1 for level in levels if _text(level.get("feedback")))
                ordered, order = _order_levels(levels)
                self.criteria[target] = _Criterion(where, ordered, order)
                if order != "score" and len(ordered) > 1:
                    self.report.add(
                        "info", where, f"levels ordered by {order} (scores missing or tied): lowest proficiency first"
                    )
        if feedback:
            self.report.add(
                "info",
                "CFRubricCriterionLevels.feedback",
                f"feedback ({feedback} level(s)) not mapped: it is guidance for the person assessed, not an observable "
                "behaviour, so it is not used as an anchor",
            )

    def _levels(self, skills: list[_Item], skill_ids: dict[str, str]) -> tuple[list[dict], dict[str, list[dict]]]:
        sizes = Counter(len(c.levels) for i in skills if (c := self.criteria.get(self._key(i))) and c.levels)
        fitting = [(count, size) for size, count in sizes.items() if 3 <= size <= 5]
        requested = self.options.scale_levels
        fallback = requested if requested in (3, 4, 5) else 4
        if requested is not None and requested != fallback:
            self.report.add("warning", "options.scale_levels", f"scale_levels {requested} is outside 3-5: 4 used")
        if fitting:
            top = max(fitting)[1]
            if len(sizes) > 1:
                self.report.add(
                    "warning",
                    "CFRubrics",
                    "criteria have different numbers of levels "
                    f"({', '.join(f'{n} levels: {c}' for n, c in sorted(sizes.items()))}): the {top}-level scale is "
                    "used and the others are mapped onto it",
                )
        else:
            top = fallback
            if sizes:
                self.report.add(
                    "warning",
                    "CFRubrics",
                    f"no criterion has 3-5 levels ({', '.join(str(n) for n in sorted(sizes))}): the levels are mapped "
                    f"onto a {top}-level scale",
                )
            else:
                self.report.add(
                    "warning",
                    "CFRubrics",
                    f"the package has no CFRubrics linked to its items: a {top}-level scale with placeholder names "
                    "(Level 1..) is used; rename the levels and add anchors",
                )

        naming = [c for i in skills if (c := self.criteria.get(self._key(i))) and len(c.levels) == top]
        if sizes and not naming:
            self.report.add(
                "warning",
                "CFRubrics",
                f"no criterion has exactly {top} levels to name the scale: placeholder names (Level 1..) are used",
            )
        names: dict[int, Counter[str]] = {level: Counter() for level in range(1, top + 1)}
        for criterion in naming:
            for number, level in enumerate(criterion.levels, start=1):
                if quality := _text(level.get("quality")):
                    names[number][quality] += 1
        scale = []
        for number in range(1, top + 1):
            if not names[number]:
                name = f"Level {number}"
                if naming:
                    self.report.add(
                        "warning", "CFRubricCriterionLevels.quality", f"no quality names level {number}: '{name}' used"
                    )
            else:
                name = names[number].most_common(1)[0][0]
                if len(names[number]) > 1:
                    self.report.add(
                        "warning",
                        "CFRubricCriterionLevels.quality",
                        f"level {number} has different quality names "
                        f"({', '.join(f'{q!r}: {c}' for q, c in names[number].most_common())}): {name!r} used",
                    )
                if len(name) > LEVEL_NAME_MAX:
                    self.report.add(
                        "warning", "CFRubricCriterionLevels.quality", f"level {number} name shortened to 60 characters"
                    )
                    name = _shorten(name, LEVEL_NAME_MAX)
            scale.append({"level": number, "name": name})

        by_skill = {}
        for item in skills:
            by_skill[self._key(item)] = self._skill_levels(item, skill_ids[self._key(item)], top)
        return scale, by_skill

    def _skill_levels(self, item: _Item, sid: str, top: int) -> list[dict]:
        criterion = self.criteria.get(self._key(item))
        if criterion is None or not criterion.levels:
            why = (
                "no CFRubric criterion points at this item"
                if criterion is None
                else "its rubric criterion has no levels"
            )
            self.report.add(
                "error",
                item.where,
                f"skill {sid}: {why}, so the source has no behavioural anchors for levels 1-{top}; "
                "add them to the framework file (none were invented)",
            )
            return []
        count = len(criterion.levels)
        if count == 1:
            self.report.add(
                "error",
                criterion.where,
                f"skill {sid}: a single criterion level cannot be placed on a {top}-level scale; add anchors for "
                f"levels 1-{top} (none were invented)",
            )
            return []
        targets = [_target(number, count, top) for number in range(1, count + 1)]
        if count != top:
            pairs = ", ".join(f"{n}→{t}" for n, t in enumerate(targets, start=1))
            self.report.add(
                "warning", criterion.where, f"skill {sid}: {count} rubric levels mapped onto 1-{top}: {pairs}"
            )
        anchors: dict[int, list[str]] = {number: [] for number in range(1, top + 1)}
        for position, (level, target) in enumerate(zip(criterion.levels, targets, strict=True), start=1):
            anchors[target].extend(self._anchors(level, f"{criterion.where}.CFRubricCriterionLevels[{position - 1}]"))
        missing = [number for number, found in anchors.items() if not found]
        if missing:
            self.report.add(
                "error",
                criterion.where,
                f"skill {sid}: no behavioural anchors in the source for level(s) {', '.join(map(str, missing))} "
                "(criterion levels without a description, or fewer levels than the scale); add them to the framework "
                "file (none were invented)",
            )
        return [{"level": number, "anchors": found} for number, found in anchors.items() if found]

    def _anchors(self, level: dict, where: str) -> list[str]:
        description = level.get("description") if isinstance(level.get("description"), str) else ""
        exact = _extension(level).get("anchors")
        if isinstance(exact, list) and exact and all(isinstance(a, str) and a.strip() for a in exact):
            if render_anchors(exact) == description:
                return [a.strip() for a in exact]
            self.report.add(
                "info", where, "the description was changed after export: anchors read from it, extension ignored"
            )
        return parse_anchors(description)

    # -- identifiers, names, categories

    def _skill_ids(self, skills: list[_Item]) -> dict[str, str]:
        codes = Counter(_text(item.raw.get("humanCodingScheme")) for item in skills)
        taken: set[str] = set()
        ids = {}
        for item in skills:
            code = _text(item.raw.get("humanCodingScheme"))
            if code and codes[code] == 1 and _IDENTIFIER.match(code) and len(code) <= IDENTIFIER_MAX:
                candidate, why = code, ""
            elif code and codes[code] == 1 and (cleaned := _sanitize(code)) and cleaned not in taken:
                candidate, why = cleaned, f"humanCodingScheme {code!r} is not a valid identifier"
            elif code and codes[code] > 1:
                candidate, why = _sanitize(item.identifier), f"humanCodingScheme {code!r} is used by several items"
            else:
                candidate, why = _sanitize(item.identifier), "the item has no humanCodingScheme"
            if not candidate or candidate in taken:
                candidate = f"item_{item.index}"
            taken.add(candidate)
            ids[self._key(item)] = candidate
            if why:
                self.report.add("info", item.where, f"skill_id {candidate!r}: {why}")
        return ids

    def _name_and_description(self, item: _Item, sid: str, ext: dict) -> tuple[str, str]:
        full = _text(item.raw.get("fullStatement"))
        short = _text(item.raw.get("abbreviatedStatement"))
        name = short or full or _text(item.raw.get("humanCodingScheme")) or sid
        if len(name) > NAME_MAX:
            self.report.add(
                "info",
                item.where,
                f"skill {sid}: name shortened to {NAME_MAX} characters; the full statement is the description",
            )
            name = _shorten(name, NAME_MAX)
        description = full if full != name else ""
        exact = ext.get("description")
        if isinstance(exact, str) and exact.strip() and exact.strip() == full:
            description = exact.strip()
        return name, description

    def _categories(self, skills: list[_Item], skill_ids: dict[str, str]) -> dict[str, str]:
        parents: dict[str, str | None] = {}
        for item in skills:
            if len(item.parents) > 1:
                self.report.add(
                    "warning",
                    item.where,
                    f"skill {skill_ids[self._key(item)]} is a child of {len(item.parents)} items: the category comes "
                    f"from the first ({self.items[item.parents[0]].where})",
                )
            parents[self._key(item)] = item.parents[0] if item.parents else None
        labels = {key: _shorten(self.items[key].label, CATEGORY_MAX) for key in set(parents.values()) if key}
        clashes = Counter(labels.values())
        for key, label in list(labels.items()):
            grand = self.items[key].parents
            if clashes[label] > 1 and grand:
                labels[key] = _shorten(f"{self.items[grand[0]].label} / {self.items[key].label}", CATEGORY_MAX)
                self.report.add(
                    "info", self.items[key].where, f"category {label!r} is used by several items: named {labels[key]!r}"
                )
        shortened = [key for key in labels if len(self.items[key].label) > CATEGORY_MAX]
        for key in shortened:
            self.report.add("info", self.items[key].where, f"category name shortened to {CATEGORY_MAX} characters")
        top_level = _shorten(_text(self.document.get("title")) or "General", CATEGORY_MAX)
        orphans = [key for key, parent in parents.items() if parent is None]
        if orphans:
            self.report.add(
                "info",
                "CFItems",
                f"{len(orphans)} skill(s) sit directly under the CFDocument: category {top_level!r} (its title)",
            )
        return {key: labels[parent] if parent else top_level for key, parent in parents.items()}

    # -- precedes → prerequisites

    def _prerequisites(self, associations: list, skill_ids: dict[str, str], top: int) -> dict[str, list[dict]]:
        result: dict[str, list[dict]] = {}
        for index, association in enumerate(associations):
            if not isinstance(association, dict) or association.get("associationType") != "precedes":
                continue
            where = _where("CFAssociations", association, index)
            before = self._node(association.get("originNodeURI"))
            after = self._node(association.get("destinationNodeURI"))
            if before not in skill_ids or after not in skill_ids:
                ends = [
                    "outside this package" if key not in self.items else "a category item"
                    for key in (before, after)
                    if key not in skill_ids
                ]
                self.report.add(
                    "warning", where, f"precedes not mapped: an end is {' and '.join(ends)}, not a skill of this import"
                )
                continue
            if before == after:
                self.report.add("warning", where, "precedes from a skill to itself: ignored")
                continue
            level = _int(_extension(association).get("level"), 1, top)
            if level is None:
                level = DEFAULT_PREREQUISITE_LEVEL
                self.report.add(
                    "warning",
                    where,
                    f"{skill_ids[before]} precedes {skill_ids[after]}: prerequisite at level {level} (CASE gives no "
                    "level); review it",
                )
            rows = result.setdefault(skill_ids[after], [])
            if all(row["skill_id"] != skill_ids[before] for row in rows):
                rows.append({"skill_id": skill_ids[before], "level": level})
        return result

    # -- roles (only from the Coachwire extension)

    def _roles(self, ext_skill_ids: dict[str, str], known: set[str]) -> list[dict]:
        where = f"CFDocument.extensions.{EXTENSION_KEY}.roles"
        raw = _extension(self.document).get("roles")
        if not isinstance(raw, list) or not raw:
            self.report.add(
                "error",
                "CFDocument",
                "CASE has no roles, career stages or benchmarks: add at least one role with its stages and benchmarks "
                "to the framework file before it validates",
            )
            return []
        roles = []
        for r_index, role in enumerate(raw):
            if not isinstance(role, dict):
                self.report.add("warning", f"{where}[{r_index}]", "not an object: ignored")
                continue
            role = dict(role)
            stages = []
            for stage in role.get("stages") or []:
                if not isinstance(stage, dict):
                    continue
                stage = dict(stage)
                benchmarks = {}
                for skill_id, level in (stage.get("benchmarks") or {}).items():
                    target = ext_skill_ids.get(skill_id, skill_id)
                    if target in known:
                        benchmarks[target] = level
                    else:
                        self.report.add(
                            "warning",
                            f"{where}[{r_index}]",
                            f"benchmark for unknown skill {skill_id} at stage {stage.get('stage')}: dropped",
                        )
                stage["benchmarks"] = benchmarks
                stages.append(stage)
            role["stages"] = stages
            roles.append(role)
        return roles

    # -- framework metadata

    def _metadata(self) -> dict:
        doc, report, options = self.document, self.report, self.options
        ext = _extension(doc)
        data: dict[str, Any] = {}
        title = _text(doc.get("title"))

        if options.framework_id and _IDENTIFIER.match(options.framework_id):
            data["framework_id"] = options.framework_id
        else:
            if options.framework_id:
                report.add("warning", "options", f"framework_id {options.framework_id!r} is not a valid identifier")
            if isinstance(ext.get("framework_id"), str) and _IDENTIFIER.match(ext["framework_id"]):
                data["framework_id"] = ext["framework_id"]
            elif slug := re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:IDENTIFIER_MAX].rstrip("_"):
                data["framework_id"] = slug
                report.add("info", "CFDocument.title", f"framework_id {slug!r} derived from the title")
            elif fallback := _sanitize(_text(doc.get("identifier"))):
                data["framework_id"] = fallback
                report.add("info", "CFDocument.identifier", f"framework_id {fallback!r} is the document identifier")
            else:
                report.add("error", "CFDocument", "no title or identifier to derive a framework_id from")

        changed = _text(doc.get("lastChangeDateTime"))
        if options.version:
            data["version"] = options.version
        elif version := _text(doc.get("version")):
            data["version"] = version
        elif changed_day := _date(changed):
            data["version"] = changed_day.isoformat()
            report.add("warning", "CFDocument.version", f"no version: the lastChangeDateTime date {changed_day} used")
        else:
            report.add("error", "CFDocument.version", "no version or lastChangeDateTime to version the framework by")

        if title:
            data["name"] = title
        else:
            report.add("error", "CFDocument.title", "no title: the framework has no name")
        if creator := _text(doc.get("creator")):
            data["owner"] = creator
        elif publisher := _text(doc.get("publisher")):
            data["owner"] = publisher
            report.add("info", "CFDocument.publisher", "no creator: the publisher is the owner")
        else:
            report.add("error", "CFDocument.creator", "no creator: the framework has no owner")

        if start := _date(doc.get("statusStartDate")):
            data["effective_date"] = start.isoformat()
        elif changed_day := _date(changed):
            data["effective_date"] = changed_day.isoformat()
            report.add("info", "CFDocument.lastChangeDateTime", "no statusStartDate: effective from the last change")
        else:
            report.add("error", "CFDocument", "no statusStartDate or lastChangeDateTime: no effective date")

        case_version = doc.get("caseVersion")
        if case_version is None:
            report.add("info", "CFDocument.caseVersion", "no caseVersion: read as a CASE 1.0 package")
        elif case_version != "1.1":
            report.add("warning", "CFDocument.caseVersion", f"caseVersion {case_version!r}: read as CASE 1.1")
        unmapped = sorted(name for name in doc if name not in _DOCUMENT_MAPPED)
        if unmapped:
            report.add("info", "CFDocument", f"not mapped (no framework field for them): {', '.join(unmapped)}")
        definitions = self.package.get("CFDefinitions")
        if isinstance(definitions, dict) and any(definitions.get(name) for name in definitions):
            report.add("info", "CFDefinitions", "not mapped: subjects, concepts, licences and item types are not kept")
        return data


def _where(collection: str, obj: dict, index: int) -> str:
    identifier = _text(obj.get("identifier"))
    return f"{collection}/{identifier}" if identifier else f"{collection}[{index}]"


def _order_levels(levels: list[dict]) -> tuple[list[dict], str]:
    for name in ("score", "position"):
        values = [level.get(name) for level in levels]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        if numeric and len(set(values)) == len(values):
            return sorted(levels, key=lambda level, name=name: level[name]), name
    return list(levels), "document order"


def _target(number: int, count: int, top: int) -> int:
    """Level `number` of `count` on a 1..top scale: ends stay ends, the rest spread evenly (rounding half up)."""
    return ((number - 1) * (top - 1) * 2 + (count - 1)) // (2 * (count - 1)) + 1
