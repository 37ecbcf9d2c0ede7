"""SGF reading/writing and archive streaming (``go_engine.rules.sgf``)."""
from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sgfmill import sgf as sgfmill_sgf

from go_engine.rules.coords import vertex_to_point
from go_engine.rules.game import Game
from go_engine.rules.position import BLACK, WHITE
from go_engine.rules.sgf import (
    DEFAULT_KOMI_EVEN, DEFAULT_KOMI_HANDICAP, ArchiveStats, SGFError, game_to_sgf, iter_games,
    iter_moves, iter_sgf_texts, load_sgf, load_sgf_file, read_moves, save_sgf, split_sgf_games,
)

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sgf"

HANDICAP_GAME = """(;GM[1]FF[4]CA[UTF-8]SZ[9]KM[0.5]HA[2]AB[gc][cg]RU[Japanese]
PB[Black Player]BR[3d]PW[White Player]WR[5d]DT[2026-11-28]RE[W+2.5]
C[a root comment];W[ee]C[tengen];B[gg];W[cc];B[];W[tt])"""


# --- loading -------------------------------------------------------------------------------

def test_load_handicap_game_with_komi_passes_result_and_metadata():
    rec = load_sgf(HANDICAP_GAME, "hand.sgf")
    g = rec.game
    assert (g.n, g.komi, rec.komi, rec.handicap) == (9, 0.5, 0.5, 2)
    assert sorted(g.handicap) == sorted([vertex_to_point("G7", 9), vertex_to_point("C3", 9)])
    assert (rec.black, rec.white, rec.black_rank, rec.white_rank) == (
        "Black Player", "White Player", "3d", "5d")
    assert (rec.result, rec.winner, rec.rules, rec.date) == ("W+2.5", WHITE, "Japanese", "2026-11-28")
    assert rec.comments == {0: "a root comment", 1: "tengen"}
    assert rec.source == "hand.sgf" and rec.index == 0 and not rec.komi_missing
    pass9 = 81
    assert [(m.color, m.point) for m in g.moves] == [
        (WHITE, vertex_to_point("E5", 9)), (BLACK, vertex_to_point("G3", 9)),
        (WHITE, vertex_to_point("C7", 9)), (BLACK, pass9), (WHITE, pass9)]  # tt is a pass on 9x9
    assert g.is_over
    assert g.position.to_ascii(coordinates=False) == "\n".join([
        ". . . . . . . . .",
        ". . . . . . . . .",
        ". . O . . . X . .",
        ". . . . . . . . .",
        ". . . . O . . . .",
        ". . . . . . . . .",
        ". . X . . . X . .",
        ". . . . . . . . .",
        ". . . . . . . . ."])


@pytest.mark.parametrize("sgf_point, vertex", [("aa", "A19"), ("sa", "T19"), ("as", "A1"),
                                               ("ss", "T1"), ("dp", "D4"), ("pd", "Q16")])
def test_sgf_coordinates_map_to_points_with_row_zero_at_the_top(sgf_point, vertex):
    rec = load_sgf(f"(;SZ[19];B[{sgf_point}])")
    assert rec.game.moves[0].point == vertex_to_point(vertex, 19)
    assert load_sgf("(;SZ[19];B[aa])").game.moves[0].point == 0
    # and back: the writer uses the same letters, and sgfmill agrees (its row 0 is the bottom)
    text = game_to_sgf(rec.game)
    assert f";B[{sgf_point}]" in text
    row, col = sgfmill_sgf.Sgf_game.from_string(text).get_main_sequence()[1].get_move()[1]
    assert (18 - row) * 19 + col == vertex_to_point(vertex, 19)


def test_tt_is_a_point_on_boards_larger_than_19():
    rec = load_sgf("(;SZ[21];B[tt];W[])")
    assert rec.game.moves[0].point == 19 * 21 + 19
    assert rec.game.moves[1].point == 21 * 21


