"""Front ends for reviewing games with the engine's search: ``go-engine review`` (annotated SGF,
win-rate graph, summary) and ``go-engine analysis`` (KataGo's JSON analysis protocol)."""
