"""The ``llmterms`` command: the glossary from a terminal, and the manual's calculators.

Exit status: 0 on success; 1 when nothing was found or an input file is bad; 2 for bad arguments or a
glossary with problems. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Callable, Sequence

from llmterms import __version__, cache
from llmterms import glossary as _glossary
from llmterms.entry_text import WIDTH, format_entry, tool_options


class CommandError(Exception):
    """A failure to report as one line on stderr, with the exit status to use."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not the usage block
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _entry_json(entry: _glossary.Entry, used: dict[str, list[str]]) -> dict:
    return {**entry.to_dict(), "used_in": used.get(entry.term, []), "options": tool_options(entry)}


# -- Glossary commands -------------------------------------------------------------------------------------


def _glossary_of(args: argparse.Namespace) -> _glossary.Glossary:
    return _glossary.load(args.glossary)


def _define(args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    sources = cache.stamp() if args.glossary is None else None  # before reading, see cache.put
    glossary = _glossary_of(args)
    used = _glossary.used_in(glossary)
    # Saved before printing: a reader such as `head -3` may close the pipe as soon as it has its lines.
    if sources is not None and cache.get("answers", sources) is None:  # missing or stale
        cache.save_answers(
            sources,
            glossary.search_index(),
            {
                None: lambda e: format_entry(e, used.get(e.term, [])) + "\n",
                "json": lambda e: json.dumps(_entry_json(e, used), indent=2, ensure_ascii=False) + "\n",
            },
            _option_strings(args.command),
            glossary.ordered(),
        )
    answer = glossary.define(query)
    if not answer.entries:
        close = [e.term for e, _ in glossary.matches(query, limit=3)]
        close += [n for n in glossary.suggestions(query) if glossary[n].term not in close]
        hint = f" Did you mean: {', '.join(close[:3])}?" if close else " Try 'llmterms search'."
        raise CommandError(f"no glossary entry matches {query!r}.{hint}", 1)
    manual = [f"{s.doc}, section \u201c{s.heading}\u201d" for s in answer.sections]
    if args.json:
        if len(answer.entries) == 1 and not manual:
            _print_json(_entry_json(answer.entries[0], used))
        else:
            sections = [{"doc": s.doc, "heading": s.heading} for s in answer.sections]
            _print_json({"entries": [_entry_json(e, used) for e in answer.entries], "sections": sections})
        return 0
    print("\n\n".join(format_entry(e, used.get(e.term, [])) for e in answer.entries))
    if manual:
        print(f"\nIn the manual: {'; '.join(manual)}.")
    return 0


def _option_strings(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each option string of a command's parser, mapped to the attribute it sets."""
    return {option: action.dest for action in parser._actions for option in action.option_strings}


def _search(args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    glossary = _glossary_of(args)
    found = glossary.matches(query, limit=args.limit)
    if args.json:
        used = _glossary.used_in(glossary)
        _print_json([{**_entry_json(e, used), "strong": is_strong} for e, is_strong in found])
    else:
        shown_line = False
        for entry, is_strong in found:
            if not is_strong and not shown_line:
                # Precision before recall: below the line, entries that only resemble the query.
                print("-- weaker matches: these only resemble the query --")
                shown_line = True
            line = f"{entry.term} ({entry.category}): {entry.summary}"
            print(textwrap.shorten(line, WIDTH, placeholder=" ..."))
    if not found:
        raise CommandError(f"no glossary entry matches {query!r}", 1)
    if not found[0][1]:
        raise CommandError(f"no glossary entry is about {query!r}; the entries above only resemble it", 1)
    return 0


def _list(args: argparse.Namespace) -> int:
    glossary = _glossary_of(args)
    groups = glossary.by_category()
    if args.category:
        groups = {args.category: groups[args.category]}
    entries = [entry for group in groups.values() for entry in group]
    if args.json:
        used = _glossary.used_in(glossary)
        _print_json([_entry_json(e, used) for e in entries])
        return 0
    for category, group in groups.items():
        if group:
            print(f"{_glossary.CATEGORIES[category]} ({len(group)})")
            for entry in group:
                print(textwrap.shorten(f"  {entry.term}: {entry.summary}", WIDTH, placeholder=" ..."))
    return 0


def _add_query(parser: argparse.ArgumentParser, help: str) -> None:
    """Give a command a free-text query: every word its parser does not read as one of its options.

    So option names such as -ngl or --n-cpu-moe can be looked up, with or without ``--`` before them;
    :func:`main` collects the words. :func:`llmterms.cache.answer` reads the same option strings from the
    parser (through the saved answers), so the fast path takes the same words as the query.
    """
    # The usage line as argparse writes it for the options (added before this), then the query.
    usage = parser.format_usage().strip().removeprefix("usage: ").removeprefix(parser.prog)
    parser.usage = f"%(prog)s{usage} QUERY [QUERY ...]"
    # nargs=SUPPRESS: the argument is listed in --help but takes no words; main() gives it the rest.
    parser.add_argument("query", nargs=argparse.SUPPRESS, metavar="QUERY", help=help)
    parser.set_defaults(command=parser)


def _add_glossary_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("define", help="show the glossary entry that best matches a term")
    p.add_argument("--json", action="store_true", help="print the entry as JSON")
    _add_query(p, "a term, alias, abbreviation or part of one (option names such as -ngl too)")
    p.set_defaults(run=_define)

    p = sub.add_parser("search", help="list the glossary entries that match, best first")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="at most N results (default 10)")
    p.add_argument("--json", action="store_true", help="print the entries as JSON, with used_in")
    _add_query(p, "words to look for in the names, then in the summaries and bodies")
    p.set_defaults(run=_search)

    p = sub.add_parser("list", help="list every glossary entry by category")
    p.add_argument("--category", choices=list(_glossary.CATEGORIES), help="only this category")
    p.add_argument("--json", action="store_true", help="print the entries as JSON, with used_in")
    p.set_defaults(run=_list)


# -- RoPE and GGUF commands -------------------------------------------------------------------------------


def _rope(args: argparse.Namespace) -> int:
    from llmterms import rope

    try:
        setting = rope.parse_option(
            args.source, base=args.base, head_dim=args.head_dim, original_context=args.original_context
        )
    except ValueError as exc:
        raise CommandError(str(exc), 2) from None
    spelled = setting.to_all()
    if args.json:
        _print_json(
            {
                "method": setting.method,
                "freq_base": setting.freq_base,
                "freq_scale": setting.freq_scale,
                **spelled,
            }
        )
        return 0
    labels = {
        "llamacpp": "llama.cpp",
        "exllamav2": "ExLlamaV2",
        "webui": "text-generation-webui",
        "hf": "Hugging Face config.json",
    }
    print(
        f"{args.source}: {setting.method} scaling, RoPE base {setting.freq_base:.2f}, "
        f"position scale {setting.freq_scale:g} (head size {setting.head_dim})"
    )
    for key, label in labels.items():
        value = spelled[key]
        if value is None:
            text = "no equivalent option"
        elif key == "llamacpp":
            text = " ".join(f"{k} {v}" for k, v in value.items())  # type: ignore[union-attr]
        else:
            text = json.dumps(value)
        print(f"  {label + ':':27} {text}")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from llmterms import gguf_file

    try:
        info = gguf_file.inspect(args.file)
    except gguf_file.GGUFError as exc:
        raise CommandError(str(exc), 1) from None
    if args.json:
        _print_json(info.to_dict())
        return 0
    rows = [
        ("GGUF version", info.version),
        ("architecture", info.architecture),
        ("file type", info.file_type),
        ("context length", info.context),
        ("embedding length", info.hidden_size),
        ("blocks", info.n_layers),
        ("attention heads", info.n_heads),
        ("KV heads", info.n_kv_heads),
        ("tensors", info.tensor_count),
        ("parameters", f"{info.parameter_count:,}"),
        ("tensor data", f"{info.tensor_bytes:,} bytes"),
    ]
    for label, value in rows:
        print(f"{label + ':':18} {value if value is not None else '-'}")
    for name, (count, nbytes) in info.tensor_types.items():
        print(f"  {name:8} {count:5} tensors {nbytes:>16,} bytes")
    print(f"{'chat template:':18} {'yes' if info.chat_template else 'no'}")
    return 0


def _add_model_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rope", help="convert a RoPE scaling setting between tools")
    p.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="NAME=VALUE",
        help="e.g. alpha_value=2.5, compress_pos_emb=2, --rope-freq-scale=0.5, rope_freq_base=40000",
    )
    p.add_argument("--head-dim", type=int, default=128, metavar="N", help="attention head size (default 128)")
    p.add_argument(
        "--base", type=float, default=10000.0, help="the model's trained RoPE base (default 10000)"
    )
    p.add_argument(
        "--original-context", type=int, metavar="N", help="training context length, for yarn=FACTOR"
    )
    p.add_argument("--json", action="store_true", help="print the equivalents as JSON")
    p.set_defaults(run=_rope)

    p = sub.add_parser("inspect", help="show a GGUF file's metadata and tensor summary")
    p.add_argument("file", help="path to a .gguf file")
    p.add_argument("--json", action="store_true", help="print everything as JSON")
    p.set_defaults(run=_inspect)


# -- Naming and memory commands ---------------------------------------------------------------------------


def _name(args: argparse.Namespace) -> int:
    from llmterms import naming

    parsed = naming.parse_model_name(args.name)
    fields = parsed.as_dict()
    if args.json:
        _print_json(fields)
        return 0
    for key, value in fields.items():
        if key != "raw":
            shown = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value
            print(f"{key + ':':19} {shown if value is not None else '-'}")
    return 0


def _count(text: str) -> int:
    """A parameter count written as 7B, 135M, 6.74e9 or 6738415616."""
    scale = {"K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}
    t = text.strip().upper()
    try:
        if t and t[-1] in scale:
            return round(float(t[:-1]) * scale[t[-1]])
        return round(float(t))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a parameter count: {text!r} (try 7B or 6.74e9)") from None


def _estimate(args: argparse.Namespace) -> int:
    from llmterms import gguf_file, hardware, memory, quant_table

    gib = memory.GIB
    weights_bytes = None
    try:
        if args.file:
            try:
                arch, weights_bytes = memory.Architecture.from_gguf(args.file)
            except gguf_file.GGUFError as exc:
                raise CommandError(str(exc), 1) from None
        elif args.arch:
            arch = memory.preset(args.arch)
        elif args.params and args.n_layers and args.n_kv_heads and args.head_dim:
            n_heads = args.n_heads or args.n_kv_heads
            arch = memory.Architecture(
                name=f"{args.params:,} parameters",
                n_layers=args.n_layers,
                hidden_size=n_heads * args.head_dim,
                intermediate_size=0,
                n_heads=n_heads,
                n_kv_heads=args.n_kv_heads,
                head_dim=args.head_dim,
                vocab_size=args.vocab,
                context=args.ctx or 4096,
                n_params=args.params,
            )
        else:
            raise CommandError(
                "give a GGUF file, --arch PRESET, or --params with --n-layers, --n-kv-heads and --head-dim", 2
            )
        estimate = memory.estimate_memory(
            arch,
            args.quant,
            args.ctx,
            parameters=args.params if weights_bytes is None else None,
            weights_bytes=weights_bytes,
            vram=round(args.vram * gib),
            ram=None if args.ram is None else round(args.ram * gib),
            cache_type=args.cache_type,
        )
    except KeyError as exc:
        raise CommandError(str(exc.args[0]) if exc.args else str(exc), 2) from None
    except ValueError as exc:
        raise CommandError(str(exc), 2) from None
    n_ctx = args.ctx or arch.context
    # Smallest memory first: the cheapest hardware that holds the whole model comes first.
    fitting = sorted(
        (d for d in hardware.devices() if d.memory_gb * 1e9 >= estimate.total),
        key=lambda d: (d.memory_gb, -d.bandwidth_gbs),
    )
    if args.json:
        _print_json(
            {
                "model": arch.name,
                "quant": None if weights_bytes is not None else quant_table.file_type(args.quant).name,
                "n_ctx": n_ctx,
                "weights": estimate.weights,
                "kv_cache": estimate.kv_cache,
                "compute": estimate.compute,
                "overhead": estimate.overhead,
                "total": estimate.total,
                "n_layers": estimate.n_layers,
                "gpu_layers": estimate.gpu_layers,
                "gpu_bytes": estimate.gpu_bytes,
                "cpu_bytes": estimate.cpu_bytes,
                "fits": estimate.fits,
                "verdict": estimate.verdict,
                "fits_on": [d.name for d in fitting],
            }
        )
        return 0
    what = "as stored in the file" if weights_bytes is not None else args.quant
    print(f"{arch.name}, {what}, {n_ctx:,} tokens of context")
    for label, value in (
        ("weights", estimate.weights),
        ("KV cache", estimate.kv_cache),
        ("compute buffers", estimate.compute),
        ("runtime overhead", estimate.overhead),
        ("total", estimate.total),
    ):
        print(f"  {label + ':':18} {value / 1e9:8.2f} GB  ({value / gib:.2f} GiB)")
    print(f"verdict: {estimate.verdict}")
    if fitting:
        shown = ", ".join(
            f"{d.name} (<= {d.decode_tokens_per_second(estimate.weights):.0f} tokens/s)" for d in fitting[:6]
        )
        print(textwrap.fill("fits whole in: " + shown, WIDTH, subsequent_indent="  "))
    return 0


def _add_sizing_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("name", help="read family, size, quantization and format from a model name")
    p.add_argument("name", help='a repo id or file name, e.g. "TheBloke/Llama-2-13B-chat-GGUF"')
    p.add_argument("--json", action="store_true", help="print the fields as JSON")
    p.set_defaults(run=_name)

    p = sub.add_parser("estimate", help="estimate memory for a model and what it fits on")
    p.add_argument("file", nargs="?", help="a .gguf file (reads its header only)")
    p.add_argument("--arch", metavar="PRESET", help="an architecture preset, e.g. llama-2-7b")
    p.add_argument("--params", type=_count, metavar="N", help="parameter count, e.g. 7B or 6.74e9")
    p.add_argument("--quant", default="Q4_K_M", metavar="Q", help="GGUF file type (default Q4_K_M)")
    p.add_argument("--ctx", type=int, metavar="N", help="context length in tokens (default: the model's)")
    p.add_argument("--n-layers", type=int, metavar="N", help="layer count, with --params")
    p.add_argument("--n-kv-heads", type=int, metavar="N", help="KV head count, with --params")
    p.add_argument("--head-dim", type=int, metavar="N", help="attention head size, with --params")
    p.add_argument("--n-heads", type=int, metavar="N", help="query head count (default: --n-kv-heads)")
    p.add_argument("--vocab", type=int, default=32000, metavar="N", help="vocabulary size (default 32000)")
    p.add_argument(
        "--cache-type", default="F16", metavar="T", help="KV cache type: F16, Q8_0, Q4_0 (default F16)"
    )
    p.add_argument("--vram", type=float, default=0.0, metavar="GIB", help="GPU memory budget in GiB")
    p.add_argument("--ram", type=float, metavar="GIB", help="system memory budget in GiB")
    p.add_argument("--json", action="store_true", help="print the breakdown as JSON")
    p.set_defaults(run=_estimate)


# -- Entry point -------------------------------------------------------------------------------------------

#: Functions that add subcommands to the parser. A command imports what it needs (numpy, gguf, ...) inside
#: its own function: `llmterms define` must start without them (tests/test_cli.py checks).
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_glossary_commands,
    _add_model_commands,
    _add_sizing_commands,
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand; :func:`main` runs what it parses.

    A glossary query is every word the command's own options leave, so option names can be looked up:

    >>> parser = build_parser()
    >>> args, left = parser.parse_known_args(["define", "-ngl", "--json"])
    >>> args.json, left
    (True, ['-ngl'])
    >>> parser.parse_args(["estimate", "--arch", "llama-2-7b", "--ctx", "4096"]).ctx
    4096
    """
    parser = _Parser(prog="llmterms", description="Look up LLM terms and run the manual's calculators.")
    parser.add_argument("--version", action="version", version=f"llmterms {__version__}")
    parser.add_argument(
        "--glossary", metavar="DIR", help="read the glossary from DIR, not the one shipped with llmterms"
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True, parser_class=_Parser)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    >>> main(["define", "zzxqv"])
    1
    """
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    command = getattr(args, "command", None)
    if command is not None:  # a query: every word the command's parser left, in order (see _add_query)
        args.query = [word for word in extras if word != "--"]
        if not args.query:
            command.error("the following arguments are required: QUERY")
    elif extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    try:
        return args.run(args)
    except CommandError as exc:
        print(f"llmterms: {exc}", file=sys.stderr)
        return exc.status
    except _glossary.GlossaryError as exc:
        print(f"llmterms: the glossary has {len(exc.problems)} problem(s):\n{exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `llmterms list | head`
        sys.stderr.close()
        return 0
