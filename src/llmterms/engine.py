"""Load GGUF models through ctransformers' llama.cpp, safely.

ctransformers 0.2.27 bundles a llama.cpp from September 2023.  Three of its habits make it unsafe to
use directly, and this module works around each:

- A malformed GGUF file crashes the whole Python process (a segmentation fault, not an exception).
  :func:`llmterms.llama_gguf.validate` therefore checks every count, length, offset and shape against
  the file's size before the C library sees the file, and raises :class:`ModelFileError` instead.
- Its ``LLM.tokenize`` allocates one slot per *character* while the C side writes one integer per
  *token*; text that falls back to byte tokens (most non-ASCII text) has more tokens than characters
  and overruns the heap.  ``LLM.__call__`` and ``LLM.generate`` tokenize the same way.  This module
  never uses the ``LLM`` class: it binds the C functions itself and sizes the token buffer by the
  UTF-8 byte count, which bounds the number of tokens.
- Without an explicit library path, every load runs a CPU-detection subprocess (about a second).
  :func:`chosen_build` reads ``/proc/cpuinfo`` once instead.

The environment variable ``LLMTERMS_CTRANSFORMERS_LIB`` (:data:`ENVIRONMENT_VARIABLE`) chooses the
library: ``avx2``, ``avx`` or ``basic``, or ``none`` to run models on the numpy forward pass of
:mod:`llmterms.forward_pass` instead.  The numpy pass also takes over, with a one-line notice on
standard error, where the variable is unset and no ctransformers library loads (ctransformers 0.2.27
ships x86-64 libraries only for Linux and Windows, so Linux on ARM has none).

The C interface exposes only the logits of the last evaluated position, so :meth:`Model.logits`
evaluates one position at a time.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from llmterms import sampling

__all__ = [
    "BUILDS",
    "CHOICES",
    "ENVIRONMENT_VARIABLE",
    "Model",
    "ModelFileError",
    "chosen_build",
    "library_path",
    "load",
    "runnable_builds",
    "validate",
]


from llmterms.llama_gguf import (  # re-exported: the engine validates first
    MAX_CONTEXT,
    ModelFileError,
    validate,
)

# -- Choosing the engine ----------------------------------------------------------------------------

#: The environment variable that chooses ctransformers' CPU library, or ``none`` for the numpy forward pass.
ENVIRONMENT_VARIABLE = "LLMTERMS_CTRANSFORMERS_LIB"
#: ctransformers 0.2.27's CPU libraries, most demanding first: AVX2; AVX with F16C; neither.
BUILDS = ("avx2", "avx", "basic")
#: What :data:`ENVIRONMENT_VARIABLE` may be set to.
CHOICES = (*BUILDS, "none")


def chosen_build() -> str:
    """Return the engine to run models on: ``LLMTERMS_CTRANSFORMERS_LIB`` if set, else the CPU's best build.

    Without the variable the choice follows ctransformers' own rule (AVX2, else AVX with F16C, else
    neither) but reads the CPU flags from ``/proc/cpuinfo`` instead of starting a subprocess; where that
    file does not exist (macOS, Windows) it is ``basic``.  ``none`` means the numpy forward pass.

    >>> from unittest import mock
    >>> with mock.patch.dict("os.environ", {"LLMTERMS_CTRANSFORMERS_LIB": "basic"}):
    ...     chosen_build()
    'basic'
    >>> with mock.patch.dict("os.environ", {"LLMTERMS_CTRANSFORMERS_LIB": "sse"}):
    ...     chosen_build()
    Traceback (most recent call last):
    ...
    ValueError: LLMTERMS_CTRANSFORMERS_LIB is 'sse'; expected one of avx2, avx, basic, none
    """
    value = os.environ.get(ENVIRONMENT_VARIABLE, "")
    if value:
        if value not in CHOICES:
            raise ValueError(f"{ENVIRONMENT_VARIABLE} is {value!r}; expected one of {', '.join(CHOICES)}")
        return value
    flags = _cpu_flags()
    return next(build for build in BUILDS if _NEEDS[build] <= flags)


# The CPU flags each build needs, by ctransformers' own rule (ctransformers/lib.py, find_library).
_NEEDS = {"avx2": {"avx2"}, "avx": {"avx", "f16c"}, "basic": set()}


def _check_cpu(build: str) -> None:
    missing = _NEEDS.get(build, set()) - _cpu_flags()
    if _cpu_flags() and missing:
        # The library would load, then stop the whole process at its first illegal instruction.
        raise RuntimeError(
            f"ctransformers' {build} library needs {' and '.join(sorted(missing))}, "
            "which this CPU lacks (/proc/cpuinfo)"
        )


def runnable_builds() -> list[str]:
    """Return the ctransformers builds this machine can load and run, most demanding first.

    A build counts when the CPU has its instructions (where ``/proc/cpuinfo`` says; elsewhere only
    ``basic`` counts) and its library loads: on Linux on ARM the list is empty.

    >>> set(runnable_builds()) <= set(BUILDS)
    True
    """
    flags = _cpu_flags()
    runnable = []
    for build in BUILDS:
        if not _NEEDS[build] <= flags:
            continue
        try:
            _bind(library_path(build))
        except (ImportError, OSError):
            continue
        runnable.append(build)
    return runnable


def library_path(build: str | None = None) -> Path:
    """Return the file of ctransformers' CPU library *build* (avx2, avx, basic; default :func:`chosen_build`).

    >>> library_path("basic").parent.name
    'basic'
    """
    build = build or chosen_build()
    if build not in BUILDS:
        raise ValueError(f"build must be one of {', '.join(BUILDS)}, not {build!r}")
    spec = importlib.util.find_spec("ctransformers")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("ctransformers is not installed")
    lib_dir = Path(next(iter(spec.submodule_search_locations))) / "lib"
    name = {"linux": "libctransformers.so", "darwin": "libctransformers.dylib"}.get(
        sys.platform, "ctransformers.dll"
    )
    return lib_dir / build / name


@cache
def _cpu_flags() -> frozenset[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()  # not Linux: fall back to the build that needs no special instructions
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


class _Config(ctypes.Structure):
    _fields_ = [
        ("context_length", ctypes.c_int),
        ("gpu_layers", ctypes.c_int),
        ("mmap", ctypes.c_bool),
        ("mlock", ctypes.c_bool),
    ]


@cache
def _bind(lib_path: Path):
    lib = ctypes.CDLL(str(lib_path))
    p, i, f = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
    signatures = {
        "create": (p, [ctypes.c_char_p, ctypes.c_char_p, _Config]),
        "delete": (None, [p]),
        "tokenize": (i, [p, ctypes.c_char_p, ctypes.c_bool, ctypes.POINTER(i)]),
        "detokenize": (ctypes.c_char_p, [p, i]),
        "vocab_size": (i, [p]),
        "context_length": (i, [p]),
        "bos_token_id": (i, [p]),
        "eos_token_id": (i, [p]),
        "batch_eval": (ctypes.c_bool, [p, ctypes.POINTER(i), i, i, i, i]),
        "logits_data": (ctypes.POINTER(f), [p]),
        "logits_size": (i, [p]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, f"ctransformers_llm_{name}")
        function.restype, function.argtypes = restype, argtypes
    return lib


_noticed: set[str] = set()


def _notice(text: str) -> None:
    # Once per process and reason: a doctest suite loads the model hundreds of times.
    if text not in _noticed:
        _noticed.add(text)
        print(f"llmterms: {text}", file=sys.stderr)


def _open_engine(path: Path, context_length: int, lib):
    """Open *path* in the engine *lib* names (a build, ``none``, a library file, or None for the default)."""
    if lib is None:
        build = chosen_build()
        _check_cpu(build)
        if build == "none":
            _notice(
                f"{ENVIRONMENT_VARIABLE}=none: models run on the numpy forward pass (llmterms.forward_pass)"
            )
            return _NumpyEngine(path)
        try:
            library = _bind(library_path(build))
        except (ImportError, OSError) as error:
            if os.environ.get(ENVIRONMENT_VARIABLE):
                raise  # asked for by name: a failure is the answer, not a reason to fall back
            # Linux on ARM and other platforms ctransformers has no library for.
            _notice(
                f"no ctransformers library loads here ({type(error).__name__}: {error}); "
                "models run on the numpy forward pass (llmterms.forward_pass)"
            )
            return _NumpyEngine(path)
        return _LibraryEngine(library, build, path, context_length)
    if lib == "none":
        return _NumpyEngine(path)
    _check_cpu(lib)
    lib_file = library_path(lib) if lib in BUILDS else Path(lib)
    return _LibraryEngine(_bind(lib_file), str(lib), path, context_length)


class _LibraryEngine:
    """A model inside ctransformers' C library: it keeps the KV cache and exposes the last logits."""

    def __init__(self, library, name: str, path: Path, context_length: int):
        self.name, self._lib = name, library
        config = _Config(context_length=context_length, gpu_layers=0, mmap=True, mlock=False)
        self._llm = library.ctransformers_llm_create(str(path).encode(), b"gguf", config)
        if not self._llm:
            raise ModelFileError(path, "llama.cpp refused to load it")
        self.vocab_size = library.ctransformers_llm_vocab_size(self._llm)
        self.bos_id = library.ctransformers_llm_bos_token_id(self._llm)
        self.eos_id = library.ctransformers_llm_eos_token_id(self._llm)

    def close(self) -> None:
        llm, self._llm = self._llm, None
        if llm:
            self._lib.ctransformers_llm_delete(llm)

    def tokenize(self, data: bytes, add_bos: bool) -> list[int]:
        # A SentencePiece tokenizer with byte fallback emits at most one token per byte, plus the
        # leading-space piece and BOS: the byte count bounds the buffer (the characters do not).
        buffer = (ctypes.c_int * (len(data) + 8))()
        n = self._lib.ctransformers_llm_tokenize(self._llm, data, add_bos, buffer)
        return list(buffer[:n])

    def detokenize(self, ids: list[int]) -> str:
        data = b"".join(self._lib.ctransformers_llm_detokenize(self._llm, i) or b"" for i in ids)
        text = data.decode("utf-8", errors="replace")
        # llama.cpp puts a space before the text when it tokenizes it; take it back off.
        if ids[:1] == [self.bos_id] and text.startswith(" "):
            text = text[1:]
        return text

    def eval(self, ids: list[int], n_past: int, threads: int) -> np.ndarray:
        array = (ctypes.c_int * len(ids))(*ids)
        if not self._lib.ctransformers_llm_batch_eval(self._llm, array, len(ids), n_past, len(ids), threads):
            raise RuntimeError("llama.cpp failed to evaluate the tokens")
        size = self._lib.ctransformers_llm_logits_size(self._llm)
        data = self._lib.ctransformers_llm_logits_data(self._llm)
        return np.ctypeslib.as_array(data, shape=(size,))[-self.vocab_size :].copy()

    def rows(self, ids: list[int], first: int, threads: int) -> np.ndarray:
        # The C interface exposes only the last position's logits: one call per returned row.
        rows = np.empty((len(ids) - first, self.vocab_size), dtype=np.float32)
        if first:
            self.eval(ids[:first], 0, threads)
        for row, position in enumerate(range(first, len(ids))):
            rows[row] = self.eval([ids[position]], position, threads)
        return rows


