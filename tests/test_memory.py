"""The allocator setting the server applies at startup (app/http/memory.py)."""

from __future__ import annotations

import platform

import pytest

from app.http.memory import keep_freed_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_accepts_the_keep_freed_memory_settings() -> None:
    assert keep_freed_memory() is True
