"""Tests of go_engine.training: supervised, value and reinforcement learning, self-play."""