def test_missing_komi_gets_a_documented_default():
    even = load_sgf("(;SZ[9];B[ee])")
    assert even.komi_missing and even.komi == even.game.komi == DEFAULT_KOMI_EVEN
    handicap = load_sgf("(;SZ[9]HA[2]AB[cc][gg];W[ee])")
    assert handicap.komi == DEFAULT_KOMI_HANDICAP and handicap.handicap == 2
    assert load_sgf("(;SZ[9];B[ee])", default_komi=6.5).komi == 6.5


def test_black_setup_without_ha_and_white_first_is_a_handicap():
    rec = load_sgf("(;SZ[9]AB[cc][gg];W[ee])")
    assert rec.handicap == 2 and rec.game.handicap
    assert rec.game.moves[0].color == WHITE


def test_general_setup_stones_and_player_to_move():
    rec = load_sgf("(;SZ[9]AB[aa][bb]AW[cc]PL[W])")
    pos = rec.game.position
    assert pos.stones(BLACK) == [0, 10] and pos.stones(WHITE) == [20]
    assert pos.to_play == WHITE and rec.handicap == 0 and not rec.game.handicap
    again = load_sgf(game_to_sgf(rec.game))
    assert again.game.position.board().tolist() == pos.board().tolist()
    assert again.game.position.to_play == WHITE


def test_out_of_turn_moves_keep_their_color():
    rec = load_sgf("(;SZ[9];B[aa];B[bb];W[cc];W[dd])")
    assert [m.color for m in rec.game.moves] == [BLACK, BLACK, WHITE, WHITE]
    assert load_sgf(game_to_sgf(rec.game)).game.moves == rec.game.moves


def test_utf8_without_ca_and_other_charsets_decode():
    assert load_sgf("(;SZ[9]PB[李昌镐];B[aa])".encode("utf-8")).black == "李昌镐"
    gb = "(;CA[GB2312]SZ[9]PW[聂卫平];B[aa])".encode("gb2312")
    assert load_sgf(gb).white == "聂卫平"


def test_result_winner():
    assert load_sgf("(;SZ[9]RE[B+R])").winner == BLACK
    assert load_sgf("(;SZ[9]RE[0])").winner is None
    assert load_sgf("(;SZ[9]RE[Void])").winner is None
    assert load_sgf("(;SZ[9])").result is None


# --- errors --------------------------------------------------------------------------------

def test_malformed_sgf_names_file_game_and_move():
    with pytest.raises(SGFError) as err:
        load_sgf("(;SZ[9];B[aa];W[bb];B[cc]", "broken.sgf", 7)  # cut off after move 3
    assert "broken.sgf" in str(err.value) and "game 7" in str(err.value)
    assert "move 4" in str(err.value) and err.value.reason == "parse"
    with pytest.raises(SGFError, match=r"broken\.sgf, game 2, move 2: bad move value \[zz\]"):
        load_sgf("(;SZ[9];B[aa];W[zz];B[cc])", "broken.sgf", 2)
    with pytest.raises(SGFError, match="no SGF data"):
        load_sgf("not an sgf", "x.sgf")


def test_illegal_move_on_an_occupied_point_names_the_move():
    with pytest.raises(SGFError) as err:
        load_sgf("(;SZ[9];B[ee];W[dd];B[cc];W[ee])", "occupied.sgf", 3)
    e = err.value
    assert (e.source, e.index, e.move, e.reason) == ("occupied.sgf", 3, 4, "illegal")
    assert "occupied.sgf, game 3, move 4" in str(e) and "occupied" in str(e)


