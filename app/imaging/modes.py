"""Turn a decoded Pillow image of any mode into ``(H, W, C)`` uint8 at the working size.

Modes: ``1`` -> ``L`` (0/255); 16/32-bit grey (``I;16*``, ``I``) -> ``L`` by
``round(v / 257)`` (``v`` clipped to 0..65535); ``L`` stays one channel; alpha (``RGBA``,
``LA``, ``PA``, ``La``, ``RGBa``, a palette or grey/RGB image with a transparent colour) is
composited onto :data:`BACKGROUND` (white) with ``out = round((c*a + 255*(255 - a)) / 255)``;
``CMYK`` and every other mode -> ``RGB``.

Memory: a large image is converted and box-reduced one strip of rows at a time, so the only
full-size buffer is the one the decoder filled (a full-size ``RGBa`` or palette-to-RGB copy
would double or quadruple it). Alpha stays premultiplied until after the box reduction, then
the result goes through Lanczos to the exact target size.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

#: The background transparent pixels are composited onto (white, in every channel).
BACKGROUND = 255
#: Box-reduce by an integer factor until at most this many times the target, then Lanczos
#: (Pillow's ``reducing_gap``: 3 is indistinguishable from Lanczos all the way).
REDUCING_GAP = 3
#: Pixels per strip while converting and reducing a large image.
STRIP_PIXELS = 1 << 20

#: EXIF orientation -> the transposition that shows the image upright (as ImageOps.exif_transpose).
ORIENTATIONS: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
Pixels = npt.NDArray[np.uint8]


def target_size(size: tuple[int, int], working_size: int) -> tuple[int, int]:
    """Scale ``size`` so its longest side is ``working_size``; never upscale, never 0.

    >>> target_size((4000, 3000), 512)
    (512, 384)
    >>> target_size((300, 200), 512)
    (300, 200)
    """
    width, height = size
    longest = max(width, height)
    if longest <= working_size:
        return width, height
    scale = working_size / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def to_working(im: Image.Image, size: tuple[int, int]) -> Pixels:
    """``im`` (any mode, loaded) as ``(H, W, C)`` uint8 of ``size`` = (W, H), C = 1 or 3.

    Large images are converted and box-reduced strip by strip (see the module docstring),
    then resampled with Lanczos; an image already at ``size`` is only converted.
    """
    width, height = im.size
    fx = max(1, width // (size[0] * REDUCING_GAP))
    fy = max(1, height // (size[1] * REDUCING_GAP))
    if fx == 1 and fy == 1:
        pixels = flatten(im)
    elif im.mode in ("L", "RGB") and "transparency" not in im.info:
        pixels = _array(im.reduce((fx, fy)))  # nothing to convert: one pass in C
    else:
        # Alpha stays premultiplied through the box average (averaging straight alpha would
        # bleed the colour of invisible pixels) and is composited after it: both are linear.
        rows = max(1, STRIP_PIXELS // (width * fy)) * fy
        strips = [
            _array(_normalise(im.crop((0, top, width, min(height, top + rows)))).reduce((fx, fy)))
            for top in range(0, height, rows)
        ]
        pixels = _over_background(np.concatenate(strips, axis=0), _normalise_mode(im))
    if (pixels.shape[1], pixels.shape[0]) == size:
        return pixels
    box = (0.0, 0.0, width / fx, height / fy)  # a partial last block: its true extent
    return _array(_image(pixels).resize(size, Image.Resampling.LANCZOS, box=box))


def flatten(im: Image.Image) -> Pixels:
    """Convert ``im`` to ``(H, W, C)`` uint8, C = 1 or 3, alpha composited onto white."""
    normalised = _normalise(im)
    return _over_background(_array(normalised), normalised.mode)


def composite(array: npt.NDArray[np.uint8]) -> Pixels:
    """``(H, W, C + 1)`` colour + straight alpha -> ``(H, W, C)`` over :data:`BACKGROUND`.

    The reference formula, ``round((c*a + 255*(255 - a)) / 255)``; the pipeline gets the
    same numbers from Pillow's premultiplied modes (a test holds them equal).
    """
    alpha = array[:, :, -1:].astype(np.uint16)
    # At most 255 * 255 + 127 = 65152: uint16 holds it.
    blended = array[:, :, :-1] * alpha + (BACKGROUND * (255 - alpha) + 127)
    return (blended // 255).astype(np.uint8)


def _normalise_mode(im: Image.Image) -> str:
    """The mode :func:`_normalise` gives ``im``: ``L``, ``RGB`` or premultiplied ``La``/``RGBa``."""
    mode = im.mode
    if mode.startswith("I") or mode == "1" or (mode == "L" and "transparency" not in im.info):
        return "L"
    if mode in ("L", "LA", "La"):
        return "La"
    if mode in ("RGBA", "RGBa", "PA") or ("transparency" in im.info and mode in ("P", "RGB")):
        return "RGBa"
    return "RGB"


def _normalise(im: Image.Image) -> Image.Image:
    target = _normalise_mode(im)
    if im.mode.startswith("I"):
        wide = np.asarray(im).astype(np.int64)
        return Image.fromarray(((np.clip(wide, 0, 65535) + 128) // 257).astype(np.uint8))
    if target in ("La", "RGBa") and im.mode not in ("LA", "RGBA", "La", "RGBa"):
        im = im.convert("LA" if target == "La" else "RGBA")  # applies the transparent colour
    return im if im.mode == target else im.convert(target)


def _over_background(pixels: Pixels, mode: str) -> Pixels:
    """Composite premultiplied ``La``/``RGBa`` pixels onto white: ``c_pre + (255 - a)``."""
    if mode not in ("La", "RGBa"):
        return pixels
    # Premultiplied colour never exceeds alpha, so the uint8 sum cannot overflow.
    return pixels[:, :, :-1] + (BACKGROUND - pixels[:, :, -1:])


def orient(pixels: Pixels, orientation: int) -> Pixels:
    """Apply EXIF ``orientation`` (1-8; anything else is 1) to ``(H, W, C)`` pixels.

    Done on the working image, after reduction: a transposition commutes with it and costs
    nothing at 512 pixels.
    """
    method = ORIENTATIONS.get(orientation)
    return pixels if method is None else _array(_image(pixels).transpose(method))


def _reduce(pixels: Pixels, factor: tuple[int, int]) -> Pixels:
    return _array(_image(pixels).reduce(factor))


def _image(pixels: Pixels) -> Image.Image:
    if pixels.shape[2] == 1:
        return Image.fromarray(np.ascontiguousarray(pixels[:, :, 0]))  # L
    return Image.fromarray(np.ascontiguousarray(pixels))  # RGB


def _array(im: Image.Image) -> Pixels:
    array = np.asarray(im, dtype=np.uint8)
    return array[:, :, np.newaxis] if array.ndim == 2 else array
