"""SGF game records: read them into ``Game``, write them out, and stream whole archives.

Parsing and serialising go through ``sgfmill``; this module only maps SGF onto the engine's
``Game``/``Position`` and turns every kind of bad input into one ``SGFError`` that says where
(file, game index in the collection, move number) and why.

Coordinates: sgfmill's ``(row, col)`` has row 0 at the *bottom*; our ``point`` has row 0 at
the *top*. So ``point = (n - 1 - row) * n + col``. SGF ``B[aa]`` is the top-left corner
(GTP A19 on 19x19), which is point 0.

Missing komi: ``KM`` absent means ``default_komi`` when given, else ``DEFAULT_KOMI_EVEN``
(``conventions.DEFAULT_KOMI``, the engine's area-scoring komi) for even games and ``DEFAULT_KOMI_HANDICAP`` (0.5)
for handicap games. ``komi_missing`` on the record says the value was not recorded.

Archives: ``iter_sgf_texts`` streams single ``.sgf`` files, ``.sgfs`` collections (one game
per line) and ordinary multi-game collections, directories (recursively), and ``.zip`` /
``.tar[.gz|.xz|.bz2]`` archives of them, in bounded memory and without extracting anything.
``iter_games`` loads each game and skips (counts, logs) broken ones; ``iter_moves`` is the
fast path for data building: sgfmill parsing only, no board replay.
"""
from __future__ import annotations

import importlib.metadata
import logging
import lzma
import os
import re
import tarfile
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Generator, Iterable, Iterator, TypeVar

import numpy as np
from numba import njit
from sgfmill import sgf as sgfmill_sgf
from sgfmill import sgf_grammar

from go_engine.rules import board_kernels as bk
from go_engine.atomic_io import write_text_atomic
from go_engine.rules.conventions import DEFAULT_KOMI
from go_engine.rules.coords import MAX_SIZE, MIN_SIZE, point_to_vertex
from go_engine.rules.game import MAX_GAME_MOVES, Game
from go_engine.rules.position import BLACK, WHITE, IllegalMove

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_KOMI_EVEN = DEFAULT_KOMI
DEFAULT_KOMI_HANDICAP = 0.5

SGF_SUFFIXES = (".sgf", ".sgfs")
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2")
ZIP_SUFFIXES = (".zip",)
_CHUNK = 1 << 16
MAX_SGF_NODES = 2 * MAX_GAME_MOVES  # variations included; refused before parsing

_COLOR_OF = {"b": BLACK, "w": WHITE}
_NUMERIC_ROOT = ("GM", "KM", "HA", "PL")
_LETTER_OF = {BLACK: "b", WHITE: "w"}


class SGFError(ValueError):
    """A game that cannot be loaded. ``reason`` is a short category used for skip counts:
    parse, size, property, setup, illegal, superko, too long."""

    def __init__(self, message: str, *, source: str = "<string>", index: int = 0,
                 move: int | None = None, reason: str = "parse"):
        self.source = source
        self.index = index
        self.move = move
        self.reason = reason
        self.detail = message
        where = f"{source}, game {index}"
        if move is not None:
            where += f", move {move}"
        super().__init__(f"{where}: {message}")


# --- records -------------------------------------------------------------------------------

@dataclass(frozen=True)
class MoveRecord:
    """What an SGF main line says, without a board: the fast path for building data sets.

    ``moves`` holds (color, point) with pass = size*size; ``black_setup``/``white_setup`` are
    the AB/AW points before the first move; ``first_to_play`` is PL, else the first move's
    color, else white after a black-only handicap, else black.
    """

    size: int
    komi: float
    komi_missing: bool
    handicap: int
    black_setup: tuple[int, ...]
    white_setup: tuple[int, ...]
    first_to_play: int
    moves: tuple[tuple[int, int], ...]
    result: str | None
    winner: int | None
    rules: str | None
    black: str
    white: str
    black_rank: str
    white_rank: str
    date: str | None
    comments: dict[int, str]
    source: str
    index: int

    @property
    def is_black_handicap(self) -> bool:
        """AB-only setup that ``Game.set_handicap`` can place (white then moves first)."""
        return (len(self.black_setup) >= 2 and not self.white_setup
                and (self.handicap > 0 or self.first_to_play == WHITE))


