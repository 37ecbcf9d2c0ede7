"""Tests of go_engine.rules."""
