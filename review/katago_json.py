"""KataGo's JSON analysis protocol, the subset review tools use: queries in, responses out, as
plain data. No threads and no search here (``analysis_server`` runs them).

Queries (one JSON object per line), fields as KataGo documents them:
``id`` (string, required), ``moves`` (required: ``[["B","D4"], ["W","pass"], ...]``),
``initialStones``, ``initialPlayer``, ``rules``, ``komi``, ``boardXSize``/``boardYSize``
(required, equal: square boards only), ``analyzeTurns`` (default: the last position),
``maxVisits``, ``includeOwnership``, ``includePolicy``; ``priority``/``priorities`` and
``includePVVisits`` are accepted and ignored (a ``warning`` object says so), and so is every
``overrideSettings`` entry but ``reportAnalysisWinratesAs``, which is honoured for the query;
``includeMovesOwnership`` and ``includeOwnershipStdev`` are accepted when false. Actions:
``query_version``, ``terminate`` (``terminateId``, optional ``turnNumbers``), ``terminate_all``,
``clear_cache`` (there is no cache: acknowledged only).

Rules: area scoring only. ``tromp-taylor``, ``chinese`` (also ``chinese-ogs``,
``chinese-kgs``) and ``aga`` are accepted, or a rules object with ``scoringRule`` ``AREA``; the
search always plays positional superko without suicide, whatever ko rule is named. Handicap
compensation is honoured by adding it to komi: ``chinese`` gives white one point per black
initial stone, ``aga`` one fewer, ``tromp-taylor`` none (KataGo's ``whiteHandicapBonus``).
Territory rules (``japanese``, ``korean``, ``scoringRule`` ``TERRITORY``) and suicide-legal
rules (``new-zealand``) are refused with an error object.

Responses: ``id``, ``turnNumber``, ``isDuringSearch`` (always false), ``moveInfos`` (``move``,
``visits``, ``winrate``, ``prior``, ``lcb``, ``utility``, ``utilityLcb``, ``order``, ``pv``),
``rootInfo`` (``winrate``, ``visits``, ``utility``, ``currentPlayer``), and ``ownership``
(``boardYSize * boardXSize`` values) / ``policy`` (one more, pass last) when asked, both row by
row from the top left (A19 first on 19x19), as KataGo orders them. Values are from the
perspective the server is started with (``--report-as``: BLACK, as KataGo's example analysis
config sets ``reportAnalysisWinratesAs``, WHITE or SIDETOMOVE); ``lcb`` and ``utilityLcb`` are
turned round with the win rate, so from the other side's view they are upper bounds.

Left out, because the search cannot produce them: ``scoreLead``, ``scoreMean``,
``scoreSelfplay``, ``scoreStdev`` (the tree keeps no score), ``thisHash``/``symHash``,
``ownershipStdev``, ``pvVisits``, and ``isDuringSearch`` reports. ``ownership`` is the mean
final owner over 256 nakade playouts from the position (the estimator behind GTP
``final_status_list``), not a network head; ``policy`` holds the priors the
search gave the root's moves (the networks' where there is one for the size), with -1 for the
moves the tree does not hold (illegal ones, and own-eye fills, which it never considers).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from go_engine.players.position_analysis import PositionAnalysis
from go_engine.rules.coords import MAX_SIZE, MIN_SIZE, CoordinateError, point_to_vertex, vertex_to_point
from go_engine.rules.game import Game
from go_engine.rules.position import BLACK, WHITE, IllegalMove
from go_engine.search.root_stats import move_value, reported_moves, root_value

MAX_KOMI = 150.0  # KataGo's limit
PERSPECTIVES = ("BLACK", "WHITE", "SIDETOMOVE")
QUERY_FIELDS = {"id", "moves", "initialStones", "initialPlayer", "rules", "komi", "boardXSize",
                "boardYSize", "analyzeTurns", "maxVisits", "includeOwnership", "includePolicy",
                "overrideSettings"}
IGNORED_FIELDS = {"priority", "priorities", "includePVVisits"}  # accepted, with a warning
NOT_PRODUCED_FLAGS = {"includeMovesOwnership", "includeOwnershipStdev"}  # false is fine, true refused
UNSUPPORTED_FIELDS = {"avoidMoves", "allowMoves", "rootPolicyTemperature",
                      "rootFpuReductionMax", "reportDuringSearchEvery", "whiteHandicapBonus", "analysisPVLen",
                      "includeNoResultValue", "humanSLProfile"}
ACTIONS = {"query_version", "terminate", "terminate_all", "clear_cache"}
ACTION_FIELDS = {"query_version": {"id", "action"}, "clear_cache": {"id", "action"},
                 "terminate": {"id", "action", "terminateId", "turnNumbers"},
                 "terminate_all": {"id", "action", "turnNumbers"}}
# rules by name -> white's handicap bonus: "N" (one point per handicap stone), "N-1" or "0"
AREA_RULES = {"tromp-taylor": "0", "chinese": "N", "chinese-ogs": "N", "chinese-kgs": "N",
              "aga": "N-1", "area": "0", "stone-scoring": "0"}
TERRITORY_RULES = {"japanese", "korean", "territory", "new-zealand", "bga", "aga-button"}
_ID = re.compile(r'"id"\s*:\s*"((?:[^"\\]|\\.)*)"')


class QueryError(ValueError):
    """A query that cannot be run; ``response`` is the error object to send."""

    def __init__(self, message: str, *, query_id: str | None = None, field_name: str | None = None):
        super().__init__(message)
        self.response: dict[str, Any] = {"error": message}
        if field_name is not None:
            self.response["field"] = field_name
        if query_id is not None:
            self.response["id"] = query_id


@dataclass(frozen=True)
class Action:
    """``query_version``, ``terminate``, ``terminate_all`` or ``clear_cache``; ``echo`` is the
    query as it came (every action is acknowledged by echoing it)."""

    name: str
    query_id: str
    echo: dict[str, Any]
    terminate_id: str | None = None
    turn_numbers: frozenset[int] | None = None


@dataclass
class AnalysisQuery:
    """A parsed analysis query: the game before its first move, the moves, what to report."""

    query_id: str
    start: Game                             # setup stones placed, side to move set
    moves: list[tuple[int, int]]            # (color, point), legal in sequence
    turns: list[int]                        # positions to analyse (0: before moves[0])
    max_visits: int | None
    include_ownership: bool
    include_policy: bool
    warnings: list[dict[str, Any]] = field(default_factory=list)
    perspective: str | None = None          # overrideSettings.reportAnalysisWinratesAs

    def game_at(self, turn: int) -> Game:
        """A fresh ``Game`` at position ``turn`` (its own copy: workers may hold several)."""
        game = Game(self.start.n, self.start.komi)
        game.position = self.start.position.copy()
        game.handicap = list(self.start.handicap)
        for color, point in self.moves[:turn]:
            game.play(point, color)
        return game


def readable_id(line: str) -> str | None:
    """The ``id`` of a line that is not valid JSON, when a plain ``"id": "..."`` can be seen."""
    m = _ID.search(line)
    if m is None:
        return None
    try:
        return json.loads(f'"{m.group(1)}"')
    except ValueError:
        return None


def parse_line(line: str) -> Action | AnalysisQuery:
    """One input line as an action or a query; ``QueryError`` (with the id when readable) for
    anything else."""
    try:
        obj = json.loads(line)
    except ValueError as e:
        raise QueryError(f"could not parse JSON: {e}", query_id=readable_id(line)) from None
    if not isinstance(obj, dict):
        raise QueryError("a query must be a JSON object")
    raw_id = obj.get("id")
    if "id" not in obj:
        raise QueryError("required field 'id' is missing", field_name="id")
    if not isinstance(raw_id, str):
        raise QueryError("'id' must be a string", field_name="id")
    if "action" in obj:
        return _parse_action(obj, raw_id)
    return _parse_query(obj, raw_id)


def _parse_action(obj: dict[str, Any], qid: str) -> Action:
    name = obj["action"]
    if name not in ACTIONS:
        raise QueryError(f"unknown action {name!r}; supported: {', '.join(sorted(ACTIONS))}",
                         query_id=qid, field_name="action")
    for key in obj:
        if key not in ACTION_FIELDS[name]:
            raise QueryError(f"unknown field {key!r} for action {name}", query_id=qid, field_name=key)
    terminate_id = None
    if name == "terminate":
        terminate_id = obj.get("terminateId")
        if not isinstance(terminate_id, str):
            raise QueryError("terminate needs a string 'terminateId'", query_id=qid, field_name="terminateId")
    turns = None
    if "turnNumbers" in obj:
        value = obj["turnNumbers"]
        if not isinstance(value, list) or not all(_is_int(t) and t >= 0 for t in value):
            raise QueryError("'turnNumbers' must be a list of non-negative integers", query_id=qid,
                             field_name="turnNumbers")
        turns = frozenset(value)
    return Action(name, qid, obj, terminate_id, turns)


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _color(token: Any, qid: str, field_name: str) -> int:
    if isinstance(token, str) and token.upper() in ("B", "BLACK"):
        return BLACK
    if isinstance(token, str) and token.upper() in ("W", "WHITE"):
        return WHITE
    raise QueryError(f"bad player {token!r} (want \"B\" or \"W\")", query_id=qid, field_name=field_name)


def _pairs(obj: dict[str, Any], key: str, n: int, qid: str, allow_pass: bool) -> list[tuple[int, int]]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise QueryError(f"'{key}' must be a list of [player, location] pairs", query_id=qid, field_name=key)
    out = []
    for i, pair in enumerate(value):
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str)):
            raise QueryError(f"{key}[{i}] must be a [player, location] pair", query_id=qid, field_name=key)
        color = _color(pair[0], qid, key)
        try:
            point = vertex_to_point(pair[1], n)
        except CoordinateError:
            raise QueryError(f"{key}[{i}]: bad location {pair[1]!r} on a {n}x{n} board", query_id=qid,
                             field_name=key) from None
        if point == n * n and not allow_pass:
            raise QueryError(f"{key}[{i}]: an initial stone cannot be a pass", query_id=qid, field_name=key)
        out.append((color, point))
    return out


def _flag(obj: dict[str, Any], key: str, qid: str) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise QueryError(f"'{key}' must be true or false", query_id=qid, field_name=key)
    return value


def handicap_bonus(rules: Any, qid: str) -> str:
    """White's handicap compensation under ``rules`` ("0", "N" or "N-1"); QueryError for rules
    that are not area scoring or that the engine cannot play."""
    if isinstance(rules, str):
        name = rules.strip().lower()
        if name in AREA_RULES:
            return AREA_RULES[name]
        if name in TERRITORY_RULES:
            raise QueryError(f"rules {rules!r} are not supported: go-engine scores by area only "
                             f"(try tromp-taylor or chinese)", query_id=qid, field_name="rules")
        raise QueryError(f"unknown rules {rules!r}", query_id=qid, field_name="rules")
    if isinstance(rules, dict):
        if str(rules.get("scoringRule", "")).upper() != "AREA":
            raise QueryError("only scoringRule AREA is supported", query_id=qid, field_name="rules")
        if rules.get("multiStoneSuicideLegal") or rules.get("hasButton"):
            raise QueryError("suicide and button rules are not supported", query_id=qid, field_name="rules")
        if str(rules.get("taxRule", "NONE")).upper() != "NONE":
            raise QueryError("only taxRule NONE is supported", query_id=qid, field_name="rules")
        bonus = str(rules.get("whiteHandicapBonus", "0"))
        if bonus not in ("0", "N", "N-1"):
            raise QueryError(f"bad whiteHandicapBonus {bonus!r}", query_id=qid, field_name="rules")
        return bonus
    raise QueryError("'rules' must be a string or an object", query_id=qid, field_name="rules")


def _parse_query(obj: dict[str, Any], qid: str) -> AnalysisQuery:
    warnings = []
    for key in obj:
        if key in NOT_PRODUCED_FLAGS:
            if obj[key] is not False:
                raise QueryError(f"field {key!r} cannot be produced by go-engine (only false is accepted)",
                                 query_id=qid, field_name=key)
            continue
        if key in UNSUPPORTED_FIELDS:
            raise QueryError(f"field {key!r} is not supported by go-engine", query_id=qid, field_name=key)
        if key in IGNORED_FIELDS:
            warnings.append({"warning": f"field {key!r} is ignored", "field": key, "id": qid})
        elif key not in QUERY_FIELDS:
            raise QueryError(f"unknown field {key!r}", query_id=qid, field_name=key)
    for key in ("moves", "rules", "boardXSize", "boardYSize"):
        if key not in obj:
            raise QueryError(f"required field {key!r} is missing", query_id=qid, field_name=key)
    xs, ys = obj["boardXSize"], obj["boardYSize"]
    if not (_is_int(xs) and _is_int(ys)):
        raise QueryError("board sizes must be integers", query_id=qid, field_name="boardXSize")
    if xs != ys:
        raise QueryError("only square boards are supported", query_id=qid, field_name="boardYSize")
    if not MIN_SIZE <= xs <= MAX_SIZE:
        raise QueryError(f"board size {xs} not supported ({MIN_SIZE}..{MAX_SIZE})", query_id=qid,
                         field_name="boardXSize")
    n = xs
    bonus = handicap_bonus(obj["rules"], qid)
    komi = obj.get("komi", 7.5)
    if not (isinstance(komi, (int, float)) and not isinstance(komi, bool) and math.isfinite(komi)
            and abs(komi) <= MAX_KOMI):
        raise QueryError(f"'komi' must be a number in [-{MAX_KOMI:g}, {MAX_KOMI:g}]", query_id=qid,
                         field_name="komi")
    stones = _pairs(obj, "initialStones", n, qid, allow_pass=False)
    moves = _pairs(obj, "moves", n, qid, allow_pass=True)
    handicap = sum(1 for c, _ in stones if c == BLACK) if all(c == BLACK for c, _ in stones) else 0
    compensation = {"0": 0, "N": handicap, "N-1": max(0, handicap - 1)}[bonus] if handicap >= 2 else 0
    start = Game(n, float(komi) + compensation)
    points = set()
    for color, point in stones:
        if point in points:
            raise QueryError(f"initial stone {point_to_vertex(point, n)} given twice", query_id=qid,
                             field_name="initialStones")
        points.add(point)
        start.position.place_setup_stone(point, color)
    if stones and _setup_has_dead_chain(start):
        raise QueryError("initialStones leave a chain without liberties", query_id=qid, field_name="initialStones")
    if "initialPlayer" in obj:
        start.position.to_play = _color(obj["initialPlayer"], qid, "initialPlayer")
    elif moves:
        start.position.to_play = moves[0][0]
    elif stones and handicap >= 2:
        start.position.to_play = WHITE
    replay = Game(n, start.komi)
    replay.position = start.position.copy()
    for i, (color, point) in enumerate(moves):
        try:
            replay.play(point, color)
        except IllegalMove:
            raise QueryError(f"moves[{i}]: illegal move {'B' if color == BLACK else 'W'} "
                             f"{point_to_vertex(point, n)}", query_id=qid, field_name="moves") from None
    turns = obj.get("analyzeTurns", [len(moves)])
    if not (isinstance(turns, list) and turns and all(_is_int(t) and 0 <= t <= len(moves) for t in turns)):
        raise QueryError(f"'analyzeTurns' must be a non-empty list of integers in [0, {len(moves)}]",
                         query_id=qid, field_name="analyzeTurns")
    if len(set(turns)) != len(turns):
        raise QueryError("'analyzeTurns' repeats a turn", query_id=qid, field_name="analyzeTurns")
    visits = obj.get("maxVisits")
    if visits is not None and not (_is_int(visits) and visits >= 1):
        raise QueryError("'maxVisits' must be a positive integer", query_id=qid, field_name="maxVisits")
    return AnalysisQuery(qid, start, moves, list(turns), visits, _flag(obj, "includeOwnership", qid),
                         _flag(obj, "includePolicy", qid), warnings,
                         _overrides(obj.get("overrideSettings", {}), qid, warnings))


def _overrides(settings: Any, qid: str, warnings: list[dict[str, Any]]) -> str | None:
    """``overrideSettings``: ``reportAnalysisWinratesAs`` is honoured for this query; any other
    setting names a knob of KataGo's search and is ignored, with a warning for each."""
    if not isinstance(settings, dict):
        raise QueryError("'overrideSettings' must be an object", query_id=qid, field_name="overrideSettings")
    perspective = None
    for key, value in settings.items():
        if key == "reportAnalysisWinratesAs":
            if not isinstance(value, str) or value.upper() not in PERSPECTIVES:
                raise QueryError(f"reportAnalysisWinratesAs must be one of {', '.join(PERSPECTIVES)}",
                                 query_id=qid, field_name="overrideSettings")
            perspective = value.upper()
        else:
            warnings.append({"warning": f"override {key!r} is ignored", "field": "overrideSettings", "id": qid})
    return perspective


