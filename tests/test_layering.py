"""The one-way layering of the package, checked on every module's imports (read with ``ast``,
so lazy imports inside functions and ``TYPE_CHECKING`` imports count too):

    rules <- playouts <- features <- search <- nets <- players

A module imports only from its own layer and those to its left. Nothing under ``go_engine/``
imports the front ends (``gtp``, ``training``, ``match``, ``review``); inside the engine only
``players/`` imports a player; only the match harness itself, the CLI and ``benchmarks/``
import the match harness; and nothing imports a front end by its folder name.
"""
from __future__ import annotations

import ast
import runpy
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("rules", "playouts", "features", "search", "nets", "players")
BASE = ("go_engine", "go_engine.atomic_io", "go_engine.shipped", "go_engine.data")  # below every layer
FRONT_ENDS = ("go_engine.gtp", "go_engine.training", "go_engine.match", "go_engine.review")
SETUP_FOLDERS = runpy.run_path(str(REPO / "setup.py"), run_name="setup_under_test")["FOLDERS"]
FOLDERS = {"go_engine": "go_engine", **{folder: name for name, folder in SETUP_FOLDERS.items()}}
FOLDER_NAMES = tuple(SETUP_FOLDERS.values())  # installed only under go_engine.*


def module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    if parts[0] in FOLDERS:
        parts[0:1] = FOLDERS[parts[0]].split(".")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> Iterator[Path]:
    for folder in FOLDERS:
        if (REPO / folder).is_dir():
            yield from sorted((REPO / folder).rglob("*.py"))
    yield REPO / "go_engine_cli.py"
    yield from sorted((REPO / "benchmarks").glob("*.py"))


def imported_names(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved; ``from a import b`` gives both
    ``a`` and ``a.b`` (b may be a submodule)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def layer_of(module: str) -> int | None:
    """The index in LAYERS of an engine module; None outside the layers."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "go_engine" and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return None


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


ENGINE = [p for p in sorted((REPO / "go_engine").rglob("*.py"))]


def test_the_scan_sees_the_engine():
    names = {module_name(p) for p in ENGINE}
    assert {"go_engine.rules.position", "go_engine.search.mcts", "go_engine.players.protocol"} <= names
    assert "go_engine.search.mcts" in imported_names(REPO / "go_engine" / "players" / "mcts.py")
    assert all(layer_of(f"go_engine.{layer}.x") is not None for layer in LAYERS)


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: str(p.relative_to(REPO)))
def test_engine_modules_import_only_layers_below(path):
    me = module_name(path)
    mine = layer_of(me)
    for imported in imported_names(path):
        assert not any(within(imported, f) for f in FRONT_ENDS), f"{me} imports the front end {imported}"
        theirs = layer_of(imported)
        if theirs is None:
            continue
        if mine is None:
            assert me not in BASE or theirs is None, f"{me} is below every layer but imports {imported}"
            continue
        assert theirs <= mine, f"{me} ({LAYERS[mine]}) imports {imported} ({LAYERS[theirs]}), a layer above"
        if within(imported, "go_engine.players"):
            assert within(me, "go_engine.players"), f"{me} imports the player module {imported}"


@pytest.mark.parametrize("path", list(source_files()), ids=lambda p: str(p.relative_to(REPO)))
def test_only_the_match_package_cli_and_benchmarks_import_the_match_harness(path):
    me = module_name(path)
    allowed = within(me, "go_engine.match") or me == "go_engine_cli" or me.startswith("benchmarks.")
    for imported in imported_names(path):
        assert imported.split(".")[0] not in FOLDER_NAMES, f"{me} imports {imported} by its folder name"
        if within(imported, "go_engine.match"):
            assert allowed, f"{me} imports the match harness ({imported})"
