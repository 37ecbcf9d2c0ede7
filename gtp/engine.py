"""``GtpEngine``: the GTP v2 commands, each a ``cmd_*`` method over a ``Game`` and a ``Player``.

No rules here: legality, scoring, handicap placement and SGF come from ``go_engine``. The game
and the player are built on first use, so that answering ``protocol_version`` or ``name``
never waits for Numba (a GUI's first command returns at once; the board loads on the first
command that needs it).

Error messages follow the GTP v2 specification where it names one ("unknown command",
"illegal move", "unacceptable size", "cannot undo", "board not empty", "invalid number of
stones", "cannot load file", "syntax error").
"""
from __future__ import annotations

import importlib.metadata
import logging
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NewType

from go_engine.players.protocol import SearchPlayer
from go_engine.players.registry import DEFAULT_PLAYER, PlayerOptions, make_player

from go_engine.gtp.analysis import AnalysisOptions, info_line, last_search_line, parse_analysis_args
from go_engine.gtp.dispatcher import BASE_CONVERTERS, Dispatcher
from go_engine.gtp.protocol import GtpError, Stream
from go_engine.rules.conventions import DEFAULT_KOMI

Emit = Callable[[str], None]  # writes one line of a streamed response
Report = Callable[["SearchResult"], None]  # a search's progress callback

if TYPE_CHECKING:
    from go_engine.rules.game import Game
    from go_engine.players.ownership import Ownership
    from go_engine.players.protocol import Player
    from go_engine.search.mcts import SearchResult

log = logging.getLogger(__name__)

Color = NewType("Color", int)    # "b", "black", "w", "white" (any case) -> BLACK / WHITE
Vertex = NewType("Vertex", int)  # "D4", "pass" (any case) -> point (n*n for pass)

MAX_KOMI = 1000.0
MAX_SGF_BYTES = 32 * 1024 * 1024  # loadsgf refuses bigger files (and devices, pipes, folders)
MIN_SIZE, MAX_SIZE = 2, 25  # rules.coords' limits (tested); importing coords loads NumPy
STATUSES = ("alive", "dead", "seki")


def to_color(token: str, engine: Any = None) -> int:
    from go_engine.rules.position import BLACK, WHITE
    t = token.lower()
    if t in ("b", "black"):
        return BLACK
    if t in ("w", "white"):
        return WHITE
    raise GtpError(f"invalid color {token!r}")


def to_vertex(token: str, engine: "GtpEngine") -> int:
    from go_engine.rules.coords import CoordinateError, vertex_to_point
    try:
        return vertex_to_point(token, engine.size)
    except CoordinateError:
        raise GtpError(f"invalid vertex {token!r}") from None


def _ignore(result: Any) -> None:
    """A progress callback that reports nothing (genmove_analyze with interval 0)."""


