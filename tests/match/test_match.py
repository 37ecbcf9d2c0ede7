"""``go-engine match``: GTP client parsing and timeouts, forfeits (crash, hang, illegal move,
garbage), scoring by agreement / referee, time control commands, resume, and real games vs GNU Go.

Failure cases use ``tests/fake_gtp_engine.py`` on small boards so they run in seconds.
"""
from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest
from sgfmill import sgf as sgfmill_sgf

from go_engine.rules.game import Game
from go_engine.rules.position import BLACK, WHITE, Position
from go_engine.rules.sgf import load_sgf
from tests.conftest import gnugo_path, skip_or_fail
from go_engine.match.gtp_client import (GtpClient, GtpCrash, GtpFailure, GtpProtocolError, GtpTimeout,
                                 parse_response)
from go_engine.match.runner import (RefereeClock, MatchConfig, MatchError, MatchRunner, board_without, format_table,
                            parse_score, parse_vertex_list, read_results, summarize)
from go_engine.match.game import one_line

FAKE = [sys.executable, str(Path(__file__).resolve().parents[1] / "fake_gtp_engine.py")]


def fake(*args: str) -> str:
    return shlex.join([*FAKE, *args])


def play_match(out: Path, engine: str, opponent: str, games: int = 1, parallel: int = 1,
               force: bool = False, **settings) -> list[dict]:
    settings.setdefault("size", 7)
    settings.setdefault("referee", None)
    settings.setdefault("command_timeout", 60.0)
    settings.setdefault("hang_timeout", 60.0)
    config = MatchConfig(engine=engine, opponent=opponent, games=games, **settings)
    return MatchRunner(config, out, parallel=parallel, force=force, progress=False).run()


def replay(out: Path, record: dict) -> Game:
    """The game of a record, read back from its SGF (which must parse with sgfmill too)."""
    data = (out / record["sgf"]).read_bytes()
    sgfmill_sgf.Sgf_game.from_bytes(data)
    return load_sgf(data).game


# --- GTP responses -----------------------------------------------------------------------------

def test_parse_response_variants():
    r = parse_response(["=12 D4"])
    assert (r.ok, r.id, r.body) == (True, 12, "D4")
    r = parse_response(["?3 unknown command"])
    assert (r.ok, r.id, r.body) == (False, 3, "unknown command")
    r = parse_response(["="])
    assert (r.ok, r.id, r.body) == (True, None, "")
    r = parse_response(["= A1 B2", "C3 D4"])
    assert r.body == "A1 B2\nC3 D4"
    r = parse_response(["=7", "line two"])
    assert (r.id, r.body) == (7, "line two")
    for bad in (["D4"], ["hello =1"], ["=12abc"], []):
        with pytest.raises(GtpProtocolError):
            parse_response(bad)


def test_parse_score_and_vertices():
    assert parse_score("B+3.5") == 3.5
    assert parse_score("W+0.5") == -0.5
    assert parse_score("0") == 0.0
    with pytest.raises(ValueError):
        parse_score("black wins")
    assert parse_vertex_list("A1 b2\nC3", 9) == {72, 64, 56}
    assert parse_vertex_list("", 9) == set()
    with pytest.raises(ValueError):
        parse_vertex_list("Z1", 9)


def test_one_line_cleans_engine_messages():
    assert one_line("\x1b[1mNameError\x1b[0m: x\n  during typing") == "NameError: x during typing"
    assert len(one_line("y" * 2000)) == 500


def test_clock_switches_from_main_time_to_byo_yomi():
    clock = RefereeClock(main_left=10.0, byo=2.0)
    assert clock.limit() == 12.0 and clock.time_left_args() == (10, 0)
    clock.charge(9.5)
    assert clock.time_left_args() == (0, 0) and clock.limit() == pytest.approx(2.5)
    clock.charge(1.0)
    assert clock.main_left == 0.0 and clock.time_left_args() == (2, 1) and clock.limit() == 2.0
    sudden = RefereeClock(main_left=5.0, byo=0.0)
    sudden.charge(6.0)
    assert sudden.time_left_args() == (0, 0) and sudden.limit() == 0.0


