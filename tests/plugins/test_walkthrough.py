"""docs/INTEGRATIONS.md, followed literally: its Python blocks, in order, make a working plugin.

The blocks are written into a module on a temporary import path, named in ``STEWARD_PLUGINS`` and
loaded by the registry exactly as at start; then the page's configuration runs through the queue.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integrations import registry
from orchestrator.actions.services import service_enqueue
from orchestrator.actions.undo import action_undo
from orchestrator.checks import check_integrations
from orchestrator.config_io.importing import config_import
from orchestrator.config_io.yaml_format import load_yaml
from orchestrator.models import ActionRecord, Integration, Item, LLMProfile, Note
from orchestrator.running.triggers import integration_trigger
from tests.pipeline.driving import FAKE_CLASSIFIER, drain

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[2] / "docs" / "INTEGRATIONS.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(), flags=re.DOTALL | re.MULTILINE)


@pytest.fixture
def hello_plugin(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    (tmp_path / "hello_plugin.py").write_text("\n\n".join(blocks("python")))
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.STEWARD_PLUGINS = [*settings.STEWARD_PLUGINS, "hello_plugin"]
    settings.STEWARD_CLASSIFIER = FAKE_CLASSIFIER
    registry.load_plugins()
    yield sys.modules["hello_plugin"]
    registry.unregister("hello")
    sys.modules.pop("hello_plugin", None)


def test_the_walkthrough_yields_a_plugin_that_runs_through_the_queue(hello_plugin: Any) -> None:
    assert "hello" in registry.type_names()
    LLMProfile.objects.create(name="default", base_url="http://127.0.0.1:9", model="fake-model")
    [config] = [b for b in blocks("yaml") if "type: hello" in b]
    document = load_yaml(config)
    document["integrations"][0]["llm"] = "default"
    config_import(config=document, secrets={})

    integration_trigger("hello.demo")
    drain()
    assert set(Item.objects.values_list("key", flat=True)) == {"sunny", "rainy", "happy"}
    assert sorted(hello_plugin.starred("hello.demo")) == ["happy", "rainy", "sunny"]

    integration_trigger("hello.demo")
    drain()  # nothing new: nothing is starred twice
    assert sorted(hello_plugin.starred("hello.demo")) == ["happy", "rainy", "sunny"]

    action_undo(record=ActionRecord.objects.get(item__key="rainy"))
    assert sorted(hello_plugin.starred("hello.demo")) == ["happy", "sunny"]

    service_enqueue(instance_id="hello.demo.greet", inputs={"name": "Ada"}, provenance="human")
    drain()
    assert Note.objects.get().body.strip() == "Hi, Ada!"
    assert [r.name for r in check_integrations() if r.name.startswith("hello.demo")] == ["hello.demo:storage"]
    assert Integration.objects.get().spec.admin.example_settings == {"greeting": "Hi"}
