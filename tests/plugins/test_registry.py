"""Loading plugins: a bad one stops the start with an error naming it, and registers nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from integrations import registry
from orchestrator.checks import check_integrations
from orchestrator.models import Integration


@pytest.fixture
def clean_registry() -> Iterator[None]:
    before = set(registry.type_names())
    yield
    for name in registry.type_names() - before:
        registry.unregister(name)


def test_a_plugin_that_declares_an_action_twice_is_refused_by_name(clean_registry: None) -> None:
    expected = r"tests\.plugins\.bad\.action_twice.*'tag' is declared twice"
    with pytest.raises(ImproperlyConfigured, match=expected):
        registry.load_plugins(["tests.plugins.bad.action_twice"])
    assert "twice" not in registry.type_names()


def test_a_bad_declaration_registers_nothing_of_its_plugin(clean_registry: None) -> None:
    expected = r"'misnamed'.*action 'label' is declared under another name"
    with pytest.raises(ImproperlyConfigured, match=expected):
        registry.load_plugins(["tests.plugins.bad.misnamed"])
    assert not {"fine", "misnamed"} & registry.type_names()


@pytest.mark.parametrize("path", ["tests/plugins/dummy.py", "tests..dummy", "", " tests.plugins.dummy"])
def test_a_malformed_plugin_path_is_a_clear_error(path: str, clean_registry: None) -> None:
    with pytest.raises(ImproperlyConfigured, match="not a dotted module path"):
        registry.load_plugins([path])


def test_a_missing_plugin_module_names_the_plugin(clean_registry: None) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"Cannot import integration plugin 'nowhere\.plugin'"):
        registry.load_plugins(["nowhere.plugin"])


def test_a_later_bad_plugin_stops_the_earlier_good_one_from_registering(clean_registry: None) -> None:
    with pytest.raises(ImproperlyConfigured, match="action_twice"):
        registry.load_plugins(["tests.plugins.bad.crashing_check", "tests.plugins.bad.action_twice"])
    assert "crashy" not in registry.type_names()


@pytest.mark.django_db
def test_a_check_that_raises_is_a_failed_check_naming_the_plugin(clean_registry: None, settings: Any) -> None:
    registry.load_plugins(["tests.plugins.bad.crashing_check"])
    Integration.objects.create(type="crashy", name="one")
    [result] = [r for r in check_integrations() if r.name.startswith("crashy.one")]
    assert not result.ok
    assert result.message == (
        "check 'boom' of plugin type 'crashy' crashed: RuntimeError: the check itself is broken"
    )


def test_builtins_and_steward_plugins_load_the_same_way(settings: Any) -> None:
    loaded = registry.load_plugins()  # again, as at start: the same objects, nothing twice
    assert {t.type for t in loaded} >= {"email", "dummy"}
    assert set(registry.BUILTIN_PLUGINS) | set(settings.STEWARD_PLUGINS) >= {"tests.plugins.dummy"}


def test_a_plugin_that_raises_while_loading_is_named(clean_registry: None) -> None:
    expected = r"plugin 'tests\.plugins\.bad\.raising' failed to load: RuntimeError: settings_schema"
    with pytest.raises(ImproperlyConfigured, match=expected):
        registry.load_plugins(["tests.plugins.bad.raising"])
