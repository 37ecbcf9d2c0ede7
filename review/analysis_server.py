"""``go-engine analysis``: the JSON analysis protocol served by worker threads.

The reading thread parses each line (``katago_json``) and answers at once what needs no search
(errors, warnings, ``query_version``, ``terminate``); an analysis query becomes one task per
turn in a shared list. Each worker owns a player (a search tree of its own) and takes the next
task, preferring the next turn of the query it just did, so that walking a game forward reuses
the subtree of the move played. Answers therefore come when they are ready, not in the order
asked; each carries its ``id`` and ``turnNumber``. Every turn ends in exactly one response
(analysis, ``noResults`` when terminated before it started, or an error object).
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from go_engine.players.position_analysis import AnalysisBudget, analyze_position

from go_engine.review.katago_json import (Action, AnalysisQuery, QueryError, analysis_response,
                                          no_results_response, parse_line, version_response)

log = logging.getLogger(__name__)

Write = Callable[[dict[str, Any]], None]


@dataclass(eq=False)
class Task:
    query: AnalysisQuery
    turn: int
    stop: threading.Event = field(default_factory=threading.Event)


class AnalysisServer:
    """Parse lines with ``handle_line``; ``close`` waits for every task to be answered."""

    def __init__(self, make_player: Callable[[], Any], write: Write, *, default_visits: int = 500,
                 max_seconds: float | None = None, perspective: str = "BLACK", workers: int = 1,
                 version: str = "0"):
        self._write_raw = write
        self._write_lock = threading.Lock()
        self.default_visits = default_visits
        self.max_seconds = max_seconds
        self.perspective = perspective
        self.version = version
        self._cond = threading.Condition()
        self._pending: list[Task] = []
        self._running: set[Task] = set()
        self._closing = False
        self._threads = [threading.Thread(target=self._work, args=(make_player,), name=f"analysis-{k}",
                                          daemon=True) for k in range(max(1, workers))]
        for t in self._threads:
            t.start()

    # --- input ----------------------------------------------------------------------------------
    def handle_line(self, line: str) -> None:
        """One input line: answered now (errors, actions) or queued (analysis)."""
        if not line.strip():
            return
        try:
            parsed = parse_line(line)
        except QueryError as e:
            self.write(e.response)
            return
        if isinstance(parsed, Action):
            self._act(parsed)
            return
        for warning in parsed.warnings:
            self.write(warning)
        with self._cond:
            self._pending.extend(Task(parsed, turn) for turn in sorted(parsed.turns))
            self._cond.notify_all()

    def _act(self, action: Action) -> None:
        if action.name == "query_version":
            self.write(version_response(action, self.version))
            return
        if action.name in ("terminate", "terminate_all"):
            self._terminate(action.terminate_id, action.turn_numbers)
        self.write(action.echo)  # terminate, terminate_all and clear_cache are echoed

    def _terminate(self, query_id: str | None, turns: frozenset[int] | None) -> None:
        """Drop matching tasks not yet started (each answered ``noResults``) and stop the
        running ones (each answers with what it found so far)."""
        def matches(task: Task) -> bool:
            return ((query_id is None or task.query.query_id == query_id)
                    and (turns is None or task.turn in turns))
        with self._cond:
            dropped = [t for t in self._pending if matches(t)]
            self._pending = [t for t in self._pending if not matches(t)]
            for task in self._running:
                if matches(task):
                    task.stop.set()
            self._cond.notify_all()
        for task in dropped:
            self.write(no_results_response(task.query.query_id, task.turn))

    def close(self) -> None:
        """Answer everything queued, then stop the workers (end of input)."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for t in self._threads:
            t.join()

    # --- output ---------------------------------------------------------------------------------
    def write(self, obj: dict[str, Any]) -> None:
        with self._write_lock:
            self._write_raw(obj)

    # --- workers --------------------------------------------------------------------------------
    def _next_task(self, last_query: AnalysisQuery | None) -> Task | None:
        """The next task (None: closing and nothing left), the next turn of ``last_query``
        first."""
        with self._cond:
            while not self._pending and not self._closing:
                self._cond.wait()
            if not self._pending:
                return None
            pick = next((t for t in self._pending if t.query is last_query), self._pending[0])
            self._pending.remove(pick)
            self._running.add(pick)
            return pick

    def _work(self, make_player: Callable[[], Any]) -> None:
        player = None
        last_query = None
        while True:
            task = self._next_task(last_query)
            if task is None:
                return
            last_query = task.query
            try:
                if player is None:
                    player = make_player()
                self.write(self._analyse(player, task))
            except Exception as e:  # noqa: BLE001 -- one failed turn must not end the server
                log.exception("analysis of %s turn %d failed", task.query.query_id, task.turn)
                self.write({"error": f"analysis failed: {type(e).__name__}: {e}", "id": task.query.query_id,
                            "turnNumber": task.turn})
            finally:
                with self._cond:
                    self._running.discard(task)

    def _analyse(self, player: Any, task: Task) -> dict[str, Any]:
        query = task.query
        if task.stop.is_set():
            return no_results_response(query.query_id, task.turn)
        budget = AnalysisBudget(visits=query.max_visits or self.default_visits, seconds=self.max_seconds)
        analysis = analyze_position(player, query.game_at(task.turn), budget, should_stop=task.stop.is_set,
                                    ownership=query.include_ownership, priors=query.include_policy)
        return analysis_response(query, task.turn, analysis, query.perspective or self.perspective)


def json_line(obj: dict[str, Any]) -> str:
    """One response as a single line (no spaces, like KataGo's)."""
    return json.dumps(obj, separators=(",", ":"), allow_nan=False) + "\n"
