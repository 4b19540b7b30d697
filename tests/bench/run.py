"""Time what readers and writers wait for, and print one table: ``tox -e bench`` (or ``python tests/bench/run.py``).

Each figure is the median of several runs. The slow ones (whole-manual builds and the doctest suites)
run ``--runs`` times, 3 by default; the fast ones run more often. The first two clean builds are also
compared file by file: two clean builds of one commit must give identical HTML, apart from the stamps
in :data:`STAMPS`. Results, with the machine they ran on, are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "bench"
#: The chapter whose modification time the incremental build changes (its text is left alone).
TOUCHED = ROOT / "docs" / "05-memory.md"
#: What may legitimately differ between two clean builds of one commit: none so far.
STAMPS: list[re.Pattern[bytes]] = []


def median_of(runs: int, measure: Callable[[], float]) -> tuple[float, int]:
    return statistics.median(measure() for _ in range(runs)), runs


def wall(command: list[str], env: dict[str, str] | None = None, check: bool = True) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return elapsed


def sphinx(builder: str, out: Path, doctrees: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "sphinx", "-c", ".", "-b", builder, "-n", "--keep-going", "-q",
            "-d", str(doctrees), *options, "docs", str(out)]  # fmt: skip


# -- Builds -------------------------------------------------------------------------------------------


def clean_builds(runs: int) -> tuple[float, list[Path]]:
    """Build the manual clean into fresh folders; return the median time and the output folders."""
    times, outs = [], []
    for i in range(runs):
        out, doctrees = OUT / f"html-{i}", OUT / f"doctrees-{i}"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(doctrees, ignore_errors=True)
        times.append(wall(sphinx("html", out, doctrees, "-E")))
        outs.append(out)
    return statistics.median(times), outs


def differing_files(a: Path, b: Path) -> list[str]:
    """Files that differ between two output folders, after removing the known stamps.

    A page whose copied source (``_sources/``) differs too was edited between the builds; it is left out
    and named on stderr, since the build is not to blame.
    """
    names_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    names_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    differ = sorted(str(n) for n in names_a ^ names_b)
    for name in sorted(names_a & names_b):
        if filecmp.cmp(a / name, b / name, shallow=False):
            continue
        left, right = (a / name).read_bytes(), (b / name).read_bytes()
        for stamp in STAMPS:
            left, right = stamp.sub(b"", left), stamp.sub(b"", right)
        if left != right:
            differ.append(str(name))
    edited = {
        n.removeprefix("_sources/").removesuffix(".md.txt") for n in differ if n.startswith("_sources/")
    }
    for page in sorted(edited):
        print(f"    {page}: its source changed between the builds; not compared", file=sys.stderr)
    return [n for n in differ if n.removeprefix("_sources/").split(".")[0] not in edited]


#: The glossary entry whose summary the entry build edits (and puts back).
EDITED_ENTRY = ROOT / "glossary" / "concepts" / "hallucination.md"
#: Our directives, as fenced blocks; the plain build leaves them out.
OUR_BLOCKS = re.compile(
    r"^(`{3,}|:{3,})\{(plot|llmterms-table|llmterms-glossary)\}.*?^\1[ \t]*$", re.M | re.S
)


def rebuild(out: Path, runs: int, edit: Callable[[int], None] | None) -> tuple[float, set[str]]:
    """Rebuild into an existing output after ``edit(run)`` (None: nothing changed); median time, pages re-read."""
    doctrees = out.parent / out.name.replace("html", "doctrees")
    times, reread = [], set()
    command = sphinx("html", out, doctrees)
    command.remove("-q")  # the re-read pages are listed only without -q
    for run in range(runs):
        if edit is not None:
            edit(run)
        started = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        reread = set(re.findall(r"reading sources\.\.\. \[\s*\d+%\] (\S+)", result.stdout))
    return statistics.median(times), reread


def entry_build(out: Path, runs: int) -> tuple[float, set[str]]:
    """Rebuild after editing one entry's summary (a new word each run); the entry is restored afterwards."""
    original = EDITED_ENTRY.read_text(encoding="utf-8")

    def edit(run: int) -> None:
        EDITED_ENTRY.write_text(
            original.replace("\nsummary: ", f"\nsummary: (edit {run}) ", 1), encoding="utf-8"
        )

    try:
        return rebuild(out, runs, edit)
    finally:
        EDITED_ENTRY.write_text(original, encoding="utf-8")


