"""Atomic file writes: a reader (or a resumed run) sees the old file or the new one, never half.

Write to a temporary file in the same folder, fsync, then ``os.replace`` over the target and
fsync the folder; on any error the temporary file is removed and the target is untouched.

A process killed mid-write cannot remove its temporary file, so each one is named after its
writer (``.<name>.<pid>-<random>.tmp``) and the next write to the same target removes those
whose writer is no longer running. The file gets the mode a plain ``open`` would give it
(0666 less the umask, so 0644 usually), not ``mkstemp``'s 0600.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO, Callable

import numpy as np

_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _umask_lock:  # elsewhere: set and restore (no file is created in between)
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return True
    return True


def remove_stale_temps(path: str | Path) -> list[Path]:
    """Remove the temporary files of earlier writes to ``path`` whose writer has died;
    returns what was removed. Temps of running writers (this process included) stay."""
    path = Path(path)
    pattern = re.compile(r"\." + re.escape(path.name) + r"\.(\d+)-[^/]*\.tmp")
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if m is None:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _pid_running(pid):
            continue
        try:
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


def remove_dead_temps_in(folder: str | Path) -> list[Path]:
    """``remove_stale_temps`` for every target in ``folder``: a writer killed mid-write whose
    target is never written again (a replaced worker's shard) leaves a temporary file that no
    later write clears. Call it once the folder's writers are done."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for target in {m.group(1) for e in entries if (m := _TEMP_NAME.fullmatch(e.name))}:
        removed += remove_stale_temps(Path(folder) / target)
    return removed


_TEMP_NAME = re.compile(r"\.(.+)\.\d+-[^/]*\.tmp")


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every OS can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | Path, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(handle)`` on a temporary binary file, then move it over ``path``."""
    path = Path(path)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o666 & ~current_umask())
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
    _fsync_folder(path.parent)


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
