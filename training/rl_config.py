"""Settings of the RL policy and value-network runs: frozen dataclasses, JSON in and out.
Standard library and ``go_engine.nets.config`` only (no NumPy, JAX or Numba), so building
the ``go-engine`` parser stays fast."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from go_engine.nets.config import settings_from_dict
from go_engine.rules.conventions import DEFAULT_KOMI


@dataclass(frozen=True)
class RLConfig:
    init: str = "sl"  # SL policy weights: "sl" (data/policy_<n>.npz) or a path
    out: str = "runs/rl"
    board_size: int = 9
    komi: float = DEFAULT_KOMI
    iterations: int = 100
    games: int = 64  # games per iteration (AlphaGo: a minibatch of n = 128 games)
    optimizer: str = "sgd"  # "sgd" (AlphaGo: plain SGD, alpha = 0.001) or "adam"
    lr: float = 0.001
    baseline: str = "mean"  # "none" (AlphaGo's RL policy) or "mean" (the iteration's mean reward)
    pool_every: int = 10  # add the current weights to the opponent pool every K iterations
    temperature: float = 1.0
    eval_every: int = 10
    eval_games: int = 64
    checkpoint_every: int = 5
    keep_checkpoints: int = 2
    chunk: int = 512  # positions per gradient chunk (gradients are summed over chunks)
    ladders: bool = True
    seed: int = 0
    max_minutes: float = 0.0

    def __post_init__(self) -> None:
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError("optimizer must be sgd or adam")
        if self.baseline not in ("none", "mean"):
            raise ValueError("baseline must be none or mean")
        if self.games < 2 or self.games % 2:
            raise ValueError("games per iteration must be even (half as black, half as white)")
        if self.pool_every < 1:
            raise ValueError("pool_every must be >= 1")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> "RLConfig":
        return settings_from_dict(cls, data, "RL")


@dataclass(frozen=True)
class ValueConfig:
    data: str = ""  # directory of value-*.npz shards (go-engine selfplay --value-data)
    expert_shards: str = ""  # or: a `go-engine data build` directory (one fresh position per game per epoch)
    expert_komis: str = "6.5,7.5"  # expert games with another komi (or none recorded) are dropped
    expert_min_moves: int = 50
    val_positions: int = 4096  # with expert_shards: positions from the val split's games
    # with expert_shards: weight of an auxiliary loss holding tanh(the 1x1 map) to each game's final
    # ownership (nakade playouts from its last position), from the side to move's view; 0: off
    ownership_weight: float = 0.0
    ownership_playouts: int = 8
    # with expert_shards: the regression target becomes (1 - w) * z + w * m, m the mean outcome
    # (side to move's view, the game's komi) of ``playout_target_playouts`` nakade playouts
    # from the position; 0: the result z alone. Validation MSE stays against z.
    playout_target_weight: float = 0.0
    playout_target_playouts: int = 16
    val_data: str = ""  # held-out shards (other games); empty: hold out val_fraction of data
    val_fraction: float = 0.05
    out: str = "runs/value"
    layers: int = 8
    filters: int = 64
    first_kernel: int = 5
    fc_units: int = 128
    trunk_weights: str = ""  # a policy weight file: its convolutions become a frozen trunk in front
    trunk_lr_scale: float = 0.0  # 0: that trunk stays frozen; > 0: trained at lr times this factor
    score_skip: bool = False  # the output also reads the 1x1 map's summed score (``ValueNetConfig``)
    # a value weight file to warm-start from: every parameter whose name and shape match is
    # copied (the trunk and any head layers of the same size); the rest keep their fresh init
    init_weights: str = ""
    optimizer: str = "adam"
    lr: float = 0.001
    lr_schedule: str = "constant"  # or "cosine": from lr down to 0 at ``steps``
    warmup_steps: int = 0  # linear from 0 up to lr first (Adam's first steps move every weight by about lr)
    weight_decay: float = 1e-4
    steps: int = 2000
    batch_size: int = 64
    symmetries: bool = True
    seed: int = 0
    log_every: int = 50
    eval_every: int = 250
    checkpoint_every: int = 250
    keep_checkpoints: int = 2
    max_minutes: float = 0.0

    def __post_init__(self) -> None:
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError("optimizer must be sgd or adam")
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError("lr_schedule must be constant or cosine")
        if self.batch_size < 1 or self.steps < 0:
            raise ValueError("batch_size >= 1 and steps >= 0")
        if self.trunk_lr_scale < 0:
            raise ValueError("trunk_lr_scale must be >= 0")
        if not 0.0 <= self.playout_target_weight <= 1.0 or self.playout_target_playouts < 1:
            raise ValueError("playout_target_weight in [0, 1] and playout_target_playouts >= 1")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> "ValueConfig":
        return settings_from_dict(cls, data, "value-training")

    def with_overrides(self, **kw) -> "ValueConfig":
        return replace(self, **{k: v for k, v in kw.items() if v is not None})
