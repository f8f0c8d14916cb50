"""``doctor`` checks for every LLM profile: reachable, honouring structured output, and how fast.

Registered as the ``llm`` check by :mod:`orchestrator.checks`.
"""

from __future__ import annotations

import copy

from orchestrator.checks import CheckResult
from orchestrator.llm.accounting import CallRecord
from orchestrator.llm.breaker import breaker_state
from orchestrator.llm.calls import run_call
from orchestrator.llm.errors import LLMError, LLMUnavailable, StructuredOutputError
from orchestrator.models import LLMProfile, Task

DOCTOR_TIMEOUT_S = 15
DOCTOR_CAP_S = 25.0
PROBE_SCHEMA = {
    "type": "object",
    "properties": {"ok": {"type": "boolean", "description": "Is water wet?"}},
    "required": ["ok"],
    "additionalProperties": False,
}
PROBE_MESSAGES = [
    {"role": "system", "content": "Answer with one JSON object and nothing else."},
    {"role": "user", "content": 'Is water wet? Reply {"ok": true} or {"ok": false}.'},
]


def privacy_warning(profile: LLMProfile) -> CheckResult | None:
    if not profile.sends_data_off_machine:
        return None
    message = (
        f"{profile.base_url} is not on this machine or a private network: item content leaves it "
        f"(send_fields: {profile.send_fields or 'all'}; redact: {profile.redact or 'nothing'}); "
        "each request is recorded in the egress ledger"
    )
    return CheckResult(f"llm:{profile.name}:privacy", True, message, warning=True)


def breaker_result(profile: LLMProfile) -> CheckResult | None:
    """An open circuit breaker, and how many classifications wait behind it."""
    state = breaker_state(profile)
    if not state.is_open:
        return None
    # A pending classify task with an error is one waiting to be retried; it carries a batch of
    # items (``items``), or one (``item``, queued before classify took batches).
    retrying = Task.objects.filter(type__endswith=".classify", status=Task.Status.PENDING).exclude(error="")
    waiting = sum(len(payload.get("items") or [0]) for payload in retrying.values_list("payload", flat=True))
    return CheckResult(
        f"llm:{profile.name}:breaker",
        False,
        f"circuit open: {state.message} {waiting} classification(s) waiting; the next try is in "
        f"{state.retry_in_s():.0f}s (a green probe below closes it now).",
    )


def check_profile(profile: LLMProfile) -> list[CheckResult]:
    name = f"llm:{profile.name}"
    warning = privacy_warning(profile)
    results = [warning] if warning else []
    breaker = breaker_result(profile)  # read before the probe, which may close it
    if breaker:
        results.append(breaker)
    if profile.backend == LLMProfile.Backend.EMBEDDED:
        results.append(
            CheckResult(
                f"{name}:egress",
                True,
                "embedded model: prompts never leave this process, so the egress ledger records nothing",
            )
        )
    # A short-timeout copy: doctor must answer in seconds even when a server hangs.
    probe = copy.copy(profile)
    probe.timeout_s = min(profile.timeout_s, DOCTOR_TIMEOUT_S)
    record = CallRecord(profile=profile, purpose="doctor", priority=1)
    try:
        run_call(
            probe,
            PROBE_MESSAGES,
            schema=PROBE_SCHEMA,
            priority=1,
            purpose="doctor",
            options={"temperature": 0, "max_tokens": 32},
            use_slot=False,  # a check must not wait behind (or block) real work
            cap_s=DOCTOR_CAP_S,
            record=record,
        )
    except StructuredOutputError as exc:
        results.append(CheckResult(name, True, f"reachable ({record.model}, {record.latency_s:.1f}s)"))
        results.append(
            CheckResult(
                f"{name}:structured",
                False,
                f"no schema-valid reply in {len(exc.errors)} attempts: {exc.errors[-1]}",
            )
        )
        return results
    except LLMUnavailable as exc:
        results.append(CheckResult(name, False, f"unreachable: {exc}"))
        return results
    except LLMError as exc:
        results.append(CheckResult(name, False, str(exc)))
        return results
    results.append(
        CheckResult(name, True, f"reachable ({record.model}), answered in {record.latency_s:.1f}s")
    )
    results.append(
        CheckResult(
            f"{name}:structured",
            True,
            f"schema-valid reply via {record.structured_mode} after {record.attempts} attempt(s)",
        )
    )
    return results


def check_llm_profiles() -> list[CheckResult]:
    profiles = list(LLMProfile.objects.all())
    if not profiles:
        return [CheckResult("llm", True, "no LLM profile configured", warning=True)]
    results: list[CheckResult] = []
    for profile in profiles:
        results.extend(check_profile(profile))
    return results