@dataclass(frozen=True)
class GameRecord:
    """A loaded game plus the metadata ``Game`` does not keep. ``comments`` maps the number of
    moves played at that node (0 = root/setup) to its C[] text."""

    game: Game
    black: str
    white: str
    black_rank: str
    white_rank: str
    result: str | None
    winner: int | None
    rules: str | None
    komi: float
    handicap: int
    date: str | None
    source: str
    index: int
    comments: dict[int, str] = field(default_factory=dict)
    komi_missing: bool = False

    @property
    def size(self) -> int:
        return self.game.n


def parse_winner(result: str | None) -> int | None:
    """BLACK for ``B+...``, WHITE for ``W+...``, None for draws, void, unknown or missing."""
    if not result:
        return None
    head = result.strip()[:2].upper()
    if head == "B+":
        return BLACK
    if head == "W+":
        return WHITE
    return None


# --- reading one game ----------------------------------------------------------------------

def _parse_sgfmill(text: str | bytes, source: str,
                   index: int) -> tuple[sgf_grammar.Coarse_game_tree, sgfmill_sgf.Sgf_game]:
    """sgfmill's parse tree (for the fast raw main line) and its Sgf_game (for properties)."""
    nodes = _count_nodes(text.encode("utf-8") if isinstance(text, str) else bytes(text))
    if nodes > MAX_SGF_NODES:
        raise SGFError(f"{nodes} nodes: more than the {MAX_SGF_NODES} a game may have "
                       f"(at most {MAX_GAME_MOVES} moves)", source=source, index=index,
                       reason="too long")
    try:
        if isinstance(text, str):
            data, override = text.encode("utf-8"), "UTF-8"
        else:
            data, override = bytes(text), None
            if b"CA[" not in data:
                # no charset given: SGF says Latin-1, but nearly every modern file is UTF-8
                try:
                    data.decode("utf-8")
                    override = "UTF-8"
                except UnicodeDecodeError:
                    pass
        coarse = sgf_grammar.parse_sgf_game(data)
        return coarse, sgfmill_sgf.Sgf_game.from_coarse_game_tree(coarse, override)
    except (ValueError, LookupError) as e:
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        reason = "size" if "size" in str(e) else "parse"
        moves = None if reason == "size" else _moves_before_error(data)
        where = "" if moves is None else f" (error after move {moves})"
        raise SGFError(f"malformed SGF: {str(e) or 'unparsable'}{where}", source=source,
                       index=index, move=None if moves is None else moves + 1,
                       reason=reason) from None


@njit(cache=True, nogil=True)
def _count_nodes_kernel(data):
    """Semicolons outside ``[...]`` values (``\\`` escapes the next byte) in uint8 ``data``."""
    nodes = 0
    in_value = False
    k = 0
    size = data.shape[0]
    while k < size:
        ch = data[k]
        if in_value:
            if ch == 92:  # backslash
                k += 1
            elif ch == 93:  # ']'
                in_value = False
        elif ch == 91:  # '['
            in_value = True
        elif ch == 59:  # ';'
            nodes += 1
        k += 1
    return nodes


def _count_nodes(data: bytes) -> int:
    """Nodes (``;`` outside property values) in ``data``, so that a huge record is refused
    before sgfmill builds a tree of Python objects for it."""
    semicolons = data.count(b";")
    if semicolons <= MAX_SGF_NODES:
        return semicolons  # an upper bound that is already small enough
    return int(_count_nodes_kernel(np.frombuffer(data, dtype=np.uint8)))


def _moves_before_error(data: bytes) -> int | None:
    """Moves sgfmill could tokenise before it gave up, to point at the broken move."""
    try:
        tokens, _ = sgf_grammar.tokenise(data)
    except Exception:  # only used to word an error message
        return None
    if not tokens:
        return None
    return sum(1 for kind, tok in tokens if kind == "I" and tok in (b"B", b"W"))


def _to_point(rc: tuple[int, int] | None, n: int) -> int:
    if rc is None:
        return n * n
    row, col = rc
    return (n - 1 - row) * n + col


