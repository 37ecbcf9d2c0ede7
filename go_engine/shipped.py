"""Where the shipped weights live: the ``go_engine.data`` package (the repository's ``data/``
folder, installed into the wheel under that name), found through the import system so that an
installed engine never looks for a path relative to a checkout."""
from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path


def shipped_data_dir() -> Path:
    """The folder holding the shipped ``*.npz`` weights and their model cards."""
    return Path(os.fspath(files("go_engine.data")))


def shipped_file(name: str) -> Path:
    """Path of one shipped file (it may not exist: weights are shipped for 9x9 and 19x19 only)."""
    return shipped_data_dir() / name
