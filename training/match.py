"""``go-engine match``: play games between two GTP engines and measure the strength difference.

Each game runs both engines as fresh subprocesses (``training.gtp_client``). The runner keeps its
own ``Game`` and checks every move (positional superko, no suicide), so an engine cannot win by
an illegal move or a desynchronised board. Colours alternate: the engine is Black in even games.

Game end: two passes (scored), resignation, a forfeit (crash, timeout past the time limit plus a
grace period, illegal move, non-GTP output, refusing a legal move or the setup), or the move cap
(scored as it stands, reason ``max-moves``).

Scoring: both engines are asked ``final_status_list dead``. When they agree, those stones are
removed and the board is counted by Tromp-Taylor area with komi (``Position.area_score``). When
they disagree or one cannot answer, the referee engine (GNU Go by default) gets the game replayed
and its ``final_score`` decides (``scored_by: referee``); without a working referee the board is
counted as it stands (``scored_by: tromp-taylor``).

Output folder: ``match.json`` (the settings, so a rerun can resume and a rerun with other settings
is refused), ``results.jsonl`` (one JSON object per game, rewritten atomically after every game)
and ``game_NNNN.sgf`` per game.
"""
from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable

from go_engine import board_kernels as bk
from go_engine.coords import CoordinateError, point_to_vertex, vertex_to_point
from go_engine.game import Game, fixed_handicap_points, max_fixed_handicap
from go_engine.position import BLACK, EMPTY, WHITE, Position

from .elo import format_elo, match_stats
from .gtp_client import (GtpClient, GtpClientError, GtpCrash, GtpFailure, GtpProtocolError,
                         GtpTimeout)

RESULTS_FILE = "results.jsonl"
CONFIG_FILE = "match.json"
COLOR_NAME = {BLACK: "black", WHITE: "white"}
COLOR_LETTER = {BLACK: "B", WHITE: "W"}


class MatchError(Exception):
    """A match that cannot start (bad settings, engine will not run, resume conflict)."""


