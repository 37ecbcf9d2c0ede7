"""The rules of Go: coordinates, the Numba board kernels, positions, games with undo, SGF.

The bottom layer: it imports nothing else from go_engine."""
