"""Running a configured Script: bash, a temp dir, a minimal environment, a hard timeout.

The server's environment holds secrets, so a script sees only PATH, HOME, LANG and its declared
inputs — as ``STEWARD_INPUT_<NAME>`` and the reference's ``ASSISTANT_INPUT_<NAME>``. The helpers
``log_human``/``log_info``/``log_warn`` write to a log file that the runner reads back; a declared
``output`` variable is captured on exit. A non-zero exit is a failure (the reference counted it as
success). On timeout the whole process group is killed.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUTPUT_CAP = 64 * 1024
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"

PREAMBLE = r"""
log_human() { printf 'human\t%s\n' "$*" >> "$STEWARD_LOG"; }
log_info() { printf 'info\t%s\n' "$*" >> "$STEWARD_LOG"; }
log_warn() { printf 'warn\t%s\n' "$*" >> "$STEWARD_LOG"; }
"""
CAPTURE = r"""
__steward_capture() {
  if [ ! -s "$STEWARD_OUTPUT_FILE" ]; then printf '%s' "${__VAR__-}" > "$STEWARD_OUTPUT_FILE"; fi
}
trap __steward_capture EXIT
"""


def env_name(name: str) -> str:
    """Input names become shell variable suffixes: upper case, anything else → ``_``."""
    return re.sub(r"[^A-Z0-9_]", "_", name.upper())


@dataclass(frozen=True)
class ScriptRun:
    exit_code: int
    stdout: str
    stderr: str
    output: str
    logs: list[tuple[str, str]] = field(default_factory=list)  # (level, message)
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


def _cap(data: bytes) -> str:
    text = data[:OUTPUT_CAP].decode("utf-8", errors="replace")
    return text + ("\n… (truncated)" if len(data) > OUTPUT_CAP else "")


def _environment(workdir: Path, inputs: dict[str, Any], log: Path, output: Path) -> dict[str, str]:
    env = {"PATH": SAFE_PATH, "HOME": str(workdir), "LANG": os.environ.get("LANG", "C.UTF-8")}
    for name, value in inputs.items():
        text = "" if value is None else str(value)
        env[f"STEWARD_INPUT_{env_name(name)}"] = text
        env[f"ASSISTANT_INPUT_{env_name(name)}"] = text
    for prefix in ("STEWARD", "ASSISTANT"):
        env[f"{prefix}_LOG"] = str(log)
        env[f"{prefix}_OUTPUT_FILE"] = str(output)
    return env


def run_script(*, shell: str, inputs: dict[str, Any], timeout_s: int, output_var: str = "") -> ScriptRun:
    with tempfile.TemporaryDirectory(prefix="steward-script-") as tmp:
        workdir = Path(tmp)
        log, output = workdir / ".steward-log", workdir / ".steward-output"
        log.touch()
        output.touch()
        body = PREAMBLE + (CAPTURE.replace("__VAR__", env_name(output_var)) if output_var else "") + shell
        process = subprocess.Popen(
            ["bash", "-c", body],
            cwd=workdir,
            env=_environment(workdir, inputs, log, output),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so a timeout kills children too
        )
        timed_out = False
        try:
            out, err = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
        logs = [
            (level, message)
            for level, _, message in (
                line.partition("\t") for line in log.read_text(errors="replace").splitlines()
            )
        ]
        return ScriptRun(
            exit_code=process.returncode,
            stdout=_cap(out),
            stderr=_cap(err),
            output=output.read_text(errors="replace")[:OUTPUT_CAP],
            logs=logs,
            timed_out=timed_out,
        )
