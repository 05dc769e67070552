import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_counters() -> None:
    """Login throttling counts failures in the cache; each test starts from zero."""
    cache.clear()
