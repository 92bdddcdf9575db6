"""Every service of one app instance, built from its settings and kept on ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from fastapi import Request

from ..imaging import ImageLimits, decode_upload
from ..imaging.digit_prep import prepare_digit
from ..schemas import DigitRef, PixelsRef
from ..settings import BUNDLED_SAMPLES, Settings
from .caps import Caps
from .images import ImageStore, StoredImage, make_image
from .model_images import inline_image
from .pyramid import PyramidService
from .responses import ResponseCache
from .samples import BUNDLED, SampleLibrary
from .workers import WorkerPool

#: Recent held-out digits and drawings kept (at most 64 x 64 bytes each).
INLINE_IMAGES = 64
INLINE_IMAGE_BYTES = INLINE_IMAGES * 64 * 64


@dataclass(frozen=True, eq=False)
class Services:
    """The long-lived objects the routes use."""

    settings: Settings
    caps: Caps
    image_limits: ImageLimits
    pool: WorkerPool
    images: ImageStore
    inline: ImageStore
    samples: SampleLibrary
    pyramids: PyramidService
    responses: ResponseCache

    def decode(self, data: bytes, name: str, *, prepare: str | None = None) -> StoredImage:
        """Decode an upload (blocking) into a working image with its content id;
        ``prepare="digit"`` makes it a 28 x 28 MNIST-like digit (:mod:`app.imaging.digit_prep`)."""
        pixels = decode_upload(data, limits=self.image_limits).pixels
        if prepare == "digit":
            pixels = prepare_digit(pixels)[:, :, np.newaxis]
        return make_image(pixels, name=name)

    def find_image(self, image_id: str) -> StoredImage:
        """An uploaded image, an already decoded sample or a recent held-out digit or drawing
        with this id (404 otherwise)."""
        return (self.samples.find_id(image_id) or self.inline.find(image_id)
                or self.images.get(image_id))

    def inline_image(self, ref: DigitRef | PixelsRef) -> StoredImage:
        """The image of a ``{"digit": N}`` or ``{"pixels": ...}`` reference, kept in a small
        cache of its own (drawings change with every stroke and must not push uploads out of
        theirs), so that its id works in ``{"id": ...}`` and ``GET /api/images/{id}``."""
        return self.inline.add(inline_image(ref))

    def close(self) -> None:
        """Stop the workers."""
        self.pool.shutdown()


def image_limits(settings: Settings) -> ImageLimits:
    """The decoder's limits from the settings."""
    return ImageLimits(max_bytes=settings.max_upload_bytes, max_pixels=settings.max_pixels,
                       max_side=settings.max_side, working_size=settings.working_size,
                       allowed_formats=frozenset(f.upper() for f in settings.allowed_formats))


def build_services(settings: Settings) -> Services:
    """Create the services of one app from ``settings``."""
    limits = image_limits(settings)

    def decode_sample(data: bytes, name: str) -> StoredImage:
        # A sample is the server's own file, not a client's upload: the upload byte cap
        # (a 256 KiB cap made a 460 KB bundled photo answer GET with 413) does not apply;
        # the pixel and side caps, which bound the decoding cost, still do.
        sample_limits = replace(limits, max_bytes=max(len(data), limits.max_bytes))
        return make_image(decode_upload(data, limits=sample_limits).pixels, name=name)

    bundled = settings.samples_dir.resolve() == BUNDLED_SAMPLES
    caps = Caps.from_settings(settings)
    return Services(
        settings=settings,
        caps=caps,
        image_limits=limits,
        pool=WorkerPool(workers=settings.workers, queue_size=settings.queue_size,
                        retry_after=settings.retry_after_seconds),
        images=ImageStore(max_entries=settings.image_cache_entries,
                          max_bytes=settings.image_cache_bytes),
        inline=ImageStore(max_entries=INLINE_IMAGES, max_bytes=INLINE_IMAGE_BYTES),
        samples=SampleLibrary(settings.samples_dir, decode=decode_sample,
                              metadata=BUNDLED if bundled else None),
        pyramids=PyramidService(caps=caps, max_entries=settings.pyramid_cache_entries,
                                max_bytes=settings.pyramid_cache_bytes),
        responses=ResponseCache(max_entries=settings.response_cache_entries,
                                max_bytes=settings.response_cache_bytes,
                                gzip_level=settings.binary_gzip_level,
                                zstd_level=settings.binary_zstd_level),
    )


def get_services(request: Request) -> Services:
    """FastAPI dependency: the services of the app serving ``request``."""
    services: Services = request.app.state.services
    return services
