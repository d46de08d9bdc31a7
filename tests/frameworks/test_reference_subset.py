"""tools/reference_subset.py, the script that cuts examples/reference/onet and esco out of the full downloads:
records are copied byte for byte, and a cut holds everything the importers need."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from coachwire_tools.frameworks.importers.esco import import_esco
from coachwire_tools.frameworks.importers.onet import import_onet
from coachwire_tools.frameworks.interchange import ImportOptions

from tests.shared_data import REFERENCE_DATA

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "reference_subset.py"
ONET_OCCUPATIONS = ["11-1011.00", "11-3031.00", "11-3121.00"]  # as in examples/reference/onet/PROVENANCE.md
ESCO_OCCUPATIONS = ["2512.4", "2423.3", "2423.6"]  # as in examples/reference/esco/PROVENANCE.md
ABILITY_ANCHOR = "1.A.1.a.1\tOral Comprehension\tLV\tLevel\t2\tUnderstand a television commercial\n"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("reference_subset", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "PROVENANCE.md"}


@pytest.mark.parametrize(("source", "occupations"), [("onet", ONET_OCCUPATIONS), ("esco", ESCO_OCCUPATIONS)])
def test_cutting_the_committed_subset_again_reproduces_it_byte_for_byte(
    tool, tmp_path: Path, source: str, occupations: list[str]
) -> None:
    """The documented command, run on a superset (here the subset itself), gives exactly the committed files."""
    args = [source, str(REFERENCE_DATA / source), str(tmp_path)]
    for occupation in occupations:
        args += ["--occupation", occupation]
    tool.main(args)
    assert files(tmp_path) == files(REFERENCE_DATA / source)


def test_an_onet_cut_keeps_the_anchors_of_rated_elements_only_and_imports_like_its_source(
    tool, tmp_path: Path
) -> None:
    source, out, hr = tmp_path / "download", tmp_path / "cut", "11-3121.00"
    shutil.copytree(REFERENCE_DATA / "onet", source)
    with (source / "Level Scale Anchors.txt").open("a", encoding="utf-8", newline="") as handle:
        handle.write(ABILITY_ANCHOR)  # the full file anchors abilities, knowledge, ... too: not skills
    tool.main(["onet", str(source), str(out), "--occupation", hr])
    anchors = (out / "Level Scale Anchors.txt").read_text(encoding="utf-8")
    assert ABILITY_ANCHOR not in anchors and len(anchors.splitlines()) == 1 + 35 * 3  # header, 3 per skill
    rows = (out / "Skills_excerpt.tsv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(rows) == 70 and all(row.startswith(hr + "\t") for row in rows)
    options = ImportOptions(occupation=hr, scale_levels=None)
    cut, full = import_onet(out, options), import_onet(source, options)
    assert cut.framework is not None and cut.data == full.data


def test_an_esco_cut_keeps_multiline_records_whole_and_imports_like_its_source(tool, tmp_path: Path) -> None:
    tool.main(["esco", str(REFERENCE_DATA / "esco"), str(tmp_path), "--occupation", "2423.3"])
    skills = (tmp_path / "skills_en_excerpt.csv").read_bytes()
    assert b"\n" in skills.replace(b"\r\n", b"") and skills.endswith(b"\r\n")  # LF inside fields, CRLF records
    options = ImportOptions(occupation="human resources officer")
    cut, full = import_esco(tmp_path, options), import_esco(REFERENCE_DATA / "esco", options)
    assert cut.data["skills"] == full.data["skills"] and cut.data["roles"] == full.data["roles"]
    assert cut.report.mapped == full.report.mapped


def test_an_occupation_missing_from_the_source_stops_the_cut(tool, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="99-9999.00"):
        tool.main(["onet", str(REFERENCE_DATA / "onet"), str(tmp_path), "--occupation", "99-9999.00"])
