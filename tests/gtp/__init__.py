"""Tests of the GTP front end (go_engine.gtp), the terminal game included."""