class _NumpyEngine:
    """A model in :class:`llmterms.forward_pass.ReferenceModel`, for where no ctransformers library loads.

    Its logits agree with ctransformers' to about 0.005 for F16 weights; for quantized weights it does
    not round the activations to 8 bits as ggml does, so they differ more (see the tests).
    """

    name = "numpy"

    def __init__(self, path: Path):
        from llmterms.forward_pass import ReferenceModel  # numpy only: ctransformers' users never pay for it

        stat = path.stat()
        weights, shape, vocabulary = _numpy_weights(path.resolve(), stat.st_size, stat.st_mtime_ns)
        self._model = ReferenceModel(weights, shape, vocabulary)
        self._vocabulary_key = (tuple(vocabulary.pieces), tuple(vocabulary.scores), vocabulary.bos_id)
        self.vocab_size = self._model.vocab_size
        self.bos_id = self._model.vocabulary.bos_id
        self.eos_id = self._model.vocabulary.eos_id

    def close(self) -> None:
        # Nothing to free here: Model.close drops this engine, and with it the KV cache; the weights stay in
        # _numpy_weights' cache, shared by every model of the same file.
        pass

    def tokenize(self, data: bytes, add_bos: bool) -> list[int]:
        # The Python tokenizer takes tens of microseconds per character; perplexity examples tokenize one
        # long text once per quantization type, so the most recent results are kept, per vocabulary.
        key = (self._vocabulary_key, data, add_bos)
        ids = _TOKENS.pop(key, None)
        if ids is None:
            ids = tuple(self._model.tokenize(data.decode("utf-8"), add_bos=add_bos))
        _TOKENS[key] = ids
        while len(_TOKENS) > 16:
            del _TOKENS[next(iter(_TOKENS))]
        return list(ids)

    def detokenize(self, ids: list[int]) -> str:
        return self._model.detokenize(ids)

    def eval(self, ids: list[int], n_past: int, threads: int) -> np.ndarray:
        if n_past == 0:
            self._model.reset()
        elif n_past != self._model.cache.length:
            # Model only ever appends to its sequence or starts a new one.
            raise RuntimeError(f"cannot evaluate at position {n_past} after {self._model.cache.length}")
        return self._model.forward(ids)[-1].astype(np.float32)

    def rows(self, ids: list[int], first: int, threads: int) -> np.ndarray:
        # One pass over every position; ctransformers needs one call per row.
        return self._model.logits(ids, first).astype(np.float32)


