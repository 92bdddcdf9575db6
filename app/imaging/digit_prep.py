"""A photo or drawing of one handwritten digit, prepared the way MNIST's digits were.

:func:`prepare_digit` takes a decoded working image (:func:`app.imaging.decode_upload`) and,
in order:

1. turns it grey (ITU-R BT.601 luma, as Pillow's ``convert("L")``);
2. inverts it if its background is light (the median pixel is above mid-grey), so the ink is
   white on black as in MNIST;
3. subtracts the background (the median) and refuses an image whose ink stands out by fewer
   than :data:`MIN_CONTRAST` grey levels: "nothing drawn" (422); cells fainter than
   :data:`INK_FRACTION` of the strongest ink are background (paper texture, shadows);
4. crops to the bounding box of the ink;
5. scales it into a :data:`BOX_SIDE` x :data:`BOX_SIDE` box keeping its aspect (the longer
   side becomes 20, Lanczos), the strongest ink stretched to 255;
6. places it in a :data:`DIGIT_SIDE` x :data:`DIGIT_SIDE` field so that its centre of mass
   is at the field's centre (within half a pixel: the shift is whole pixels, as MNIST's).

Pure NumPy and Pillow; no state. Coordinates: pixel ``i`` covers ``[i, i + 1)``, so the
centre of a 28-pixel field is at 14.0 and a pixel's centre at ``i + 0.5``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from .decode import ImagingError

DIGIT_SIDE = 28
BOX_SIDE = 20
#: Grey levels (of 255) the ink must stand out from the background by, or nothing is drawn.
MIN_CONTRAST = 32
#: Cells below this fraction of the strongest ink are background, not ink.
INK_FRACTION = 0.2
LUMA = np.array([0.299, 0.587, 0.114])
MID_GREY = 127.5

Grey = NDArray[np.float64]


def to_grey(pixels: NDArray[np.uint8]) -> Grey:
    """``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)`` uint8 -> ``(H, W)`` float64 grey 0..255."""
    array = np.asarray(pixels, dtype=np.float64)
    if array.ndim == 2:
        return array
    if array.ndim == 3 and array.shape[2] == 1:
        return array[:, :, 0]
    if array.ndim == 3 and array.shape[2] == 3:
        grey: Grey = array @ LUMA
        return grey
    raise ValueError(f"pixels must be (H, W), (H, W, 1) or (H, W, 3), got {array.shape}")


def ink_on_black(grey: Grey) -> Grey:
    """White ink on black, background subtracted: inverted when the background is light."""
    if np.median(grey) > MID_GREY:
        grey = 255.0 - grey
    ink: Grey = np.clip(grey - np.median(grey), 0.0, None)
    return ink


def _nothing_drawn(contrast: float) -> ImagingError:
    return ImagingError(
        f"nothing drawn: the image has no ink (its ink stands out from the background by "
        f"{contrast:.0f} of 255 grey levels; a digit needs at least {MIN_CONTRAST})",
        status=422, code="nothing_drawn", value=round(contrast), limit=f">= {MIN_CONTRAST}")


def scale_into_box(ink: Grey, *, side: int = BOX_SIDE) -> Grey:
    """``ink`` (cropped) scaled so its longer side is ``side``, keeping its aspect (a side
    never drops below 1 pixel); values stay 0..255 with the strongest at 255."""
    h, w = ink.shape
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # Pillow: (width, height)
    image = Image.fromarray(ink.astype(np.float32))  # mode "F"
    scaled = np.asarray(image.resize(size, Image.Resampling.LANCZOS), dtype=np.float64)
    scaled = np.clip(scaled, 0.0, None)  # Lanczos rings slightly below zero
    top = scaled.max()
    out: Grey = scaled * (255.0 / top) if top > 0 else scaled
    return out


def centre_by_mass(box: Grey, *, side: int = DIGIT_SIDE) -> Grey:
    """``box`` placed in a ``side`` x ``side`` field with its centre of mass at the field's
    centre, shifted by whole pixels and kept inside the field."""
    h, w = box.shape
    mass = box.sum()
    rows, cols = np.arange(h) + 0.5, np.arange(w) + 0.5
    cy = float(box.sum(axis=1) @ rows / mass)
    cx = float(box.sum(axis=0) @ cols / mass)
    top = int(np.clip(round(side / 2 - cy), 0, side - h))
    left = int(np.clip(round(side / 2 - cx), 0, side - w))
    field: Grey = np.zeros((side, side))
    field[top:top + h, left:left + w] = box
    return field


def prepare_digit(pixels: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """A photo or drawing of one digit -> ``(28, 28)`` uint8, white ink on black, as MNIST's
    (the steps are in the module docstring).

    Raises
    ------
    ImagingError
        422 ``nothing_drawn``: no ink stands out from the background.
    """
    ink = ink_on_black(to_grey(pixels))
    contrast = float(ink.max())
    if contrast < MIN_CONTRAST:
        raise _nothing_drawn(contrast)
    ink[ink < INK_FRACTION * contrast] = 0.0
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    cropped = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    field = centre_by_mass(scale_into_box(cropped))
    out: NDArray[np.uint8] = np.clip(np.rint(field), 0, 255).astype(np.uint8)
    return out
