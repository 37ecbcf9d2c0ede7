"""The wheel's contents, read from setup.py: every folder of code is a package (so a new folder
cannot be left out of an install) and every shipped weight file and model card is package data.
The install itself is exercised by ``.ci/front_door.sh`` (a wheel in a fresh virtual environment)."""
from __future__ import annotations

import fnmatch
import runpy
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SETUP = runpy.run_path(str(REPO / "setup.py"), run_name="setup_under_test")


def _import_name(folder: Path) -> str:
    rel = folder.relative_to(REPO)
    for name, top in SETUP["FOLDERS"].items():
        if rel.parts[0] == top:
            return ".".join([name, *rel.parts[1:]])
    return ".".join(rel.parts)


NOT_INSTALLED = {"tests", "benchmarks"}  # the repository's own tools, not part of the engine


def test_every_top_level_package_is_mapped():
    tops = {p.parent.name for p in REPO.glob("*/__init__.py")} - NOT_INSTALLED - {"go_engine"}
    unmapped = sorted(tops - set(SETUP["FOLDERS"].values()))
    assert not unmapped, f"top-level packages missing from setup.py's FOLDERS: {unmapped}"


def test_every_code_folder_is_installed():
    tops = ["go_engine", *SETUP["FOLDERS"].values()]
    folders = {p.parent for top in tops for p in (REPO / top).rglob("*.py") if "__pycache__" not in p.parts}
    missing = sorted(_import_name(f) for f in folders if _import_name(f) not in SETUP["packages"])
    assert not missing, f"folders with code that the wheel would leave out: {missing}"


def test_every_shipped_file_is_package_data():
    patterns = SETUP["PACKAGE_DATA"]["go_engine.data"]
    shipped = [p.name for p in (REPO / "data").iterdir() if p.is_file() and p.suffix != ".py"]
    assert any(name.endswith(".npz") for name in shipped)
    left_out = [n for n in shipped if not any(fnmatch.fnmatch(n, pat) for pat in patterns)]
    assert not left_out, f"files in data/ that the wheel would leave out: {left_out}"


def test_front_ends_install_under_one_name():
    """No generic top-level names (another distribution owns ``gtp`` on PyPI)."""
    tops = {name.split(".")[0] for name in SETUP["packages"]}
    assert tops == {"go_engine"}


def test_weights_are_found_through_the_package():
    from go_engine.nets.weights import default_policy_weights
    from go_engine.shipped import shipped_data_dir
    assert shipped_data_dir().resolve() == (REPO / "data").resolve()  # editable install: the checkout's data/
    assert default_policy_weights(9).is_file()
