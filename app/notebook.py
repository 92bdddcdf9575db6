"""Convscope from a Jupyter notebook: page and embed links built from layers, and the JSON API
with NumPy arrays in and out (``docs/notebook.md``).

Layers are written as the HTTP API takes them (``docs/api.md``, "Layers"), everywhere: the page
reads them in its ``s=`` state too (``static/js/state-layers.js``), so a stack tried with
:meth:`Convscope.convolve` opens as is in the browser::

    from app.notebook import Convscope
    scope = Convscope("http://127.0.0.1:8000")
    layers = [{"type": "conv", "filters": 4, "weights": {"random": 1}, "padding": "same"}]
    scope.page_url(layers, sample="camera")            # the page, with this stack
    scope.embed_url(layers, sample="camera", view="patch", controls="locked")
    maps = scope.pyramid_maps(layers, sample="camera", layer=1)   # (K, H, W) float32

Only the standard library and NumPy: nothing to install beyond Convscope itself.
"""

from __future__ import annotations

import base64
import html
import json
import struct
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import TypeAdapter, ValidationError

from .errors import validation_details
from .page_state import read_page_state
from .schemas import Layers

STATE_PARAM = "s"
TENSOR_MAGIC = b"CST1"
DEFAULT_SERVER = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT_S = 60.0
View = Literal["pyramid", "patch", "layer", "grid"]
Controls = Literal["on", "locked", "hidden"]
Color = Literal["auto", "rgb", "grey"]
_LAYERS: TypeAdapter[Any] = TypeAdapter(Layers)


class ConvscopeError(Exception):
    """The server (or the local check of the layers) refused a request.

    Attributes
    ----------
    status : int
        HTTP status (422 for a local schema check).
    message : str
        The server's message: it names the field, the value and the limit.
    body : Any
        The whole JSON error body.
    """

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.body = body


@dataclass(frozen=True)
class LayerResult:
    """One layer of :meth:`Convscope.convolve`: its output and its geometry.

    ``output`` is ``(K, H_out, W_out)`` float32, exactly the server's values; ``geometry``
    holds ``shape``, ``padding`` ``[top, bottom, left, right]``, ``formula``, ... as in
    ``docs/api.md`` ("Geometry of a layer").
    """

    output: NDArray[np.float32]
    geometry: dict[str, Any]


def check_layers(layers: list[dict[str, Any]]) -> None:
    """Check ``layers`` against the API's schema, here, before any request.

    Raises
    ------
    ConvscopeError
        422 naming the first field at fault (e.g. ``layers[0].stride``).
    """
    try:
        _LAYERS.validate_python(layers)
    except ValidationError as exc:
        first = validation_details(exc.errors())[0]
        raise ConvscopeError(422, str(first["msg"]), first) from None


def page_state(layers: list[dict[str, Any]], *, sample: str | None = None,
               image: dict[str, Any] | None = None, color: Color = "auto",
               selected: tuple[int, int] = (1, 0)) -> dict[str, Any]:
    """The page's state (what ``s=`` holds) for ``layers`` on a sample or an uploaded image.

    Parameters
    ----------
    layers
        API layers (``docs/api.md``); the page turns them into its blocks, or shows which one
        it cannot draw.
    sample, image
        A gallery sample's name, or the answer of ``POST /api/images`` (``id``, ``width``,
        ``height``, ``channels``, ``name``); neither = the page's default sample.
    selected
        ``(layer, map)``: pyramid layer (0 = the input, 1 = the first layer) and 0-based map.
    """
    check_layers(layers)
    if sample is not None and image is not None:
        raise ValueError("give sample or image, not both")
    ref: dict[str, Any] = {"sample": sample or "astronaut"}
    if image is not None:
        ref = {k: image[k] for k in ("id", "name", "width", "height", "channels")}
    layer, map_ = selected
    return {"image": ref, "color": color, "layers": layers,
            "selected": {"layer": layer, "map": map_}, "scale": "map", "anim": None,
            "grid": None}


