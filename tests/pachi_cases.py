"""Parser for Pachi's t-unit ``.t`` files: ASCII boards followed by test lines (``ladder b c3 1``)."""
from __future__ import annotations

import tarfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PachiCase:
    title: str
    board: str  # rows of X/O/. separated by newlines, top row first
    command: str  # e.g. "ladder"
    args: tuple[str, ...]
    expect_broken: bool  # the line starts with "!": Pachi itself does not pass it
    extra: tuple[str, ...]  # other setup lines (e.g. "ko c3")


def read_t_file(archive: Path, name: str) -> str:
    with tarfile.open(archive, "r:xz") as tar:
        for member in tar.getmembers():
            if member.name.endswith("t-unit/" + name):
                return tar.extractfile(member).read().decode("utf-8")
    raise FileNotFoundError(name)


def parse_cases(text: str, command: str) -> list[PachiCase]:
    cases: list[PachiCase] = []
    title, rows, extra, titled = "", [], [], False
    for raw in text.splitlines():
        line = raw.split("#")[0].rstrip()
        if raw.startswith("%"):
            if not titled:  # the first comment line of a block names it
                title, titled = raw.lstrip("% ").strip(), True
            continue
        if line.startswith("boardsize"):
            rows, extra = [], []
            continue
        cells = line.replace(")", " ").replace("(", " ").split()
        if cells and all(c in "XO." for c in cells):
            rows.append("".join(cells))
            continue
        words = line.split()
        if not words:
            continue
        broken = words[0].startswith("!")
        word = words[0].lstrip("!")
        if word == command:
            cases.append(PachiCase(title, "\n".join(rows), word, tuple(words[1:]), broken, tuple(extra)))
            titled = False
        elif rows:
            extra.append(line.strip())
    return cases
