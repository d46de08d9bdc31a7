"""Conversation guides: every shipped guide validates, a broken folder gets every problem named (file and field),
the loader refuses unknown reason codes and picks the version in use; `coachwire guides` runs the same checks."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from coachwire.domain.guides import (
    GuideFilesInvalid,
    check_guides,
    guide_html,
    guide_text,
    load_guides,
    shipped_directory,
    shipped_guides,
)
from coachwire.errors import UnknownReference
from coachwire.models.guides import REASON_CODES
from coachwire_tools.cli import main

SHIPPED = Path(str(shipped_directory()))


def test_every_shipped_guide_validates_and_every_alert_reason_has_one():
    guides, problems = check_guides()
    assert problems == []
    assert {g.reason_code for g in guides} == set(REASON_CODES)
    for guide in guides:
        assert guide.opening and guide.questions and guide.co_create and guide.avoid
        # A manager reads it in about two minutes: keep each guide short.
        assert len(guide_text(guide).split()) < 450, guide.reason_code


def test_the_alert_reasons_are_the_stall_reasons():
    from typing import get_args

    from coachwire.models.coaching import StallReason
    assert set(get_args(StallReason.model_fields["code"].annotation)) == set(REASON_CODES)


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "guides"
    shutil.copytree(SHIPPED, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_a_broken_folder_gets_every_problem_named_with_its_file_and_field(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder / "low_activity.yaml", "reason_code: low_activity", "reason_code: low_activty")
    rating = folder / "rating_dropped.yaml"
    text = rating.read_text()
    start, end = text.index("questions:"), text.index("co_create:")
    rating.write_text(text[:start] + "questions: []\n" + text[end:])
    _edit(folder / "benchmark_raised.yaml", "title:", "titel:")
    shutil.copy(SHIPPED / "low_activity.yaml", folder / "low_activity_v2.yaml")
    (folder / "not_yaml.yaml").write_text("reason_code: [unclosed\n")

    _, problems = check_guides(folder)
    found = {(p.file, p.field) for p in problems}
    assert ("low_activity.yaml", "reason_code") in found
    assert ("rating_dropped.yaml", "questions") in found
    assert {("benchmark_raised.yaml", "titel"), ("benchmark_raised.yaml", "title")} <= found
    assert ("not_yaml.yaml", "file") in found
    # The copy duplicates nothing here (its original is invalid), so make a real duplicate:
    _edit(folder / "low_activity.yaml", "reason_code: low_activty", "reason_code: low_activity")
    _, problems = check_guides(folder)
    assert {("low_activity_v2.yaml", "version"), ("low_activity_v2.yaml", "effective_date")} <= {
        (p.file, p.field) for p in problems}
    messages = {str(p) for p in problems}
    assert "rating_dropped.yaml: questions: empty: must list at least one entry" in messages
    assert "benchmark_raised.yaml: titel: unknown section (a typo?)" in messages
    assert "benchmark_raised.yaml: title: missing section" in messages
    with pytest.raises(GuideFilesInvalid) as refused:
        load_guides(folder)
    assert refused.value.problems == problems


def test_an_unknown_reason_code_in_a_file_says_which_codes_exist(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder / "low_activity.yaml", "reason_code: low_activity", "reason_code: on_leave")
    _, problems = check_guides(folder)
    assert str(problems[0]) == ("low_activity.yaml: reason_code: unknown reason code 'on_leave' "
                                "(known: low_activity, rating_dropped, benchmark_raised)")
    assert any(p.field == "reason_code" and "no valid guide for the alert reason low_activity" in p.message
               for p in problems)


def test_the_loader_refuses_an_unknown_reason_code():
    with pytest.raises(UnknownReference) as refused:
        shipped_guides().current("on_leave", date(2026, 10, 1))
    assert refused.value.field == "reason_code"


def test_the_version_in_use_is_the_latest_effective_on_the_day(tmp_path):
    folder = _copy(tmp_path)
    newer = folder / "low_activity_2027.yaml"
    shutil.copy(SHIPPED / "low_activity.yaml", newer)
    _edit(newer, 'version: "2026.1"', 'version: "2027.1"')
    _edit(newer, "effective_date: 2026-01-01", "effective_date: 2027-01-01")
    library = load_guides(folder)
    assert library.current("low_activity", date(2026, 12, 31)).version == "2026.1"
    assert library.current("low_activity", date(2027, 1, 1)).version == "2027.1"
    assert [g.version for g in library.versions("low_activity")] == ["2026.1", "2027.1"]
    # Before the first version is effective, the first one is shown rather than nothing.
    assert library.current("low_activity", date(2025, 1, 1)).version == "2026.1"


def test_the_html_page_escapes_what_hr_wrote(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder / "low_activity.yaml", 'title: "Little development activity lately"', 'title: "<b>x</b> & y"')
    page = guide_html(load_guides(folder).current("low_activity", date(2026, 10, 1)))
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in page and "<b>x</b>" not in page
    assert "Questions to ask" in page and "Not now" in page


# -- coachwire guides ... -------------------------------------------------------------------------------------------


def test_cli_validate_the_shipped_guides(capsys):
    assert main(["guides", "validate"]) == 0
    assert capsys.readouterr().out.startswith("ok: 3 guide(s)")


def test_cli_validate_lists_every_problem_and_exits_1(tmp_path, capsys):
    folder = _copy(tmp_path)
    _edit(folder / "low_activity.yaml", "reason_code: low_activity", "reason_code: low_activty")
    _edit(folder / "benchmark_raised.yaml", "title:", "titel:")
    assert main(["guides", "validate", str(folder)]) == 1
    out = capsys.readouterr()
    assert "low_activity.yaml: reason_code: unknown reason code 'low_activty'" in out.out
    assert "benchmark_raised.yaml: titel: unknown section (a typo?)" in out.out
    assert "benchmark_raised.yaml: title: missing section" in out.out
    assert "problem(s) in" in out.err


def test_cli_validate_a_missing_folder_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as stopped:
        main(["guides", "validate", str(tmp_path / "nope")])
    assert stopped.value.code == 2


def test_cli_show_prints_the_guide_and_refuses_unknown_codes(capsys):
    assert main(["guides", "show", "rating_dropped"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("A skill rating went down (rating_dropped, version 2026.1")
    assert "Questions to ask" in out
    assert main(["guides", "show", "benchmark_raised", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["reason_code"] == "benchmark_raised"
    assert main(["guides", "show", "on_leave"]) == 2
    assert "no conversation guide for 'on_leave'" in capsys.readouterr().err
