"""Reading ``.npz`` files that may be anything: weights, checkpoints, shards.

``np.load`` alone answers a text file with "pickled data" (it guesses pickle for anything
that is not a zip or .npy), a cut-off file with ``BadZipFile`` or ``EOFError``, and a FIFO by
blocking; none of them names the file. ``load_npz`` checks that the path is a regular file
before opening it, checks the zip signature, never allows pickles, and turns every failure
into one ``NpzFileError`` that names the path. ``require_finite`` refuses NaN and infinities,
which would otherwise load fine and make a network play nonsense.
"""
from __future__ import annotations

import os
import stat
import zipfile
import zlib
from pathlib import Path

import numpy as np

from go_engine.errors import NpzFileError

ZIP_MAGIC = b"PK\x03\x04"


def load_npz(path: str | os.PathLike, kind: str = "npz") -> dict[str, np.ndarray]:
    """Every array of the .npz at ``path`` (read in full; no pickles), or ``NpzFileError``.
    A missing file raises ``FileNotFoundError`` (naming the path)."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"no {kind} file {path}") from None
    except OSError as e:
        raise NpzFileError(f"{path}: cannot read the {kind} file ({e.strerror or e})") from None
    if not stat.S_ISREG(info.st_mode):
        raise NpzFileError(f"{path}: not a regular file, so not a {kind} file")
    try:
        # non-blocking: a FIFO swapped in after the check must not hang the reader
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise NpzFileError(f"{path}: not a regular file, so not a {kind} file")
            if handle.read(4) != ZIP_MAGIC:
                raise NpzFileError(f"{path}: not a {kind} file (not an .npz archive)")
            handle.seek(0)
            with np.load(handle, allow_pickle=False) as z:
                return {name: z[name] for name in z.files}
    except NpzFileError:
        raise
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error) as e:
        detail = str(e) or type(e).__name__
        if "pickle" in detail:
            detail = "an entry is not a plain array"
        raise NpzFileError(f"{path}: damaged or not a {kind} file ({detail})") from None


def require_finite(path: str | os.PathLike, arrays: dict[str, np.ndarray], kind: str = "npz") -> None:
    """``NpzFileError`` naming the path and the first array holding NaN or an infinity."""
    for name, value in arrays.items():
        if value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
            raise NpzFileError(f"{path}: {kind} file holds NaN or infinite values (in {name})")


__all__ = ["NpzFileError", "load_npz", "require_finite"]