@pytest.mark.parametrize("text, reason", [
    ("(;SZ[1])", "size"), ("(;SZ[40])", "size"), ("(;SZ[9]KM[abc])", "property"),
    ("(;GM[2])", "property"), ("(;SZ[9];B[aa]W[bb])", "parse"),
    ("(;SZ[9];B[aa];AB[cc])", "setup"), ("(;SZ[9]AB[aa][ba]AW[ab][bb][ca])", "setup"),
    ("(;SZ[3];B[ba];W[cc];B[ab];W[aa])", "illegal"),  # suicide at A3
])
def test_bad_games_raise_sgf_error_with_a_reason(text, reason):
    with pytest.raises(SGFError) as err:
        load_sgf(text, "bad.sgf")
    assert err.value.reason == reason and "bad.sgf" in str(err.value)


def test_superko_check_can_be_turned_off():
    # 2x2: B A2 repeats the position after move 1 (a lone black stone) by capturing 3 stones
    text = "(;SZ[2];B[aa];W[bb];B[ba];W[ab];B[aa];W[ba];B[aa])"
    with pytest.raises(SGFError) as err:
        load_sgf(text, "cycle.sgf")
    assert err.value.reason == "superko" and err.value.move == 7
    rec = load_sgf(text, check_superko=False)
    assert len(rec.game.moves) == 7 and rec.game.position.stones(BLACK) == [0]
    rec.game.undo()  # the undo history stays usable
    assert len(rec.game.moves) == 6


# --- writing -------------------------------------------------------------------------------

def test_written_sgf_has_standard_root_and_reads_back():
    g = Game(9, 7.0)
    g.set_fixed_handicap(3)
    for v in ("E5", "pass", "C4"):
        g.play(vertex_to_point(v, 9) if v != "pass" else 81)
    text = game_to_sgf(g, result="W+R", black="b", white="w", comments={1: "first", 3: "x]y"},
                       root_comment="hello")
    assert text.startswith("(;FF[4]") and "GM[1]" in text and "SZ[9]" in text
    assert "KM[7]" in text and "HA[3]" in text and "RU[Chinese]" in text and "RE[W+R]" in text
    assert ";B[]" in text and "AP[go-engine" in text
    sg = sgfmill_sgf.Sgf_game.from_string(text)
    assert sg.get_handicap() == 3 and sg.get_komi() == 7.0
    seq = sg.get_main_sequence()
    assert [n.get_move() for n in seq[1:]] == [("w", (4, 4)), ("b", None), ("w", (3, 2))]
    rec = load_sgf(text)
    assert rec.comments == {0: "hello", 1: "first", 3: "x]y"}
    assert rec.game.moves == g.moves and sorted(rec.game.handicap) == sorted(g.handicap)


def test_save_sgf_is_atomic_and_loadable(tmp_path):
    g = Game(9)
    g.play(40)
    target = tmp_path / "out.sgf"
    save_sgf(target, g, result="B+1")
    assert [p.name for p in tmp_path.iterdir()] == ["out.sgf"]
    assert load_sgf_file(target).game.moves == g.moves


@st.composite
def random_games(draw):
    n = draw(st.sampled_from([5, 7]))
    game = Game(n, draw(st.sampled_from([0.5, 6.5, 7.0])))
    if n == 7 and draw(st.booleans()):
        game.set_fixed_handicap(2)
    for choice in draw(st.lists(st.integers(0, 10_000), max_size=60)):
        legal = [p for p in range(n * n + 1) if game.position.is_legal(p)]
        game.play(legal[choice % len(legal)])
        if game.is_over:
            break
    return game


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_games())
def test_round_trip_keeps_moves_and_positions(game):
    text = game_to_sgf(game, result=game.result_string())
    rec = load_sgf(text)
    assert rec.game.n == game.n and rec.game.komi == game.komi
    assert rec.game.moves == game.moves and sorted(rec.game.handicap) == sorted(game.handicap)
    assert rec.game.position.board().tolist() == game.position.board().tolist()
    assert rec.game.position.hash == game.position.hash
    assert rec.result == game.result_string()
    # sgfmill reads the same moves
    seq = sgfmill_sgf.Sgf_game.from_string(text).get_main_sequence()
    n = game.n
    got = []
    for node in seq[1:]:
        colour, rc = node.get_move()
        got.append((colour, n * n if rc is None else (n - 1 - rc[0]) * n + rc[1]))
    assert got == [("b" if m.color == BLACK else "w", m.point) for m in game.moves]