_TOKENS: dict[tuple, tuple[int, ...]] = {}


@lru_cache(maxsize=8)
def _numpy_weights(path: Path, size: int, mtime_ns: int):
    # Reading and dequantizing takes about 0.3 s, and a doctest suite loads the same files hundreds of
    # times; the size and modification time in the key make a rewritten file a new entry.
    from llmterms.forward_pass import ReferenceModel

    model = ReferenceModel.from_gguf(path)
    # float64: the forward pass multiplies by float64 scalars, which NumPy 2 promotes to float64 arrays,
    # so float32 weights would be converted at every product (twice as slow, the same digits to 1e-5).
    weights = {name: np.asarray(w, dtype=np.float64) for name, w in model.weights.items()}
    return weights, model.shape, model.vocabulary


# -- The model --------------------------------------------------------------------------------------


class Model:
    """A validated GGUF llama model run by ctransformers' llama.cpp, or by numpy; see :func:`load`.

    ``lib="none"`` picks the numpy forward pass; a context shorter than the trained one (256 tokens
    here) caps how many tokens a call may use:

    >>> from llmterms import tiny
    >>> model = Model(tiny.path(), context_length=64, lib="none")
    >>> model, model.engine
    (<Model llmterms-tiny-F16.gguf vocab=1024 context=64>, 'numpy')
    >>> model.generate("A GGUF file", max_new_tokens=8)
    ", so that is the model's"
    >>> model.logits(list(range(65)))
    Traceback (most recent call last):
    ...
    ValueError: 65 tokens exceed the context length of 64
    >>> model.close()
    """

    def __init__(self, path, *, context_length=None, threads=1, lib=None):
        shape = validate(path)
        self.path = Path(path)
        self.context_length = int(context_length or shape["context"])
        if not 1 <= self.context_length <= MAX_CONTEXT:
            raise ValueError(f"context_length must be between 1 and {MAX_CONTEXT}, not {self.context_length}")
        self.threads = int(threads)
        self._pieces = shape["tokens"]
        self._engine = _open_engine(self.path, self.context_length, lib)
        #: What runs the model: a ctransformers build (avx2, avx, basic), a library file, or ``numpy``.
        self.engine = self._engine.name
        self.vocab_size = self._engine.vocab_size
        self.bos_id = self._engine.bos_id
        self.eos_id = self._engine.eos_id

    def __repr__(self):
        return f"<Model {self.path.name} vocab={self.vocab_size} context={self.context_length}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __del__(self):
        self.close()

    def close(self) -> None:
        """Free the model's memory; the object cannot be used afterwards.

        >>> from llmterms import tiny
        >>> model = tiny.load()
        >>> model.close()
        >>> model.tokenize("hello")
        Traceback (most recent call last):
        ...
        ValueError: the model is closed
        """
        engine, self._engine = getattr(self, "_engine", None), None
        if engine is not None:
            engine.close()

    def _handle(self):
        if self._engine is None:
            raise ValueError("the model is closed")
        return self._engine

    def tokenize(self, text: str, add_bos: bool = True) -> list[int]:
        """Split *text* into token ids, the way llama.cpp does, with BOS first unless told otherwise.

        >>> from llmterms import tiny
        >>> with tiny.load() as model:
        ...     ids = model.tokenize("the model")
        ...     ids[0] == model.bos_id, len(ids)
        (True, 3)
        """
        engine = self._handle()
        data = text.encode("utf-8")
        if b"\0" in data:
            raise ValueError("text contains a NUL character, which the C interface would cut the text at")
        return engine.tokenize(data, add_bos)

    def pieces(self, text: str) -> list[str]:
        """Show how *text* is split: the vocabulary entry of each token, without BOS.

        SentencePiece writes a space as '▁'; characters the vocabulary lacks fall back to one
        token per UTF-8 byte, written '<0xNN>'.

        >>> from llmterms import tiny
        >>> with tiny.load() as model:
        ...     model.pieces("GGUF file")
        ...     model.pieces("≈")
        ['▁GGUF', '▁file']
        ['▁', '<0xE2>', '<0x89>', '<0x88>']
        """
        return [self._pieces[i] for i in self.tokenize(text, add_bos=False)]

    def detokenize(self, ids) -> str:
        """Turn token ids back into text; the inverse of :meth:`tokenize`.

        >>> from llmterms import tiny
        >>> with tiny.load() as model:
        ...     model.detokenize(model.tokenize("Ünïcödé ≈ 🙂"))
        'Ünïcödé ≈ 🙂'
        """
        return self._handle().detokenize([int(i) for i in ids])

    def _check(self, ids, n_past: int) -> None:
        if n_past + len(ids) > self.context_length:
            # The C side would silently overwrite the last positions instead of failing.
            raise ValueError(f"{n_past + len(ids)} tokens exceed the context length of {self.context_length}")
        if any(not 0 <= i < self.vocab_size for i in ids):
            raise ValueError(f"token ids must be between 0 and {self.vocab_size - 1}")

    def _eval(self, ids, n_past: int) -> np.ndarray:
        """Evaluate *ids* after the first *n_past* positions; return the logits after the last one."""
        engine = self._handle()
        self._check(ids, n_past)
        return engine.eval(ids, n_past, self.threads)

    def logits(self, ids, first: int = 0) -> np.ndarray:
        """Return the logits at positions *first* onwards of *ids*: shape (len(ids) - first, vocab_size).

        Row *i* scores every candidate for the token after ``ids[first + i]``.  ctransformers' C
        interface only exposes the last position's logits, so there each returned row costs one call
        that evaluates one token against the KV cache; the tokens before *first* go in a single call.

        >>> from llmterms import tiny
        >>> with tiny.load() as model:
        ...     ids = model.tokenize("Quantization stores")
        ...     logits = model.logits(ids)
        ...     best_next = model.detokenize([int(logits[-1].argmax())])
        >>> logits.shape, best_next
        ((7, 1024), ' the')
        """
        engine = self._handle()
        ids = [int(i) for i in ids]
        if not 0 <= first < len(ids):
            raise ValueError(f"first must index into the {len(ids)} ids, not {first}")
        self._check(ids, 0)
        return engine.rows(ids, first, self.threads)

    def generate(
        self,
        prompt: str,
        max_new_tokens: int = 32,
        temperature: float = 0.0,
        top_k: int = 0,
        top_p: float = 1.0,
        seed: int = 0,
    ) -> str:
        """Continue *prompt* and return the new text; temperature 0 is greedy decoding.

        Greedy decoding takes the single most likely token at every step, so the output depends
        only on the model and the prompt.  With a temperature above zero the next token is drawn
        from the softmax of logits / temperature, restricted to the *top_k* most likely tokens
        (0 keeps all) and then to the smallest set whose probabilities add up to *top_p*; *seed*
        makes the draw repeatable.  There is no repetition penalty.

        >>> from llmterms import tiny
        >>> with tiny.load() as model:
        ...     model.generate("A GGUF file", max_new_tokens=8)
        ", so that is the model's"
        """
        ids = self.tokenize(prompt)
        rng = np.random.default_rng(seed)
        logits = self._eval(ids, 0)
        new: list[int] = []
        while len(new) < max_new_tokens and len(ids) + len(new) < self.context_length:
            token = _choose(logits, temperature, top_k, top_p, rng)
            if token == self.eos_id:
                break
            new.append(token)
            logits = self._eval([token], len(ids) + len(new) - 1)
        prefix = self.detokenize(ids)
        return self.detokenize(ids + new)[len(prefix) :]


