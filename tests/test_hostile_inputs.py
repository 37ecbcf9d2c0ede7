"""Bad input loses nothing: long games in linear memory, broken lines of an ``.sgfs`` counted and
skipped, a stopped match that leaves no engine behind, settings and engines checked before the
first game, killed writes that leave no debris, and loads that name the file they refuse.

Memory is checked with ``tracemalloc`` (NumPy reports its buffers to it), never with timings.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from go_engine.atomic_io import write_atomic, write_text_atomic
from go_engine.gtp.engine import EngineConfig, GtpEngine
from go_engine.match.gtp_client import GtpClient, GtpProtocolError
from go_engine.match.runner import MatchConfig, MatchError, MatchRunner
from go_engine.rules import game as game_module
from go_engine.rules import sgf as sgf_module
from go_engine.rules.game import Game, GameTooLong
from go_engine.rules.position import IllegalMove
from go_engine.rules.sgf import game_to_sgf

FAKE_ENGINE = Path(__file__).resolve().parent / "fake_gtp_engine.py"
PASSER = textwrap.dedent("""\
    import sys
    for raw in sys.stdin:
        parts = raw.split()
        cmd_id, name = (parts[0], parts[1]) if parts[0].isdigit() else ("", parts[0])
        body = {"name": "Passer", "version": "1", "genmove": "pass"}.get(name, "")
        sys.stdout.write(f"={cmd_id} {body}\\n\\n")
        sys.stdout.flush()
        if name == "quit":
            break
