"""Fixed-window counters in the shared cache: login throttling now, public forms later."""

import hashlib

from django.core.cache import cache


def _key(scope: str, subject: str) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()[:24]  # never a raw username or IP in the cache
    return f"rl:{scope}:{digest}"


def count(scope: str, subject: str) -> int:
    return int(cache.get(_key(scope, subject), 0))


def hit(scope: str, subject: str, window_seconds: int) -> int:
    """Count one event; returns the count in the current window."""
    key = _key(scope, subject)
    if cache.add(key, 1, timeout=window_seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return 1


def reset(scope: str, subject: str) -> None:
    cache.delete(_key(scope, subject))
