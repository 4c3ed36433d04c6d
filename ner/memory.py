"""Giving freed memory back to the system after a large piece of work (an evaluation, a pre-annotation).

CPython frees objects into the C allocator, and glibc keeps what a thread freed in that
thread's arena for later: after a large evaluation in one of the server's many worker threads
the process's resident memory stays high, and grows with each thread that does one. glibc's
``malloc_trim(0)`` hands the free pages of every arena back; elsewhere (macOS, musl) this
does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc


@functools.cache
def _trim():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return getattr(libc, "malloc_trim", None)
    except OSError:
        return None


def release_memory() -> bool:
    """Collect garbage, then return the allocator's free pages to the system; True when glibc did."""
    gc.collect()
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
