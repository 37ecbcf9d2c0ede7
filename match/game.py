"""One game of ``go-engine match``: two GTP engines, a referee ``Game`` checking every move.

The runner's own ``Game`` checks each move (positional superko, no suicide), so an engine cannot
win by an illegal move or a desynchronised board. Game end: two passes (scored), resignation, a
forfeit (crash, timeout past the time limit plus a grace period, illegal move, non-GTP output,
refusing a legal move or the setup), or the move cap (scored as it stands, reason ``max-moves``).

Search reports: an engine that lists ``go-engine-last_analysis`` in ``list_commands`` (go-engine
with a search player) is asked it after each of its moves, and the answer (win rate, visits,
principal variation) becomes that move's comment in the SGF. Other engines are never sent it.

Scoring: both engines are asked ``final_status_list dead``. When they agree, those stones are
removed and the board is counted by Tromp-Taylor area with komi (``Position.area_score``). When
they disagree or one cannot answer and both list ``kgs-genmove_cleanup``, the game goes on as
KGS and CGOS settle disputes: both play cleanup moves (capturing what they call dead) until two
passes, and the board is then counted as it stands, or without the dead stones if they now
agree (``scored_by: cleanup``). No judge is needed, and the opponent never judges its own game:
a side that calls stones dead must capture them on the board. Otherwise the referee engine
(GNU Go by default) gets the game replayed and its ``final_score`` decides (``scored_by:
referee``); without a working referee the board is counted as it stands (``scored_by:
tromp-taylor``).
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from go_engine.rules import board_kernels as bk
from go_engine.rules.coords import CoordinateError, point_to_vertex, vertex_to_point
from go_engine.rules.game import Game, fixed_handicap_points
from go_engine.rules.position import BLACK, EMPTY, WHITE, Position

from go_engine.match.gtp_client import (GtpClient, GtpClientError, GtpCrash, GtpFailure, GtpProtocolError,
                         GtpTimeout)

if TYPE_CHECKING:
    from go_engine.match.runner import MatchConfig

COLOR_NAME = {BLACK: "black", WHITE: "white"}
COLOR_LETTER = {BLACK: "B", WHITE: "W"}
ANALYSIS_COMMAND = "go-engine-last_analysis"  # go-engine's report of the search behind its last move
CLEANUP_COMMAND = "kgs-genmove_cleanup"        # a genmove that captures dead stones before passing


# --- helpers -----------------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def one_line(text: str, limit: int = 500) -> str:
    """An engine's message fit for a one-line record: no colour codes or newlines, bounded."""
    text = " ".join(_ANSI.sub("", text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


class Forfeit(Exception):
    """An engine lost the game by misbehaving; ``kind`` is the recorded reason."""

    def __init__(self, color: int, kind: str, detail: str):
        detail = one_line(detail)
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
class RefereeClock:
    """The time the harness allows one engine: main time, then byo-yomi of ``byo`` seconds for
    every move (the engine's own view of its clock is ``players.time_control``)."""

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


def analysis_comment(body: str, color: int) -> str | None:
    """An SGF comment from a ``go-engine-last_analysis`` answer (``best D4 winrate 0.5321 visits
    1234 simulations 1200 seconds 1.98 pv D4 Q16``), or None when it says nothing usable."""
    tokens = body.split()
    if "pv" in tokens:
        at = tokens.index("pv")
        tokens, pv = tokens[:at], tokens[at + 1:]
    else:
        pv = []
    if len(tokens) % 2:
        return None
    fields = dict(zip(tokens[0::2], tokens[1::2]))
    try:
        winrate = float(fields["winrate"])
        visits = int(fields["visits"])
    except (KeyError, ValueError):
        return None
    if not 0.0 <= winrate <= 1.0:
        return None
    try:
        seconds = f", {float(fields['seconds']):.1f} s" if "seconds" in fields else ""
    except ValueError:
        seconds = ""
    lines = [f"{COLOR_NAME[color]}'s win rate {100 * winrate:.1f}% ({visits} visits{seconds})"]
    if pv:
        lines.append(one_line("pv " + " ".join(pv[:20]), 300))
    return "\n".join(lines)


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
        self.clocks: dict[int, RefereeClock] = {}
        self.seconds = {BLACK: 0.0, WHITE: 0.0}
        self.genmoves = {BLACK: 0, WHITE: 0}
        self.reports_search = {BLACK: False, WHITE: False}  # lists ANALYSIS_COMMAND
        self.cleans_up = {BLACK: False, WHITE: False}       # lists CLEANUP_COMMAND
        self.comments: dict[int, str] = {}                 # move number -> SGF comment

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

    def _stderr_path(self, color: int) -> Path:
        return self.out_dir / "logs" / f"game_{self.index:04d}_{COLOR_NAME[color]}.stderr"

    def _start(self) -> None:
        """Start both engines; their stderr goes to logs/game_NNNN_<colour>.stderr."""
        (self.out_dir / "logs").mkdir(exist_ok=True)
        for color in (BLACK, WHITE):
            label = f"{COLOR_NAME[color]} ({self.names[color]})"
            log = open(self._stderr_path(color), "wb")
            try:
                client = GtpClient(self.commands[color], label=label, stderr=log)
            except GtpClientError as e:
                raise Forfeit(color, "crash", str(e)) from e
            finally:
                log.close()  # the child holds its own copy of the descriptor
            self.clients[color] = client
            self.register(client, True)

    def _stderr_tail(self, color: int, lines: int = 3) -> str:
        try:
            text = self._stderr_path(color).read_bytes()[-4000:].decode("utf-8", errors="replace")
        except OSError:
            return ""
        tail = [one_line(ln, 200) for ln in text.splitlines() if ln.strip()][-lines:]
        return " | ".join(tail)

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
                self.clocks[color] = RefereeClock(float(cfg.main_time or 0), float(cfg.move_time or 0))
            listed = set((self._ask_optional_body(color, "list_commands") or "").split())
            self.reports_search[color] = ANALYSIS_COMMAND in listed
            self.cleans_up[color] = CLEANUP_COMMAND in listed
        if cfg.handicap:
            self.game.set_fixed_handicap(cfg.handicap)

    def _ask_optional(self, color: int, command: str) -> None:
        """A command an engine may refuse (time control): a ``?`` is fine, a crash is not."""
        self._ask_optional_body(color, command)

    def _ask_optional_body(self, color: int, command: str) -> str | None:
        """The answer to a command an engine may refuse; None for a ``?``."""
        try:
            return self._ask(color, command)
        except Forfeit as f:
            if f.kind != "refused command":
                raise
            return None

    def _note_search(self, color: int) -> None:
        """Ask an engine that reports its search about the move it just made; its answer becomes
        the move's SGF comment (a refusal or an unreadable answer is skipped)."""
        body = self._ask_optional_body(color, ANALYSIS_COMMAND)
        comment = analysis_comment(body, color) if body else None
        if comment:
            self.comments[len(self.game.moves)] = comment

    # --- the game --------------------------------------------------------------------------------
    def _genmove(self, color: int, command: str = "genmove") -> str:
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
        answer = self._ask(color, f"{command} {COLOR_NAME[color]}", timeout=limit)
        used = time.monotonic() - t0
        self.seconds[color] += used
        self.genmoves[color] += 1
        if clock is not None:
            clock.charge(used)
        return answer.strip()

    def _play_loop(self, cleanup: bool = False) -> tuple[str, int | None, float | None]:
        """Play until the game ends; return (reason, winner or None, black's score margin or None).
        ``cleanup``: the moves are asked with ``kgs-genmove_cleanup``."""
        game, n = self.game, self.config.size
        command = CLEANUP_COMMAND if cleanup else "genmove"
        while True:
            if game.is_over:
                return "score", None, None
            if len(game.moves) >= self.config.move_cap:
                return "max-moves", None, None
            color = game.to_play
            answer = self._genmove(color, command)
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
            if self.reports_search[color]:
                self._note_search(color)
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

    def _agreed_dead(self) -> tuple[set[int] | None, str]:
        """(the dead stones both engines list, "") or (None, why they do not agree)."""
        dead = {c: self._dead_stones(c) for c in (BLACK, WHITE)}
        if dead[BLACK] is None or dead[WHITE] is None:
            return None, "an engine could not list dead stones"
        if dead[BLACK] != dead[WHITE]:
            return None, "engines disagree on dead stones"
        board = self.game.position.board().ravel()
        if any(board[p] == EMPTY for p in dead[BLACK]):
            return None, "engines listed dead stones on empty points"
        return dead[BLACK], ""

    def _count_without(self, stones: set[int]) -> tuple[float, list[str]]:
        n = self.config.size
        counted = board_without(self.game.position, stones)
        return counted.area_score(self.config.komi), sorted(point_to_vertex(p, n) for p in stones)

    def _score(self) -> tuple[str, int | None, float | None, str, list[str], str]:
        """(reason, winner, black's margin, scored_by, dead stones, note) of a game that ended on
        the board; a cleanup phase may end it otherwise (a resignation, a forfeit raised)."""
        stones, note = self._agreed_dead()
        if stones is not None:
            margin, dead = self._count_without(stones)
            return "score", None, margin, "engines", dead, ""
        if self.cleans_up[BLACK] and self.cleans_up[WHITE] and len(self.game.moves) < self.config.move_cap:
            before = len(self.game.moves)
            self.game.position.info[bk.I_PASSES] = 0  # the game resumes, as the engines' own do
            reason, winner, _ = self._play_loop(cleanup=True)
            note += f"; played out with {CLEANUP_COMMAND} ({len(self.game.moves) - before} moves)"
            if reason == "resign":
                return reason, winner, None, None, [], note
            stones, _ = self._agreed_dead()
            margin, dead = self._count_without(stones or set())
            return reason, None, margin, "cleanup", dead, note
        if self.config.referee:
            try:
                return "score", None, self._referee_score(), "referee", [], note
            except (GtpClientError, ValueError) as e:
                note += f"; referee failed: {one_line(str(e))}"
        return "score", None, self.game.score(), "tromp-taylor", [], note

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
                    ended, winner, margin, scored_by, dead, detail = self._score()
                    reason = ended if reason == "score" else reason  # no cleanup past the cap
                if margin is not None:
                    winner = None if margin == 0 else (BLACK if margin > 0 else WHITE)
            except Forfeit as f:
                forfeited.add(f.color)
                reason, detail = f.kind, f"{COLOR_NAME[f.color]}: {f.detail}"
                if f.kind in ("crash", "protocol error"):
                    if f.color in self.clients:
                        self.clients[f.color].kill()  # flush its stderr before reading it
                    tail = self._stderr_tail(f.color)
                    if tail:
                        detail += f"; stderr: {tail}"
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
        from go_engine.rules.sgf import save_sgf
        comment = f"go-engine match, game {self.index}: {reason}" + (f" ({detail})" if detail else "")
        save_sgf(self.out_dir / sgf_name, self.game, result=result, black=self.names[BLACK],
                 white=self.names[WHITE], root_comment=comment, comments=self.comments)
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


__all__ = ["GameRunner", "RefereeClock", "Forfeit", "Interrupted", "analysis_comment", "board_without",
           "parse_score", "parse_vertex_list", "result_string"]
