"""The numbers a lesson step quotes, computed by the engine from the step's own layers.

A step's texts are small Jinja templates (sandboxed) that can say ``{{ layers[0].w }}``
instead of typing 512: this module plans the step's stack with :func:`app.engine.plan` (the
same geometry the API returns: shapes, padding, formula, parameter counts) without running
it, and gives the templates what they may use:

- ``input``: ``{w, h, d}`` of the image;
- ``layers``: one entry per pyramid layer (``layers[0]`` is layer 1; a pooling layer has its
  own entry, as in the page), with ``index, kind, w, h, d, in_w, in_h, in_d, kh, kw, sh, sw,
  padding`` ``(top, bottom, left, right)``, ``formula_h, formula_w, params, dense_params``;
- ``modes``: the first conv layer under each padding mode (``valid``, ``same``, ``full``),
  each ``{mode, padding, formula_h, formula_w, h, w}``;
- the filter ``words``: ``7400000000 | words`` -> ``"7.4 billion"``.
"""

from __future__ import annotations

from typing import Any

from .. import engine
from ..engine.shapes import PaddingSpec, formula_text, output_length, resolve_padding

Shape3 = tuple[int, int, int]
POOLS = {"max2": ("max", 2, 2), "avg2": ("avg", 2, 2), "max3": ("max", 3, 2),
         "avg3": ("avg", 3, 2)}
SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"))


def words(value: float) -> str:
    """A count as people say it: ``1,234``, ``2.4 million``, ``7.4 billion``."""
    n = round(value)
    for size, name in SCALES:
        if abs(n) >= size:
            text = f"{n / size:.1f}".removesuffix(".0")
            return f"{text} {name}"
    return f"{n:,}"


def _pair(block: dict[str, Any], key: str, default: int) -> tuple[int, int]:
    value = block.get(key, [default, default])
    return (int(value[0]), int(value[1])) if isinstance(value, list) else (int(value),) * 2


def _padding(block: dict[str, Any]) -> PaddingSpec:
    mode = block.get("padding", "same")
    if mode == "custom":
        return tuple(int(p) for p in block.get("pad", [1, 1, 1, 1]))
    return str(mode)


def engine_layers(blocks: tuple[dict[str, Any], ...]) -> list[engine.Layer]:
    """The conv and pooling layers of the page's layer blocks (defaults as in state.js);
    kernels are seeded random draws: only the shapes matter here."""
    layers: list[engine.Layer] = []
    for block in blocks:
        if block.get("type") != "conv":
            continue
        layers.append(engine.Conv(weights=engine.RandomWeights(int(block.get("seed", 0))),
                                  maps=int(block.get("maps", 4)),
                                  kernel_size=_pair(block, "kernel", 3),
                                  stride=_pair(block, "stride", 1), padding=_padding(block),
                                  dilation=_pair(block, "dilation", 1)))
        pool = POOLS.get(str(block.get("pool", "none")))
        if pool:
            layers.append(engine.Pool(mode=pool[0], size=pool[1], stride=pool[2]))
    return layers


def _entry(index: int, g: engine.Geometry) -> dict[str, Any]:
    (in_d, in_h, in_w), (d, h, w) = g.in_shape, g.out_shape
    return {"index": index, "kind": g.kind, "w": w, "h": h, "d": d, "in_w": in_w,
            "in_h": in_h, "in_d": in_d, "kh": g.kernel[0], "kw": g.kernel[1],
            "sh": g.stride[0], "sw": g.stride[1], "padding": g.padding,
            "formula_h": g.formula.get("height", ""), "formula_w": g.formula.get("width", ""),
            "params": g.params, "dense_params": g.dense_params}


def _dense(index: int, units: int, shape: Shape3) -> dict[str, Any]:
    n_in = shape[0] * shape[1] * shape[2]
    params = n_in * units + units
    return {"index": index, "kind": "dense", "w": 1, "h": 1, "d": units, "in_w": shape[2],
            "in_h": shape[1], "in_d": shape[0], "kh": 0, "kw": 0, "sh": 0, "sw": 0,
            "padding": (0, 0, 0, 0), "formula_h": "", "formula_w": "", "params": params,
            "dense_params": params}


def _axis(n: int, k: int, stride: int, dilation: int, pad: tuple[int, int]) -> tuple[int, str]:
    """Output cells along one axis and the formula that gives them."""
    before, after = pad
    return (output_length(n, k, stride=stride, dilation=dilation, before=before, after=after),
            formula_text(n, k, stride=stride, dilation=dilation, before=before, after=after))


def padding_modes(g: engine.Geometry, shape: Shape3) -> list[dict[str, Any]]:
    """A conv layer's output under each padding mode, with the formula written out."""
    kernel, stride, dilation = g.kernel, g.stride, g.dilation
    out = []
    for mode in ("valid", "same", "full"):
        top, bottom, left, right = resolve_padding(mode, in_size=(shape[1], shape[2]),
                                                   kernel=kernel, stride=stride,
                                                   dilation=dilation)
        h, formula_h = _axis(shape[1], kernel[0], stride[0], dilation[0], (top, bottom))
        w, formula_w = _axis(shape[2], kernel[1], stride[1], dilation[1], (left, right))
        out.append({"mode": mode, "padding": (top, bottom, left, right), "h": h, "w": w,
                    "formula_h": formula_h, "formula_w": formula_w})
    return out


def step_numbers(blocks: tuple[dict[str, Any], ...], shape: Shape3) -> dict[str, Any]:
    """What the step's templates may quote, for an input of ``shape`` ``(C, H, W)``.

    Raises
    ------
    engine.EngineError
        When the stack cannot work on that input (the message names the layer).
    """
    layers = engine_layers(blocks)
    planned = engine.plan(layers, shape)
    entries = [_entry(i, p.geometry) for i, p in enumerate(planned, start=1)]
    last = planned[-1].geometry.out_shape if planned else shape
    dense = next((b for b in blocks if b.get("type") == "dense"), None)
    if dense is not None:
        entries.append(_dense(len(entries) + 1, int(dense.get("units", 10)), last))
    first = next((p.geometry for p in planned if p.geometry.kind == "conv"), None)
    modes = padding_modes(first, first.in_shape) if first else []
    return {"input": {"w": shape[2], "h": shape[1], "d": shape[0]}, "layers": entries,
            "modes": modes}
