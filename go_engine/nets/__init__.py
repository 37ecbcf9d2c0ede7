"""Neural networks of the engine. Nothing here imports JAX at import time: ``config`` and
``weights`` are NumPy only, and ``policy_net``/``evaluator``/``player`` load JAX when used."""
