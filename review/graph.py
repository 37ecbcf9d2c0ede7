"""The win-rate graph of a reviewed game as a PNG: black's win rate after every move, with
blunders and mistakes marked on the player's curve point (the picture KaTrain and Lizzie show
under the board). matplotlib draws it on a bare ``Figure`` (no pyplot, no GUI backend), and the file is written
atomically."""
from __future__ import annotations

import io
from pathlib import Path

from go_engine.atomic_io import write_bytes_atomic

from go_engine.review.game_review import GameReview

MARKS = {"blunder": ("#d62728", 60), "mistake": ("#ff7f0e", 36)}  # colour, marker area


def require_matplotlib() -> None:
    """Fail before a long review, not after it, when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SystemExit("go-engine review: the win-rate graph needs matplotlib (pip install matplotlib)") from None


def graph_png(review: GameReview, title: str = "") -> bytes:
    """The graph as PNG bytes."""
    from matplotlib.figure import Figure  # a bare Figure: no pyplot state, safe off the main thread

    black = review.black_winrates()
    xs = list(range(len(black)))
    fig = Figure(figsize=(8, 3), dpi=100)
    ax = fig.add_subplot()
    ax.fill_between(xs, black, 0.5, color="#444444", alpha=0.25, linewidth=0)
    ax.plot(xs, black, color="black", linewidth=1.4, label="black win rate")
    ax.axhline(0.5, color="grey", linewidth=0.8, linestyle="--")
    for judgement, (colour, size) in MARKS.items():
        picked = [m for m in review.moves if m.judgement == judgement]
        if picked:
            ax.scatter([m.number for m in picked], [black[m.number] for m in picked], s=size,
                       color=colour, zorder=3, label=f"{judgement}s ({len(picked)})")
    ax.set_xlim(0, max(1, len(black) - 1))
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("move")
    ax.set_ylabel("black win rate")
    ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])
    ax.set_title(title or "win rate", fontsize=10)
    ax.legend(loc="best", fontsize=8, framealpha=0.85)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def save_graph(review: GameReview, path: str | Path, title: str = "") -> None:
    write_bytes_atomic(path, graph_png(review, title))
