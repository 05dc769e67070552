"""The cells read from an upload, kept beside it so that a file is parsed once (core.tabular): a private file,
so that a background job in another process finds it too, loaded by an unpickler that accepts nothing but
cells. A missing, damaged or foreign copy reads as None: the caller parses the upload itself."""

import datetime as datetime_module
import os
import pickle
import uuid
from pathlib import Path
from typing import Any

SUFFIX = ".cells"
_VERSION = 1
# The only classes a kept copy may contain besides str, int, float, bool and None (calamine's cells).
_CELL_CLASSES = {"date", "datetime", "time", "timedelta"}


def path_for(upload: Path) -> Path:
    """Where the cells read from the upload are kept (beside it, in the same private directory)."""
    return upload.with_name(upload.name + SUFFIX)


class _CellUnpickler(pickle.Unpickler):
    """Loads nothing but cells: a copy that names any other class is refused (and the upload read again)."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "datetime" and name in _CELL_CLASSES:
            return getattr(datetime_module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell")


def keep(upload: Path, payload: tuple[str, str, str, list]) -> None:
    """Write (kind, encoding, sheet, rows) beside the upload: written whole, then renamed, never half a copy."""
    target = path_for(upload)
    partial = target.with_name(f"{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(partial, "xb") as out:
            partial.chmod(0o600)
            pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.fast = True  # no memo: cells hold no cycles, and a memo of 2 million cells is ~200 MB
            pickler.dump((_VERSION, *payload))
        os.replace(partial, target)
    except OSError:
        partial.unlink(missing_ok=True)  # no copy: the next reader parses the file itself


def load(upload: Path) -> tuple[str, str, str, list] | None:
    """(kind, encoding, sheet, rows) kept by an earlier read of this upload, or None."""
    try:
        with open(path_for(upload), "rb") as handle:
            version, kind, encoding, sheet, rows = _CellUnpickler(handle).load()
    except FileNotFoundError:
        return None
    except Exception:  # a damaged copy: read the upload itself, as if none had been kept
        return None
    if version != _VERSION or not isinstance(rows, list):
        return None
    return kind, encoding, sheet, rows
