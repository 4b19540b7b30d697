"""llama.cpp's own accounting of a loaded model: the buffer sizes it logs, read back as numbers.

``measure(path, settings)`` loads a GGUF file with llama-cpp-python's low-level API in a child process
(so that llama.cpp's log, written by C code to file descriptor 2, is captured whole) and returns what
``parse_log`` finds in it. Nothing here estimates anything; this is the reference the estimate is
checked against.

llama.cpp prints sizes in MiB with two decimals, so a figure read here is exact to ±0.005 MiB (±5 KiB).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["MIB", "Allocation", "Settings", "measure", "parse_log"]

MIB = 1 << 20

# One line per buffer llama.cpp allocates (llama-model.cpp, llama-kv-cache.cpp, llama-memory-recurrent.cpp,
# llama-context.cpp as vendored by llama-cpp-python 0.3.36).
_MODEL = re.compile(r"load_tensors:\s+(\S+) model buffer size =\s+([\d.]+) MiB")
_KV_BUF = re.compile(r"llama_kv_cache:\s+(\S+) KV buffer size =\s+([\d.]+) MiB")
_KV_SIZE = re.compile(
    r"llama_kv_cache: size =\s+([\d.]+) MiB \(\s*(\d+) cells,\s+(\d+) layers,\s+(\d+)/(\d+) seqs\), "
    r"K \((\w+)\):\s+([\d.]+) MiB, V \((\w+)\):\s+([\d.]+) MiB"
)
_RS_BUF = re.compile(r"llama_memory_recurrent:\s+(\S+) RS buffer size =\s+([\d.]+) MiB")
_OUTPUT = re.compile(r"llama_context:\s+(\S+)\s+output buffer size =\s+([\d.]+) MiB")
_COMPUTE = re.compile(
    r"(?:sched_reserve|llama_context|graph_reserve):\s+(\S+) compute buffer size =\s+([\d.]+) MiB"
)
_N_CTX = re.compile(r"llama_context: n_ctx\s+= (\d+)")


@dataclass
class KVCache:
    """One KV cache as llama.cpp reports it: cells, layers, sequences/streams, K and V in MiB."""

    cells: int
    layers: int
    seqs: int
    streams: int
    type_k: str
    type_v: str
    k_mib: float
    v_mib: float


@dataclass
class Allocation:
    """The buffers llama.cpp allocated for one model and context, in MiB, per backend buffer name."""

    n_ctx: int = 0
    model: dict[str, float] = field(default_factory=dict)
    kv_buffers: dict[str, float] = field(default_factory=dict)
    kv_caches: list[KVCache] = field(default_factory=list)
    recurrent: dict[str, float] = field(default_factory=dict)
    output: dict[str, float] = field(default_factory=dict)
    compute: dict[str, float] = field(default_factory=dict)

    @property
    def kv_mib(self) -> float:
        """All K and V caches together (the recurrent state is separate)."""
        return sum(c.k_mib + c.v_mib for c in self.kv_caches)


def parse_log(text: str) -> Allocation:
    """Read the buffer sizes out of llama.cpp's verbose load log.

    >>> log = '''load_tensors:   CPU_Mapped model buffer size =   235.16 MiB
    ... llama_context: n_ctx         = 32768
    ... llama_kv_cache:        CPU KV buffer size =    96.00 MiB
    ... llama_kv_cache: size =   96.00 MiB ( 32768 cells,   3 layers,  1/1 seqs), K (f16):   48.00 MiB, V (f16):   48.00 MiB
    ... sched_reserve:        CPU compute buffer size =   514.50 MiB'''
    >>> a = parse_log(log)
    >>> a.model, a.kv_caches[0].cells, a.kv_mib, a.compute
    ({'CPU_Mapped': 235.16}, 32768, 96.0, {'CPU': 514.5})
    """
    a = Allocation()
    for line in text.splitlines():
        if m := _MODEL.search(line):
            a.model[m[1]] = a.model.get(m[1], 0.0) + float(m[2])
        elif m := _KV_BUF.search(line):
            a.kv_buffers[m[1]] = a.kv_buffers.get(m[1], 0.0) + float(m[2])
        elif m := _KV_SIZE.search(line):
            a.kv_caches.append(
                KVCache(int(m[2]), int(m[3]), int(m[4]), int(m[5]), m[6], m[8], float(m[7]), float(m[9]))
            )
        elif m := _RS_BUF.search(line):
            a.recurrent[m[1]] = a.recurrent.get(m[1], 0.0) + float(m[2])
        elif m := _OUTPUT.search(line):
            a.output[m[1]] = float(m[2])
        elif m := _COMPUTE.search(line):
            a.compute[m[1]] = float(m[2])
        elif m := _N_CTX.search(line):
            a.n_ctx = int(m[1])
    return a


@dataclass(frozen=True)
class Settings:
    """The context parameters a measurement uses; the defaults are llama.cpp's command-line tools' ones."""

    n_ctx: int = 4096
    type_k: str = "f16"
    type_v: str = "f16"
    flash_attn: bool = False
    n_ubatch: int = 512
    n_batch: int = 2048
    n_seq_max: int = 1
    kv_unified: bool = False
    swa_full: bool = False

    def label(self) -> str:
        """A short name for tables: only what differs from the defaults."""
        base = Settings()
        parts = [f"{k}={v}" for k, v in asdict(self).items() if v != getattr(base, k)]
        return ", ".join(parts) or "defaults"


# The child process: llama-cpp-python's ctypes API, nothing of llmterms. It prints nothing itself, so
# everything on stderr is llama.cpp's log.
_CHILD = r"""
import ctypes, json, sys
import llama_cpp as L
s = json.loads(sys.argv[2])
types = {"f32": 0, "f16": 1, "q4_0": 2, "q4_1": 3, "q5_0": 6, "q5_1": 7, "q8_0": 8, "bf16": 30}
L.llama_backend_init()
mp = L.llama_model_default_params()
mp.n_gpu_layers = 0
model = L.llama_model_load_from_file(sys.argv[1].encode(), mp)
if not model:
    sys.exit("model did not load")
cp = L.llama_context_default_params()
cp.n_ctx, cp.n_batch, cp.n_ubatch = s["n_ctx"], s["n_batch"], s["n_ubatch"]
cp.n_seq_max, cp.kv_unified, cp.swa_full = s["n_seq_max"], s["kv_unified"], s["swa_full"]
cp.type_k, cp.type_v = types[s["type_k"]], types[s["type_v"]]
cp.flash_attn_type = L.LLAMA_FLASH_ATTN_TYPE_ENABLED if s["flash_attn"] else L.LLAMA_FLASH_ATTN_TYPE_DISABLED
cp.n_threads = cp.n_threads_batch = 1
ctx = L.llama_init_from_model(model, cp)
if not ctx:
    sys.exit("context did not initialise")
L.llama_free(ctx)
L.llama_model_free(model)
"""


def measure(path: str | Path, settings: Settings = Settings(), python: str = sys.executable) -> Allocation:
    """Load ``path`` in llama.cpp with ``settings`` (CPU only) and return the buffers it allocated."""
    proc = subprocess.run(
        [python, "-c", _CHILD, str(path), json.dumps(asdict(settings))],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode:
        tail = "\n".join(proc.stderr.splitlines()[-15:])
        raise RuntimeError(f"llama.cpp failed on {path} with {settings.label()}:\n{tail}")
    allocation = parse_log(proc.stderr)
    if not allocation.model or not allocation.compute:
        raise RuntimeError(f"no buffer sizes in llama.cpp's log for {path}:\n{proc.stderr[-2000:]}")
    return allocation
