"""GTP v2 front end: grammar, framing, every command's happy and error paths, transcripts, and
``list_stones`` / ``is_legal`` against GNU Go."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from go_engine.players.protocol import RESIGN
from go_engine.rules.position import BLACK, WHITE, Position
from go_engine.gtp.cli import read_line, serve
from go_engine.gtp.protocol import MAX_LINE_BYTES, parse_command, preprocess

from tests.conftest import GnuGo, needs_gnugo
from tests.gtp_helpers import ask, fails, new_engine, ok, parse_response


# --- grammar and framing ----------------------------------------------------------------------

def test_framing_with_and_without_id():
    e = new_engine()
    assert e.handle_line("protocol_version") == "= 2\n\n"
    assert e.handle_line("12 protocol_version") == "=12 2\n\n"
    assert e.handle_line("clear_board") == "=\n\n"
    assert e.handle_line("3 clear_board") == "=3\n\n"
    assert e.handle_line("frobnicate") == "? unknown command\n\n"
    assert e.handle_line("99 frobnicate") == "?99 unknown command\n\n"


def test_blank_and_comment_lines_get_no_response():
    e = new_engine()
    for line in ["", "   ", "\t", "# a comment", "   # indented comment", "\x01\x02", "\r\n"]:
        assert e.handle_line(line) is None


def test_preprocessing_comments_tabs_and_control_characters():
    e = new_engine()
    assert ask(e, "name # trailing comment").body == "go-engine"
    assert ask(e, "7\tname").id == 7
    assert ask(e, "na\x01me\r").body == "go-engine"  # control characters are removed
    assert ask(e, "na\x7fme").body == "go-engine"
    assert preprocess("  play\tb  d4 # x") == "play b  d4"
    assert parse_command("5 play b d4").id == 5
    assert parse_command("5").name == ""  # an id alone: answered as an unknown command
    assert ask(e, "5").id == 5 and not ask(e, "5").ok


def test_case_of_commands_colors_and_vertices():
    e = new_engine()
    ok(e, "PLAY B e5")
    ok(e, "play WHITE D4")
    ok(e, "Play w c3")
    assert ok(e, "list_stones BLACK") == "E5"
    assert ok(e, "LIST_STONES w") == "D4 C3"


def test_id_must_be_digits_only():
    e = new_engine()
    assert fails(e, "-5 name") == "unknown command"
    assert fails(e, "5.5 name") == "unknown command"
    assert ask(e, "0 name").id == 0


def test_multiline_responses_have_no_blank_lines():
    e = new_engine()
    text = e.handle_line("showboard")
    assert text.startswith("=\n") and text.endswith("\n\n") and "\n\n" not in text[:-2]
    text = e.handle_line("list_commands")
    assert "\n\n" not in text[:-2]
    assert parse_response(text).body.split("\n")[0] == "analyze"  # the body starts on the first line


@pytest.mark.parametrize("raw", [
    b"\xff\xfe\xfd",                      # not UTF-8
    b"play b \xc3(",                      # broken UTF-8 in an argument
    b"\x00\x00name\x00 x",                # NUL bytes inside
    "play b \u00e9\u4e2d".encode(),       # valid UTF-8, not a vertex
    b"genmove \xe2\x82",
])
def test_binary_garbage_is_refused_and_the_game_survives(raw):
    e = new_engine()
    ok(e, "play b e5")
    reply = ask(e, raw)
    assert not reply.ok or raw.startswith(b"\x00")  # "name x": too many arguments
    assert ok(e, "list_stones b") == "E5"
    e.game.position.check_consistency()


def test_a_megabyte_line_is_refused_with_its_id():
    e = new_engine()
    ok(e, "play b e5")
    line = b"42 play b " + b"A" * (1 << 20) + b"\n"
    reply = ask(e, line)
    assert not reply.ok and reply.id == 42 and "too long" in reply.body
    assert ok(e, "list_stones b") == "E5"


def test_serve_skips_the_rest_of_a_huge_line_and_goes_on():
    stdin = io.BytesIO(b"1 name\n2 " + b"x" * (3 * MAX_LINE_BYTES) + b"\n3 name\nquit\n4 name\n")
    out = io.BytesIO()
    serve(new_engine(), stdin, out)
    text = out.getvalue().decode()
    assert text.startswith("=1 go-engine\n\n?2 line too long")
    assert text.endswith("=3 go-engine\n\n=\n\n")  # nothing after quit


def test_read_line_caps_memory():
    stream = io.BytesIO(b"y" * (MAX_LINE_BYTES * 2) + b"\nnext\n")
    first = read_line(stream)
    assert len(first) == MAX_LINE_BYTES + 1
    assert read_line(stream) == b"next\n"
    assert read_line(stream) is None


def test_argument_count_and_type_errors():
    e = new_engine()
    assert fails(e, "play b").startswith("syntax error")
    assert fails(e, "play b e5 e6").startswith("syntax error")
    assert fails(e, "boardsize nine").startswith("syntax error")
    assert fails(e, "boardsize 99999999999999999999").startswith("syntax error")
    assert fails(e, "name extra").startswith("syntax error")
    assert fails(e, "play purple e5") == "invalid color 'purple'"
    assert fails(e, "play b z5") == "invalid vertex 'z5'"
    assert fails(e, "play b i5") == "invalid vertex 'i5'"  # GTP columns skip I
    assert fails(e, "play b a10") == "invalid vertex 'a10'"


# --- administrative commands ------------------------------------------------------------------

def test_admin_commands():
    e = new_engine()
    assert ok(e, "protocol_version") == "2"
    assert ok(e, "name") == "go-engine"
    assert ok(e, "version")
    commands = ok(e, "list_commands").split("\n")
    for required in ["protocol_version", "name", "version", "known_command", "list_commands", "quit",
                     "boardsize", "clear_board", "komi", "play", "genmove", "undo", "showboard",
                     "final_score", "final_status_list", "time_settings", "time_left",
                     "kgs-time_settings", "fixed_handicap", "place_free_handicap",
                     "set_free_handicap", "loadsgf", "printsgf", "reg_genmove",
                     "kgs-genmove_cleanup", "is_legal", "list_stones", "gogui-analyze_commands"]:
        assert required in commands
        assert ok(e, f"known_command {required}") == "true"
    assert ok(e, "known_command frobnicate") == "false"
    assert commands == sorted(commands)


def test_quit_stops_serving():
    e = new_engine()
    assert not e.quit_requested
    assert ok(e, "7 quit") == ""
    assert e.quit_requested


# --- setup -------------------------------------------------------------------------------------

def test_size_limits_match_the_engine_and_startup_loads_no_numpy():
    from go_engine.rules import coords
    from go_engine.gtp import engine as gtp_engine
    assert (gtp_engine.MIN_SIZE, gtp_engine.MAX_SIZE) == (coords.MIN_SIZE, coords.MAX_SIZE)
    code = ("import sys, go_engine_cli; go_engine_cli.build_parser(); from go_engine.gtp.cli import serve; "
            "from tests.gtp_helpers import new_engine; e = new_engine(); e.handle_line('name'); "
            "print(sorted(m for m in ('numpy', 'numba', 'jax') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=str(Path(__file__).resolve().parents[2]))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_boardsize_and_clear_board():
    e = new_engine()
    ok(e, "play b e5")
    ok(e, "boardsize 13")
    assert e.game.n == 13 and not e.game.moves
    ok(e, "play b n13")
    ok(e, "clear_board")
    assert ok(e, "list_stones b") == ""
    for bad in ["1", "26", "0", "-3"]:
        assert fails(e, f"boardsize {bad}") == "unacceptable size"
    assert e.game.n == 13


def test_komi():
    e = new_engine()
    ok(e, "komi 6.5")
    assert e.game.komi == 6.5
    ok(e, "komi -3")
    ok(e, "boardsize 9")
    assert e.game.komi == -3  # komi survives boardsize/clear_board
    for bad in ["nan", "inf", "-inf", "1e9", "1001", "abc", "0x10"]:
        fails(e, f"komi {bad}")
    assert e.game.komi == -3


def test_fixed_handicap():
    e = new_engine(size=19)
    assert ok(e, "fixed_handicap 9") == "D4 Q16 D16 Q4 D10 Q10 K4 K16 K10"
    assert e.game.to_play == WHITE
    assert fails(e, "fixed_handicap 2") == "board not empty"
    ok(e, "clear_board")
    assert fails(e, "fixed_handicap 1") == "invalid number of stones"
    assert fails(e, "fixed_handicap 10") == "invalid number of stones"
    ok(e, "boardsize 9")
    assert ok(e, "fixed_handicap 5") == "C3 G7 C7 G3 E5"


def test_place_and_set_free_handicap():
    e = new_engine()
    stones = ok(e, "place_free_handicap 3").split()
    assert len(stones) == 3
    assert sorted(ok(e, "list_stones b").split()) == sorted(stones)
    assert fails(e, "place_free_handicap 2") == "board not empty"
    ok(e, "clear_board")
    assert fails(e, "place_free_handicap 1") == "invalid number of stones"
    assert fails(e, "set_free_handicap a1") == "invalid number of stones"
    assert fails(e, "set_free_handicap a1 a1") == "bad vertex list"
    assert fails(e, "set_free_handicap a1 pass") == "bad vertex list"
    assert fails(e, "set_free_handicap a1 z9").startswith("invalid vertex")
    ok(e, "set_free_handicap a1 b2 c3")
    assert ok(e, "list_stones black") == "C3 B2 A1"
    assert e.game.to_play == WHITE
    ok(e, "play w d4")
    ok(e, "undo")
    assert fails(e, "undo") == "cannot undo"  # handicap stones are not moves
    assert ok(e, "list_stones black") == "C3 B2 A1"


# --- moves -------------------------------------------------------------------------------------

def test_play_and_illegal_moves_leave_the_game_intact():
    e = new_engine()
    ok(e, "play b e5")
    assert fails(e, "play w e5") == "illegal move"
    ok(e, "play b e4")  # two black moves in a row are allowed by GTP
    ok(e, "play w pass")
    assert [m.point for m in e.game.moves] == [40, 49, 81]
    # suicide
    e2 = new_engine(size=5)
    for line in ["play b a2", "play b b1"]:
        ok(e2, line)
    assert fails(e2, "play w a1") == "illegal move"


def test_ko_and_superko_are_refused():
    e = new_engine(size=5)
    for mv in ["b b3", "w c3", "b a2", "w d2", "b b1", "w c1", "b c2", "w b2"]:
        ok(e, f"play {mv}")
    # white just captured at B2; black may not retake at C2 at once
    assert ok(e, "is_legal b c2") == "0"
    assert fails(e, "play b c2") == "illegal move"
    ok(e, "play b e5")
    ok(e, "play w e4")
    assert ok(e, "is_legal b c2") == "1"


def test_genmove_plays_a_legal_move_and_undo_takes_it_back():
    e = new_engine()
    for k in range(30):
        color = "b" if k % 2 == 0 else "w"
        vertex = ok(e, f"genmove {color}")
        assert vertex == "pass" or vertex[0] in "ABCDEFGHJ"
        assert len(e.game.moves) == k + 1
        e.game.position.check_consistency()
    ok(e, "undo")
    assert len(e.game.moves) == 29


def test_reg_genmove_does_not_play():
    e = new_engine()
    assert ok(e, "reg_genmove b") != ""
    assert not e.game.moves
    assert fails(e, "reg_genmove x") == "invalid color 'x'"


def test_genmove_cleanup_and_resign_and_bad_player_moves():
    e = new_engine()
    assert ok(e, "kgs-genmove_cleanup b")
    assert len(e.game.moves) == 1

    class Resigner:
        name = "resigner"

        def new_game(self, game):
            pass

        def genmove(self, game, color, budget):
            return RESIGN

    class Cheater(Resigner):
        def genmove(self, game, color, budget):
            return game.moves[0].point  # an occupied point

    e._player = Resigner()
    assert ok(e, "genmove w") == "resign"
    assert len(e.game.moves) == 1
    e._player = Cheater()
    assert ok(e, "genmove w") == "pass"  # an illegal choice becomes a pass, logged
    assert len(e.game.moves) == 2


def test_undo():
    e = new_engine()
    assert fails(e, "undo") == "cannot undo"
    ok(e, "play b e5")
    ok(e, "play w c3")
    ok(e, "undo")
    assert ok(e, "list_stones w") == ""
    assert e.game.to_play == WHITE


# --- board queries -----------------------------------------------------------------------------

def test_showboard_draws_the_position():
    e = new_engine(size=5)
    ok(e, "play b a5")
    board = ok(e, "showboard")
    assert "5 X . . . ." in board
    assert board.split("\n")[-1] == "white to play, move 2, komi 7.5, captures B 0 W 0, last A5"


def test_is_legal_and_list_stones_errors():
    e = new_engine()
    ok(e, "play b e5")
    assert ok(e, "is_legal w e5") == "0"
    assert ok(e, "is_legal w pass") == "1"
    assert fails(e, "is_legal w").startswith("syntax error")
    assert fails(e, "list_stones").startswith("syntax error")
    assert fails(e, "list_stones x") == "invalid color 'x'"


def _setup(e, ascii_board: str) -> None:
    """Play the stones of an ASCII board as GTP moves (no captures may occur)."""
    pos = Position.from_ascii(ascii_board)
    n = pos.n
    ok(e, f"boardsize {n}")
    for c, letter in ((BLACK, "b"), (WHITE, "w")):
        for p in pos.stones(c):
            r, col = divmod(p, n)
            ok(e, f"play {letter} {'ABCDEFGHJKLMNOPQRST'[col]}{n - r}")


def test_final_status_list_finds_dead_stones():
    e = new_engine(ownership_playouts=200)
    _setup(e, """
    . . . . . . . . .
    . . . . . . . . .
    . . X X X . . . .
    . X . O . X . . .
    . . X X X . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    """)
    assert ok(e, "final_status_list dead") == "D6"
    alive = ok(e, "final_status_list alive").split("\n")
    assert "C7 D7 E7" in alive and "D6" not in " ".join(alive)
    assert ok(e, "final_status_list seki") == ""
    assert ok(e, "final_score").startswith("B+")  # the white stone counts as black's
    ok(e, "play b pass")
    ok(e, "play w pass")  # the game is over: the playouts must still play on
    assert ok(e, "final_status_list dead") == "D6"
    assert fails(e, "final_status_list unknown") == "invalid status"
    assert fails(e, "final_status_list").startswith("syntax error")


def test_final_status_list_recognises_seki():
    e = new_engine(komi=0.5, ownership_playouts=200)
    _setup(e, """
    X X O O
    X . . O
    X X O O
    . X O .
    """)
    seki = ok(e, "final_status_list seki").split("\n")
    assert sorted(seki) == ["A4 B4 A3 A2 B2 B1", "C4 D4 D3 C2 D2 C1"]
    assert ok(e, "final_status_list dead") == ""
    assert ok(e, "final_score") == "W+0.5"  # seki dame count for nobody


def test_ownership_dboard():
    e = new_engine(size=5, ownership_playouts=32)
    rows = ok(e, "ownership").split("\n")
    assert len(rows) == 5 and all(len(r.split()) == 5 for r in rows)
    assert all(-1.0 <= float(v) <= 1.0 for r in rows for v in r.split())


def test_gogui_analyze_commands_name_known_commands():
    e = new_engine()
    for line in ok(e, "gogui-analyze_commands").split("\n"):
        kind, label, command = line.split("/", 2)
        assert kind in {"dboard", "plist", "string", "none"} and label
        assert ok(e, f"known_command {command.split()[0]}") == "true"
        assert ask(e, command).ok


# --- time ----------------------------------------------------------------------------------------

def test_time_commands():
    e = new_engine()
    ok(e, "time_settings 300 30 5")
    ok(e, "time_left b 120 0")
    ok(e, "time_left w 25.5 3")
    ok(e, "genmove b")
    ok(e, "kgs-time_settings none")
    ok(e, "kgs-time_settings absolute 600")
    ok(e, "kgs-time_settings byoyomi 600 30 5")
    ok(e, "kgs-time_settings canadian 600 300 25")
    assert fails(e, "time_settings 300 30").startswith("syntax error")
    assert fails(e, "time_settings -1 30 5").startswith("syntax error")
    assert fails(e, "time_settings 1.5 30 5").startswith("syntax error")
    assert fails(e, "time_left b -3 0").startswith("syntax error")
    assert fails(e, "time_left q 3 0") == "invalid color 'q'"
    assert fails(e, "kgs-time_settings byoyomi 600 30").startswith("syntax error")
    assert fails(e, "kgs-time_settings hourglass 60").startswith("syntax error")
    assert fails(e, "kgs-time_settings canadian 600 300 0").startswith("syntax error")
    assert fails(e, "kgs-time_settings byoyomi 600 30 2.5").startswith("syntax error")


# --- SGF -----------------------------------------------------------------------------------------

def test_printsgf_and_loadsgf_round_trip(tmp_path):
    e = new_engine(komi=6.5)
    for line in ["play b e5", "play w c3", "play b pass", "play w g7"]:
        ok(e, line)
    sgf = ok(e, "printsgf")
    assert sgf.startswith("(;") and "KM[6.5]" in sgf and "SZ[9]" in sgf
    path = tmp_path / "game.sgf"
    assert ok(e, f"printsgf {path}") == ""
    other = new_engine(size=19)
    ok(other, f"loadsgf {path}")
    assert other.game.n == 9 and other.game.komi == 6.5
    assert ok(other, "list_stones w") == "G7 C3"
    assert [m.point for m in other.game.moves] == [m.point for m in e.game.moves]
    ok(other, f"loadsgf {path} 3")  # the position before move 3
    assert len(other.game.moves) == 2
    ok(other, "play b d4")


def test_loadsgf_errors_keep_the_game(tmp_path):
    e = new_engine()
    ok(e, "play b e5")
    broken = tmp_path / "broken.sgf"
    broken.write_bytes(b"(;GM[1]SZ[9];B[ee];W[ee])")  # second move on an occupied point
    assert fails(e, f"loadsgf {broken}").startswith("cannot load file")
    assert fails(e, f"loadsgf {tmp_path / 'missing.sgf'}").startswith("cannot load file")
    garbage = tmp_path / "garbage.sgf"
    garbage.write_bytes(b"\xff\x00 not sgf at all")
    assert fails(e, f"loadsgf {garbage}").startswith("cannot load file")
    assert fails(e, f"loadsgf {tmp_path}").startswith("cannot load file")  # a directory
    assert "not a regular file" in fails(e, "loadsgf /dev/zero")  # must not read forever
    assert fails(e, "loadsgf").startswith("syntax error")
    assert fails(e, f"printsgf {tmp_path / 'no' / 'such' / 'dir.sgf'}").startswith("cannot write file")
    assert ok(e, "list_stones b") == "E5"


# --- transcripts -------------------------------------------------------------------------------

TRANSCRIPT = """\
1 boardsize 7
=1

