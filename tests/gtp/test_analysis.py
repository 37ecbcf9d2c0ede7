"""Live analysis for GUIs: ``lz-analyze``/``kata-analyze``/``genmove_analyze`` and pondering.

Protocol behaviour goes through the real ``go-engine gtp`` process (the stdin reader thread is
what stops an analysis): the ``=`` head, parseable ``info`` lines within a second, the response
ending within 100 ms of the next command, the game intact afterwards, ``play`` closing
genmove_analyze, pondering that stops on input. Argument parsing, formatting and the search's
stop/progress hooks are checked in process. Sabaki's own client: ``tests/node/sabaki_analysis.js``.
"""
from __future__ import annotations

import math
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from go_engine.rules.game import Game
from go_engine.search.mcts import MCTS, SearchConfig, winrate_lcb
from go_engine.gtp.analysis import AnalysisOptions, parse_analysis_args
from go_engine.gtp.engine import EngineConfig, GtpEngine
from go_engine.gtp.protocol import GtpError
from go_engine.players.registry import PlayerOptions

from tests.gtp_helpers import new_engine, parse_response
from tests.gtp.test_sabaki_client import run_script

REPO = Path(__file__).resolve().parents[2]
VERTEX = r"(?:pass|[A-HJ-T](?:[1-9]|1[0-9]))"
LZ_GROUP = re.compile(rf"info move ({VERTEX}) visits (\d+) winrate (\d+) prior (\d+) lcb (\d+) "
                      rf"order (\d+) pv ({VERTEX}(?: {VERTEX})*)")
FLOAT = r"-?\d+\.\d+"
KATA_GROUP = re.compile(rf"info move ({VERTEX}) visits (\d+) utility ({FLOAT}) winrate ({FLOAT}) "
                        rf"prior ({FLOAT}) lcb ({FLOAT}) utilityLcb ({FLOAT}) order (\d+) "
                        rf"pv ({VERTEX}(?: {VERTEX})*)")
STOP_MS = 100.0  # the response to a streamed command must end this soon after the next command


def parse_lz_line(line: str) -> list[dict]:
    """Every ``info`` group of a Leela Zero line; AssertionError unless the whole line parses."""
    groups = line.split(" info ")
    groups = [groups[0]] + ["info " + g for g in groups[1:]]
    out = []
    for g in groups:
        m = LZ_GROUP.fullmatch(g)
        assert m, f"unparseable info group {g!r}"
        move, visits, winrate, prior, lcb, order, pv = m.groups()
        out.append(dict(move=move, visits=int(visits), winrate=int(winrate), prior=int(prior),
                        lcb=int(lcb), order=int(order), pv=pv.split()))
    assert [g["order"] for g in out] == list(range(len(out)))
    for g in out:
        assert 0 <= g["lcb"] <= g["winrate"] <= 10000 and 0 <= g["prior"] <= 10000
        assert g["pv"][0] == g["move"]
    return out


class EngineProcess:
    """``go-engine gtp`` on pipes, every stdout line timestamped as it arrives."""

    def __init__(self, *args: str):
        self.stderr_path = None
        self.proc = subprocess.Popen([sys.executable, "-m", "go_engine_cli", "gtp", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=REPO)
        self.lines: queue.Queue[tuple[float, str] | None] = queue.Queue()
        self.stderr_chunks: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.stderr_chunks.extend(iter(self.proc.stderr.readline, b"")),
                         daemon=True).start()

    def _read(self) -> None:
        for raw in iter(self.proc.stdout.readline, b""):
            self.lines.put((time.monotonic(), raw.decode("utf-8", "replace")))
        self.lines.put(None)

    def send(self, command: str) -> float:
        sent = time.monotonic()
        self.proc.stdin.write((command + "\n").encode())
        self.proc.stdin.flush()
        return sent

    def line(self, timeout: float) -> tuple[float, str]:
        item = self.lines.get(timeout=timeout)
        assert item is not None, "the engine closed its output"
        return item

    def response(self, timeout: float = 60.0) -> tuple[float, str]:
        """(arrival of the closing blank line, the framed text) of the next response."""
        text = ""
        while True:
            at, line = self.line(timeout)
            if line == "\n" and text:
                return at, text + line
            text += line

    def ask(self, command: str, timeout: float = 60.0) -> str:
        self.send(command)
        _, text = self.response(timeout)
        reply = parse_response(text)
        assert reply.ok, f"{command!r} failed: {reply.body}"
        return reply.body

    def close(self) -> str:
        """Quit; the engine's stderr."""
        try:
            self.send("quit")
            self.proc.wait(timeout=30)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        time.sleep(0.05)
        return b"".join(self.stderr_chunks).decode("utf-8", "replace")