def _choose(logits: np.ndarray, temperature: float, top_k: int, top_p: float, rng) -> int:
    # The steps of llmterms.sampling in transformers' order (sampling.CHAINS): top-k and temperature
    # commute, and top-p measures the distribution after temperature.
    if temperature <= 0:
        return sampling.greedy(logits)
    kept = sampling.top_p(sampling.temperature(sampling.top_k(logits, top_k), temperature), top_p)
    return sampling.sample(kept, rng)


def load(path, **options) -> Model:
    """Validate the GGUF file at *path* and load it; options: context_length, threads, lib.

    ``context_length`` defaults to the length the model was trained with, ``threads`` to 1 (small
    models run fastest on one thread), and ``lib`` to the engine :func:`chosen_build` picks; ``lib`` may
    also name a build (avx2, avx, basic), ``"none"`` for the numpy forward pass, or a library file.

    >>> from llmterms import tiny
    >>> with load(tiny.path("Q8_0")) as model:
    ...     model
    ...     model.vocab_size, model.context_length
    <Model llmterms-tiny-Q8_0.gguf vocab=1024 context=256>
    (1024, 256)
    """
    unknown = set(options) - {"context_length", "threads", "lib"}
    if unknown:
        raise TypeError(f"unknown options: {', '.join(sorted(unknown))}")
    return Model(path, **options)