def read_moves(text: str | bytes, source: str = "<string>", index: int = 0, *,
               default_komi: float | None = None) -> MoveRecord:
    """Parse one SGF game (the first in ``text``) into a ``MoveRecord``; no legality checks.

    Raises ``SGFError`` for malformed SGF, a board size the engine cannot play, malformed
    root properties, setup stones after the first move, or a bad move value.
    """
    coarse, game = _parse_sgfmill(text, source, index)

    def fail(msg: str, reason: str, move: int | None = None) -> SGFError:
        return SGFError(msg, source=source, index=index, move=move, reason=reason)

    root = game.get_root()
    try:
        n = game.get_size()
    except ValueError as e:
        raise fail(f"bad SZ ({e})", "size") from None
    if not MIN_SIZE <= n <= MAX_SIZE:
        raise fail(f"board size {n} not supported ({MIN_SIZE}..{MAX_SIZE})", "size")

    def root_value(ident: str, getter, default=None):
        try:
            return getter() if root.has_property(ident) else default
        except UnicodeDecodeError:
            if ident in _NUMERIC_ROOT:
                raise fail(f"malformed {ident} (bad bytes)", "property") from None
            # a mis-encoded name or date must not cost the game: keep it with U+FFFD
            return root.get_raw(ident).decode(game.get_charset(), errors="replace")
        except (ValueError, LookupError) as e:
            raw = root.get_raw(ident).decode("latin-1")
            raise fail(f"malformed {ident}[{raw}] ({str(e) or 'bad value'})", "property") from None

    gm = root_value("GM", lambda: root.get("GM"), 1)
    if gm != 1:
        raise fail(f"GM[{gm}] is not a Go game", "property")
    komi_missing = not root.has_property("KM")
    komi = float(root_value("KM", game.get_komi, 0.0))
    ha = root_value("HA", game.get_handicap) or 0
    result, rules, black, white, black_rank, white_rank, date, pl = (
        root_value(ident, lambda ident=ident: root.get(ident), default)
        for ident, default in (("RE", None), ("RU", None), ("PB", ""), ("PW", ""), ("BR", ""),
                               ("WR", ""), ("DT", None), ("PL", None)))

    presenter = game.get_property_presenter()
    black_setup: set[int] = set()
    white_setup: set[int] = set()
    moves: list[tuple[int, int]] = []
    comments: dict[int, str] = {}
    pass_tt = n <= 19
    # raw property maps of the main line: far faster than building sgfmill Tree_nodes
    for props in sgf_grammar.main_sequence_iter(coarse):
        ply = len(moves)
        if "AB" in props or "AW" in props or "AE" in props:
            if moves:
                raise fail("setup stones (AB/AW/AE) after the first move are not supported",
                           "setup", ply)
            for ident in ("AB", "AW", "AE"):
                if ident not in props:
                    continue
                try:
                    points = {_to_point(rc, n) for rc in presenter.interpret(ident, props[ident])}
                except ValueError as e:
                    raise fail(f"malformed {ident} ({str(e) or 'bad point'})", "setup", 0) from None
                for p in points:
                    black_setup.discard(p)
                    white_setup.discard(p)
                    if ident == "AB":
                        black_setup.add(p)
                    elif ident == "AW":
                        white_setup.add(p)
        value = props.get("B")
        color = BLACK
        if value is None:
            value = props.get("W")
            color = WHITE
        elif "W" in props:
            raise fail("node has both B and W", "parse", ply + 1)
        if value is not None:
            raw = value[0]
            if raw == b"" or (pass_tt and raw == b"tt"):
                point = n * n
            else:
                col = raw[0] - 97 if len(raw) == 2 else -1
                row = raw[1] - 97 if len(raw) == 2 else -1
                if not (0 <= col < n and 0 <= row < n):
                    raise fail(f"bad move value [{raw.decode('latin-1')}] on a {n}x{n} board",
                               "parse", ply + 1)
                point = row * n + col  # SGF rows run from the top, as points do
            moves.append((color, point))
        if "C" in props:
            try:
                text_c = presenter.interpret("C", props["C"])
            except ValueError:
                text_c = b"".join(props["C"]).decode(game.get_charset(), errors="replace")
            key = len(moves)
            comments[key] = f"{comments[key]}\n\n{text_c}" if key in comments else text_c

    if pl is not None:
        first = _COLOR_OF[pl]
    elif moves:
        first = moves[0][0]
    elif black_setup and not white_setup and (ha or len(black_setup) >= 2):
        first = WHITE
    else:
        first = BLACK
    handicap = ha
    if not handicap and len(black_setup) >= 2 and not white_setup and first == WHITE:
        handicap = len(black_setup)  # AB-only setup with white to move: a handicap without HA
    if komi_missing:
        komi = default_komi if default_komi is not None else (
            DEFAULT_KOMI_HANDICAP if handicap else DEFAULT_KOMI_EVEN)
    return MoveRecord(
        size=n, komi=komi, komi_missing=komi_missing, handicap=handicap,
        black_setup=tuple(sorted(black_setup)), white_setup=tuple(sorted(white_setup)),
        first_to_play=first, moves=tuple(moves), result=result, winner=parse_winner(result),
        rules=rules, black=black, white=white, black_rank=black_rank, white_rank=white_rank,
        date=date, comments=comments, source=source, index=index)


