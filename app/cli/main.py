"""The ``convscope`` command: ``convscope serve [--host H] [--port P] [--workers N]``.

Every option falls back to its setting (``CONVSCOPE_HOST``, ``CONVSCOPE_PORT``,
``CONVSCOPE_WORKERS``, ...; see :mod:`app.settings`), so containers configure it through the
environment alone.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

import uvicorn

from ..settings import Settings
from .render import add_render_command


def _serve(args: argparse.Namespace) -> int:
    # Flags become environment settings so the factory (which uvicorn calls in the server
    # process) reads one consistent configuration.
    for name in ("host", "port", "workers"):
        value = getattr(args, name)
        if value is not None:
            os.environ[f"CONVSCOPE_{name.upper()}"] = str(value)
    settings = Settings()
    uvicorn.run("app.main:create_app", factory=True, host=settings.host, port=settings.port,
                log_level=args.log_level, proxy_headers=True, server_header=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per action."""
    parser = argparse.ArgumentParser(prog="convscope", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web app",
                                description="Run the web app (settings: CONVSCOPE_* env vars).")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default 8000)")
    serve.add_argument("--workers", type=int,
                       help="convolution worker threads (default 2)")
    serve.add_argument("--log-level", default="info",
                       choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(handler=_serve)
    add_render_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``convscope`` console script."""
    args = build_parser().parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
