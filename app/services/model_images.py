"""Images that come from a trained model or inline from the request, not from an upload:
``{"digit": N}`` (a held-out example) and ``{"pixels": [[...]]}`` (the drawing pad).

Both become an ordinary :class:`~app.services.images.StoredImage` whose id is the content
hash, so the pyramid cache and ``/api/pyramid/tensor`` work on them as on any photo. They
are not put in the upload store: a drawing changes with every stroke and would push the
uploaded photos out of it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..errors import LimitError
from ..models import get_model
from ..schemas import DigitRef, ModelName, PixelsRef
from .images import StoredImage, make_image

#: The model whose held-out examples ``{"digit": N}`` names.
DIGITS: ModelName = "digits"


@lru_cache(maxsize=64)
def digit_image(index: int, *, model: ModelName = DIGITS) -> StoredImage:
    """Held-out example ``index`` of ``model`` as a grey ``(H, W, 1)`` image.

    Raises
    ------
    LimitError
        ``index`` is past the last held-out example.
    """
    pixels = get_model(model).heldout_pixels
    total = int(pixels.shape[0])
    if index >= total:
        raise LimitError(f"digit {index} does not exist: {model!r} has {total} held-out "
                         f"digits, 0 to {total - 1}", field="digit", value=index,
                         limit=f"< {total}")
    return make_image(pixels[index][:, :, np.newaxis], name=f"held-out digit {index}")


def pixels_image(rows: list[list[int]]) -> StoredImage:
    """The inline grey image ``rows`` (H x W integers 0-255, already validated)."""
    pixels = np.array(rows, dtype=np.uint8)[:, :, np.newaxis]
    return make_image(pixels, name="drawing")


def inline_image(ref: DigitRef | PixelsRef) -> StoredImage:
    """The image a ``{"digit": N}`` or ``{"pixels": ...}`` reference names."""
    return digit_image(ref.digit) if isinstance(ref, DigitRef) else pixels_image(ref.pixels)
