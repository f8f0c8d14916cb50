"""Answer scoring on a llama.cpp model: next-token probabilities over the allowed answers.

Each question's conversation is rendered with the model's own chat template and tokenized; the
context keeps whatever it already holds in common with that token sequence (the system prompt, the
framed item shared by an item's questions) and evaluates only the rest, in one forward pass. The
logits at the last position, the start of the assistant's reply, give the probability of each
allowed answer's first token (its spelling variants summed: ``yes``, ``Yes``, `` yes``); answers
that share a first token are told apart by evaluating their remaining tokens.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from orchestrator.llm.backends.base import Message, ScoreQuestion
from orchestrator.llm.errors import LLMRejected, LLMTimeout

if TYPE_CHECKING:
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

# Room left at the end of the context for the answer tokens scored after the prompt.
ANSWER_ROOM = 16

_formatters: dict[int, Jinja2ChatFormatter | None] = {}


def _formatter(model: Llama) -> Jinja2ChatFormatter | None:
    key = id(model)
    if key not in _formatters:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = model.metadata.get("tokenizer.chat_template")
        eos, bos = model.token_eos(), model.token_bos()
        _formatters[key] = (
            Jinja2ChatFormatter(
                template=template,
                eos_token=model._model.token_get_text(eos) if eos != -1 else "",
                bos_token=model._model.token_get_text(bos) if bos != -1 else "",
            )
            if template
            else None
        )
    return _formatters[key]


def render(model: Llama, messages: list[Message]) -> str:
    """The prompt text the model sees for *messages*, ending where the assistant's reply starts."""
    formatter = _formatter(model)
    if formatter is None:  # a GGUF without a chat template: a plain transcript
        lines = [f"{m['role']}: {m['content']}" for m in messages]
        return "\n\n".join(lines) + "\n\nassistant:"
    # Our plain role/content dicts are what llama-cpp-python's TypedDicts describe.
    return formatter(messages=messages).prompt  # type: ignore[arg-type]


def prompt_tokens(model: Llama, messages: list[Message]) -> list[int]:
    text = render(model, messages)
    bos = model.token_bos()
    bos_text = model._model.token_get_text(bos) if bos != -1 else ""
    add_bos = bos != -1 and not (bos_text and text.startswith(bos_text))
    return model.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)


def _common_prefix(model: Llama, tokens: Sequence[int]) -> int:
    held = model.input_ids[: model.n_tokens]
    limit = min(len(held), len(tokens))
    same = 0
    while same < limit and held[same] == tokens[same]:
        same += 1
    # Re-evaluate at least the last token: its logits are what we read.
    return min(same, len(tokens) - 1)


def _eval_from_cache(model: Llama, tokens: Sequence[int]) -> np.ndarray:
    """Log-probabilities of the next token after *tokens*, reusing the context's common prefix."""
    model.n_tokens = _common_prefix(model, tokens)
    model.eval(tokens[model.n_tokens :])
    logits = np.ctypeslib.as_array(model._ctx.get_logits_ith(-1), shape=(model.n_vocab(),))
    shifted = logits.astype(np.float64) - float(np.max(logits))
    log_probs: np.ndarray = shifted - math.log(float(np.exp(shifted).sum()))
    return log_probs


def _variants(option: str) -> list[str]:
    base = option.strip()
    return list(dict.fromkeys([base, base.lower(), base.capitalize(), " " + base, " " + base.capitalize()]))


def _spellings(model: Llama, option: str) -> list[list[int]]:
    result = []
    for text in _variants(option):
        tokens = model.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        if tokens:
            result.append(tokens)
    return result


def _option_log_probs(model: Llama, prompt: list[int], options: Sequence[str]) -> dict[str, float]:
    first = _eval_from_cache(model, prompt)
    spellings = {option: _spellings(model, option) for option in options}
    owners: dict[int, set[str]] = {}
    for option, spelled in spellings.items():
        for tokens in spelled:
            owners.setdefault(tokens[0], set()).add(option)
    scores: dict[str, float] = {}
    for option, spelled in spellings.items():
        parts = [float(first[t]) for t in {s[0] for s in spelled} if owners[t] == {option}]
        for tokens in spelled:
            if len(owners[tokens[0]]) > 1 and len(tokens) > 1:
                # Ambiguous at the first token: the whole spelling's probability tells them apart.
                total = float(first[tokens[0]])
                for n in range(1, len(tokens)):
                    total += float(_eval_from_cache(model, prompt + tokens[:n])[tokens[n]])
                parts.append(total)
        scores[option] = float(np.logaddexp.reduce(parts)) if parts else -math.inf
    return scores


def normalised(log_probs: dict[str, float]) -> dict[str, float]:
    """Probabilities over the options alone (uniform when the model gives them no mass at all)."""
    finite = [v for v in log_probs.values() if v != -math.inf]
    if not finite:
        return {k: 1 / len(log_probs) for k in log_probs}
    top = max(finite)
    weights = {k: math.exp(v - top) if v != -math.inf else 0.0 for k, v in log_probs.items()}
    total = sum(weights.values())
    return {k: w / total for k, w in weights.items()}


def score_questions(
    model: Llama, questions: Sequence[ScoreQuestion], *, stop_at: float, n_ctx: int, name: str
) -> tuple[dict[str, dict[str, float]], int]:
    """Probabilities per question and the number of prompt tokens evaluated (cache hits excluded)."""
    results: dict[str, dict[str, float]] = {}
    evaluated = 0
    for question in questions:
        if time.monotonic() > stop_at:
            raise LLMTimeout(f"embedded model {name} ran out of time after {len(results)} question(s)")
        tokens = prompt_tokens(model, question.messages)
        if len(tokens) + ANSWER_ROOM > n_ctx:
            raise LLMRejected(
                f"embedded model {name}: the prompt has {len(tokens)} tokens, more than its "
                f"{n_ctx}-token context holds"
            )
        evaluated += len(tokens) - _common_prefix(model, tokens)
        results[question.name] = normalised(_option_log_probs(model, tokens, question.options))
    return results, evaluated
