"""Atomic file writes: a reader (or a resumed run) sees the old file or the new one, never half.

Write to a temporary file in the same folder, fsync, then ``os.replace`` over the target; on
any error the temporary file is removed and the target is untouched.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

import numpy as np


def write_atomic(path: str | Path, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(handle)`` on a temporary binary file, then move it over ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    write_atomic(path, lambda handle: handle.write(data))


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, obj, **dumps_kwargs) -> None:
    write_text_atomic(path, json.dumps(obj, **dumps_kwargs))


def write_npz_atomic(path: str | Path, arrays: dict, compressed: bool = True) -> None:
    """Save arrays as .npz (no pickle: object arrays are refused by ``np.load`` later)."""
    save = np.savez_compressed if compressed else np.savez
    write_atomic(path, lambda handle: save(handle, **arrays))
