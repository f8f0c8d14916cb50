"""Classifier quality and latency on the labelled corpus (tests/data/eval), next to the baseline.

Runs ``manage.py eval_classifier`` on the whole corpus with the demo's questions and the embedded
default model (or ``--llm PROFILE`` / ``--model GGUF``), and writes accuracy, the majority-class
baseline, Brier scores and per-item latency into docs/BENCHMARKS.md. Targets: every question
clearly above its baseline, overall accuracy >= 80 %, <= 1.5 s per email for the four questions.

Usage: ``.venv/bin/python bench/classifier.py [--model GGUF] [--limit N] [--no-write]``
(a throwaway data dir is used).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Run as a script, bench/ leads sys.path: keep bench scripts from shadowing stdlib modules.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(REPO))
os.environ.setdefault("STEWARD_DATA_DIR", tempfile.mkdtemp(prefix="steward-bench-classifier-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orchestrator.settings")
os.environ.setdefault("STEWARD_LOG_LEVEL", "WARNING")

from bench._results import argument_parser, publish  # noqa: E402


def load_average() -> str:
    try:
        return ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--llm", help="an LLM profile of the data dir (default: the demo's embedded model)")
    parser.add_argument("--model", default="", help="a GGUF file for the embedded default")
    parser.add_argument("--limit", type=int, help="only the first N emails")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from orchestrator.llm.evaluation import evaluate

    call_command("migrate", verbosity=0)
    load_before = load_average()
    report = evaluate(profile_name=args.llm, model=args.model, limit=args.limit)
    data = report.as_json()
    latency = data["latency_ms"]
    rows = [
        f"| {name} | {report.accuracy[name]:.1%} | {report.baseline[name]:.1%} "
        f"({data['baseline_answer'][name]}) | {report.brier[name]:.3f} | {report.by_rule[name]} |"
        for name in report.accuracy
    ]
    section = "\n".join(
        [
            "## Classifier",
            "",
            f"`.venv/bin/python bench/classifier.py` (= `manage.py eval_classifier`): {len(report.items)} "
            f"labelled emails of `tests/data/eval/`, the demo's four questions, model "
            f"`{Path(report.model).name}`; load average before/after: {load_before} / {load_average()} "
            "(2 cores shared with other work).",
            "",
            "| classification | accuracy | majority baseline | Brier | answered by rule |",
            "|---|---|---|---|---|",
            *rows,
            f"| **overall** | **{report.overall:.1%}** | | | |",
            "",
            f"Per email (all four questions, rules included): {data['per_item_ms']:.0f} ms mean, "
            f"p50 {latency['p50']:.0f} ms, p90 {latency['p90']:.0f} ms, max {latency['max']:.0f} ms; "
            f"the first email, which loads the model and calibrates, {latency['first_item']:.0f} ms.",
            "",
        ]
    )
    publish("## Classifier", section, write=not args.no_write)


if __name__ == "__main__":
    main()
