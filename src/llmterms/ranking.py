"""How a query is matched against glossary names: normal forms, words, and the rank of each kind of match.

Both :meth:`llmterms.glossary.Glossary.search` and the saved answers of ``llmterms define``
(:mod:`llmterms.cache`) rank with :func:`rank`, over the same index in the same order, so the two cannot
disagree. The module imports
nothing at start-up (no regular expressions) because ``define`` runs it before anything else.

>>> q = "rotary"
>>> names = [(normalize(n), tuple(words(n))) for n in ("Rotary position embedding", "RoPE")]
>>> name_score(normalize(q), words(q), names)  # a whole word of the term: the 800s
850.0
>>> name_score(normalize("perplexety"), words("perplexety"), [("perplexity", ("perplexity",))])
625.0
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing and collections.abc cost more to import than `define` takes
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["best", "name_score", "normalize", "rank", "text_score", "within_one_edit", "words"]

#: Every ASCII character that is not a letter or digit, mapped to a space.
_ASCII_SEPARATORS = {c: " " for c in range(128) if not chr(c).isalnum()}


def normalize(name: str) -> str:
    """Reduce a name to the form used to compare names: case-folded, accents and punctuation dropped.

    Two names that normalize alike are the same name in the glossary, so only one entry may claim it.

    >>> normalize("Grouped-Query Attention")
    'groupedqueryattention'
    >>> normalize("n_gpu_layers") == normalize("N-GPU layers")
    True
    >>> normalize("Q4_K_M"), normalize("Café")
    ('q4km', 'cafe')
    """
    return "".join(words(name))


def words(text: str) -> list[str]:
    """The words of ``text``: case-folded runs of letters and digits, accents dropped.

    This is what the regular expression ``[^\\W_]+`` finds (``str.isalnum`` is its definition of a
    word character, less the underscore), written without ``re`` so that importing it is free.

    >>> words("Top-p (nucleus) sampling, n_gpu_layers, naïve")
    ['top', 'p', 'nucleus', 'sampling', 'n', 'gpu', 'layers', 'naive']
    """
    folded = text.casefold()
    if folded.isascii():
        return folded.translate(_ASCII_SEPARATORS).split()
    import unicodedata  # only for text beyond ASCII

    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)).split()


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` becomes ``b`` by at most one insertion, deletion, substitution or neighbour swap.

    >>> within_one_edit("perplexety", "perplexity"), within_one_edit("lroa", "lora")
    (True, True)
    >>> within_one_edit("gguf", "ggml")
    False
    """
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _word_prefixes(name_words: Sequence[str]) -> set[str]:
    """The name's first word, first two words, ... run together: where a prefix query may stop."""
    return {"".join(name_words[: i + 1]) for i in range(len(name_words))}


def _stem_match(query_word: str, word: str) -> bool:
    """Words that share a stem: "quantize" and "quantization", "tokenizer" and "tokenization"."""
    if query_word[:5] != word[:5]:  # most pairs differ early; five shared letters are needed anyway
        return False
    common = 0
    for a, b in zip(query_word, word, strict=False):
        if a != b:
            break
        common += 1
    return common >= 5 and common >= len(query_word) - 2


def _every_word_starts(qwords: Sequence[str], name_words: Sequence[str]) -> bool:
    """Each query word starts a word of the name or shares its stem (see :func:`_stem_match`)."""
    for qw in qwords:
        stem = qw[:5] if len(qw) >= 5 else None  # a stem match needs five shared letters
        for w in name_words:
            if w.startswith(qw) or (stem is not None and w.startswith(stem) and _stem_match(qw, w)):
                break
        else:
            return False  # most names fail at the first query word
    return True


