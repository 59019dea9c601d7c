"""The helpers package keeps its promises: documented shapes, exercise references, NumPy modules free of TensorFlow."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import helpers

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(m.name for m in pkgutil.iter_modules(helpers.__path__) if not m.name.startswith("_"))
# Modules whose code never touches Keras/TensorFlow, not even inside a function.
NUMPY_ONLY = [
    "rnn",
    "lstm",
    "gru",
    "variants",
    "gradcheck",
    "optim",
    "data",
    "forecast",
    "baselines",
    "metrics",
    "tasks",
]

# --------------------------------------------------------------------------------------------------
# Docstrings: Args for every parameter, a shape in the dimension letters for every array
# --------------------------------------------------------------------------------------------------
#: Parameter names that are arrays wherever they appear in helpers.
ARRAY_NAMES = {
    "x", "x_t", "h0", "c0", "h_t", "h_prev", "c_prev", "n_prev", "m_prev", "W", "U", "b", "P", "a",
    "dh", "dh_t", "dc_t", "dc_last", "z", "series", "values", "gates", "f_seq", "history", "y_true", "y_pred",
    "y_train", "tokens", "labels", "train", "val", "test", "data", "mean", "std", "grads", "times", "actual",
}  # fmt: skip
_DIM = r"(?:[A-Za-z_]\w*|\d+[A-Za-z]*|\.\.\.)"
#: A shape in parentheses, e.g. (N, T, D), (4H,), (D, 4H), (T_train, D), (..., D); at least one letter.
SHAPE_TUPLE = re.compile(rf"\((?=[^)]*[A-Z])\s*{_DIM}(?:\s*,\s*{_DIM})*\s*,?\s*\)")
#: Shapes stated relative to another argument or explicitly free.
SHAPE_PHRASE = re.compile(r"any shapes?|same shape|the shape of|shaped like|``\w+\.shape\b", re.I)
_SECTION = re.compile(r"^(Args|Arguments|Returns|Yields|Raises|Example|Examples|Note|Notes):\s*$", re.M)
_ARRAY_WORDS = re.compile(r"\bshape\b|^(?:an? |the )?(?:\w+[ -])?(?:array|array-like)\b", re.I)
_RETURNS_ARRAY = re.compile(
    r"\bshape\b|\b(?:an?|new|float|int\w*|the)\s+(?:\w+\s+)?arrays?\b|\barrays? (?:of|with)\b", re.I
)


def _sections(doc: str) -> dict[str, str]:
    marks = list(_SECTION.finditer(doc))
    out = {}
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(doc)
        out[m.group(1)] = doc[m.end() : end]
    return out


def _arg_entries(args_text: str) -> dict[str, str]:
    """``{name: description}`` from an Args section; ``a, b: ...`` documents several names at once."""
    entries, current = {}, None
    for line in args_text.splitlines():
        m = re.match(r"^\s{4}(\*{0,2}[A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_]\w*)*)\s*:\s*(.*)$", line)
        if m and not line.startswith(" " * 8):
            current = [n.strip().lstrip("*") for n in m.group(1).split(",")]
            for n in current:
                entries[n] = m.group(2)
        elif current and line.strip():
            for n in current:
                entries[n] += " " + line.strip()
    return entries


def _states_a_shape(text: str) -> bool:
    return bool(SHAPE_TUPLE.search(text) or SHAPE_PHRASE.search(text))


def docstring_problems(fn) -> list[str]:
    """Everything wrong with ``fn``'s docstring under the course's conventions (an empty list: fine)."""
    doc = inspect.getdoc(fn) or ""
    if not doc.strip():
        return ["no docstring"]
    problems = []
    sections = _sections(doc)
    params = [
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.name not in ("self", "cls") and p.kind is not inspect.Parameter.VAR_POSITIONAL
    ]
    if params:
        if "Args" not in sections and "Arguments" not in sections:
            return ["no Args section"]
        entries = _arg_entries(sections.get("Args", sections.get("Arguments", "")))
        for name in params:
            if name not in entries:
                problems.append(f"argument `{name}` is not documented in Args")
            elif (name in ARRAY_NAMES or _ARRAY_WORDS.search(entries[name])) and not _states_a_shape(entries[name]):
                problems.append(f"array argument `{name}` states no shape like (N, T, D): {entries[name]!r}")
    returns = sections.get("Returns", "")
    if _RETURNS_ARRAY.search(returns) and not _states_a_shape(returns):
        problems.append(f"Returns mentions an array but states no shape like (N, H): {returns.strip()!r}")
    return problems


def _public_functions():
    for name in MODULES:
        mod = importlib.import_module(f"helpers.{name}")
        for fname, fn in inspect.getmembers(mod, inspect.isfunction):
            if not fname.startswith("_") and fn.__module__ == mod.__name__:
                yield f"{name}.{fname}", fn


FUNCTIONS = list(_public_functions())


@pytest.mark.parametrize("qualname,fn", FUNCTIONS, ids=[q for q, _ in FUNCTIONS])
def test_public_function_documents_its_arguments_and_shapes(qualname, fn):
    problems = docstring_problems(fn)
    assert not problems, f"helpers.{qualname}: " + "; ".join(problems)


def _bad_no_args(x, W):
    """Run one step.

    Returns:
        h, shape (N, H).
    """


def _bad_no_shapes(x, W):
    """Run one step.

    Args:
        x: the inputs.
        W: an array of weights.

    Returns:
        h, an array.
    """


def _bad_lowercase_shape_and_missing_arg(x, W):
    """Run one step.

    Args:
        x: inputs, shape (n, d).
    """


def _good(x, W, *, scale=1.0):
    """Run one step.

    Args:
        x: inputs, shape (N, D).
        W: weights, shape (D, 4H), blocks i, f, c, o.
        scale: a number.

    Returns:
        h, shape (N, H).
    """


def test_the_docstring_check_can_fail():
    assert docstring_problems(_bad_no_args) == ["no Args section"]
    bad = docstring_problems(_bad_no_shapes)
    assert any("`x` states no shape" in p for p in bad) and any("`W` states no shape" in p for p in bad)
    assert any(p.startswith("Returns mentions an array") for p in bad)
    bad = docstring_problems(_bad_lowercase_shape_and_missing_arg)
    assert any("`x` states no shape" in p for p in bad), "(n, d) has no dimension letters"
    assert "argument `W` is not documented in Args" in bad
    assert docstring_problems(lambda x: None) == ["no docstring"]
    assert docstring_problems(_good) == []


# --------------------------------------------------------------------------------------------------
# Exercise references: "Defined in lesson NN, Exercise k (lessons/NN-slug/<name>.ipynb)."
# --------------------------------------------------------------------------------------------------
LESSONS = {
    "01": "01-sequences/sequences",
    "02": "02-vanishing-gradients/vanishing_gradients",
    "03": "03-lstm-cell/lstm_cell",
    "04": "04-lstm-backprop/lstm_backprop",
    "05": "05-keras-lstm/keras_lstm",
    "06": "06-long-memory/long_memory",
    "07": "07-forecasting/forecasting",
    "08": "08-variants/variants",
}
#: helpers function -> the exercises (lesson, number) it is the reference of (issue 11's contract).
EXERCISES = {
    "data.make_windows": [("01", 1), ("07", 3)],
    "rnn.rnn_step_forward": [("01", 2)],
    "rnn.rnn_forward": [("01", 3)],
    "rnn.steps_to_forget": [("01", 4)],
    "rnn.gated_memory": [("01", 5)],
    "rnn.jacobian_product": [("02", 1)],
    "rnn.gradient_regime": [("02", 2)],
    "optim.clip_by_global_norm": [("02", 3)],
    "lstm.sigmoid": [("03", 1)],
    "lstm.lstm_step_forward": [("03", 2)],
    "lstm.lstm_forward": [("03", 3)],
    "lstm.numpy_like_keras": [("03", 4)],
    "lstm.lstm_param_count": [("03", 5), ("05", 1)],
    "lstm.make_memory_cell": [("03", 6)],
    "lstm.survival": [("03", 7)],
    "lstm.lstm_step_backward": [("04", 1)],
    "lstm.lstm_backward": [("04", 2)],
    "keras_models.build_stacked_lstm": [("05", 2)],
    "data.window_series": [("05", 3)],
    "forecast.recursive_forecast": [("05", 4)],
    "tasks.negation_labels": [("06", 1)],
    "tasks.first_lag_at_chance": [("06", 2)],
    "data.chronological_split": [("07", 1)],
    "data.scale_train_only": [("07", 2)],
    "metrics.rmse": [("07", 4)],
    "metrics.mase": [("07", 4)],
    "baselines.seasonal_naive": [("07", 5)],
    "gru.gru_step_forward": [("08", 1)],
    "gru.gru_param_count": [("08", 2)],
    "variants.peephole_lstm_step_forward": [("08", 3)],
    "variants.slstm_step_forward": [("08", 4)],
}
_REF = re.compile(r"lesson (\d\d), Exercise (\d+) \((lessons/[^)]+\.ipynb)\)")


def _last_paragraph(fn) -> str:
    return " ".join((inspect.getdoc(fn) or "").strip().split("\n\n")[-1].split())


@pytest.mark.parametrize("qualname,fn", FUNCTIONS, ids=[q for q, _ in FUNCTIONS])
def test_exercise_references_close_the_docstring(qualname, fn):
    last = _last_paragraph(fn)
    found = [(lesson, int(k), path) for lesson, k, path in _REF.findall(last)]
    if qualname not in EXERCISES:
        assert "Defined in lesson" not in (inspect.getdoc(fn) or ""), f"helpers.{qualname} is no exercise's reference"
        return
    assert last.startswith("Defined in lesson"), f"helpers.{qualname}: the last paragraph must say where it is defined"
    want = [(lesson, k, f"lessons/{LESSONS[lesson]}.ipynb") for lesson, k in EXERCISES[qualname]]
    assert found == want, f"helpers.{qualname}: docstring names {found}, expected {want}"


def _exercise_sections(source: str) -> dict[int, str]:
    parts = re.split(r"^# ## Exercise (\d+)\b.*$", source, flags=re.M)
    return {int(parts[k]): parts[k + 1] for k in range(1, len(parts), 2)}


@pytest.mark.parametrize("qualname", sorted(EXERCISES))
def test_exercise_references_match_the_lesson_sources(qualname):
    """The exercise a docstring names defines a function of the same name in the lesson's source."""
    name = qualname.split(".")[1]
    for lesson, k in EXERCISES[qualname]:
        source = ROOT / "solutions" / f"{LESSONS[lesson]}.py"
        assert (ROOT / "lessons" / f"{LESSONS[lesson]}.ipynb").exists()
        sections = _exercise_sections(source.read_text(encoding="utf-8"))
        assert k in sections, f"{source.relative_to(ROOT)} has no '## Exercise {k}' heading"
        assert re.search(rf"^def {name}\(", sections[k], re.M), (
            f"lesson {lesson}, Exercise {k} ({source.relative_to(ROOT)}) does not define `{name}` "
            f"(the reference helpers.{qualname} says it does)"
        )


# --------------------------------------------------------------------------------------------------
# Imports
# --------------------------------------------------------------------------------------------------
def test_no_helpers_module_imports_tensorflow_when_imported():
    """Lessons 01-04 must not pay TensorFlow's import time: no helpers module imports it at import time."""
    code = (
        "import sys\n"
        + "".join(f"import helpers.{m}\n" for m in MODULES)
        + ("bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]\nassert not bad, bad\n")
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.parametrize("name", NUMPY_ONLY)
def test_numpy_modules_never_import_keras_or_tensorflow(name):
    assert name in MODULES
    source = (ROOT / "helpers" / f"{name}.py").read_text(encoding="utf-8")
    hits = re.findall(r"^\s*(?:import|from)\s+(?:keras|tensorflow)\b.*$", source, re.M)
    assert not hits, f"helpers/{name}.py imports Keras/TensorFlow: {hits}"
