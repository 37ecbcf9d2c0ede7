"""Playouts: uniform random, MoGo-style heuristic, nakade rules, and the rollout policy's
pattern kernels. Imports only ``rules``."""
