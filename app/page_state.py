"""The page's state (``?s=`` of a page or embed link) read in Python: its image reference,
colour mode and layer stack as API layers, for ``convscope render --state``.

The state is base64url JSON (``static/js/state.js``). Its ``layers`` are the page's blocks
(conv blocks with their pooling, a dense classifier on top), turned into API layers here
exactly as ``static/js/request.js`` (``apiLayers``) does before it asks the server; a state
whose layers are already API layers (``app.notebook`` writes those) is taken as is.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

STATE_PARAM = "s"
# static/js/config.js POOLINGS: id -> (mode, size, stride)
POOLINGS: dict[str, tuple[str, int, int]] = {
    "max2": ("max", 2, 2), "avg2": ("avg", 2, 2), "max3": ("max", 3, 2), "avg3": ("avg", 3, 2)}
API_ONLY_TYPES = ("relu", "leaky_relu", "sigmoid", "tanh", "none", "maxpool", "avgpool")


class StateError(ValueError):
    """A link or state that cannot be read; the message says what is wrong."""


@dataclass(frozen=True)
class PageState:
    """What a page link shows: the image, the colour mode and the raw layers."""

    image: dict[str, Any]
    color: str
    layers: list[dict[str, Any]]

    def api_layers(self, channels: int) -> list[dict[str, Any]]:
        """The API layers of the stack on an input with ``channels`` channels."""
        if is_api_layer_list(self.layers):
            return [dict(layer) for layer in self.layers]
        return blocks_to_api_layers(self.layers, channels)


def read_page_state(text: str) -> PageState:
    """A page or embed URL (``...?s=...``, also with ``&amp;``), a bare ``s=`` value, or the
    state's JSON.

    Raises
    ------
    StateError
        No state, or not base64url JSON of an object with ``layers``.
    """
    text = html.unescape(text.strip())
    if text.startswith("{"):
        raw = text
    else:
        value = text
        if "?" in text or "://" in text:
            found = parse_qs(urlsplit(text).query).get(STATE_PARAM)
            if not found:
                raise StateError(f"the link has no {STATE_PARAM}= parameter: {text[:80]!r}")
            value = found[0]
        try:
            raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_",
                                   validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise StateError("the state is not base64url (copy the whole link)") from None
    try:
        state = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise StateError(f"the state is not JSON: {exc}") from None
    if not isinstance(state, dict) or not isinstance(state.get("layers"), list):
        raise StateError("the state has no list of layers")
    image = state.get("image") if isinstance(state.get("image"), dict) else None
    color = state.get("color") if state.get("color") in ("auto", "rgb", "grey") else "auto"
    return PageState(image=image or {"sample": "astronaut"}, color=str(color),
                     layers=state["layers"])


def is_api_layer_list(layers: list[Any]) -> bool:
    """Whether ``layers`` are written as the API writes them (as state-layers.js decides)."""
    for layer in layers:
        if not isinstance(layer, dict):
            continue
        kind = layer.get("type")
        if kind in API_ONLY_TYPES:
            return True
        if kind == "conv" and (
                "filters" in layer or "kernel_size" in layer
                or isinstance(layer.get("weights"), dict)
                or (isinstance(layer.get("weights"), list) and "source" not in layer)
                or any(isinstance(layer.get(k), int) and not isinstance(layer.get(k), bool)
                       for k in ("stride", "dilation", "padding"))
                or isinstance(layer.get("padding"), list)):
            return True
        if kind == "dense" and ("weights" in layer or "bias" in layer) and "seed" not in layer:
            return True
    return False


def fit_weights(weights: Any, shape: tuple[int, int, int, int]) -> list[Any]:
    """``weights`` copied into zeros of ``shape: (K, C, kh, kw)``, kernels centred (request.js
    ``fitWeights``: hand-typed cells survive a change of size, maps or channels)."""
    k, c, kh, kw = shape
    src = weights if isinstance(weights, list) else []
    out: list[Any] = []
    for m in range(k):
        maps: list[Any] = []
        for ch in range(c):
            g = src[m][ch] if m < len(src) and ch < len(src[m]) else []
            gh, gw = len(g), (len(g[0]) if g else 0)
            dy, dx = (gh - kh) // 2, (gw - kw) // 2

            def cell(y: int, x: int, g: Any = g, dy: int = dy, dx: int = dx) -> Any:
                yy, xx = y + dy, x + dx
                return g[yy][xx] if 0 <= yy < len(g) and 0 <= xx < len(g[yy]) else 0

            maps.append([[cell(y, x) for x in range(kw)] for y in range(kh)])
        out.append(maps)
    return out


def _conv_weights(block: dict[str, Any], channels: int) -> dict[str, Any]:
    maps, (kh, kw) = int(block["maps"]), block["kernel"]
    source = block.get("source", "random")
    if source == "custom":
        bias = list(block.get("bias") or [])
        return {"weights": fit_weights(block.get("weights"), (maps, channels, kh, kw)),
                "bias": [bias[i] if i < len(bias) else 0 for i in range(maps)]}
    if source == "presets":
        presets = list(block.get("presets") or [])
        presets += ["random"] * (maps - len(presets))
        return {"weights": {"presets": presets[:maps], "seed": block.get("seed", 0)}}
    if source == "trained":
        return {"weights": {"model": block.get("model"), "layer": block.get("trainedLayer")}}
    return {"weights": {"random": block.get("seed", 0)}}


def blocks_to_api_layers(blocks: list[dict[str, Any]], channels: int) -> list[dict[str, Any]]:
    """The API layers of the page's blocks on ``channels`` input channels (request.js
    ``apiLayers``).

    Raises
    ------
    StateError
        A block misses a field the page always writes.
    """
    layers: list[dict[str, Any]] = []
    c = channels
    for number, block in enumerate(blocks, start=1):
        try:
            if block.get("type") == "dense":
                weights: dict[str, Any] = (
                    {"model": block.get("model"), "layer": block.get("trainedLayer")}
                    if block.get("source") == "trained" else {"random": block.get("seed", 0)})
                layers.append({"type": "dense", "units": block["units"], "weights": weights,
                               "activation": block.get("activation", "none")})
                continue
            padding = (list(block["pad"]) if block["padding"] == "custom"
                       else block["padding"])
            layers.append({"type": "conv", "filters": block["maps"],
                           "kernel_size": list(block["kernel"]), "stride": list(block["stride"]),
                           "padding": padding, "dilation": list(block["dilation"]),
                           "activation": block["activation"], **_conv_weights(block, c)})
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(f"block {number} of the state is not a page block ({exc})") from None
        pool = POOLINGS.get(str(block.get("pool", "none")))
        if pool is not None:
            mode, size, stride = pool
            layers.append({"type": f"{mode}pool", "size": size, "stride": stride})
        c = int(block["maps"])
    return layers
