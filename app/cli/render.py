"""``convscope render [IMAGE] (--layers LAYERS | --state LINK) -o DIR``: static figures
without a browser.

Writes, for layer 0 (the input image) and every layer of the stack, a folder
``layer_NN_<type>/`` holding ``map_KKK.png`` per feature map and ``geometry.json`` (the
layer's geometry as ``docs/api.md`` names it, plus each map's value range); the input's
folder also holds ``image.png``, the image in colour as the network sees it. The image goes
through the same decoder and working size as an upload; the layers are the same JSON as
``/api/pyramid`` takes, or a page link's state (``--state``: its stack, colour mode and
gallery image), and are checked against the same bounds (``CONVSCOPE_*`` settings).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter, ValidationError

from .. import engine
from ..errors import validation_details
from ..export import figures
from ..export.colormap import COLORMAPS
from ..imaging import decode_upload, encode_png, safe_display_name
from ..page_state import PageState, StateError, read_page_state
from ..schemas import Layers, LayerSpec
from ..services import caps as caps_module
from ..services.container import image_limits
from ..services.encoding import block_mean, geometry_json, preview_factor
from ..services.images import Color, StoredImage, as_tensor, make_image
from ..services.samples import discover
from ..settings import Settings

Array = NDArray[np.float32]
LAYERS_ADAPTER: TypeAdapter[Any] = TypeAdapter(Layers)
EXIT_USAGE = 2


class RenderError(Exception):
    """A problem with the command's input, reported as one line on stderr."""


def parse_layers(text: str) -> list[LayerSpec]:
    """Layers from a JSON file path or inline JSON: a list of layers, or an object with a
    ``"layers"`` key (a saved ``/api/pyramid`` request works as is)."""
    inline = text.lstrip().startswith(("[", "{"))
    source = text if inline else Path(text).read_text(encoding="utf-8")
    try:
        data = json.loads(source)
    except json.JSONDecodeError as exc:
        raise RenderError(f"--layers is neither a readable file nor valid JSON: {exc}") from None
    if isinstance(data, dict):
        data = data.get("layers", [])
    return validate_layers(data, option="--layers")


def validate_layers(data: Any, *, option: str) -> list[LayerSpec]:
    """API layers checked against the schema; a problem names ``option`` and the field."""
    try:
        specs = LAYERS_ADAPTER.validate_python(data)
    except ValidationError as exc:
        first = validation_details(exc.errors())[0]
        raise RenderError(f"{option}: {first['msg']}") from None
    layers: list[LayerSpec] = specs
    return layers


def _colour_png(x: Array, *, preview: int | None, scale: int) -> bytes:
    """The input ``x: (C, H, W)`` in 0..1 as one colour (C = 3) or grey (C = 1) PNG."""
    _, h, w = x.shape
    factor = preview_factor(h, w, preview) if preview else 1
    shown = block_mean(x, factor) if factor > 1 else x
    pixels = np.clip(np.round(shown * 255), 0, 255).astype(np.uint8).transpose(1, 2, 0)
    pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
    return encode_png(np.ascontiguousarray(pixels))


