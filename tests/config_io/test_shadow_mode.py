"""``mode: shadow`` on an automation and on a platform survives import and export byte for byte."""

from __future__ import annotations

import pytest

from orchestrator.config_io.document import ConfigError
from orchestrator.config_io.exporting import CONFIG_HEADER, config_export
from orchestrator.config_io.importing import config_import
from orchestrator.config_io.yaml_format import load_yaml
from orchestrator.models import PlatformConfig

pytestmark = pytest.mark.django_db

SHADOW = """\
integrations:
  - type: dummy
    name: one
    platforms:
      items:
        mode: shadow
        count: 3
        automations:
          - name: hot
            mode: live
            when:
              n: 1
            then:
              tag: hot
          - name: warm
            when:
              n: 2
            then:
              tag: warm
"""


def test_shadow_modes_export_as_written_and_round_trip_byte_stably() -> None:
    config_import(config=load_yaml(SHADOW), secrets={})
    config = PlatformConfig.objects.get()
    assert config.mode == "shadow"
    assert config.automations[0]["mode"] == "live"
    exported, _ = config_export()
    assert exported == CONFIG_HEADER + SHADOW
    report = config_import(config=load_yaml(exported), secrets={})
    assert (report.created, report.updated) == ([], [])
    assert config_export()[0] == exported


def test_an_unknown_platform_mode_is_refused_naming_its_path() -> None:
    with pytest.raises(ConfigError, match=r"integrations\[0\]\.platforms\.items\.mode"):
        config_import(config=load_yaml(SHADOW.replace("mode: shadow", "mode: dry")), secrets={})
    assert not PlatformConfig.objects.exists()
