"""A Hypothesis-generated malformed-mail corpus through the whole pipeline on a real Maildir.

check → collect → classify → evaluate → act run through the real queue (in this process). The
decision (docs/EMAIL.md, "Malformed mail"): a damaged message is *parsed leniently* — it becomes an
item with every snapshot field filled from what could be read, is classified and evaluated like
any other, and its action lands on the message. No task fails, no run stays open, nothing is
skipped, nothing is acted on twice, and the audit chain verifies after every batch.
"""

from __future__ import annotations

import itertools
import mailbox
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from integrations.email.plugin import SNAPSHOT_FIELDS
from orchestrator.audit.chain import verify_chain
from orchestrator.models import ActionRecord, Integration, Item, LLMProfile, PlatformConfig, Run, Task
from orchestrator.running.triggers import integration_trigger
from tests.email.corpus_checks import mutated
from tests.email.harness import MaildirHarness, fixture_bytes, fixture_names
from tests.hypothesis_profiles import examples
from tests.pipeline.driving import FAKE_CLASSIFIER, drain

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CORPUS = [fixture_bytes(name) for name in fixture_names()]
batches = itertools.count(1)
# Every message has a size (0 for an empty file), so every one must end up flagged once. A
# deterministic rule: some classifications are answered by rules before the LLM (e.g. "human").
FLAG_ALL = [{"name": "all", "when": {"size": ">= 0"}, "then": "flag"}]


def corpus() -> st.SearchStrategy[list[bytes]]:
    """Damaged fixtures, arbitrary bytes and a few near-empty messages, mixed."""
    one = st.one_of(
        mutated(CORPUS),
        st.binary(min_size=1, max_size=2000),
        st.sampled_from([b"\r\n", b"Subject: only a header", b"\x00\xff" * 40, b"From: \r\n\r\n"]),
    )
    return st.lists(one, min_size=3, max_size=12)


def mailbox_with(messages: list[bytes], root: Path) -> Integration:
    harness = MaildirHarness(root / "Maildir")
    harness.seed(messages)
    n = next(batches)
    profile, _ = LLMProfile.objects.get_or_create(
        name="default", defaults={"base_url": "http://127.0.0.1:9", "model": "fake-model"}
    )
    integration = Integration.objects.create(
        type="email", name=f"fuzz{n}", llm=profile, settings=harness.settings
    )
    config = PlatformConfig(
        integration=integration, name="inbox", options={"limit": 100}, automations=FLAG_ALL
    )
    config.full_clean()
    config.save()
    return integration


def assert_every_message_went_through(integration: Integration, count: int) -> None:
    run = Run.objects.get(integration_id=integration.integration_id)
    assert run.status == "done", run.status
    failed = Task.objects.filter(status="failed")
    assert not failed.exists(), list(failed.values_list("type", "error"))
    items = Item.objects.filter(integration_id=integration.integration_id)
    assert items.count() == count, "every message became an item, duplicates numbered apart"
    for item in items:
        assert set(item.snapshot or {}) == SNAPSHOT_FIELDS, item.key
        assert item.classification is not None, item.key
        assert item.evaluated_at is not None, item.key
    records = ActionRecord.objects.filter(integration_id=integration.integration_id)
    flags = Counter(records.filter(action="flag").values_list("item_id", flat=True))
    missed = items.exclude(pk__in=list(flags))
    assert not missed, [(i.key, i.snapshot) for i in missed]
    assert set(flags.values()) == {1}, "no item acted on twice"
    statuses = set(records.values_list("status", flat=True))
    assert statuses == {"done"}, list(records.exclude(status="done").values_list("status", "error"))


@settings(
    max_examples=examples(12),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failing batch is shown as drawn
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(messages=corpus())
def test_a_malformed_corpus_goes_through_the_whole_pipeline_without_a_crash(
    messages: list[bytes], settings_fixture: Any
) -> None:
    settings_fixture.STEWARD_CLASSIFIER = FAKE_CLASSIFIER
    with tempfile.TemporaryDirectory(prefix="steward-malformed-") as tmp:
        integration = mailbox_with(messages, Path(tmp))
        integration_trigger(integration.integration_id)
        drain()
        assert_every_message_went_through(integration, len(messages))
        inbox = mailbox.Maildir(str(Path(tmp) / "Maildir"), create=False)
        flags = [message.get_flags() for message in inbox]
        assert len(flags) == len(messages), "no message lost from the INBOX"
        assert all("F" in f for f in flags), "every message flagged at the source"
    verdict = verify_chain()
    assert verdict.ok, verdict.reason


@pytest.fixture
def settings_fixture(settings: Any) -> Any:
    """pytest-django's ``settings`` under a name that does not shadow Hypothesis' ``settings``."""
    return settings
