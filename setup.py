"""Package layout for setuptools (everything else is in pyproject.toml).

The repository keeps its folders (``go_engine/``, ``gtp/``, ``training/``, ``match/``,
``data/``), but only one name lands in site-packages: ``go_engine``. The front ends install as
``go_engine.gtp``, ``go_engine.training`` and ``go_engine.match``, the shipped weights as
``go_engine.data``, so nothing of ours can clash with another distribution's ``gtp`` or
``training``. Every subpackage is found by ``find_packages``, so a new folder cannot be left out.
"""
from setuptools import find_namespace_packages, find_packages, setup

FOLDERS = {"go_engine.gtp": "gtp", "go_engine.training": "training", "go_engine.match": "match",
           "go_engine.data": "data", "go_engine.review": "review"}


def packages_under(name: str, folder: str) -> list[str]:
    """The package in ``folder`` and every folder below it, data-only ones included (so that
    ``training/configs`` travels as package data, not as a folder setuptools warns about)."""
    subs = find_namespace_packages(folder, exclude=["*__pycache__*", "__pycache__"])
    return [name] + [f"{name}.{sub}" for sub in subs]


PACKAGE_DATA = {
    "go_engine": ["py.typed"],
    "go_engine.data": ["*.npz", "*.md", "*.jsonl", "*.png"],
    "go_engine.training.configs": ["*.json"],
    "go_engine.training.gpu": ["*.sh"],
}

packages = find_packages(include=["go_engine", "go_engine.*"])
for name, folder in FOLDERS.items():
    packages += packages_under(name, folder)

if __name__ == "__main__":  # setuptools runs this file as __main__; tests/test_packaging.py imports it
    setup(packages=packages, package_dir=FOLDERS, package_data=PACKAGE_DATA)
