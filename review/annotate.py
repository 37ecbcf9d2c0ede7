"""The reviewed game as SGF: the main line as it was played, with each move's numbers in its
comment (``C``, which every GUI shows), the search's preferred line as a variation beside any
move that was not the search's choice, and the judgement as SGF move annotations:
``BM[2]`` blunder, ``BM[1]`` mistake, ``DO[]`` inaccuracy (doubtful), ``TE[1]`` the only good
move, found.

The main line is written by ``go_engine.rules.sgf.game_to_sgf`` (setup, handicap, komi,
passes) and decorated here through sgfmill, so the two writers cannot disagree on the game.
"""
from __future__ import annotations

from sgfmill import sgf as sgfmill_sgf

from go_engine.rules.coords import point_to_vertex
from go_engine.rules.sgf import game_to_sgf

from go_engine.review.game_review import GameReview, MoveReview, color_letter, start_of

PV_MOVES = 10  # moves of the preferred line written as a variation


def percent(x: float) -> str:
    return f"{100.0 * x:.1f}%"


def move_comment(move: MoveReview) -> str:
    """The text of a move's ``C`` property."""
    n = move.before.n
    who = color_letter(move.color)
    lines = [f"Move {move.number}: {who} {move.vertex()}",
             f"{who} win rate: {percent(move.winrate_before)} before, {percent(move.winrate_after)} after"
             f" (loss {percent(move.loss)})"]
    if move.best_point is not None:
        best = point_to_vertex(move.best_point, n)
        if move.played_best:
            lines.append(f"Engine's choice too ({percent(move.best_winrate)})")
        else:
            lines.append(f"Engine prefers {best} ({percent(move.best_winrate)})")
        pv = " ".join(point_to_vertex(p, n) for p in move.before.pv[:PV_MOVES])
        if pv:
            lines.append(f"PV: {pv}")
    if move.before.root_visits:
        lines.append(f"{move.before.root_visits} visits")
    if move.judgement:
        lines.append(move.judgement.capitalize())
    elif move.only_move:
        lines.append("The only good move")
    return "\n".join(lines)


def root_comment(review: GameReview) -> str:
    budget = review.budget
    spend = " and ".join(part for part in (
        f"{budget.visits} visits" if budget.visits is not None else "",
        f"{budget.seconds:g} s" if budget.seconds is not None else "") if part)
    return (f"Reviewed by go-engine ({review.engine or 'search'}), {spend} per position. Win rates are "
            f"for the player who moved; loss = before - after. BM[2] blunder (loss >= 20%), "
            f"BM[1] mistake (>= 10%), DO inaccuracy (>= 5%), TE the only good move.")


def annotated_sgf(review: GameReview) -> str:
    """The review as SGF text (FF[4], UTF-8)."""
    rec = review.record
    game = start_of(rec)
    for color, point in rec.moves:
        game.play(point, color)
    comments = {m.number: "\n\n".join(t for t in (rec.comments.get(m.number), move_comment(m)) if t)
                for m in review.moves}  # the game's own comments stay, above the review's
    original = rec.comments.get(0)
    text = game_to_sgf(game, result=rec.result, black=rec.black, white=rec.white,
                       comments=comments, root_comment="\n\n".join(t for t in (original, root_comment(review)) if t),
                       rules=rec.rules or "", date=rec.date)
    sgf = sgfmill_sgf.Sgf_game.from_bytes(text.encode("utf-8"))
    main = sgf.get_main_sequence()  # main[k] is the node of move k (main[0]: the root)
    for move in review.moves:
        _mark(main[move.number], move)
        if move.best_point is not None and not move.played_best:
            _add_variation(main[move.number - 1], move, game.n)
    return sgf.serialise().decode("utf-8")


def _mark(node: sgfmill_sgf.Tree_node, move: MoveReview) -> None:
    judgement = move.judgement
    if judgement == "blunder":
        node.set("BM", 2)
    elif judgement == "mistake":
        node.set("BM", 1)
    elif judgement == "inaccuracy":
        node.set("DO", True)
    elif move.only_move:
        node.set("TE", 1)


def _add_variation(parent: sgfmill_sgf.Tree_node, move: MoveReview, n: int) -> None:
    """The search's preferred line from the position of ``move``, as a variation after the
    main line's move (so the main line stays the first child)."""
    pv = move.before.pv[:PV_MOVES]
    color = move.color
    node = parent
    for i, point in enumerate(pv):
        node = node.new_child()
        letter = color_letter(color).lower()
        if point == n * n:
            node.set_raw(letter.upper(), b"")
        else:
            r, c = divmod(point, n)
            node.set_move(letter, (n - 1 - r, c))
        if i == 0:
            node.set("C", f"go-engine's preferred line instead of move {move.number} "
                          f"({percent(move.best_winrate)} for {color_letter(move.color)})")
        color = 3 - color
