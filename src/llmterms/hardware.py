"""Memory bandwidth and the decode speed it allows.

Generating one token (decoding) reads every weight the token uses once, plus the KV cache, and does
only a couple of arithmetic operations per byte read. On almost all hardware that makes decoding
memory-bound: tokens per second can be no higher than bandwidth divided by bytes read per token.
Prompt processing (prefill) batches many tokens per weight read and is compute-bound instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from llmterms import data

__all__ = [
    "Hardware",
    "decode_tokens_per_second",
    "device",
    "devices",
    "memory_bandwidth",
    "pcie_bandwidth",
    "table",
]


def memory_bandwidth(channels: int, bus_width_bits: int, transfer_mts: float) -> float:
    """Peak bandwidth in bytes per second: channels x bus width in bytes x transfers per second.

    Dual-channel DDR4-3200 moves 2 x 8 bytes 3.2 billion times a second:

    >>> memory_bandwidth(2, 64, 3200) / 1e9
    51.2

    A GPU's memory is one wide bus; the RTX 4090's 384 bits at 21 GT/s:

    >>> memory_bandwidth(1, 384, 21000) / 1e9
    1008.0
    """
    return channels * bus_width_bits / 8 * transfer_mts * 1e6


def decode_tokens_per_second(bandwidth: float, model_bytes: float) -> float:
    """Upper bound on decode speed: bandwidth (bytes/s) over bytes read per token.

    A 4.08 GB Q4_K_M Llama-2 7B on dual-channel DDR5-5600 (89.6 GB/s) cannot exceed about 22 tokens
    per second, whatever the CPU; real runs reach some fraction of this bound.

    >>> round(decode_tokens_per_second(89.6e9, 4.08e9), 1)
    22.0

    For a mixture-of-experts model pass the bytes of the *active* weights, not of the whole file.
    """
    if bandwidth <= 0 or model_bytes <= 0:
        raise ValueError("bandwidth and model_bytes must be positive")
    return bandwidth / model_bytes


@dataclass(frozen=True)
class Hardware:
    """A device with its memory size and peak memory bandwidth, and where the figures come from.

    >>> d = device("NVIDIA GeForce RTX 3090")
    >>> d.memory_gb, d.bandwidth_gbs
    (24, 936)
    """

    name: str
    kind: str
    memory_gb: float
    bandwidth_gbs: float
    source: str
    channels: int | None = None
    bus_width_bits: int | None = None
    transfer_mts: float | None = None
    note: str = ""

    @property
    def bandwidth(self) -> float:
        """Peak bandwidth in bytes per second.

        >>> device("Apple M2 Ultra").bandwidth
        800000000000.0
        """
        return self.bandwidth_gbs * 1e9

    def decode_tokens_per_second(self, model_bytes: float) -> float:
        """The bandwidth bound on decode speed for a model of ``model_bytes`` on this device.

        >>> round(device("NVIDIA GeForce RTX 4090").decode_tokens_per_second(4.08e9))
        247
        """
        return decode_tokens_per_second(self.bandwidth, model_bytes)


@cache
def _data() -> dict:
    return data.read("hardware.toml")


@cache
def _table() -> dict[str, Hardware]:
    return {name: Hardware(name=name, **row) for name, row in _data()["devices"].items()}


def devices() -> list[Hardware]:
    """All devices in the table.

    >>> [d.name for d in devices()][:2]
    ['DDR4-3200 dual channel', 'DDR5-5600 dual channel']
    """
    return list(_table().values())


def device(name: str) -> Hardware:
    """A device by exact name, or by a unique case-insensitive part of it.

    >>> device("7900 xtx").bandwidth_gbs
    960
    """
    table = _table()
    if name in table:
        return table[name]
    matches = [d for key, d in table.items() if name.lower() in key.lower()]
    if len(matches) == 1:
        return matches[0]
    hint = f"; candidates: {', '.join(d.name for d in matches)}" if matches else ""
    raise KeyError(f"no single device matches {name!r}{hint}")


def pcie_bandwidth(generation: int, lanes: int = 16) -> float:
    """Peak bytes per second in one direction of a PCIe link: lanes x transfer rate x encoding / 8.

    A graphics card's x16 slot at PCIe 4.0 moves about 31.5 GB/s each way, some 30 times less than
    the card's own memory; an NVMe SSD on four PCIe 4.0 lanes tops out near 7.9 GB/s:

    >>> round(pcie_bandwidth(4) / 1e9, 1), round(pcie_bandwidth(4, lanes=4) / 1e9, 2)
    (31.5, 7.88)
    >>> [round(pcie_bandwidth(g) / 1e9, 1) for g in (3, 4, 5)]
    [15.8, 31.5, 63.0]
    """
    try:
        gen = _data()["pcie"][str(generation)]
    except KeyError:
        raise KeyError(f"no PCIe generation {generation!r} in the table") from None
    return lanes * gen["transfer_gts"] * 1e9 * gen["encoding"] / 8


# The two models of table(): a common small model and a common large one, both in Q4_K_M, with file
# sizes from llama.cpp's per-tensor rules (quant_mix.file_size).
TABLE_MODELS = (("llama-3.1-8b", "Q4_K_M"), ("llama-3-70b", "Q4_K_M"))


def table() -> list[dict]:
    """The device table with the decode-speed bound for an 8B and a 70B model in Q4_K_M.

    ``tps_8b``/``tps_70b`` are bandwidth / file size in tokens per second, ``None`` when the file
    alone is larger than the device's memory (the model does not fit, so the bound is meaningless).
    The 70B file is 42.5 GB, so it fits none of the 24 GB cards:

    >>> rows = {r["name"]: r for r in table()}
    >>> r = rows["NVIDIA GeForce RTX 4090"]
    >>> r["memory_gb"], r["bandwidth_gbs"], r["tps_8b"], r["tps_70b"]
    (24, 1008, 205, None)
    >>> rows["Apple M2 Ultra"]["tps_70b"], rows["DDR5-5600 dual channel"]["tps_8b"]
    (19, 18)
    """
    from llmterms import quant_mix  # only table() needs the mix rules and the presets

    sizes = [quant_mix.file_size(q, arch) for arch, q in TABLE_MODELS]
    rows = []
    for d in devices():
        bounds = [
            round(d.decode_tokens_per_second(size)) if size <= d.memory_gb * 1e9 else None for size in sizes
        ]
        rows.append(
            {
                "name": d.name,
                "kind": d.kind,
                "memory_gb": d.memory_gb,
                "bandwidth_gbs": d.bandwidth_gbs,
                "tps_8b": bounds[0],
                "tps_70b": bounds[1],
            }
        )
    return rows
