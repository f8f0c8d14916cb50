"""``manage.py eval_classifier [--corpus DIR] [--llm PROFILE] [--json]``: score the classifier."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orchestrator.llm.errors import LLMError
from orchestrator.llm.evaluation import DEFAULT_CORPUS, CorpusError, evaluate, render


class Command(BaseCommand):
    help = (
        "Classify a labelled email corpus with the demo's questions and print accuracy per "
        "classification, the majority-class baseline, Brier scores, latency and confusion tables."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="*.eml files and labels.yaml")
        parser.add_argument("--llm", help="LLM profile to use (default: the demo's embedded model)")
        parser.add_argument("--model", default="", help="a GGUF file for the default embedded profile")
        parser.add_argument("--limit", type=int, help="only the first N labelled emails")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = evaluate(
                corpus=options["corpus"],
                profile_name=options["llm"],
                model=options["model"],
                limit=options["limit"],
            )
        except (CorpusError, LLMError) as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
        else:
            self.stdout.write(render(report))
