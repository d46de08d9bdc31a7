"""Conversation guides: read and check the guide files, and pick the guide in use for an alert reason.

The guides ship inside the package (coachwire/content/guides/*.yaml) and are read with importlib.resources, so the
Lambda layer and a checkout read the same files; `coachwire guides validate DIR` runs the same checks on a copy HR
is editing. Reading a guide is a pure read of files: nothing is stored or sent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from html import escape
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from coachwire.errors import UnknownReference
from coachwire.models.guides import PLAN_ACTION_LABELS, REASON_CODES, ConversationGuide

GUIDE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class GuideProblem:
    """One thing wrong with one guide file: the file, the field (dotted path, "file" for the file as a whole)."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class GuideFilesInvalid(ValueError):
    """The guide files have problems; `problems` lists every one (not only the first)."""

    def __init__(self, problems: list[GuideProblem]) -> None:
        super().__init__("conversation guides are invalid:\n" + "\n".join(f"  {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class GuideLibrary:
    """Every version of every guide, checked."""

    guides: tuple[ConversationGuide, ...]

    def versions(self, reason_code: str) -> list[ConversationGuide]:
        """The guide's versions for one reason, oldest effective date first."""
        return sorted((g for g in self.guides if g.reason_code == reason_code), key=lambda g: g.effective_date)

    def current(self, reason_code: str, today: date) -> ConversationGuide:
        """The version in use on `today`: the latest effective on or before it (the first one, if none is yet).
        UnknownReference for a reason code that is not an alert reason."""
        if reason_code not in REASON_CODES:
            raise UnknownReference("reason_code", f"no conversation guide for '{reason_code}' "
                                                  f"(known: {', '.join(REASON_CODES)})")
        versions = self.versions(reason_code)
        in_use = [g for g in versions if g.effective_date <= today]
        return (in_use or versions)[-1 if in_use else 0]


def shipped_directory() -> Traversable:
    """The guides that ship with the package (coachwire/content/guides/)."""
    return resources.files("coachwire.content").joinpath("guides")


def check_guides(directory: Traversable | Path | None = None) -> tuple[list[ConversationGuide], list[GuideProblem]]:
    """Every guide file in `directory` (default: the shipped ones) parsed and checked: each against the schema,
    then together (each reason code has a guide, no reason code has the same version or effective date twice).
    Returns the valid guides and every problem found."""
    folder = directory if directory is not None else shipped_directory()
    files = sorted((f for f in folder.iterdir() if f.is_file() and f.name.endswith(GUIDE_SUFFIXES)),
                   key=lambda f: f.name)
    guides: list[tuple[str, ConversationGuide]] = []
    problems: list[GuideProblem] = []
    if not files:
        return [], [GuideProblem(str(folder), "file", "no guide files (*.yaml, *.yml) here")]
    for file in files:
        guide, found = _read_one(file)
        problems += found
        if guide is not None:
            guides.append((file.name, guide))
    problems += _check_together(guides, str(folder))
    return [g for _, g in guides], problems


def load_guides(directory: Traversable | Path | None = None) -> GuideLibrary:
    """The checked guides; GuideFilesInvalid naming every problem if any file is wrong."""
    guides, problems = check_guides(directory)
    if problems:
        raise GuideFilesInvalid(problems)
    return GuideLibrary(tuple(guides))


@cache
def shipped_guides() -> GuideLibrary:
    """The shipped guides, read once per process."""
    return load_guides()


def _read_one(file: Traversable) -> tuple[ConversationGuide | None, list[GuideProblem]]:
    name = file.name
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        return None, [GuideProblem(name, "file", f"not valid YAML: {' '.join(str(err).split())}")]
    if not isinstance(data, dict):
        return None, [GuideProblem(name, "file", "expected a mapping of sections (reason_code, version, ...)")]
    try:
        return ConversationGuide.model_validate(data), []
    except ValidationError as err:
        return None, [GuideProblem(name, _field(e["loc"]) or "file", _message(e)) for e in err.errors()]


def _field(loc: Iterable[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "missing":
        return "missing section"
    if kind == "extra_forbidden":
        return "unknown section (a typo?)"
    if (kind == "too_short" and isinstance(error.get("input"), list)) or (
            kind == "list_type" and error.get("input") is None):
        return "empty: must list at least one entry"
    if error.get("input") is None and len(error["loc"]) == 1:
        return "empty section"
    if kind == "literal_error" and error["loc"] == ("reason_code",):
        return f"unknown reason code {error.get('input')!r} (known: {', '.join(REASON_CODES)})"
    return str(error["msg"])


def _check_together(guides: list[tuple[str, ConversationGuide]], folder: str) -> list[GuideProblem]:
    problems: list[GuideProblem] = []
    seen_versions: dict[tuple[str, str], str] = {}
    seen_dates: dict[tuple[str, date], str] = {}
    for name, guide in guides:
        code = guide.reason_code
        if (code, guide.version) in seen_versions:
            problems.append(GuideProblem(name, "version", f"version {guide.version!r} of {code} is also in "
                                                          f"{seen_versions[code, guide.version]}"))
        if (code, guide.effective_date) in seen_dates:
            other = seen_dates[code, guide.effective_date]
            problems.append(GuideProblem(name, "effective_date", f"{code} already has a version effective "
                                                                 f"{guide.effective_date.isoformat()} ({other})"))
        seen_versions.setdefault((code, guide.version), name)
        seen_dates.setdefault((code, guide.effective_date), name)
    covered = {g.reason_code for _, g in guides}
    problems += [GuideProblem(folder, "reason_code", f"no valid guide for the alert reason {code}")
                 for code in REASON_CODES if code not in covered]
    return problems


# -- as a manager reads it -------------------------------------------------------------------------------------------

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5;"
          "color:#222}h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.05rem;margin:1.4rem 0 .3rem}"
          ".meta{color:#666;font-size:.85rem;margin-top:0}.why{background:#f4f7fb;border-left:4px solid #4a78b5;"
          "padding:.6rem .8rem}ul{padding-left:1.2rem}li{margin:.25rem 0}.action{display:inline-block;"
          "font-size:.8rem;background:#e8efe6;border-radius:.25rem;padding:0 .35rem;margin-right:.35rem}"
          ".avoid li::marker{content:'\\2715  ';color:#a33}")


def guide_html(guide: ConversationGuide) -> str:
    """A small standalone page (every value escaped)."""
    e = escape


    def items(lines: Iterable[str]) -> str:
        return "".join(f"<li>{e(line)}</li>" for line in lines)

    steps = "".join(f"<li><span class=\"action\">{e(PLAN_ACTION_LABELS[s.action])}</span>{e(s.when)}</li>"
                    for s in guide.co_create)
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            f"content=\"width=device-width,initial-scale=1\"><title>{e(guide.title)}: 1:1 guide</title>"
            f"<style>{_STYLE}</style></head><body><main>"
            f"<h1>{e(guide.title)}</h1><p class=\"meta\">Conversation guide for the alert reason "
            f"<code>{e(guide.reason_code)}</code> · version {e(guide.version)}, effective "
            f"{guide.effective_date.isoformat()}</p>"
            f"<p class=\"why\">{e(guide.why_you_got_this)}</p>"
            f"<h2>Opening the conversation</h2><ul>{items(guide.opening)}</ul>"
            f"<h2>Questions to ask</h2><ul>{items(guide.questions)}</ul>"
            f"<h2>Shaping the plan together</h2><ul>{steps}</ul>"
            f"<h2>What not to do</h2><ul class=\"avoid\">{items(guide.avoid)}</ul>"
            f"<h2>Closing</h2><p>{e(guide.follow_up)}</p>"
            "</main></body></html>")


def guide_text(guide: ConversationGuide) -> str:
    """The guide as plain text (the CLI, chat replies)."""

    def section(title: str, lines: Iterable[str]) -> list[str]:
        return ["", title, *(f"- {line}" for line in lines)]

    return "\n".join([
        f"{guide.title} ({guide.reason_code}, version {guide.version}, effective {guide.effective_date.isoformat()})",
        "", guide.why_you_got_this,
        *section("Opening the conversation", guide.opening),
        *section("Questions to ask", guide.questions),
        *section("Shaping the plan together", (f"[{PLAN_ACTION_LABELS[s.action]}] {s.when}" for s in guide.co_create)),
        *section("What not to do", guide.avoid),
        "", "Closing", guide.follow_up])
