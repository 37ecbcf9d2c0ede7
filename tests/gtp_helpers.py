"""Helpers shared by the GTP tests: an in-process engine and a strict response parser."""
from __future__ import annotations

import re
from dataclasses import dataclass

from go_engine.gtp.engine import EngineConfig, GtpEngine
from go_engine.players.registry import PlayerOptions

# one response: header, optional body on the header line, further non-empty lines, blank line
RESPONSE = re.compile(r"([=?])(\d*)((?: [^\n]*)?(?:\n[^\n]*[^\s\n][^\n]*)*)\n\n", re.S)


@dataclass(frozen=True)
class Reply:
    ok: bool
    id: int | None
    body: str


def parse_response(text: str) -> Reply:
    """Parse exactly one framed response; AssertionError if the framing is wrong."""
    m = RESPONSE.fullmatch(text)
    assert m, f"badly framed response: {text!r}"
    body = m.group(3)
    body = body[1:] if body.startswith(" ") else body
    return Reply(m.group(1) == "=", int(m.group(2)) if m.group(2) else None, body.strip())


def new_engine(size: int = 9, komi: float = 7.5, seed: int = 1, ownership_playouts: int = 64) -> GtpEngine:
    return GtpEngine(EngineConfig(size=size, komi=komi, player="random",
                                  player_options=PlayerOptions(seed=seed),
                                  ownership_playouts=ownership_playouts, seed=seed))


def ask(engine: GtpEngine, line: str | bytes) -> Reply:
    text = engine.handle_line(line)
    assert text is not None, f"no response to {line!r}"
    return parse_response(text)


def ok(engine: GtpEngine, line: str) -> str:
    reply = ask(engine, line)
    assert reply.ok, f"{line!r} failed: {reply.body}"
    return reply.body


def fails(engine: GtpEngine, line: str | bytes) -> str:
    reply = ask(engine, line)
    assert not reply.ok, f"{line!r} should fail but answered {reply.body!r}"
    return reply.body
