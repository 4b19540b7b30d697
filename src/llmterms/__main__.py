"""The ``llmterms`` command (also ``python -m llmterms``).

``llmterms define`` of a known term is answered from :mod:`llmterms.cache` before :mod:`llmterms.cli`,
with its parser and the whole glossary, is imported; everything else goes to :func:`llmterms.cli.main`.
"""

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the command line (``sys.argv[1:]`` by default); returns the exit status.

    >>> main(["define", "zzxqv"])  # no saved answer matches: the full command line says so on stderr
    1
    """
    from llmterms import cache

    text = cache.answer(sys.argv[1:] if argv is None else argv)
    if text is None:
        from llmterms.cli import main as full

        return full(argv)
    try:
        print(text, end="", flush=True)  # print, not sys.stdout.write: stdout may be closed (None)
    except BrokenPipeError:  # e.g. `llmterms define gguf | head -1`, as the full command line does
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