def plain_build(runs: int) -> float:
    """A clean build of the same chapters by Sphinx alone: our directives removed, our extension not loaded."""
    source = OUT / "plain-docs"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(ROOT / "docs", source)
    for chapter in source.glob("*.md"):
        chapter.write_text(OUR_BLOCKS.sub("", chapter.read_text(encoding="utf-8")), encoding="utf-8")
    import runpy

    conf = runpy.run_path(str(ROOT / "conf.py"))  # the manual's own settings, minus our extension
    extensions = ",".join(e for e in conf["extensions"] if not e.startswith("llmterms"))
    times = []
    for _ in range(runs):
        out, doctrees = OUT / "plain-html", OUT / "plain-doctrees"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(doctrees, ignore_errors=True)
        command = [sys.executable, "-m", "sphinx", "-c", ".", "-b", "html", "-q", "-E", "-d", str(doctrees),
                   "-D", f"extensions={extensions}", "-D", "html_math_renderer=mathjax", str(source), str(out)]  # fmt: skip
        times.append(wall(command, check=False))  # dangling {term} links only warn without -W
    return statistics.median(times)


# -- The command line and the glossary -----------------------------------------------------------------


def startup_env() -> dict[str, str]:
    """The environment a user's shell has: byte code cached (as an installed package has it)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "llmterms-bench-pycache")
    return env


def llmterms_command() -> list[str]:
    """The console script, which is what a user types; ``python -m llmterms`` would add :mod:`runpy`."""
    script = Path(sys.executable).with_name("llmterms")
    return [str(script)] if script.exists() else [sys.executable, "-m", "llmterms"]


def define_times(runs: int, query: str) -> tuple[float, float]:
    """Median wall times of ``llmterms define QUERY`` and of ``python -c pass``, run alternately.

    Alternating the two commands exposes both to the same background load.
    """
    env = startup_env()
    define = [*llmterms_command(), "define", query]
    bare = [sys.executable, "-c", "pass"]
    wall(define, env)  # fill the glossary cache, the saved answers and the byte-code cache
    wall(bare, env)
    t_define, t_bare = [], []
    for _ in range(runs):
        t_define.append(wall(define, env))
        t_bare.append(wall(bare, env))
    return statistics.median(t_define), statistics.median(t_bare)


def define_cold(runs: int) -> float:
    """``llmterms define GGUF`` with an empty cache folder: validate the glossary, then save the answers."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            env = {**startup_env(), "XDG_CACHE_HOME": cache}
            times.append(wall([*llmterms_command(), "define", "GGUF"], env))
    return statistics.median(times)


def search_time(runs: int) -> tuple[float, int]:
    from llmterms import glossary

    with open(ROOT / "tests" / "data" / "search_queries.tsv", encoding="utf-8") as f:
        queries = [row[0] for row in csv.reader(f, delimiter="\t") if row and not row[0].startswith("#")]
    g = glossary.load()
    g.search("warm up")  # the index is built once per process

    def per_query() -> float:
        started = time.perf_counter()
        for q in queries:
            g.search(q, limit=10)  # what `llmterms search` asks for
        return (time.perf_counter() - started) / len(queries)

    return statistics.median(per_query() for _ in range(runs)), len(queries)


# -- GGUF headers -------------------------------------------------------------------------------------


def large_vocabulary_times(runs: int) -> tuple[float, float]:
    """Median wall times of ``llmterms inspect FILE`` and ``llmterms estimate FILE`` on a 262,144-token file."""
    sys.path.insert(0, str(ROOT))
    from tests.large_vocabulary import write_large_vocabulary_model

    path = write_large_vocabulary_model(OUT / "large-vocabulary.gguf")
    env = startup_env()
    times = []
    for command in ("inspect", "estimate"):
        wall([*llmterms_command(), command, str(path)], env)  # the byte-code cache
        times.append(median_of(runs, lambda c=command: wall([*llmterms_command(), c, str(path)], env))[0])
    return times[0], times[1]


def search_rates():
    """How well ``define`` and ``search`` answer the query files (tests/search_quality.py defines the rates)."""
    sys.path.insert(0, str(ROOT))
    from llmterms import glossary
    from tests import search_quality

    g = glossary.load()
    rows = search_quality.read(search_quality.QUERIES)
    return search_quality.rates(
        rows,
        lambda q: [e.term for e in g.define(q).entries],
        lambda q: [e.term for e, _ in g.matches(q, limit=3)],
    )