def name_score(q: str, qwords: Sequence[str], names: Sequence[tuple[str, Sequence[str]]]) -> float:
    """Score an entry's names (term first, each as ``(normalized, words)``) against a query; 0 is no match.

    The tiers, best first: the exact term (1000) or alias (950); every query word is a word of the name
    (850s); the query starts the name at a word boundary (800s); every query word starts or shares a stem
    with a word of the name (700s); the query is inside the name (650s); the name, or one of its words,
    is one typo away (600s, 550s). Within a tier, the term beats its aliases and shorter names win.

    >>> names = [("topp", ("top", "p")), ("nucleussampling", ("nucleus", "sampling"))]
    >>> name_score("topp", ["top", "p"], names), name_score("nucleussampling", ["nucleus", "sampling"], names)
    (1000.0, 950.0)
    >>> name_score("nucleus", ["nucleus"], names)  # a whole word of an alias, one word short
    845.0
    """
    # This runs for every name of every entry on each query, within `llmterms define`'s budget of a few
    # Python start-ups: the common failures are tested first and with plain loops (see _every_word_starts).
    best = 0.0
    lq, nq = len(q), len(qwords)
    for rank, (n, name_words) in enumerate(names):
        if q == n:
            return 1000.0 if rank == 0 else 950.0
        bonus = 20.0 if rank == 0 else 0.0  # the term itself before its aliases
        extra = len(name_words) - nq
        if nq and all(w in name_words for w in qwords):
            first = 10.0 if name_words and name_words[0] == qwords[0] else 0.0
            best = max(best, 850.0 + bonus + first - 15 * extra)
        elif lq >= 2 and n.startswith(q) and q in _word_prefixes(name_words):
            best = max(best, 800.0 + bonus - (len(n) - lq))
        elif lq >= 3 and nq and name_words:
            if _every_word_starts(qwords, name_words):
                misses = sum(not any(w.startswith(qw) for w in name_words) for qw in qwords)
                first = 10.0 if name_words[0].startswith(qwords[0][:5]) else 0.0
                best = max(best, 700.0 + bonus + first - 10 * extra - 15 * misses - len(n) / 10)
            elif q in n:
                best = max(best, 650.0 + bonus - (len(n) - lq))
        if lq < 4:
            continue
        # A typo rarely hits the first letter, so keeping it is a tie-breaker. Lengths that differ by
        # more than one are never one edit apart, and comparing them is the cheap test.
        same_start = 5.0 if q[0] == n[:1] else 0.0
        if -1 <= lq - len(n) <= 1 and within_one_edit(q, n):
            best = max(best, 600.0 + bonus + same_start)
        elif lq >= 5 and nq == 1:
            for w in name_words:
                if len(w) > 3 and -1 <= lq - len(w) <= 1 and within_one_edit(q, w):
                    best = max(best, 550.0 + bonus + same_start - len(n) / 10)
                    break
    return best


def text_score(qwords: Sequence[str], summary_words: frozenset[str], body_words: frozenset[str]) -> float:
    """The last tier, below every name match: each query word occurs in the summary (2) or the body (1).

    >>> text_score(["bandwidth", "bound"], frozenset({"bandwidth"}), frozenset({"bound", "memory"}))
    75.0
    >>> text_score(["bandwidth", "cheese"], frozenset({"bandwidth"}), frozenset())  # every word must occur
    0.0
    """
    if not qwords:
        return 0.0
    hits = [2.0 if w in summary_words else 1.0 if w in body_words else 0.0 for w in qwords]
    if 0.0 in hits:
        return 0.0
    return 100.0 * sum(hits) / (2 * len(qwords))


def rank(
    query: str,
    index: Sequence[Sequence[tuple[str, Sequence[str]]]],
    limit: int = 5,
    exact: dict[str, int] | None = None,
    text: Callable[[int, list[str]], float] | None = None,
) -> list[tuple[float, int]]:
    """The best matches for ``query`` as ``(score, position in index)``, best first; ties keep index order.

    ``index`` holds each entry's names as :func:`name_score` takes them, in the order that breaks ties;
    ``exact`` maps each normalized name to its entry's position (a shortcut when only the best is wanted);
    ``text(position, query_words)`` scores an entry's text, and fills only the places names left.

    >>> index = [[("kvcache", ("kv", "cache"))], [("promptcache", ("prompt", "cache"))]]
    >>> rank("cache", index)  # a whole word of both names: the shorter-named first entry wins the tie
    [(855.0, 0), (855.0, 1)]
    >>> rank("prompt cache", index, limit=1, exact={"kvcache": 0, "promptcache": 1})
    [(1000.0, 1)]
    """
    q, qwords = normalize(query), words(query)
    if not q:
        return []
    if limit == 1 and exact is not None and q in exact:
        # An exact term (1000) or alias (950) outranks every other tier, and names are unique.
        position = exact[q]
        return [(name_score(q, qwords, index[position]), position)]
    scored = [(score, i) for i, names in enumerate(index) if (score := name_score(q, qwords, names)) > 0]
    if text is not None and len(scored) < limit:  # the full text is the slow part
        named = {i for _, i in scored}
        for i in range(len(index)):
            if i not in named and (score := text(i, qwords)) > 0:
                scored.append((score, i))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return scored[:limit]


def best(
    query: str, index: Sequence[Sequence[tuple[str, Sequence[str]]]], exact: dict[str, int]
) -> int | None:
    """The position of the one entry ``llmterms define`` shows for ``query``, or None when no name matches.

    >>> best("kv", [[("kvcache", ("kv", "cache"))]], {"kvcache": 0}), best("zzxqv", [], {})
    (0, None)
    """
    found = rank(query, index, limit=1, exact=exact)
    return found[0][1] if found else None
