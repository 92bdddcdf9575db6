"""``/api/pyramid`` and ``/api/pyramid/tensor``: a stack on an image, every map of every layer.

Computed stacks are kept in a small LRU keyed by (image id, colour, canonical layers), so the
exact-values request the animation sends right after a pyramid costs no convolution. A miss
(another replica, an eviction) recomputes: the server keeps no state a client depends on.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from .. import engine
from ..engine.shapes import ceil_div
from ..errors import LimitError
from ..schemas import PyramidRequest, TensorRequest
from . import caps, encoding
from .cache import LruCache
from .heads import classifier_fields
from .images import StoredImage, as_tensor

Array = NDArray[np.float32]
#: Header bytes budgeted per map and per layer, and per weight (``encoding.array_json``).
HEADER_BYTES_PER_MAP = 64
HEADER_BYTES_PER_LAYER = 1024
HEADER_BYTES_PER_WEIGHT = 14
#: Weights written as JSON, kept by content (a few stacks' worth).
WEIGHT_TEXTS = 64
WEIGHT_TEXT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class Computed:
    """A stack run on an image: the input ``x`` ``(C, H, W)`` and every layer's output."""

    image: StoredImage
    x: Array
    planned: list[engine.PlannedLayer]
    outputs: list[Array]

    @property
    def nbytes(self) -> int:
        """Bytes of maps held."""
        return self.x.nbytes + sum(o.nbytes for o in self.outputs)

    @cached_property
    def ranges(self) -> list[tuple[Array, Array]]:
        """Each map's lowest and highest value, the input first: found once, used by the
        overflow check and by every encoding of these maps (a pass over a 512 x 512 layer
        of 8 maps costs ~0.2 ms, and twice that on the engine's maps, views of wider rows).
        """
        return [encoding.map_ranges(maps) for maps in [self.x, *self.outputs]]

    def maps(self, layer: int) -> Array:
        """Layer ``layer``'s maps (0 = the input image)."""
        return self.x if layer == 0 else self.outputs[layer - 1]


def cache_key(request: PyramidRequest, image: StoredImage) -> str:
    """SHA-256 of the image id, the colour mode and the layers as canonical JSON."""
    layers = [layer.model_dump(mode="json") for layer in request.layers]
    text = json.dumps([image.id, request.color, layers], sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class PyramidService:
    """Plans, checks, computes and encodes pyramids; keeps the last few computed."""

    def __init__(self, *, caps: caps.Caps, max_entries: int, max_bytes: int) -> None:
        self.caps = caps
        self._cache: LruCache[str, Computed] = LruCache(
            max_entries=max_entries, max_bytes=max_bytes, size_of=lambda c: c.nbytes)
        self._texts: LruCache[str, str] = LruCache(
            max_entries=WEIGHT_TEXTS, max_bytes=WEIGHT_TEXT_BYTES, size_of=len)

    def check(self, request: PyramidRequest) -> None:
        """The field bounds, checked before planning (weights are drawn only after)."""
        caps.check_fields(request.layers, self.caps)

    def _plan(self, request: PyramidRequest, x: Array) -> list[engine.PlannedLayer]:
        return caps.plan_tensor(request.layers, x, self.caps)

    def pyramid(self, request: PyramidRequest, image: StoredImage) -> bytes:
        """The CSP1 body (blocking: runs on a worker)."""
        started = time.perf_counter()
        previews = request.preview_sides()
        key = cache_key(request, image)
        computed = self._cache.get(key)
        if computed is None:
            x = as_tensor(image, color=request.color)
            planned = self._plan(request, x)
            caps.check_cost(planned, self.caps,
                            response_bytes=pyramid_bytes(x, planned, previews))
            computed = Computed(image=image, x=x, planned=planned,
                                outputs=engine.run_planned(x, planned))
            _check_finite(computed)
            self._cache.put(key, computed)
        else:  # same maps, but the preview size (so the response) may differ
            caps.check_cost(computed.planned, self.caps, response_bytes=pyramid_bytes(
                computed.x, computed.planned, previews))
        return encoding.encode_pyramid(image=image.info(), x=computed.x,
                                       planned=computed.planned, outputs=computed.outputs,
                                       previews=previews, started=started,
                                       array_text=self._array_text, ranges=computed.ranges,
                                       extra=classifier_fields(request.layers,
                                                               computed.planned,
                                                               computed.outputs))

    def _array_text(self, values: Array) -> str:
        """:func:`encoding.array_json`, remembered by content: when one control changes, the
        other layers' weights are the same arrays and their JSON is not written again."""
        digest = hashlib.sha256(str(values.shape).encode())
        digest.update(np.ascontiguousarray(values).data)
        key = digest.hexdigest()
        text = self._texts.get(key)
        if text is None:
            text = encoding.array_json(values)
            self._texts.put(key, text)
        return text

    def tensor(self, request: TensorRequest, image: StoredImage) -> bytes:
        """The CST1 body (blocking: runs on a worker)."""
        computed = self._cache.get(cache_key(request, image))
        if computed is None:
            x = as_tensor(image, color=request.color)
            planned = self._plan(request, x)
            check_layer_index(request.layer, len(planned))
            needed = planned[:request.layer]
            caps.check_cost(needed, self.caps, response_bytes=_tensor_bytes(x, needed))
            computed = Computed(image=image, x=x, planned=planned,
                                outputs=engine.run_planned(x, needed))
            _check_finite(computed)
        check_layer_index(request.layer, len(computed.planned))
        maps = computed.maps(request.layer)
        indices = list(range(maps.shape[0])) if request.maps is None else request.maps
        bad = [k for k in indices if k >= maps.shape[0]]
        if bad:
            raise LimitError(f"layer {request.layer} has {maps.shape[0]} maps (0 to "
                             f"{maps.shape[0] - 1}); map {bad[0]} does not exist",
                             field="maps", value=bad[0], limit=f"< {maps.shape[0]}")
        return encoding.encode_tensor(maps[indices], layer=request.layer, indices=indices)


def check_layer_index(layer: int, count: int) -> None:
    """Refuse a layer index past the stack's ``count`` layers (0 is the input image)."""
    if layer > count:
        raise LimitError(f"layer {layer} does not exist: this stack has layers 0 (the input) "
                         f"to {count}", field="layer", value=layer, limit=f"<= {count}")


def _check_finite(computed: Computed) -> None:
    caps.check_overflow(computed.ranges[1:])


def pyramid_bytes(x: Array, planned: list[engine.PlannedLayer], previews: list[int]) -> int:
    """Estimated CSP1 size: every preview plus the header (weights included); ``previews``
    is the largest side sent of each layer's maps, the input first."""
    shapes = [tuple(x.shape), *(p.geometry.out_shape for p in planned)]
    total = HEADER_BYTES_PER_LAYER * len(shapes)
    for (k, h, w), preview in zip(shapes, previews, strict=True):
        f = encoding.preview_factor(h, w, preview)
        total += k * ceil_div(h, f) * ceil_div(w, f) + k * HEADER_BYTES_PER_MAP
    weights = sum(p.geometry.params for p in planned if p.geometry.kind == "conv")
    return total + weights * HEADER_BYTES_PER_WEIGHT


def _tensor_bytes(x: Array, planned: list[engine.PlannedLayer]) -> int:
    k, h, w = planned[-1].geometry.out_shape if planned else x.shape
    return int(k * h * w * 4 + HEADER_BYTES_PER_LAYER)
