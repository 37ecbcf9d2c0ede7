"""Tests of the match harness (go_engine.match) and benchmarks/elo_ladder.py."""
