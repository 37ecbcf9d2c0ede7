"""Command dispatch by reflection: every ``cmd_<name>`` method of a ``Dispatcher`` subclass is a
GTP command, and its type hints say how to convert the arguments.

Naming: ``cmd_play`` is ``play``; a double underscore stands for a hyphen, so
``cmd_kgs__genmove_cleanup`` is ``kgs-genmove_cleanup``.
Arguments: each parameter's annotation is looked up in ``converters`` (``int``, ``float``,
``str`` here; subclasses add their own, e.g. colors and vertices). Parameters with defaults are
optional; ``*args: T`` takes any number of T. Too few or too many arguments and conversion
errors are answered ``? syntax error ...`` without calling the handler.
A handler returns the response body (``str``) or None, and raises ``GtpError`` to fail; or it
returns a ``Stream`` (analysis), whose lines are written while it runs. A running command can
ask ``self.input_waiting()`` whether the controller has sent more input (the signal that ends
``lz-analyze``).
"""
from __future__ import annotations

import inspect
import logging
import math
import re
import typing
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

from go_engine.errors import NpzFileError
from go_engine.gtp.protocol import MAX_LINE_BYTES, Command, GtpError, Stream, decode_line, format_response, \
    leading_id, parse_command, preprocess, stream_head, stream_line

log = logging.getLogger(__name__)

PREFIX = "cmd_"


def gtp_int(token: str, context: Any = None) -> int:
    """GTP ``int``: an unsigned decimal integer (a sign is tolerated, range checks are the
    handler's job)."""
    if not re.fullmatch(r"[+-]?[0-9]{1,12}", token):
        raise GtpError(f"syntax error: {token!r} is not an integer")
    return int(token)


_GTP_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")


def gtp_float(token: str, context: Any = None) -> float:
    """GTP ``float``: a finite decimal number in plain ASCII. Python's ``float`` alone would
    also take ``7_5``, ``nan``, ``infinity`` and non-ASCII digits; those are refused."""
    if len(token) > 64 or not _GTP_FLOAT.fullmatch(token):
        raise GtpError(f"syntax error: {token!r} is not a number")
    value = float(token)
    if not math.isfinite(value):
        raise GtpError(f"syntax error: {token!r} is not a finite number")
    return value


def gtp_str(token: str, context: Any = None) -> str:
    return token


BASE_CONVERTERS: Mapping[Any, Callable[[str, Any], Any]] = MappingProxyType(
    {int: gtp_int, float: gtp_float, str: gtp_str})


def command_name(method_name: str) -> str:
    return method_name[len(PREFIX):].replace("__", "-")


@dataclass(frozen=True)
class CommandSpec:
    """One command: its handler and how to convert its arguments."""

    name: str
    method_name: str
    params: tuple[tuple[str, Any, bool], ...]  # (name, type, required)
    varargs: Any | None                          # element type of *args, or None

    def usage(self) -> str:
        parts = [f"<{p}>" if req else f"[{p}]" for p, _, req in self.params]
        if self.varargs is not None:
            parts.append("<...>")
        return " ".join([self.name, *parts])


def discover(cls: type, converters: Mapping[Any, Any]) -> dict[str, CommandSpec]:
    """Every ``cmd_*`` method of ``cls`` as a CommandSpec; TypeError for an argument type
    without a converter (a programming error, caught when the engine is built)."""
    specs: dict[str, CommandSpec] = {}
    for attr in sorted(dir(cls)):
        if not attr.startswith(PREFIX):
            continue
        method = getattr(cls, attr)
        hints = typing.get_type_hints(method)
        params = []
        varargs = None
        for p in list(inspect.signature(method).parameters.values())[1:]:  # skip self
            kind = hints.get(p.name, str)
            if kind not in converters:
                raise TypeError(f"{attr}: no converter for argument {p.name}: {kind!r}")
            if p.kind is inspect.Parameter.VAR_POSITIONAL:
                varargs = kind
            else:
                params.append((p.name, kind, p.default is inspect.Parameter.empty))
        specs[command_name(attr)] = CommandSpec(command_name(attr), attr, tuple(params), varargs)
    return specs