2 komi 0.5
=2

# a comment line gets no answer
3 play black D4
=3

4 play white D4
?4 illegal move

5 play w C3   # trailing comment
=5

6 list_stones b
=6 D4

7 undo
=7

8 list_stones white
=8

9 fixed_handicap 2
?9 board not empty

10 is_legal w c3
=10 1

11 final_score
=11 B+48.5

12 boardsize 0
?12 unacceptable size

13 list_stones b
=13 D4

14 quit
=14

"""


def test_transcript():
    e = new_engine(ownership_playouts=32)
    expected = []
    sent = []
    blocks = TRANSCRIPT.split("\n\n")
    for block in blocks:
        lines = [ln for ln in block.split("\n") if ln]
        if not lines:
            continue
        *commands, answer = lines
        sent.extend(commands)
        expected.append(answer)
    got = [e.handle_line(line) for line in sent]
    got = [g.rstrip("\n") for g in got if g is not None]
    assert got == expected


def test_subprocess_session_over_pipes():
    """The real console entry point: stdout carries only GTP, the process exits on quit."""
    commands = b"1 protocol_version\n2 boardsize 9\n3 genmove b\n\xff\xfe\n4 showboard\n5 quit\n"
    proc = subprocess.run([sys.executable, "-m", "go_engine_cli", "gtp", "--player", "random", "--seed", "3"],
                          input=commands, capture_output=True, timeout=120)
    assert proc.returncode == 0
    text = proc.stdout.decode()
    responses = [r + "\n\n" for r in text.split("\n\n") if r]
    replies = [parse_response(r) for r in responses]
    assert [r.id for r in replies] == [1, 2, 3, None, 4, 5]
    assert [r.ok for r in replies] == [True, True, True, False, True, True]


# --- differential vs GNU Go --------------------------------------------------------------------

@needs_gnugo
def test_list_stones_and_is_legal_match_gnugo(gnugo):
    """A 9x9 game with captures and a ko: every point's legality for both colours and the stone
    lists agree with GNU Go after every move."""
    moves = ["b e5", "w e6", "b d6", "w f5", "b f6", "w e4", "b d5", "w d4", "b c4", "w e7",
             "b g6", "w e5", "b a1", "w d7", "b c6", "w j9", "b e6", "w pass", "b b2", "w h8"]
    e = new_engine()
    gnugo.ask("boardsize 9")
    gnugo.ask("clear_board")
    cols = "ABCDEFGHJ"
    for k, mv in enumerate(moves):
        ours = ask(e, f"play {mv}")
        try:
            gnugo.ask(f"play {mv}")
            theirs_ok = True
        except RuntimeError:
            theirs_ok = False
        assert ours.ok == theirs_ok, f"move {k + 1} {mv}"
        for color in ("black", "white"):
            assert ok(e, f"list_stones {color}") == gnugo.ask(f"list_stones {color}"), (k, color)
            for r in range(1, 10):
                for c in cols:
                    v = f"{c}{r}"
                    assert ok(e, f"is_legal {color} {v}") == gnugo.ask(f"is_legal {color} {v}"), (k, color, v)


@needs_gnugo
def test_final_status_and_score_agree_with_gnugo_after_a_game():
    """Random player (black) against GNU Go (white, level 1) to two passes; dead stones and the
    score after removing them agree with GNU Go's judgement."""
    gnugo = GnuGo("--chinese-rules", "--level", "1")
    e = new_engine(seed=7, ownership_playouts=256)
    for cmd in ["boardsize 9", "clear_board", "komi 7.5"]:
        gnugo.ask(cmd)
    passes, color = 0, "b"
    for _ in range(400):
        move = ok(e, "genmove b") if color == "b" else gnugo.ask("genmove w")
        if color == "b":
            gnugo.ask(f"play b {move}")
        else:
            ok(e, f"play w {move}")
        passes = passes + 1 if move.lower() == "pass" else 0
        color = "w" if color == "b" else "b"
        if passes == 2:
            break
    try:
        ours = set(ok(e, "final_status_list dead").split())
        theirs = set(gnugo.ask("final_status_list dead").split())
        assert len(e.game.moves) > 40 and e.game.is_over
        assert ours == theirs
        assert ok(e, "final_score") == gnugo.ask("final_score")
    finally:
        gnugo.close()
