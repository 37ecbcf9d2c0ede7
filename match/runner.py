"""``go-engine match``: play games between two GTP engines and measure the strength difference.

Each game runs both engines as fresh subprocesses, ``parallel`` games at a time in threads (the
threads only wait on pipes); how one game is played and scored is in ``match_game``, the report
in ``match_report``. Colours alternate: the engine is Black in even games.

Output folder: ``match.json`` (the settings, so a rerun can resume and a rerun with other settings
is refused), ``results.jsonl`` (one JSON object per game, rewritten atomically after every game),
``game_NNNN.sgf`` per game, and each engine's stderr in ``logs/game_NNNN_<colour>.stderr``.

Before the first game every setting is checked (``MatchConfig``) and each engine must set up a
board of the match (``check_engine``: an engine whose weights do not load fails here, with its
own message, instead of forfeiting every game); ``match.json`` is written only after that, so a
refused start leaves nothing that blocks a corrected rerun. However the runner stops (the end,
an exception, SIGINT, SIGTERM through ``go-engine match``), it kills every engine process group
it started.
"""
from __future__ import annotations

import json
import math
import os
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from go_engine.atomic_io import write_text_atomic
from go_engine.rules.conventions import DEFAULT_KOMI, match_move_cap
from go_engine.rules.game import max_fixed_handicap

from go_engine.match.gtp_client import GtpClient, GtpClientError, GtpFailure
from go_engine.match.game import RefereeClock, GameRunner, board_without, parse_score, parse_vertex_list
from go_engine.match.report import format_table, summarize

RESULTS_FILE = "results.jsonl"
CONFIG_FILE = "match.json"


MAX_KOMI = 1000.0  # as go-engine's GTP front end accepts


class MatchError(ValueError):
    """A match that cannot start (bad settings, engine will not run, resume conflict)."""


@dataclass(frozen=True)
class MatchConfig:
    """Everything that defines the games of a match (saved to match.json)."""

    engine: str
    opponent: str
    games: int
    size: int = 19
    komi: float = DEFAULT_KOMI
    handicap: int = 0
    move_time: int | None = None  # byo-yomi seconds per move (time_settings main SEC 1)
    main_time: int | None = None  # main time in seconds per side
    referee: str | None = None  # GTP command line whose final_score settles disputes
    max_moves: int | None = None  # None: ``conventions.match_move_cap(size)``
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
        if not math.isfinite(self.komi) or abs(self.komi) > MAX_KOMI:
            raise MatchError(f"--komi {self.komi} is not a finite number of at most {MAX_KOMI:g} points")
        if float(f"{self.komi:g}") != self.komi:
            raise MatchError(f"--komi {self.komi!r} has more digits than GTP sends ({self.komi:g})")
        for name in ("grace", "command_timeout", "hang_timeout"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                raise MatchError(f"--{name.replace('_', '-')} must be a positive number of seconds")

    @property
    def move_cap(self) -> int:
        return self.max_moves if self.max_moves is not None else match_move_cap(self.size)

    @property
    def timed(self) -> bool:
        return bool(self.move_time) or bool(self.main_time)

    def game_settings(self) -> dict[str, Any]:
        """The settings that must match for a resumed match (the game count may grow)."""
        d = asdict(self)
        d.pop("games")
        return d

# --- files ---------------------------------------------------------------------------------------


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
    write_text_atomic(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in sorted(records, key=lambda r: r["index"])))


def prepare_out_dir(config: MatchConfig, out_dir: Path, force: bool) -> None:
    """Create the folder, or check that an existing match there has the same settings; then
    save the settings."""
    check_out_dir(config, out_dir, force)
    write_config(config, out_dir)


def write_config(config: MatchConfig, out_dir: Path) -> None:
    write_text_atomic(out_dir / CONFIG_FILE,
                      json.dumps({"config": asdict(config), "format": 1}, indent=2, sort_keys=True) + "\n")


def check_out_dir(config: MatchConfig, out_dir: Path, force: bool) -> None:
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


# --- engine names ------------------------------------------------------------------------------

def engine_name(command: str, timeout: float, config: MatchConfig | None = None) -> str:
    """``name`` + ``version`` of an engine; MatchError if it does not start and answer, or
    (given ``config``) cannot set up a board of the match (see ``check_engine``)."""
    try:
        with GtpClient(command) as client:
            name = client.send("name", timeout).strip() or command
            try:
                version = client.send("version", timeout).strip()
            except GtpFailure:
                version = ""
            if config is not None:
                check_engine(client, config, timeout)
    except GtpClientError as e:
        raise MatchError(f"engine {command!r} does not work: {e}") from e
    return f"{name} {version}".strip()


def check_engine(client: GtpClient, config: MatchConfig, timeout: float) -> None:
    """The setup every game sends (board size, clear_board, komi) and one ``genmove`` on a
    scratch board: an engine that refuses them (broken weights, which some engines load only
    for their first move; an unsupported size) would forfeit every game."""
    client.send(f"boardsize {config.size}", timeout)
    client.send("clear_board", timeout)
    client.send(f"komi {config.komi:g}", timeout)
    client.send("genmove black", timeout)


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
            stopping = alive and self.stop.is_set()
        if stopping:
            client.kill()  # started while the match was being stopped

    def _kill_all(self) -> None:
        with self._lock:
            clients = list(self._live)
        for client in clients:
            client.kill()

    def abort(self) -> None:
        """Stop the games in progress (unrecorded) and kill every engine still running."""
        self.stop.set()
        self._kill_all()

    def run(self) -> list[dict[str, Any]]:
        """Play the missing games and return every record of the match (old ones included)."""
        cfg = self.config
        check_out_dir(cfg, self.out_dir, self.force)
        results_path = self.out_dir / RESULTS_FILE
        records = {r["index"]: r for r in read_results(results_path)}
        todo = [i for i in range(cfg.games) if i not in records]
        names = {}
        if todo:
            names = {"engine": engine_name(cfg.engine, cfg.command_timeout, cfg),
                     "opponent": engine_name(cfg.opponent, cfg.command_timeout, cfg)}
        write_config(cfg, self.out_dir)
        if todo:
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
            self._kill_all()  # normally none is left; after a stop, those started meanwhile
            bar.close()


def _score_line(records, games: int) -> str:
    res = [r["engine_result"] for r in records if r["index"] < games]
    return f"engine {res.count('win')}-{res.count('loss')}" + (f"-{res.count('draw')}" if "draw" in res else "")


__all__ = ["MatchConfig", "MatchError", "MatchRunner", "GameRunner", "RefereeClock", "board_without",
           "parse_score", "parse_vertex_list", "read_results", "write_results", "summarize",
           "format_table", "engine_name"]
