"""RoPE frequencies and the context-extension settings that rescale them.

Rotary position embedding (RoPE) rotates each pair of query/key channels by an angle proportional to the
token position; pair ``i`` of a head of size ``d`` turns at the rate ``theta_i = base ** (-2 i / d)``.
Every context-extension option in the local tools changes one of two things: the positions (linear
scaling, also called position interpolation) or the base (NTK-aware scaling). YaRN mixes the two per
channel pair and rescales attention. The tools name these knobs differently; :class:`RopeScaling` holds one
setting and writes it in each tool's vocabulary.

Sources: llama.cpp ``common/arg.cpp`` and ``ggml`` ``rope_yarn``; ExLlamaV2 ``exllamav2/config.py``;
text-generation-webui ``modules/RoPE.py`` and ``modules/shared.py``; transformers
``modeling_rope_utils.py``; Peng et al. 2023, YaRN (arXiv:2309.00071).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from llmterms import options

__all__ = [
    "METHODS",
    "RopeScaling",
    "dynamic_ntk_alpha",
    "frequencies",
    "linear_factor",
    "linear_freq_scale",
    "ntk_alpha",
    "ntk_base",
    "parse_option",
    "wavelengths",
    "webui_freq_base",
    "yarn_attention_factor",
    "yarn_correction_range",
    "yarn_frequencies",
]

METHODS = ("none", "linear", "ntk", "yarn")


def _name(key: str, tool: str) -> str:
    # The tools' option names live in data/options.toml, with the source each was checked in; the
    # writers below use the preferred spelling. text-generation-webui's settings are its command-line
    # flags without the dashes (modules/shared.py), so "--alpha_value" is the setting "alpha_value".
    name = options.concept(key).name_in(tool)
    if name is None:
        raise LookupError(f"data/options.toml gives {tool} no name for {key}")
    return name.lstrip("-") if tool == "webui" else name


#: Defaults that ggml and transformers use for YaRN when a model does not set them (Peng et al. 2023).
YARN_BETA_FAST = 32.0
YARN_BETA_SLOW = 1.0


def _check_head_dim(head_dim: int) -> None:
    if head_dim < 4 or head_dim % 2:
        raise ValueError(f"head_dim must be an even number >= 4, got {head_dim}")


def frequencies(head_dim: int, base: float = 10000.0) -> np.ndarray:
    """Return the rotation rate ``theta_i = base ** (-2 i / head_dim)`` of each of the ``head_dim / 2`` pairs.

    The first pair turns one radian per token; the last turns slowest, which is why long contexts
    stress the low-frequency end.

    >>> theta = frequencies(8)
    >>> theta.round(4).tolist()
    [1.0, 0.1, 0.01, 0.001]
    >>> round(float(2 * np.pi / frequencies(128)[-1]))  # wavelength of the slowest pair, in tokens
    54410
    """
    _check_head_dim(head_dim)
    if base <= 1.0:
        raise ValueError(f"base must be > 1, got {base}")
    i = np.arange(head_dim // 2, dtype=np.float64)
    return base ** (-2.0 * i / head_dim)


def wavelengths(head_dim: int, base: float = 10000.0) -> np.ndarray:
    """Return how many tokens each channel pair takes to turn once around: ``2 pi / theta_i``.

    A pair whose wavelength is longer than the training context never completed a full turn in
    training, so positions beyond it produce angles the model has not seen.

    >>> wavelengths(128).round().astype(int)[[0, 32, 63]].tolist()  # first, middle and last pair
    [6, 628, 54410]
    """
    return 2.0 * np.pi / frequencies(head_dim, base)


def linear_freq_scale(factor: float) -> float:
    """Convert a linear context-extension factor to llama.cpp's ``--rope-freq-scale`` (its reciprocal).

    Stretching a 4096-token model to 16384 tokens is a factor of 4, which llama.cpp spells 0.25
    (or ``--rope-scale 4``); ExLlamaV2's ``scale_pos_emb`` and text-generation-webui's
    ``compress_pos_emb`` take the factor itself.

    >>> linear_freq_scale(4)
    0.25
    """
    if factor <= 0:
        raise ValueError(f"factor must be > 0, got {factor}")
    return 1.0 / factor


def linear_factor(freq_scale: float) -> float:
    """Convert llama.cpp's ``--rope-freq-scale`` back to the context-extension factor.

    >>> linear_factor(0.5)
    2.0
    """
    if freq_scale <= 0:
        raise ValueError(f"freq_scale must be > 0, got {freq_scale}")
    return 1.0 / freq_scale


def ntk_base(base: float, alpha: float, head_dim: int) -> float:
    """Return the RoPE base that NTK-aware scaling with ``alpha`` uses: ``base * alpha ** (d / (d - 2))``.

    With head size 128 the exponent is 64/63, the constant text-generation-webui hard-codes.

    >>> round(ntk_base(10000.0, 2.5, 128), 1)
    25366.3
    >>> ntk_base(10000.0, 1.0, 128)
    10000.0
    """
    _check_head_dim(head_dim)
    if alpha <= 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    return base * alpha ** (head_dim / (head_dim - 2))


def ntk_alpha(base: float, new_base: float, head_dim: int) -> float:
    """Return the NTK alpha that turns ``base`` into ``new_base`` (the inverse of :func:`ntk_base`).

    >>> round(ntk_alpha(10000.0, 25366.26, 128), 4)
    2.5
    """
    _check_head_dim(head_dim)
    if base <= 0 or new_base <= 0:
        raise ValueError("bases must be > 0")
    return (new_base / base) ** ((head_dim - 2) / head_dim)


def dynamic_ntk_alpha(length: int, original_context: int, factor: float) -> float:
    """Return the NTK alpha that dynamic NTK scaling uses at ``length`` tokens (transformers' rule).

    Up to the trained length nothing changes; beyond it the alpha grows as
    ``factor * length / original_context - (factor - 1)``, and the base is recomputed from it as
    in :func:`ntk_base`. It reaches ``factor`` at ``(2 - 1 / factor)`` times the trained length
    and keeps growing after that.

    >>> [dynamic_ntk_alpha(n, 4096, 2.0) for n in (2048, 4096, 6144, 8192)]
    [1.0, 1.0, 2.0, 3.0]
    """
    if length <= 0 or original_context <= 0 or factor <= 0:
        raise ValueError("length, original_context and factor must be > 0")
    length = max(length, original_context)
    return factor * length / original_context - (factor - 1.0)


def webui_freq_base(alpha_value: float) -> float:
    """Return the ``rope_freq_base`` text-generation-webui derives from ``alpha_value``.

    The web UI uses ``10000 * alpha ** (64 / 63)`` whatever the model: it assumes base 10000 and
    head size 128, so for a model trained with another base (Llama 3 uses 500000) set
    ``rope_freq_base`` directly instead.

    >>> round(webui_freq_base(2.5), 1)
    25366.3
    """
    return 10000.0 * alpha_value ** (64 / 63)


def yarn_attention_factor(factor: float) -> float:
    """Return YaRN's attention scale ``0.1 * ln(s) + 1`` for a context-extension factor ``s``.

    The paper writes it as ``sqrt(1/t)``; ggml multiplies both cos and sin by it, so the attention
    logits grow by its square. A factor of 1 or less leaves attention unchanged.

    >>> round(yarn_attention_factor(4), 4)
    1.1386
    >>> yarn_attention_factor(1)
    1.0
    """
    if factor <= 1.0:
        return 1.0
    return 0.1 * math.log(factor) + 1.0


def _correction_dim(n_rot: float, head_dim: int, original_context: int, base: float) -> float:
    # The channel-pair index whose wavelength fits n_rot times into the original context.
    return head_dim * math.log(original_context / (n_rot * 2 * math.pi)) / (2 * math.log(base))


def yarn_correction_range(
    head_dim: int,
    original_context: int,
    base: float = 10000.0,
    beta_fast: float = YARN_BETA_FAST,
    beta_slow: float = YARN_BETA_SLOW,
) -> tuple[int, int]:
    """Return the pair indices ``(low, high)`` between which YaRN blends interpolation and extrapolation.

    Pairs below ``low`` rotate more than ``beta_fast`` times over the original context and are left
    alone; pairs above ``high`` rotate less than ``beta_slow`` times and are interpolated like linear
    scaling. The rounding and clamping follow ggml's ``ggml_rope_yarn_corr_dims``.

    >>> yarn_correction_range(128, 4096)
    (20, 46)
    """
    _check_head_dim(head_dim)
    low = math.floor(_correction_dim(beta_fast, head_dim, original_context, base))
    high = math.ceil(_correction_dim(beta_slow, head_dim, original_context, base))
    return max(low, 0), min(high, head_dim - 1)


def yarn_frequencies(
    head_dim: int,
    factor: float,
    original_context: int,
    base: float = 10000.0,
    beta_fast: float = YARN_BETA_FAST,
    beta_slow: float = YARN_BETA_SLOW,
) -> np.ndarray:
    """Return YaRN's per-pair rotation rates: fast pairs unchanged, slow pairs divided by ``factor``.

    This is the "NTK-by-parts" blend of Peng et al. 2023, as transformers computes it.

    >>> theta = yarn_frequencies(128, 4.0, 4096)
    >>> bool(theta[0] == frequencies(128)[0]), bool(np.isclose(theta[-1], frequencies(128)[-1] / 4))
    (True, True)
    """
    theta = frequencies(head_dim, base)
    low, high = yarn_correction_range(head_dim, original_context, base, beta_fast, beta_slow)
    span = max(high - low, 0.001)
    ramp = np.clip((np.arange(head_dim // 2) - low) / span, 0.0, 1.0)
    # ramp is 0 for fast pairs (keep) and 1 for slow pairs (interpolate).
    return theta * (1.0 - ramp) + (theta / factor) * ramp


@dataclass(frozen=True)
class RopeScaling:
    """One RoPE context-extension setting, convertible to each tool's option names.

    ``method`` is ``"none"``, ``"linear"`` (position interpolation), ``"ntk"`` (static NTK-aware
    scaling through a larger base) or ``"yarn"``. ``factor`` is the context-extension factor of linear
    scaling and YaRN, ``alpha`` the NTK alpha, ``base`` the model's own RoPE base.

    >>> s = RopeScaling.from_webui(alpha_value=2.5)
    >>> s.method, round(s.freq_base, 1)
    ('ntk', 25366.3)
    >>> s.to_llamacpp()
    {'--rope-freq-base': 25366.26, '--rope-freq-scale': 1.0}
    """

    method: str = "none"
    factor: float = 1.0
    alpha: float = 1.0
    base: float = 10000.0
    head_dim: int = 128
    original_context: int | None = None
    beta_fast: float = YARN_BETA_FAST
    beta_slow: float = YARN_BETA_SLOW

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        _check_head_dim(self.head_dim)
        if self.factor <= 0 or self.alpha <= 0 or self.base <= 1:
            raise ValueError("factor and alpha must be > 0 and base > 1")
        if self.method == "yarn" and not self.original_context:
            raise ValueError("YaRN needs original_context (the model's training context length)")

    @property
    def freq_base(self) -> float:
        """The RoPE base the model actually runs with.

        >>> RopeScaling("ntk", alpha=2.0, head_dim=64).freq_base == 10000 * 2 ** (64 / 62)
        True
        """
        if self.method == "ntk":
            return ntk_base(self.base, self.alpha, self.head_dim)
        return self.base

    @property
    def freq_scale(self) -> float:
        """The position multiplier (llama.cpp's ``rope_freq_scale``): ``1 / factor`` or 1.

        >>> RopeScaling("linear", factor=2.0).freq_scale
        0.5
        """
        return 1.0 / self.factor if self.method in ("linear", "yarn") else 1.0

    def frequencies(self) -> np.ndarray:
        """Return the per-pair rotation rates this setting produces, per position of the original scale.

        >>> RopeScaling("linear", factor=2.0, head_dim=8).frequencies().round(4).tolist()
        [0.5, 0.05, 0.005, 0.0005]
        """
        if self.method == "yarn":
            assert self.original_context is not None
            return yarn_frequencies(
                self.head_dim, self.factor, self.original_context, self.base, self.beta_fast, self.beta_slow
            )
        return frequencies(self.head_dim, self.freq_base) * self.freq_scale

    # -- writers ---------------------------------------------------------------------------------

    def to_llamacpp(self) -> dict[str, float | int | str]:
        """Return the llama.cpp command-line options for this setting.

        >>> RopeScaling("linear", factor=4.0).to_llamacpp()
        {'--rope-scaling': 'linear', '--rope-freq-scale': 0.25}
        >>> RopeScaling("yarn", factor=4.0, original_context=4096).to_llamacpp()
        {'--rope-scaling': 'yarn', '--rope-freq-scale': 0.25, '--yarn-orig-ctx': 4096}
        """
        method, scale = _name("rope_scaling_type", "llamacpp"), _name("rope_linear_scale", "llamacpp")
        if self.method == "linear":
            return {method: "linear", scale: _round(self.freq_scale)}
        if self.method == "yarn":
            assert self.original_context is not None
            out: dict[str, float | int | str] = {
                method: "yarn",
                scale: _round(self.freq_scale),
                _name("yarn_original_context", "llamacpp"): self.original_context,
            }
            if self.beta_fast != YARN_BETA_FAST:
                out[_name("yarn_beta_fast", "llamacpp")] = self.beta_fast
            if self.beta_slow != YARN_BETA_SLOW:
                out[_name("yarn_beta_slow", "llamacpp")] = self.beta_slow
            return out
        return {_name("rope_base", "llamacpp"): _round(self.freq_base), scale: 1.0}

    def to_exllamav2(self) -> dict[str, float]:
        """Return the ``ExLlamaV2Config`` attributes for this setting.

        ExLlamaV2 has linear scaling (``scale_pos_emb``) and NTK alpha (``scale_alpha_value``); its
        config reader leaves YaRN commented out, so a YaRN setting raises ``ValueError``.

        >>> RopeScaling.from_webui(compress_pos_emb=2).to_exllamav2()
        {'scale_pos_emb': 2.0, 'scale_alpha_value': 1.0}
        """
        if self.method == "yarn":
            raise ValueError("ExLlamaV2 has no YaRN option")
        return {
            _name("rope_linear_scale", "exllamav2"): float(self.factor if self.method == "linear" else 1.0),
            _name("ntk_alpha", "exllamav2"): float(self.alpha if self.method == "ntk" else 1.0),
        }

    def to_webui(self) -> dict[str, float | int]:
        """Return text-generation-webui's RoPE settings (its llama.cpp, ExLlamaV2 and Transformers loaders).

        ``rope_freq_base`` wins over ``alpha_value`` when it is above 0, so it is given whenever the
        base differs from 10000.

        >>> RopeScaling("ntk", alpha=2.5).to_webui()
        {'alpha_value': 2.5, 'rope_freq_base': 25366, 'compress_pos_emb': 1}
        """
        if self.method == "yarn":
            raise ValueError("text-generation-webui has no YaRN option")
        freq_base = round(self.freq_base) if self.freq_base != 10000.0 else 0
        compress = self.factor if self.method == "linear" else 1
        return {
            _name("ntk_alpha", "webui"): _round(self.alpha if self.method == "ntk" else 1.0),
            _name("rope_base", "webui"): freq_base,
            _name("rope_linear_scale", "webui"): int(compress) if float(compress).is_integer() else compress,
        }

    def to_hf(self) -> dict[str, object]:
        """Return the Hugging Face ``config.json`` fields: ``rope_theta`` and ``rope_scaling``.

        Static NTK scaling has no ``rope_type`` of its own in transformers; it is a larger
        ``rope_theta``.

        >>> RopeScaling("linear", factor=2.0).to_hf()
        {'rope_theta': 10000.0, 'rope_scaling': {'rope_type': 'linear', 'factor': 2.0}}
        >>> RopeScaling("yarn", factor=4.0, original_context=32768).to_hf()["rope_scaling"]
        {'rope_type': 'yarn', 'factor': 4.0, 'original_max_position_embeddings': 32768}
        """
        scaling: dict[str, object] | None = None
        if self.method == "linear":
            scaling = {"rope_type": "linear", "factor": float(self.factor)}
        elif self.method == "yarn":
            scaling = {
                "rope_type": "yarn",
                "factor": float(self.factor),
                _name("yarn_original_context", "transformers"): self.original_context,
            }
            if self.beta_fast != YARN_BETA_FAST:
                scaling[_name("yarn_beta_fast", "transformers")] = self.beta_fast
            if self.beta_slow != YARN_BETA_SLOW:
                scaling[_name("yarn_beta_slow", "transformers")] = self.beta_slow
        return {
            _name("rope_base", "transformers"): _round(self.freq_base),
            _name("rope_scaling_type", "transformers"): scaling,
        }

    def to_all(self) -> dict[str, object]:
        """Return every tool's spelling of this setting; tools that cannot express it map to ``None``.

        >>> sorted(RopeScaling().to_all())
        ['exllamav2', 'hf', 'llamacpp', 'webui']
        """
        out: dict[str, object] = {}
        for name, writer in (
            ("llamacpp", self.to_llamacpp),
            ("exllamav2", self.to_exllamav2),
            ("webui", self.to_webui),
            ("hf", self.to_hf),
        ):
            try:
                out[name] = writer()
            except ValueError:
                out[name] = None
        return out

    # -- readers ---------------------------------------------------------------------------------

    @classmethod
    def from_llamacpp(
        cls,
        rope_freq_base: float | None = None,
        rope_freq_scale: float | None = None,
        rope_scaling: str | None = None,
        yarn_orig_ctx: int | None = None,
        *,
        base: float = 10000.0,
        head_dim: int = 128,
    ) -> RopeScaling:
        """Read llama.cpp options; ``base`` is the model's trained RoPE base (its GGUF metadata).

        >>> RopeScaling.from_llamacpp(rope_freq_scale=0.5).method
        'linear'
        >>> round(RopeScaling.from_llamacpp(rope_freq_base=25366.26).alpha, 3)
        2.5
        """
        factor = linear_factor(rope_freq_scale) if rope_freq_scale else 1.0
        if rope_scaling == "yarn":
            return cls("yarn", factor=factor, base=base, head_dim=head_dim, original_context=yarn_orig_ctx)
        if rope_freq_base and rope_freq_base != base:
            if factor != 1.0:
                raise ValueError("this model combines a new base with linear scaling; give one at a time")
            return cls("ntk", alpha=ntk_alpha(base, rope_freq_base, head_dim), base=base, head_dim=head_dim)
        if factor != 1.0 and rope_scaling != "none":
            return cls("linear", factor=factor, base=base, head_dim=head_dim)
        return cls(base=base, head_dim=head_dim)

    @classmethod
    def from_exllamav2(
        cls,
        scale_pos_emb: float = 1.0,
        scale_alpha_value: float = 1.0,
        *,
        base: float = 10000.0,
        head_dim: int = 128,
    ) -> RopeScaling:
        """Read ExLlamaV2's ``scale_pos_emb`` (linear) and ``scale_alpha_value`` (NTK alpha).

        >>> RopeScaling.from_exllamav2(scale_alpha_value=2.0).method
        'ntk'
        """
        return cls._from_pair(scale_pos_emb, scale_alpha_value, base, head_dim)

    @classmethod
    def from_webui(
        cls,
        alpha_value: float = 1.0,
        rope_freq_base: float = 0,
        compress_pos_emb: float = 1,
        *,
        base: float = 10000.0,
        head_dim: int = 128,
    ) -> RopeScaling:
        """Read text-generation-webui's settings the way the web UI does (``rope_freq_base`` > 0 wins).

        >>> RopeScaling.from_webui(rope_freq_base=40000).alpha == ntk_alpha(10000, 40000, 128)
        True
        """
        if rope_freq_base and rope_freq_base > 0:
            alpha = ntk_alpha(base, rope_freq_base, head_dim)
        elif alpha_value != 1.0:
            alpha = ntk_alpha(base, webui_freq_base(alpha_value), head_dim)
        else:
            alpha = 1.0
        return cls._from_pair(compress_pos_emb, alpha, base, head_dim)

    @classmethod
    def from_hf(
        cls,
        rope_scaling: dict[str, object] | None,
        rope_theta: float = 10000.0,
        head_dim: int = 128,
        *,
        base: float | None = None,
    ) -> RopeScaling:
        """Read a Hugging Face ``rope_scaling`` dict (``rope_type``, or the older ``type`` key).

        ``base`` is the base the model was trained with, when ``rope_theta`` has been raised for NTK.

        >>> RopeScaling.from_hf({"type": "linear", "factor": 2.0}).factor
        2.0
        """
        trained = base if base is not None else rope_theta
        if not rope_scaling:
            if rope_theta != trained:
                return cls(
                    "ntk", alpha=ntk_alpha(trained, rope_theta, head_dim), base=trained, head_dim=head_dim
                )
            return cls(base=trained, head_dim=head_dim)
        kind = rope_scaling.get("rope_type", rope_scaling.get("type"))
        factor = float(rope_scaling.get("factor", 1.0))  # type: ignore[arg-type]
        if kind == "linear":
            return cls("linear", factor=factor, base=trained, head_dim=head_dim)
        if kind == "yarn":
            orig = rope_scaling.get(_name("yarn_original_context", "transformers"))
            return cls(
                "yarn",
                factor=factor,
                base=trained,
                head_dim=head_dim,
                original_context=int(orig) if orig else None,  # type: ignore[call-overload]
                beta_fast=float(rope_scaling.get(_name("yarn_beta_fast", "transformers")) or YARN_BETA_FAST),  # type: ignore[arg-type]
                beta_slow=float(rope_scaling.get(_name("yarn_beta_slow", "transformers")) or YARN_BETA_SLOW),  # type: ignore[arg-type]
            )
        if kind == "dynamic":
            # Dynamic NTK grows the base with the running length (see dynamic_ntk_alpha); static NTK
            # with alpha = factor is the base it reaches at (2 - 1/factor) times the trained length.
            return cls("ntk", alpha=factor, base=trained, head_dim=head_dim)
        raise ValueError(f"unsupported rope_type {kind!r}")

    @classmethod
    def _from_pair(cls, linear: float, alpha: float, base: float, head_dim: int) -> RopeScaling:
        if linear != 1 and alpha != 1:
            raise ValueError("linear scaling and NTK alpha together are not one method; give one at a time")
        if linear != 1:
            return cls("linear", factor=float(linear), base=base, head_dim=head_dim)
        if alpha != 1:
            return cls("ntk", alpha=float(alpha), base=base, head_dim=head_dim)
        return cls(base=base, head_dim=head_dim)

    def with_base(self, base: float) -> RopeScaling:
        """Return the same setting for a model trained with another RoPE base.

        >>> RopeScaling("ntk", alpha=2.0).with_base(500000.0).freq_base > 1e6
        True
        """
        return replace(self, base=base)


def _round(x: float) -> float:
    # Readable, yet exact enough to read back: two decimals for bases and factors (25366.26), six
    # significant digits below 10, where a scale such as 1/64 = 0.015625 must not become 0.02.
    x = float(x)
    return round(x, 2) if abs(x) >= 10 else float(f"{x:.6g}")


# How parse_option reads each option name, normalised to lower case with '_' for '-' and no leading
# dashes. The names are the tools' spellings in data/options.toml (tests/test_rope.py holds them to it),
# plus "factor", the number inside transformers' rope_scaling.
_OPTIONS = {
    "alpha_value": "webui.alpha_value",
    "rope_freq_base": "freq_base",
    "compress_pos_emb": "linear",
    "scale_pos_emb": "linear",
    "scale_alpha_value": "alpha",
    "rope_freq_scale": "freq_scale",
    "rope_scale": "linear",
    "factor": "linear",
    "rope_theta": "freq_base",
}


def parse_option(
    text: str, *, base: float = 10000.0, head_dim: int = 128, original_context: int | None = None
) -> RopeScaling:
    """Build a :class:`RopeScaling` from one ``name=value`` option in any tool's spelling.

    Accepted names: ``alpha_value``, ``rope_freq_base`` / ``rope_theta`` / ``--rope-freq-base``,
    ``compress_pos_emb``, ``scale_pos_emb``, ``scale_alpha_value``, ``rope_freq_scale``,
    ``--rope-scale`` and ``factor`` (linear), and ``yarn=FACTOR`` (needs ``original_context``).

    >>> parse_option("--rope-freq-scale=0.5").factor
    2.0
    >>> parse_option("alpha_value=2.5").to_hf()
    {'rope_theta': 25366.26, 'rope_scaling': None}
    """
    name, sep, value_text = text.partition("=")
    if not sep:
        raise ValueError(f"expected NAME=VALUE, got {text!r}")
    key = name.strip().lstrip("-").replace("-", "_").lower()
    try:
        value = float(value_text)
    except ValueError:
        raise ValueError(f"{name}: {value_text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: value must be a positive number")
    try:
        scaling = _from_option(key, name, value, base, head_dim, original_context)
        # Every tool's spelling must be computable, or the value is out of range for this setting.
        for convert in (scaling.to_llamacpp, scaling.to_exllamav2, scaling.to_webui, scaling.to_hf):
            convert()
    except OverflowError:
        raise ValueError(f"{name}: {value_text.strip()} is too large for this setting") from None
    return scaling


def _from_option(
    key: str, name: str, value: float, base: float, head_dim: int, original_context: int | None
) -> RopeScaling:
    if key == "yarn":
        return RopeScaling(
            "yarn", factor=value, base=base, head_dim=head_dim, original_context=original_context
        )
    kind = _OPTIONS.get(key)
    if kind is None:
        raise ValueError(f"unknown RoPE option {name!r}; known: {', '.join(sorted(_OPTIONS))}, yarn")
    if kind == "webui.alpha_value":
        return RopeScaling.from_webui(alpha_value=value, base=base, head_dim=head_dim)
    if kind == "freq_base":
        return RopeScaling.from_llamacpp(rope_freq_base=value, base=base, head_dim=head_dim)
    if kind == "freq_scale":
        return RopeScaling.from_llamacpp(rope_freq_scale=value, base=base, head_dim=head_dim)
    if kind == "alpha":
        return RopeScaling.from_exllamav2(scale_alpha_value=value, base=base, head_dim=head_dim)
    return RopeScaling._from_pair(value, 1.0, base, head_dim)
