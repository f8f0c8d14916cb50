"""Replay benchmark: ``replay_rules`` over stored items must finish in under 5 s for 1,000.

    .venv/bin/python bench/replay.py [--items 1000] [--rules 10] [--repeat 5] [--no-write]

Seeds a fresh file SQLite database (in a temporary data dir) with ``--items`` collected and
classified items of ``dummy.one`` and one done ledger row each, configures ``--rules`` automations
mixing deterministic and classification conditions, then times the whole ``replay_rules dummy.one``
command (reading items and the ledger, compiling, evaluating, reporting) ``--repeat`` times and
reports the median and the slowest. Exits non-zero when the slowest run takes 5 s or more. Writes
``## Replay`` into docs/BENCHMARKS.md unless ``--no-write``.
"""

from __future__ import annotations

import io
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO_ROOT), *(p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench")]

from bench._django import scratch_environment  # noqa: E402
from bench._results import argument_parser, publish  # noqa: E402

SECTION = "## Replay"
BUDGET_S = 5.0


def setup_django(data_dir: Path) -> None:
    scratch_environment(data_dir)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(items: int, rules: int) -> None:
    from django.db import transaction

    from orchestrator.models import ActionRecord, Integration, Item, PlatformConfig

    integration = Integration.objects.create(type="dummy", name="one")
    automations = [
        {
            "name": f"r{i}",
            "when": {"n": [i, i + 1], "classification.interesting": "> 0.5"},
            "then": {"tag": f"t{i}"},
        }
        if i % 2
        else {
            "name": f"r{i}",
            "mode": "shadow",
            "when": {"title": {"matches": f"item {i}*"}},
            "then": {"tag": "x"},
        }
        for i in range(rules)
    ]
    config = PlatformConfig(integration=integration, name="items", automations=automations)
    config.full_clean()
    config.save()
    with transaction.atomic():
        stored = Item.objects.bulk_create(
            Item(
                integration_id="dummy.one",
                platform="items",
                key=f"item-{n}",
                snapshot={
                    "n": n % rules,
                    "title": f"item {n % rules} #{n}",
                    "tags": ["odd"] if n % 2 else [],
                },
                classification={"interesting": (n % 10) / 10},
            )
            for n in range(items)
        )
        ActionRecord.objects.bulk_create(
            ActionRecord(
                ledger_key=f"k{item.pk}",
                item=item,
                integration_id="dummy.one",
                rule="automation #2 ('r1')",
                action="tag",
                parameters={"argument": "t1"},
                provenance="hybrid",
                tier="soft_reversible",
                status="done",
            )
            for item in stored
        )


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="steward-replay-bench-") as data_dir:
        setup_django(Path(data_dir))
        seed(args.items, args.rules)
        from django.core.management import call_command

        timings = []
        for _ in range(args.repeat):
            out = io.StringIO()
            started = time.perf_counter()
            call_command("replay_rules", "dummy.one", "--days", "30", stdout=out)
            timings.append(time.perf_counter() - started)
            if f"items: {args.items} stored item(s) replayed" not in out.getvalue():
                raise SystemExit(f"the replay did not cover every item:\n{out.getvalue()[:500]}")
        print(out.getvalue()[:400])
    slowest = max(timings)
    section = "\n".join(
        [
            SECTION,
            "",
            f"`bench/replay.py --items {args.items} --rules {args.rules}` on {platform.machine()}, "
            f"Python {platform.python_version()}, SQLite: the whole `replay_rules` command",
            "",
            "| items | rules | median | slowest | budget |",
            "|---|---|---|---|---|",
            f"| {args.items} | {args.rules} | {statistics.median(timings):.2f} s | {slowest:.2f} s "
            f"| < {BUDGET_S:g} s |",
            "",
        ]
    )
    publish(SECTION, section, write=not args.no_write)
    return 0 if slowest < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
