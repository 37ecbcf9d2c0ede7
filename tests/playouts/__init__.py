"""Tests of go_engine.playouts."""
