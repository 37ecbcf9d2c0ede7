"""Tests of go_engine.features."""