""")


def peak_bytes(run) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def passes_sgf(moves: int, n: int = 19) -> str:
    return f"(;GM[1]FF[4]SZ[{n}]KM[7.5]" + "".join(";B[]" if k % 2 == 0 else ";W[]" for k in range(moves)) + ")"


def gtp(engine: GtpEngine, line: str) -> str:
    return engine.handle_line(line) or ""


# --- 1. long games ----------------------------------------------------------------------------

def test_undo_history_grows_linearly_not_with_the_square_of_the_game():
    game = Game(19)
    game.play(game.pass_point)  # compile and warm up outside the measurement
    game.undo()

    def play_passes():
        for _ in range(3000):
            game.play(game.pass_point)

    # a Position copy per move (with its whole hash history) took ~80 MB here
    assert peak_bytes(play_passes) < 8_000_000
    for _ in range(3000):
        game.undo()
    assert not game.moves and game.position.ply == 0


def test_undo_restores_exact_arrays_after_captures_and_superko_stays_exact():
    game = Game(5)
    rng = np.random.default_rng(3)
    snapshots = []
    while len(snapshots) < 400:
        pos = game.position
        snap = (pos.color.copy(), pos.links.copy(), pos.info.copy(), pos.hash)
        try:
            game.play(int(rng.integers(0, 26)))
        except IllegalMove:
            continue
        snapshots.append(snap)
    while snapshots:
        color, links, info, h = snapshots.pop()
        game.undo()
        assert np.array_equal(game.position.color, color) and np.array_equal(game.position.links, links)
        assert np.array_equal(game.position.info, info) and game.position.hash == h
    # 2x2: the 7th move would repeat the position after move 1 (a lone black stone)
    cycle = Game(2)
    for p in (0, 3, 1, 2, 0, 1):
        cycle.play(p)
    with pytest.raises(IllegalMove):
        cycle.play(0)


def test_a_game_past_the_move_cap_is_refused_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(game_module, "MAX_GAME_MOVES", 6)
    game = Game(9)
    for _ in range(6):
        game.play(game.pass_point)
    with pytest.raises(GameTooLong, match="at most 6 moves"):
        game.play(game.pass_point)
    assert len(game.moves) == 6
    engine = GtpEngine(EngineConfig(size=9, player="random"))
    for k in range(6):
        assert gtp(engine, f"play {'bw'[k % 2]} pass").startswith("=")
    assert gtp(engine, "play b pass").startswith("? game too long")
    assert gtp(engine, "genmove b").startswith("? game too long")
    assert gtp(engine, "name").startswith("= go-engine")


def test_loadsgf_of_a_100000_move_game_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "passes.sgf"
    path.write_text(passes_sgf(100_000))
    engine = GtpEngine(EngineConfig(size=19, player="random"))
    gtp(engine, "loadsgf /nonexistent.sgf")  # warm up the imports outside the measurement
    answer: list[str] = []
    peak = peak_bytes(lambda: answer.append(gtp(engine, f"loadsgf {path}")))
    assert answer[0].startswith("? cannot load file") and "more than" in answer[0]
    assert peak < 60_000_000  # sgfmill's tree of it took 22 GB of undo copies after parsing
    assert gtp(engine, "play b D4").startswith("=")


def test_gtp_play_of_3000_passes_stays_small():
    engine = GtpEngine(EngineConfig(size=19, player="random"))
    gtp(engine, "play b pass")
    gtp(engine, "undo")

    def plays():
        for k in range(3000):
            assert gtp(engine, f"play {'bw'[k % 2]} pass").startswith("=")

    assert peak_bytes(plays) < 8_000_000


def test_loadsgf_move_number_uses_the_undo_log(tmp_path):
    path = tmp_path / "g.sgf"
    path.write_text("(;GM[1]SZ[9];B[ee];W[ce];B[cc];W[gg])")
    engine = GtpEngine(EngineConfig(size=9, player="random"))
    assert gtp(engine, f"loadsgf {path} 3").startswith("=")
    assert len(engine.game.moves) == 2
    engine.game.position.check_consistency()


# --- 2. .sgfs files with a broken line --------------------------------------------------------

def random_game_lines(count: int, n: int = 9, moves: int = 30) -> list[str]:
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(count):
        game = Game(n)
        while len(game.moves) < moves:
            try:
                game.play(int(rng.integers(0, n * n)))
            except IllegalMove:
                pass
        lines.append(game_to_sgf(game, result="B+1").replace("\n", ""))
    return lines


@pytest.fixture(scope="module")
def sgfs_with_two_bad_lines(tmp_path_factory) -> Path:
    good = random_game_lines(40)
    lines = good[:5] + [good[5][: len(good[5]) // 2]] + good[5:20] + ["("] + good[20:]
    path = tmp_path_factory.mktemp("sgfs") / "games.sgfs"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_data_build_keeps_40_games_and_counts_2_broken_lines(sgfs_with_two_bad_lines, tmp_path):
    from go_engine.training.data_build import build_shards
    summary = build_shards([str(sgfs_with_two_bad_lines)], tmp_path / "shards", progress=False)
    assert summary["games_used"] == 40
    assert sum(summary["games_skipped"].values()) == 2


def test_eval_policy_reads_40_games_and_counts_2_broken_lines(sgfs_with_two_bad_lines):
    from go_engine.training.eval_policy import shardset_from_sgf
    _, info = shardset_from_sgf([str(sgfs_with_two_bad_lines)])
    assert info["games"] == 40 and sum(info["skipped"].values()) == 2


# --- 3. the match harness ---------------------------------------------------------------------

def write_script(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return f"{sys.executable} {path}"


def hanging_engine(folder: Path) -> str:
    """Answers setup and a genmove on an empty board (the start-up check), then on a genmove
    after a ``play`` (in a game) starts a helper (its pid goes to pids.txt) and hangs."""
    return write_script(folder, "hang.py", f"""\
        import os, subprocess, sys, time
        with open({str(folder / 'pids.txt')!r}, "a") as f:
            f.write(f"{{os.getpid()}}\\n")
        played = False
        for raw in sys.stdin:
            parts = raw.split()
            cmd_id, name = (parts[0], parts[1]) if parts[0].isdigit() else ("", parts[0])
            played = played or name == "play"
            if name == "genmove" and played:
                child = subprocess.Popen(["sleep", "300"])
                with open({str(folder / 'pids.txt')!r}, "a") as f:
                    f.write(f"{{child.pid}}\\n")
                time.sleep(300)
            sys.stdout.write(f"={{cmd_id}} {{'Hang' if name == 'name' else ''}}\\n\\n")
            sys.stdout.flush()
        """)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its parent's wait is missing


def test_sigterm_to_go_engine_match_stops_every_engine(tmp_path):
    engine = write_script(tmp_path, "passer.py", PASSER)
    opponent = hanging_engine(tmp_path)
    out = tmp_path / "match"
    proc = subprocess.Popen(
        [sys.executable, "-m", "go_engine_cli", "match", "--engine", engine, "--opponent", opponent,
         "--games", "2", "--size", "5", "--referee", "", "--quiet", "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    pids_file = tmp_path / "pids.txt"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the start-up check's process, then the game's and its helper
        pids = [int(x) for x in pids_file.read_text().split()] if pids_file.exists() else []
        if len(pids) >= 3 or proc.poll() is not None:
            break
        time.sleep(0.1)
    assert len(pids) >= 3, proc.stderr.read().decode() if proc.poll() is not None else pids
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
    time.sleep(0.2)
    survivors = [p for p in pids if alive(p)]
    for p in survivors:
        os.kill(p, signal.SIGKILL)
    assert not survivors
    assert b"terminated" in proc.stderr.read()


def test_gtp_client_kill_ends_the_engines_helpers(tmp_path):
    client = GtpClient(hanging_engine(tmp_path))
    client.send("play w pass")
    with pytest.raises(Exception):
        client.send("genmove b", timeout=3)
    pids = [int(x) for x in (tmp_path / "pids.txt").read_text().split()]
    client.kill()
    time.sleep(0.2)
    assert len(pids) == 2 and not [p for p in pids if alive(p)]


def test_a_line_without_end_is_a_protocol_error_in_bounded_memory(tmp_path):
    flood = write_script(tmp_path, "flood.py", """\
        import sys
        for raw in sys.stdin:
            chunk = b"x" * (1 << 20)
            for _ in range(48):
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.write(b"\\n\\n")
            sys.stdout.flush()
        """)
    caught: list[Exception] = []

    def ask() -> None:
        with GtpClient(flood) as client:
            try:
                client.send("name", timeout=60)
            except GtpProtocolError as e:
                caught.append(e)

    peak = peak_bytes(ask)
    assert caught and "longer than" in str(caught[0])
    assert peak < 16_000_000  # the old reader held the whole 48 MB line


@pytest.mark.parametrize("komi", [float("nan"), 1e308, float("inf")])
def test_bad_komi_is_refused_before_the_first_game_and_a_rerun_works(tmp_path, komi):
    engine = f"{sys.executable} {FAKE_ENGINE} --no-board"
    with pytest.raises(MatchError, match="komi"):
        MatchRunner(MatchConfig(engine=engine, opponent=engine, games=1, size=5, komi=komi),
                    tmp_path, progress=False).run()
    assert not (tmp_path / "results.jsonl").exists() and not (tmp_path / "match.json").exists()
    old = os.umask(0o022)
    try:
        records = MatchRunner(MatchConfig(engine=engine, opponent=engine, games=1, size=5, komi=7.5,
                                          referee=None), tmp_path, progress=False).run()
    finally:
        os.umask(old)
    assert len(records) == 1
    for name in ("match.json", "results.jsonl", "game_0000.sgf"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644, name


@pytest.mark.parametrize("failing", ["clear_board", "genmove"])  # weights loaded at once / lazily
def test_an_engine_that_cannot_set_up_is_refused_before_the_first_game(tmp_path, failing):
    broken = write_script(tmp_path, "broken.py", """\
        import sys
        for raw in sys.stdin:
            parts = raw.split()
            cmd_id, name = (parts[0], parts[1]) if parts[0].isdigit() else ("", parts[0])
            if name == sys.argv[1]:
                sys.stdout.write(f"?{cmd_id} cannot load weights /x/policy.npz: damaged\\n\\n")
            else:
                sys.stdout.write(f"={cmd_id} {'Broken' if name == 'name' else ''}\\n\\n")
            sys.stdout.flush()
        """)
    good = f"{sys.executable} {FAKE_ENGINE} --no-board"
    with pytest.raises(MatchError, match="cannot load weights /x/policy.npz"):
        MatchRunner(MatchConfig(engine=f"{broken} {failing}", opponent=good, games=2, size=5, referee=None),
                    tmp_path, progress=False).run()
    assert not (tmp_path / "results.jsonl").exists()
    records = MatchRunner(MatchConfig(engine=good, opponent=good, games=1, size=5, referee=None),
                          tmp_path, progress=False).run()
    assert len(records) == 1 and records[0]["reason"] != "setup"


# --- 4. atomic writes ---------------------------------------------------------------------------

def test_killed_writes_leave_no_temp_file_after_the_next_write(tmp_path):
    target = tmp_path / "ckpt-00000001.npz"
    writer = textwrap.dedent(f"""\
        import sys, time
        from go_engine.atomic_io import write_atomic
        def slow(handle):
            handle.write(b"x" * 100000)
            handle.flush()
            print("writing", flush=True)
            time.sleep(60)
        write_atomic({str(target)!r}, slow)
        """)
    for _ in range(20):
        proc = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE)
        assert proc.stdout.readline() == b"writing\n"
        proc.kill()
        proc.wait()
    assert list(tmp_path.glob("*.tmp"))  # the last killed write's (each write cleans earlier ones)
    write_atomic(target, lambda handle: np.savez(handle, a=np.arange(3)))
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_a_folder_sweep_removes_dead_writers_temps_whose_target_is_never_written_again(tmp_path):
    from go_engine.atomic_io import remove_dead_temps_in
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that no longer runs: a worker killed mid-write
    for name in ("w0000-000001.npz", "w0001-000003.npz"):
        (tmp_path / f".{name}.{dead.pid}-q1.tmp").write_bytes(b"half")
    mine = tmp_path / f".w0002-000001.npz.{os.getpid()}-z9.tmp"
    mine.write_bytes(b"in progress")
    (tmp_path / "w0002-000000.npz").write_bytes(b"done")
    removed = remove_dead_temps_in(tmp_path)
    assert len(removed) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, "w0002-000000.npz"])


def test_a_live_writers_temp_file_is_left_alone(tmp_path):
    target = tmp_path / "x.json"
    mine = tmp_path / f".x.json.{os.getpid()}-abc.tmp"
    mine.write_text("in progress")
    write_text_atomic(target, "{}")
    assert mine.exists() and target.read_text() == "{}"


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_atomic_writes_get_the_mode_open_would_give(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_text_atomic(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == mode


def test_policy_export_uses_a_unique_temp_file_and_fsyncs(tmp_path, monkeypatch):
    from go_engine.nets.weights import load_weight_file, save_weight_file
    target = tmp_path / "policy.npz"
    squatter = tmp_path / "policy.npz.tmp"  # the old fixed temp name: never written or removed
    squatter.write_text("someone else's")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    save_weight_file(target, "config_json", "{}", {"params": {"w": np.ones(3)}})
    assert synced and squatter.read_text() == "someone else's"
    _, variables, _ = load_weight_file(target, "config_json", "policy")
    assert np.array_equal(variables["params"]["w"], np.ones(3))


# --- 5. smaller ---------------------------------------------------------------------------------

def test_loadsgf_of_a_fifo_answers_at_once(tmp_path):
    fifo = tmp_path / "game.sgf"
    os.mkfifo(fifo)
    engine = GtpEngine(EngineConfig(size=9, player="random"))
    answer: list[str] = []
    worker = threading.Thread(target=lambda: answer.append(gtp(engine, f"loadsgf {fifo}")), daemon=True)
    worker.start()
    worker.join(30)
    if worker.is_alive():  # unblock the reader so the test run can go on
        with open(fifo, "wb"):
            pass
        worker.join(5)
        pytest.fail("loadsgf blocked on a FIFO")
    assert answer[0].startswith("? cannot load file") and "not a regular file" in answer[0]


def test_weight_errors_name_the_path_and_never_say_pickle(tmp_path):
    from go_engine.nets.weights import load_policy_weights
    text = tmp_path / "weights.npz"
    text.write_text("these are not weights\n")
    cut = tmp_path / "cut.npz"
    np.savez(cut, a=np.ones(1000))
    cut.write_bytes(cut.read_bytes()[:300])
    for path in (text, cut, tmp_path):
        with pytest.raises(ValueError) as err:
            load_policy_weights(path)
        assert str(path) in str(err.value) and "pickle" not in str(err.value)


def test_gtp_names_a_broken_weight_file_not_an_internal_error(tmp_path):
    from go_engine.players.registry import PlayerOptions
    path = tmp_path / "nan.npz"
    np.savez(path, config_json=np.array("{}"), **{"params/w": np.array([1.0, np.nan], dtype=np.float32)})
    engine = GtpEngine(EngineConfig(size=9, player="policy", player_options=PlayerOptions(extra={"weights": str(path)})))
    out: list[str] = []
    engine.run_line(b"genmove b", out.append, lambda: False)
    reply = "".join(out)
    assert reply.startswith("? ") and str(path) in reply and "NaN" in reply and "internal error" not in reply
    out.clear()
    engine.run_line(b"name", out.append, lambda: False)  # and the engine goes on
    assert "".join(out).startswith("= ")


def test_weights_holding_nan_are_refused_at_load_with_the_path(tmp_path):
    from go_engine.nets.weights import load_weight_file
    path = tmp_path / "nan.npz"
    np.savez(path, config_json=np.array("{}"), **{"params/w": np.array([1.0, np.nan], dtype=np.float32)})
    with pytest.raises(ValueError, match="NaN") as err:
        load_weight_file(path, "config_json", "policy")
    assert str(path) in str(err.value)


@pytest.mark.parametrize("line", ["komi 7_5", "komi nan", "komi infinity", "komi 1e999", "komi ٧",
                                  "komi 0x10", "time_left black 1_0 0", "kgs-time_settings absolute 1_0"])
def test_gtp_numbers_are_parsed_strictly(line):
    engine = GtpEngine(EngineConfig(size=9, player="random"))
    assert gtp(engine, line).startswith("? syntax error")
    assert gtp(engine, "komi 6.5") == "=\n\n" and engine.komi == 6.5


def test_sgf_record_over_the_node_cap_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(sgf_module, "MAX_SGF_NODES", 50)
    with pytest.raises(sgf_module.SGFError) as err:
        sgf_module.load_sgf(passes_sgf(60, 9))
    assert err.value.reason == "too long"
    # 49 nodes and 3 semicolons inside a comment: counted past the value, so accepted
    assert len(sgf_module.load_sgf("(;SZ[9]C[a;b;c;d]" + ";B[]" * 48 + ")").game.moves) == 48