@dataclass(frozen=True)
class MatchConfig:
    """Everything that defines the games of a match (saved to match.json)."""

    engine: str
    opponent: str
    games: int
    size: int = 19
    komi: float = 7.5
    handicap: int = 0
    move_time: int | None = None  # byo-yomi seconds per move (time_settings main SEC 1)
    main_time: int | None = None  # main time in seconds per side
    referee: str | None = None  # GTP command line whose final_score settles disputes
    max_moves: int | None = None  # None: 3 * size * size
    grace: float = 5.0  # seconds past the time limit before an engine is declared hung
    command_timeout: float = 120.0  # for setup, play and scoring commands
    hang_timeout: float = 600.0  # genmove limit when there is no time control

    def __post_init__(self) -> None:
        if self.games < 1:
            raise MatchError("--games must be at least 1")
        if not 2 <= self.size <= 25:
            raise MatchError("--size must be between 2 and 25")
        if self.handicap and not 2 <= self.handicap <= max_fixed_handicap(self.size):
            raise MatchError(f"--handicap {self.handicap} is not a fixed handicap on {self.size}x{self.size} "
                             f"(2..{max_fixed_handicap(self.size)})")
        for name in ("move_time", "main_time"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise MatchError(f"--{name.replace('_', '-')} must not be negative")
        if self.max_moves is not None and self.max_moves < 1:
            raise MatchError("--max-moves must be at least 1")

    @property
    def move_cap(self) -> int:
        return self.max_moves if self.max_moves is not None else 3 * self.size * self.size

    @property
    def timed(self) -> bool:
        return bool(self.move_time) or bool(self.main_time)

    def game_settings(self) -> dict[str, Any]:
        """The settings that must match for a resumed match (the game count may grow)."""
        d = asdict(self)
        d.pop("games")
        return d


# --- one game ----------------------------------------------------------------------------------

class Forfeit(Exception):
    """An engine lost the game by misbehaving; ``kind`` is the recorded reason."""

    def __init__(self, color: int, kind: str, detail: str):
        super().__init__(f"{COLOR_NAME[color]} {kind}: {detail}")
        self.color = color
        self.kind = kind
        self.detail = detail


class Interrupted(Exception):
    """The match is being stopped; the game in progress is not recorded."""


def _error_kind(error: GtpClientError) -> str:
    if isinstance(error, GtpTimeout):
        return "timeout"
    if isinstance(error, GtpCrash):
        return "crash"
    if isinstance(error, GtpProtocolError):
        return "protocol error"
    if isinstance(error, GtpFailure):
        return "refused command"
    return "error"


@dataclass
class Clock:
    """One side's clock: main time, then byo-yomi of ``byo`` seconds for every move."""

    main_left: float
    byo: float

    def limit(self) -> float:
        return self.main_left + self.byo

    def charge(self, used: float) -> None:
        self.main_left = max(0.0, self.main_left - used)

    def time_left_args(self) -> tuple[int, int]:
        """(seconds, stones) for ``time_left``: stones 0 means main time, 1 a byo-yomi period."""
        if self.main_left > 0 or not self.byo:
            return int(self.main_left), 0
        return int(self.byo), 1


def board_without(position: Position, dead: set[int]) -> Position:
    """A copy of the stones of ``position`` with the ``dead`` points emptied (for counting).

    Removing stones only adds liberties, so every remaining chain keeps one and the stones can be
    placed as setup stones in any order without a capture.
    """
    n = position.n
    board = position.board().ravel()
    out = Position(n)
    for p in range(n * n):
        if board[p] != EMPTY and p not in dead:
            out.place_setup_stone(p, int(board[p]))
    out.to_play = position.to_play
    return out


def parse_vertex_list(body: str, n: int) -> set[int]:
    """Points of a whitespace-separated GTP vertex list (``final_status_list``)."""
    points = set()
    for token in body.split():
        p = vertex_to_point(token, n)
        if p == n * n:
            raise CoordinateError("pass in a vertex list")
        points.add(p)
    return points


def parse_score(text: str) -> float:
    """A GTP ``final_score`` answer ("B+3.5", "W+0.5", "0") as black's margin."""
    t = text.strip().upper()
    if t in ("0", "DRAW", "JIGO", "B+0", "W+0"):
        return 0.0
    if len(t) > 2 and t[0] in "BW" and t[1] == "+":
        value = float(t[2:].split()[0])
        return value if t[0] == "B" else -value
    raise ValueError(f"cannot read score {text!r}")


def result_string(score: float) -> str:
    if score == 0:
        return "0"
    return f"B+{score:g}" if score > 0 else f"W+{-score:g}"


class GameRunner:
    """Plays game ``index`` of a match and returns its record (a JSON-ready dict)."""

    SGF_REASON = {"resign": "R", "timeout": "T"}  # every other forfeit is written +F

    def __init__(self, config: MatchConfig, index: int, out_dir: Path, names: dict[str, str],
                 stop: threading.Event, register: Callable[[GtpClient, bool], None]):
        self.config = config
        self.index = index
        self.out_dir = out_dir
        self.stop = stop
        self.register = register
        self.engine_color = BLACK if index % 2 == 0 else WHITE
        role = {self.engine_color: "engine", 3 - self.engine_color: "opponent"}
        self.commands = {c: getattr(config, role[c]) for c in (BLACK, WHITE)}
        self.names = {c: names.get(role[c], role[c]) for c in (BLACK, WHITE)}
        self.game = Game(config.size, config.komi)
        self.clients: dict[int, GtpClient] = {}
        self.clocks: dict[int, Clock] = {}
        self.seconds = {BLACK: 0.0, WHITE: 0.0}
        self.genmoves = {BLACK: 0, WHITE: 0}

    # --- talking to the engines ----------------------------------------------------------------
    def _ask(self, color: int, command: str, timeout: float | None = None) -> str:
        """Send a command to one side; any failure forfeits that side."""
        if self.stop.is_set():
            raise Interrupted()
        timeout = self.config.command_timeout if timeout is None else timeout
        try:
            return self.clients[color].send(command, timeout)
        except GtpClientError as e:
            if self.stop.is_set():
                raise Interrupted() from e
            raise Forfeit(color, _error_kind(e), str(e)) from e

    def _start(self) -> None:
        for color in (BLACK, WHITE):
            label = f"{COLOR_NAME[color]} ({self.names[color]})"
            try:
                client = GtpClient(self.commands[color], label=label)
            except GtpClientError as e:
                raise Forfeit(color, "crash", str(e)) from e
            self.clients[color] = client
            self.register(client, True)

    def _setup(self) -> None:
        cfg = self.config
        n = cfg.size
        ours = set(fixed_handicap_points(n, cfg.handicap)) if cfg.handicap else set()
        for color in (BLACK, WHITE):
            try:
                self._ask(color, f"boardsize {n}")
                self._ask(color, "clear_board")
                self._ask(color, f"komi {cfg.komi:g}")
                if cfg.handicap:
                    body = self._ask(color, f"fixed_handicap {cfg.handicap}")
                    try:
                        theirs = parse_vertex_list(body, n)
                    except CoordinateError:
                        theirs = None
                    if theirs != ours:
                        raise Forfeit(color, "setup", f"fixed_handicap answered {body!r}, expected "
                                      + " ".join(point_to_vertex(p, n) for p in sorted(ours)))
                if cfg.timed:
                    byo = cfg.move_time or 0
                    self._ask_optional(color, f"time_settings {cfg.main_time or 0} {byo} {1 if byo else 0}")
            except Forfeit as f:
                if f.kind == "refused command":
                    raise Forfeit(color, "setup", f.detail) from f
                raise
            if cfg.timed:
                self.clocks[color] = Clock(float(cfg.main_time or 0), float(cfg.move_time or 0))
        if cfg.handicap:
            self.game.set_fixed_handicap(cfg.handicap)

    def _ask_optional(self, color: int, command: str) -> None:
        """A command an engine may refuse (time control): a ``?`` is fine, a crash is not."""
        try:
            self._ask(color, command)
        except Forfeit as f:
            if f.kind != "refused command":
                raise

    # --- the game --------------------------------------------------------------------------------
    def _genmove(self, color: int) -> str:
        if self.stop.is_set():
            raise Interrupted()
        clock = self.clocks.get(color)
        if clock is not None:
            seconds, stones = clock.time_left_args()
            self._ask_optional(color, f"time_left {COLOR_NAME[color]} {seconds} {stones}")
            limit = clock.limit() + self.config.grace
        else:
            limit = self.config.hang_timeout
        t0 = time.monotonic()
        answer = self._ask(color, f"genmove {COLOR_NAME[color]}", timeout=limit)
        used = time.monotonic() - t0
        self.seconds[color] += used
        self.genmoves[color] += 1
        if clock is not None:
            clock.charge(used)
        return answer.strip()

    def _play_loop(self) -> tuple[str, int | None, float | None]:
        """Play until the game ends; return (reason, winner or None, black's score margin or None)."""
        game, n = self.game, self.config.size
        while True:
            if game.is_over:
                return "score", None, None
            if len(game.moves) >= self.config.move_cap:
                return "max-moves", None, None
            color = game.to_play
            answer = self._genmove(color)
            if answer.lower() == "resign":
                return "resign", 3 - color, None
            try:
                point = vertex_to_point(answer, n)
            except CoordinateError:
                raise Forfeit(color, "illegal move", f"genmove answered {answer!r}, not a vertex") from None
            status = game.position.legal_status(point, color)
            if status != bk.LEGAL:
                raise Forfeit(color, "illegal move", f"{answer} ({bk.STATUS_TEXT[status]})")
            game.play(point, color)
            vertex = point_to_vertex(point, n)
            try:
                self._ask(3 - color, f"play {COLOR_NAME[color]} {vertex}")
            except Forfeit as f:
                if f.kind == "refused command":
                    raise Forfeit(3 - color, "refused legal move", f.detail) from f
                raise

    def _dead_stones(self, color: int) -> set[int] | None:
        try:
            body = self._ask(color, "final_status_list dead")
            return parse_vertex_list(body, self.config.size)
        except (Forfeit, CoordinateError):
            return None  # cannot score is not a reason to lose a finished game

    def _score(self) -> tuple[float, str, list[str], str]:
        """(black's margin, scored_by, dead stones, note) for a game that ended on the board."""
        n = self.config.size
        dead = {c: self._dead_stones(c) for c in (BLACK, WHITE)}
        if dead[BLACK] is not None and dead[BLACK] == dead[WHITE]:
            stones = dead[BLACK]
            board = self.game.position.board().ravel()
            occupied = {p for p in stones if board[p] != EMPTY}
            if occupied == stones:
                counted = board_without(self.game.position, stones)
                return (counted.area_score(self.config.komi), "engines",
                        sorted(point_to_vertex(p, n) for p in stones), "")
        note = ("engines disagree on dead stones" if dead[BLACK] is not None and dead[WHITE] is not None
                else "an engine could not list dead stones")
        if self.config.referee:
            try:
                return self._referee_score(), "referee", [], note
            except (GtpClientError, ValueError) as e:
                note += f"; referee failed: {e}"
        return self.game.score(), "tromp-taylor", [], note

    def _referee_score(self) -> float:
        cfg, n = self.config, self.config.size
        ref = GtpClient(cfg.referee, label="referee")
        self.register(ref, True)
        try:
            t = cfg.command_timeout
            ref.send(f"boardsize {n}", t)
            ref.send("clear_board", t)
            ref.send(f"komi {cfg.komi:g}", t)
            if self.game.handicap:
                ref.send("set_free_handicap " + " ".join(point_to_vertex(p, n) for p in self.game.handicap), t)
            for move in self.game.moves:
                ref.send(f"play {COLOR_NAME[move.color]} {point_to_vertex(move.point, n)}", t)
            return parse_score(ref.send("final_score", t))
        finally:
            ref.close()
            self.register(ref, False)

    def play(self) -> dict[str, Any]:
        t_start = time.time()
        reason, winner, margin, detail = "", None, None, ""
        scored_by, dead = None, []
        forfeited: set[int] = set()
        try:
            try:
                self._start()
                self._setup()
                reason, winner, margin = self._play_loop()
                if reason in ("score", "max-moves"):
                    margin, scored_by, dead, detail = self._score()
                    winner = None if margin == 0 else (BLACK if margin > 0 else WHITE)
            except Forfeit as f:
                forfeited.add(f.color)
                reason, detail = f.kind, f"{COLOR_NAME[f.color]}: {f.detail}"
                winner = 3 - f.color
        finally:
            for color, client in self.clients.items():
                if color in forfeited or not client.alive:
                    client.kill()
                else:
                    client.close()
                self.register(client, False)
        return self._record(reason, winner, margin, scored_by, dead, detail, time.time() - t_start)

    # --- the record -------------------------------------------------------------------------------
    def _result_text(self, reason: str, winner: int | None, margin: float | None) -> str:
        if margin is not None:
            return result_string(margin)
        if winner is None:
            return "Void"
        return f"{COLOR_LETTER[winner]}+{self.SGF_REASON.get(reason, 'F')}"

    def _record(self, reason: str, winner: int | None, margin: float | None, scored_by: str | None,
                dead: list[str], detail: str, wall: float) -> dict[str, Any]:
        result = self._result_text(reason, winner, margin)
        sgf_name = f"game_{self.index:04d}.sgf"
        from go_engine.sgf import save_sgf
        comment = f"go-engine match, game {self.index}: {reason}" + (f" ({detail})" if detail else "")
        save_sgf(self.out_dir / sgf_name, self.game, result=result, black=self.names[BLACK],
                 white=self.names[WHITE], root_comment=comment)
        if winner is None:
            engine_result = "draw" if margin == 0 else "void"
        else:
            engine_result = "win" if winner == self.engine_color else "loss"
        spm = {COLOR_NAME[c]: (self.seconds[c] / self.genmoves[c] if self.genmoves[c] else None)
               for c in (BLACK, WHITE)}
        return {
            "index": self.index,
            "black": self.commands[BLACK],
            "white": self.commands[WHITE],
            "black_name": self.names[BLACK],
            "white_name": self.names[WHITE],
            "engine_color": COLOR_NAME[self.engine_color],
            "winner": COLOR_NAME[winner] if winner is not None else None,
            "engine_result": engine_result,
            "result": result,
            "reason": reason,
            "detail": detail,
            "moves": len(self.game.moves),
            "score": margin,
            "scored_by": scored_by,
            "dead": dead,
            "seconds_per_move": spm,
            "genmoves": {COLOR_NAME[c]: self.genmoves[c] for c in (BLACK, WHITE)},
            "seconds": {COLOR_NAME[c]: round(self.seconds[c], 4) for c in (BLACK, WHITE)},
            "wall_seconds": round(wall, 3),
            "size": self.config.size,
            "komi": self.config.komi,
            "handicap": self.config.handicap,
            "sgf": sgf_name,
        }


# --- files ---------------------------------------------------------------------------------------

def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_results(path: Path) -> list[dict[str, Any]]:
    """Game records of a results file; unreadable lines are reported on stderr and skipped."""
    if not path.exists():
        return []
    records: dict[int, dict[str, Any]] = {}
    for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            records[int(rec["index"])] = rec
        except (ValueError, KeyError, TypeError) as e:
            print(f"{path}:{k}: skipping unreadable record ({e})", file=sys.stderr)
    return [records[i] for i in sorted(records)]


def write_results(path: Path, records: list[dict[str, Any]]) -> None:
    write_atomic(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in sorted(records, key=lambda r: r["index"])))


