"""Working images in memory: a bounded LRU keyed by content hash, and their float tensors.

Nothing is written to disk. An id is the SHA-256 of the working image's shape and pixels, so
the same photo uploaded twice (or to another replica) gets the same id, and an evicted id is
recovered by uploading again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..errors import NotFoundError
from .cache import LruCache

Color = Literal["auto", "rgb", "grey"]
#: ITU-R BT.601 luma, the weights Pillow's ``convert("L")`` uses.
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)
PIXEL_SCALE = np.float32(255)


@dataclass(frozen=True, eq=False)
class StoredImage:
    """A working image: ``pixels`` ``(H, W, C)`` uint8 read-only, C = 1 or 3."""

    id: str
    name: str
    pixels: NDArray[np.uint8]

    @property
    def height(self) -> int:
        """Rows."""
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        """Columns."""
        return int(self.pixels.shape[1])

    @property
    def channels(self) -> int:
        """1 (grey) or 3 (RGB)."""
        return int(self.pixels.shape[2])

    def info(self) -> dict[str, object]:
        """``{"id", "name", "width", "height", "channels"}``."""
        return {"id": self.id, "name": self.name, "width": self.width, "height": self.height,
                "channels": self.channels}


def image_id(pixels: NDArray[np.uint8]) -> str:
    """SHA-256 hex of ``"HxWxC;"`` followed by the pixel bytes (row-major)."""
    digest = hashlib.sha256("x".join(str(n) for n in pixels.shape).encode() + b";")
    digest.update(np.ascontiguousarray(pixels).data)
    return digest.hexdigest()


def make_image(pixels: NDArray[np.uint8], *, name: str) -> StoredImage:
    """Wrap ``(H, W, C)`` pixels (made read-only) with their content id."""
    frozen = np.ascontiguousarray(pixels, dtype=np.uint8)
    frozen.setflags(write=False)
    return StoredImage(id=image_id(frozen), name=name, pixels=frozen)


def as_tensor(image: StoredImage, *, color: Color) -> NDArray[np.float32]:
    """The image as the network sees it: ``(C, H, W)`` float32 in [0, 1] (``pixel / 255``).

    ``color="auto"`` keeps the image's channels; ``"grey"`` turns RGB into BT.601 luma
    ``0.299 R + 0.587 G + 0.114 B``; ``"rgb"`` repeats a grey image over three channels.
    """
    x = np.moveaxis(image.pixels, 2, 0).astype(np.float32) / PIXEL_SCALE
    if color == "grey" and x.shape[0] == 3:
        x = np.tensordot(LUMA_WEIGHTS, x, axes=1)[np.newaxis]
    elif color == "rgb" and x.shape[0] == 1:
        x = np.repeat(x, 3, axis=0)
    return np.ascontiguousarray(x, dtype=np.float32)


class ImageStore:
    """Uploaded working images, least recently used evicted first."""

    def __init__(self, *, max_entries: int, max_bytes: int) -> None:
        self._cache: LruCache[str, StoredImage] = LruCache(
            max_entries=max_entries, max_bytes=max_bytes, size_of=lambda im: im.pixels.nbytes)

    def add(self, image: StoredImage) -> StoredImage:
        """Keep ``image``; returns it."""
        self._cache.put(image.id, image)
        return image

    def find(self, image_id: str) -> StoredImage | None:
        """The image with ``image_id``, or ``None`` if unknown or evicted."""
        return self._cache.get(image_id)

    def get(self, image_id: str) -> StoredImage:
        """The image with ``image_id``.

        Raises
        ------
        NotFoundError
            Unknown or evicted: the client should upload the image again.
        """
        image = self.find(image_id)
        if image is None:
            raise NotFoundError(
                f"image {image_id[:12]}... is not on this server (unknown, evicted or the "
                f"server restarted); upload it again", field="id", value=image_id)
        return image
