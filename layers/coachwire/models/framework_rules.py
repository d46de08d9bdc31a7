"""The cross-reference rules of a competency framework document, implemented once: the Framework model's own
validator calls `consistency_problems`, and `coachwire.frameworks.validate` reports the same problems with paths,
codes and lines for files. Pure functions over the document (a dict), so the model can use them without a cycle.

Paths name items by their id: ``roles[eng.software_engineer].stages[senior].benchmarks[eng.testing]``.
``.name`` is a field, ``[id]`` a list item by its id (skills by skill_id, roles by role_id, stages by
stage, scale entries, anchor entries and prerequisites by level / skill_id) or a key of the benchmarks
map, and ``[#3]`` a list item by its 0-based position when it has no usable or unique id. Each problem
also carries a JSON Pointer (RFC 6901) into the document and, for files, the line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Stable machine codes. Documented in docs/frameworks.md; tests check the two lists agree.
CODES: dict[str, str] = {
    "syntax": "the file is not well-formed YAML or JSON (or not UTF-8)",
    "duplicate_key": "a mapping repeats a key (parsers silently keep the last value)",
    "schema": "shape or type: a missing or unknown field, a wrong type, an invalid id, a value out of range",
    "scale_levels": "the scale's levels are not 1..N in order",
    "duplicate_id": "an id used twice: skill, role, stage within a role, scale level, anchor level, prerequisite",
    "missing_anchors": "a level of the scale without behavioural anchors for a skill, or a blank anchor",
    "label_anchor": "an anchor that is only a label (a level name, the skill name, 'Level 3'), not a behaviour",
    "level_outside_scale": "a level (anchors, benchmark, prerequisite) that is not on the scale",
    "unknown_skill": "a benchmark or prerequisite names a skill the framework does not define",
    "duplicate_order": "two stages of a role have the same order, so which is higher is undefined",
    "benchmark_drops": "a benchmark is lower than at an earlier career stage of the same role",
    "prerequisite_cycle": "skills that are (directly or indirectly) prerequisites of themselves",
}

ROOT_PATH = "(document)"
ID_FIELDS = {
    "skills": "skill_id",
    "roles": "role_id",
    "stages": "stage",
    "scale": "level",
    "levels": "level",
    "prerequisites": "skill_id",
}
MAP_FIELDS = frozenset({"benchmarks"})
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    file: str
    path: str  # e.g. roles[swe].stages[senior].benchmarks[design]; "(document)" for the whole file
    code: str  # one of CODES
    message: str
    pointer: str = ""  # RFC 6901 JSON Pointer to the element (or the nearest one that exists)
    line: int | None = None
    column: int | None = None
    loc: Loc = field(default=(), repr=False, compare=False)  # the pointer as a tuple

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "pointer": self.pointer,
            "code": self.code,
            "message": self.message,
        }

    def text(self) -> str:
        """``FILE[:LINE[:COL]]: PATH: message [code]`` (the line form editors and CI annotate)."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.path}: {self.message} [{self.code}]"


# -- entry points ----------------------------------------------------------------------------------


def consistency_problems(data: dict, source: str = "") -> list[Problem]:
    """The cross-reference problems of a document whose shape is valid (the model calls this)."""
    return [to_problem(data, source, issue) for issue in consistency_issues(data)]


# -- paths -----------------------------------------------------------------------------------------


def render_path(data: Any, loc: Iterable[str | int]) -> str:
    """The human path of `loc` in `data` (see the module docstring)."""
    out = ""
    node: Any = data
    parent: str | int | None = None
    for seg in loc:
        if isinstance(seg, int) and not isinstance(node, dict):
            label = _item_label(node, seg, parent) if isinstance(node, list) else f"#{seg}"
            out += f"[{label}]"
            node = node[seg] if isinstance(node, list) and 0 <= seg < len(node) else None
        else:
            out += f"[{seg}]" if parent in MAP_FIELDS else (f".{seg}" if out else str(seg))
            node = node.get(seg) if isinstance(node, dict) else None
        parent = seg
    return out or ROOT_PATH


def json_pointer(loc: Iterable[str | int]) -> str:
    return "".join("/" + str(seg).replace("~", "~0").replace("/", "~1") for seg in loc)


