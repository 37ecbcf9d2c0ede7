"""``go-engine play``: a terminal game against the engine, driven line by line."""
from __future__ import annotations

import io

from go_engine.rules.position import BLACK, WHITE
from go_engine.rules.sgf import load_sgf
from go_engine_cli import build_parser
from go_engine.gtp.terminal import run_play


def play(argv: list[str], typed: str) -> tuple[int, str]:
    args = build_parser().parse_args(["play", "--player", "random", "--seed", "3", *argv])
    out = io.StringIO()
    code = run_play(args, io.StringIO(typed), out)
    return code, out.getvalue()


def test_a_whole_game_ends_by_two_passes_and_is_saved(tmp_path):
    sgf = tmp_path / "game.sgf"
    code, out = play(["--size", "5", "--komi", "0.5", "--color", "white", "--sgf", str(sgf)], "pass\n" * 200)
    assert code == 0
    assert "Both passed:" in out and "Saved" in out
    result = out.split("Result: ")[1].split()[0]
    assert result.startswith("B+")  # black (the engine) filled the board while white passed
    record = load_sgf(sgf.read_text())
    assert record.result == result
    assert record.game.is_over
    assert [m.color for m in record.game.moves[:2]] == [BLACK, WHITE]
    assert record.black == "go-engine (random)" and record.white == "you"


def test_bad_input_is_refused_undo_takes_back_a_pair_and_resign_ends(tmp_path):
    sgf = tmp_path / "resigned.sgf"
    code, out = play(["--size", "5", "--sgf", str(sgf)], "Z9\nC3\nC3\nundo\nundo\nhelp\nresign\n")
    assert code == 0
    assert "Z9: invalid vertex" in out
    assert "C3: illegal move" in out  # the point is taken
    assert "nothing to undo" in out  # the first undo took C3 and the reply; the second finds none
    assert "moves: a vertex such as D4" in out
    assert "You resign." in out and "Result: W+R" in out
    record = load_sgf(sgf.read_text())
    assert record.result == "W+R" and record.game.moves == []


def test_handicap_stones_and_end_of_input(tmp_path):
    code, out = play(["--size", "9", "--handicap", "2", "--color", "white"], "")
    assert code == 0
    first_board = out.split("to play")[0]
    assert first_board.count("X") == 2 and "O" not in first_board
    assert "white to play" in out and "Game left unfinished." in out


def test_an_impossible_handicap_is_a_clear_error(capsys):
    code, _ = play(["--size", "5", "--handicap", "30"], "")
    assert code == 2
    assert "--handicap 30" in capsys.readouterr().err
