"""The shipped weights and their model cards. Installed as ``go_engine.data`` so that the engine
finds them through the package (``go_engine.shipped``), in a wheel as in the checkout."""
