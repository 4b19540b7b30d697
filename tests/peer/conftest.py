"""Peer tests: llmterms' memory estimate against llama.cpp's own accounting (``tox -e peer``).

Every test here is marked ``peer``; the ``py`` environment deselects them (it has no llama.cpp), the
``peer`` environment installs llama-cpp-python 0.3.36 and runs them. Set LLMTERMS_PEER_CACHE to choose
where the fetched Gemma file is kept (default: peer/ in llmterms' cache folder).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.peer import gemma, synthetic


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.peer)


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic")
    for name in synthetic.FAMILIES:
        synthetic.write(name, folder)
    return folder


@pytest.fixture(scope="session")
def gemma_path() -> Path:
    return gemma.path()