def _read_small_file(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_SGF_BYTES; OSError otherwise.

    ``loadsgf /dev/zero`` must not eat memory and ``loadsgf`` of a FIFO must not block: the
    path is checked before it is opened, and it is opened non-blocking and checked again (it
    may have been swapped in between)."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError(f"{path} is not a regular file")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        if info.st_size > MAX_SGF_BYTES:
            raise OSError(f"{path} is larger than {MAX_SGF_BYTES} bytes")
        return f.read(MAX_SGF_BYTES + 1)


@dataclass(frozen=True)
class EngineConfig:
    size: int = 19
    komi: float = DEFAULT_KOMI
    player: str = DEFAULT_PLAYER
    player_options: PlayerOptions = field(default_factory=PlayerOptions)
    ownership_playouts: int = 256   # nakade playouts behind final_status_list / final_score
    seed: int = 0
    ponder: bool = False            # search on the opponent's time after genmove


class GtpEngine(Dispatcher):
    """One GTP session: ``handle_line`` in, framed response out (see ``Dispatcher``)."""

    converters = MappingProxyType({**BASE_CONVERTERS, Color: to_color, Vertex: to_vertex})

    def __init__(self, config: EngineConfig = EngineConfig()):
        super().__init__()
        if not MIN_SIZE <= config.size <= MAX_SIZE:
            raise ValueError(f"board size must be between {MIN_SIZE} and {MAX_SIZE}")
        self.config = config
        self.size = config.size
        self.komi = config.komi
        self._game: Game | None = None
        self._player: Player | None = None
        self._clock = None  # players.time_control.TimeManager, built on first use
        self._ownership: tuple[int, Ownership] | None = None  # (position hash, estimate)
        self._last_search: Any = None   # the SearchResult behind the last generated move, if any
        self._ponder_key: tuple | None = None  # the position after our last genmove (--ponder)

    # --- lazily built state ---------------------------------------------------------------------
    @property
    def game(self) -> "Game":
        if self._game is None:
            from go_engine.rules.game import Game
            self._game = Game(self.size, self.komi)
        return self._game

    @property
    def player(self) -> "Player":
        if self._player is None:
            self._player = make_player(self.config.player, self.config.player_options)
            self._player.new_game(self.game)
        return self._player

    @property
    def clock(self):
        if self._clock is None:
            from go_engine.players.time_control import TimeManager
            self._clock = TimeManager()
        return self._clock

    def _new_game(self) -> None:
        self._game = None
        self._ownership = None
        self._last_search = None
        if self._player is not None:
            self._player.new_game(self.game)

    # --- administration -------------------------------------------------------------------------
    def cmd_protocol_version(self) -> str:
        return "2"

    def cmd_name(self) -> str:
        return "go-engine"

    def cmd_version(self) -> str:
        try:
            return importlib.metadata.version("go-engine")
        except importlib.metadata.PackageNotFoundError:
            return "0"

    def cmd_known_command(self, name: str) -> str:
        return "true" if name.lower() in self.commands else "false"

    def cmd_list_commands(self) -> str:
        return "\n".join(sorted(self.commands))

    def cmd_quit(self) -> None:
        self.quit_requested = True

    def cmd_stop(self) -> None:
        """KataGo's ``stop``: end analysis or pondering. Any command does that by arriving, so
        there is nothing left to do here."""

    # --- setup ----------------------------------------------------------------------------------
    def cmd_boardsize(self, size: int) -> None:
        if not MIN_SIZE <= size <= MAX_SIZE:
            raise GtpError("unacceptable size")
        self.size = size
        self._new_game()

    def cmd_clear_board(self) -> None:
        self._new_game()
        self.player  # build (and warm up) the player now, before any clock runs: the first
        # move of a network player would otherwise spend seconds loading JAX and compiling

    def cmd_komi(self, komi: float) -> None:
        if abs(komi) > MAX_KOMI:
            raise GtpError(f"komi out of range (|komi| <= {MAX_KOMI:g})")
        self.komi = komi
        if self._game is not None:
            self._game.komi = komi

    def cmd_fixed_handicap(self, stones: int) -> str:
        from go_engine.rules.game import max_fixed_handicap
        if not 2 <= stones <= max_fixed_handicap(self.size):
            raise GtpError("invalid number of stones")
        self._require_empty_board()
        return self._vertices(self.game.set_fixed_handicap(stones))

    def cmd_place_free_handicap(self, stones: int) -> str:
        if not 2 <= stones < self.size * self.size:
            raise GtpError("invalid number of stones")
        self._require_empty_board()
        points = self.game.free_handicap_points(stones)
        self.game.set_handicap(points)
        return self._vertices(points)

    def cmd_set_free_handicap(self, *points: Vertex) -> None:
        if len(points) < 2 or len(points) >= self.size * self.size:
            raise GtpError("invalid number of stones")
        if self.size * self.size in points or len(set(points)) != len(points):
            raise GtpError("bad vertex list")
        self._require_empty_board()
        self.game.set_handicap(list(points))

    def _require_empty_board(self) -> None:
        from go_engine.rules.position import BLACK, WHITE
        pos = self.game.position
        if self.game.moves or self.game.handicap or pos.stones(BLACK) or pos.stones(WHITE):
            raise GtpError("board not empty")

    # --- moves ----------------------------------------------------------------------------------
    def cmd_play(self, color: Color, point: Vertex) -> None:
        from go_engine.rules.game import GameTooLong
        from go_engine.rules.position import IllegalMove
        try:
            self.game.play(point, color)
        except IllegalMove:
            raise GtpError("illegal move") from None
        except GameTooLong as e:
            raise GtpError(str(e)) from None

    def cmd_genmove(self, color: Color) -> str:
        return self._generate(color, play=True, cleanup=False)

    def cmd_reg_genmove(self, color: Color) -> str:
        return self._generate(color, play=False, cleanup=False)

    def cmd_kgs__genmove_cleanup(self, color: Color) -> str:
        return self._generate(color, play=True, cleanup=True)

    def _generate(self, color: int, play: bool, cleanup: bool, on_progress: Report | None = None,
                  interval: float = 1.0) -> str:
        from go_engine.players.protocol import RESIGN, TimeBudget
        from go_engine.rules.game import MAX_GAME_MOVES
        game, player = self.game, self.player
        if play and len(game.moves) >= MAX_GAME_MOVES:
            raise GtpError(f"game too long: at most {MAX_GAME_MOVES} moves per game")
        ply = game.position.ply
        budget = TimeBudget(self.clock.budget(color, ply, game.n), use_all=not self.clock.bankable(color),
                            max_seconds=self.clock.ceiling(color, ply, game.n))
        start = time.monotonic()
        search = player if isinstance(player, SearchPlayer) else None  # others just genmove
        before = search.last_result if search is not None else None
        if search is not None and on_progress is not None:
            point = search.genmove(game, color, budget, on_progress=on_progress, progress_interval=interval)
        elif search is not None and cleanup:
            point = search.genmove_cleanup(game, color, budget)
        else:
            point = player.genmove(game, color, budget)
        self.clock.record(color, time.monotonic() - start)
        after = search.last_result if search is not None else None
        self._last_search = (after, game.n) if after is not None and after is not before else None
        if point == RESIGN:
            return "resign"
        from go_engine.rules.coords import point_to_vertex
        if not 0 <= point <= game.n * game.n or not game.is_legal(point, color):
            log.error("player %s chose illegal point %r; passing instead", player.name, point)
            point = game.n * game.n
        if play:
            self.game.play(point, color)
            self._ponder_key = self._position_key() if self.config.ponder else None
        return point_to_vertex(point, game.n)

    # --- analysis (Leela Zero / KataGo extensions, see gtp/analysis.py) -------------------------
    def cmd_lz__analyze(self, *args: str) -> Stream:
        """Search from the current position until the next command arrives, one line of
        ``info`` groups every interval (Leela Zero format)."""
        return self._analysis(parse_analysis_args(args))

    def cmd_analyze(self, *args: str) -> Stream:
        """Sabaki's own name for it (``analyze <color> <interval>``, tried before ``lz-analyze``);
        the same command."""
        return self._analysis(parse_analysis_args(args))

    def cmd_kata__analyze(self, *args: str) -> Stream:
        """``lz-analyze`` with KataGo's number format and ``ownership true``."""
        return self._analysis(parse_analysis_args(args, kata=True))

    def cmd_genmove_analyze(self, *args: str) -> Stream:
        """genmove that streams ``info`` lines while it searches and ends with ``play <vertex>``;
        like genmove it runs to the end (new input does not cut it short)."""
        return self._genmove_analysis(parse_analysis_args(args))

    def cmd_lz__genmove_analyze(self, *args: str) -> Stream:
        return self._genmove_analysis(parse_analysis_args(args))

    def cmd_kata__genmove_analyze(self, *args: str) -> Stream:
        return self._genmove_analysis(parse_analysis_args(args, kata=True))

    def cmd_go__engine__last_analysis(self) -> str:
        """The search behind the last generated move in one line (``winrate`` for the side that
        moved, ``visits``, ``pv`` ...); empty when that move came from no search. The match runner
        writes it into its SGF comments."""
        if self._last_search is None:
            return ""
        result, n = self._last_search
        return last_search_line(result, n)

    def _analysis(self, options: AnalysisOptions) -> Stream:
        player = self.player
        if not isinstance(player, SearchPlayer):
            raise GtpError(f"the {player.name} player cannot analyze (use a search player: --player mcts)")
        game = self.game
        color = options.color or game.to_play

        def run(emit: Emit) -> None:
            result = player.analyze(game, color, self.input_waiting, self._reporter(emit, options, color),
                                    options.interval)
            if result is None:  # nothing to search (game over): still end on the next command
                while not self.input_waiting():
                    time.sleep(0.01)
        return Stream(run)

    def _genmove_analysis(self, options: AnalysisOptions) -> Stream:
        color = options.color or self.game.to_play

        def run(emit: Emit) -> None:
            report = self._reporter(emit, options, color)
            if report is None:
                report = _ignore
            emit("play " + self._generate(color, play=True, cleanup=False, on_progress=report,
                                          interval=options.interval))
        return Stream(run)

    def _reporter(self, emit: Emit, options: AnalysisOptions, color: int) -> Report | None:
        """The progress callback that writes one info line per report (None: interval 0)."""
        if options.interval_cs <= 0:
            return None
        n = self.game.n
        from go_engine.rules.position import BLACK

        def report(result: SearchResult) -> None:
            own = None
            player = self.player
            if options.ownership and isinstance(player, SearchPlayer):  # the tree's playouts
                sign = 1.0 if color == BLACK else -1.0
                own = [sign * float(v) for v in player.mcts.ownership()]
            line = info_line(result, n, options, own)
            if line:
                emit(line)
        return report

    # --- pondering (--ponder) --------------------------------------------------------------------
    def _position_key(self) -> tuple:
        game = self.game
        return (len(game.moves), game.position.hash, game.to_play, game.n)

    @property
    def ponder_pending(self) -> bool:
        """Should the loop ponder while no input waits? Yes from our genmove until the position
        changes (the opponent's move, undo, a new game): commands that leave the position alone
        (time_left, go-engine-last_analysis) interrupt pondering, which then resumes on the same
        tree."""
        return (self._ponder_key is not None and self._game is not None
                and self._ponder_key == self._position_key())

    def ponder(self, input_waiting: Callable[[], bool]) -> None:
        """Search the position after our move until ``input_waiting()`` (the opponent's time);
        the tree is kept, so the reply's subtree starts the next genmove. Errors are logged only."""
        player, game = self._player, self._game
        if player is None or game is None or not isinstance(player, SearchPlayer) or game.is_over:
            self._ponder_key = None
            return
        try:
            result = player.analyze(game, game.to_play, input_waiting)
        except Exception:  # noqa: BLE001 -- pondering is optional, the session must go on
            log.exception("pondering failed")
            self._ponder_key = None
            return
        if result is None:
            self._ponder_key = None
        else:
            log.info("pondered %d simulations in %.2fs (tree %d visits)", result.simulations,
                     result.seconds, result.root_visits)

    def cmd_undo(self) -> None:
        try:
            self.game.undo()
        except IndexError:
            raise GtpError("cannot undo") from None

    # --- board queries --------------------------------------------------------------------------
    def cmd_showboard(self) -> str:
        """The board (X black, O white) and a status line in GTP terms (vertices, not points)."""
        from go_engine.rules.coords import point_to_vertex
        from go_engine.rules.position import BLACK
        pos = self.game.position
        board = pos.to_ascii(coordinates=True).split("\n")[:-1]  # drop its status line
        caps_b, caps_w = pos.captures
        last = pos.last_move
        status = (f"{'black' if pos.to_play == BLACK else 'white'} to play, move {len(self.game.moves) + 1}"
                  f", komi {self.game.komi:g}, captures B {caps_b} W {caps_w}"
                  + (f", last {point_to_vertex(last, pos.n)}" if last is not None else ""))
        return "\n" + "\n".join([*board, status])

    def cmd_is_legal(self, color: Color, point: Vertex) -> str:
        """GNU Go extension: 1 if ``color`` may play ``vertex`` now (superko included)."""
        return "1" if self.game.is_legal(point, color) else "0"

    def cmd_list_stones(self, color: Color) -> str:
        """GNU Go extension: the stones of ``color``, top row first, left to right."""
        return self._vertices(self.game.position.stones(color))

    def cmd_final_score(self) -> str:
        from go_engine.players.ownership import score_without_dead
        dead = [p for p, s in self._status().items() if s == "dead"]
        score = score_without_dead(self.game.position, self.game.komi, dead)
        if score == 0:
            return "0"
        return f"B+{score:g}" if score > 0 else f"W+{-score:g}"

    def cmd_final_status_list(self, status: str) -> str:
        """One chain per line (as GNU Go answers), chains in board order."""
        from go_engine.players.ownership import status_chains
        status = status.lower()
        if status not in STATUSES:
            raise GtpError("invalid status")
        found = status_chains(self.game.position, status, self._status())
        return "\n".join(self._vertices(ch) for ch in found)

    def cmd_ownership(self) -> str:
        """Black's ownership minus white's, per point, top row first (GoGui ``dboard``)."""
        own = self._estimate().balance().reshape(self.size, self.size)
        return "\n".join(" ".join(f"{v:.2f}" for v in row) for row in own)

    def _estimate(self) -> "Ownership":
        from go_engine.players.ownership import estimate_ownership
        pos = self.game.position
        key = (pos.hash, pos.to_play, pos.n)
        if self._ownership is None or self._ownership[0] != key:
            self._ownership = (key, estimate_ownership(pos, self.config.ownership_playouts,
                                                       self.config.seed))
        return self._ownership[1]

    def _status(self) -> dict[int, str]:
        from go_engine.players.ownership import final_status
        return final_status(self.game.position, ownership=self._estimate())

    def _vertices(self, points) -> str:
        from go_engine.rules.coords import point_to_vertex
        return " ".join(point_to_vertex(int(p), self.size) for p in points)

    # --- time -----------------------------------------------------------------------------------
    def cmd_time_settings(self, main_time: int, byo_yomi_time: int, byo_yomi_stones: int) -> None:
        try:
            self.clock.time_settings(float(main_time), float(byo_yomi_time), byo_yomi_stones)
        except ValueError as e:
            raise GtpError(f"syntax error: {e}") from None

    def cmd_kgs__time_settings(self, system: str, *values: float) -> None:
        arity = {"none": 0, "absolute": 1, "byoyomi": 3, "canadian": 3}
        system = system.lower()
        if system not in arity:
            raise GtpError(f"syntax error: unknown time system {system!r}")
        if len(values) != arity[system]:
            raise GtpError(f"syntax error: {system} takes {arity[system]} numbers")
        main, byo, count = (list(values) + [0.0, 0.0, 0.0])[:3]
        if count != int(count):
            raise GtpError("syntax error: the stone or period count must be an integer")
        try:
            self.clock.kgs_time_settings(system, main, byo, int(count))
        except ValueError as e:
            raise GtpError(f"syntax error: {e}") from None

    def cmd_time_left(self, color: Color, seconds: float, stones: int) -> None:
        if seconds < 0 or stones < 0:
            raise GtpError("syntax error: time and stones must be non-negative")
        self.clock.time_left(color, seconds, stones)

    # --- SGF ------------------------------------------------------------------------------------
    def cmd_loadsgf(self, filename: str, move_number: int = 0) -> None:
        """Load a game; with ``move_number`` k, the position before move k (k >= 1)."""
        from go_engine.rules.sgf import SGFError, load_sgf
        if move_number < 0:
            raise GtpError("syntax error: move number must be positive")
        try:
            data = _read_small_file(Path(filename))
            record = load_sgf(data, source=filename)
        except (OSError, SGFError, ValueError) as e:
            raise GtpError(f"cannot load file: {e}") from None
        game = record.game
        if move_number >= 1:
            while len(game.moves) >= move_number:
                game.undo()
        self.size, self.komi = game.n, game.komi
        self._game = game
        self._ownership = None
        if self._player is not None:
            self._player.new_game(game)

    def cmd_printsgf(self, filename: str = "") -> str | None:
        """GNU Go extension: the game as SGF, or written to ``filename`` (atomically)."""
        from go_engine.rules.sgf import game_to_sgf, save_sgf
        fields = dict(result=self.game.result_string() if self.game.is_over else None)
        if filename:
            try:
                save_sgf(filename, self.game, **fields)
            except OSError as e:
                raise GtpError(f"cannot write file: {e}") from None
            return None
        return game_to_sgf(self.game, **fields)

    # --- GoGui ----------------------------------------------------------------------------------
    def cmd_gogui__analyze_commands(self) -> str:
        return "\n".join([
            "dboard/Ownership/ownership",
            "plist/Dead Stones/final_status_list dead",
            "plist/Seki Stones/final_status_list seki",
            "string/Final Score/final_score",
            "string/Show Board/showboard",
        ])
