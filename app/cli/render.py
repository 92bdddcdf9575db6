"""``convscope render IMAGE --layers LAYERS -o DIR``: static figures without a browser.

Writes, for layer 0 (the input image) and every layer of the stack, a folder
``layer_NN_<type>/`` holding ``map_KKK.png`` per feature map and ``geometry.json`` (the
layer's geometry as ``docs/api.md`` names it, plus each map's value range). The image goes
through the same decoder and working size as an upload; the layers are the same JSON as
``/api/pyramid`` takes and are checked against the same bounds (``CONVSCOPE_*`` settings).
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
from ..imaging import decode_upload, safe_display_name
from ..schemas import Layers, LayerSpec
from ..services import caps as caps_module
from ..services.container import image_limits
from ..services.encoding import block_mean, geometry_json, preview_factor
from ..services.images import Color, as_tensor, make_image
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
    try:
        specs = LAYERS_ADAPTER.validate_python(data)
    except ValidationError as exc:
        first = validation_details(exc.errors())[0]
        raise RenderError(f"--layers: {first['msg']}") from None
    layers: list[LayerSpec] = specs
    return layers


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
    pixels = decode_upload(image_path.read_bytes(), limits=image_limits(settings)).pixels
    image = make_image(pixels, name=safe_display_name(image_path.name))
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
    for number, (step, out) in enumerate(zip(planned, outputs, strict=True), start=1):
        folder = out_dir / f"layer_{number:02d}_{step.geometry.kind}"
        _render_layer(folder, out, geometry=geometry_json(step.geometry), preview=preview,
                      colormap=colormap, scale=scale)
        folders.append(folder)
    return folders


def _run(args: argparse.Namespace) -> int:
    try:
        layers = parse_layers(args.layers)
        folders = render(Path(args.image), layers, Path(args.output), color=args.color,
                         preview=args.preview, colormap=args.colormap, scale=args.scale)
    except (RenderError, OSError) as exc:
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
    parser.add_argument("image", help="a PNG, JPEG, WebP or GIF file")
    parser.add_argument("--layers", required=True,
                        help="a JSON file, or inline JSON: a list of layers as /api/pyramid "
                             "takes them (or an object with a \"layers\" key)")
    parser.add_argument("-o", "--output", required=True, help="folder to write into")
    parser.add_argument("--preview", type=_positive, default=None, metavar="N",
                        help="shrink maps to at most N pixels a side by block means, as the "
                             "pyramid previews (default: full resolution)")
    parser.add_argument("--color", choices=["auto", "rgb", "grey"], default="auto")
    parser.add_argument("--colormap", choices=COLORMAPS, default="auto")
    parser.add_argument("--scale", type=_positive, default=1,
                        help="every cell becomes scale x scale pixels")
    parser.set_defaults(handler=_run)