def test_board_without_dead_stones_counts_area():
    pos = Position.from_ascii("""
        . X O . .
        X X O . .
        . X O O O
        X X O . .
        . X O . X
    """)
    # as it stands: black 8 stones + 3 points, white 7 stones + 4 points, D1/D2/E2 neutral (E1 X)
    assert pos.area_score(0) == 11 - 11
    counted = board_without(pos, {4 * 5 + 4})  # E1 dead: D1, D2, E2, E1 become white's
    assert counted.area_score(0) == 10 - 15
    assert counted.board().ravel()[24] == 0 and counted.board().ravel()[1] == BLACK
    counted.check_consistency()


# --- the GTP client against a live process -------------------------------------------------------

def test_gtp_client_ids_refusals_and_crash(tmp_path):
    with GtpClient(fake("--crash-after", "0", "--name", "Probe")) as client:
        assert client.send("name", 10) == "Probe"
        r = client.request("no_such_command", 30)
        assert not r.ok and r.id == 2 and "unknown" in r.body
        with pytest.raises(GtpFailure):
            client.send("boardsize x", 30)
        client.send("boardsize 5", 30)
        with pytest.raises(GtpCrash):
            client.send("genmove b", 30)
        assert not client.alive
        with pytest.raises(GtpCrash):
            client.send("name", 5)


def test_gtp_client_times_out_on_a_hung_engine():
    client = GtpClient(fake("--hang-after", "0"))
    try:
        client.send("boardsize 5", 30)
        with pytest.raises(GtpTimeout):
            client.send("genmove b", 0.5)
    finally:
        client.kill()
    assert not client.alive


def test_gtp_client_reports_a_missing_program():
    with pytest.raises(GtpCrash, match="cannot start"):
        GtpClient("/nonexistent/engine --mode gtp")


# --- forfeits ------------------------------------------------------------------------------------

def _only(records: list[dict]) -> dict:
    assert len(records) == 1
    return records[0]


def test_crashing_engine_loses(tmp_path):
    rec = _only(play_match(tmp_path, fake("--crash-after", "2"), fake("--no-board")))
    assert rec["engine_color"] == "black"
    assert (rec["reason"], rec["winner"], rec["engine_result"], rec["result"]) == ("crash", "white", "loss", "W+F")
    assert "exit code 3" in rec["detail"] and rec["detail"].startswith("black")
    assert "stderr: fake engine: crashing on purpose" in rec["detail"]
    assert (tmp_path / "logs" / "game_0000_black.stderr").exists()
    assert rec["moves"] == 4  # two moves each before black's third genmove
    assert len(replay(tmp_path, rec).moves) == 4


def test_hanging_engine_loses_on_time(tmp_path):
    log = tmp_path / "white.log"
    rec = _only(play_match(tmp_path, fake("--no-board"), fake("--hang-after", "1", "--log", str(log)),
                           move_time=1, grace=0.5))
    assert (rec["reason"], rec["winner"], rec["engine_result"], rec["result"]) == ("timeout", "black", "win", "B+T")
    assert rec["moves"] == 3
    sent = log.read_text()
    assert "time_settings 0 1 1" in sent and "time_left white 1 1" in sent


def test_illegal_move_loses(tmp_path):
    rec = _only(play_match(tmp_path, fake("--illegal-after", "2"), fake("--no-board")))
    assert (rec["reason"], rec["winner"], rec["result"]) == ("illegal move", "white", "W+F")
    assert "occupied" in rec["detail"]
    assert rec["moves"] == 4  # the illegal move is not recorded


def test_garbage_output_loses(tmp_path):
    rec = _only(play_match(tmp_path, fake("--no-board"), fake("--garbage-after", "1")))
    assert (rec["reason"], rec["winner"], rec["engine_result"]) == ("protocol error", "black", "win")
    assert "not start with" in rec["detail"]


def test_refusing_a_legal_move_loses(tmp_path):
    rec = _only(play_match(tmp_path, fake(), fake("--no-board", "--refuse-play-after", "1")))
    assert (rec["reason"], rec["winner"], rec["result"]) == ("refused legal move", "black", "B+F")
    assert rec["detail"].startswith("white") and rec["moves"] == 3


def test_resignation(tmp_path):
    rec = _only(play_match(tmp_path, fake("--resign-after", "3"), fake("--no-board")))
    assert (rec["reason"], rec["winner"], rec["result"], rec["scored_by"]) == ("resign", "white", "W+R", None)


def test_missing_engine_stops_the_match_before_any_game(tmp_path):
    with pytest.raises(MatchError, match="does not work"):
        play_match(tmp_path, "/nonexistent/engine", fake())
    assert not (tmp_path / "results.jsonl").exists()


