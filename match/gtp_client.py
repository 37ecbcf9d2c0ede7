"""A GTP v2 *controller* side: drive an engine subprocess with timeouts.

A reader thread copies the engine's stdout into a queue line by line, so every command can wait
with a deadline (a hung engine never blocks the match) and an engine that exits is seen at once
(the thread queues ``None`` at end of file). Commands carry increasing ids and the id echoed in
the response is checked, so a late answer to an earlier command cannot be mistaken for a new one.

Each engine runs in a process group of its own (a new session), and ``kill`` ends the whole
group, so that an engine's helpers die with it and a stopped match leaves nothing behind.
Lines are read with a length cap (``MAX_LINE_BYTES``) and a response with a size cap
(``MAX_RESPONSE_BYTES``): an engine printing endlessly without a newline is a protocol error,
not a runner that runs out of memory.

Failures are typed, because a match needs to know *why* an engine lost:
``GtpTimeout`` (no answer in time), ``GtpCrash`` (process gone / pipe closed),
``GtpProtocolError`` (output that is not a GTP response), ``GtpFailure`` (a well-formed ``?`` answer).
"""
from __future__ import annotations

import os
import queue
import shlex
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import IO, Sequence


MAX_LINE_BYTES = 1 << 20       # one line of a response
MAX_RESPONSE_BYTES = 16 << 20  # all lines of one response
_QUEUED_LINES = 4096           # lines read ahead; beyond that the engine waits on its pipe


class _TooLong:
    """Queued by the reader for a line over MAX_LINE_BYTES (it stops reading then)."""


class GtpClientError(Exception):
    """Anything that went wrong talking to an engine."""


class GtpTimeout(GtpClientError):
    """The engine did not answer within the deadline."""


class GtpCrash(GtpClientError):
    """The engine process exited or closed its pipes."""


class GtpProtocolError(GtpClientError):
    """The engine wrote something that is not a GTP response."""


class GtpFailure(GtpClientError):
    """The engine answered ``? message``: it understood and refused the command."""


@dataclass(frozen=True)
class GtpResponse:
    ok: bool
    id: int | None
    body: str


def parse_response(lines: Sequence[str]) -> GtpResponse:
    """Parse one response (its lines, without the terminating empty line).

    The first line starts with ``=`` or ``?``, optionally followed by the echoed numeric id;
    the rest of the first line and the following lines form the body.
    Raises GtpProtocolError for anything else.
    """
    if not lines:
        raise GtpProtocolError("empty response")
    first = lines[0]
    if not first or first[0] not in "=?":
        raise GtpProtocolError(f"response does not start with '=' or '?': {first[:200]!r}")
    ok = first[0] == "="
    rest = first[1:]
    digits = len(rest) - len(rest.lstrip("0123456789"))
    cmd_id = int(rest[:digits]) if digits else None
    if digits and rest[digits:digits + 1] not in ("", " ", "\t"):
        raise GtpProtocolError(f"malformed response id: {first[:200]!r}")
    body_lines = [rest[digits:].strip(), *(ln.rstrip() for ln in lines[1:])]
    return GtpResponse(ok, cmd_id, "\n".join(body_lines).strip())