def record_to_game(rec: MoveRecord, *, check_superko: bool = True) -> Game:
    """Replay a ``MoveRecord`` on a board; ``SGFError`` names the first illegal move."""
    n = rec.size

    def fail(msg: str, reason: str, move: int | None) -> SGFError:
        return SGFError(msg, source=rec.source, index=rec.index, move=move, reason=reason)

    game = Game(n, rec.komi)
    try:
        if rec.is_black_handicap:
            game.set_handicap(list(rec.black_setup))
        else:
            for p in rec.black_setup:
                game.position.place_setup_stone(p, BLACK)
            for p in rec.white_setup:
                game.position.place_setup_stone(p, WHITE)
            if rec.black_setup or rec.white_setup:
                if bk.check_links(game.position.color, game.position.links, game.position.info):
                    raise fail("setup leaves a chain without liberties", "setup", 0)
    except (IllegalMove, ValueError) as e:
        if isinstance(e, SGFError):
            raise
        raise fail(f"bad setup stones ({e})", "setup", 0) from None
    game.position.to_play = rec.first_to_play
    if len(rec.moves) > MAX_GAME_MOVES:
        raise fail(f"{len(rec.moves)} moves: more than the {MAX_GAME_MOVES} a game may have",
                   "too long", MAX_GAME_MOVES + 1)
    for k, (color, point) in enumerate(rec.moves, start=1):
        try:
            game.play(point, color, superko=check_superko)
        except IllegalMove as e:
            status = bk.STATUS_TEXT[e.status] if 0 <= e.status < len(bk.STATUS_TEXT) else "?"
            who = "B" if color == BLACK else "W"
            raise fail(f"illegal move {who} {point_to_vertex(point, n)} ({status})",
                       "superko" if e.status == bk.SUPERKO else "illegal", k) from None
    return game


def load_sgf(text: str | bytes, source: str = "<string>", index: int = 0, *,
             check_superko: bool = True, default_komi: float | None = None) -> GameRecord:
    """Load the first game of ``text`` into a ``Game`` with its metadata.

    Moves are played with the color the SGF gives (out-of-turn moves are allowed). With
    ``check_superko=False`` a repetition is accepted (occupied points, suicide and simple ko
    are still refused). Raises ``SGFError`` naming ``source``, ``index`` and the move number.
    """
    rec = read_moves(text, source, index, default_komi=default_komi)
    game = record_to_game(rec, check_superko=check_superko)
    return GameRecord(
        game=game, black=rec.black, white=rec.white, black_rank=rec.black_rank,
        white_rank=rec.white_rank, result=rec.result, winner=rec.winner, rules=rec.rules,
        komi=rec.komi, handicap=rec.handicap, date=rec.date, source=rec.source,
        index=rec.index, comments=rec.comments, komi_missing=rec.komi_missing)


def load_sgf_file(path: str | os.PathLike, index: int = 0, **kwargs) -> GameRecord:
    """Load game ``index`` of an SGF file (a single game or a collection)."""
    for source, i, text in iter_sgf_texts([path]):
        if i == index:
            return load_sgf(text, source, i, **kwargs)
    raise SGFError(f"no game {index} in file", source=str(path), index=index, reason="parse")