def _setup_has_dead_chain(game: Game) -> bool:
    from go_engine.rules import board_kernels as bk
    pos = game.position
    return bool(bk.check_links(pos.color, pos.links, pos.info))


# --- responses ------------------------------------------------------------------------------

def _turned(to_play: int, perspective: str) -> bool:
    """Do values for the side to move need turning round for this perspective?"""
    return (perspective == "BLACK" and to_play == WHITE) or (perspective == "WHITE" and to_play == BLACK)


def analysis_response(query: AnalysisQuery, turn: int, analysis: PositionAnalysis,
                      perspective: str = "BLACK") -> dict[str, Any]:
    """The response object for one analysed turn."""
    n = analysis.n
    flip = _turned(analysis.to_play, perspective)

    def rate(x: float) -> float:
        return 1.0 - x if flip else x

    def util(q: float) -> float:
        return -q if flip else q

    root_q = root_value(analysis.children)
    infos = []
    for order, child in enumerate(reported_moves(analysis.children)):
        q = move_value(child, root_q)
        lcb = child.lcb
        infos.append({
            "move": point_to_vertex(child.point, n), "visits": child.visits,
            "winrate": rate(0.5 * (1.0 + q)), "prior": child.prior, "lcb": rate(lcb),
            "utility": util(q), "utilityLcb": util(2.0 * lcb - 1.0), "order": order,
            "pv": [point_to_vertex(p, n) for p in (child.pv or [child.point])],
        })
    response: dict[str, Any] = {
        "id": query.query_id, "isDuringSearch": False, "turnNumber": turn, "moveInfos": infos,
        "rootInfo": {"winrate": rate(analysis.winrate), "visits": analysis.root_visits,
                     "utility": util(2.0 * analysis.winrate - 1.0),
                     "currentPlayer": "B" if analysis.to_play == BLACK else "W"},
    }
    if query.include_ownership:
        own = analysis.ownership if analysis.ownership is not None else [0.0] * (n * n)
        sign = -1.0 if perspective == "WHITE" or (perspective == "SIDETOMOVE" and analysis.to_play == WHITE) else 1.0
        response["ownership"] = [round(sign * float(v), 6) for v in own]
    if query.include_policy:
        priors = analysis.priors
        response["policy"] = [float(v) for v in priors] if priors is not None else [-1.0] * (n * n + 1)
    return response


def no_results_response(query_id: str, turn: int) -> dict[str, Any]:
    """A turn terminated before any search (KataGo's ``noResults``)."""
    return {"id": query_id, "isDuringSearch": False, "noResults": True, "turnNumber": turn}


def version_response(action: Action, version: str) -> dict[str, Any]:
    return {**action.echo, "version": version, "git_hash": "<omitted>"}
