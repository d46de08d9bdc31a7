"""A progression framework in markdown with YAML front matter (the style of Monzo's progression-framework
repository) → a Coachwire framework: levels become the scale and the role's career stages, topics become
skills, criteria (and exampleCriteria) per level become behavioural anchors.

Front matter: `levels` (a count, or a list of level names), `topics[]` with `name`, optional `title` and
`content[]` of `{level, criteria[], exampleCriteria[{criteria, examples[]}]}`. The markdown body is prose and
is not imported.

Mapping (justified in docs/import-onet-esco-progression.md):
- scale: N = min(L, 5) source levels by default (`scale_levels` asks for fewer); with L > N source level l
  lands on ceil(l * N / L), so neighbouring levels are grouped and each group is reported;
- skills: one per topic, id `<framework>.<topic slug>`, criticality 2 (the source does not rank topics);
- anchors: the criteria of every source level in the group, verbatim; an example criterion becomes
  "criterion (e.g. example; example)";
- role: one, with one career stage per source level (order = level); the benchmark of a topic at stage l is
  ceil(l * N / L) when the topic has criteria at l, the previous stage's benchmark when it has criteria only
  below l, and none before its first criteria.
- Strict YAML first; if that fails on a TAB after a list marker ("-\\t"), the tab is read as a space, each such
  line is reported, and parsing is retried. Any other YAML error is reported with its line and stops the import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from coachwire_tools.frameworks.importers.common import (
    MAX_LEVELS,
    MIN_LEVELS,
    finish,
    identifier,
    missing_anchor_levels,
    plain_title,
)
from coachwire_tools.frameworks.interchange import ImportOptions, ImportReport, ImportResult

DEFAULT_CRITICALITY = 2
_TAB_AFTER_DASH = re.compile(r"^(\s*-)\t[ \t]*")
_LEVEL_NAME_KEYS = ("levelNames", "levelTitles", "level_names")


@dataclass
class _FrontMatter:
    data: dict[str, Any]
    first_line: int  # file line of the first front-matter line
    body_lines: int
    nodes: dict[tuple[Any, ...], int] = field(default_factory=dict)  # (topic, i[, "content", j]) → file line


def map_level(source_level: int, source_levels: int, levels: int) -> int:
    """Source level l of L → Coachwire level ceil(l * N / L) (integer arithmetic; identity when N == L)."""
    return max(1, min(levels, -(-source_level * levels // source_levels)))


def import_progression(source: Path, options: ImportOptions) -> ImportResult:
    source = Path(source)
    report = ImportReport(source=str(source), standard="progression")
    name = source.name
    front = _front_matter(source, report)
    if front is None:
        return ImportResult(data={}, report=report)
    meta = front.data

    topics = meta.get("topics")
    if not isinstance(topics, list) or not topics:
        report.add("error", f"{name}:{front.first_line}", "front matter has no `topics` list: nothing to import")
        return ImportResult(data={}, report=report)
    levels_line = front.nodes.get(("levels",), front.first_line)
    source_levels, level_names = _source_levels(meta, topics, report, name, levels_line)
    if source_levels is None:
        return ImportResult(data={}, report=report)
    levels = _scale_size(options, source_levels, report, name, levels_line)
    if levels is None:
        return ImportResult(data={}, report=report)
    group = {lv: map_level(lv, source_levels, levels) for lv in range(1, source_levels + 1)}
    members = {k: [lv for lv in group if group[lv] == k] for k in range(1, levels + 1)}

    role_slug = _role_slug(meta, source)
    family = _family(meta, source)
    framework_id = options.framework_id or f"progression.{role_slug}"
    skills: list[dict[str, Any]] = []
    per_topic: list[tuple[str, set[int]]] = []  # (skill id, source levels with criteria)
    used_ids: set[str] = set()
    anchors_total = 0
    for index, topic in enumerate(topics):
        where = f"{name}:{front.nodes.get(('topics', index), front.first_line)}"
        if not isinstance(topic, dict) or not str(topic.get("name") or "").strip():
            report.add("error", where, f"topic #{index + 1} has no name: skipped")
            continue
        skill, covered = _skill(topic, index, front, name, source_levels, group, levels, report)
        skill_id = _unique(f"{identifier(role_slug)}.{_slug(topic['name'])}", used_ids)
        skill = {"skill_id": skill_id, **skill, "category": family[:80]}
        skills.append(skill)
        per_topic.append((skill_id, covered))
        anchors_total += sum(len(entry["anchors"]) for entry in skill["levels"])
        _report_gaps(skill, topic, covered, members, levels, report, where)

    stages = _stages(per_topic, source_levels, group, report, role_slug)
    data: dict[str, Any] = {
        "framework_id": framework_id,
        "version": options.version or str(meta.get("version") or "unversioned"),
        "name": plain_title(meta.get("title")) or source.stem,
        "owner": options.extra.get("owner", f"imported from {name}"),
        "effective_date": options.extra.get("effective_date", date.today().isoformat()),
        "scale": [{"level": k, "name": _scale_name(members[k], level_names)[:60]} for k in range(1, levels + 1)],
        "skills": skills,
        "roles": [
            {
                "role_id": role_slug,
                "name": plain_title(meta.get("title")) or source.stem,
                "family": family,
                "stages": stages,
            }
        ],
    }
    if "effective_date" not in options.extra:
        report.add("info", "effective_date", "the source has no date: effective_date is the import date")
    if not options.version and not meta.get("version"):
        report.add("info", "version", "the source has no version: pass --version")
    report.add(
        "info",
        f"{name}:{front.first_line}",
        f"criticality {DEFAULT_CRITICALITY} (important) for every topic: the source does not rank topics",
    )
    ignored = sorted(k for k in meta if k not in ("levels", "topics", "title", *_LEVEL_NAME_KEYS))
    if ignored:
        report.add("info", f"{name}:{front.first_line}", f"front-matter keys not imported: {', '.join(ignored)}")
    if front.body_lines:
        report.add("info", name, f"the markdown body ({front.body_lines} lines of prose) is not imported")
    report.mapped.update(
        {
            "source_levels": source_levels,
            "scale_levels": levels,
            "skills": len(skills),
            "anchors": anchors_total,
            "skills_fully_anchored": sum(1 for s in skills if not missing_anchor_levels(s["levels"], levels)),
            "roles": 1,
            "stages": len(stages),
            "benchmarks": sum(len(s["benchmarks"]) for s in stages),
        }
    )
    return finish(data, report)


# --- front matter -------------------------------------------------------------------------------------------------


def _front_matter(path: Path, report: ImportReport) -> _FrontMatter | None:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        report.add("error", name, f"cannot read: {exc}")
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        report.add("error", f"{name}:1", "no YAML front matter: the file must start with a line '---'")
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        report.add("error", f"{name}:1", "the front matter is not closed by a line '---'")
        return None
    block = lines[1:end]
    body_lines = sum(1 for line in lines[end + 1 :] if line.strip())
    first_line = 2  # file line of block[0]

    loaded, problem = _load_yaml(block)
    if problem is not None:
        fixed, changed = _normalise_tabs(block)
        if not changed:
            report.add("error", f"{name}:{_problem_line(problem, first_line)}", f"YAML error: {_describe(problem)}")
            return None
        report.add(
            "warning",
            f"{name}:{_problem_line(problem, first_line)}",
            f"strict YAML parsing failed ({_describe(problem)}); recovering by reading a TAB after a list "
            f"marker '-' as a space on {len(changed)} line(s)",
        )
        for index in changed:
            report.add("warning", f"{name}:{index + first_line}", "TAB after '-' list marker read as a space")
        loaded, problem = _load_yaml(fixed)
        if problem is not None:
            report.add(
                "error",
                f"{name}:{_problem_line(problem, first_line)}",
                f"YAML error remains after normalising tabs: {_describe(problem)}",
            )
            return None
        report.mapped["recovered_lines"] = len(changed)
        block = fixed
    if not isinstance(loaded, dict):
        report.add("error", f"{name}:{first_line}", "the front matter is not a mapping")
        return None
    return _FrontMatter(loaded, first_line, body_lines, _node_lines("\n".join(block), first_line))


def _load_yaml(block: list[str]) -> tuple[Any, yaml.YAMLError | None]:
    try:
        return yaml.safe_load("\n".join(block)), None
    except yaml.YAMLError as exc:
        return None, exc


def _normalise_tabs(block: list[str]) -> tuple[list[str], list[int]]:
    fixed, changed = [], []
    for index, line in enumerate(block):
        new = _TAB_AFTER_DASH.sub(r"\1 ", line)
        if new != line:
            changed.append(index)
        fixed.append(new)
    return fixed, changed


def _problem_line(problem: yaml.YAMLError, first_line: int) -> int:
    mark = getattr(problem, "problem_mark", None)
    return first_line + mark.line if mark is not None else first_line


def _describe(problem: yaml.YAMLError) -> str:
    text = getattr(problem, "problem", None) or str(problem).splitlines()[0]
    return " ".join(str(text).split())


def _node_lines(text: str, first_line: int) -> dict[tuple[Any, ...], int]:
    """File lines of each topic and each content entry, for findings that point into the file."""
    lines: dict[tuple[Any, ...], int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if isinstance(root, yaml.MappingNode):
        for key, _value in root.value:
            lines[(key.value,)] = first_line + key.start_mark.line
    topics = _child(root, "topics")
    if not isinstance(topics, yaml.SequenceNode):
        return lines
    for i, topic in enumerate(topics.value):
        lines[("topics", i)] = first_line + topic.start_mark.line
        content = _child(topic, "content")
        if isinstance(content, yaml.SequenceNode):
            for j, entry in enumerate(content.value):
                lines[("topics", i, "content", j)] = first_line + entry.start_mark.line
    return lines


def _child(node: Any, key: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


# --- mapping ------------------------------------------------------------------------------------------------------


def _source_levels(
    meta: dict[str, Any], topics: list[Any], report: ImportReport, name: str, line: int
) -> tuple[int | None, list[str]]:
    declared = meta.get("levels")
    names: list[str] = []
    if isinstance(declared, list):
        names = [plain_title(str(n.get("name") if isinstance(n, dict) else n)) for n in declared]
        declared = len(names)
    for key in _LEVEL_NAME_KEYS:
        if isinstance(meta.get(key), list):
            names = [plain_title(str(n)) for n in meta[key]]
    used = [
        entry.get("level")
        for topic in topics
        if isinstance(topic, dict)
        for entry in (topic.get("content") or [])
        if isinstance(entry, dict) and isinstance(entry.get("level"), int)
    ]
    if not isinstance(declared, int) or isinstance(declared, bool) or declared < 1:
        if not used:
            report.add("error", f"{name}:{line}", "no `levels` in the front matter and no levels in the topics")
            return None, names
        declared = max(used)
        report.add("warning", f"{name}:{line}", f"no usable `levels` count: taking the highest level used, {declared}")
    if declared < MIN_LEVELS:
        report.add("error", f"{name}:{line}", f"{declared} level(s): a Coachwire scale needs {MIN_LEVELS}-{MAX_LEVELS}")
        return None, names
    if names and len(names) != declared:
        report.add("warning", f"{name}:{line}", f"{len(names)} level names for {declared} levels: names not used")
        names = []
    return declared, names


def _scale_size(options: ImportOptions, source_levels: int, report: ImportReport, name: str, line: int) -> int | None:
    natural = min(source_levels, MAX_LEVELS)
    requested = options.scale_levels
    if requested is None:
        levels = natural
    elif not MIN_LEVELS <= requested <= MAX_LEVELS:
        report.add("error", "options.scale_levels", f"scale_levels={requested}: a Coachwire scale has 3-5 levels")
        return None
    elif requested > source_levels:
        report.add(
            "info",
            "options.scale_levels",
            f"scale_levels={requested} but the source has {source_levels} levels: kept {source_levels} "
            "(more levels would have no criteria)",
        )
        levels = source_levels
    else:
        levels = requested
    if levels == source_levels:
        report.add("info", f"{name}:{line}", f"{source_levels} source levels → a {levels}-level scale, one to one")
    else:
        members: dict[int, list[str]] = {}
        for lv in range(1, source_levels + 1):
            members.setdefault(map_level(lv, source_levels, levels), []).append(str(lv))
        grouping = ", ".join(f"{k} ← {'+'.join(members[k])}" for k in sorted(members))
        reason = (
            "a Coachwire scale has at most 5 levels"
            if source_levels > MAX_LEVELS and requested is None
            else (f"scale_levels={requested} requested")
        )
        report.add(
            "warning",
            f"{name}:{line}",
            f"{source_levels} source levels grouped onto a {levels}-level scale ({reason}): level ← source levels "
            f"{grouping} (ceil(l*{levels}/{source_levels})); a group's anchors are the criteria of all its levels; "
            "career stages keep every source level",
        )
    return levels


def _skill(
    topic: dict[str, Any],
    index: int,
    front: _FrontMatter,
    name: str,
    source_levels: int,
    group: dict[int, int],
    levels: int,
    report: ImportReport,
) -> tuple[dict[str, Any], set[int]]:
    head, _, tail = str(topic["name"]).partition(":")
    display = plain_title(topic.get("title")) or head.strip()[:1].upper() + head.strip()[1:]
    by_level: dict[int, list[str]] = {}
    covered: set[int] = set()
    for j, entry in enumerate(topic.get("content") or []):
        where = f"{name}:{front.nodes.get(('topics', index, 'content', j), front.first_line)}"
        level = entry.get("level") if isinstance(entry, dict) else None
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= source_levels:
            report.add(
                "warning", where, f"topic {topic['name']!r}: level {level!r} outside 1..{source_levels}: skipped"
            )
            continue
        texts = _criteria(entry, where, report)
        unknown = sorted(set(entry) - {"level", "criteria", "exampleCriteria"})
        if unknown:
            report.add("info", where, f"keys not imported: {', '.join(unknown)}")
        if not texts:
            report.add("warning", where, f"topic {topic['name']!r} level {level}: no criteria")
            continue
        if level in covered:
            report.add("warning", where, f"topic {topic['name']!r}: level {level} listed twice: criteria merged")
        covered.add(level)
        by_level.setdefault(level, []).extend(texts)
    grouped: dict[int, list[str]] = {}
    for level in sorted(by_level):
        grouped.setdefault(group[level], []).extend(by_level[level])
    skill = {
        "name": display[:120] or f"Topic {index + 1}",
        "description": tail.strip(),
        "criticality": DEFAULT_CRITICALITY,
        "levels": [{"level": k, "anchors": grouped[k]} for k in sorted(grouped)],
    }
    return skill, covered


def _criteria(entry: dict[str, Any], where: str, report: ImportReport) -> list[str]:
    texts: list[str] = []
    for item in entry.get("criteria") or []:
        if isinstance(item, str) and item.strip():
            texts.append(" ".join(item.split()))
        elif item is not None:
            report.add("warning", where, f"criterion {item!r} is not text: skipped")
    for item in entry.get("exampleCriteria") or []:
        if not isinstance(item, dict) or not str(item.get("criteria") or "").strip():
            report.add("warning", where, f"example criterion {item!r} has no `criteria` text: skipped")
            continue
        text = " ".join(str(item["criteria"]).split())
        examples = [" ".join(str(e).split()) for e in (item.get("examples") or []) if str(e).strip()]
        texts.append(f"{text} (e.g. {'; '.join(examples)})" if examples else text)
    return texts


def _report_gaps(
    skill: dict[str, Any],
    topic: dict[str, Any],
    covered: set[int],
    members: dict[int, list[int]],
    levels: int,
    report: ImportReport,
    where: str,
) -> None:
    anchored = {entry["level"] for entry in skill["levels"]}
    for k in range(1, levels + 1):
        absent = [lv for lv in members[k] if lv not in covered]
        if k not in anchored:
            report.add(
                "error",
                where,
                f"topic {topic['name']!r} ({skill['skill_id']}): no criteria at source level(s) "
                f"{'+'.join(map(str, absent))}, so scale level {k} has no behavioural anchors; write them "
                "(nothing is invented) or the framework will not validate",
            )
        elif absent:
            report.add(
                "info",
                where,
                f"topic {topic['name']!r}: no criteria at source level(s) {'+'.join(map(str, absent))}; scale "
                f"level {k} is anchored by the criteria of level(s) "
                f"{'+'.join(str(lv) for lv in members[k] if lv in covered)}",
            )


def _stages(
    per_topic: list[tuple[str, set[int]]], source_levels: int, group: dict[int, int], report: ImportReport, role_id: str
) -> list[dict[str, Any]]:
    stages: list[dict[str, Any]] = []
    previous: dict[str, int] = {}
    for level in range(1, source_levels + 1):
        benchmarks: dict[str, int] = {}
        for skill_id, covered in per_topic:
            if level in covered:
                benchmarks[skill_id] = max(group[level], previous.get(skill_id, 0))
            elif skill_id in previous:
                benchmarks[skill_id] = previous[skill_id]
                report.add(
                    "info",
                    f"roles.{role_id}.stages.level-{level}.benchmarks.{skill_id}",
                    f"no criteria at level {level}: the benchmark of the previous stage ({previous[skill_id]}) holds",
                )
            else:
                first = min(covered) if covered else None
                report.add(
                    "info",
                    f"roles.{role_id}.stages.level-{level}.benchmarks.{skill_id}",
                    "no benchmark: the source expects nothing in this topic "
                    + (f"before level {first}" if first else "at any level"),
                )
        previous.update(benchmarks)
        stages.append({"stage": f"level-{level}", "order": level, "benchmarks": benchmarks})
    return stages


def _scale_name(source: list[int], names: list[str]) -> str:
    if names:
        return " / ".join(names[lv - 1] for lv in source)
    if len(source) == 1:
        return f"Level {source[0]}"
    return f"Levels {source[0]}-{source[-1]}"


def _role_slug(meta: dict[str, Any], source: Path) -> str:
    path = str(meta.get("path") or "").strip("/")
    parts = [p for p in path.split("/") if p and p != "frameworks"]
    return identifier(".".join(parts) if parts else source.stem)


def _family(meta: dict[str, Any], source: Path) -> str:
    group = str(meta.get("sidebarGroup") or "").strip()
    if group:
        return group[:1].upper() + group[1:]
    title = plain_title(meta.get("sidebarTitle") or meta.get("title")) or source.stem
    return re.sub(r"\s+framework$", "", title, flags=re.IGNORECASE) or title


def _slug(topic_name: str) -> str:
    head = str(topic_name).partition(":")[0]
    return re.sub(r"[^a-z0-9]+", "_", head.lower()).strip("_") or "topic"


def _unique(candidate: str, used: set[str]) -> str:
    result, n = candidate, 2
    while result in used:
        result, n = f"{candidate}_{n}", n + 1
    used.add(result)
    return result
