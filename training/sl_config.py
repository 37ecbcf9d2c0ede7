"""Settings of an SL policy training run: a frozen dataclass, read from JSON and/or flags."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from go_engine.nets.config import settings_from_dict


@dataclass(frozen=True)
class SLConfig:
    data: str = ""  # shard directory (go-engine data build --out)
    out: str = "runs/sl"  # checkpoints, metrics.jsonl, plot, exported weights
    # a policy weight file to start from when ``out`` holds no checkpoint yet (fresh optimizer,
    # step 0): continues a shipped model, e.g. data/policy_19.npz, once its checkpoints are gone
    init: str = ""
    layers: int = 13
    filters: int = 192
    first_kernel: int = 5
    residual: bool = False
    batch_norm: bool = False
    optimizer: str = "sgd"  # "sgd" (momentum) or "adam"
    lr: float = 0.003
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"  # "constant", "cosine" or "step" (halve every lr_step_every steps)
    warmup_steps: int = 0
    lr_step_every: int = 80_000_000  # AlphaGo halved every 80M positions; counted in steps here
    steps: int = 1000
    batch_size: int = 16
    bfloat16: bool = False
    symmetries: bool = True
    seed: int = 0
    log_every: int = 20
    eval_every: int = 500
    eval_positions: int = 2048
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    max_minutes: float = 0.0  # stop (with a checkpoint) after this wall time; 0 = no limit
    loader_workers: int = 1   # threads computing features; raise it on a GPU machine with many cores

    def __post_init__(self) -> None:
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be sgd or adam, got {self.optimizer!r}")
        if self.schedule not in ("constant", "cosine", "step"):
            raise ValueError(f"schedule must be constant, cosine or step, got {self.schedule!r}")
        if self.batch_size < 1 or self.steps < 0:
            raise ValueError("batch_size must be >= 1 and steps >= 0")
        if self.loader_workers < 1:
            raise ValueError("loader_workers must be >= 1")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> "SLConfig":
        return settings_from_dict(cls, data, "training")

    @classmethod
    def from_file(cls, path: str | Path) -> "SLConfig":
        return cls.from_dict(json.loads(Path(path).read_text()))

    def with_overrides(self, **overrides) -> "SLConfig":
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def add_config_arguments(parser) -> None:
    """One flag per SLConfig field (default None: keep the file's or the dataclass's value)."""
    parser.add_argument("--config", help="JSON file of SLConfig fields; flags override it")
    for f in fields(SLConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.type in ("bool", bool):
            parser.add_argument(flag, type=lambda s: s.lower() in ("1", "true", "yes", "on"), default=None,
                                metavar="BOOL")
        else:
            kind = {"int": int, "float": float, "str": str}[f.type if isinstance(f.type, str) else f.type.__name__]
            parser.add_argument(flag, type=kind, default=None)


def config_from_args(args) -> SLConfig:
    base = SLConfig.from_file(args.config) if getattr(args, "config", None) else SLConfig()
    return base.with_overrides(**{f.name: getattr(args, f.name, None) for f in fields(SLConfig)})
