"""Decode untrusted uploads into a small, well-defined working image.

:func:`decode_upload` is the only door from uploaded bytes to pixels. In order, it:

1. refuses empty (400) and oversized (413) bodies;
2. sniffs the real format from the bytes (never the filename or content type) and refuses
   everything but PNG, JPEG, WebP and GIF (415, naming the allowed ones; HEIC/HEIF/AVIF get a
   hint to convert);
3. reads width and height from the header and refuses images over the pixel or side limit
   (413) before any decoder allocates memory (Pillow's own bomb check only warns up to twice
   its limit, and libwebp allocates the canvas on open);
4. decodes the first frame only, using JPEG's DCT-domain scaling (``Image.draft``) when the
   image is much larger than the working size;
5. normalises the mode (:mod:`app.imaging.modes`: grey stays one channel, alpha is composited
   onto WHITE, 16-bit is scaled, everything else becomes RGB), reduces to the working size
   with Lanczos (never upscales) and applies the EXIF orientation (a broken EXIF block is
   ignored, never an error).

Any failure is an :class:`ImagingError`: truncated or corrupt files are 422, never a 500.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from ..errors import AppError
from .headers import DISPLAY_NAMES, HeaderError, read_header, sniff_format
from .modes import BACKGROUND, orient, target_size, to_working

__all__ = [
    "BACKGROUND",
    "ImageLimits",
    "ImagingError",
    "WorkingImage",
    "decode_upload",
    "encode_png",
    "safe_display_name",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # as Settings.max_upload_bytes
#: 50 megapixels admits a 48 MP phone photo (8064 x 6048).
DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_MAX_SIDE = 12_000
DEFAULT_WORKING_SIZE = 512
DEFAULT_FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF"})
#: JPEG DCT scaling is used when the image is at least this many times the working size.
DRAFT_FACTOR = 2
MAX_NAME_LENGTH = 100

_CONVERT_HINT = " Convert it to JPEG or PNG first (most photo apps can export or share as JPEG)."
_EXIF_ORIENTATION = 0x0112
_NAME_FORBIDDEN = frozenset('<>:"/\\|?*`')


class ImagingError(AppError):
    """An upload that cannot become a working image; ``status`` is the HTTP status to send.

    413 too large (bytes, pixels or side), 415 unsupported format, 422 corrupt, truncated or
    otherwise undecodable, 400 empty. ``field`` is always ``"file"``, ``value`` what was sent
    and ``limit`` what would have been accepted; ``code`` is a stable machine-readable name.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str,
        value: object = None,
        limit: object = None,
        field: str = "file",
    ) -> None:
        super().__init__(message, field=field, value=value, limit=limit, status=status,
                         code=code)