def encode_state(state: dict[str, Any]) -> str:
    """``state`` as the ``s=`` value: base64url (no padding) of its UTF-8 JSON."""
    text = json.dumps(state, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def read_state(url: str) -> dict[str, Any]:
    """The state of a page or embed URL (also a snippet's, whose ``&`` are ``&amp;``)."""
    query = urlsplit(html.unescape(url)).query
    values = parse_qs(query).get(STATE_PARAM)
    if not values:
        raise ValueError(f"no {STATE_PARAM}= parameter in {url[:80]!r}")
    value = values[0]
    state: dict[str, Any] = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    return state


def layers_of_link(url: str, *, channels: int = 3) -> list[dict[str, Any]]:
    """The stack of a page or embed link (**Copy link**, the Embed dialog) as API layers, for
    :meth:`Convscope.convolve`: the page's blocks turned into the layers it sends the server
    on an input of ``channels`` channels (hand-typed kernels are fitted to them)."""
    return read_page_state(url).api_layers(channels)


def decode_tensor(data: bytes) -> NDArray[np.float32]:
    """The float32 maps of a ``/api/pyramid/tensor`` answer (``CST1``), shape ``(n, H, W)``."""
    if data[:4] != TENSOR_MAGIC:
        raise ValueError(f"not a CST1 answer: starts with {data[:4]!r}")
    (length,) = struct.unpack_from("<I", data, 4)
    header = json.loads(data[8:8 + length])
    start = 8 + length + (-(8 + length) % 4)
    values = np.frombuffer(data, dtype="<f4", offset=start)
    return values.astype(np.float32).reshape(header["shape"])


class Convscope:
    """A Convscope server, seen from a notebook.

    Parameters
    ----------
    server
        Its base URL, e.g. ``"http://127.0.0.1:8000"`` (no trailing slash needed).
    timeout
        Seconds to wait for an answer.
    """

    def __init__(self, server: str = DEFAULT_SERVER, *,
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.server = server.rstrip("/")
        self.timeout = timeout

    # Links -------------------------------------------------------------------------------

    def page_url(self, layers: list[dict[str, Any]], **state: Any) -> str:
        """The page showing ``layers`` (keywords as :func:`page_state`)."""
        query = urlencode({STATE_PARAM: encode_state(page_state(layers, **state))})
        return f"{self.server}/?{query}"

    def embed_url(self, layers: list[dict[str, Any]], *, view: View = "pyramid",
                  layer: int | None = None, map: int | None = None,
                  controls: Controls = "on", origin: str | None = None, **state: Any) -> str:
        """The embed view of ``layers`` (``docs/embedding.md``): ``view``, the pyramid
        ``layer`` (1 = the first) and 0-based ``map`` it shows, its ``controls``, and the
        ``origin`` of the page that frames it."""
        params: dict[str, Any] = {"view": view}
        params.update({k: v for k, v in (("layer", layer), ("map", map)) if v is not None})
        params["controls"] = controls
        if origin:
            params["origin"] = origin
        params[STATE_PARAM] = encode_state(page_state(layers, **state))
        return f"{self.server}/embed?{urlencode(params)}"

    # The API -----------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any]) -> bytes:
        request = urllib.request.Request(
            f"{self.server}{path}", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                error = json.loads(raw)
            except ValueError:
                raise ConvscopeError(exc.code, raw.decode(errors="replace")[:300]) from None
            message = (error.get("error", {}).get("message") if "error" in error
                       else "; ".join(d.get("msg", "") for d in error.get("detail", [])))
            raise ConvscopeError(exc.code, str(message), error) from None

    def convolve(self, x: ArrayLike, layers: list[dict[str, Any]]) -> list[LayerResult]:
        """Run ``x`` (``(C, H, W)`` or ``(H, W)``) through ``layers``: every layer's output as
        a float32 array, and its geometry (``POST /api/convolve``).

        Raises
        ------
        ConvscopeError
            The layers do not fit the schema, or the server refuses them.
        """
        check_layers(layers)
        values = np.asarray(x, dtype=np.float32).tolist()
        answer = json.loads(self._post("/api/convolve", {"input": values, "layers": layers}))
        results = []
        for entry in answer["layers"]:
            output = np.array(entry.pop("output"), dtype=np.float32)
            results.append(LayerResult(output=output, geometry=entry))
        return results

    def pyramid_maps(self, layers: list[dict[str, Any]], *, layer: int,
                     sample: str | None = None, image_id: str | None = None,
                     color: Color = "auto", maps: list[int] | None = None,
                     ) -> NDArray[np.float32]:
        """The exact maps ``(n, H, W)`` float32 of pyramid ``layer`` (0 = the image itself)
        of ``layers`` on a gallery sample or an uploaded image (``/api/pyramid/tensor``):
        the numbers the page draws."""
        check_layers(layers)
        if (sample is None) == (image_id is None):
            raise ValueError("give exactly one of sample and image_id")
        ref = {"sample": sample} if sample is not None else {"id": image_id}
        body: dict[str, Any] = {"image": ref, "color": color, "layers": layers, "layer": layer}
        if maps is not None:
            body["maps"] = maps
        return decode_tensor(self._post("/api/pyramid/tensor", body))

    def samples(self) -> list[dict[str, Any]]:
        """The server's gallery (``GET /api/samples``)."""
        with urllib.request.urlopen(f"{self.server}/api/samples",
                                    timeout=self.timeout) as response:
            listed: list[dict[str, Any]] = json.loads(response.read())
            return listed
