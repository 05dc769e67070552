"""Fixtures of the register's tests."""

from pathlib import Path

import pytest


@pytest.fixture
def private_uploads(settings, tmp_path) -> Path:
    """Uploads go to a directory of this test only (the import tests assert what is left in it)."""
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "uploads"
    return tmp_path / "uploads"
