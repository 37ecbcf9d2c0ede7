"""GTP v2 wire format: turning raw input lines into commands and results into framed responses.

Pure text handling, no engine: the rules of section 2 of the GTP v2 specification.

- Preprocessing (spec 2.2): control characters other than tab and newline are removed, text
  from ``#`` on is a comment, tabs become spaces, and lines that are then empty are ignored.
- A command is ``[id] command_name [arguments]``; ``id`` is a non-negative integer that is
  echoed in the response (``=12 ...`` / ``?12 ...``).
- A response is ``=[id] result`` or ``?[id] message``, ended by an empty line. A result never
  contains an empty line (that would end the response early), so blank lines inside are dropped.
- A *streamed* response (``lz-analyze`` and friends, as Leela Zero frames them) is ``=[id]``
  alone on its first line, then body lines written while the command runs, then the empty line.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_LINE_BYTES = 64 * 1024  # longer lines are refused (the longest real command is ~3 KB)

# every control character (C0 except HT and LF, DEL, C1)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class GtpError(Exception):
    """A command that fails; the message becomes the ``? message`` response."""


@dataclass(frozen=True)
class Stream:
    """What a handler returns for a response written while it runs: ``run(emit)`` calls
    ``emit(line)`` for each body line (flushed at once) and returns when the command is done.
    Argument errors must be raised before returning the Stream, while ``?`` is still possible."""

    run: Callable[[Callable[[str], None]], None]


@dataclass(frozen=True)
class Command:
    id: int | None
    name: str
    args: tuple[str, ...]


def decode_line(raw: bytes) -> str:
    """Bytes from the controller as text: invalid UTF-8 becomes U+FFFD instead of an exception."""
    return raw.decode("utf-8", errors="replace")


def preprocess(line: str) -> str:
    """Apply GTP preprocessing to one line; the empty string means 'ignore this line'."""
    line = _CONTROL.sub("", line)
    hash_at = line.find("#")
    if hash_at >= 0:
        line = line[:hash_at]
    return line.replace("\t", " ").replace("\n", " ").strip()


def parse_command(line: str) -> Command | None:
    """Split a preprocessed line into (id, name, args); None for a line to ignore.

    A leading token of digits is the id. An id with nothing after it is a command with an
    empty name, which the dispatcher answers with an error carrying the id.
    """
    tokens = line.split()
    if not tokens:
        return None
    cmd_id = None
    if tokens[0].isascii() and tokens[0].isdigit():
        cmd_id = int(tokens[0])
        tokens = tokens[1:]
    if not tokens:
        return Command(cmd_id, "", ())
    return Command(cmd_id, tokens[0], tuple(tokens[1:]))


def leading_id(line: str) -> int | None:
    """The id of a line that cannot be parsed in full (too long): its first token, if digits."""
    head = preprocess(line[:64]).split(maxsplit=1)
    return int(head[0]) if head and head[0].isascii() and head[0].isdigit() else None


def clean_body(text: str) -> str:
    """A response body that cannot break the framing: no control characters, no empty lines."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\t", " "))
    lines = text.split("\n")
    first, rest = lines[0], [ln for ln in lines[1:] if ln.strip()]
    return "\n".join([first, *rest]).rstrip()


def stream_head(cmd_id: int | None) -> str:
    return "=" + ("" if cmd_id is None else str(cmd_id)) + "\n"


def stream_line(line: str) -> str:
    """One body line of a streamed response, or "" for a line that would break the framing
    (empty after cleaning)."""
    line = " ".join(_CONTROL.sub("", line).split())
    return line + "\n" if line else ""


def format_response(cmd_id: int | None, ok: bool, body: str = "") -> str:
    """``=id body\\n\\n`` or ``?id message\\n\\n``; a body starting with a newline (showboard)
    keeps its first line empty, as GNU Go does."""
    head = ("=" if ok else "?") + ("" if cmd_id is None else str(cmd_id))
    body = clean_body(body)
    if body.startswith("\n"):
        return f"{head}{body}\n\n"
    return (f"{head} {body}" if body else head) + "\n\n"
