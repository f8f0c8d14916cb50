"""Writing benchmark results into docs/BENCHMARKS.md (a helper: `make bench` skips `_*.py`)."""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Iterable
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"


def write_section(heading: str, section: str) -> None:
    """Replace the section under *heading* (e.g. ``## Chat``) or append it, keeping the others."""
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
    if start is None:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        rest = "\n".join(lines[end:])
        new = "\n".join(lines[:start]).rstrip("\n") + "\n\n" + section + ("\n" + rest + "\n" if rest else "")
    BENCHMARKS.write_text(new.lstrip("\n"))


def percentile(values: list[float], fraction: float) -> float:
    """The value at *fraction* of the sorted *values* (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def argument_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser showing the script's docstring, with the shared ``--no-write`` flag."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/BENCHMARKS.md alone")
    return parser


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over *runs* (which all carry the same keys); ``{}`` for no runs."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]} if runs else {}


def rerun_block(command: str) -> list[str]:
    """The closing lines of a section: the command that measures it again, as a shell block."""
    return ["", "```sh", command, "```", ""]


def publish(heading: str, section: str, *, write: bool) -> None:
    """Print the section and, unless told not to, put it into docs/BENCHMARKS.md."""
    print(section)
    if write:
        write_section(heading, section)
        print(f"written to {BENCHMARKS.relative_to(BENCHMARKS.parent.parent)}")


def comparison_table(
    rows: Iterable[tuple[str, str, str]],
    ours: dict[str, float],
    theirs: dict[str, float],
    recorded: dict[str, float],
) -> list[str]:
    """A "Steward | reference | ratio" table; a figure the reference was not measured for this
    run falls back to *recorded* (its key → the recorded value), then to a dash."""
    lines = ["| figure | Steward | reference | Steward / reference |", "|---|---|---|---|"]
    for label, key, fmt in rows:
        theirs_value = theirs.get(key, recorded.get(key, float("nan")))
        ours_value = ours[key]
        known = theirs_value == theirs_value  # NaN is the one value unequal to itself
        ratio = f"{ours_value / theirs_value:.2f}×" if known and theirs_value else "–"
        shown = fmt.format(theirs_value) if known else "–"
        lines.append(f"| {label} | {fmt.format(ours_value)} | {shown} | {ratio} |")
    return lines
