"""The estimate next to llama.cpp's recorded figures, row by row (used by the tests and for the report)."""

from __future__ import annotations

import json
from pathlib import Path

from llmterms import cache_layout
from llmterms.llama_cpp_memory import MIB, Context, Estimate, estimate
from tests.peer.measure import FIGURES
from tests.peer.oracle import Settings

__all__ = ["context", "recorded", "rows", "table"]


def context(s: Settings) -> Context:
    """The estimate's context for one measured setting."""
    return Context(
        n_ctx=s.n_ctx,
        cache_type_k=s.type_k.upper(),
        cache_type_v=s.type_v.upper(),
        flash_attn="on" if s.flash_attn else "off",
        n_batch=s.n_batch,
        n_ubatch=s.n_ubatch,
        n_seq_max=s.n_seq_max,
        kv_unified=s.kv_unified,
        swa_full=s.swa_full,
    )


def recorded() -> list[dict]:
    """llama.cpp's figures as measure.py recorded them."""
    return json.loads(FIGURES.read_text(encoding="utf-8"))


def rows(paths: dict[str, Path]) -> list[tuple[dict, Estimate]]:
    """(recorded row, estimate) for every recorded row; ``paths`` maps model names to GGUF files."""
    layouts = {name: cache_layout.from_gguf(path) for name, path in paths.items()}
    return [(r, estimate(layouts[r["model"]], context(Settings(**r["settings"])))) for r in recorded()]


def table(pairs: list[tuple[dict, Estimate]]) -> str:
    """Markdown: llama.cpp's figure / the estimate, in MiB, per model and setting."""
    out = [
        "| model | setting | weights | KV | recurrent | CPU compute (error) |",
        "|---|---|---|---|---|---|",
    ]
    for r, e in pairs:
        a = r["allocation"]
        kv = sum(c["k_mib"] + c["v_mib"] for c in a["kv_caches"])
        comp = a["compute"]["CPU"]
        out.append(
            f"| {r['model']} | {Settings(**r['settings']).label()} | {a['model']['CPU_Mapped']:.2f} / "
            f"{e.weights / MIB:.2f} | {kv:.2f} / {e.kv_cache / MIB:.2f} | "
            f"{sum(a['recurrent'].values()):.2f} / {e.recurrent / MIB:.2f} | "
            f"{comp:.2f} / {e.compute / MIB:.2f} ({(e.compute / MIB - comp) / comp:+.1%}) |"
        )
    return "\n".join(out)


if __name__ == "__main__":
    import tempfile

    from tests.peer import gemma, synthetic

    with tempfile.TemporaryDirectory() as tmp:
        paths = {n: synthetic.write(n, Path(tmp)) for n in synthetic.FAMILIES}
        paths["gemma-3-270m-q4_k_m"] = gemma.path()
        print(table(rows(paths)))
