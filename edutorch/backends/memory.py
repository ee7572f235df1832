"""Keep freed memory in the process for reuse (Linux with glibc only).

Each new page of memory costs a page fault when first touched. glibc hands big arrays (≥128 KiB
at first) fresh pages from the kernel and gives them back when freed, so a training loop that
allocates the same large temporaries every step pays those faults every step. Measured in a
virtual machine: ~6 µs per 4 KiB page, i.e. 13 MB of fresh temporaries cost ~19 ms per step,
more than torch's whole Conv2d forward and backward. Raising glibc's mmap and trim thresholds
makes freed blocks stay in the heap, where the next step reuses them without faulting.

The cost: the process keeps its peak memory instead of returning it. Opt out with
EDUTORCH_MALLOC_TUNING=0. Elsewhere (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1  # from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 << 20  # glibc's documented maximum on 64-bit systems
_TRIM_THRESHOLD = 1 << 30

tuned = False  # whether keep_freed_memory() took effect


def keep_freed_memory() -> bool:
    """Ask glibc to serve arrays up to 32 MiB from the heap and never trim it; True if done."""
    global tuned
    if tuned or sys.platform != "linux" or os.environ.get("EDUTORCH_MALLOC_TUNING") == "0":
        return tuned
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    tuned = bool(
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )
    return tuned
