"""The reference itself: the files load in llama.cpp 0.3.36 and its figures are the recorded ones."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from tests.peer import gemma, synthetic
from tests.peer.measure import FIGURES, GEMMA_SETTINGS, SETTINGS
from tests.peer.oracle import Settings, measure

RECORDED = json.loads(FIGURES.read_text(encoding="utf-8"))


def test_gemma_file_is_the_published_one(gemma_path):
    # path() has checked the SHA-256; the size is the four chunks' sum.
    assert gemma_path.name == gemma.FILENAME
    assert gemma_path.stat().st_size == 63963136 * 3 + 61223616


def test_every_family_is_recorded_under_every_setting():
    recorded = {(r["model"], Settings(**r["settings"])) for r in RECORDED}
    for name in synthetic.FAMILIES:
        assert {(name, s) for s in SETTINGS} <= recorded
    assert {("gemma-3-270m-q4_k_m", s) for s in GEMMA_SETTINGS} <= recorded


@pytest.mark.parametrize("row", RECORDED, ids=lambda r: f"{r['model']}:{Settings(**r['settings']).label()}")
def test_llama_cpp_still_allocates_the_recorded_figures(row, synthetic_dir, gemma_path):
    # A llama.cpp upgrade that changes its accounting fails here first; re-record with
    # `python -m tests.peer.measure --write` after checking the change is llama.cpp's.
    path = gemma_path if row["model"].startswith("gemma-3") else synthetic_dir / f"{row['model']}.gguf"
    assert asdict(measure(path, Settings(**row["settings"]))) == row["allocation"]