# --- archives ------------------------------------------------------------------------------

GOOD = ["(;GM[1]SZ[9]KM[7];B[ee];W[cc];B[gg])",
        "(;GM[1]SZ[9]KM[7]RE[B+R];B[cc];W[];B[])",
        "(;GM[1]SZ[9]KM[5.5]C[parens ( ) and \\] inside];B[aa])"]
BROKEN = "(;GM[1]SZ[9];B[ee];W[ee])"  # move 2 on an occupied point
SGFS = ("\n".join([GOOD[0], BROKEN, GOOD[1], GOOD[2]]) + "\n").encode("utf-8")


def _add_tar_member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def test_split_handles_multiline_collections_and_chunk_boundaries():
    collection = b"junk before\n(;SZ[9]C[a (tricky\n] \\] comment\\\\];B[aa]\n(;B[bb])(;W[cc]))\n(;SZ[9];W[dd])"
    expected = [collection[collection.index(b"(;SZ[9]C"):collection.index(b"\n(;SZ[9];W")],
                b"(;SZ[9];W[dd])"]
    assert list(split_sgf_games([collection])) == expected
    one_byte_chunks = [collection[i:i + 1] for i in range(len(collection))]
    assert list(split_sgf_games(one_byte_chunks)) == expected
    assert list(split_sgf_games([b"(;SZ[9];B[aa]"])) == [b"(;SZ[9];B[aa]"]  # cut off: still yielded


@pytest.mark.parametrize("kind", ["tar.xz", "zip", "dir"])
def test_archive_iterates_lazily_and_skips_the_broken_game(tmp_path, kind):
    single = GOOD[0].encode()
    if kind == "tar.xz":
        path = tmp_path / "games.tar.xz"
        with tarfile.open(path, "w:xz") as tar:
            _add_tar_member(tar, "set/games.sgfs", SGFS)
            _add_tar_member(tar, "set/one.sgf", single)
            _add_tar_member(tar, "set/README.txt", b"not a game")
    elif kind == "zip":
        path = tmp_path / "games.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("set/games.sgfs", SGFS)
            zf.writestr("set/one.sgf", single)
            zf.writestr("set/README.txt", b"not a game")
    else:
        path = tmp_path / "tree"
        (path / "sub").mkdir(parents=True)
        (path / "games.sgfs").write_bytes(SGFS)
        (path / "sub" / "one.sgf").write_bytes(single)
        (path / "README.txt").write_bytes(b"not a game")
    stats = ArchiveStats()
    it = iter_games(path, stats)
    first = next(it)
    assert stats.games_read == 1  # nothing read ahead
    assert first.game.moves[0].point == 40 and first.index == 0
    rest = list(it)
    assert len(rest) == 3 and stats.games_read == 5 and stats.games_ok == 4
    assert dict(stats.skipped) == {"illegal": 1}
    assert "games.sgfs, game 1, move 2" in stats.errors[0]
    sources = {(r.source.rsplit("/", 1)[-1], r.index) for r in [first, *rest]}
    assert sources == {("games.sgfs", 0), ("games.sgfs", 2), ("games.sgfs", 3), ("one.sgf", 0)}
    moves = list(iter_moves(path))  # the fast path does not replay, so it keeps the broken game
    assert len(moves) == 5 and moves[1].moves == ((BLACK, 40), (WHITE, 40))