@dataclass(frozen=True)
class ImageLimits:
    """What an upload may be; every bound is checked before decoding.

    ``max_bytes`` of the file, ``max_pixels`` = width * height and ``max_side`` = the longest
    side from the header, ``working_size`` = the longest side of the working image, and the
    ``allowed_formats`` as Pillow names them (a subset of PNG, JPEG, WEBP, GIF).
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_side: int = DEFAULT_MAX_SIDE
    working_size: int = DEFAULT_WORKING_SIZE
    allowed_formats: frozenset[str] = field(default=DEFAULT_FORMATS)

    def __post_init__(self) -> None:
        formats = frozenset(str(f).upper() for f in self.allowed_formats)
        object.__setattr__(self, "allowed_formats", formats)  # accept any iterable of names
        for name in ("max_bytes", "max_pixels", "max_side", "working_size"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"ImageLimits.{name} must be a positive integer")
        unknown = set(self.allowed_formats) - DEFAULT_FORMATS
        if unknown or not self.allowed_formats:
            raise ValueError(f"ImageLimits.allowed_formats must be a non-empty subset of "
                             f"{sorted(DEFAULT_FORMATS)}, got {sorted(self.allowed_formats)}")

    @property
    def allowed_names(self) -> str:
        """The allowed formats for a message: ``"PNG, JPEG, WebP or GIF (first frame)"``."""
        names = [DISPLAY_NAMES[f] for f in ("PNG", "JPEG", "WEBP", "GIF")
                 if f in self.allowed_formats]
        names = [n + " (first frame)" if n == "GIF" else n for n in names]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


@dataclass(frozen=True, eq=False)
class WorkingImage:
    """A decoded upload: ``pixels`` ``(H, W, C)`` uint8, read-only, C = 1 (grey) or 3 (RGB).

    ``format`` is Pillow's name of the sniffed format, ``original_size`` the ``(width,
    height)`` of the file before orientation and reduction.
    """

    pixels: npt.NDArray[np.uint8]
    width: int
    height: int
    channels: int
    format: str
    original_size: tuple[int, int]


def decode_upload(data: bytes, *, limits: ImageLimits, jpeg_draft: bool = True) -> WorkingImage:
    """Decode an untrusted upload into a :class:`WorkingImage` (see the module docstring).

    ``jpeg_draft=False`` turns off JPEG DCT-domain scaling (full decode, then Lanczos): the
    slow reference path that tests and benchmarks hold the fast one against.

    Raises
    ------
    ImagingError
        For every input that is not an acceptable image; never anything else.
    """
    try:
        return _decode(data, limits, jpeg_draft=jpeg_draft)
    except ImagingError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Only reachable when our limits exceed Pillow's (the warning when warnings are
        # errors); our own header checks run first and are the real bound.
        raise ImagingError(f"the image is too large to decode safely ({exc})", status=413,
                           code="too_many_pixels", limit=limits.max_pixels) from exc
    except MemoryError as exc:
        raise ImagingError("the image needs more memory to decode than the server allows",
                           status=413, code="too_many_pixels", limit=limits.max_pixels) from exc
    except Exception as exc:  # OSError, SyntaxError, ValueError, struct.error, EOFError, ...
        raise ImagingError(_corrupt_message(data, exc), status=422, code="corrupt_image",
                           value=DISPLAY_NAMES.get(sniff_format(data))) from exc


def _corrupt_message(data: bytes, exc: BaseException) -> str:
    """Say what is wrong without echoing Pillow internals (object reprs, module names)."""
    name = DISPLAY_NAMES.get(sniff_format(data), "image")
    text = str(exc)
    if "truncated" in text.lower():
        return f"the {name} file is truncated: it ends before its image data does"
    if isinstance(exc, UnidentifiedImageError) or "cannot identify" in text:
        return f"the {name} file is corrupt: its header cannot be read"
    if "MAX_TEXT_CHUNK" in text:
        return (f"the {name} file has a metadata chunk that decompresses to more than "
                f"{PngImagePlugin.MAX_TEXT_CHUNK} bytes")
    reason = re.sub(r"<[^>]*object at 0x[0-9a-f]+>", "the file", text).strip()
    reason = reason or type(exc).__name__
    return f"the {name} file is corrupt and cannot be decoded ({reason[:160]})"


def _decode(data: bytes, limits: ImageLimits, *, jpeg_draft: bool) -> WorkingImage:
    fmt = _check_bytes_and_format(data, limits)
    try:
        header = read_header(data, fmt)
    except HeaderError as exc:
        raise ImagingError(f"the file is not a valid {DISPLAY_NAMES[fmt]} image: {exc}",
                           status=422, code="corrupt_image", value=DISPLAY_NAMES[fmt]) from exc
    _check_size((header.width, header.height), limits)
    with Image.open(io.BytesIO(data), formats=[fmt]) as im:
        _check_size(im.size, limits)  # a GIF frame may be larger than its screen
        original_size = im.size
        target = target_size(im.size, limits.working_size)
        if jpeg_draft and fmt == "JPEG" and max(im.size) >= DRAFT_FACTOR * limits.working_size:
            im.draft(im.mode, target)  # DCT-domain scaling by 1/2, 1/4 or 1/8
        im.load()
        orientation = _orientation(im)
        pixels = to_working(im, target)
    pixels = orient(pixels, orientation)
    pixels.setflags(write=False)
    height, width, channels = pixels.shape
    return WorkingImage(pixels=pixels, width=width, height=height, channels=channels,
                        format=fmt, original_size=original_size)


def _check_bytes_and_format(data: bytes, limits: ImageLimits) -> str:
    if len(data) == 0:
        raise ImagingError("the file is empty (0 bytes)", status=400, code="empty_file",
                           value=0, limit="at least 1 byte")
    if len(data) > limits.max_bytes:
        raise ImagingError(f"the file is {len(data)} bytes; the limit is {limits.max_bytes} "
                           f"bytes ({limits.max_bytes / 2**20:.0f} MiB)", status=413,
                           code="file_too_large", value=len(data), limit=limits.max_bytes)
    fmt = sniff_format(data)
    if fmt in limits.allowed_formats:
        return fmt
    shown = DISPLAY_NAMES.get(fmt, fmt)
    if fmt == "unknown":
        what = "the file is not a recognised image"
    elif fmt == "text":
        what = "the file is text, not an image"
    else:
        what = f"{shown} files are not supported"
    hint = _CONVERT_HINT if fmt in ("HEIC/HEIF", "AVIF") else ""
    raise ImagingError(f"{what}; allowed formats are {limits.allowed_names}.{hint}",
                       status=415, code="unsupported_format", value=shown,
                       limit=limits.allowed_names)


def _check_size(size: tuple[int, int], limits: ImageLimits) -> None:
    width, height = size
    if max(width, height) > limits.max_side:
        raise ImagingError(f"the image is {width}x{height} pixels; its longest side may be at "
                           f"most {limits.max_side} pixels", status=413, code="side_too_long",
                           value=[width, height], limit=limits.max_side)
    if width * height > limits.max_pixels:
        raise ImagingError(f"the image is {width}x{height} = {width * height} pixels; the "
                           f"limit is {limits.max_pixels} pixels", status=413,
                           code="too_many_pixels", value=width * height,
                           limit=limits.max_pixels)


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation (1-8), or 1 when the EXIF block is missing or garbage."""
    try:
        value = im.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # a broken EXIF block must not fail the upload
        return 1
    return value if isinstance(value, int) and value in range(1, 9) else 1


