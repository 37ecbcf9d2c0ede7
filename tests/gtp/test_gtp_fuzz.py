"""Fuzzing the GTP front end with hypothesis: random bytes and random command sequences that mix
valid and invalid commands. Every response must be well framed (with the id echoed), the engine
must keep answering, and the game must stay consistent (``Position.check_consistency``, the
move list matching the undo stack).

CI runs ``GTP_FUZZ_EXAMPLES`` examples per test (default 1000: 2,000 inputs, about 15 s of CPU).
The full run:
``GTP_FUZZ_EXAMPLES=5000 python -m pytest tests/gtp/test_gtp_fuzz.py`` (10,000 inputs, two tests).
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from go_engine.gtp.protocol import parse_command, preprocess

from tests.gtp_helpers import new_engine, parse_response

EXAMPLES = int(os.environ.get("GTP_FUZZ_EXAMPLES", "1000"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

COMMANDS = ["protocol_version", "name", "version", "known_command", "list_commands", "boardsize",
            "clear_board", "komi", "play", "genmove", "undo", "showboard", "final_score",
            "final_status_list", "time_settings", "time_left", "kgs-time_settings",
            "fixed_handicap", "place_free_handicap", "set_free_handicap", "reg_genmove",
            "kgs-genmove_cleanup", "is_legal", "list_stones", "gogui-analyze_commands",
            "ownership", "loadsgf", "frobnicate", ""]
COLORS = ["b", "w", "black", "WHITE", "x", ""]
WORDS = ["alive", "dead", "seki", "none", "absolute", "byoyomi", "canadian", "pass", "resign",
         "nan", "inf", "-1", "0", "1e400", "\u00e9", "#", "\t", "\x00", "\x7f"]


def vertices():
    return st.builds(lambda c, r: f"{c}{r}", st.sampled_from("ABCDEFGHJKLMNOPQRSTZIabcdehj"),
                     st.integers(-1, 27))


ARG = st.one_of(st.sampled_from(COLORS), vertices(), st.sampled_from(WORDS),
                st.integers(-5, 30).map(str), st.floats(allow_nan=True).map(str),
                st.text(max_size=6))

VALID_LINE = st.one_of(
    st.builds(lambda c, v: f"play {c} {v}", st.sampled_from(["b", "w"]), vertices()),
    st.builds(lambda c: f"genmove {c}", st.sampled_from(["b", "w"])),
    st.just("undo"),
    st.builds(lambda n: f"boardsize {n}", st.sampled_from([2, 3, 5, 7, 9])),
    st.builds(lambda c, v: f"is_legal {c} {v}", st.sampled_from(["b", "w"]), vertices()),
    st.builds(lambda k: f"fixed_handicap {k}", st.integers(1, 10)),
    st.just("printsgf"),  # never with a file name: the fuzzer must not write files
)


@st.composite
def lines(draw):
    """A line a controller might send, or a broken one; bytes, maybe with an id."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.binary(max_size=80))
    if kind <= 4:
        text = draw(VALID_LINE)
    else:
        name = draw(st.sampled_from(COMMANDS))
        text = " ".join([name, *draw(st.lists(ARG, max_size=4))])
    if draw(st.booleans()):
        text = f"{draw(st.integers(0, 10**6))} {text}"
    if draw(st.integers(0, 7)) == 0:
        text += " # " + draw(st.text(max_size=10))
    return text.encode("utf-8", errors="replace")


def expected_id(raw: bytes) -> int | None:
    command = parse_command(preprocess(raw.decode("utf-8", errors="replace")))
    return None if command is None else command.id


def check_engine(engine) -> None:
    if engine._game is not None:  # noqa: SLF001 -- the game is built on first use
        game = engine.game
        game.position.check_consistency()
        assert len(game.moves) == len(game._undo)  # noqa: SLF001
        assert game.position.n == engine.size


def feed(engine, raw: bytes) -> None:
    text = engine.handle_line(raw)
    if text is None:
        assert expected_id(raw) is None and parse_command(preprocess(raw.decode("utf-8", "replace"))) is None
        return
    reply = parse_response(text)
    assert reply.id == expected_id(raw)
    check_engine(engine)


@pytest.fixture(scope="module", autouse=True)
def _in_a_scratch_folder(tmp_path_factory):
    """Run in an empty folder: whatever a fuzzed command names, it is relative to nothing real."""
    old = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("gtp_fuzz"))
    yield
    os.chdir(old)


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes(raw):
    engine = new_engine(size=9, ownership_playouts=8)
    for part in raw.split(b"\n"):
        feed(engine, part)
    assert engine.handle_line("name") == "= go-engine\n\n"


@FUZZ
@given(st.lists(lines(), min_size=1, max_size=25))
def test_random_command_sequences(sequence):
    engine = new_engine(size=5, ownership_playouts=8)
    for raw in sequence:
        feed(engine, raw)
    assert engine.handle_line("7 protocol_version") == "=7 2\n\n"
    check_engine(engine)
