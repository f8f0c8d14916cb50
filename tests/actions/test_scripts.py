"""Scripts run with a minimal environment, fail on non-zero exit, and die with their children."""

from __future__ import annotations

import time

from orchestrator.actions.scripts import env_name, run_script


def test_inputs_arrive_under_both_names():
    run = run_script(
        shell='echo "$STEWARD_INPUT_SUBJECT|$ASSISTANT_INPUT_SUBJECT"',
        inputs={"subject": "Hello there"},
        timeout_s=10,
    )
    assert run.ok
    assert run.stdout.strip() == "Hello there|Hello there"


def test_input_names_are_sanitised():
    assert env_name("due-date.v2") == "DUE_DATE_V2"


def test_server_secrets_are_not_visible(monkeypatch):
    monkeypatch.setenv("STEWARD_ENCRYPTION_KEY", "super-secret")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    run = run_script(shell="env", inputs={}, timeout_s=10)
    assert "super-secret" not in run.stdout
    assert "ghp_secret" not in run.stdout
    names = {line.split("=", 1)[0] for line in run.stdout.splitlines() if "=" in line}
    assert "PATH" in names
    assert "HOME" in names


def test_non_zero_exit_is_a_failure_with_stderr_kept():
    run = run_script(shell="echo broken >&2; exit 3", inputs={}, timeout_s=10)
    assert not run.ok
    assert run.exit_code == 3
    assert run.stderr.strip() == "broken"


def test_timeout_kills_the_whole_process_group(tmp_path):
    marker = tmp_path / "child.pid"
    started = time.monotonic()
    run = run_script(shell=f"sleep 60 & echo $! > {marker}; wait", inputs={}, timeout_s=1)
    assert run.timed_out
    assert not run.ok
    assert time.monotonic() - started < 10
    child = int(marker.read_text())
    time.sleep(0.2)
    assert not is_running(child)


def is_running(pid: int) -> bool:
    """Alive and not a zombie (an orphan may wait for a reaper that this container lacks)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_log_helpers_and_output_variable_are_captured():
    run = run_script(
        shell='log_human "Sent a push"; log_warn "slow"; RESULT="42 items"',
        inputs={},
        timeout_s=10,
        output_var="RESULT",
    )
    assert run.ok
    assert run.output == "42 items"
    assert run.logs == [("human", "Sent a push"), ("warn", "slow")]


def test_output_survives_an_early_exit():
    run = run_script(shell="RESULT=done; exit 0; RESULT=never", inputs={}, timeout_s=10, output_var="RESULT")
    assert run.output == "done"
