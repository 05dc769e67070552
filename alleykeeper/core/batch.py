"""Helpers for large batch jobs (imports of 100,000 rows) running inside a web or task process."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone


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


# A background job (an import) queued this long without being finished: its page says the task worker may not
# be running (nothing else would tell a community worker why the bar never moves).
WAIT_NOTICE_MINUTES = 2


def minutes_waiting(since, now=None) -> int:
    """Whole minutes since `since` when at least WAIT_NOTICE_MINUTES, else 0 (nothing to say yet)."""
    minutes = int(((now or timezone.now()) - since).total_seconds() // 60)
    return minutes if minutes >= WAIT_NOTICE_MINUTES else 0
