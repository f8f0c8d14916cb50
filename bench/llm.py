"""Embedded-model classification latency per item, and the orchestration overhead around it.

Classifies the fixture emails (tests/fixtures/email, or ``--emails DIR``; body cut at the
production limit) with the embedded default model through ``orchestrator.llm.classify`` — profile
lookup, framing, the DB concurrency lease, validation and accounting included — and separates the
time spent inside the backend (the model) from everything else. Target: overhead < 5 % of model
time (docs/BENCHMARKS.md).

Usage: ``.venv/bin/python bench/llm.py [--items 8] [--runs 3] [--emails DIR]`` (a throwaway data dir is used).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EMAIL_DIR = REPO / "tests" / "fixtures" / "email"
# Run as a script, bench/ leads sys.path: keep bench scripts from shadowing stdlib modules.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(REPO))
os.environ.setdefault("STEWARD_DATA_DIR", tempfile.mkdtemp(prefix="steward-bench-llm-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orchestrator.settings")
os.environ.setdefault("STEWARD_LOG_LEVEL", "WARNING")

from tests.llm.fixture_emails import PRIORITY, REQUIRES_RESPONSE, email_fields, questions_schema  # noqa: E402

SCHEMA = questions_schema(
    {"human": "is this a personal email?", "requires_response": REQUIRES_RESPONSE, "priority": PRIORITY}
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--emails", type=Path, default=EMAIL_DIR, help="folder of .eml files (default: the in-repo fixtures)"
    )
    args = parser.parse_args()

    import django

    from orchestrator.data_dir import data_dir_prepare

    data_dir_prepare()  # keys before the settings read them (as manage.py does)
    django.setup()
    from django.core.management import call_command

    from orchestrator import llm
    from orchestrator.llm.backends import embedded
    from orchestrator.models import LLMCall, LLMProfile

    call_command("migrate", verbosity=0)
    profile = LLMProfile.objects.create(name="bench", backend="embedded")

    model_time = [0.0]

    def timed(real: Callable[[embedded.EmbeddedBackend, Any], Any]) -> Callable[..., Any]:
        def call(self: embedded.EmbeddedBackend, request: Any) -> Any:
            started = time.perf_counter()
            try:
                return real(self, request)
            finally:
                model_time[0] += time.perf_counter() - started

        return call

    embedded.EmbeddedBackend.complete = timed(embedded.EmbeddedBackend.complete)  # type: ignore[method-assign]
    # Classification scores answers (EmbeddedBackend.score) rather than generating: time both.
    embedded.EmbeddedBackend.score = timed(embedded.EmbeddedBackend.score)  # type: ignore[method-assign]

    paths = sorted(args.emails.glob("*.eml"))[: args.items]
    if not paths:
        parser.error(f"no .eml files in {args.emails}")
    llm.classify(profile, {"subject": "warm-up"}, SCHEMA)  # loads the model: not part of the figures

    rows = []
    for path in paths:
        fields = email_fields(path)
        totals, models, tokens = [], [], 0
        for _ in range(args.runs):
            model_time[0] = 0.0
            started = time.perf_counter()
            llm.classify(profile, llm.frame(fields, limits={"body": llm.EMAIL_BODY_LIMIT}), SCHEMA)
            totals.append(time.perf_counter() - started)
            models.append(model_time[0])
            tokens = LLMCall.objects.values_list("prompt_tokens", flat=True).first() or 0
        total, model = statistics.median(totals), statistics.median(models)
        rows.append((path.name, tokens, model, total - model))

    print(f"embedded model: {embedded.default_model_path()}  threads: {embedded.cpu_threads()}")
    print(f"medians of {args.runs} runs per item\n")
    print("| item | prompt tokens | model ms | overhead ms | overhead % |")
    print("|---|---:|---:|---:|---:|")
    for name, tokens, model, overhead in rows:
        print(f"| {name} | {tokens} | {model * 1000:.0f} | {overhead * 1000:.1f} | {overhead / model:.2%} |")
    model_all = statistics.median(r[2] for r in rows)
    overhead_all = statistics.median(r[3] for r in rows)
    print(
        f"\nmedian per item: model {model_all * 1000:.0f} ms, orchestration {overhead_all * 1000:.1f} ms "
        f"({overhead_all / model_all:.2%} of model time; target < 5%)"
    )


if __name__ == "__main__":
    main()