# -- The tiny model -----------------------------------------------------------------------------------


def tiny_load_time(runs: int) -> float:
    from llmterms import tiny

    tiny.load().close()  # bind the library once, as any process does on its first load

    def once() -> float:
        started = time.perf_counter()
        tiny.load().close()
        return time.perf_counter() - started

    return statistics.median(once() for _ in range(runs))


def memory_bandwidth(runs: int) -> float:
    """Bytes per second through main memory: a copy of 512 MiB reads it and writes it once."""
    import numpy as np

    source = np.ones(512 * 2**20, dtype=np.uint8)
    target = np.empty_like(source)

    def once() -> float:
        started = time.perf_counter()
        np.copyto(target, source)
        return 2 * source.nbytes / (time.perf_counter() - started)

    once()
    return statistics.median(once() for _ in range(runs))


def tokens_per_second(runs: int, new_tokens: int = 200) -> float:
    from llmterms import tiny

    with tiny.load() as model:
        ids = model.tokenize("The KV cache")
        model.generate("warm up", max_new_tokens=4)

        def once() -> float:
            started = time.perf_counter()
            logits = model._eval(ids, 0)  # the last position's logits, as the C library gives them
            for position in range(len(ids), len(ids) + new_tokens):
                logits = model._eval([int(logits.argmax())], position)
            return new_tokens / (time.perf_counter() - started)

        return statistics.median(once() for _ in range(runs))


