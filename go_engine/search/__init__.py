"""Monte Carlo tree search with PUCT: the node arrays, expansion priors, the native (Numba)
drivers that run many simulations per call, and the evaluator protocol the networks plug into.
Imports ``rules``, ``playouts`` and ``features``; never JAX and never a player."""
