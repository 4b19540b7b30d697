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
from typing import NoReturn

from llmterms import __version__, cache
from llmterms import glossary as _glossary
from llmterms.entry_text import WIDTH, format_entry, tool_options


class CommandError(Exception):
    """A failure to report as one line on stderr, with the exit status to use.

    A command raises it; :func:`main` prints it after ``llmterms:`` and returns its status:

    >>> error = CommandError("no glossary entry matches 'zzxqv'", 1)
    >>> str(error), error.status
    ("no glossary entry matches 'zzxqv'", 1)
    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as stderr:
    ...     main(["define", "zzxqv"])
    1
    >>> stderr.getvalue()
    "llmterms: no glossary entry matches 'zzxqv'. Try 'llmterms search'.\\n"
    """

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not the usage block
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
            assert isinstance(value, dict)  # llama.cpp's spelling is {flag: value}; the others are strings
            text = " ".join(f"{k} {v}" for k, v in value.items())
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


def _layout(args: argparse.Namespace):
    """The model to estimate: a GGUF file, a config.json, a preset, or a bare parameter count with shapes."""
    from dataclasses import replace

    from llmterms import cache_layout, gguf_file, quant_mix, shape

    if args.file:
        try:
            if args.file.endswith(".json"):
                return cache_layout.from_config(args.file)
            return cache_layout.from_gguf(args.file)
        except gguf_file.GGUFError as exc:  # its message names the file and the problem
            raise CommandError(str(exc), 1) from None
        except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise CommandError(f"cannot read {args.file}: {exc}", 1) from None
    if args.arch:
        if args.arch.strip().lower() in cache_layout.presets():
            return cache_layout.preset(args.arch)
        try:
            arch = shape.preset(args.arch)
        except KeyError:
            names = ", ".join([*cache_layout.presets(), *shape.presets()])
            raise CommandError(f"unknown model preset {args.arch!r}; presets: {names}", 2) from None
        layout = cache_layout.from_architecture(arch)
        if args.bpw is None and args.params is None:
            # llama.cpp's per-tensor rules on the preset's tensors, as memory.estimate_memory sizes them.
            sized = quant_mix.file_size(args.quant or "Q4_K_M", arch)
            layout = replace(layout, weights=cache_layout.Weights(total=sized))
            args.quant = args.quant or "Q4_K_M"
        return layout
    if args.params and args.n_layers and args.n_kv_heads and args.head_dim:
        n_heads = args.n_heads or args.n_kv_heads
        return cache_layout.from_architecture(
            shape.Architecture(
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
        )
    raise CommandError(
        "give a GGUF file, a config.json, --arch PRESET, or --params with --n-layers, --n-kv-heads and "
        "--head-dim",
        2,
    )


def _estimate(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from llmterms import hardware, llama_cpp_memory, memory

    gib = memory.GIB
    layout = _layout(args)
    if args.params:
        layout = replace(layout, parameters=args.params, active_parameters=args.params)
    ctx = llama_cpp_memory.Context(
        n_ctx=args.ctx,
        cache_type_k=(args.cache_type_k or args.cache_type).upper(),
        cache_type_v=(args.cache_type_v or args.cache_type).upper(),
        flash_attn=args.flash_attn,
        n_ubatch=args.ubatch,
        n_batch=args.batch,
        n_seq_max=args.parallel,
        kv_unified=args.kv_unified,
        swa_full=args.swa_full,
    )
    from_file = bool(args.file) and layout.weights is not None and args.bpw is None and args.quant is None
    # A shape preset arrives sized by llama.cpp's per-tensor rules (see _layout).
    presized = not args.file and layout.weights is not None and args.bpw is None
    try:
        if presized:
            weights = layout.weights.total
        else:
            quant = None if from_file else (args.quant or "Q4_K_M")
            weights = llama_cpp_memory.weights_bytes(layout, quant, args.bpw)
        e = llama_cpp_memory.estimate(
            layout,
            ctx,
            weights=weights,
            vram=round(args.vram * gib) if args.vram else None,
            cpu_moe=args.cpu_moe,
            n_cpu_moe=args.n_cpu_moe,
        )
    except KeyError as exc:
        raise CommandError(str(exc.args[0]) if exc.args else str(exc), 2) from None
    except ValueError as exc:
        raise CommandError(str(exc), 2) from None
    n_ctx = ctx.effective(layout.n_ctx_train)[0]
    fitting = sorted(
        (d for d in hardware.devices() if d.memory_gb * 1e9 >= e.total),
        key=lambda d: (d.memory_gb, -d.bandwidth_gbs),
    )
    what = (
        "as stored in the file"
        if from_file
        else (f"{args.bpw} bits per weight" if args.bpw else args.quant or "Q4_K_M")
    )
    if args.json:
        _print_json(
            {
                "model": layout.name,
                "weights_from": what,
                "n_ctx": n_ctx,
                **e.breakdown(),
                "fits_on": [d.name for d in fitting],
            }
        )
        return 0
    print(f"{layout.name}, {what}, {n_ctx:,} tokens of context (llama.cpp 0.3.36's accounting)")
    rows = [("weights", e.weights), ("KV cache", e.kv_cache)]
    rows += [(f"  {c.name} ({c.layers} layers, {c.cells:,} cells x {c.streams})", c.bytes) for c in e.caches]
    if e.recurrent:
        rows.append(("recurrent state", e.recurrent))
    rows += [("compute buffer", e.compute), ("output buffer", e.output)]
    if e.repack:
        rows.append(("CPU repack copy", e.repack))
    rows.append(("total", e.total))
    width = max(len(label) for label, _ in rows) + 1
    for label, value in rows:
        print(f"  {label + ':':{width}} {value / 1e9:8.2f} GB  ({value / gib:.2f} GiB)")
    if args.vram:
        print(
            f"with {args.vram:g} GiB of VRAM: {e.gpu_layers} of {layout.n_layer} layers on the GPU, "
            f"{e.gpu_bytes / gib:.2f} GiB there and {e.cpu_bytes / gib:.2f} GiB in system RAM"
            + (f" ({e.experts_on_cpu / gib:.2f} GiB of it expert weights)" if e.experts_on_cpu else "")
        )
        for note in e.notes:
            print(f"note: {note}")
    if fitting:
        shown = ", ".join(
            f"{d.name} (<= {d.decode_tokens_per_second(e.weights):.0f} tokens/s)" for d in fitting[:6]
        )
        print(textwrap.fill("fits whole in: " + shown, WIDTH, subsequent_indent="  "))
    return 0


ESTIMATE_HELP = """\
The buffers llama.cpp allocates (as in llama-cpp-python 0.3.36; checked against its load log by the
peer tests): weights, the KV cache layer by layer (global, sliding-window, MLA, recurrent state), the
compute and output buffers. The defaults are llama.cpp's command-line tools' (llama-cli, llama-server,
checked 2026-12-02): -c 0 (the model's context), -b 2048, -ub 512, -np 1, -fa auto, --swa-full off, F16
cache. Elsewhere: llama-cpp-python's Llama() uses the C library's defaults, so swa_full is on (a
sliding-window model's cache is as large as a global one) and n_ctx is 512 unless given; llama-server
with -np auto uses 4 slots and a unified cache; Ollama sets its own context default (4096 tokens in its
2025 releases); LM Studio chooses the context in its load dialog. The GPU compute buffer is taken to be
the CPU one (not measured here; uncertain by tens of percent)."""


def _add_sizing_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("name", help="read family, size, quantization and format from a model name")
    p.add_argument("name", help='a repo id or file name, e.g. "TheBloke/Llama-2-13B-chat-GGUF"')
    p.add_argument("--json", action="store_true", help="print the fields as JSON")
    p.set_defaults(run=_name)

    p = sub.add_parser(
        "estimate",
        help="the memory llama.cpp allocates for a model, and what it fits on",
        description=ESTIMATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", nargs="?", help="a .gguf file (its header only) or a Hugging Face config.json")
    p.add_argument(
        "--arch", metavar="PRESET", help="a model preset, e.g. gemma-3-27b, qwen3-30b-a3b, llama-2-7b"
    )
    p.add_argument("--params", type=_count, metavar="N", help="parameter count, e.g. 7B or 6.74e9")
    p.add_argument("--quant", metavar="Q", help="GGUF file type for presets and configs (default Q4_K_M)")
    p.add_argument(
        "--bpw", type=float, metavar="X", help="bits per weight instead (EXL2/EXL3, AWQ, GPTQ, MLX)"
    )
    p.add_argument(
        "--ctx", type=int, metavar="N", help="context length in tokens (default: the model's, as -c 0)"
    )
    p.add_argument("--cache-type", default="F16", metavar="T", help="K and V cache type: F16, Q8_0, Q4_0 ...")
    p.add_argument("--cache-type-k", metavar="T", help="K cache type (-ctk), if it differs")
    p.add_argument("--cache-type-v", metavar="T", help="V cache type (-ctv; quantized needs flash attention)")
    p.add_argument("--flash-attn", choices=("on", "off", "auto"), default="auto", help="default auto (= on)")
    p.add_argument("--swa-full", action="store_true", help="full-size cache on sliding-window layers too")
    p.add_argument("--ubatch", type=int, default=512, metavar="N", help="micro-batch, -ub (default 512)")
    p.add_argument("--batch", type=int, default=2048, metavar="N", help="logical batch, -b (default 2048)")
    p.add_argument("--parallel", type=int, default=1, metavar="N", help="sequences, -np (default 1)")
    p.add_argument("--kv-unified", action="store_true", help="one cache shared by the sequences (-kvu)")
    p.add_argument("--cpu-moe", action="store_true", help="keep every expert tensor in RAM (-ot exps=CPU)")
    p.add_argument(
        "--n-cpu-moe", type=int, default=0, metavar="N", help="experts of the first N layers in RAM"
    )
    p.add_argument(
        "--vram", type=float, default=0.0, metavar="GIB", help="GPU memory to fill, layers from the top"
    )
    p.add_argument("--n-layers", type=int, metavar="N", help="layer count, with --params")
    p.add_argument("--n-kv-heads", type=int, metavar="N", help="KV head count, with --params")
    p.add_argument("--head-dim", type=int, metavar="N", help="attention head size, with --params")
    p.add_argument("--n-heads", type=int, metavar="N", help="query head count (default: --n-kv-heads)")
    p.add_argument("--vocab", type=int, default=32000, metavar="N", help="vocabulary size (default 32000)")
    p.add_argument("--json", action="store_true", help="print the breakdown as JSON (bytes)")
    p.set_defaults(run=_estimate)


# -- Entry point -------------------------------------------------------------------------------------------

#: Functions that add subcommands to the parser. A command imports what it needs (numpy, gguf, ...) inside
#: its own function: `llmterms define` must start without them (tests/test_cli.py checks).
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_glossary_commands,
    _add_model_commands,
    _add_sizing_commands,
]


def _query_after_options(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> list[str]:
    """Move a query command's words behind ``--``, so argparse never reads ``-hf`` as ``-h`` plus ``f``.

    A word is the command's option only if it is one of its option strings (or ``--x=value`` of one), or a
    long word that argparse may take as an abbreviation; every other word is the query, in its order.

    >>> _query_after_options(build_parser(), ["define", "-hf", "--json"])
    ['define', '--json', '--', '-hf']
    >>> _query_after_options(build_parser(), ["search", "--limit", "3", "kv", "cache"])
    ['search', '--limit', '3', '--', 'kv', 'cache']
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    at = next((i for i, word in enumerate(argv) if word in commands.choices), None)
    if at is None or commands.choices[argv[at]].get_default("command") is None:
        return argv  # not a query command: argparse reads it as it is
    known = commands.choices[argv[at]]._option_string_actions
    options: list[str] = []
    query: list[str] = []
    words = iter(argv[at + 1 :])
    for word in words:
        if word == "--":
            query.extend(words)
            break
        action = known.get(word.split("=", 1)[0]) if word.startswith("-") else None
        if action is not None:
            options.append(word)
            value = next(words, None) if action.nargs != 0 and "=" not in word else None
            if value is not None:
                options.append(value)  # the option's value, e.g. search --limit 3
        elif word.startswith("--"):
            options.append(word)  # an abbreviation or an unknown long word: argparse decides
        else:
            query.append(word)
    return [*argv[: at + 1], *options, *(["--", *query] if query else [])]


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
    args, extras = parser.parse_known_args(_query_after_options(parser, argv))
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