def _item_label(items: list, index: int, list_key: str | int | None) -> str:
    id_field = ID_FIELDS.get(list_key) if isinstance(list_key, str) else None
    if id_field and 0 <= index < len(items):
        ident = _label_id(items[index], id_field)
        if ident is not None and sum(_label_id(other, id_field) == ident for other in items) == 1:
            return ident
    return f"#{index}"


def _label_id(item: Any, id_field: str) -> str | None:
    value = item.get(id_field) if isinstance(item, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        value = value.strip()
        if value and not re.search(r"[\[\]\s]", value):
            return value
    return None


# -- schema (pydantic) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    loc: Loc
    code: str
    message: str
    suffix: str = ""  # appended to the rendered path, for an item that does not exist (levels[4])


def to_problem(data: Any, source: str, issue: Issue) -> Problem:
    return Problem(
        file=source,
        path=render_path(data, issue.loc) + issue.suffix,
        code=issue.code,
        message=issue.message,
        pointer=json_pointer(issue.loc),
        loc=issue.loc,
    )


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    """`value` as the model reads an int ("3" and 3.0 are 3), or None if it cannot be one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str | float | bool):
        return None
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(int).validate_python(value)
    except ValidationError:
        return None


def _id(item: Any, name: str) -> str | None:
    value = item.get(name) if isinstance(item, dict) else None
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


_LEVEL_LABEL = re.compile(r"(level|lvl|l)?\s*[1-5]")


def _is_label(text: str, labels: set[str]) -> bool:
    norm = " ".join(text.casefold().strip(" .:;!-").split())
    return norm in labels or bool(_LEVEL_LABEL.fullmatch(norm))


def consistency_issues(data: Any) -> list[Issue]:
    if not isinstance(data, dict):
        return []
    issues: list[Issue] = []
    scale = _Scale.check(_list(data.get("scale")), issues)
    skills = _list(data.get("skills"))
    first_index: dict[str, int] = {}
    for i, skill in enumerate(skills):
        sid = _id(skill, "skill_id")
        if sid is None:
            continue
        if sid in first_index:
            message = f"skill id '{sid}' is already used by {render_path(data, ('skills', first_index[sid]))}"
            issues.append(Issue(("skills", i, "skill_id"), "duplicate_id", message))
        else:
            first_index[sid] = i
    known = set(first_index)
    edges: list[tuple[str, str, int, int]] = []  # (skill, prerequisite, skill index, prerequisite index)
    for i, skill in enumerate(skills):
        if isinstance(skill, dict):
            _check_anchors(skill, i, scale, issues)
            edges += _check_prerequisites(skill, i, scale, known, issues)
    issues += _cycles(edges, first_index)
    seen_roles: dict[str, int] = {}
    for r, role in enumerate(_list(data.get("roles"))):
        rid = _id(role, "role_id")
        if rid is not None:
            if rid in seen_roles:
                message = f"role id '{rid}' is already used by {render_path(data, ('roles', seen_roles[rid]))}"
                issues.append(Issue(("roles", r, "role_id"), "duplicate_id", message))
            else:
                seen_roles[rid] = r
        if isinstance(role, dict):
            _check_stages(role, r, scale, known, issues)
    return issues


@dataclass
class _Scale:
    """The scale other levels are checked against: 1..top, top being the highest level declared (so a gap in
    the scale is reported once, as `scale_levels`, not again at every anchor and benchmark)."""

    names: dict[int, str]  # level → name, for the levels the scale declares (1..5)

    @property
    def top(self) -> int:
        return max(self.names, default=0)

    @property
    def usable(self) -> bool:
        return self.top > 0

    def contains(self, level: int) -> bool:
        return 1 <= level <= (self.top or 5)

    def describe(self) -> str:
        return f"the scale 1..{self.top}" if self.usable else "the levels 1..5 a scale can have"

    def name(self, level: int) -> str:
        name = self.names.get(level)
        return f"level {level} ({name})" if name else f"level {level}"

    @classmethod
    def check(cls, entries: list, issues: list[Issue]) -> _Scale:
        levels: dict[int, str] = {}
        in_file_order: list[tuple[int, int]] = []  # (position, level)
        for i, entry in enumerate(entries):
            level = _int(entry.get("level")) if isinstance(entry, dict) else None
            if level is None or not 1 <= level <= 5:
                continue  # the schema reports it
            if level in levels:
                issues.append(Issue(("scale", i, "level"), "duplicate_id", f"level {level} is on the scale twice"))
                continue
            name = entry.get("name")
            levels[level] = name.strip() if isinstance(name, str) else ""
            in_file_order.append((i, level))
        declared = sorted(levels)
        missing = [n for n in range(1, (declared[-1] if declared else 0) + 1) if n not in levels]
        if missing:
            listed = ", ".join(map(str, missing))
            message = f"levels must be 1..N without gaps: no level {listed} on the scale"
            issues.append(Issue(("scale",), "scale_levels", message))
        else:
            for (pos, level), expected in zip(in_file_order, declared, strict=True):
                if level != expected:
                    message = f"levels must be listed in order 1..N: expected level {expected} here, found {level}"
                    issues.append(Issue(("scale", pos, "level"), "scale_levels", message))
                    break
        return cls(levels)


def _check_anchors(skill: dict, i: int, scale: _Scale, issues: list[Issue]) -> None:
    levels = skill.get("levels")
    if not isinstance(levels, list):
        return
    skill_name = skill.get("name")
    labels = {" ".join(n.casefold().split()) for n in scale.names.values() if n}
    if isinstance(skill_name, str) and skill_name.strip():
        labels.add(" ".join(skill_name.casefold().split()))
    anchored: dict[int, int] = {}
    for j, entry in enumerate(levels):
        level = _int(entry.get("level")) if isinstance(entry, dict) else None
        if level is None:
            continue
        here = ("skills", i, "levels", j)
        if not scale.contains(level):
            message = f"anchors for level {level}, which is outside {scale.describe()}"
            issues.append(Issue((*here, "level"), "level_outside_scale", message))
            continue
        if level in anchored:
            issues.append(Issue((*here, "level"), "duplicate_id", f"level {level} has a second set of anchors"))
            continue
        anchored[level] = j
        anchors = entry.get("anchors")
        if anchors is None or anchors == []:
            message = f"{scale.name(level)} has no behavioural anchors: list what someone at this level is seen doing"
            issues.append(Issue((*here, "anchors"), "missing_anchors", message))
            continue
        for k, text in enumerate(_list(anchors)):
            if not isinstance(text, str):
                continue
            if not text.strip():
                issues.append(Issue((*here, "anchors", k), "missing_anchors", "the anchor is blank"))
            elif _is_label(text, labels):
                message = f"'{text.strip()}' is a label, not a behaviour: say what someone at this level is seen doing"
                issues.append(Issue((*here, "anchors", k), "label_anchor", message))
    if scale.usable:
        for level in sorted(set(range(1, scale.top + 1)) - set(anchored)):
            message = f"no behavioural anchors for {scale.name(level)}: every level of the scale needs them"
            issues.append(Issue(("skills", i, "levels"), "missing_anchors", message, suffix=f"[{level}]"))


def _check_prerequisites(
    skill: dict, i: int, scale: _Scale, known: set[str], issues: list[Issue]
) -> list[tuple[str, str, int, int]]:
    sid = _id(skill, "skill_id")
    edges = []
    seen: set[str] = set()
    for k, prereq in enumerate(_list(skill.get("prerequisites"))):
        if not isinstance(prereq, dict):
            continue
        here = ("skills", i, "prerequisites", k)
        pid = _id(prereq, "skill_id")
        if pid is not None:
            if pid in seen:
                issues.append(Issue((*here, "skill_id"), "duplicate_id", f"'{pid}' is listed twice as a prerequisite"))
            elif pid not in known:
                issues.append(Issue((*here, "skill_id"), "unknown_skill", _unknown(pid, known, "prerequisite")))
            elif sid is not None:
                edges.append((sid, pid, i, k))
            seen.add(pid)
        level = _int(prereq.get("level"))
        if level is not None and not scale.contains(level):
            message = f"level {level} is outside {scale.describe()}"
            issues.append(Issue((*here, "level"), "level_outside_scale", message))
    return edges


def _unknown(skill_id: str, known: set[str], what: str) -> str:
    close = difflib.get_close_matches(skill_id, sorted(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"{what} '{skill_id}' is not a skill of this framework{hint}"


def _cycles(edges: list[tuple[str, str, int, int]], first_index: dict[str, int]) -> list[Issue]:
    """One problem per strongly connected component that holds a cycle, at the prerequisite entry that
    leaves the component's first skill (in file order) for another member."""
    graph: dict[str, list[str]] = {}
    for src, dst, _, _ in edges:
        graph.setdefault(src, []).append(dst)
    issues = []
    for component in _strongly_connected(graph):
        members = set(component)
        first = min(component, key=lambda s: first_index.get(s, 1 << 30))
        inside = sorted((i, k, dst) for src, dst, i, k in edges if src == first and dst in members)
        if len(component) == 1 and not inside:
            continue  # a single skill without a self-loop
        i, k, dst = inside[0]
        if dst == first:
            message = f"prerequisite cycle: '{first}' lists itself as a prerequisite"
        else:
            route = [first, *_route(graph, dst, first, members)]
            message = "prerequisite cycle: " + " → ".join(route) + " (a skill cannot need itself, even indirectly)"
        issues.append(Issue(("skills", i, "prerequisites", k, "skill_id"), "prerequisite_cycle", message))
    return sorted(issues, key=lambda issue: issue.loc)


def _route(graph: dict[str, list[str]], start: str, goal: str, members: set[str]) -> list[str]:
    """Shortest path start → goal inside `members` (breadth first), both ends included."""
    parent: dict[str, str | None] = {start: None}
    queue = [start]
    for node in queue:
        if node == goal:
            break
        for nxt in graph.get(node, []):
            if nxt in members and nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    path: list[str] = []
    step: str | None = goal
    while step is not None:
        path.append(step)
        step = parent.get(step)
    return path[::-1]


def _strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (imported frameworks can have thousands of skills)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    nodes = list(dict.fromkeys([*graph, *(d for ds in graph.values() for d in ds)]))
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = graph.get(node, [])
            if child < len(successors):
                work.append((node, child + 1))
                nxt = successors[child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def _check_stages(role: dict, r: int, scale: _Scale, known: set[str], issues: list[Issue]) -> None:
    stages = _list(role.get("stages"))
    seen_ids: dict[str, int] = {}
    seen_orders: dict[int, str] = {}
    placed: list[tuple[int, int, dict]] = []
    for s, stage in enumerate(stages):
        if not isinstance(stage, dict):
            continue
        name = _id(stage, "stage")
        if name is not None:
            if name in seen_ids:
                message = f"stage '{name}' appears twice in this role"
                issues.append(Issue(("roles", r, "stages", s, "stage"), "duplicate_id", message))
            else:
                seen_ids[name] = s
        order = _int(stage.get("order"))
        if order is None:
            continue
        if order in seen_orders:
            message = f"order {order} is also the order of stage '{seen_orders[order]}': give each stage its own"
            issues.append(Issue(("roles", r, "stages", s, "order"), "duplicate_order", message))
        else:
            seen_orders[order] = name or f"#{s}"
        placed.append((order, s, stage))
    unplaced = [(s, st) for s, st in enumerate(stages) if isinstance(st, dict) and _int(st.get("order")) is None]
    previous: dict[str, tuple[int, str]] = {}
    for _, s, stage in sorted(placed, key=lambda t: (t[0], t[1])):
        _check_benchmarks(stage, ("roles", r, "stages", s), scale, known, issues, previous)
    for s, stage in unplaced:  # without an order they cannot be compared, but their entries can be checked
        _check_benchmarks(stage, ("roles", r, "stages", s), scale, known, issues, None)


def _check_benchmarks(
    stage: dict,
    here: Loc,
    scale: _Scale,
    known: set[str],
    issues: list[Issue],
    previous: dict[str, tuple[int, str]] | None,
) -> None:
    benchmarks = stage.get("benchmarks")
    if not isinstance(benchmarks, dict):
        return
    name = _id(stage, "stage") or f"#{here[-1]}"
    for key, value in benchmarks.items():
        if not isinstance(key, str):
            continue
        skill_id = key.strip()
        loc = (*here, "benchmarks", key)
        if skill_id not in known:
            issues.append(Issue(loc, "unknown_skill", _unknown(skill_id, known, "benchmark skill")))
            continue
        level = _int(value)
        if level is None:
            continue
        if not scale.contains(level):
            issues.append(Issue(loc, "level_outside_scale", f"level {level} is outside {scale.describe()}"))
            continue
        if previous is None:
            continue
        before = previous.get(skill_id)
        if before is not None and level < before[0]:
            message = (
                f"drops from level {before[0]} at stage '{before[1]}' to {level} at '{name}': "
                "a benchmark must not drop as the career stage rises"
            )
            issues.append(Issue(loc, "benchmark_drops", message))
        previous[skill_id] = (level, name)
