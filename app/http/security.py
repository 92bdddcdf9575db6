"""Security headers on every response, as a pure ASGI middleware.

Pure ASGI (not ``BaseHTTPMiddleware``) so streaming responses stay streamed and errors raised
by inner handlers still get the headers. The framing policy is CSP ``frame-ancestors`` from
the ``frame_ancestors`` setting; no ``X-Frame-Options`` is sent because it cannot express an
allow-list and browsers that honour both would refuse the origins the setting allows.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Everything from our own origin; images may also be data:/blob: URLs (canvas exports,
# previews). No inline scripts or styles: the pages load ES modules and stylesheets only.
BASE_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)
REFERRER_POLICY = "strict-origin-when-cross-origin"


def content_security_policy(frame_ancestors: str) -> str:
    """The CSP header value, with ``frame-ancestors`` set to ``frame_ancestors``.

    ``frame_ancestors`` is a space-separated CSP source list, for example
    ``"'self' https://course.example.org"``; an empty string means ``'none'``.
    """
    sources = " ".join(frame_ancestors.split()) or "'none'"
    return "; ".join((*BASE_POLICY, f"frame-ancestors {sources}"))


def security_headers(frame_ancestors: str) -> list[tuple[bytes, bytes]]:
    """The raw ASGI headers added to every response."""
    return [
        (b"content-security-policy", content_security_policy(frame_ancestors).encode("latin-1")),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", REFERRER_POLICY.encode("latin-1")),
    ]


class SecurityHeadersMiddleware:
    """Set CSP, ``nosniff`` and the referrer policy on every HTTP response.

    Headers the application already set (a route with a stricter CSP, say) are kept.
    """

    def __init__(self, app: ASGIApp, *, frame_ancestors: str = "'self'") -> None:
        self.app = app
        self.headers = security_headers(frame_ancestors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing: Iterable[tuple[bytes, bytes]] = message.get("headers", [])
                headers = list(existing)
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.headers if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
