"""Errors about the user's input rather than bugs, in a module without NumPy, so that a front end
can catch them (and show their message as it is) without loading the engine."""
from __future__ import annotations


class NpzFileError(ValueError):
    """An .npz file that cannot be used; the message names the path and why."""
