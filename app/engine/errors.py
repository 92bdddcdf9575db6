"""Typed errors raised by the engine; the web layer maps them to HTTP 422 in one place.

:class:`DomainError` is the one base of every error a request can cause, the app's included
(``app.errors.AppError`` derives from it): the app maps it to an HTTP answer in one handler.
It lives here because the engine imports nothing of the app.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a request that cannot be served, with a message that names the problem.

    ``field`` names the offending parameter (``"stride"``, ``"weight"``, ...), ``value`` is
    what was given and ``limit`` what would have been accepted; ``layer`` is the 0-based index
    of the layer in a stack when the error comes from one.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        limit: object = None,
        layer: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value
        self.limit = limit
        self.layer = layer


class EngineError(DomainError, ValueError):
    """A request the engine cannot compute (a :class:`DomainError`, and a ``ValueError``)."""

    def in_layer(self, layer: int) -> EngineError:
        """Return a copy of this error that says which layer of a stack raised it."""
        prefix = f"layer {layer + 1}: "
        message = self.message if self.message.startswith(prefix) else prefix + self.message
        return type(self)(message, field=self.field, value=self.value, limit=self.limit,
                          layer=layer)


class ParameterError(EngineError):
    """A parameter has the wrong type or is out of range (stride 0, negative padding, ...)."""


class ShapeError(EngineError):
    """Array shapes do not fit together (weights vs. input channels, bias length, ...)."""


class GeometryError(EngineError):
    """The window does not fit: a kernel larger than the padded input, an empty output."""
