"""``go-engine review``: a golden review of a 60-move 9x9 game with one planted blunder, read
back the way users' tools read it (sgfmill, Sabaki's @sabaki/sgf, a PNG decoder), and the
awkward records (handicap, komi, passes, resignation, broken files).

The fixture ``review_blunder_9.sgf`` is GNU Go self-play (level 10, close: W+2 before the
blunder) except move 50, where white leaves a six-stone chain in atari and plays A2; black
captures and wins by 12. The default player must find move 50 as the game's biggest swing.
"""
from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from sgfmill import sgf as sgfmill_sgf

from tests.conftest import REPO, skip_or_fail

FIXTURE = REPO / "tests" / "fixtures" / "sgf" / "review_blunder_9.sgf"
NODE_DIR = REPO / "tests" / "node"
BLUNDER = 50
COMMENT = re.compile(r"Move (\d+): ([BW]) (\S+)\n[BW] win rate: ([0-9.]+)% before, ([0-9.]+)% after "
                     r"\(loss ([0-9.]+)%\)")


def run_cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "go_engine_cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory) -> Path:
    """The fixture reviewed once by the default player (200 visits a position)."""
    out = tmp_path_factory.mktemp("review")
    done = run_cli("review", str(FIXTURE), "--out", str(out), "--visits", "200", "--seed", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    return out


def main_line(game: sgfmill_sgf.Sgf_game) -> list[sgfmill_sgf.Tree_node]:
    return [node for node in game.get_main_sequence() if node.get_move()[0] is not None]


def test_the_blunder_is_the_top_swing_in_the_summary(reviewed):
    text = (reviewed / "review_blunder_9.review.md").read_text()
    rows = re.findall(r"^\| (\d+) \| (\S+) \| ([0-9.]+)% \|", text, flags=re.M)
    assert len(rows) == 10, text  # five per player
    number, vertex, loss = max(rows, key=lambda r: float(r[2]))
    assert (int(number), vertex) == (BLUNDER, "A2"), text
    others = sorted(float(r[2]) for r in rows if int(r[0]) != BLUNDER)
    assert float(loss) >= 20.0 and float(loss) > others[-1] + 10.0, text
    assert re.search(r"Average win-rate loss per move: [0-9.]+%", text)


def test_the_annotated_sgf_parses_with_sgfmill_and_keeps_the_game(reviewed):
    original = sgfmill_sgf.Sgf_game.from_bytes(FIXTURE.read_bytes())
    game = sgfmill_sgf.Sgf_game.from_bytes((reviewed / "review_blunder_9.review.sgf").read_bytes())
    assert game.get_size() == 9 and game.get_komi() == 7.0
    assert game.get_root().get("RE") == "B+12.0"
    played = [n.get_move() for n in main_line(original)]
    nodes = main_line(game)
    assert [n.get_move() for n in nodes] == played and len(played) == 60
    for k, node in enumerate(nodes, start=1):
        m = COMMENT.search(node.get("C"))
        assert m is not None, node.get("C")
        assert int(m.group(1)) == k and m.group(2) == node.get_move()[0].upper()
        before, after, loss = (float(m.group(i)) for i in (4, 5, 6))
        assert 0.0 <= before <= 100.0 and 0.0 <= after <= 100.0
        assert loss == pytest.approx(max(0.0, before - after), abs=0.11)
    blunder = nodes[BLUNDER - 1]
    assert blunder.get("BM") == 2 and "Blunder" in blunder.get("C")
    # the preferred line hangs beside the blunder: a second child of the node before it
    parent = blunder.parent
    assert len(parent) == 2 and parent[0] is blunder
    variation = parent[1]
    assert variation.get_move()[0] == "w" and "preferred line" in variation.get("C")
    assert variation.get_move()[1] != blunder.get_move()[1]


def test_the_graph_is_a_valid_png(reviewed):
    data = (reviewed / "review_blunder_9.review.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, kinds = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
            assert width >= 400 and height >= 200
        kinds.append(kind)
        pos += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds


def test_the_annotated_sgf_parses_with_sabaki(reviewed):
    if shutil.which("node") is None:
        skip_or_fail("node not installed")
    if not (NODE_DIR / "node_modules" / "@sabaki" / "sgf").is_dir():
        skip_or_fail("tests/node/node_modules missing (run: npm ci --prefix tests/node)")
    done = subprocess.run(["node", str(NODE_DIR / "review_sgf.js"), str(reviewed / "review_blunder_9.review.sgf")],
                          capture_output=True, text=True, timeout=60, cwd=NODE_DIR)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert len(seen["moves"]) == 60
    assert all(m["comment"].startswith(f"Move {k}:") for k, m in enumerate(seen["moves"], start=1))
    assert seen["moves"][BLUNDER - 1]["bm"] == "2" and seen["moves"][BLUNDER - 1]["vertex"] == "ah"  # A2
    assert seen["variations"] >= 1 and "Reviewed by go-engine" in seen["rootComment"]


# --- awkward records, with the rollout search and a tiny budget (the numbers do not matter) ----

HANDICAP_RESIGNED = ("(;FF[4]GM[1]SZ[9]KM[0.5]HA[2]AB[cc][gg]RE[W+R]C[a handicap game]"
                     ";W[ee]C[white's own comment];B[];W[ge];B[cg])")
TWO_PASSES = "(;FF[4]GM[1]SZ[7]KM[-3];B[dd];W[];B[])"


def review_text(tmp_path: Path, text: str, name: str, *more_games: str) -> subprocess.CompletedProcess:
    path = tmp_path / name
    path.write_text(text)
    return run_cli("review", str(path), *more_games, "--player", "mcts", "--visits", "32", "--no-progress")


def test_handicap_komi_passes_and_resignation(tmp_path):
    done = review_text(tmp_path, HANDICAP_RESIGNED, "hc.sgf")
    assert done.returncode == 0, done.stderr
    game = sgfmill_sgf.Sgf_game.from_bytes((tmp_path / "hc.review.sgf").read_bytes())
    root = game.get_root()
    assert root.get("HA") == 2 and game.get_komi() == 0.5 and root.get("RE") == "W+R"
    assert sorted(root.get_setup_stones()[0]) == [(2, 6), (6, 2)]
    assert "a handicap game" in root.get("C")
    nodes = main_line(game)
    assert [n.get_move() for n in nodes] == [("w", (4, 4)), ("b", None), ("w", (4, 6)), ("b", (2, 2))]
    assert nodes[0].get("C").startswith("white's own comment\n\nMove 1: W E5")
    assert COMMENT.search(nodes[1].get("C")).group(3) == "pass"
    summary = (tmp_path / "hc.review.md").read_text()
    assert "handicap 2" in summary and "result W+R" in summary


def test_setup_stones_of_both_colours_and_white_first(tmp_path):
    done = review_text(tmp_path, "(;FF[4]GM[1]SZ[9]KM[6.5]AB[cc][dd]AW[ee]PL[W];W[gg];B[cg])", "setup.sgf")
    assert done.returncode == 0, done.stderr
    game = sgfmill_sgf.Sgf_game.from_bytes((tmp_path / "setup.review.sgf").read_bytes())
    black, white, empty = game.get_root().get_setup_stones()
    assert (black, white, empty) == ({(6, 2), (5, 3)}, {(4, 4)}, set())
    assert game.get_root().get("PL") == "w" and game.get_komi() == 6.5
    assert [n.get_move() for n in main_line(game)] == [("w", (2, 6)), ("b", (2, 2))]


def test_a_game_ended_by_two_passes_is_scored_not_searched(tmp_path):
    done = review_text(tmp_path, TWO_PASSES, "passes.sgf")
    assert done.returncode == 0, done.stderr
    nodes = main_line(sgfmill_sgf.Sgf_game.from_bytes((tmp_path / "passes.review.sgf").read_bytes()))
    # black's last pass ends the game: B's area (49 points) against komi -3 wins, so 100% after
    m = COMMENT.search(nodes[-1].get("C"))
    assert m.group(3) == "pass" and float(m.group(5)) == 100.0


@pytest.mark.parametrize("text, wanted", [
    ("(;FF[4]GM[1]SZ[9];B[ee];W[dd];B[ee])", r"bad\.sgf, game 0, move 3: illegal move B E5"),
    ("(;FF[4]GM[1]SZ[9];B[ee];W[dd];B[zz])", r"bad\.sgf, game 0, move 3: bad move value \[zz\]"),
    ("(;FF[4]GM[1]SZ[9];B[ee];W[dd", r"bad\.sgf, game 0.*malformed SGF"),
])
def test_a_broken_sgf_names_the_file_and_the_move(tmp_path, text, wanted):
    good = tmp_path / "good.sgf"
    good.write_text("(;FF[4]GM[1]SZ[5];B[cc])")
    done = review_text(tmp_path, text, "bad.sgf", str(good))
    assert done.returncode == 1
    assert re.search(wanted, done.stderr), done.stderr
    assert not (tmp_path / "bad.review.sgf").exists()
    assert (tmp_path / "good.review.sgf").exists()  # the other game is still reviewed


def test_a_folder_is_reviewed_game_by_game(tmp_path):
    games = tmp_path / "games"
    games.mkdir()
    (games / "one.sgf").write_text("(;FF[4]GM[1]SZ[5];B[cc];W[bb])")
    (games / "two.sgf").write_text("(;FF[4]GM[1]SZ[5];B[bb])(;FF[4]GM[1]SZ[5];B[dd])")
    out = tmp_path / "out"
    done = run_cli("review", str(games), "--out", str(out), "--player", "mcts", "--visits", "16", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.glob("*.sgf")) == ["one.review.sgf", "two-2.review.sgf", "two.review.sgf"]


def test_the_pass_reuses_the_tree_along_the_main_line():
    """Each search starts from the subtree the previous one grew under the move played: the
    visits it inherits count towards the budget, so it adds fewer than the budget."""
    from go_engine.players.position_analysis import AnalysisBudget
    from go_engine.players.registry import PlayerOptions, make_player
    from go_engine.review.game_review import review_record
    from go_engine.rules.sgf import read_moves

    record = read_moves("(;FF[4]GM[1]SZ[9]KM[7];B[ee];W[cc];B[gc];W[cg];B[gg])")
    player = make_player("mcts", PlayerOptions(seed=1))
    review = review_record(record, player, AnalysisBudget(visits=400))
    assert len(review.positions) == 6 and len(review.moves) == 5
    first, later = review.positions[0], review.positions[1:]
    assert first.simulations == 400 and first.root_visits == 400
    assert all(p.root_visits >= 400 for p in later)
    assert any(p.simulations < 400 for p in later)  # some of the budget came with the tree