def run_analysis(engine: EngineProcess, command: str, cmd_id: int, first_within: float,
                 want_lines: int = 2) -> dict:
    """Send a streamed command with an id, wait for ``want_lines`` info lines, send ``name``,
    and time it all. The first info line must come within ``first_within`` seconds."""
    sent = engine.send(f"{cmd_id} {command}")
    _, head = engine.line(first_within)
    assert head == f"={cmd_id}\n", f"head {head!r}"
    infos = []
    while len(infos) < want_lines:
        at, line = engine.line(first_within if not infos else 5.0)
        assert line.startswith("info "), f"unexpected line {line!r}"
        infos.append((at, line.rstrip("\n")))
    stop_sent = engine.send(f"{cmd_id + 1} name")
    while True:  # info lines already on their way, then the blank line that ends the response
        at, line = engine.line(5.0)
        if line == "\n":
            break
        assert line.startswith("info "), f"unexpected line {line!r}"
    stopped = at
    _, text = engine.response(5.0)
    assert parse_response(text).body == "go-engine" and parse_response(text).id == cmd_id + 1
    return dict(first=infos[0][0] - sent, stop=stopped - stop_sent, lines=[ln for _, ln in infos])


@pytest.fixture(scope="module")
def engine():
    proc = EngineProcess("--player", "mcts", "--size", "9", "--threads", "1", "--seed", "3", "--time", "0.4")
    try:
        yield proc
    finally:
        proc.close()


# --- through the real process ----------------------------------------------------------------

def test_lz_analyze_both_forms_stream_and_stop_at_the_next_command(engine):
    engine.ask("boardsize 9")
    engine.ask("clear_board")
    engine.ask("play b E5")
    engine.ask("play w C3")
    before = engine.ask("showboard")
    # the first analysis of the process loads the search kernels (Numba's cache): not timed
    run_analysis(engine, "lz-analyze 10", 10, first_within=240.0, want_lines=1)
    stops = []
    for k, command in enumerate(["lz-analyze 10", "lz-analyze b 10", "lz-analyze B interval 10",
                                 "lz-analyze w 5 minmoves 3 maxmoves 40", "analyze black 10"]):
        run = run_analysis(engine, command, 20 + 2 * k, first_within=1.0)
        assert run["first"] < 1.0, f"{command}: first info line after {run['first']:.3f}s"
        stops.append(run["stop"])
        for line in run["lines"]:
            groups = parse_lz_line(line)
            assert 3 <= len(groups) <= (40 if "maxmoves" in command else 82)
        assert groups[0]["visits"] >= groups[-1]["visits"]
        assert run["stop"] * 1000 < STOP_MS, f"{command}: stopped {1000 * run['stop']:.1f} ms after the next command"
    # the game is exactly as before (analysis for white did not change the side to move)
    assert engine.ask("showboard") == before
    assert engine.ask("list_stones black") == "E5"
    move = engine.ask("genmove b")
    assert re.fullmatch(VERTEX, move) and move not in ("E5", "C3")
    engine.ask("undo")
    assert engine.ask("showboard") == before


def test_kata_analyze_floats_and_ownership(engine):
    engine.ask("clear_board")
    run = run_analysis(engine, "kata-analyze b interval 10 ownership true", 40, first_within=1.0, want_lines=1)
    line = run["lines"][0]
    moves, _, ownership = line.partition(" ownership ")
    groups = moves.split(" info ")
    for k, g in enumerate(groups):
        m = KATA_GROUP.fullmatch(g if k == 0 else "info " + g)
        assert m, f"unparseable kata group {g!r}"
        winrate, lcb = float(m.group(4)), float(m.group(6))
        assert 0.0 <= lcb <= winrate <= 1.0 and int(m.group(8)) == k
    values = [float(v) for v in ownership.split()]
    assert len(values) == 81 and all(-1.0 <= v <= 1.0 for v in values)
    assert run["stop"] * 1000 < STOP_MS


