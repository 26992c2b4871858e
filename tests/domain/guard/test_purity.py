"""The guard is pure: it imports only the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from app.domain import guard

PACKAGE = Path(guard.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


# The encoder's runtime, and only in the encoder's module: it runs the shipped model file.
ENCODER_RUNTIME = {"numpy", "onnxruntime", "tokenizers"}


def test_only_stdlib_and_own_modules() -> None:
    for path in PACKAGE.glob("*.py"):
        allowed = ENCODER_RUNTIME if path.name == "encoder.py" else set()
        for name in _imports(path):
            top = name.split(".")[0]
            assert (
                top in sys.stdlib_module_names
                or top in allowed
                or name.startswith("app.domain.guard")
            ), f"{path.name} imports {name}"


def test_no_flask_database_or_network_in_the_guard() -> None:
    for path in PACKAGE.glob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            assert top not in {"flask", "sqlalchemy", "socket", "urllib", "http", "requests"}


def test_weights_ship_in_the_repo() -> None:
    assert (PACKAGE / "model_weights.json").stat().st_size > 0