# --- scoring -------------------------------------------------------------------------------------

def test_agreed_score_is_area_count_with_komi(tmp_path):
    rec = _only(play_match(tmp_path, fake("--moves", "8"), fake("--no-board"), komi=0.5))
    assert (rec["reason"], rec["scored_by"], rec["dead"]) == ("score", "engines", [])
    game = replay(tmp_path, rec)
    assert game.is_over and len(game.moves) == rec["moves"]
    assert rec["score"] == game.position.area_score(0.5)
    assert rec["result"] == game.result_string()
    assert rec["winner"] == ("black" if rec["score"] > 0 else "white")


def test_disputed_score_goes_to_the_referee(tmp_path):
    rec = _only(play_match(tmp_path, fake("--dead", "white"), fake(), komi=0.5, referee=fake()))
    assert rec["scored_by"] == "referee" and "disagree" in rec["detail"]
    # the fake referee counts the replayed board as it stands
    assert rec["score"] == replay(tmp_path, rec).position.area_score(0.5)


def test_disputed_dead_stones_are_played_out_with_cleanup_moves(tmp_path):
    rec = _only(play_match(tmp_path, fake("--dead", "white", "--cleanup-moves", "3"),
                           fake("--cleanup-moves", "2", "--seed", "1"), komi=0.5, referee=fake()))
    assert (rec["reason"], rec["scored_by"]) == ("score", "cleanup")
    assert "disagree" in rec["detail"] and "played out with kgs-genmove_cleanup" in rec["detail"]
    game = replay(tmp_path, rec)
    passes = [m.point == game.pass_point for m in game.moves]
    first_end = next(i for i in range(1, len(passes)) if passes[i] and passes[i - 1])
    assert first_end < len(passes) - 2, "no cleanup moves after the first two passes"
    assert sum(not p for p in passes[first_end + 1:]) == 5  # 3 + 2 cleanup stones, then passes
    assert game.is_over and rec["moves"] == len(game.moves)
    # still disputed after the cleanup (one side calls every white stone dead): counted as it stands
    assert rec["score"] == game.position.area_score(0.5) and rec["dead"] == []


def test_no_referee_falls_back_to_counting_the_board(tmp_path):
    rec = _only(play_match(tmp_path, fake("--dead", "refuse"), fake("--no-board"), referee="/nonexistent/referee"))
    assert rec["scored_by"] == "tromp-taylor"
    assert "could not list" in rec["detail"] and "referee failed" in rec["detail"]


def test_move_cap_ends_and_scores_the_game(tmp_path):
    rec = _only(play_match(tmp_path, fake("--moves", "40"), fake("--no-board"), max_moves=6))
    assert (rec["reason"], rec["moves"], rec["scored_by"]) == ("max-moves", 6, "engines")


def test_handicap_and_main_time(tmp_path):
    log = tmp_path / "black.log"
    rec = _only(play_match(tmp_path, fake("--log", str(log)), fake(), size=9, handicap=2, komi=0.5,
                           main_time=30, move_time=2))
    assert "fixed_handicap 2" in log.read_text()
    sent = log.read_text()
    assert "time_settings 30 2 1" in sent
    assert re.search(r"^\d+ time_left black (30|29) 0$", sent, re.M)  # main time, before black's first move
    root = sgfmill_sgf.Sgf_game.from_bytes((tmp_path / rec["sgf"]).read_bytes()).get_root()
    assert root.get("HA") == 2 and len(root.get("AB")) == 2
    game = replay(tmp_path, rec)
    assert game.handicap and game.moves[0].color == WHITE


# --- the runner ----------------------------------------------------------------------------------

def test_parallel_games_resume_and_settings_check(tmp_path):
    first = play_match(tmp_path, fake(), fake("--no-board"), games=2, parallel=2)
    assert [r["index"] for r in first] == [0, 1]
    assert [r["engine_color"] for r in first] == ["black", "white"]
    assert first[1]["black"] == fake("--no-board")
    assert json.loads((tmp_path / "match.json").read_text())["config"]["games"] == 2

    # rerun with more games: the finished ones are kept as they are, only game 2 is played
    again = play_match(tmp_path, fake(), fake("--no-board"), games=3)
    assert [r["index"] for r in again] == [0, 1, 2]
    assert again[:2] == first
    assert [r["index"] for r in read_results(tmp_path / "results.jsonl")] == [0, 1, 2]

    with pytest.raises(MatchError, match="komi"):
        play_match(tmp_path, fake(), fake("--no-board"), games=3, komi=6.5)
    forced = play_match(tmp_path, fake(), fake("--no-board"), games=3, komi=6.5, force=True)
    assert forced == again  # nothing left to play
    assert json.loads((tmp_path / "match.json").read_text())["config"]["komi"] == 6.5


