"""The gallery: the bundled sample photos, or a teacher's own folder (``samples_dir``).

Samples go through the same decoder as uploads, once, lazily, so their ids are content
hashes like any upload's. File names never come from a request: a request names a sample,
and only names found in the folder are looked up.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from ..errors import NotFoundError
from ..imaging import ImagingError, encode_png
from .images import StoredImage

logger = logging.getLogger("convscope")
SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
HEADER_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
MAX_SAMPLES = 100
PNG_LEVEL = 6  # encoded once per sample: worth the smaller file
THUMB_SIDE = 120  # the gallery draws 45 CSS px squares: sharp up to a 2.6x screen
THUMB_QUALITY = 82  # JPEG: a few kB per thumbnail instead of a 150-400 kB PNG


@dataclass(frozen=True)
class SampleMeta:
    """What the gallery shows about a sample."""

    title: str
    credit: str
    licence: str


BUNDLED = {
    "astronaut": SampleMeta(
        "Astronaut Eileen Collins", "NASA Great Images database (via scikit-image)",
        "Public domain"),
    "camera": SampleMeta("Photographer with a camera", "Lav Varshney (via scikit-image)", "CC0"),
    "chelsea": SampleMeta("Chelsea the cat", "Stefan van der Walt (via scikit-image)", "CC0"),
    "coffee": SampleMeta("A cup of coffee", "Rachel Michetti (via scikit-image)", "CC0"),
    "rocket": SampleMeta("Launch of DSCOVR on a Falcon 9", "SpaceX (via scikit-image)",
                         "Public domain"),
}


@dataclass(frozen=True)
class Sample:
    """A decoded sample and its gallery metadata."""

    name: str
    meta: SampleMeta
    image: StoredImage

    def info(self) -> dict[str, object]:
        """The ``GET /api/samples`` entry."""
        return {"name": self.name, "title": self.meta.title, "credit": self.meta.credit,
                "licence": self.meta.licence, "id": self.image.id, "width": self.image.width,
                "height": self.image.height, "channels": self.image.channels,
                "url": f"/api/samples/{quote(self.name)}.png",
                "thumbnail": thumbnail_url(self.name)}


def thumbnail_url(name: str) -> str:
    """Where the gallery finds a sample's thumbnail."""
    return f"/api/samples/{quote(name)}/thumbnail.jpg"


