"""Atomic operations on int64 array cells for Numba kernels, and a spin lock built on them.

Numba has no atomics, so threads inside one ``prange`` could not share a tree safely. These
intrinsics emit LLVM's atomic instructions directly (sequentially consistent, so the plain
loads and stores of a critical section cannot move across the lock). The search's lanes
(``drivers.run_lanes``) hold the lock only to select and back up a batch; the playouts,
where the time goes, run outside it.
"""
from __future__ import annotations

from numba import njit, types
from numba.core import cgutils
from numba.core.extending import intrinsic


def _int64_cell(context, builder, sig, args):
    """Pointer to arr[idx] of an int64 array argument pair (args[0], args[1])."""
    aryty = sig.args[0]
    ary = context.make_array(aryty)(context, builder, args[0])
    idx = context.cast(builder, args[1], sig.args[1], types.intp)
    return cgutils.get_item_pointer(context, builder, aryty, ary, [idx])


def _is_int64_array(arr) -> bool:
    return isinstance(arr, types.Array) and arr.dtype == types.int64 and arr.ndim == 1


@intrinsic
def atomic_cas(typingctx, arr, idx, expected, desired):
    """If arr[idx] == expected, store desired; return the old value (one atomic step)."""
    if not (_is_int64_array(arr) and isinstance(idx, types.Integer)
            and isinstance(expected, types.Integer) and isinstance(desired, types.Integer)):
        return None
    sig = types.int64(arr, idx, expected, desired)

    def codegen(context, builder, sig, args):
        ptr = _int64_cell(context, builder, sig, args)
        old = context.cast(builder, args[2], sig.args[2], types.int64)
        new = context.cast(builder, args[3], sig.args[3], types.int64)
        pair = builder.cmpxchg(ptr, old, new, "seq_cst", "seq_cst")
        return builder.extract_value(pair, 0)

    return sig, codegen


@intrinsic
def atomic_load(typingctx, arr, idx):
    """arr[idx], read atomically (never cached in a register across a spin loop)."""
    if not (_is_int64_array(arr) and isinstance(idx, types.Integer)):
        return None
    sig = types.int64(arr, idx)

    def codegen(context, builder, sig, args):
        ptr = _int64_cell(context, builder, sig, args)
        return builder.load_atomic(ptr, "seq_cst", 8)

    return sig, codegen


@intrinsic
def atomic_store(typingctx, arr, idx, value):
    """arr[idx] = value, atomically, after every earlier load and store of this thread."""
    if not (_is_int64_array(arr) and isinstance(idx, types.Integer) and isinstance(value, types.Integer)):
        return None
    sig = types.void(arr, idx, value)

    def codegen(context, builder, sig, args):
        ptr = _int64_cell(context, builder, sig, args)
        val = context.cast(builder, args[2], sig.args[2], types.int64)
        builder.store_atomic(val, ptr, "seq_cst", 8)
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, nogil=True, inline="always")
def spin_lock(cells, idx):
    """Take the lock in cells[idx] (0 free, 1 held), spinning on plain atomic reads while
    another thread holds it (the critical sections are microseconds long)."""
    while atomic_cas(cells, idx, 0, 1) != 0:
        while atomic_load(cells, idx) != 0:
            pass


@njit(cache=True, nogil=True, inline="always")
def spin_unlock(cells, idx):
    """Release the lock in cells[idx]; the section's writes are visible to the next holder."""
    atomic_store(cells, idx, 0)
