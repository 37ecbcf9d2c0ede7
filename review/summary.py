"""The review in a few lines of Markdown: per player, the average win-rate loss per move and
the five biggest swings (largest losses), with what the search preferred."""
from __future__ import annotations

from go_engine.rules.coords import point_to_vertex
from go_engine.rules.position import BLACK, WHITE

from go_engine.review.annotate import percent
from go_engine.review.game_review import GameReview, MoveReview, color_letter

SWINGS_PER_PLAYER = 5


def biggest_swings(review: GameReview, color: int, count: int = SWINGS_PER_PLAYER) -> list[MoveReview]:
    """``color``'s moves with the largest losses, largest first (ties: earlier move first)."""
    moves = [m for m in review.moves if m.color == color]
    return sorted(moves, key=lambda m: (-m.loss, m.number))[:count]


def average_loss(review: GameReview, color: int) -> float | None:
    losses = [m.loss for m in review.moves if m.color == color]
    return sum(losses) / len(losses) if losses else None


def summary_markdown(review: GameReview, source: str = "") -> str:
    rec = review.record
    n = review.n
    title = source or rec.source
    lines = [f"# Review of {title}", "",
             f"{n}x{n}, komi {rec.komi:g}" + (f", handicap {rec.handicap}" if rec.handicap else "")
             + f", {len(rec.moves)} moves" + (f", result {rec.result}" if rec.result else "")
             + f". Engine: {review.engine or 'search'}; {review.seconds_per_position():.2f} s per position.", ""]
    for color, name in ((BLACK, rec.black), (WHITE, rec.white)):
        who = color_letter(color) + (f" ({name})" if name else "")
        avg = average_loss(review, color)
        lines.append(f"## {who}")
        lines.append("")
        if avg is None:
            lines += ["No moves.", ""]
            continue
        lines.append(f"Average win-rate loss per move: {percent(avg)}")
        lines.append("")
        lines.append("| move | played | loss | win rate before -> after | engine preferred |")
        lines.append("|---:|---|---:|---|---|")
        for m in biggest_swings(review, color):
            best = point_to_vertex(m.best_point, n) if m.best_point is not None else "-"
            lines.append(f"| {m.number} | {m.vertex()} | {percent(m.loss)} | "
                         f"{percent(m.winrate_before)} -> {percent(m.winrate_after)} | {best} |")
        lines.append("")
    return "\n".join(lines)