def test_results_file_with_a_torn_last_line_is_read(tmp_path, capsys):
    path = tmp_path / "results.jsonl"
    path.write_text('{"index": 0, "reason": "resign"}\n\n{"index": 1, "bla')
    records = read_results(path)
    assert [r["index"] for r in records] == [0]
    assert "skipping unreadable record" in capsys.readouterr().err


def test_summary_and_table_from_records():
    def rec(i, engine_result, moves=10):
        ec = "black" if i % 2 == 0 else "white"
        winner = {"win": ec, "loss": "white" if ec == "black" else "black"}.get(engine_result)
        return {"index": i, "engine_color": ec, "engine_result": engine_result, "winner": winner,
                "reason": "score", "scored_by": "engines", "moves": moves, "black_name": "A", "white_name": "B",
                "seconds": {"black": 1.0, "white": 2.0}, "genmoves": {"black": 5, "white": 5}}
    records = [rec(0, "win"), rec(1, "win"), rec(2, "win"), rec(3, "loss", 20)]
    s = summarize(records)
    assert s["wins"] == {"engine": {"black": 2, "white": 1}, "opponent": {"black": 1, "white": 0}}
    assert s["stats"].score == 0.75 and round(s["stats"].elo, 1) == 190.8
    assert s["avg_moves"] == 12.5
    # engine: black in games 0, 2 (1 s / 5 moves each), white in 1, 3 (2 s / 5 moves each)
    assert s["seconds_per_move"]["engine"] == pytest.approx(6.0 / 20)
    table = format_table(records)
    assert "engine wins" in table and "3/4" in table and "+191" in table and "75.0%" in table


def test_cli_prints_the_table(tmp_path, capsys):
    from go_engine_cli import main
    code = main(["match", "--engine", fake("--resign-after", "1"), "--opponent", fake("--no-board"), "--games", "1",
                 "--size", "5", "--out", str(tmp_path), "--referee", "", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "engine wins" in out and "Elo difference" in out and "resign 1" in out
    assert "engine score  0.0%" in out and "-inf .." in out  # the engine resigned its only game

    # the folder's report, finished or still running: table and strict JSON (no infinities)
    assert main(["eval", "match", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 of 1 games played" in out and "resign 1" in out
    assert main(["eval", "match", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert report["games"] == 1 and report["planned_games"] == 1
    assert report["stats"]["wins"] == 0 and report["stats"]["elo"] is None
    assert main(["eval", "match", str(tmp_path / "nothing")]) == 2
    assert "not a match folder" in capsys.readouterr().err


# --- real games ----------------------------------------------------------------------------------

def test_short_match_against_gnugo(tmp_path):
    """Two real 9x9 games: a random mover (passes after 15 moves) against GNU Go level 1,
    one with each colour. GNU Go calls the random stones dead and the random mover does not,
    so the GNU Go referee scores the games."""
    gnugo = gnugo_path()
    if gnugo is None:
        skip_or_fail("gnugo not installed (apt-get install gnugo)")
    opponent = f"{gnugo} --mode gtp --level 1 --chinese-rules"
    records = play_match(tmp_path, fake("--moves", "15", "--name", "Random"), opponent, games=2, parallel=2,
                         size=9, komi=7.5, move_time=10, referee=f"{gnugo} --mode gtp --chinese-rules")
    assert [r["engine_color"] for r in records] == ["black", "white"]
    for rec in records:
        assert rec["reason"] == "score", rec
        assert rec["engine_result"] == "loss" and rec["scored_by"] in ("engines", "referee")
        assert rec["white_name" if rec["engine_color"] == "black" else "black_name"].startswith("GNU Go")
        game = replay(tmp_path, rec)
        assert game.is_over and len(game.moves) == rec["moves"] > 30
    table = format_table(records)
    assert "0/2" in table and "Elo difference" in table
    print(table)