def prepare_out_dir(config: MatchConfig, out_dir: Path, force: bool) -> None:
    """Create the folder, or check that an existing match there has the same settings."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / CONFIG_FILE
    if path.exists():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))["config"]
        except (ValueError, KeyError, TypeError) as e:
            raise MatchError(f"{path} is unreadable ({e}); remove it or use another --out") from e
        saved.pop("games", None)
        ours = config.game_settings()
        diff = sorted(k for k in set(saved) | set(ours) if saved.get(k) != ours.get(k))
        if diff and not force:
            details = ", ".join(f"{k}: {saved.get(k)!r} -> {ours.get(k)!r}" for k in diff)
            raise MatchError(f"{out_dir} holds a match with other settings ({details}); "
                             "use the same settings to resume, another --out, or --force")
    write_atomic(path, json.dumps({"config": asdict(config), "format": 1}, indent=2, sort_keys=True) + "\n")


# --- engine names ------------------------------------------------------------------------------

def engine_name(command: str, timeout: float) -> str:
    """``name`` + ``version`` of an engine; MatchError if it does not start and answer."""
    try:
        with GtpClient(command) as client:
            name = client.send("name", timeout).strip() or command
            try:
                version = client.send("version", timeout).strip()
            except GtpFailure:
                version = ""
    except GtpClientError as e:
        raise MatchError(f"engine {command!r} does not work: {e}") from e
    return f"{name} {version}".strip()


# --- the match -----------------------------------------------------------------------------------

class MatchRunner:
    """Runs the games of a match that are not in results.jsonl yet, ``parallel`` at a time."""

    def __init__(self, config: MatchConfig, out_dir: str | os.PathLike, *, parallel: int = 1,
                 force: bool = False, progress: bool = True):
        if parallel < 1:
            raise MatchError("--parallel must be at least 1")
        self.config = config
        self.out_dir = Path(out_dir)
        self.parallel = parallel
        self.force = force
        self.progress = progress
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._live: set[GtpClient] = set()

    def _register(self, client: GtpClient, alive: bool) -> None:
        with self._lock:
            (self._live.add if alive else self._live.discard)(client)

    def _kill_all(self) -> None:
        with self._lock:
            clients = list(self._live)
        for client in clients:
            client.kill()

    def run(self) -> list[dict[str, Any]]:
        """Play the missing games and return every record of the match (old ones included)."""
        cfg = self.config
        prepare_out_dir(cfg, self.out_dir, self.force)
        results_path = self.out_dir / RESULTS_FILE
        records = {r["index"]: r for r in read_results(results_path)}
        todo = [i for i in range(cfg.games) if i not in records]
        if todo:
            names = {"engine": engine_name(cfg.engine, cfg.command_timeout),
                     "opponent": engine_name(cfg.opponent, cfg.command_timeout)}
            self._play(todo, names, records, results_path)
        return [records[i] for i in sorted(records) if i < cfg.games]

    def _play(self, todo: list[int], names: dict[str, str], records: dict[int, dict[str, Any]],
              results_path: Path) -> None:
        from tqdm import tqdm

        cfg = self.config
        done_before = sum(1 for i in records if i < cfg.games)
        bar = tqdm(total=cfg.games, initial=done_before, desc="match", unit="game", file=sys.stderr,
                   disable=not self.progress, dynamic_ncols=True)

        def play_one(index: int) -> dict[str, Any]:
            return GameRunner(cfg, index, self.out_dir, names, self.stop, self._register).play()

        pool = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="match-game")
        pending: set[Future] = set()
        queue = list(todo)
        try:
            while queue or pending:
                while queue and len(pending) < self.parallel:
                    pending.add(pool.submit(play_one, queue.pop(0)))
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    rec = fut.result()
                    records[rec["index"]] = rec
                    write_results(results_path, list(records.values()))
                    bar.update(1)
                    bar.set_postfix_str(_score_line(records.values(), cfg.games))
        except BaseException:
            self.stop.set()  # games in progress stop at their next command and are not recorded
            self._kill_all()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            bar.close()


def _score_line(records, games: int) -> str:
    res = [r["engine_result"] for r in records if r["index"] < games]
    return f"engine {res.count('win')}-{res.count('loss')}" + (f"-{res.count('draw')}" if "draw" in res else "")


# --- summary -------------------------------------------------------------------------------------

def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and statistics of a match, from the engine's point of view."""
    wins = {"engine": {"black": 0, "white": 0}, "opponent": {"black": 0, "white": 0}}
    played = {"black": 0, "white": 0}  # games the engine played as that colour (draws/void included)
    draws = void = 0
    reasons: dict[str, int] = {}
    scored_by: dict[str, int] = {}
    time_sum = {"engine": 0.0, "opponent": 0.0}
    moves_sum = {"engine": 0, "opponent": 0}
    lengths = []
    for r in records:
        ec = r["engine_color"]
        oc = "white" if ec == "black" else "black"
        played[ec] += 1
        reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
        if r.get("scored_by"):
            scored_by[r["scored_by"]] = scored_by.get(r["scored_by"], 0) + 1
        er = r["engine_result"]
        if er == "win":
            wins["engine"][ec] += 1
        elif er == "loss":
            wins["opponent"][oc] += 1
        elif er == "draw":
            draws += 1
        else:
            void += 1
        lengths.append(r["moves"])
        for role, color in (("engine", ec), ("opponent", oc)):
            time_sum[role] += r["seconds"][color]
            moves_sum[role] += r["genmoves"][color]
    w = sum(wins["engine"].values())
    losses = sum(wins["opponent"].values())
    stats = match_stats(w, losses, draws)
    return {
        "games": len(records), "wins": wins, "engine_played": played, "draws": draws, "void": void,
        "stats": stats, "reasons": reasons, "scored_by": scored_by,
        "avg_moves": _mean(lengths), "min_moves": min(lengths, default=None), "max_moves": max(lengths, default=None),
        "seconds_per_move": {k: (time_sum[k] / moves_sum[k] if moves_sum[k] else None) for k in time_sum},
    }


