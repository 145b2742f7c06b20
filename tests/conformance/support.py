"""Small helpers shared by the conformance tests."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable


def http_date(offset: float = 0.0) -> str:
    """An IMF-fixdate ``offset`` seconds from now (RFC 9110 §5.6.7)."""
    return email.utils.formatdate(time.time() + offset, usegmt=True)


def wait_until(check: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.02)
