"""Helpers for large batch jobs (imports of 100,000 rows) running inside a web or task process."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one bounded batch job.

    An import allocates millions of small objects (cells, checked values, rows to COPY) while it holds a
    large, long-lived structure (the register in memory): the collector's repeated scans of that heap cost
    about a tenth of the job. Reference counting still frees everything as usual; only reference cycles
    wait, and the collector runs again as soon as the block ends (also on error). Nested use is safe."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