def _render_layer(folder: Path, maps: Array, *, geometry: dict[str, Any], preview: int | None,
                  colormap: str, scale: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    k, h, w = maps.shape
    factor = preview_factor(h, w, preview) if preview else 1
    shown = block_mean(maps, factor) if factor > 1 else maps
    ranges = []
    for index in range(k):
        data = figures.map_png(shown[index], colormap=colormap, scale=scale)
        (folder / f"map_{index:03d}.png").write_bytes(data)
        ranges.append({"map": index, "min": float(maps[index].min()),
                       "max": float(maps[index].max())})
    record = {**geometry, "preview_factor": factor, "png_shape": list(shown.shape[1:]),
              "maps": ranges}
    (folder / "geometry.json").write_text(json.dumps(record, indent=2) + "\n")


def load_image(image_path: Path, settings: Settings) -> StoredImage:
    """The working image of a file, as an upload would make it."""
    pixels = decode_upload(image_path.read_bytes(), limits=image_limits(settings)).pixels
    return make_image(pixels, name=safe_display_name(image_path.name))


def render(image_path: Path, layers: list[LayerSpec], out_dir: Path, *, color: Color = "auto",
           preview: int | None = None, colormap: str = "auto", scale: int = 1) -> list[Path]:
    """Run ``layers`` on the image at ``image_path`` and write every map; returns the folders.

    The layers are checked against the same bounds as on the server (``CONVSCOPE_*``).

    Raises
    ------
    ImagingError, EngineError, AppError
        The image cannot be decoded, the stack cannot work, or it is over a bound.
    """
    settings = Settings()
    return render_image(load_image(image_path, settings), layers, out_dir, color=color,
                        preview=preview, colormap=colormap, scale=scale)


def state_image(state: PageState, image_path: Path | None, settings: Settings) -> StoredImage:
    """The image a page link shows: ``image_path`` if given, else the link's gallery sample
    from the gallery folder (``CONVSCOPE_SAMPLES_DIR``)."""
    if image_path is not None:
        return load_image(image_path, settings)
    sample = state.image.get("sample")
    if not isinstance(sample, str):
        raise RenderError("the link shows an uploaded photo, which only the server that "
                          "received it holds: pass the photo's file as IMAGE")
    found = discover(settings.samples_dir).get(sample)
    if found is None:
        raise RenderError(f"the link's sample {sample[:60]!r} is not in the gallery folder "
                          f"{settings.samples_dir}: pass the photo's file as IMAGE")
    image = load_image(found, settings)
    return make_image(image.pixels, name=sample)


def render_state(state: PageState, out_dir: Path, *, image_path: Path | None = None,
                 color: Color | None = None, preview: int | None = None,
                 colormap: str = "auto", scale: int = 1) -> list[Path]:
    """Render what a page link shows: its stack (page blocks or API layers), colour mode
    (unless ``color`` is given) and gallery image (unless ``image_path`` is given)."""
    settings = Settings()
    image = state_image(state, image_path, settings)
    chosen: Color = color or ("grey" if state.color == "grey" else
                              "rgb" if state.color == "rgb" else "auto")
    channels = as_tensor(image, color=chosen).shape[0]
    try:
        api_layers = state.api_layers(channels)
    except StateError as exc:
        raise RenderError(f"--state: {exc}") from None
    layers = validate_layers(api_layers, option="--state")
    return render_image(image, layers, out_dir, color=chosen, preview=preview,
                        colormap=colormap, scale=scale)


def render_image(image: StoredImage, layers: list[LayerSpec], out_dir: Path, *,
                 color: Color = "auto", preview: int | None = None, colormap: str = "auto",
                 scale: int = 1) -> list[Path]:
    """Run ``layers`` on a working image and write every map (see :func:`render`)."""
    settings = Settings()
    x = as_tensor(image, color=color)
    limits = caps_module.Caps.from_settings(settings)
    caps_module.check_fields(layers, limits)
    planned = caps_module.plan_tensor(layers, x, limits)
    caps_module.check_cost(planned, limits, response_bytes=0)
    outputs = engine.run_planned(x, planned)
    c, h, w = x.shape
    folders = [out_dir / "layer_00_input"]
    _render_layer(folders[0], x, geometry={"type": "input", "shape": [c, h, w],
                                           "image": image.info()},
                  preview=preview, colormap=colormap, scale=scale)
    (folders[0] / "image.png").write_bytes(_colour_png(x, preview=preview, scale=scale))
    for number, (step, out) in enumerate(zip(planned, outputs, strict=True), start=1):
        folder = out_dir / f"layer_{number:02d}_{step.geometry.kind}"
        _render_layer(folder, out, geometry=geometry_json(step.geometry), preview=preview,
                      colormap=colormap, scale=scale)
        folders.append(folder)
    return folders


def _run(args: argparse.Namespace) -> int:
    options = {"preview": args.preview, "colormap": args.colormap, "scale": args.scale}
    try:
        if (args.layers is None) == (args.state is None):
            raise RenderError("give the stack with exactly one of --layers and --state")
        if args.state is not None:
            folders = render_state(read_page_state(args.state), Path(args.output),
                                   image_path=Path(args.image) if args.image else None,
                                   color=args.color, **options)
        elif args.image is None:
            raise RenderError("IMAGE is needed with --layers (only --state knows its image)")
        else:
            folders = render(Path(args.image), parse_layers(args.layers), Path(args.output),
                             color=args.color or "auto", **options)
    except (RenderError, StateError, OSError) as exc:
        print(f"convscope render: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except engine.DomainError as exc:
        print(f"convscope render: error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    maps = sum(len(list(f.glob("map_*.png"))) for f in folders)
    print(f"wrote {maps} maps in {len(folders)} layer folders under {args.output}")
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_render_command(commands: Any) -> None:
    """Add ``render`` to the ``convscope`` subcommands (an argparse subparsers object)."""
    parser = commands.add_parser(
        "render", help="write every feature map of a stack on an image as PNG",
        description="Run a stack on an image and write every feature map as PNG, plus a "
                    "geometry.json per layer (folders layer_NN_<type>/).")
    parser.add_argument("image", nargs="?",
                        help="a PNG, JPEG, WebP or GIF file (optional with --state: the "
                             "link's gallery photo)")
    parser.add_argument("--layers",
                        help="a JSON file, or inline JSON: a list of layers as /api/pyramid "
                             "takes them (or an object with a \"layers\" key)")
    parser.add_argument("--state", metavar="LINK",
                        help="a page or embed link (Copy link, the Embed dialog), or its s= "
                             "value: its stack, colour mode and gallery photo")
    parser.add_argument("-o", "--output", required=True, help="folder to write into")
    parser.add_argument("--preview", type=_positive, default=None, metavar="N",
                        help="shrink maps to at most N pixels a side by block means, as the "
                             "pyramid previews (default: full resolution)")
    parser.add_argument("--color", choices=["auto", "rgb", "grey"], default=None,
                        help="colour mode (default: the link's with --state, else auto)")
    parser.add_argument("--colormap", choices=COLORMAPS, default="auto",
                        help="page = the page's own colours (white = 0; blue-white-red "
                             "for signed maps)")
    parser.add_argument("--scale", type=_positive, default=1,
                        help="every cell becomes scale x scale pixels")
    parser.set_defaults(handler=_run)
