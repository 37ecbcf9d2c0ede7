"""Tests of go_engine.search."""
