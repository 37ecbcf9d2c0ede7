"""``go-engine tune``: SPSA moves the parameters toward the side that scored better, keeps them
in range, writes its trace and plot, resumes after the last finished iteration, and plays real
games between two settings of go-engine."""
from __future__ import annotations

import json
import shlex
import sys

import pytest

from go_engine.match import tune as tune_mod
from go_engine.match.tune import KNOWN, Param, TuneConfig, parse_params, tune


def test_update_follows_the_better_side_and_stays_in_range(tmp_path, monkeypatch):
    params = (Param("x", 1.0, 0.0, 2.0, 0.5), KNOWN["leaf_rollouts"])
    cfg = TuneConfig(engine="engine", opponent="self", params=params, iterations=6, size=7, move_time=None)
    played = []

    def plus_always_wins(cfg_, k, plus, minus, out):
        played.append((plus, minus))
        return 1.0, 0.0, [{}, {}]

    monkeypatch.setattr(tune_mod, "play_iteration", plus_always_wins)
    result = tune(cfg, tmp_path / "t", progress=False)
    trace = [json.loads(line) for line in (tmp_path / "t" / "trace.jsonl").read_text().splitlines()]
    assert len(trace) == 6 and result["games"] == 12
    for row in trace:  # each parameter moves toward its value on the winning (plus) side
        for p in params:
            sign = row["delta"][p.name]
            moved = row["theta_next"][p.name] - row["theta"][p.name]
            assert moved * sign >= 0 and p.lo <= row["theta_next"][p.name] <= p.hi
    assert "--option leaf_rollouts=" in played[0][0] and " --option x=" in played[0][0]
    assert (tmp_path / "t" / "trace.png").read_bytes()[:4] == b"\x89PNG"
    more = TuneConfig(**{**cfg.__dict__, "iterations": 8})
    assert tune(more, tmp_path / "t", progress=False)["iterations"] == 8 and len(played) == 8  # resumed at 6
    other = TuneConfig(**{**cfg.__dict__, "size": 9})
    with pytest.raises(SystemExit, match="other settings"):
        tune(other, tmp_path / "t", progress=False)


def test_parameter_specs():
    assert parse_params(["c_puct"]) == (KNOWN["c_puct"],)
    (p,) = parse_params(["foo=0.5:0:1:0.1"])
    assert (p.start, p.lo, p.hi, p.step, p.integer) == (0.5, 0.0, 1.0, 0.1, False)
    assert parse_params(["n=4:1:9:1:int"])[0].option(3.6) == "n=4"
    for bad in ("nope", "x=2:0:1:0.1", "x=1:2"):
        with pytest.raises(SystemExit):
            parse_params([bad])


def test_one_iteration_of_real_self_play_games(tmp_path):
    engine = shlex.join([sys.executable, "-m", "go_engine_cli", "gtp", "--player", "mcts", "--playouts", "30",
                         "--threads", "1"])
    cfg = TuneConfig(engine=engine, opponent="self", params=(KNOWN["c_puct"],), iterations=1, size=7,
                     move_time=None)
    result = tune(cfg, tmp_path / "t", progress=False)
    row = json.loads((tmp_path / "t" / "trace.jsonl").read_text())
    assert result["games"] == 2 and row["score_plus"] + row["score_minus"] == pytest.approx(1.0)
    results = (tmp_path / "t" / "iter-0000" / "results.jsonl").read_text().splitlines()
    assert len(results) == 2 and len(list((tmp_path / "t" / "iter-0000").glob("*.sgf"))) == 2
