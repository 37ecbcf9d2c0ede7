"""``benchmarks/elo_ladder.py``: per-rung game counts, the table, the plot and resuming, with fake GTP engines."""
from __future__ import annotations

import argparse
import importlib.util
import json
import shlex
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FAKE = [sys.executable, str(REPO / "tests" / "fake_gtp_engine.py"), "--no-board"]


def load_ladder():
    spec = importlib.util.spec_from_file_location("elo_ladder", REPO / "benchmarks" / "elo_ladder.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ladder = load_ladder()


def test_rung_games_parse_and_reject_bad_input():
    assert ladder.parse_rung_games("alphago=60, rollouts=20") == {"alphago": 60, "rollouts": 20}
    assert ladder.parse_rung_games("") == {}
    for bad in ["alphago", "alphago=0", "alphago=x", "nosuchrung=5"]:
        with pytest.raises(argparse.ArgumentTypeError):
            ladder.parse_rung_games(bad)


def test_rung_command_appends_the_player_arguments():
    assert ladder.rung_command("go-engine gtp", "net-search-value", 2) == \
        "go-engine gtp --player alphago --option mix_lambda=0 --threads 2"


def test_ladder_plays_each_rung_its_games_and_resumes(tmp_path, capsys):
    engine = shlex.join(FAKE)
    args = ["--out", str(tmp_path), "--size", "7", "--games", "1", "--rung-games", "alphago=2",
            "--rungs", "network,alphago", "--engine-cmd", engine, "--opponent", engine, "--referee", "",
            "--move-time", "1", "--quiet"]
    assert ladder.main(args) == 0
    rows = json.loads((tmp_path / "ladder.json").read_text())
    assert [(r["rung"], r["games"]) for r in rows] == [("network", 1), ("alphago", 2)]
    assert all(r["wins"] + r["losses"] + r["draws"] == r["games"] for r in rows)
    table = (tmp_path / "ladder.md").read_text()
    assert "| network | 1 |" in table and "| alphago | 2 |" in table
    assert (tmp_path / "ladder.png").stat().st_size > 0
    # a rerun finds every game played and plays none
    lines = (tmp_path / "alphago" / "results.jsonl").read_text()
    assert ladder.main(args) == 0
    assert (tmp_path / "alphago" / "results.jsonl").read_text() == lines
    assert ladder.main([*args, "--report-only"]) == 0
    assert "| alphago | 2 |" in capsys.readouterr().out