# --- writing -------------------------------------------------------------------------------

def _sgf_rc(point: int, n: int) -> tuple[int, int]:
    r, c = divmod(point, n)
    return n - 1 - r, c


def _version() -> str:
    try:
        return importlib.metadata.version("go-engine")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def _initial_setup(game: Game) -> tuple[list[int], list[int], int]:
    """Black stones, white stones and side to move before the first move."""
    pos = game.start_position
    return pos.stones(BLACK), pos.stones(WHITE), pos.to_play


def game_to_sgf(game: Game, *, result: str | None = None, black: str = "", white: str = "",
                comments: dict[int, str] | None = None, root_comment: str | None = None,
                application: str = "go-engine", rules: str = "Chinese",
                date: str | None = None) -> str:
    """Serialise a game as standard FF[4] SGF (UTF-8, passes written as ``[]``).

    ``comments[k]`` goes on the node of move k (1-based); ``comments[0]`` joins the root
    comment. Handicap stones become HA + AB; other setup stones become AB/AW (+PL).
    """
    n = game.n
    sg = sgfmill_sgf.Sgf_game(size=n)
    root = sg.get_root()
    root.set("AP", (application, _version()))
    root.set("KM", float(game.komi))
    if rules:
        root.set("RU", rules)
    if black:
        root.set("PB", black)
    if white:
        root.set("PW", white)
    if date:
        root.set("DT", date)
    if result:
        root.set("RE", result)
    black_pts, white_pts, init_to_play = _initial_setup(game)
    setup_b = [_sgf_rc(p, n) for p in black_pts]
    setup_w = [_sgf_rc(p, n) for p in white_pts]
    if game.handicap:
        root.set("HA", len(game.handicap))
    if setup_b or setup_w:
        root.set_setup_stones(setup_b, setup_w)
        first = game.moves[0].color if game.moves else init_to_play
        expected = WHITE if (game.handicap and not setup_w) else BLACK
        if first != expected or not game.moves:
            root.set("PL", _LETTER_OF[init_to_play])
    comments = dict(comments or {})
    texts = [t for t in (root_comment, comments.pop(0, None)) if t]
    if texts:
        root.set("C", "\n\n".join(texts))
    for k, mv in enumerate(game.moves, start=1):
        node = sg.extend_main_sequence()
        letter = _LETTER_OF[mv.color].upper()
        if mv.point == n * n:
            node.set_raw(letter, b"")  # sgfmill would write tt; [] is the FF[4] pass everywhere
        else:
            node.set_move(_LETTER_OF[mv.color], _sgf_rc(mv.point, n))
        if comments.get(k):
            node.set("C", comments[k])
    return sg.serialise().decode("utf-8")


def save_sgf(path: str | os.PathLike, game: Game, **kwargs) -> None:
    """Write ``game_to_sgf(game, **kwargs)`` atomically (temp file in the same folder + rename)."""
    path = Path(path)
    write_text_atomic(path, game_to_sgf(game, **kwargs))


# --- archives ------------------------------------------------------------------------------

@dataclass
class ArchiveStats:
    """Counts for a pass over archives: games read, loaded, skipped by reason, and the first
    ``max_errors`` messages. Broken archive members count under reason ``archive``."""

    games_read: int = 0
    games_ok: int = 0
    skipped: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    max_errors: int = 20

    def record(self, reason: str, message: str) -> None:
        self.skipped[reason] += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(message)

    @property
    def games_skipped(self) -> int:
        return sum(v for k, v in self.skipped.items() if k != "archive")

    def summary(self) -> str:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(self.skipped.items())) or "none"
        return f"{self.games_ok}/{self.games_read} games loaded; skipped: {reasons}"


_OUTSIDE = re.compile(rb"[\[()]")
_INSIDE = re.compile(rb"[\]\\]")


