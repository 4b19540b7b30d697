"""The ``plot`` directive: a figure drawn at build time from inline matplotlib code, as SVG and PDF.

    ```{plot}
    :caption: KV cache size grows linearly with context.

    from llmterms import memory
    ctx = np.arange(512, 32769, 512)
    plt.plot(ctx, [memory.kv_cache_bytes(32, c, 8, 128) / 2**30 for c in ctx])
    ```

``np`` and ``plt`` are imported already. matplotlib's own plot directive cannot run inside MyST Markdown (it
inserts reStructuredText into the parser), hence this one. Figures are kept across builds under a hash of
their code, the package and matplotlib's version (:mod:`llmterms.sphinxext.computed`), so an unchanged
figure is not drawn again, not even by a clean build.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Any, cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from llmterms.sphinxext import computed

# Text in an SVG as text, not as glyph outlines: a figure is half the bytes, and its words can be found,
# read by a screen reader, and coloured by the page's theme.
RC: dict[str, Any] = {
    "figure.figsize": (7.0, 4.0),
    "font.size": 10,
    "axes.grid": True,
    "svg.hashsalt": "llmterms",
    "svg.fonttype": "none",
}


@functools.cache
def matplotlib_version() -> str:
    from importlib.metadata import version

    return version("matplotlib")


def _draw(code: str, stem: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    with matplotlib.rc_context(RC):  # type: ignore[arg-type]  # matplotlib types each rc key as a Literal
        plt.close("all")
        exec(compile(code, f"<plot {stem.name}>", "exec"), {"np": np, "plt": plt, "__name__": "__plot__"})
        figure = plt.gcf()
        figure.tight_layout()
        # Fixed metadata keeps the files identical from build to build.
        figure.savefig(stem.with_suffix(".svg"), metadata={"Date": None})
        figure.savefig(stem.with_suffix(".pdf"), metadata={"CreationDate": None, "ModDate": None})
        plt.close("all")


def _put(path: Path, data: bytes) -> None:
    if not (path.is_file() and path.read_bytes() == data):
        path.write_bytes(data)


class PlotDirective(SphinxDirective):
    has_content = True
    option_spec = {  # noqa: RUF012 - docutils reads this class attribute
        "caption": directives.unchanged,
        "alt": directives.unchanged,
        "name": directives.unchanged,
        "width": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        code = "\n".join(self.content)
        digest = hashlib.sha256(f"{self.env.docname}\n{code}".encode()).hexdigest()[:16]
        folder = Path(self.env.app.doctreedir) / "plots"
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"{self.env.docname.replace('/', '-')}-{digest}"
        try:
            self._files(code, stem)
        except Exception as exc:  # the figure's code is the page's problem: report it there
            message = f"plot failed: {type(exc).__name__}: {exc}"
            return [self.state.document.reporter.error(message, line=self.lineno)]
        # Relative to the source folder, with "*" so each builder picks its format (SVG or PDF).
        uri = Path(os.path.relpath(stem, self.env.srcdir)).as_posix() + ".*"
        image = nodes.image(uri=uri, alt=self.options.get("alt", self.options.get("caption", "figure")))
        if "width" in self.options:
            image["width"] = self.options["width"]
        figure = nodes.figure("", image, classes=["llmterms-plot"])
        if "caption" in self.options:
            caption, _ = self.state.inline_text(self.options["caption"], self.lineno)
            figure += nodes.caption("", "", *caption)
        self.add_name(figure)
        return [figure]

    def _files(self, code: str, stem: Path) -> None:
        """Write the figure's SVG and PDF at ``stem``, drawn only when the build cache has no current copy."""
        app = self.env.app
        name = computed.key(app, "plot", code, computed.digest_of(__file__), matplotlib_version())
        files = cast("dict[str, bytes] | None", computed.load(app, "plots", name))
        if files is None:
            _draw(code, stem)
            files = {suffix: stem.with_suffix(suffix).read_bytes() for suffix in (".svg", ".pdf")}
            computed.save(app, "plots", name, files)
        for suffix, data in files.items():
            _put(stem.with_suffix(suffix), data)


def setup(app: Sphinx) -> None:
    # Ours replaces matplotlib's, which cannot run inside MyST Markdown (see above).
    app.add_directive("plot", PlotDirective, override=True)
