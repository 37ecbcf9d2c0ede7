"""The spin lock that lets search lanes share one tree inside a Numba ``prange``."""
import numpy as np
from numba import njit, prange

from go_engine.search.atomics import atomic_cas, atomic_load, atomic_store, spin_lock, spin_unlock


@njit(parallel=True, nogil=True)
def _locked_increments(cells, slots, order):
    """Each of the threads walks ``order`` and bumps cells[slots[j]] under the lock, reading and
    writing through a data-dependent index so the compiler cannot merge the updates."""
    for t in prange(order.shape[0]):
        for j in order[t]:
            spin_lock(cells, 0)
            s = slots[j]
            v = cells[s]
            for _ in range(j % 7):  # widen the window between the read and the write
                v = v + 1 - 1
            cells[s] = v + 1
            spin_unlock(cells, 0)


def test_lock_makes_concurrent_read_modify_write_exact():
    rng = np.random.default_rng(0)
    order = np.stack([rng.permutation(200_000) for _ in range(2)]).astype(np.int64)
    slots = 8 + rng.integers(0, 4, 200_000)
    cells = np.zeros(16, np.int64)
    _locked_increments(cells, slots, order)
    assert cells[8:12].sum() == 2 * 200_000
    assert np.array_equal(cells[8:12], 2 * np.bincount(slots - 8, minlength=4))
    assert cells[0] == 0  # released


@njit
def _cas_steps(cells):
    a = atomic_cas(cells, 1, 0, 5)      # succeeds: was 0
    b = atomic_cas(cells, 1, 0, 9)      # fails: is 5
    atomic_store(cells, 2, 7)
    return a, b, atomic_load(cells, 1), atomic_load(cells, 2)


def test_compare_and_swap_returns_the_old_value():
    cells = np.zeros(4, np.int64)
    assert _cas_steps(cells) == (0, 5, 5, 7)
    assert list(cells) == [0, 5, 7, 0]
