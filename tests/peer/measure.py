"""llama.cpp's figures for every model and setting of the peer tests, as one table.

``python -m tests.peer.measure`` (in the peer environment) loads each synthetic family and the real Gemma
file under each setting of ``SETTINGS`` and prints llama.cpp's buffer sizes as a Markdown table;
``--write`` records them in ``tests/peer/figures.json``, which the peer tests compare with a live run (so a
llama.cpp upgrade that changes its accounting shows up as a failing test, not as silent drift).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import asdict
from pathlib import Path

from tests.peer import gemma, synthetic
from tests.peer.oracle import Allocation, Settings, measure

__all__ = ["FIGURES", "SETTINGS", "models", "table"]

FIGURES = Path(__file__).with_name("figures.json")

# At least four settings per architecture, each moving a different knob: context, cache types, flash
# attention, micro-batch, sequences (separate streams or unified), swa_full.
SETTINGS: list[Settings] = [
    Settings(),
    Settings(n_ctx=16384, type_k="q8_0", type_v="q8_0", flash_attn=True),
    Settings(n_ctx=8192, n_ubatch=128, n_seq_max=4),
    Settings(
        n_ctx=8192, n_seq_max=2, kv_unified=True, swa_full=True, type_k="q4_0", type_v="q4_0", flash_attn=True
    ),
    Settings(n_ctx=32768, n_ubatch=1024, flash_attn=True),
]
# The figures of the issue that started the peer tests: Gemma 3 270M at 32k, swa_full off and on.
GEMMA_SETTINGS: list[Settings] = [
    *SETTINGS,
    Settings(n_ctx=32768),
    Settings(n_ctx=32768, swa_full=True),
]


def models(folder: Path) -> dict[str, tuple[Path, list[Settings]]]:
    """Every model of the peer tests with the settings it is measured under: synthetic files, then Gemma."""
    out = {name: (synthetic.write(name, folder), SETTINGS) for name in synthetic.FAMILIES}
    out["gemma-3-270m-q4_k_m"] = (gemma.path(), GEMMA_SETTINGS)
    return out


def _row(model: str, s: Settings, a: Allocation) -> dict:
    return {"model": model, "settings": asdict(s), "allocation": asdict(a)}


def table(rows: list[dict]) -> str:
    """A Markdown table of recorded figures (MiB): model, setting, weights, K+V per cache, RS, compute."""
    lines = [
        "| model | setting | weights | KV caches (cells: K+V) | recurrent | CPU compute |",
        "|---|---|---:|---|---:|---:|",
    ]
    for r in rows:
        a = r["allocation"]
        caches = "; ".join(f"{c['cells']}: {c['k_mib'] + c['v_mib']:.2f}" for c in a["kv_caches"])
        lines.append(
            f"| {r['model']} | {Settings(**r['settings']).label()} | {sum(a['model'].values()):.2f} | "
            f"{caches} | {sum(a['recurrent'].values()):.2f} | {a['compute'].get('CPU', 0):.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"record the figures in {FIGURES.name}")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (path, settings) in models(Path(tmp)).items():
            rows += [_row(name, s, measure(path, s)) for s in settings]
    print(table(rows))
    if args.write:
        FIGURES.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
