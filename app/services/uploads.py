"""Read the ``file`` field (and the small text fields) of a multipart body that is already in
memory.

Starlette's form parser spools files over 1 MiB to a temporary file; an upload here must
never touch the disk, and the body-size middleware has already buffered (and bounded) it,
so the part is cut out of that buffer directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header

from ..errors import AppError

FIELD = "file"
MAX_PARTS = 8
#: Longest text field kept (``prepare=digit``); longer ones are cut, then refused by name.
MAX_TEXT_FIELD = 64


class UploadFormError(AppError):
    """The body is not ``multipart/form-data`` with a ``file`` field."""

    status = 400
    code = "bad_upload"


class FormValueError(AppError):
    """A form field with a value the server does not know."""

    status = 422
    code = "bad_form_value"


#: What the ``prepare`` field may ask for: ``digit`` = MNIST's preparation (app.imaging.digit_prep).
PREPARE = "prepare"
PREPARE_CHOICES = ("digit",)


@dataclass(frozen=True)
class UploadedFile:
    """The ``file`` part: its bytes and the filename the client gave (untrusted); ``fields``
    the other parts as text (cut to :data:`MAX_TEXT_FIELD` characters)."""

    data: bytes
    filename: str | None
    fields: dict[str, str] = field(default_factory=dict)


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
    found: UploadedFile | None = None
    texts: dict[str, str] = {}
    for disposition, data in parts:
        _, options = parse_options_header(disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name == FIELD and found is None:
            raw = options.get(b"filename")
            filename = raw.decode("utf-8", "replace") if raw is not None else None
            found = UploadedFile(data=bytes(data), filename=filename)
        elif name != FIELD:
            texts.setdefault(name[:MAX_TEXT_FIELD],
                             bytes(data[:MAX_TEXT_FIELD * 4]).decode("utf-8", "replace")
                             [:MAX_TEXT_FIELD])
    if found is not None:
        return UploadedFile(data=found.data, filename=found.filename, fields=texts)
    raise UploadFormError("the form has no field called 'file'", field=FIELD, value=None,
                          limit="a field called 'file'")


def prepare_option(upload: UploadedFile) -> str | None:
    """The ``prepare`` field of the form (``None`` when absent).

    Raises
    ------
    FormValueError
        A value other than those of :data:`PREPARE_CHOICES`.
    """
    value = upload.fields.get(PREPARE)
    if value is not None and value not in PREPARE_CHOICES:
        raise FormValueError(f"prepare={value[:40]!r} is not known: the form field 'prepare' "
                             f"may be {' or '.join(PREPARE_CHOICES)} (or left out)",
                             field=PREPARE, value=value, limit=" | ".join(PREPARE_CHOICES))
    return value
