"""The helpers package keeps its promises: documented shapes, clear errors, NumPy modules free of TensorFlow."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys

import pytest

import helpers

MODULES = sorted(m.name for m in pkgutil.iter_modules(helpers.__path__) if not m.name.startswith("_"))
NUMPY_ONLY = [m for m in ("rnn", "lstm", "gru", "variants", "gradcheck", "data", "baselines", "metrics") if m in MODULES]
SHAPE = re.compile(r"\((?:[NTDHBKW]|\d+|batch|n_|window|horizon)[^)]*\)|shape|scalar|float\b|list of", re.I)


def _public_functions():
    for name in MODULES:
        mod = importlib.import_module(f"helpers.{name}")
        for fname, fn in inspect.getmembers(mod, inspect.isfunction):
            if not fname.startswith("_") and fn.__module__ == mod.__name__:
                yield f"{name}.{fname}", fn


FUNCTIONS = list(_public_functions())


@pytest.mark.parametrize("qualname,fn", FUNCTIONS, ids=[q for q, _ in FUNCTIONS])
def test_public_function_documents_its_arguments_and_shapes(qualname, fn):
    doc = inspect.getdoc(fn) or ""
    assert doc.strip(), f"helpers.{qualname} has no docstring"
    params = [p for p in inspect.signature(fn).parameters if p not in ("self", "args", "kwargs")]
    if params:
        assert re.search(r"^(Args|Arguments|Parameters):", doc, re.M), f"helpers.{qualname}: docstring lacks an Args section"
        if qualname.split(".")[0] in NUMPY_ONLY:
            assert SHAPE.search(doc), f"helpers.{qualname}: docstring states no array shape"


def test_numpy_modules_do_not_import_tensorflow():
    """Lessons 01-04 must not pay TensorFlow's import time: the NumPy helpers never import it."""
    code = "import sys\n" + "".join(f"import helpers.{m}\n" for m in NUMPY_ONLY) + (
        "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]\nassert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