def split_command_line(command: str | Sequence[str]) -> list[str]:
    """A command line as argv: a string is split like a POSIX shell would (no shell runs)."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if not argv:
        raise ValueError("empty engine command")
    return argv


class GtpClient:
    """One engine subprocess spoken to over GTP. Not thread-safe: one caller at a time."""

    def __init__(self, command: str | Sequence[str], *, stderr: IO | int | None = subprocess.DEVNULL,
                 cwd: str | os.PathLike | None = None, label: str = ""):
        self.argv = split_command_line(command)
        self.label = label or os.path.basename(self.argv[0])
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=stderr, cwd=cwd, start_new_session=True)
        except OSError as e:
            raise GtpCrash(f"cannot start {self.argv[0]!r}: {e}") from e
        self._lines: queue.Queue[str | type[_TooLong] | None] = queue.Queue(maxsize=_QUEUED_LINES)
        self._eof = False
        self._group_killed = False
        self._next_id = 1
        self._reader = threading.Thread(target=self._read_stdout, name=f"gtp-reader-{self.label}",
                                         daemon=True)
        self._reader.start()

    # --- plumbing -------------------------------------------------------------------------------
    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        try:
            while raw := self.proc.stdout.readline(MAX_LINE_BYTES + 1):
                if len(raw) > MAX_LINE_BYTES:
                    self._lines.put(_TooLong)
                    return
                self._lines.put(raw.decode("utf-8", errors="replace").replace("\r", "").rstrip("\n"))
        except (OSError, ValueError):
            pass
        finally:
            self._lines.put(None)

    def _next_line(self, deadline: float, command: str) -> str:
        if self._eof:
            raise GtpCrash(f"{self.label} has exited (code {self.proc.poll()})")
        remaining = deadline - time.monotonic()
        try:
            line = self._lines.get(timeout=max(remaining, 0.0)) if remaining > 0 \
                else self._lines.get_nowait()
        except queue.Empty:
            raise GtpTimeout(f"{self.label} gave no answer to {command!r} in time") from None
        if line is None:
            self._eof = True
            code = self._wait_exit_code()
            raise GtpCrash(f"{self.label} exited during {command!r} (exit code {code})")
        if line is _TooLong:
            self._eof = True  # nothing more is read from it
            raise GtpProtocolError(f"{self.label} wrote a line longer than {MAX_LINE_BYTES} bytes "
                                   f"in answer to {command!r}")
        return line

    def _wait_exit_code(self) -> int | None:
        try:
            return self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return None

    # --- commands -----------------------------------------------------------------------------
    def send(self, command: str, timeout: float = 30.0) -> str:
        """Send one command and return the body of its ``=`` response.

        Raises GtpFailure for a ``?`` response and the other GtpClientError kinds for timeouts,
        crashes and garbage. After a timeout the engine may still answer later; callers stop
        using such an engine (the match forfeits it), and ids keep stale answers apart anyway.
        """
        response = self.request(command, timeout)
        if not response.ok:
            raise GtpFailure(f"{self.label} refused {command!r}: {response.body}")
        return response.body

    def request(self, command: str, timeout: float = 30.0) -> GtpResponse:
        """Send one command and return its parsed response, ``?`` answers included."""
        if "\n" in command or "\r" in command:
            raise ValueError("a GTP command is one line")
        cmd_id = self._next_id
        self._next_id += 1
        deadline = time.monotonic() + timeout
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(f"{cmd_id} {command}\n".encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as e:
            raise GtpCrash(f"{self.label} closed its input before {command!r}: {e}") from e
        while True:
            lines: list[str] = []
            size = 0
            while True:
                line = self._next_line(deadline, command)
                if line.strip() == "":
                    if lines:
                        break
                    continue  # blank lines between responses
                lines.append(line)
                size += len(line) + 1
                if size > MAX_RESPONSE_BYTES:
                    raise GtpProtocolError(f"{self.label} answered {command!r} with more than "
                                           f"{MAX_RESPONSE_BYTES} bytes")
            response = parse_response(lines)
            if response.id is None or response.id == cmd_id:
                return response
            if response.id > cmd_id:
                raise GtpProtocolError(f"{self.label} answered id {response.id} to command {cmd_id}")
            # an answer to an earlier command that was abandoned: skip it

    def close(self, timeout: float = 2.0) -> None:
        """Ask the engine to quit; kill it if it does not exit in time. Safe to call twice."""
        if self.proc.poll() is None and not self._eof:
            try:
                self.send("quit", timeout=timeout)
            except GtpClientError:
                pass
        for stream in (self.proc.stdin,):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()  # the engine, or helpers it left behind in its group

    def kill(self) -> None:
        """End the engine's whole process group at once (a hung or forfeited engine, a
        stopped match). Safe to call twice and from another thread."""
        if not self._group_killed:
            self._group_killed = True  # once: a freed group id must not be signalled later
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own group: start_new_session
            except (ProcessLookupError, PermissionError):
                pass  # the group is gone (its leader was reaped and no member is left)
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            pass
        self._release_stdout()

    def _release_stdout(self) -> None:
        if self.proc.poll() is None:
            return
        self._reader.join(timeout=1.0)
        if not self._reader.is_alive() and self.proc.stdout:
            self.proc.stdout.close()
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
        except OSError:
            pass

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None and not self._eof

    def __enter__(self) -> "GtpClient":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:
            self.kill()  # an error or a signal is stopping us: do not wait for a polite quit


__all__ = ["GtpClient", "GtpResponse", "GtpClientError", "GtpTimeout", "GtpCrash",
           "GtpProtocolError", "GtpFailure", "parse_response", "split_command_line"]
