"""The ``llmterms-table`` directive: a table computed at build time by a function of the package.

    ```{llmterms-table} llmterms.quant:table
    :columns: name, bits_per_weight, block_size
    :caption: Bits per weight of the GGUF quantization types
    ```

The function takes no arguments and returns a list of mappings (or named tuples) with the same keys; the keys
are the column headings unless ``:columns:`` picks and orders them. ``:header:`` gives other headings, and
``:code:`` names the columns whose values are option names or identifiers, shown as code (and so never
typeset with smart dashes: ``--temp`` stays ``--temp``). The rows are kept across builds
(:mod:`llmterms.sphinxext.computed`): a table is computed again only when the package or its module changed.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from typing import cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from llmterms.sphinxext import computed

ZWSP = "\u200b"


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return str(value)


class TableDirective(SphinxDirective):
    required_arguments = 1
    option_spec = {  # noqa: RUF012 - docutils reads this class attribute
        "columns": directives.unchanged,
        "header": directives.unchanged,
        "caption": directives.unchanged,
        "widths": directives.unchanged,
        "code": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        target = self.arguments[0]
        module_name, _, func_name = target.partition(":")
        try:
            module = importlib.import_module(module_name)
            rows = self._rows(module, func_name, target)
        except Exception as exc:  # any failure here is the page's problem, reported at the directive
            return [self.state.document.reporter.error(f"llmterms-table {target}: {exc!r}", line=self.lineno)]
        self.env.note_dependency(inspect.getfile(module))
        if not rows:
            return [self.state.document.reporter.error(f"llmterms-table {target}: no rows", line=self.lineno)]
        columns = [c.strip() for c in self.options.get("columns", ",".join(rows[0])).split(",")]
        headers = columns
        if "header" in self.options:
            headers = [h.strip() for h in self.options["header"].split(",")]
        if len(headers) != len(columns):
            message = "llmterms-table: :header: and :columns: name different numbers of columns"
            return [self.state.document.reporter.error(message, line=self.lineno)]
        code = {c.strip() for c in self.options.get("code", "").split(",") if c.strip()}
        body = [[(_cell(row.get(c)), c in code) for c in columns] for row in rows]
        # A container, so that the PDF can set wide generated tables in a smaller type (see conf.py).
        box = nodes.container(classes=["llmterms-table-box"])
        box += self._table([(h, False) for h in headers], body)
        return [box]

    def _rows(self, module, func_name: str, target: str) -> list[dict]:
        """The function's rows as dictionaries, from the build cache if its code and inputs are unchanged."""
        app = self.env.app
        name = computed.key(app, "llmterms-table", target, computed.digest_of(inspect.getfile(module)))
        rows = cast("list[dict] | None", computed.load(app, "tables", name))
        if rows is None:
            # Rows may be mappings or named tuples (such as llmterms.tiny.QuantRow).
            rows = [
                dict(row) if isinstance(row, Mapping) else row._asdict()
                for row in getattr(module, func_name)()
            ]
            computed.save(app, "tables", name, rows)
        return rows

    def _table(self, headers: list[tuple[str, bool]], body: list[list[tuple[str, bool]]]) -> nodes.table:
        table = nodes.table(classes=["llmterms-table"])
        if "caption" in self.options:
            table += nodes.title(text=self.options["caption"])
        group = nodes.tgroup(cols=len(headers))
        table += group
        for _ in headers:
            group += nodes.colspec(colwidth=1)
        head = nodes.thead()
        group += head
        head += self._row(headers)
        tbody = nodes.tbody()
        group += tbody
        for values in body:
            tbody += self._row(values)
        self.add_name(table)
        return table

    @staticmethod
    def _row(values: list[tuple[str, bool]]) -> nodes.row:
        row = nodes.row()
        for value, as_code in values:
            paragraph = nodes.paragraph()
            if as_code and value != "—":
                for index, part in enumerate(value.split(", ")):
                    if index:
                        paragraph += nodes.Text(", ")
                    paragraph += nodes.literal(text=part)
            else:
                paragraph += nodes.Text(value)
            entry = nodes.entry()
            entry += paragraph
            row += entry
        return row


class BreakableCodeInPrint(SphinxPostTransform):
    """In the PDF, let option names in generated tables break after ``_``, ``-`` and ``.``.

    Narrow columns cannot hold ``--rope-freq-scale`` on one line, and TeX never breaks inside code. A
    zero-width space (which the LaTeX preamble turns into ``\\allowbreak``) marks where a break may go. Only
    the LaTeX builder sees it, so copying a name from the HTML page copies the name itself.
    """

    default_priority = 400
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        for box in self.document.findall(nodes.container):
            if "llmterms-table-box" not in box["classes"]:
                continue
            for literal in list(box.findall(nodes.literal)):
                text = literal.astext()
                broken = "".join(ch + ZWSP if ch in "_-." else ch for ch in text).rstrip(ZWSP)
                literal.children = [nodes.Text(broken)]


def setup(app: Sphinx) -> None:
    app.add_directive("llmterms-table", TableDirective)
    app.add_post_transform(BreakableCodeInPrint)