def test_broken_archive_member_is_counted_not_fatal(tmp_path):
    path = tmp_path / "damaged.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.sgfs", SGFS * 50)
        zf.writestr("b.sgf", GOOD[0])
    data = bytearray(path.read_bytes())
    start = data.index(b"a.sgfs") + len(b"a.sgfs") + 40  # inside a.sgfs's compressed bytes
    data[start:start + 30] = bytes(30)
    path.write_bytes(bytes(data))
    stats = ArchiveStats()
    games = list(iter_games(path, stats))
    assert stats.skipped["archive"] == 1 and "a.sgfs" in stats.errors[-1]
    assert any(g.source.endswith("b.sgf") for g in games)  # the next member still loads

    truncated = tmp_path / "cut.tar.gz"
    with tarfile.open(truncated, "w:gz") as tar:
        _add_tar_member(tar, "big.sgfs", SGFS * 2000)
    truncated.write_bytes(truncated.read_bytes()[:-200])
    stats = ArchiveStats()
    games = list(iter_games(truncated, stats))
    assert stats.skipped["archive"] == 1 and len(games) > 0


def test_iter_sgf_texts_yields_bytes_with_sources(tmp_path):
    f = tmp_path / "c.sgf"
    f.write_bytes(b"(;SZ[9];B[aa])\n(;SZ[9];W[bb])")
    assert list(iter_sgf_texts(f)) == [(str(f), 0, b"(;SZ[9];B[aa])"), (str(f), 1, b"(;SZ[9];W[bb])")]
    assert load_sgf_file(f, index=1).game.moves[0].color == WHITE
    with pytest.raises(FileNotFoundError):
        list(iter_sgf_texts(tmp_path / "missing.sgf"))


def test_read_moves_matches_load_sgf():
    rec = read_moves(HANDICAP_GAME)
    full = load_sgf(HANDICAP_GAME)
    assert [(m.color, m.point) for m in full.game.moves] == list(rec.moves)
    assert rec.black_setup == tuple(sorted(full.game.handicap)) and rec.white_setup == ()
    assert rec.first_to_play == WHITE and rec.is_black_handicap


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="no SGF fixtures")
def test_fixture_files_load():
    stats = ArchiveStats()
    games = list(iter_games(FIXTURES, stats))
    assert len(games) == 6 and stats.games_ok == stats.games_read, stats.errors


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"shared data not found at {SHARED_DATA}")
@pytest.mark.parametrize("archive", ["sgf9/cgos9.tar.xz", "sgf19/foxpro.tar.xz"])
def test_first_200_games_of_the_shared_archives_load(archive):
    path = SHARED_DATA / archive
    if not path.exists():
        pytest.skip(f"{path} absent")
    stats = ArchiveStats()
    games = []
    for rec in iter_games(path, stats):
        games.append(rec)
        if len(games) == 200:
            break
    assert len(games) == 200 and stats.games_read == 200, stats.summary()
    assert not stats.skipped, stats.errors
    size = 9 if archive.startswith("sgf9") else 19
    assert all(g.game.n == size and g.winner in (BLACK, WHITE, None) for g in games)
    assert all(len(g.game.moves) >= (20 if size == 9 else 50) for g in games)


def test_fixture_main_line_skips_variations():
    rec = load_sgf_file(FIXTURES / "handicap4_variations.sgf")
    assert rec.handicap == 4 and len(rec.game.handicap) == 4 and rec.komi == 0.5
    assert [m.point for m in rec.game.moves][:4] == [
        vertex_to_point(v, 19) for v in ("R14", "O16", "R10", "R12")]
    assert rec.game.is_over and rec.winner == BLACK and rec.comments[4] == "main line continues"
    assert not any("variation" in c for c in rec.comments.values())
    second = load_sgf_file(FIXTURES / "collection.sgf", index=1)
    assert second.game.n == 13 and second.result == "0" and len(second.game.moves) == 4


def test_mis_encoded_names_and_comments_do_not_cost_the_game():
    rec = load_sgf(b"(;CA[UTF-8]SZ[9]PB[\xff\xfeab]RE[B+R];B[aa]C[bad \xff byte])")
    assert rec.black == "\ufffd\ufffdab" and rec.comments[1] == "bad \ufffd byte"
    assert rec.winner == BLACK and len(rec.game.moves) == 1
