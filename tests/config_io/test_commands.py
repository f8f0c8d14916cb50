"""``manage.py import_config`` / ``export_config``: thin adapters with clear errors and exit codes."""

from __future__ import annotations

import os
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from orchestrator.config_io.exporting import CONFIG_HEADER
from orchestrator.models import Integration, LLMProfile
from tests.config_io.samples import ACCEPTANCE
from tests.support.child_python import child_python

WITH_SECRET = "llms:\n  default:\n    base_url: http://localhost:11434\n    token: !secret openai_token\n"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(ACCEPTANCE)
    return path


@pytest.mark.django_db
def test_import_reports_what_it_created(config_file):
    output = run("import_config", str(config_file))
    assert "created integration dummy.one" in output
    assert f"Imported {config_file}: 2 created, 0 updated, 0 unchanged" in output
    assert Integration.objects.get().integration_id == "dummy.one"


@pytest.mark.django_db
def test_import_twice_reports_nothing_changed(config_file):
    run("import_config", str(config_file))
    assert "0 created, 0 updated, 2 unchanged" in run("import_config", str(config_file))


@pytest.mark.django_db
def test_malformed_yaml_is_a_command_error_with_the_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("integrations:\n  - type: dummy\n    name: one\n   platforms: {}\n")
    with pytest.raises(CommandError, match=rf"^{path}, line 4, column 4: "):
        run("import_config", str(path))


@pytest.mark.django_db
def test_problems_are_listed_and_nothing_is_written(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(ACCEPTANCE + "  - {type: nope, name: two}\n")
    with pytest.raises(CommandError) as failure:
        run("import_config", str(path))
    assert str(failure.value).startswith(
        f"{path}: nothing was imported:\n"
        "  - integrations[1].type: Unknown integration type 'nope'. Valid types: "
    )
    assert not Integration.objects.exists()


@pytest.mark.django_db
def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("import_config", str(tmp_path / "absent.yaml"))


@pytest.mark.django_db
def test_missing_secrets_hint_at_the_secrets_option(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(WITH_SECRET)
    with pytest.raises(CommandError) as failure:
        run("import_config", str(path))
    assert "llms.default.token: `!secret openai_token` is not defined in the secrets file" in str(
        failure.value
    )
    assert "no secrets file was read: pass --secrets secrets.yaml" in str(failure.value)


@pytest.mark.django_db
def test_secrets_option_supplies_the_values(tmp_path):
    config, secrets = tmp_path / "config.yaml", tmp_path / "mine.yaml"
    config.write_text(WITH_SECRET)
    secrets.write_text("openai_token: sk-1\n")
    run("import_config", str(config), "--secrets", str(secrets))
    assert LLMProfile.objects.get().token == "sk-1"


@pytest.mark.django_db
def test_secrets_yaml_beside_the_config_is_found(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(WITH_SECRET)
    (tmp_path / "secrets.yaml").write_text("openai_token: sk-2\n")
    assert f"Reading secrets from {tmp_path / 'secrets.yaml'}" in run("import_config", str(config))
    assert LLMProfile.objects.get().token == "sk-2"


@pytest.mark.django_db
def test_export_to_stdout_prints_the_config_and_the_template_on_stderr(config_file):
    run("import_config", str(config_file))
    LLMProfile.objects.create(name="default", base_url="http://localhost:11434", token="sk-3")
    out, err = StringIO(), StringIO()
    call_command("export_config", stdout=out, stderr=err)
    assert out.getvalue().startswith(CONFIG_HEADER + "llms:\n  default:\n")
    assert "sk-3" not in out.getvalue() + err.getvalue()
    assert err.getvalue().endswith("llm_default_token: ''\n")


@pytest.mark.django_db
def test_export_to_a_file_writes_the_template_beside_it_once(tmp_path):
    LLMProfile.objects.create(name="default", base_url="http://localhost:11434", token="sk-4")
    target = tmp_path / "mine.yaml"
    run("export_config", "-o", str(target))
    template = tmp_path / "mine.secrets.yaml"
    assert "token: !secret llm_default_token" in target.read_text()
    assert template.read_text().endswith("llm_default_token: ''\n")
    template.write_text("llm_default_token: sk-4\n")  # the person fills it in
    LLMProfile.objects.create(name="other", base_url="http://localhost:1", token="t")
    output = run("export_config", "-o", str(target))
    assert template.read_text() == "llm_default_token: sk-4\n"
    assert "exists and was left unchanged; it lacks: llm_other_token" in output


def manage(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "tests.settings", "STEWARD_DATA_DIR": str(data_dir)}
    return child_python(["manage.py", *args], env)


@pytest.mark.slow
def test_end_to_end_import_export_reimport_through_manage_py(tmp_path, config_file):
    data = tmp_path / "data"
    assert manage(data, "migrate", "--noinput").returncode == 0
    imported = manage(data, "import_config", str(config_file))
    assert imported.returncode == 0, imported.stderr
    assert "2 created" in imported.stdout
    exported = tmp_path / "exported.yaml"
    assert manage(data, "export_config", "-o", str(exported)).returncode == 0
    assert exported.read_text() == CONFIG_HEADER + ACCEPTANCE
    again = manage(data, "import_config", str(exported))
    assert "0 created, 0 updated, 2 unchanged" in again.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text("integrations: [\n")
    failed = manage(data, "import_config", str(bad))
    assert failed.returncode == 1
    assert f"CommandError: {bad}, line 2, column 1: " in failed.stderr
    assert "Traceback" not in failed.stderr
