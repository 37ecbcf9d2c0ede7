"""Tests of go_engine.players."""
