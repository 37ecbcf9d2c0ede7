"""How many seconds a move may take, from the GTP clock commands.

The front end forwards ``time_settings main byo stones``, ``kgs-time_settings`` and
``time_left`` here and asks ``budget(color, ply, n)`` before each ``genmove``; the answer goes
to the player as a ``TimeBudget``. Rules, in order of priority:

1. Never lose on time: every budget keeps a safety margin (``safety`` seconds plus
   ``safety_fraction`` of what is available) for start-up, transfer and lag.
2. In byo-yomi (Canadian: ``stones`` moves in ``byo`` seconds; Japanese: ``byo`` per move)
   spend the period's fair share per stone.
3. In main time, divide it over the moves we expect still to play, spending more in the
   opening and middle game (``opening_factor``) and never less than a byo-yomi move would get.

The search may stop before its budget when the best move cannot be overtaken (see
``mcts.MCTS.search``), but only when the time saved is kept (``bankable``): in a byo-yomi
period that resets after the move (``time_settings 0 5 1``, the match runner's clock) the
whole budget is used, and the extra simulations stay in the subtree the next move reuses.
Where time is bankable the search may also run past its budget when the move is unclear
(``players.time_extension``), up to ``ceiling``: never more than ``max_move_share`` of the
main time (or Canadian period) left, after the safety margin, so no move risks the clock.
Without a time limit it returns ``None`` (the player's default: a fixed number of simulations
or seconds).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from go_engine.rules.position import BLACK, WHITE


@dataclass(frozen=True)
class TimeSettings:
    """A time system. ``system``: "none", "absolute", "canadian" or "japanese"."""

    system: str = "none"
    main: float = 0.0       # main time, seconds
    byo: float = 0.0        # byo-yomi period, seconds
    stones: int = 0         # Canadian: stones per period
    periods: int = 0        # Japanese: number of periods


@dataclass
class Clock:
    """What is left for one colour: main time, or the current byo-yomi period."""

    main_left: float = 0.0
    byo_left: float = 0.0        # seconds left in the current period
    stones_left: int = 0         # Canadian: stones left to play in the period
    periods_left: int = 0        # Japanese
    in_byo: bool = False


@dataclass
class TimeManager:
    safety: float = 0.2            # seconds always kept back (a local engine answers in ms)
    safety_fraction: float = 0.05  # and this share of the time available for the move
    opening_factor: float = 1.4    # main time: spend more before the endgame
    min_seconds: float = 0.05
    max_move_share: float = 0.25   # ``ceiling``: an extended move's most of the bank left
    settings: TimeSettings = field(default_factory=TimeSettings)
    clocks: dict[int, Clock] = field(default_factory=dict)

    # --- GTP commands ------------------------------------------------------------------------
    def time_settings(self, main: float, byo: float, stones: int) -> None:
        """GTP ``time_settings``: byo > 0 with stones = 0 means no time limit; byo = 0 means
        absolute time."""
        if main < 0 or byo < 0 or stones < 0:
            raise ValueError("time settings must be non-negative")
        if byo > 0 and stones == 0:
            self.set(TimeSettings("none"))
        elif byo == 0:
            self.set(TimeSettings("absolute", main=main))
        else:
            self.set(TimeSettings("canadian", main=main, byo=byo, stones=stones))

    def kgs_time_settings(self, system: str, main: float = 0.0, byo: float = 0.0, count: int = 0) -> None:
        """``kgs-time_settings none | absolute main | byoyomi main period periods |
        canadian main period stones``."""
        system = system.lower()
        if min(main, byo, count) < 0:
            raise ValueError("time settings must be non-negative")
        if system == "none":
            self.set(TimeSettings("none"))
        elif system == "absolute":
            self.set(TimeSettings("absolute", main=main))
        elif system == "byoyomi":
            self.set(TimeSettings("japanese", main=main, byo=byo, periods=max(1, count)))
        elif system == "canadian":
            if count < 1:
                raise ValueError("canadian time needs at least one stone per period")
            self.set(TimeSettings("canadian", main=main, byo=byo, stones=count))
        else:
            raise ValueError(f"unknown time system {system!r}")

    def set(self, settings: TimeSettings) -> None:
        self.settings = settings
        self.clocks = {c: self._fresh_clock() for c in (BLACK, WHITE)}

    def _fresh_clock(self) -> Clock:
        s = self.settings
        clock = Clock(main_left=s.main, byo_left=s.byo, stones_left=s.stones, periods_left=s.periods)
        clock.in_byo = s.main <= 0 and s.system in ("canadian", "japanese")
        return clock

    def time_left(self, color: int, seconds: float, stones: int) -> None:
        """GTP ``time_left``: stones = 0 means still in main time (or absolute time);
        otherwise ``seconds`` are left for ``stones`` moves of the current period."""
        clock = self.clocks.setdefault(color, self._fresh_clock())
        if stones == 0:
            clock.main_left = max(0.0, seconds)
            clock.in_byo = False
        else:
            clock.in_byo = True
            clock.main_left = 0.0
            clock.byo_left = max(0.0, seconds)
            clock.stones_left = stones

    def record(self, color: int, elapsed: float) -> None:
        """Charge a move's thinking time to our own clock (when no ``time_left`` comes)."""
        s = self.settings
        if s.system == "none":
            return
        clock = self.clocks.setdefault(color, self._fresh_clock())
        if not clock.in_byo:
            used = min(elapsed, clock.main_left)
            clock.main_left -= used
            elapsed -= used
            if clock.main_left > 0 or s.system == "absolute":
                return
            clock.in_byo = True
            clock.byo_left, clock.stones_left = s.byo, s.stones
        if s.system == "canadian":
            clock.byo_left -= elapsed
            clock.stones_left -= 1
            if clock.stones_left <= 0:
                clock.byo_left, clock.stones_left = s.byo, s.stones
        elif s.system == "japanese" and elapsed > s.byo:
            clock.periods_left = max(1, clock.periods_left - int(elapsed // max(s.byo, 1e-9)))

    # --- the budget -------------------------------------------------------------------------
    def budget(self, color: int, ply: int, n: int) -> float | None:
        """Seconds the next move of ``color`` may take, or None for no limit."""
        s = self.settings
        if s.system == "none":
            return None
        clock = self.clocks.setdefault(color, self._fresh_clock())
        per_byo_move = 0.0
        if s.system == "canadian" and s.stones > 0:
            per_byo_move = s.byo / s.stones
        elif s.system == "japanese":
            per_byo_move = s.byo
        if clock.in_byo:
            if s.system == "canadian":
                available = clock.byo_left / max(1, clock.stones_left)
            else:
                available = s.byo
            return self._keep_margin(available)
        moves_left = self.expected_moves_left(ply, n)
        share = clock.main_left / moves_left
        if ply < 0.5 * n * n:
            share *= self.opening_factor
        share = max(share, 0.9 * per_byo_move)
        # never more than what main time plus one byo-yomi move can pay for
        if s.system == "absolute":
            # a long game must not run the clock dry: never more than half of what is left
            return min(self._keep_margin(share), 0.5 * clock.main_left)
        return self._keep_margin(min(share, clock.main_left + per_byo_move))

    def bankable(self, color: int) -> bool:
        """Whether time the next move of ``color`` leaves unspent is kept for later moves.
        Not in a byo-yomi period that resets after this move (Japanese byo-yomi, or Canadian
        with one stone left): there a search that stops early only wastes the time."""
        s = self.settings
        if s.system == "none":
            return True
        clock = self.clocks.setdefault(color, self._fresh_clock())
        if not clock.in_byo:
            return True
        if s.system == "japanese":
            return False
        return s.system == "canadian" and clock.stones_left > 1

    def ceiling(self, color: int, ply: int, n: int) -> float | None:
        """The most seconds the next move of ``color`` may take when its search asks for more
        than ``budget`` (an unclear move): ``max_move_share`` of the time in the bank (main time,
        or the Canadian period when more stones follow), after the margin, and never less than
        the budget. None where the search must not run past its budget: no time limit (the
        player's own default then), or a period that resets after this move (not ``bankable``).
        Near the end of main time the share is below the budget, so there is no extension."""
        nominal = self.budget(color, ply, n)
        if nominal is None or not self.bankable(color):
            return None
        clock = self.clocks[color]
        bank = clock.byo_left if clock.in_byo else clock.main_left
        safe = self.max_move_share * bank * (1.0 - self.safety_fraction) - self.safety  # no floor
        return max(nominal, safe)

    def _keep_margin(self, available: float) -> float:
        return max(self.min_seconds, available * (1.0 - self.safety_fraction) - self.safety)

    @staticmethod
    def expected_moves_left(ply: int, n: int) -> float:
        """Our moves still to come: a game lasts about 1.2 * n * n plies; at least 10."""
        return max(10.0, (1.2 * n * n - ply) / 2.0)
