"""The first run after an install: compile the search kernels without freezing the GUI.

Compiling every Numba kernel of the AlphaGo player takes a minute or two of CPU, paid once per
install (the cache then loads in seconds). Rather than leave Sabaki staring at a silent engine,
the player starts this module as a second process to compile the search on the other core,
says so once on stderr, and answers moves with its policy network alone (the network needs only
the feature kernels, a small part of the compile) until that process is done; then the full
search takes over. ``python -m go_engine.players.first_run SIZE...`` is that process.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time

from go_engine.jit_cache import kernels_warm, mark_warm

PLAYER = "alphago"
# seconds until the background compile is done on the 2-core reference machine (73-84 s measured
# by `.ci/front_door.sh`, README "Start here"); only shown to the user
COMPILE_SECONDS = 90


class BackgroundCompile:
    """A compile of the search kernels running in another process, started only when the
    cache is cold. ``ready()`` polls it; a failed compile is reported and the caller compiles
    inline, as it would have without this."""

    def __init__(self, sizes: list[int]):
        self.started = time.monotonic()
        self._process: subprocess.Popen | None = None
        if kernels_warm(PLAYER):
            return
        print(f"go-engine: compiling search kernels in the background, first run only, about "
              f"{COMPILE_SECONDS} s; until then moves come from the policy network alone",
              file=sys.stderr, flush=True)
        # its messages go to a file, not a pipe: nobody reads a pipe while it compiles, and the
        # compile should finish (for the next start) even if this engine quits first
        self._log = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "go_engine.players.first_run", *map(str, sizes)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log)

    def ready(self) -> bool:
        """True once no compile is running (finished, failed or never needed)."""
        if self._process is None:
            return True
        if self._process.poll() is None:
            return False
        self._log.seek(0)
        err = self._log.read()
        self._log.close()
        if self._process.returncode == 0:
            print(f"go-engine: search kernels compiled in {time.monotonic() - self.started:.0f} s; "
                  f"the full search plays from now on", file=sys.stderr, flush=True)
        else:
            tail = err.decode(errors="replace").strip().splitlines()[-3:]
            print("go-engine: the background compile failed (" + " | ".join(tail) + "); "
                  "compiling in this process instead", file=sys.stderr, flush=True)
        self._process = None
        return True

    def wait(self) -> None:
        """Block until the compile is over (a size with no network has no quick player)."""
        if self._process is not None:
            self._process.wait()
        self.ready()


def compile_search(sizes: list[int]) -> None:
    """Build the AlphaGo player's search for each size and run its warm-up, which compiles
    (and caches) every kernel a real search calls, with the argument types it uses."""
    from go_engine.players.alphago import AlphaGoPlayer
    from go_engine.players.ownership import final_status
    from go_engine.rules.game import Game
    player = AlphaGoPlayer()
    for n in sizes:
        game = Game(n)
        player.new_game(game)
        # the dead-stone judge (final_status_list, genmove_cleanup, the policy player's own
        # territory check) runs other playout kernels: a 30 s compile on a move's clock otherwise
        game.play(n + 1, game.to_play)
        final_status(game.position, playouts=2)
    mark_warm(PLAYER)


if __name__ == "__main__":
    compile_search([int(a) for a in sys.argv[1:]] or [19])
