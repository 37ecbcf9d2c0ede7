"""The match harness: plays games between GTP engines, records them (SGF, JSON) and reports win
rates and Elo with intervals. Installed as ``go_engine.match``; it uses the rules and nothing else
of the engine, and the engine never imports it."""
