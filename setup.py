"""Package layout for setuptools (everything else is in pyproject.toml).

The repository keeps its folders (``go_engine/``, ``gtp/``, ``training/``, ``match/``,
``data/``), but only one name lands in site-packages: ``go_engine``. The front ends install as
``go_engine.gtp``, ``go_engine.training`` and ``go_engine.match``, the shipped weights as
``go_engine.data``, so nothing of ours can clash with another distribution's ``gtp`` or
``training``. Every subpackage is found by ``find_packages``, so a new folder cannot be left out.
"""
from setuptools import find_packages, setup

FOLDERS = {"go_engine.gtp": "gtp", "go_engine.training": "training", "go_engine.match": "match",
           "go_engine.data": "data", "go_engine.review": "review"}


def packages_under(name: str, folder: str) -> list[str]:
    return [name] + [f"{name}.{sub}" for sub in find_packages(folder)]


PACKAGE_DATA = {
    "go_engine": ["py.typed"],
    "go_engine.data": ["*.npz", "*.md", "*.jsonl", "*.png"],
    "go_engine.training": ["configs/*.json", "gpu/*.sh"],
}

packages = find_packages(include=["go_engine", "go_engine.*"])
for name, folder in FOLDERS.items():
    packages += packages_under(name, folder)

if __name__ == "__main__":  # setuptools runs this file as __main__; tests/test_packaging.py imports it
    setup(packages=packages, package_dir=FOLDERS, package_data=PACKAGE_DATA)