def test_genmove_analyze_streams_then_plays(engine):
    engine.ask("clear_board")
    engine.ask("play b E5")
    sent = engine.send("50 lz-genmove_analyze w 5")
    at, head = engine.line(30.0)
    assert head == "=50\n"
    lines = []
    while True:
        at, line = engine.line(30.0)
        if line == "\n":
            break
        lines.append(line.rstrip("\n"))
    assert at - sent < 5.0
    assert lines[-1].startswith("play ") and all(ln.startswith("info ") for ln in lines[:-1])
    assert len(lines) >= 2, "a 0.4 s search with 50 ms reports printed no info line"
    for line in lines[:-1]:
        parse_lz_line(line)
    move = lines[-1].split()[1]
    assert re.fullmatch(VERTEX, move) and move != "E5"
    assert engine.ask("list_stones white") == move
    # what the match runner reads back after a genmove
    last = engine.ask("go-engine-last_analysis")
    assert re.fullmatch(rf"best {VERTEX} winrate 0\.\d{{4}} visits \d+ simulations \d+ seconds \S+ pv .+", last)
    # genmove_analyze with an interval of 0: no info lines, only the move
    engine.send("51 genmove_analyze b")
    _, text = engine.response(30.0)
    assert re.fullmatch(rf"=51\nplay {VERTEX}\n\n", text), text


def test_malformed_analysis_commands_answer_errors_and_the_engine_goes_on(engine):
    for bad in ["lz-analyze purple 10", "lz-analyze -5", "lz-analyze b 10 minmoves",
                "lz-analyze 10 frobnicate 3", "lz-analyze 10 b", "kata-analyze 10 ownership maybe",
                "lz-analyze b 10 avoid b D4 1", "lz-genmove_analyze b nine"]:
        engine.send(f"7 {bad}")
        _, text = engine.response(10.0)
        reply = parse_response(text)
        assert not reply.ok and reply.id == 7 and reply.body, f"{bad!r} answered {text!r}"
    assert engine.ask("name") == "go-engine"


def test_ponder_searches_after_genmove_and_stops_on_input():
    proc = EngineProcess("--player", "mcts", "--size", "9", "--threads", "1", "--seed", "4", "--time", "0.3", "--ponder",
                         "--log-level", "INFO")
    try:
        proc.ask("boardsize 9")
        occupied = {proc.ask("genmove b", timeout=240.0).upper()}  # loads the kernels, then ponders
        latencies = []
        for k in range(3):
            time.sleep(0.4)
            sent = proc.send(f"{k} name")
            at, text = proc.response(5.0)
            assert parse_response(text).body == "go-engine"
            latencies.append(at - sent)
            # white's reply: a point black's time-limited (so not reproducible) search left empty
            white = next(v for v in ("C3", "G7", "C7", "G3", "E5") if v not in occupied)
            proc.ask(f"play w {white}")
            occupied |= {white, proc.ask("genmove b", timeout=30.0).upper()}
    finally:
        stderr = proc.close()
    pondered = [int(m) for m in re.findall(r"pondered (\d+) simulations", stderr)]
    assert len(pondered) >= 3 and all(p > 0 for p in pondered), stderr[-2000:]
    assert max(latencies) * 1000 < STOP_MS, f"answers during pondering took {latencies}"


def test_sabaki_client_streams_analysis_and_stops_on_the_next_command():
    result = run_script("sabaki_analysis.js", timeout=300)
    assert result["ok"] and result["lines"] >= 3 and result["moves"] >= 3
    assert result["firstInfoMs"] < 1000, result
    assert result["stopMs"] < STOP_MS, result
    assert result["blackStones"] == "E5"


def test_quit_exits_cleanly_while_the_controller_keeps_stdin_open():
    """GUIs keep our stdin open after quit; the stdin thread must not make the exit abort."""
    proc = EngineProcess("--player", "random")
    assert proc.ask("name") == "go-engine"
    proc.send("quit")
    assert proc.proc.wait(timeout=30) == 0
    stderr = proc.close()
    assert "Fatal" not in stderr, stderr


