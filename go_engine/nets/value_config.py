"""Value network architecture and weight files (NumPy only: no JAX at import).

A value weight file is an .npz like the policy's (``weights.flatten_tree`` paths,
``allow_pickle=False``) with ``value_config_json`` in place of ``config_json``, so the two
kinds of file can never be confused."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from go_engine.nets.config import settings_from_dict
from go_engine.nets.weights import load_weight_file, save_weight_file
from go_engine.shipped import shipped_file


@dataclass(frozen=True)
class ValueNetConfig:
    """AlphaGo's value net: the policy trunk (first 5x5 then 3x3 convolutions) on 49 planes,
    a 1x1 convolution to one channel (linear here: a rectified single channel died in
    training), a fully connected layer of 256 rectifiers and one tanh output.
    Here ``layers`` counts the trunk convolutions plus the 1x1 (as in ``PolicyNetConfig``).

    ``trunk_layers`` > 0 puts a policy network's convolutions in front (``trunk_layers`` as
    the policy's ``layers``: its first ``trunk_layers - 1`` convolutions, ``trunk_filters``
    wide, first kernel ``trunk_first_kernel``, on the first ``trunk_planes`` planes); the
    value layers then read its last feature map concatenated with the raw planes. The
    value trainer copies the trunk from a policy weight file and keeps it frozen.

    ``score_skip``: the output also reads, through a linear path that starts at zero, the 1x1
    map's predicted score (the sum of tanh of the map, in tens of points, from the side to
    move's view when the map is trained on ownership) and the player-colour plane (komi's
    side). A tanh of a score margin is what a counted position's value is; the fully connected
    layer learns that sum slowly from one-bit results."""

    board_size: int = 19
    layers: int = 13
    filters: int = 192
    first_kernel: int = 5
    in_planes: int = 49
    fc_units: int = 256
    trunk_layers: int = 0
    trunk_filters: int = 0
    trunk_first_kernel: int = 5
    trunk_planes: int = 48
    score_skip: bool = False

    def __post_init__(self) -> None:
        if self.layers < 2 or self.filters < 1 or self.fc_units < 1 or self.board_size < 2:
            raise ValueError("value net: layers >= 2, filters, fc_units and board_size positive")
        if self.trunk_layers and (self.trunk_layers < 2 or self.trunk_filters < 1
                                  or not 0 < self.trunk_planes <= self.in_planes):
            raise ValueError("value net trunk: trunk_layers >= 2, trunk_filters >= 1, 0 < trunk_planes <= in_planes")
        if self.score_skip and self.in_planes < 49:
            raise ValueError("value net score_skip reads the player-colour plane (plane 48): in_planes >= 49")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "ValueNetConfig":
        return settings_from_dict(cls, json.loads(text), "value-net")


def default_value_weights(board_size: int) -> Path:
    """The shipped value weights for a board size (data/value_<n>.npz)."""
    return shipped_file(f"value_{board_size}.npz")


def save_value_weights(path: str | Path, config: ValueNetConfig, variables: dict, meta: dict | None = None) -> None:
    """Write a value net's variables and config atomically."""
    save_weight_file(path, "value_config_json", config.to_json(), variables, meta)


def load_value_weights(path: str | Path) -> tuple[ValueNetConfig, dict, dict]:
    """(config, variables, meta); a clear error for a missing file or a policy file."""
    config_json, variables, meta = load_weight_file(path, "value_config_json", "value-network")
    return ValueNetConfig.from_json(config_json), variables, meta