def encode_png(pixels: npt.NDArray[np.uint8], *, compress_level: int = 6) -> bytes:
    """Encode ``pixels`` ``(H, W, 1)``, ``(H, W, 3)`` or ``(H, W)`` uint8 as PNG bytes."""
    array = np.asarray(pixels)
    if array.dtype != np.uint8 or array.ndim not in (2, 3) or (
        array.ndim == 3 and array.shape[2] not in (1, 3)
    ):
        raise ValueError(f"pixels must be (H, W), (H, W, 1) or (H, W, 3) uint8, "
                         f"got {array.shape} {array.dtype}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format="PNG",
                                                      compress_level=compress_level)
    return buffer.getvalue()


def safe_display_name(filename: str | None) -> str:
    """A filename fit to echo: no directories, control or markup characters, <= 100 chars.

    Paths are cut to their last component (``../../etc/passwd`` -> ``passwd``), control and
    format characters (bidi overrides included) are dropped, ``<>:"/\\|?*``` become ``_``, and
    a long name keeps its extension. The result is still plain text for display, to be escaped
    by whatever renders it; it never names a file on the server.
    """
    text = unicodedata.normalize("NFC", filename or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        " " if ch.isspace() else ("_" if ch in _NAME_FORBIDDEN else ch)
        for ch in text
        if unicodedata.category(ch)[0] != "C" or ch.isspace()
    )
    text = " ".join(text.split()).strip(". ")
    if len(text) > MAX_NAME_LENGTH:
        stem, dot, ext = text.rpartition(".")
        ext = ext if dot and stem and len(ext) <= 10 else ""
        keep = MAX_NAME_LENGTH - len(ext) - (1 if ext else 0) - 1
        text = text[:keep].rstrip() + "…" + ("." + ext if ext else "")
    return text or "upload"