# -- The table ----------------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown",
    )  # fmt: skip
    memory = next(
        (int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()
         if line.startswith("MemTotal")),
        0,
    )  # fmt: skip
    load = os.getloadavg()[0]
    return [
        f"CPU: {cpu}, {os.cpu_count()} logical cores (nproc {len(os.sched_getaffinity(0))})",
        f"memory: {memory / 2**30:.1f} GiB; load average at the start: {load:.2f}",
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each slow figure (default 3)")
    parser.add_argument("--quick", action="store_true", help="skip the whole-manual builds and doctests")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, int, str, str]] = []  # figure, median, runs, target, met

    def row(figure: str, value: str, runs: int, target: str = "-", met: bool | None = None) -> None:
        rows.append((figure, value, runs, target, {None: "-", True: "yes", False: "NO"}[met]))
        print(f"  {figure}: {value}", file=sys.stderr, flush=True)

    for line in machine():
        print(line)
    print(file=sys.stderr)

    if not args.quick:
        t, outs = clean_builds(max(args.runs, 2))
        row("clean HTML build of the manual", f"{t:.1f} s", len(outs), "<= 10 s", t <= 10)
        diff = differing_files(outs[0], outs[1])
        row("files differing between two clean builds", f"{len(diff)}", 2, "0", not diff)
        for name in diff[:10]:
            print(f"    differs: {name}", file=sys.stderr)
        t_clean = t
        t, reread = rebuild(outs[0], args.runs, None)
        row("build with nothing changed", f"{t:.1f} s", args.runs, "<= 1 s", t <= 1)
        row("pages re-read by it", ", ".join(sorted(reread)) or "none", args.runs, "none", not reread)
        t, reread = rebuild(outs[0], args.runs, lambda run: os.utime(TOUCHED))
        row(f"incremental build after touching {TOUCHED.name}", f"{t:.1f} s", args.runs, "<= 2 s", t <= 2)
        row("pages re-read by it", ", ".join(sorted(reread)) or "none", args.runs, "the chapter",
            reread == {TOUCHED.stem})  # fmt: skip
        t, reread = entry_build(outs[0], args.runs)
        row(f"incremental build after editing {EDITED_ENTRY.name}", f"{t:.1f} s", args.runs, "<= 3 s", t <= 3)
        # The entry's category page and the index of every name and summary (docs/glossary.md).
        category = f"glossary/{EDITED_ENTRY.parent.name}"
        row("pages re-read by it", ", ".join(sorted(reread)) or "none", args.runs, f"glossary, {category}",
            reread == {"glossary", category})  # fmt: skip
        t_plain = plain_build(args.runs)
        row("plain Sphinx, same chapters, our directives removed", f"{t_plain:.1f} s", args.runs)
        row("ratio clean build / plain Sphinx", f"{t_clean / t_plain:.1f}x", args.runs)

    fast = max(15, 5 * args.runs)
    t_define, t_bare = define_times(fast, "GGUF")
    row("llmterms define GGUF", f"{1000 * t_define:.0f} ms", fast)
    row("python -c pass", f"{1000 * t_bare:.0f} ms", fast)
    row("ratio define / bare start-up", f"{t_define / t_bare:.1f}x", fast, "<= 3x", t_define / t_bare <= 3)
    t_partial, t_bare = define_times(fast, "rotary")
    row("llmterms define rotary (not an exact name)", f"{1000 * t_partial:.0f} ms", fast,
        "<= 3x", t_partial / t_bare <= 3)  # fmt: skip
    row("  its ratio to python -c pass in the same runs", f"{t_partial / t_bare:.1f}x", fast)
    t = define_cold(3)
    row("llmterms define GGUF, empty cache (after an edit)", f"{1000 * t:.0f} ms", 3)
    t, n = search_time(5)
    row(f"glossary search, per query ({n} queries)", f"{1000 * t:.2f} ms", 5)
    rates = search_rates()
    row(f"define: right entry first, top-1 ({rates.rows} queries)", f"{rates.top1:.1%}", 1, ">= 98 %",
        rates.top1 >= 0.98)  # fmt: skip
    row("search: right entry in the first three, top-3", f"{rates.top3:.1%}", 1)
    row("define: an entry where none is right, misroute rate", f"{rates.misroute:.1%}", 1, "0 %",
        rates.misroute == 0)  # fmt: skip
    row("define: nothing where an entry is right, no-match rate", f"{rates.no_match:.1%}", 1)

    t_inspect, t_estimate = large_vocabulary_times(fast)
    row("llmterms inspect FILE, 262,144-token vocabulary", f"{1000 * t_inspect:.0f} ms", fast, "< 500 ms",
        t_inspect < 0.5)  # fmt: skip
    row("llmterms estimate FILE, 262,144-token vocabulary", f"{1000 * t_estimate:.0f} ms", fast, "< 500 ms",
        t_estimate < 0.5)  # fmt: skip

    t = tiny_load_time(fast)
    row("tiny.load()", f"{1000 * t:.1f} ms", fast, "< 100 ms", t < 0.1)
    from llmterms import tiny

    model_bytes = tiny.path().stat().st_size
    bandwidth = memory_bandwidth(5)
    row("memory bandwidth (numpy copy of 512 MiB)", f"{bandwidth / 1e9:.1f} GB/s", 5)
    bound = bandwidth / model_bytes
    speed = tokens_per_second(5)
    row(f"tiny model, bound: bandwidth / {model_bytes / 1e6:.2f} MB", f"{bound:,.0f} tokens/s", 5)
    row("tiny model in ctransformers, greedy, 1 thread", f"{speed:,.0f} tokens/s ({speed / bound:.0%})", 5,
        "<= bound", speed <= bound)  # fmt: skip

    if not args.quick:
        t = median_of(args.runs, lambda: wall([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                               "src/llmterms"]))[0]  # fmt: skip
        # The targets are half the times docs/benchmarks.md recorded before issue 17 (13.4 s and 36.0 s).
        row("docstring examples (pytest src/llmterms)", f"{t:.1f} s", args.runs, "<= 6.7 s", t <= 6.7)
        t = median_of(
            args.runs, lambda: wall(sphinx("doctest", OUT / "doctest", OUT / "doctrees-doctest", "-E"))
        )[0]
        row("chapter doctests, clean (sphinx -b doctest -E)", f"{t:.1f} s", args.runs, "<= 18 s", t <= 18)
        again = sphinx("doctest", OUT / "doctest", OUT / "doctrees-doctest")  # the -E run left its doctrees
        t = median_of(args.runs, lambda: wall(again))[0]
        row("chapter doctests again, no source changed (tox -e doctest)", f"{t:.1f} s", args.runs)

    widths = [max(len(str(r[i])) for r in [("figure", "median", "runs", "target", "met?"), *rows])
              for i in range(5)]  # fmt: skip
    print()
    for r in [("figure", "median", "runs", "target", "met?"), tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    return 0 if all(r[4] != "NO" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
