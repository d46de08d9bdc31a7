"""Cut the small reference subsets in examples/reference/ out of a full public download.

    python tools/reference_subset.py onet SRC_DIR examples/reference/onet --occupation 11-1011.00 ...
    python tools/reference_subset.py esco SRC_DIR examples/reference/esco --occupation 2512.4 ...

SRC_DIR is the unpacked download (O*NET: the database text or Excel-derived files; ESCO: the CSVs of the
classification and relations zips) or any larger excerpt of it. Kept records are copied byte for byte, in
source order, with the header; nothing is re-encoded, re-quoted or re-sorted. What is kept from each file is
written in the folder's PROVENANCE.md by hand.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path


def raw_records(path: Path, **fmt) -> Iterator[tuple[str, list[str]]]:
    """Each record of a delimited file with its exact source text (multi-line quoted fields included)."""
    with path.open(encoding="utf-8", newline="") as handle:
        pending: list[str] = []

        def lines() -> Iterator[str]:
            for line in handle:
                pending.append(line)
                yield line

        for values in csv.reader(lines(), **fmt):
            yield "".join(pending), values
            pending.clear()


def write_subset(src: Path, out: Path, keep, **fmt) -> list[dict[str, str]]:
    """Copy the header and the records `keep(row)` accepts (row: column → value); return the kept rows."""
    records = raw_records(src, **fmt)
    header_text, header = next(records)
    kept: list[dict[str, str]] = []
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write(header_text)
        for text, values in records:
            row = dict(zip(header, values, strict=False))
            if keep(row):
                handle.write(text)
                kept.append(row)
    print(f"{out}: {len(kept)} of the records of {src.name}")
    return kept


def one(folder: Path, *patterns: str) -> Path:
    for pattern in patterns:
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
    sys.exit(f"{folder}: no file matching {' or '.join(patterns)}")


TSV = {"delimiter": "\t", "quoting": csv.QUOTE_NONE}


def onet(src: Path, out: Path, occupations: list[str]) -> None:
    """Skills rows of the occupations, the Level Scale Anchors of the elements they rate; small files as they are."""
    skills_src = one(src, "Skills.txt", "Skills*.tsv", "Skills*.txt")
    skills_out = out / f"Skills_excerpt{skills_src.suffix}"
    rows = write_subset(skills_src, skills_out, lambda r: r["O*NET-SOC Code"] in occupations, **TSV)
    missing = set(occupations) - {r["O*NET-SOC Code"] for r in rows}
    if missing:
        sys.exit(f"{skills_src}: no rows for {sorted(missing)}")
    elements = {r["Element ID"] for r in rows}
    write_subset(src / "Level Scale Anchors.txt", out / "Level Scale Anchors.txt",
                 lambda r: r["Element ID"] in elements, **TSV)
    if (src / "Occupation Data.txt").is_file():  # titles, when the skills file has none (the database text)
        write_subset(src / "Occupation Data.txt", out / "Occupation Data.txt",
                     lambda r: r["O*NET-SOC Code"] in occupations, **TSV)
    for name in ("Scales Reference.txt", "Read Me.txt"):
        if (src / name).is_file():
            shutil.copyfile(src / name, out / name)
            print(f"{out / name}: copied")


def excerpt_name(path: Path) -> str:
    """occupations_en.csv (the download) and occupations_en_excerpt.csv (an excerpt) both become the latter."""
    return f"{path.stem.removesuffix('_excerpt')}_excerpt{path.suffix}"


def esco(src: Path, out: Path, occupations: list[str]) -> None:
    """The occupations (by ESCO code or concept URI), all their skill relations and the skills those name."""
    occupations_src = one(src, "occupations_*.csv")
    kept = write_subset(occupations_src, out / excerpt_name(occupations_src),
                        lambda r: r["code"] in occupations or r["conceptUri"] in occupations)
    uris = {r["conceptUri"] for r in kept}
    if len(kept) != len(occupations):
        sys.exit(f"{occupations_src}: found {len(kept)} of the {len(occupations)} occupations asked for")
    relations_src = one(src, "occupationSkillRelations*.csv")
    relations = write_subset(relations_src, out / excerpt_name(relations_src),
                             lambda r: r["occupationUri"] in uris)
    skills = {r["skillUri"] for r in relations}
    skills_src = one(src, "skills_*.csv")
    write_subset(skills_src, out / excerpt_name(skills_src),
                 lambda r: r["conceptUri"] in skills)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", choices=["onet", "esco"])
    parser.add_argument("src", type=Path, help="the unpacked full download (or a larger excerpt)")
    parser.add_argument("out", type=Path, help="the folder to write the subset into")
    parser.add_argument("--occupation", action="append", required=True, help="an occupation to keep (repeat)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    (onet if args.source == "onet" else esco)(args.src, args.out, args.occupation)


if __name__ == "__main__":
    main()
