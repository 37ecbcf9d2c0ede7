"""go-engine: an AlphaGo-style Go engine (rules, features, rollouts, search, networks).

Numba's on-disk cache only notices changes to a kernel's *own* source file, not to kernels it
inlines from other modules, so an edit to ``board_kernels`` could leave stale machine code in
the caches of its callers. To rule that out, the cache lives in a folder named after a hash of
all of this package's sources: any source change gives a fresh cache. Set NUMBA_CACHE_DIR
yourself to override.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

__version__ = "0.1.0"


def _source_digest() -> str:
    digest = hashlib.sha1()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


if "NUMBA_CACHE_DIR" not in os.environ:
    _base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "go-engine" / "numba"
    os.environ["NUMBA_CACHE_DIR"] = str(_base / _source_digest())
