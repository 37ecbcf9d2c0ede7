"""``go-engine analysis`` through a small client of its own: it speaks KataGo's JSON analysis
protocol over pipes and checks every response's field names and types the way KataGo's
``docs/Analysis_Engine.md`` documents them, whatever the engine's internals.

Most tests share one server with the rollout search (``--player mcts``, two workers, small
budgets); the 19x19 ``analyzeTurns`` test uses the default player.
"""
from __future__ import annotations

import json
import queue
import random
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import REPO

COLUMNS = "ABCDEFGHJKLMNOPQRST"
WAIT = 300.0  # seconds for any one answer (a cold Numba cache compiles first)


class Client:
    """One engine process; responses are read on a thread and collected in arrival order."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "go_engine_cli", "analysis", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     cwd=REPO, text=True, bufsize=1)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def send(self, query: dict | str) -> None:
        self.proc.stdin.write((query if isinstance(query, str) else json.dumps(query)) + "\n")
        self.proc.stdin.flush()

    def next(self, timeout: float = WAIT) -> dict:
        line = self.lines.get(timeout=timeout)
        assert line is not None, "the engine closed its output"
        assert line.endswith("\n") and "\n" not in line[:-1]
        response = json.loads(line)
        assert isinstance(response, dict)
        self.seen.append(response)
        return response

    def until(self, wanted, timeout: float = WAIT) -> list[dict]:
        """Responses until ``wanted(response)`` is true for one (returned last)."""
        got = []
        deadline = time.monotonic() + timeout
        while True:
            got.append(self.next(max(0.1, deadline - time.monotonic())))
            if wanted(got[-1]):
                return got

    def close(self) -> int:
        self.proc.stdin.close()
        return self.proc.wait(timeout=WAIT)


def check_analysis(response: dict, n: int) -> None:
    """Field names and types of an analysis response, as KataGo documents them."""
    assert isinstance(response["id"], str) and isinstance(response["turnNumber"], int)
    assert response["isDuringSearch"] is False
    assert not any(k.startswith("score") for k in response), "scores cannot be produced: left out"
    infos = response["moveInfos"]
    assert isinstance(infos, list)
    for k, info in enumerate(infos):
        assert info["order"] == k, "moveInfos sorted by order"
        assert isinstance(info["move"], str) and isinstance(info["visits"], int) and info["visits"] >= 0
        for key in ("winrate", "prior", "lcb", "utility", "utilityLcb"):
            assert isinstance(info[key], float), key
        assert 0.0 <= info["winrate"] <= 1.0 and 0.0 <= info["prior"] <= 1.0
        assert isinstance(info["pv"], list) and info["pv"][0] == info["move"]
        assert all(isinstance(v, str) for v in info["pv"])
        assert not any(k.startswith("score") for k in info)
    root = response["rootInfo"]
    assert 0.0 <= root["winrate"] <= 1.0 and isinstance(root["visits"], int)
    assert root["currentPlayer"] in ("B", "W")
    if "ownership" in response:
        own = response["ownership"]
        assert len(own) == n * n and all(-1.0 <= v <= 1.0 for v in own)
    if "policy" in response:
        policy = response["policy"]
        assert len(policy) == n * n + 1
        assert all(v == -1.0 or 0.0 <= v <= 1.0 for v in policy)
        assert sum(v for v in policy if v >= 0) == pytest.approx(1.0, abs=1e-6)


def query(qid: str, moves=(), n: int = 9, **extra) -> dict:
    return {"id": qid, "moves": [list(m) for m in moves], "rules": "tromp-taylor", "komi": 7.5,
            "boardXSize": n, "boardYSize": n, **extra}


@pytest.fixture(scope="module")
def engine():
    client = Client("--player", "mcts", "--visits", "32", "--workers", "2", "--seed", "3")
    yield client
    if client.proc.poll() is None:
        client.proc.kill()


def test_query_version_echoes_the_query(engine):
    engine.send({"id": "v", "action": "query_version"})
    got = engine.next()
    assert got["id"] == "v" and got["action"] == "query_version"
    assert isinstance(got["version"], str) and isinstance(got["git_hash"], str)


def test_an_analysis_answer_has_katago_fields_and_orientation(engine):
    # black fills the top two rows but for two eyes (B9, E9), white the bottom two (but for E1,
    # H1): both groups live whatever happens. In KataGo's order (row by row from the top left,
    # A9 first) the first 18 points are black's: +1 from black's view, the last 18 are white's
    top = [f"{c}{r}" for r in (9, 8) for c in COLUMNS[:9] if f"{c}{r}" not in ("B9", "E9")]
    bottom = [f"{c}{r}" for r in (2, 1) for c in COLUMNS[:9] if f"{c}{r}" not in ("E1", "H1")]
    stones = [["B", v] for v in top] + [["W", v] for v in bottom]
    engine.send(query("own", initialStones=stones, initialPlayer="W", includeOwnership=True,
                      includePolicy=True, maxVisits=64))
    got = engine.until(lambda r: r.get("id") == "own")[-1]
    check_analysis(got, 9)
    assert got["turnNumber"] == 0 and got["rootInfo"]["currentPlayer"] == "W"
    own = got["ownership"]
    assert min(own[:18]) > 0.9 and max(own[-18:]) < -0.9, own
    policy = got["policy"]
    assert policy[0] == -1.0 and policy[1] == -1.0  # A9 occupied; B9 black's eye: suicide for white
    assert policy[80] == -1.0 and policy[81] >= 0.0  # J1 occupied; pass, last
    assert policy[4 * 9 + 4] > 0.0  # E5, empty and legal


def test_out_of_order_answers_and_terminate(engine):
    engine.send(query("long", [["B", "E5"]], maxVisits=10_000_000))
    engine.send(query("short", [["B", "E5"], ["W", "C3"]], maxVisits=16))
    got = engine.until(lambda r: r.get("id") == "short")
    assert not any(r.get("id") == "long" for r in got), "the short query answers first"
    check_analysis(got[-1], 9)
    # three turns of a long query: one is searched now, the others wait; terminate them all
    engine.send(query("many", [["B", "E5"], ["W", "C3"], ["B", "G7"]], analyzeTurns=[3, 0, 2],
                      maxVisits=10_000_000))
    engine.send({"id": "stop", "action": "terminate", "terminateId": "long"})
    engine.send({"id": "stop2", "action": "terminate", "terminateId": "many", "turnNumbers": [0, 2, 3]})
    answers: dict[tuple, dict] = {}
    while len(answers) < 6:
        r = engine.next()
        answers[(r["id"], r.get("turnNumber"))] = r
    assert answers[("stop", None)] == {"id": "stop", "action": "terminate", "terminateId": "long"}
    assert ("stop2", None) in answers
    long = answers[("long", 1)]
    check_analysis(long, 9)
    assert 0 < long["rootInfo"]["visits"] < 10_000_000  # stopped with what it had
    for turn in (0, 2, 3):
        r = answers[("many", turn)]
        assert r.get("noResults") is True or r["rootInfo"]["visits"] < 10_000_000


def test_perspective_override_and_knobs_that_are_only_ignored(engine):
    # two passes end the game on an empty board: white wins by komi, whoever is asked
    over = [["B", "pass"], ["W", "pass"]]
    engine.send(query("as-black", over))
    engine.send(query("as-white", over, overrideSettings={"reportAnalysisWinratesAs": "WHITE",
                                                          "wideRootNoise": 0.04},
                      includeMovesOwnership=False, priority=1))
    got = {}
    while len(got) < 4:
        r = engine.next()
        got[(r["id"], "warning" in r, r.get("field"))] = r
    assert got[("as-black", False, None)]["rootInfo"]["winrate"] == 0.0
    assert got[("as-white", False, None)]["rootInfo"]["winrate"] == 1.0
    assert ("as-white", True, "overrideSettings") in got and ("as-white", True, "priority") in got


@pytest.mark.parametrize("line, qid, field", [
    ('{"id": "cut", "moves": [', "cut", None),
    ("not json at all", None, None),
    ('["a", "list"]', None, None),
    ('{"moves": []}', None, "id"),
    ('{"id": 7, "moves": []}', None, "id"),
    (json.dumps(query("unk", colour="B")), "unk", "colour"),
    (json.dumps(query("jp") | {"rules": "japanese"}), "jp", "rules"),
    (json.dumps(query("rect") | {"boardYSize": 13}), "rect", "boardYSize"),
    (json.dumps(query("ill", [["B", "E5"], ["W", "E5"]])), "ill", "moves"),
    (json.dumps(query("far", [["B", "Z9"]])), "far", "moves"),
    (json.dumps(query("turns", analyzeTurns=[2])), "turns", "analyzeTurns"),
    (json.dumps(query("avoid", avoidMoves=[])), "avoid", "avoidMoves"),
    (json.dumps(query("mown", includeMovesOwnership=True)), "mown", "includeMovesOwnership"),
    (json.dumps(query("persp", overrideSettings={"reportAnalysisWinratesAs": "RED"})), "persp", "overrideSettings"),
    ('{"id": "act", "action": "explode"}', "act", "action"),
])
def test_bad_queries_get_error_objects(engine, line, qid, field):
    engine.send(line)
    got = engine.next()
    assert isinstance(got["error"], str) and got["error"]
    assert got.get("id") == qid
    assert got.get("field") == field


def test_a_thousand_malformed_lines_leave_it_answering(engine):
    rng = random.Random(5)
    garbage = ['{"id":', "}", "[]", "null", "42", '"text"', '{"id": "x"}', '{"id": "x", "moves": 3}',
               '{"id": "x", "action": 5}', "\u00ff\u00fe{{", '{"id": "x", "komi": "a"}']
    for k in range(1000):
        base = rng.choice(garbage)
        engine.send(base if k % 3 else base + "".join(rng.choice("{}[]\",:ab1") for _ in range(rng.randint(1, 30))))
    errors = [engine.next() for _ in range(1000)]
    assert all("error" in e for e in errors)
    engine.send(query("alive", [["B", "D4"]], maxVisits=16))
    check_analysis(engine.until(lambda r: r.get("id") == "alive")[-1], 9)


def test_end_of_input_answers_what_was_queued_and_exits():
    client = Client("--player", "mcts", "--visits", "16")
    client.send(query("last", [["B", "C3"], ["W", "pass"]], analyzeTurns=[0, 1, 2]))
    assert client.close() == 0
    turns = sorted(r["turnNumber"] for r in (client.next() for _ in range(3)))
    assert turns == [0, 1, 2]


def test_ten_turns_of_a_19x19_game_with_the_default_player():
    moves = [["B", "Q16"], ["W", "D4"], ["B", "Q3"], ["W", "D16"], ["B", "C14"], ["W", "F17"],
             ["B", "C17"], ["W", "C16"], ["B", "D17"], ["W", "E17"], ["B", "D18"], ["W", "C10"]]
    client = Client("--visits", "48")
    try:
        client.send(query("g19", moves, n=19, analyzeTurns=list(range(12, 2, -1)), includePolicy=True))
        got = [client.next() for _ in range(10)]
        assert sorted(r["turnNumber"] for r in got) == list(range(3, 13))
        for r in got:
            check_analysis(r, 19)
            assert r["id"] == "g19" and r["moveInfos"]
            to_play = "B" if r["turnNumber"] % 2 == 0 else "W"
            assert r["rootInfo"]["currentPlayer"] == to_play
            played = {COLUMNS.index(v[0]) + 19 * (19 - int(v[1:])) for _, v in moves[:r["turnNumber"]]}
            assert all(r["policy"][p] == -1.0 for p in played)  # occupied points, row 0 = the top line
    finally:
        assert client.close() == 0
