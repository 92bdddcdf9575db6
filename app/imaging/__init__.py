"""Images in: decode and normalise uploads (:mod:`.decode`), read their headers before Pillow
does (:mod:`.headers`), bring every mode to RGB or grey (:mod:`.modes`) and prepare a photo of
a handwritten digit as MNIST's were (:mod:`.digit_prep`)."""

from .decode import (
    DEFAULT_FORMATS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    DEFAULT_MAX_SIDE,
    DEFAULT_WORKING_SIZE,
    MAX_NAME_LENGTH,
    ImageLimits,
    ImagingError,
    WorkingImage,
    decode_upload,
    encode_png,
    safe_display_name,
)

__all__ = [
    "DEFAULT_FORMATS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MAX_SIDE",
    "DEFAULT_WORKING_SIZE",
    "MAX_NAME_LENGTH",
    "ImageLimits",
    "ImagingError",
    "WorkingImage",
    "decode_upload",
    "encode_png",
    "safe_display_name",
]
