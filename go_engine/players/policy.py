"""``PolicyPlayer``: plays the policy network's move, with no search.

Greedy (temperature 0) or sampled from the softmax at a temperature. The probabilities are the
mean over the 8 symmetries of the board (one batch of 8, as Maddison et al. played their net):
about one point of top-1 more than the identity alone on held-out games. Only moves that are
legal (positional superko included) and sensible (not filling an own eye) are considered, and
no move that fills the player's own settled territory: an empty region that only its stones
border and that playouts give it (``SETTLED_SHARE``, the opponent moving first), unless the move
gives an own chain in atari liberties. The network has no pass output and its training data
holds no moves after the boundaries close, so without that rule it fills its own territory in
the endgame until its groups run out of eyes. Nor does it play the two tactical mistakes its
own input planes show and experts almost never make (``blunder``): a self-atari of two or more
stones that captures nothing, and running from atari into a ladder that the ladder plane
reads as caught. It passes when no such move remains, or when the
opponent has just passed and the count wins: area score with the stones that playouts judge
dead taken off (``ownership.final_status``, what ``final_status_list`` answers)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from go_engine.features.planes import (P_CAPTURE, P_LADDER_ESCAPE, P_LIBS_AFTER, P_SELF_ATARI, P_SENSIBLE, FeatureScratch,
                                       position_planes)
from go_engine.rules import board_kernels as bk
from go_engine.rules.game import Game
from go_engine.players.protocol import TimeBudget
from go_engine.rules.position import BLACK, EMPTY, Position

SETTLED_SHARE = 0.9      # own territory: the playouts give the point to its owner this often
SETTLED_PLAYOUTS = 128   # playouts behind that share, run only when a candidate is enclosed


class PolicyPlayer:
    name = "policy"

    def __init__(self, weights: str | Path | None = None, temperature: float = 0.0, seed: int = 0,
                 evaluator=None, symmetries: int = 8, playout_checks: bool = True):
        """``playout_checks`` False: no playouts behind a move (no settled-territory check, no
        passing on the count after the opponent's pass). The first run's stand-in sets it: those
        playout kernels are still compiling then, and compiling them on a move's clock loses
        the game on time."""
        if symmetries not in (1, 8):
            raise ValueError(f"symmetries must be 1 or 8, got {symmetries}")
        self.playout_checks = playout_checks
        self.weights = weights
        self.temperature = temperature
        self.symmetries = symmetries
        self._rng = np.random.default_rng(seed)
        self._evaluators: dict[int, object] = {}
        if evaluator is not None:
            self._evaluators[evaluator.n] = evaluator
        self._scratch: dict[int, FeatureScratch] = {}

    def evaluator(self, n: int):
        if n not in self._evaluators:
            from go_engine.nets.policy_inference import PolicyNetRunner
            ev = PolicyNetRunner(self.weights, board_size=n)
            if ev.n != n:
                raise ValueError(f"the policy weights are for {ev.n}x{ev.n}, the game is {n}x{n}")
            if ev.path is not None:  # one line in the GUI's engine console: which network plays
                print(f"go-engine: {n}x{n}: policy {ev.path.name}", file=sys.stderr, flush=True)
            self._evaluators[n] = ev
        return self._evaluators[n]

    def new_game(self, game: Game) -> None:
        pass

    def network_probabilities(self, planes: np.ndarray) -> np.ndarray:
        """float64[n*n]: the network's softmax for planes uint8[n, n, 48], averaged over the 8
        symmetries when ``self.symmetries`` is 8."""
        n = planes.shape[0]
        logp = self.evaluator(n).log_probs(planes[None], symmetries=self.symmetries)[0].astype(np.float64)
        p = np.exp(logp - logp.max())
        return p / p.sum()

    def move_probabilities(self, game: Game, color: int) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities float64[n*n] over sensible moves, sensible mask bool[n*n])."""
        probs, sensible, _ = self._candidates(game, color)
        return probs, sensible

    def _candidates(self, game: Game, color: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = game.n
        pos = game.position.copy()
        pos.to_play = color
        planes = position_planes(pos, self._scratch.setdefault(n, FeatureScratch(n)))
        sensible = planes[:, :, P_SENSIBLE].ravel().astype(bool)
        if not sensible.any():
            return np.zeros(n * n), sensible, planes
        p = np.where(sensible, self.network_probabilities(planes), 0.0)
        return p / p.sum(), sensible, planes

    def genmove(self, game: Game, color: int, budget: TimeBudget) -> int:
        n = game.n
        if (self.playout_checks and game.moves and game.moves[-1].point == n * n
                and wins_counting_dead(game, color)):
            return n * n  # the opponent passed and the count wins: end the game
        probs, sensible, planes = self._candidates(game, color)
        candidates = np.flatnonzero(sensible)
        if self.temperature > 0 and len(candidates):
            # Gumbel top-k: an order sampled without replacement from probs ** (1 / temperature)
            keys = np.log(probs[candidates] + 1e-30) / self.temperature + self._rng.gumbel(size=len(candidates))
            order = candidates[np.argsort(-keys)]
        else:
            order = candidates[np.argsort(-probs[candidates], kind="stable")]
        territory = OwnTerritory(game.position, color) if self.playout_checks else None
        for point in order:  # the planes use simple ko; superko is checked here
            if (game.position.is_legal(int(point), color) and not blunder(game.position, int(point), color, planes)
                    and not (territory is not None and territory.fills(int(point), planes))):
                return int(point)
        return n * n


class OwnTerritory:
    """Which moves would fill ``color``'s settled territory. The playouts run only when a
    candidate lies in an empty region that only ``color``'s stones border."""

    def __init__(self, position: Position, color: int, share: float = SETTLED_SHARE,
                 playouts: int = SETTLED_PLAYOUTS):
        self.position, self.color, self.share, self.playouts = position, color, share, playouts
        owner = np.empty_like(position.color)
        bk.area_owner(position.color, position.n, owner)
        board = position.board().ravel()
        self.enclosed = (board == EMPTY) & (owner[position.p2l[:-1]] == color)
        self._owned: np.ndarray | None = None

    def fills(self, point: int, planes: np.ndarray) -> bool:
        """Whether ``point`` is settled own territory and the move saves no chain in atari."""
        if not self.enclosed[point]:
            return False
        if self._owned is None:
            from go_engine.players.ownership import estimate_ownership
            pos = self.position.copy()
            pos.to_play = 3 - self.color  # the opponent moves first: territory it cannot break
            self._owned = estimate_ownership(pos, self.playouts).of(self.color)
        return bool(self._owned[point] >= self.share) and not saves_atari(self.position, point, self.color, planes)


def joins_chain_in_atari(position: Position, point: int, color: int) -> bool:
    """Whether ``point`` touches a ``color`` chain with one liberty."""
    loc = int(position.p2l[point])
    w = position.n + 2
    return any(position.color[nb] == color and position.links[bk.LIBS, position.links[bk.HEAD, nb]] == 1
               for nb in (loc - 1, loc + 1, loc - w, loc + w))


def saves_atari(position: Position, point: int, color: int, planes: np.ndarray) -> bool:
    """Whether playing ``point`` joins a ``color`` chain in atari and leaves the moved chain
    at least two liberties (``planes``: ``color``'s, to move)."""
    r, c = divmod(point, position.n)
    return not planes[r, c, P_LIBS_AFTER] and joins_chain_in_atari(position, point, color)


def blunder(position: Position, point: int, color: int, planes: np.ndarray) -> bool:
    """A move that captures nothing and either puts two or more own stones in atari or runs a
    chain in atari out to two liberties where the ladder plane reads it caught. Experts play
    0.02% and 0.09% of their moves so (60 held-out games); the net alone played them in the
    endgame about 100 and 8 times as often (benchmarks/results/policy19_gnugo10_cec05d6)."""
    r, c = divmod(point, position.n)
    x = planes[r, c]
    if not x[P_CAPTURE]:  # the "captures 0" plane is off: the move captures
        return False
    if x[P_SELF_ATARI + 1:P_SELF_ATARI + 8].any():
        return True
    return bool(x[P_LIBS_AFTER + 1] and not x[P_LADDER_ESCAPE] and joins_chain_in_atari(position, point, color))


def wins_counting_dead(game: Game, color: int) -> bool:
    """Whether ``color`` wins the area count with the stones that playouts judge dead removed."""
    from go_engine.players.ownership import final_status, score_without_dead
    status = final_status(game.position)
    dead = [p for p, verdict in status.items() if verdict == "dead"]
    score = score_without_dead(game.position, game.komi, dead)
    return score > 0 if color == BLACK else score < 0