def split_sgf_games(chunks: Iterable[bytes], *, one_per_line: bool = False) -> Iterator[bytes]:
    """Yield each top-level ``( ... )`` game tree from a byte stream given in chunks.

    Brackets inside property values (with ``\\`` escapes) are skipped and text outside game
    trees is ignored. A game cut off at the end is still yielded, so the loader reports it.
    ``one_per_line`` (``.sgfs`` files): every line is read on its own, so a broken line (a
    truncated game, a stray ``(``) is yielded as one bad game and the next line starts afresh;
    without it an unclosed ``(`` would swallow the rest of the file.
    """
    if one_per_line:
        for line in _lines(chunks):
            yield from _split_trees((line,))
        return
    yield from _split_trees(chunks)


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a chunked byte stream, without their newlines."""
    pieces: list[bytes] = []
    for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            pieces.append(chunk[start:end])
            yield b"".join(pieces)
            pieces = []
            start = end + 1
        pieces.append(chunk[start:])
    if any(pieces):
        yield b"".join(pieces)


def _split_trees(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The top-level game trees of a chunked stream (see ``split_sgf_games``)."""
    parts: list[bytes] = []
    depth = 0
    in_value = False
    escape_pending = False
    for chunk in chunks:
        size = len(chunk)
        pos = 0
        start = 0
        if escape_pending and size:
            pos = 1
            escape_pending = False
        while pos < size:
            if in_value:
                m = _INSIDE.search(chunk, pos)
                if m is None:
                    pos = size
                    break
                if chunk[m.start()] == 0x5C:  # backslash: skip the escaped byte
                    if m.end() >= size:
                        escape_pending = True
                        pos = size
                        break
                    pos = m.end() + 1
                    continue
                in_value = False
                pos = m.end()
                continue
            m = _OUTSIDE.search(chunk, pos)
            if m is None:
                break
            ch = chunk[m.start()]
            pos = m.end()
            if ch == 0x5B:  # '['
                if depth:
                    in_value = True
            elif ch == 0x28:  # '('
                if depth == 0:
                    start = m.start()
                    parts = []
                depth += 1
            elif depth:  # ')'
                depth -= 1
                if depth == 0:
                    parts.append(chunk[start:pos])
                    yield b"".join(parts)
                    parts = []
        if depth:
            parts.append(chunk[start:])
    if depth and parts:
        yield b"".join(parts)


def _read_chunks(stream: BinaryIO) -> Iterator[bytes]:
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return
        yield chunk


# what a damaged file or archive raises while streaming: bz2 and gzip raise OSError/EOFError,
# zlib (zip deflate) zlib.error, xz lzma.LZMAError, zip CRC checks BadZipFile
_STREAM_ERRORS = (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile, zlib.error,
                  lzma.LZMAError)


def _kind(name: str) -> str | None:
    low = name.lower()
    if low.endswith(TAR_SUFFIXES):
        return "tar"
    if low.endswith(ZIP_SUFFIXES):
        return "zip"
    if low.endswith(SGF_SUFFIXES):
        return "sgf"
    return None


def _member_failed(stats: ArchiveStats | None, source: str, error: BaseException) -> None:
    message = f"{source}: unreadable ({type(error).__name__}: {error})"
    log.warning("skipping %s", message)
    if stats is not None:
        stats.record("archive", message)


def _games_of_stream(stream: BinaryIO, source: str,
                     stats: ArchiveStats | None) -> Generator[tuple[str, int, bytes], None, bool]:
    """Games of one file or member; returns False when the stream broke (already counted)."""
    index = 0
    one_per_line = source.lower().endswith(".sgfs")
    try:
        for text in split_sgf_games(_read_chunks(stream), one_per_line=one_per_line):
            yield source, index, text
            index += 1
    except _STREAM_ERRORS as e:
        _member_failed(stats, source, e)
        return False
    return True


def _iter_tar(path: Path, stats: ArchiveStats | None) -> Iterator[tuple[str, int, bytes]]:
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for member in tar:
                if not member.isfile() or _kind(member.name) != "sgf":
                    continue
                source = f"{path}::{member.name}"
                stream = tar.extractfile(member)
                if stream is None:
                    continue
                if not (yield from _games_of_stream(stream, source, stats)):
                    return  # a streamed tar cannot resync after a damaged member
    except _STREAM_ERRORS as e:
        _member_failed(stats, str(path), e)