# --- in process ------------------------------------------------------------------------------

def test_fd_reader_splits_lines_like_a_file():
    """The stdin thread's reader (os.read on the descriptor) gives read_line the same lines,
    huge-line skipping included, as a file object does."""
    import io
    from go_engine.gtp.cli import FdReader, read_line
    from go_engine.gtp.protocol import MAX_LINE_BYTES
    data = b"1 name\n" + b"x" * (3 * MAX_LINE_BYTES) + b"\n\nplay b e5\r\nno newline at the end"
    r, w = os.pipe()

    def write() -> None:
        for i in range(0, len(data), 7000):
            os.write(w, data[i:i + 7000])
        os.close(w)
    threading.Thread(target=write).start()
    reader, reference = FdReader(r), io.BytesIO(data)
    lines = []
    while True:
        line = read_line(reader)
        assert line == read_line(reference)
        if line is None:
            break
        lines.append(line)
    os.close(r)
    assert lines[0] == b"1 name\n" and lines[-1] == b"no newline at the end" and len(lines) == 5


def test_argument_forms():
    assert parse_analysis_args([]) == AnalysisOptions()
    assert parse_analysis_args(["10"]) == AnalysisOptions(interval_cs=10)
    assert parse_analysis_args(["B", "10"]) == AnalysisOptions(color=1, interval_cs=10)
    assert parse_analysis_args(["white", "interval", "25", "minmoves", "5", "maxmoves", "9"]) == \
        AnalysisOptions(color=2, interval_cs=25, min_moves=5, max_moves=9)
    kata = parse_analysis_args(["w", "5", "ownership", "TRUE"], kata=True)
    assert kata.ownership and kata.kata and kata.interval == 0.05
    for bad in [["x"], ["-1"], ["10", "b"], ["10", "interval"], ["10", "minmoves", "-2"],
                ["10", "avoid", "b", "D4", "1"], ["10", "allow", "b", "D4", "1"],
                ["10", "ownership", "true"], ["99999999"]]:
        with pytest.raises(GtpError):
            parse_analysis_args(bad)


def test_non_search_players_refuse_analysis_but_genmove_analyze_plays():
    e = new_engine()
    reply = parse_response(e.handle_line("lz-analyze 10"))
    assert not reply.ok and "cannot analyze" in reply.body
    text = e.handle_line("3 genmove_analyze b 10")
    assert re.fullmatch(rf"=3\nplay {VERTEX}\n\n", text), text
    assert parse_response(e.handle_line("go-engine-last_analysis")).body == ""
    assert parse_response(e.handle_line("stop")).ok


def test_in_process_analysis_stops_when_input_waits():
    e = GtpEngine(EngineConfig(size=9, player="mcts", player_options=PlayerOptions(seed=1, threads=1)))
    # without a way to interrupt, an analysis runs one chunk and ends (no line at 1 s intervals)
    assert e.handle_line("lz-analyze 100") == "=\n\n"
    deadline = time.monotonic() + 0.5
    text = e.handle_line("4 lz-analyze 5", input_waiting=lambda: time.monotonic() > deadline)
    lines = text.split("\n")
    assert lines[0] == "=4" and text.endswith("\n\n") and len(lines) >= 4
    for line in lines[1:-2]:
        parse_lz_line(line)


def test_search_should_stop_and_progress_reports():
    mcts = MCTS(SearchConfig(threads=1, seed=5))
    game = Game(9, 7.0)
    mcts.warm_up(9)
    reports = []
    stop_at = time.monotonic() + 0.4
    result = mcts.search(game, seconds=math.inf, stop_early=False, should_stop=lambda: time.monotonic() > stop_at,
                         on_progress=reports.append, progress_interval=0.1)
    assert result.interrupted and not result.stopped_early
    assert time.monotonic() - stop_at < 0.1
    assert 2 <= len(reports) <= 5
    assert [r.simulations for r in reports] == sorted(r.simulations for r in reports)
    best = reports[-1].children[0]
    assert best.pv and best.pv[0] == best.point and best.visits > 0
    assert all(c.pv == [] for c in reports[-1].children if c.visits == 0)
    assert result.children and result.children[0].pv == []  # the final result carries no per-move pvs
    # a plain search is unchanged: no interruption, no reports
    plain = mcts.search(game, simulations=200, stop_early=False)
    assert not plain.interrupted and plain.simulations == 200


