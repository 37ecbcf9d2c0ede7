"""Neural networks of the engine: the policy and value networks (Flax), their batched runners,
weight files, and the search ``Evaluator`` built on them. ``config`` and ``weights`` are NumPy
only; ``policy_net`` and ``value_net`` import JAX, and ``policy_inference`` and
``search_evaluator`` import it when a runner is built, so front ends load it only when a network
player is chosen. Players built on the networks live in ``players``."""