def _pct(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def format_table(records: list[dict[str, Any]], config: MatchConfig | None = None) -> str:
    """The human-readable match report printed at the end of ``go-engine match``."""
    s = summarize(records)
    st = s["stats"]
    names = {"engine": "engine", "opponent": "opponent"}
    for r in records:
        ec = r["engine_color"]
        names["engine"] = r.get(f"{ec}_name") or names["engine"]
        names["opponent"] = r.get(f"{'white' if ec == 'black' else 'black'}_name") or names["opponent"]
    lines = []
    if config is not None:
        tc = []
        if config.main_time:
            tc.append(f"main {config.main_time} s")
        if config.move_time:
            tc.append(f"{config.move_time} s/move")
        lines.append(f"{config.size}x{config.size}, komi {config.komi:g}, handicap {config.handicap}, "
                     f"time {' + '.join(tc) if tc else 'unlimited'}")
    lines.append(f"engine   = {names['engine']}")
    lines.append(f"opponent = {names['opponent']}")
    pe, pw = s["engine_played"]["black"], s["engine_played"]["white"]
    rows = [("", "as Black", "as White", "total")]
    e, o = s["wins"]["engine"], s["wins"]["opponent"]
    rows.append(("engine wins", f"{e['black']}/{pe}", f"{e['white']}/{pw}", f"{e['black'] + e['white']}/{s['games']}"))
    rows.append(("opponent wins", f"{o['black']}/{pw}", f"{o['white']}/{pe}", f"{o['black'] + o['white']}/{s['games']}"))
    widths = [max(len(row[k]) for row in rows) for k in range(4)]
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[k]) if k == 0 else cell.rjust(max(widths[k], 8))
                               for k, cell in enumerate(row)).rstrip())
    lines.append(f"games {s['games']}: draws {s['draws']}, void {s['void']}")
    lines.append(f"engine score  {_pct(st.score)}  (95% Wilson interval {_pct(st.score_low)} .. {_pct(st.score_high)})")
    lines.append(f"Elo difference {format_elo(st.elo)}  (95% interval {format_elo(st.elo_low)} .. "
                 f"{format_elo(st.elo_high)}; Wilson bounds through the logistic Elo model)")
    if s["avg_moves"] is not None:
        lines.append(f"game length   {s['avg_moves']:.1f} moves on average (min {s['min_moves']}, max {s['max_moves']})")
    spm = s["seconds_per_move"]
    fmt = lambda v: "n/a" if v is None else f"{v:.3f} s"  # noqa: E731
    lines.append(f"time per move engine {fmt(spm['engine'])}, opponent {fmt(spm['opponent'])}")
    lines.append("endings       " + ", ".join(f"{k} {v}" for k, v in sorted(s["reasons"].items())))
    if s["scored_by"]:
        lines.append("scored by     " + ", ".join(f"{k} {v}" for k, v in sorted(s["scored_by"].items())))
    return "\n".join(lines)


def config_fields() -> list[str]:
    return [f.name for f in fields(MatchConfig)]


__all__ = ["MatchConfig", "MatchError", "MatchRunner", "GameRunner", "Clock", "board_without",
           "parse_score", "parse_vertex_list", "read_results", "summarize", "format_table", "engine_name"]
