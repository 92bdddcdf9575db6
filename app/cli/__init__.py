"""The ``convscope`` command (:mod:`.main`) and its ``render`` subcommand (:mod:`.render`)."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