def square_thumbnail(pixels: NDArray[np.uint8], *, side: int) -> bytes:
    """JPEG of the centre square of ``pixels`` (H, W, C uint8, C = 1 or 3), ``side`` pixels
    a side (smaller images are not enlarged)."""
    height, width = pixels.shape[:2]
    crop = min(height, width)
    top, left = (height - crop) // 2, (width - crop) // 2
    square = pixels[top:top + crop, left:left + crop]
    image = Image.fromarray(square[:, :, 0] if square.shape[2] == 1 else square)
    if crop > side:
        image = image.resize((side, side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=THUMB_QUALITY, optimize=True)
    return buffer.getvalue()


def looks_like_image(path: Path) -> bool:
    """Whether ``path`` starts like a PNG, JPEG, WebP or GIF (Pillow reads the header only):
    a text file or a truncated download named ``.png`` never reaches the gallery."""
    try:
        with Image.open(path) as image:
            return image.format in HEADER_FORMATS
    except (OSError, ValueError, Image.DecompressionBombError):
        return False


def discover(folder: Path) -> dict[str, Path]:
    """``{name: path}`` for the images in ``folder`` (sorted; the first of equal stems)."""
    found: dict[str, Path] = {}
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if (path.suffix.lower() in SUFFIXES and path.is_file() and path.stem not in found
                    and looks_like_image(path)):
                found[path.stem] = path
            if len(found) >= MAX_SAMPLES:
                break
    return found


class SampleLibrary:
    """Samples of one folder, each decoded on first use and then kept."""

    def __init__(self, folder: Path, *, decode: Callable[[bytes, str], StoredImage],
                 metadata: dict[str, SampleMeta] | None = None) -> None:
        self._paths = discover(folder)
        self._decode = decode
        self._metadata = metadata or {}
        self._loaded: dict[str, Sample] = {}
        self._failed: set[str] = set()
        self._pngs: dict[str, bytes] = {}
        self._thumbs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def names(self) -> list[str]:
        """Every sample's name, in gallery order."""
        return list(self._paths)

    def catalogue(self) -> list[dict[str, str]]:
        """Name, title, credit, licence and URL of every sample, without decoding any; a
        sample whose decoding failed (over a pixel cap, say) is left out, as in :meth:`all`."""
        out = []
        with self._lock:
            failed = set(self._failed)
        for name in self.names:
            if name in failed:
                continue
            meta = self._meta(name)
            out.append({"name": name, "title": meta.title, "credit": meta.credit,
                        "licence": meta.licence, "url": f"/api/samples/{quote(name)}.png",
                        "thumbnail": thumbnail_url(name)})
        return out

    def _meta(self, name: str) -> SampleMeta:
        return self._metadata.get(name, SampleMeta(title=name, credit="", licence=""))

    def cached(self, name: str) -> Sample | None:
        """The sample if it is already decoded (never blocks on a decode)."""
        self._check_name(name)
        with self._lock:
            return self._loaded.get(name)

    def all_cached(self) -> list[Sample] | None:
        """Every sample if all are decoded already, else ``None``."""
        with self._lock:
            if len(self._loaded) + len(self._failed) < len(self._paths):
                return None
            return [self._loaded[name] for name in self._paths if name in self._loaded]

    def _check_name(self, name: str) -> None:
        if name not in self._paths:
            raise NotFoundError(
                f"no sample called {name[:60]!r}; the samples are {', '.join(self.names)}",
                field="sample", value=name, limit=" | ".join(self.names))

    def get(self, name: str) -> Sample:
        """The sample called ``name``, decoded (blocking: call it from a worker).

        Raises
        ------
        NotFoundError
            No such sample.
        """
        self._check_name(name)
        with self._lock:
            sample = self._loaded.get(name)
            if sample is None:
                try:
                    image = self._decode(self._paths[name].read_bytes(), name)
                except ImagingError:
                    self._failed.add(name)
                    raise
                sample = Sample(name=name, meta=self._meta(name), image=image)
                self._loaded[name] = sample
            return sample

    def cached_png(self, name: str) -> bytes | None:
        """The sample's PNG if it is already encoded."""
        self._check_name(name)
        with self._lock:
            return self._pngs.get(name)

    def png(self, name: str) -> bytes:
        """The sample's working image as PNG, encoded once (blocking)."""
        data = encode_png(self.get(name).image.pixels, compress_level=PNG_LEVEL)
        with self._lock:
            return self._pngs.setdefault(name, data)

    def cached_thumbnail(self, name: str) -> bytes | None:
        """The sample's thumbnail JPEG if it is already made."""
        self._check_name(name)
        with self._lock:
            return self._thumbs.get(name)

    def thumbnail(self, name: str) -> bytes:
        """The sample's gallery thumbnail, made once (blocking): the centre square of the
        working image, ``THUMB_SIDE`` pixels a side, as JPEG."""
        data = square_thumbnail(self.get(name).image.pixels, side=THUMB_SIDE)
        with self._lock:
            return self._thumbs.setdefault(name, data)

    def all(self) -> list[Sample]:
        """Every sample that decodes (blocking); a file that does not is logged and left out."""
        samples = []
        for name in self.names:
            try:
                samples.append(self.get(name))
            except ImagingError as exc:
                logger.warning("sample %s left out of the gallery: %s", name, exc.message)
        return samples

    def find_id(self, image_id: str) -> StoredImage | None:
        """A sample already decoded whose content id is ``image_id``."""
        with self._lock:
            return next((s.image for s in self._loaded.values() if s.image.id == image_id),
                        None)
