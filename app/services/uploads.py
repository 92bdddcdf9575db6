"""Read the ``file`` field of a multipart body that is already in memory.

Starlette's form parser spools files over 1 MiB to a temporary file; an upload here must
never touch the disk, and the body-size middleware has already buffered (and bounded) it,
so the part is cut out of that buffer directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from python_multipart.multipart import MultipartParser, parse_options_header

from ..errors import AppError

FIELD = "file"
MAX_PARTS = 8


class UploadFormError(AppError):
    """The body is not ``multipart/form-data`` with a ``file`` field."""

    status = 400
    code = "bad_upload"


@dataclass(frozen=True)
class UploadedFile:
    """The ``file`` part: its bytes and the filename the client gave (untrusted)."""

    data: bytes
    filename: str | None


def read_file_field(content_type: str | None, body: bytes) -> UploadedFile:
    """The ``file`` part of a ``multipart/form-data`` ``body``.

    Raises
    ------
    UploadFormError
        Wrong content type, malformed multipart, or no ``file`` field.
    """
    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadFormError(
            "send the image as multipart/form-data with a field called 'file'",
            field=FIELD, value=(content_type or "")[:80], limit="multipart/form-data")
    parts: list[tuple[bytes, bytearray]] = []
    header_name = bytearray()
    header_value = bytearray()
    headers: dict[bytes, bytes] = {}

    def on_part_begin() -> None:
        headers.clear()
        if len(parts) >= MAX_PARTS:
            raise UploadFormError("too many form fields; send one field called 'file'",
                                  field=FIELD, value=len(parts), limit=MAX_PARTS)
        parts.append((b"", bytearray()))

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_name.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        headers[bytes(header_name).lower()] = bytes(header_value)
        header_name.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        parts[-1] = (headers.get(b"content-disposition", b""), parts[-1][1])

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1][1].extend(data[start:end])

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
    })
    try:
        parser.write(body)
        parser.finalize()
    except UploadFormError:
        raise
    except Exception as exc:  # python-multipart raises its own errors on malformed bodies
        raise UploadFormError(f"the multipart body is malformed: {str(exc)[:120]}",
                              field=FIELD, value=None, limit="multipart/form-data") from exc
    for disposition, data in parts:
        _, options = parse_options_header(disposition)
        if options.get(b"name") == FIELD.encode():
            raw = options.get(b"filename")
            filename = raw.decode("utf-8", "replace") if raw is not None else None
            return UploadedFile(data=bytes(data), filename=filename)
    raise UploadFormError("the form has no field called 'file'", field=FIELD, value=None,
                          limit="a field called 'file'")
