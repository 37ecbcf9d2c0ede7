"""Architecture of the policy network as a frozen dataclass, stored as JSON inside weight files."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, TypeVar

T = TypeVar("T")


def settings_from_dict(cls: type[T], data: dict[str, Any], what: str) -> T:
    """A frozen settings dataclass from a dict, refusing unknown keys by name (a typo in a
    config file must fail loudly, not be ignored)."""
    unknown = set(data) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(f"unknown {what} settings: {sorted(unknown)}")
    return cls(**data)


@dataclass(frozen=True)
class PolicyNetConfig:
    """AlphaGo's SL policy net is layers=13, filters=192, first_kernel=5 (Silver et al. 2016).

    ``layers`` counts every convolution: the first (first_kernel x first_kernel), layers-2
    hidden 3x3 ones, and the final 1x1 that gives one logit per point (plus a learned bias
    per point). ``residual`` adds a skip around each hidden 3x3 layer; ``batch_norm`` puts
    batch normalisation after every hidden convolution."""

    board_size: int = 19
    layers: int = 13
    filters: int = 192
    first_kernel: int = 5
    in_planes: int = 48
    residual: bool = False
    batch_norm: bool = False

    def __post_init__(self) -> None:
        if self.layers < 2:
            raise ValueError("a policy net needs at least 2 convolutions (first and final 1x1)")
        if self.filters < 1 or self.board_size < 2:
            raise ValueError("filters and board_size must be positive")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> "PolicyNetConfig":
        return settings_from_dict(cls, data, "network")

    @classmethod
    def from_json(cls, text: str) -> "PolicyNetConfig":
        return cls.from_dict(json.loads(text))
