"""The engine as Sabaki sees it: Node scripts in ``tests/node`` drive ``go-engine gtp`` through
Sabaki's own libraries (@sabaki/gtp's Controller, @sabaki/sgf's parser).

Needs ``node`` and ``npm ci --prefix tests/node`` (skipped with a reason otherwise; a failure
under GO_ENGINE_REQUIRE_TOOLS=1). The game script also needs GNU Go.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import gnugo_path, skip_or_fail

NODE_DIR = Path(__file__).resolve().parents[1] / "node"


def run_script(name: str, timeout: float, **env: str) -> dict:
    node = shutil.which("node")
    if node is None:
        skip_or_fail("node not installed")
    if not (NODE_DIR / "node_modules" / "@sabaki" / "gtp").is_dir():
        skip_or_fail("tests/node/node_modules missing (run: npm ci --prefix tests/node)")
    proc = subprocess.run([node, str(NODE_DIR / name)], cwd=NODE_DIR, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "GO_ENGINE_PYTHON": sys.executable, **env})
    assert proc.returncode == 0, f"{name} failed:\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_full_9x9_game_against_gnugo_through_sabaki_gtp():
    gnugo = gnugo_path()
    if gnugo is None:
        skip_or_fail("gnugo not installed (apt-get install gnugo)")
    result = run_script("play_vs_gnugo.js", timeout=300, GNUGO=gnugo, OUR_COLOR="B", SEED="7")
    assert result["ok"] and result["plies"] > 10
    assert result["resigned"] is not None or result["passes"] == 2 or result["plies"] == 400


def test_scripted_sabaki_session_with_malformed_commands():
    result = run_script("sabaki_session.js", timeout=300)
    assert result == {"ok": True, "commands": 200, "malformed": 20,
                      "movesOnBoard": result["movesOnBoard"], "responses": 201}
