"""Chat templates: render a list of messages into the exact prompt text a model was fine-tuned on.

A chat template is a Jinja2 program stored with the model (``chat_template`` in Hugging Face
``tokenizer_config.json``, ``tokenizer.chat_template`` in GGUF metadata). Rendering follows transformers:
a sandboxed Jinja environment with ``trim_blocks`` and ``lstrip_blocks``, a ``raise_exception`` function and
a ``tojson`` filter. The named templates live in ``data/templates.toml``, each with its source.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, NoReturn

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from llmterms import data

__all__ = [
    "TEMPLATES",
    "check_double_bos",
    "generation_prompt",
    "names",
    "render",
    "render_gguf",
    "supports_system",
    "table",
    "template",
    "visible",
]


@lru_cache(maxsize=1)
def _data() -> dict[str, dict[str, str]]:
    return data.read("templates.toml")


def names() -> list[str]:
    """Return the names of the bundled chat templates.

    >>> names()
    ['alpaca', 'chatml', 'llama2', 'llama3', 'mistral', 'vicuna', 'zephyr']
    """
    return sorted(_data())


def template(name: str) -> dict[str, str]:
    """Return a bundled template's record: ``template``, ``bos_token``, ``eos_token``, ``source``, ``url``.

    >>> template("chatml")["eos_token"]
    '<|im_end|>'
    """
    try:
        return dict(_data()[name])
    except KeyError:
        raise ValueError(f"unknown chat template {name!r}; known: {', '.join(names())}") from None


TEMPLATES = tuple(names())


def _raise_exception(message: str) -> NoReturn:
    raise jinja2.TemplateError(message)


def _tojson(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent)


@lru_cache(maxsize=1)
def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"]
    )
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    return env


def render(
    template_name_or_text: str,
    messages: Sequence[Mapping[str, Any]],
    add_generation_prompt: bool = True,
    bos_token: str | None = None,
    eos_token: str | None = None,
    **variables: Any,
) -> str:
    """Render ``messages`` with a bundled template (by name) or with Jinja template text.

    ``add_generation_prompt`` appends the header that opens the assistant's turn, so the model
    answers instead of continuing the user's message. For a bundled template the special tokens
    default to that model's own.

    >>> msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    >>> print(render("chatml", msgs))
    <|im_start|>system
    Be brief.<|im_end|>
    <|im_start|>user
    Hi<|im_end|>
    <|im_start|>assistant
    <BLANKLINE>
    >>> render("llama2", msgs)
    '<s>[INST] <<SYS>>\\nBe brief.\\n<</SYS>>\\n\\nHi [/INST]'
    >>> render("{{ bos_token }}{{ messages[0]['content'] }}", msgs, bos_token="<s>")
    '<s>Be brief.'
    """
    if template_name_or_text in _data():
        record = _data()[template_name_or_text]
        text = record["template"]
        bos_token = record.get("bos_token", "") if bos_token is None else bos_token
        eos_token = record.get("eos_token", "") if eos_token is None else eos_token
    elif "{{" in template_name_or_text or "{%" in template_name_or_text:
        text = template_name_or_text
    else:
        raise ValueError(f"unknown chat template {template_name_or_text!r}; known: {', '.join(names())}")
    compiled = _environment().from_string(text)
    return compiled.render(
        messages=[dict(m) for m in messages],
        add_generation_prompt=add_generation_prompt,
        bos_token=bos_token or "",
        eos_token=eos_token or "",
        **variables,
    )


def render_gguf(
    path: str | os.PathLike[str], messages: Sequence[Mapping[str, Any]], add_generation_prompt: bool = True
) -> str:
    """Render ``messages`` with the ``tokenizer.chat_template`` stored in a GGUF file.

    The BOS and EOS strings come from the file's own vocabulary.

    >>> import tempfile, pathlib, gguf
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "chat.gguf"
    >>> w = gguf.GGUFWriter(str(path), "llama")
    >>> w.add_chat_template(template("zephyr")["template"])
    >>> w.add_token_list(["<unk>", "<s>", "</s>"]); w.add_bos_token_id(1); w.add_eos_token_id(2)
    >>> w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    >>> print(render_gguf(path, [{"role": "user", "content": "Hi"}]))
    <|user|>
    Hi</s>
    <|assistant|>
    """
    from llmterms import gguf_file

    info = gguf_file.inspect(path)
    if not info.chat_template:
        raise gguf_file.GGUFError(
            path, "no tokenizer.chat_template in this GGUF file", field="tokenizer.chat_template"
        )
    return render(
        info.chat_template,
        messages,
        add_generation_prompt=add_generation_prompt,
        bos_token=info.bos_token or "",
        eos_token=info.eos_token or "",
    )


def check_double_bos(rendered_text: str, bos_token: str, tokenizer_adds_bos: bool) -> bool:
    """Return True when the prompt would start with two BOS tokens.

    Many templates write ``bos_token`` themselves, and many loaders (llama.cpp when the GGUF says
    ``tokenizer.ggml.add_bos_token = true``, transformers with ``add_special_tokens=True``) add one when
    tokenizing. Doing both gives the model a sequence start it never saw in training.

    >>> prompt = render("llama3", [{"role": "user", "content": "Hi"}])
    >>> prompt[:17]
    '<|begin_of_text|>'
    >>> check_double_bos(prompt, "<|begin_of_text|>", tokenizer_adds_bos=True)
    True
    >>> check_double_bos(prompt, "<|begin_of_text|>", tokenizer_adds_bos=False)
    False
    """
    if not bos_token:
        return False
    text = rendered_text.lstrip(" ")
    if text.startswith(bos_token * 2):
        return True
    return tokenizer_adds_bos and text.startswith(bos_token)


def generation_prompt(name: str) -> str:
    """Return the text a bundled template appends to open the assistant's turn ('' when it has none).

    Templates in the [INST] family have no assistant header: the closing ``[/INST]`` of the user's
    turn is the cue to answer.

    >>> generation_prompt("chatml")
    '<|im_start|>assistant\\n'
    >>> generation_prompt("llama2")
    ''
    """
    messages = [{"role": "user", "content": "x"}]
    opened = render(name, messages, add_generation_prompt=True)
    closed = render(name, messages, add_generation_prompt=False)
    return opened[len(closed) :] if opened.startswith(closed) else opened


def supports_system(name: str) -> bool:
    """Tell whether a bundled template accepts a system message and writes it into the prompt.

    >>> supports_system("llama2"), supports_system("mistral")
    (True, False)
    """
    marker = "SYSTEM-MESSAGE-MARKER"
    messages = [{"role": "system", "content": marker}, {"role": "user", "content": "x"}]
    try:
        return marker in render(name, messages)
    except jinja2.TemplateError:
        return False


def _visible(text: str) -> str:
    return text.replace("\n", "\\n") if text else "(none)"


def table() -> list[dict[str, str]]:
    """Return one row per bundled template: its markers, special tokens and whether it takes a system message.

    >>> rows = {row["name"]: row for row in table()}
    >>> rows["llama3"]["starts_with_bos"], rows["llama3"]["end_of_turn"], rows["llama3"]["system"]
    ('yes', '<|eot_id|>', 'yes')
    >>> print(rows["zephyr"]["generation_prompt"], rows["mistral"]["system"])
    <|assistant|>\\n no
    """
    rows = []
    for name in names():
        record = template(name)
        first = render(name, [{"role": "user", "content": "x"}])
        rows.append(
            {
                "name": name,
                "title": record["title"],
                "starts_with_bos": "yes" if first.startswith(record["bos_token"]) else "no",
                "end_of_turn": record["eos_token"],
                "generation_prompt": _visible(generation_prompt(name)),
                "system": "yes" if supports_system(name) else "no",
            }
        )
    return rows


def visible(text: str) -> str:
    """Show a rendered prompt with every newline written out as ``\\n`` before the real line break.

    Blank lines and trailing newlines are part of a template, and easy to miss when printed.

    >>> print(visible("<|im_start|>user\\nHi<|im_end|>\\n"))
    <|im_start|>user\\n
    Hi<|im_end|>\\n
    """
    return text.replace("\n", "\\n\n").removesuffix("\n")