class Dispatcher:
    """Base for a GTP engine: turns lines into handler calls and results into responses."""

    converters: Mapping[Any, Callable[[str, Any], Any]] = BASE_CONVERTERS

    def __init__(self) -> None:
        self.commands = discover(type(self), self.converters)
        self.quit_requested = False

    # --- one line in, one response out ------------------------------------------------------
    def input_waiting(self) -> bool:
        """True once the controller has sent more input; outside ``run_line``, always True (an
        in-process caller cannot interrupt, so an analysis stops after its first chunk)."""
        return True

    def handle_line(self, line: str | bytes,
                    input_waiting: Callable[[], bool] | None = None) -> str | None:
        """The framed response to one input line, or None for a blank/comment line.
        ``input_waiting`` stands in for new input while a streamed command runs."""
        out: list[str] = []
        answered = self.run_line(line, out.append, input_waiting or (lambda: True))
        return "".join(out) if answered else None

    def run_line(self, line: str | bytes, write: Callable[[str], None],
                 input_waiting: Callable[[], bool]) -> bool:
        """Answer one input line through ``write`` (streamed responses chunk by chunk);
        False for a blank/comment line (no response). Only ``write`` may raise."""
        if isinstance(line, bytes):
            if len(line) > MAX_LINE_BYTES:
                write(format_response(leading_id(decode_line(line[:64])), False,
                                      f"line too long (more than {MAX_LINE_BYTES} bytes)"))
                return True
            line = decode_line(line)
        elif len(line) > MAX_LINE_BYTES:
            write(format_response(leading_id(line[:64]), False,
                                  f"line too long (more than {MAX_LINE_BYTES} characters)"))
            return True
        command = parse_command(preprocess(line))
        if command is None:
            return False
        ok, body = self.dispatch(command)
        if isinstance(body, Stream):
            self._run_stream(command, body, write, input_waiting)
        else:
            write(format_response(command.id, ok, body))
        return True

    def _run_stream(self, command: Command, stream: Stream, write: Callable[[str], None],
                    input_waiting: Callable[[], bool]) -> None:
        """``=id``, the lines as they come, the closing empty line. A failure after the head
        can no longer become ``?``: it is logged and the response is closed."""
        write(stream_head(command.id))

        def emit(text: str) -> None:
            for piece in text.split("\n"):
                chunk = stream_line(piece)
                if chunk:
                    write(chunk)

        previous = self.input_waiting
        self.input_waiting = input_waiting  # type: ignore[method-assign]
        try:
            stream.run(emit)
        except (BrokenPipeError, ConnectionError):
            raise
        except Exception:  # noqa: BLE001 -- a bug must not kill the session
            log.exception("internal error while streaming %s", command.name)
        finally:
            self.input_waiting = previous  # type: ignore[method-assign]
        write("\n")

    def dispatch(self, command: Command) -> tuple[bool, str | Stream]:
        """Run one command: (True, result) or (False, error message). Never raises."""
        spec = self.commands.get(command.name.lower())
        if spec is None:
            return False, "unknown command"
        try:
            args = self._convert(spec, command.args)
            result = getattr(self, spec.method_name)(*args)
            if isinstance(result, Stream):
                return True, result
            return True, "" if result is None else str(result)
        except GtpError as e:
            return False, str(e) or "failed"
        except NpzFileError as e:  # the user's weight file, not a bug: its path and what is wrong
            return False, str(e)
        except Exception as e:  # noqa: BLE001 -- a bug must not kill the session
            log.exception("internal error in %s", spec.name)
            return False, f"internal error: {type(e).__name__}: {e}"

    def _convert(self, spec: CommandSpec, tokens: tuple[str, ...]) -> list[Any]:
        required = sum(1 for _, _, req in spec.params if req)
        if len(tokens) < required or (spec.varargs is None and len(tokens) > len(spec.params)):
            raise GtpError(f"syntax error: usage: {spec.usage()}")
        values = []
        for (name, kind, _), token in zip(spec.params, tokens):
            values.append(self.converters[kind](token, self))
        for token in tokens[len(spec.params):]:
            values.append(self.converters[spec.varargs](token, self))
        return values
