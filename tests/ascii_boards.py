"""ASCII positions that more than one test module plays on (X black, O white, . empty)."""
from __future__ import annotations

# Three kos at once: black and white can retake in turn forever unless positional superko
# forbids the move that repeats an earlier whole-board position.
TRIPLE_KO = """
. . . . . . . . .
. . X O . . X O .
. X O . O X . X O
. . X O . . X O .
. . . . . . . . .
. . X O . . . . .
. X O . O . . . .
. . X O . . . . .
. . . . . . . . .
"""

# 5x5, 12 points each and one dame left (C3): with komi 0.5 Black wins only by filling it.
LAST_DAME = """
. X X O .
. X X O .
. X . O .
. X O O .
. X O O .
"""