def _iter_zip(path: Path, stats: ArchiveStats | None) -> Iterator[tuple[str, int, bytes]]:
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir() or _kind(info.filename) != "sgf":
                    continue
                source = f"{path}::{info.filename}"
                try:
                    stream = zf.open(info)
                except (OSError, zipfile.BadZipFile, NotImplementedError, RuntimeError) as e:
                    _member_failed(stats, source, e)
                    continue
                with stream:
                    yield from _games_of_stream(stream, source, stats)
    except (OSError, zipfile.BadZipFile) as e:
        _member_failed(stats, str(path), e)


def _iter_path(path: Path, stats: ArchiveStats | None,
               explicit: bool) -> Iterator[tuple[str, int, bytes]]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and _kind(child.name) is not None:
                yield from _iter_path(child, stats, explicit=False)
        return
    kind = _kind(path.name)
    if kind == "tar":
        yield from _iter_tar(path, stats)
    elif kind == "zip":
        yield from _iter_zip(path, stats)
    elif kind == "sgf" or explicit:
        try:
            stream = open(path, "rb")
        except OSError as e:
            _member_failed(stats, str(path), e)
            return
        with stream:
            yield from _games_of_stream(stream, str(path), stats)


def iter_sgf_texts(paths: str | os.PathLike | Iterable[str | os.PathLike],
                   stats: ArchiveStats | None = None) -> Iterator[tuple[str, int, bytes]]:
    """Yield ``(source, index, sgf_bytes)`` for every game under ``paths``, lazily.

    ``source`` is the file path, or ``archive::member`` inside archives; ``index`` counts
    games within that file. Bytes are returned so the SGF's own CA charset applies.
    An unreadable file or archive member is logged and counted in ``stats``, never raised;
    a path that does not exist raises ``FileNotFoundError`` before anything is read.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    resolved = [Path(p) for p in paths]
    for p in resolved:
        if not p.exists():
            raise FileNotFoundError(f"no such file or directory: {p}")
    for p in resolved:
        yield from _iter_path(p, stats, explicit=True)


def _parse_each(paths: str | os.PathLike | Iterable[str | os.PathLike], stats: ArchiveStats,
                parse: Callable[[str, str, int], T]) -> Iterator[T]:
    """``parse(text, source, index)`` over every game under ``paths``; a game it cannot parse
    is counted in ``stats`` and skipped, never raised, so one broken record cannot end a
    100k-game pass."""
    for source, index, text in iter_sgf_texts(paths, stats):
        stats.games_read += 1
        try:
            rec = parse(text, source, index)
        except SGFError as e:
            stats.record(e.reason, str(e))
            log.debug("skipping game: %s", e)
            continue
        except Exception as e:  # a bug or an sgfmill surprise must not end a long pass
            message = f"{source}, game {index}: unexpected {type(e).__name__}: {e}"
            stats.record("unexpected", message)
            log.warning("skipping game: %s", message, exc_info=True)
            continue
        stats.games_ok += 1
        yield rec


def iter_games(paths: str | os.PathLike | Iterable[str | os.PathLike],
               stats: ArchiveStats | None = None, **load_kwargs) -> Iterator[GameRecord]:
    """Load every game under ``paths`` (see ``iter_sgf_texts``); broken games are logged at
    debug level, counted in ``stats`` and skipped, never raised."""
    stats = stats if stats is not None else ArchiveStats()
    return _parse_each(paths, stats, lambda text, source, index: load_sgf(text, source, index, **load_kwargs))


def iter_moves(paths: str | os.PathLike | Iterable[str | os.PathLike],
               stats: ArchiveStats | None = None, *,
               default_komi: float | None = None) -> Iterator[MoveRecord]:
    """Fast path for data building: ``MoveRecord`` per game, parsed by sgfmill but not
    replayed (no legality check). Broken games are counted and skipped as in ``iter_games``."""
    stats = stats if stats is not None else ArchiveStats()
    return _parse_each(paths, stats,
                       lambda text, source, index: read_moves(text, source, index, default_komi=default_komi))


__all__ = [
    "ArchiveStats", "DEFAULT_KOMI_EVEN", "DEFAULT_KOMI_HANDICAP", "GameRecord", "MoveRecord",
    "SGFError", "game_to_sgf", "iter_games", "iter_moves", "iter_sgf_texts", "load_sgf",
    "load_sgf_file", "parse_winner", "read_moves", "record_to_game", "save_sgf",
    "split_sgf_games",
]