def test_lanes_search_should_stop_and_progress():
    mcts = MCTS(SearchConfig(threads=2, parallel="lanes", seed=5))
    game = Game(9, 7.0)
    mcts.warm_up(9)
    reports = []
    stop_at = time.monotonic() + 0.3
    result = mcts.search(game, seconds=math.inf, stop_early=False, should_stop=lambda: time.monotonic() > stop_at,
                         on_progress=reports.append, progress_interval=0.05)
    assert result.interrupted and reports and reports[-1].children[0].pv
    mcts.check_invariants()


def test_winrate_lcb_is_below_the_win_rate_and_tightens_with_visits():
    assert winrate_lcb(0.7, 0) == 0.0
    bounds = [winrate_lcb(0.7, n) for n in (1, 10, 100, 10_000)]
    assert all(0.0 <= b < 0.7 for b in bounds) and bounds == sorted(bounds)
    assert 0.69 < bounds[-1] and 0.0 < winrate_lcb(1.0, 3) < 1.0
    assert winrate_lcb(0.0, 50) == 0.0


# --- match SGFs --------------------------------------------------------------------------------

def test_analysis_comment_reads_the_last_analysis_line():
    from go_engine.rules.position import BLACK, WHITE
    from go_engine.match.game import analysis_comment
    text = analysis_comment("best D4 winrate 0.5321 visits 1234 simulations 1200 seconds 1.98 pv D4 Q16 R4", BLACK)
    assert text == "black's win rate 53.2% (1234 visits, 2.0 s)\npv D4 Q16 R4"
    assert analysis_comment("winrate 0.25 visits 7", WHITE) == "white's win rate 25.0% (7 visits)"
    for bad in ["", "winrate", "winrate x visits 3", "winrate 1.5 visits 3", "visits 3 pv D4", "winrate nan visits 2"]:
        assert analysis_comment(bad, BLACK) is None, bad


def test_match_sgf_comments_our_moves_with_win_rate_and_pv(tmp_path):
    """go-engine (a search player) against the fake engine, which does not list the command:
    every move of ours gets a comment, none of the fake's, and the fake is never asked."""
    import shlex
    from sgfmill import sgf as sgfmill_sgf
    from go_engine.match.runner import MatchConfig, MatchRunner
    fake_log = tmp_path / "fake.log"
    ours = shlex.join([sys.executable, "-m", "go_engine_cli", "gtp", "--player", "mcts", "--playouts", "64",
                       "--threads", "1", "--seed", "2", "--no-resign"])
    fake = shlex.join([sys.executable, str(REPO / "tests" / "fake_gtp_engine.py"), "--moves", "5",
                       "--log", str(fake_log)])
    config = MatchConfig(engine=ours, opponent=fake, games=1, size=7, referee=None,
                         command_timeout=240.0, hang_timeout=240.0)
    (record,) = MatchRunner(config, tmp_path / "out", parallel=1, progress=False).run()
    assert record["moves"] >= 4 and record["engine_color"] == "black", record
    root = sgfmill_sgf.Sgf_game.from_bytes((tmp_path / "out" / record["sgf"]).read_bytes()).get_root()
    node, ours_commented, theirs_commented = root, 0, 0
    while node:
        color, move = node.get_move()
        if color is not None:
            comment = node.get("C") if node.has_property("C") else None
            if color == "b":
                assert comment and re.fullmatch(r"black's win rate \d+\.\d% \(\d+ visits, \d+\.\d s\)\npv .+",
                                                comment), comment
                ours_commented += 1
            else:
                theirs_commented += comment is not None
        node = node[0] if len(node) else None
    assert ours_commented >= 2 and theirs_commented == 0
    sent = fake_log.read_text()
    assert "list_commands" in sent and "go-engine-last_analysis" not in sent
