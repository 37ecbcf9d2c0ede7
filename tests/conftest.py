"""Shared fixtures: where GNU Go and the shared data live, and a minimal GTP pipe to GNU Go."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import go_engine  # noqa: F401  (sets the Numba cache folder before anything imports numba)

# engines the tests start compile before their first move, as matches do: a first move from the
# policy network alone while the search compiles (players.first_run) would make them nondeterministic
os.environ.setdefault("GO_ENGINE_FIRST_RUN", "wait")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def gnugo_path() -> str | None:
    return shutil.which("gnugo") or ("/usr/games/gnugo" if Path("/usr/games/gnugo").exists() else None)


# CI sets GO_ENGINE_REQUIRE_TOOLS=1: there a missing tool is a failure, never a silent skip
REQUIRE_TOOLS = os.environ.get("GO_ENGINE_REQUIRE_TOOLS") == "1"


def skip_or_fail(reason: str) -> None:
    if REQUIRE_TOOLS:
        pytest.fail(f"{reason}, and GO_ENGINE_REQUIRE_TOOLS=1 forbids skipping")
    pytest.skip(reason)


needs_gnugo = pytest.mark.skipif(gnugo_path() is None and not REQUIRE_TOOLS,
                                 reason="gnugo not installed (apt-get install gnugo)")
needs_shared_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} absent")


class GnuGo:
    """GNU Go over GTP pipes: ``ask("play b D4")`` returns the answer text or raises on '?'."""

    def __init__(self, *extra: str):
        self.proc = subprocess.Popen(
            [gnugo_path(), "--mode", "gtp", *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def ask(self, command: str) -> str:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        lines = []
        while True:
            line = self.proc.stdout.readline()
            if line == "":
                raise RuntimeError(f"gnugo exited during {command!r}")
            if line == "\n" and lines:
                break
            if line != "\n":
                lines.append(line.rstrip("\n"))
        text = "\n".join(lines)
        if text.startswith("?"):
            raise RuntimeError(f"gnugo refused {command!r}: {text}")
        return text[1:].strip()

    def close(self) -> None:
        try:
            self.ask("quit")
        except (RuntimeError, BrokenPipeError, OSError):
            pass
        self.proc.wait(timeout=10)


@pytest.fixture
def gnugo():
    if gnugo_path() is None:
        skip_or_fail("gnugo not installed (apt-get install gnugo)")
    engine = GnuGo("--chinese-rules", "--positional-superko")
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def warm_engine_kernels() -> None:
    """Compile the search kernels once, in this process, before a test starts ``go-engine``
    as a subprocess: an engine started on a cold Numba cache spends minutes compiling, longer
    than the GTP timeouts of those tests. The kernels land in the cache the subprocesses read
    (same sources, same NUMBA_CACHE_DIR); with a warm cache this costs a few seconds."""
    from go_engine.players.first_run import compile_search
    from go_engine.players.registry import make_player
    from go_engine.rules.game import Game
    compile_search([9])              # the default player: networks, tree, nakade+ko playouts
    make_player("mcts").new_game(Game(9))  # the rollout search's native drivers
