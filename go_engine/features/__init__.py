"""AlphaGo's input planes for the networks, and the ladder reader they need.
Imports only ``rules``."""
