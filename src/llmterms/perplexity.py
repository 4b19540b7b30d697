"""Perplexity, computed the way llama.cpp's ``llama-perplexity`` tool computes it.

Perplexity is the exponential of the mean negative log-probability a model gives to each actual next
token of a text: a perplexity of 20 means the model was, on average, as unsure as if it were choosing
uniformly among 20 tokens.  It depends on the tokenizer, so only models that share a vocabulary can be
compared by it, and on how the text is cut into windows, which is why this module copies llama.cpp's
method exactly (``tools/perplexity/perplexity.cpp`` in ggml-org/llama.cpp, read at commit
050fc7f32de16858ac667d775b43a51ed8976e6f):

- The whole text is tokenized once, with BOS in front.
- It is cut into consecutive, non-overlapping windows of ``n_ctx`` tokens (any remainder is dropped),
  and there must be at least two windows.  The first token of every window is replaced by BOS.
- In each window only the second half is scored: the positions from ``n_ctx // 2`` to
  ``n_ctx - 2`` predict the token after them, so every scored token has at least ``n_ctx // 2``
  tokens of context.  That is ``n_ctx - n_ctx // 2 - 1`` scored tokens per window.
- With ``--ppl-stride`` (``stride`` here) windows start every ``stride`` tokens instead and only their
  last ``stride`` predictions are scored.  In this mode llama.cpp writes BOS into the window only
  after it has been evaluated, so the window is evaluated as it stands; this module does the same.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["perplexity", "perplexity_from_logprobs", "token_logprobs"]


def perplexity_from_logprobs(logprobs) -> float:
    """Return exp(-mean(logprobs)): perplexity from the natural-log probabilities of each token.

    A model that gives every actual token probability 1/4 has perplexity 4:

    >>> round(perplexity_from_logprobs([math.log(1 / 4)] * 10), 2)
    4.0
    >>> round(perplexity_from_logprobs([math.log(0.5), math.log(0.125)]), 2)
    4.0
    """
    logprobs = np.asarray(logprobs, dtype=np.float64)
    if logprobs.size == 0:
        raise ValueError("no log-probabilities to average")
    return float(np.exp(-logprobs.mean()))


def token_logprobs(logits, targets) -> np.ndarray:
    """Return log softmax(logits[i])[targets[i]] for each row: how likely each actual token was.

    >>> token_logprobs(np.array([[0.0, 0.0], [10.0, 0.0]]), [1, 0]).round(3)
    array([-0.693, -0.   ])
    """
    logits = np.asarray(logits, dtype=np.float64)
    top = logits.max(axis=1, keepdims=True)
    log_norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    return logits[np.arange(len(logits)), np.asarray(targets)] - log_norm


def _window_logprobs(model, window: list[int], first: int) -> np.ndarray:
    # Row j of the logits predicts window[j + 1]; score rows first .. len(window) - 2.
    logits = model.logits(window, first=first)[:-1]
    return token_logprobs(logits, window[first + 1 :])


def perplexity(
    model, text: str, context_length: int | None = None, stride: int | None = None, chunks: int | None = None
) -> float:
    """Return the perplexity of *model* on *text*, by llama.cpp's method (see the module docstring).

    *model* is a :class:`llmterms.engine.Model` or a :class:`llmterms.forward_pass.ReferenceModel`;
    *context_length* is the window (default: the model's context length), and the text must fill
    at least two windows; *chunks* caps the number of windows, like llama.cpp's ``--chunks``.
    Prose the model was trained on in order scores far lower than the same words shuffled:

    >>> import random
    >>> from llmterms import tiny
    >>> text = tiny.validation_text()[:6000]
    >>> words = text.split(" ")
    >>> random.Random(0).shuffle(words)
    >>> with tiny.load() as model:
    ...     ordered = perplexity(model, text, context_length=128)
    ...     shuffled = perplexity(model, " ".join(words), context_length=128)
    >>> ordered < 40, shuffled > 2 * ordered
    (True, True)
    """
    ids = model.tokenize(text)
    n_ctx = int(context_length or model.context_length)
    if n_ctx < 4:
        raise ValueError(f"context_length must be at least 4, not {n_ctx}")
    logprobs = []
    if stride is None:
        n_chunks = len(ids) // n_ctx
        if n_chunks < 2:
            raise ValueError(
                f"need at least {2 * n_ctx} tokens for a context of {n_ctx}; the text has {len(ids)}"
            )
        n_chunks = min(n_chunks, chunks or n_chunks)
        for chunk in range(n_chunks):
            window = ids[chunk * n_ctx : (chunk + 1) * n_ctx]
            window[0] = model.bos_id
            logprobs.append(_window_logprobs(model, window, n_ctx // 2))
    else:
        if not 0 < stride < n_ctx:
            raise ValueError(f"stride must be between 1 and {n_ctx - 1}, not {stride}")
        if len(ids) <= n_ctx:
            raise ValueError(
                f"need more than {n_ctx} tokens for a context of {n_ctx}; the text has {len(ids)}"
            )
        n_chunks = math.ceil((len(ids) - n_ctx) / stride)
        n_chunks = min(n_chunks, chunks or n_chunks)
        for chunk in range(n_chunks):
            window = ids[chunk * stride : chunk * stride + n_ctx]
            logprobs.append(_window_logprobs(model, window, n_ctx - stride - 1))
    return perplexity_from_logprobs(np.concatenate(logprobs))
