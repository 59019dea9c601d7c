"""The corpus of bad submissions: each one a student notebook, and the honest submission it must score like.

Every bad submission is built from a lesson (``01-sequences``) around one *target* exercise, the solution
cell of the first wrong answer in the lesson's catalogue (``solutions/<lesson>/wrong_answers.yaml``):
the rest of the notebook is answered correctly, and the target cell holds the attack. The expected
score of each test cell is the score of a *control* student graded in a clean course:

- ``blank_target``: correct everywhere, the target exercise left as the stub;
- ``wrong_target``: correct everywhere, the target exercise answered with the catalogue's wrong answer;
- ``perturbed_target``: the target's function returns the right shapes with wrong values (a wrong answer
  only value checks catch, the kind that patching ``numpy.testing`` would let through);
- ``zero``: nothing graded (a notebook that cannot be read).

``ATTACKS`` maps a student id to (control, builder, needs the sandbox, what it does).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

from course import write_submission  # noqa: F401  (the corpus' students are written with it)

from autograder.notebooks import (
    cell_by_grade_id,
    fill,
    grade_id,
    is_solution,
    is_test,
    strip_solution_markers,
    wrong_source,
)


@dataclass
class Context:
    root: Path  # the course root the grader runs in
    lesson: str
    name: str  # notebook file name
    solution: object  # instructor notebook (NotebookNode)
    release: object  # student release (NotebookNode)
    target: str  # grade_id of the attacked solution cell
    wrong: dict  # the catalogue entry for the target

    # -- building blocks --------------------------------------------------------------------------
    def correct(self):
        return fill(copy.deepcopy(self.release), self.solution)

    def cell(self, nb, gid):
        return cell_by_grade_id(nb, gid)[1]

    def stub(self) -> str:
        return self.cell(self.release, self.target).source

    def wrong_answer(self) -> str:
        return wrong_source(self.cell(self.solution, self.target).source, self.wrong)

    def answer(self) -> str:
        return strip_solution_markers(self.cell(self.solution, self.target).source)

    def with_target(self, source: str):
        nb = self.correct()
        self.cell(nb, self.target).source = source
        return nb

    def target_tests(self, nb) -> list:
        """The test cells between the target cell and the next solution cell."""
        cells, out, inside = nb.cells, [], False
        for c in cells:
            if grade_id(c) == self.target:
                inside = True
            elif inside and is_solution(c):
                break
            elif inside and is_test(c):
                out.append(c)
        return out


PERTURB = """

# Right shapes, wrong values: only the value checks (numpy.testing, np.allclose) can catch this.
import numpy as _np_p
def _bump(v):
    if isinstance(v, tuple):
        return tuple(_bump(x) for x in v)
    if isinstance(v, _np_p.ndarray) and v.dtype.kind in "fc":
        return v + 0.5
    if isinstance(v, _np_p.ndarray) and v.dtype.kind in "iu":
        return v + 1
    if isinstance(v, (float, int)) and not isinstance(v, bool):
        return v + 1
    return v
_right_{name} = {name}
def {name}(*args, **kwargs):
    return _bump(_right_{name}(*args, **kwargs))
"""


def perturbed(ctx: Context) -> str:
    import re

    name = re.search(r"^def (\w+)", ctx.answer(), re.M).group(1)
    return ctx.answer() + PERTURB.format(name=name)


CONTROLS = {
    "blank_target": lambda ctx: ctx.with_target(ctx.stub()),
    "wrong_target": lambda ctx: ctx.with_target(ctx.wrong_answer()),
    "perturbed_target": lambda ctx: ctx.with_target(perturbed(ctx)),
}

NOOP_CHECKS = """
import numpy as _np, numpy.testing as _npt
def _noop(*args, **kwargs):
    return None
"""

REDEFINE = (
    NOOP_CHECKS
    + """
# Rebind every checking function the tests may call by name, and `np` itself.
for _name in [n for n in dir(_npt) if n.startswith("assert")]:
    globals()[_name] = _noop
class _FakeTesting:
    def __getattr__(self, name):
        return _noop
class _FakeNumpy:
    testing = _FakeTesting()
    def __getattr__(self, name):
        return getattr(_np, name)
np = _FakeNumpy()
"""
)

MONKEYPATCH = (
    NOOP_CHECKS
    + """
# Patch the checking functions where they live, and silence IPython's error display.
import builtins
for _name in [n for n in dir(_npt) if n.startswith("assert")]:
    setattr(_npt, _name, _noop)
_np.allclose = lambda *a, **k: True
_np.array_equal = lambda *a, **k: True
builtins.AssertionError = type("AssertionError", (Exception,), {})
_ip = get_ipython()
_ip.set_custom_exc((BaseException,), lambda *a, **k: None)
_ip.showtraceback = _noop
_ip._showtraceback = _noop
"""
)


def reader(ctx: Context) -> str:
    """Reads the solutions, the gradebook and another submission; copies the solution if it can."""
    sol = ctx.root / "solutions" / ctx.lesson / ctx.name
    return (
        ctx.stub()
        + f"""

import json as _json, os as _os
_found = []
for _path in [{str(sol)!r}, {str(ctx.root / ".course" / "gradebook.db")!r},
              {str(ctx.root / ".course" / "submitted" / "correct" / ctx.lesson / ctx.name)!r},
              "../../../gradebook.db", "../../../../solutions/{ctx.lesson}/{ctx.name}"]:
    try:
        with open(_path, "rb") as _f:
            _found.append((_path, len(_f.read())))
    except OSError as _err:
        print("cannot read", _path, type(_err).__name__)
print("read:", _found)
try:  # copy the instructor's answer
    _nb = _json.load(open({str(sol)!r}))
    _src = next("".join(c["source"]) for c in _nb["cells"]
                if c.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == {ctx.target!r})
    exec("\\n".join(l for l in _src.splitlines() if "### " not in l))
except OSError as _err:
    print("no solutions:", type(_err).__name__)
"""
    )


def writer(ctx: Context) -> str:
    """Tries to wreck the gradebook, the solutions and the other students' submissions and results."""
    course = ctx.root / ".course"
    return (
        ctx.stub()
        + f"""

import os as _os, shutil as _shutil
def _try(what, fn, *args):
    try:
        fn(*args)
        print("DID", what)
    except Exception as _err:
        print("could not", what, type(_err).__name__)
def _overwrite(path):
    with open(path, "wb") as f:
        f.write(b"pwned" * 1000)
_try("overwrite the gradebook", _overwrite, {str(course / "gradebook.db")!r})
_try("overwrite the gradebook (relative)", _overwrite, "../../../gradebook.db")
_try("overwrite the solution", _overwrite, {str(ctx.root / "solutions" / ctx.lesson / ctx.name)!r})
_try("delete submissions", _shutil.rmtree, {str(course / "submitted")!r})
_try("delete autograded", _shutil.rmtree, {str(course / "autograded" / "correct")!r})
_try("delete the exchange", _shutil.rmtree, {str(course / "exchange")!r})
_try("write next to the notebook", _overwrite, "scratch.bin")
"""
    )


def _drop_target_tests(ctx: Context):
    nb = ctx.with_target(ctx.stub())
    drop = {grade_id(c) for c in ctx.target_tests(nb)}
    nb.cells = [c for c in nb.cells if grade_id(c) not in drop]
    return nb


def _edit_target_tests(ctx: Context, points=None, source=None):
    nb = ctx.with_target(ctx.stub())
    for c in ctx.target_tests(nb):
        if source is not None:
            c.source = source
        if points is not None:
            c.metadata["nbgrader"]["points"] = points
    return nb


def _kernel(ctx: Context):
    nb = ctx.with_target(ctx.stub())
    nb.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "Evil", "language": "python"}
    return nb


def _malformed(ctx: Context) -> str:
    text = json.dumps(ctx.correct(), indent=1)
    return text[: len(text) // 2]  # cut in the middle: not JSON any more


def _target(extra: str, before: bool = False):
    return lambda ctx: ctx.with_target(extra + "\n" + ctx.stub() if before else ctx.stub() + "\n" + extra)


ATTACKS = {
    # student id: (control, builder, needs the sandbox, what it does)
    "loop": ("blank_target", _target("while True:\n    pass"), False, "an infinite loop (stopped by the time limit)"),
    "loop_no_interrupt": (
        "blank_target",
        _target("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"),
        False,
        "an infinite loop that ignores interrupts (the kernel is restarted)",
    ),
    "exit": ("blank_target", _target("import os\nos._exit(1)"), False, "kernel death: os._exit"),
    "segfault": ("blank_target", _target("import ctypes\nctypes.string_at(0)"), False, "kernel death: a segfault"),
    "memory_hog": (
        "blank_target",
        _target("def _hog():\n    blocks = []\n    while True:\n        blocks.append(bytearray(2**28))\n_hog()"),
        True,
        "a memory hog (MemoryError at the sandbox's limit)",
    ),
    "deleted_test": ("blank_target", _drop_target_tests, False, "the target's test cells deleted"),
    "edited_test": (
        "blank_target",
        lambda ctx: _edit_target_tests(ctx, source="pass"),
        False,
        "the target's test cells replaced by `pass`",
    ),
    "points": (
        "blank_target",
        lambda ctx: _edit_target_tests(ctx, points=100),
        False,
        "the target's test cells worth 100 points",
    ),
    "redefine": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + "\n" + REDEFINE),
        False,
        "wrong values, and assert_* / np redefined as no-ops in the notebook",
    ),
    "monkeypatch": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + "\n" + MONKEYPATCH),
        False,
        "wrong values, numpy.testing / builtins / IPython's traceback display patched",
    ),
    "malformed": ("zero", _malformed, False, "malformed notebook JSON"),
    "wrong_kernel": ("blank_target", _kernel, False, "a kernelspec that does not exist"),
    "reader": (
        "blank_target",
        lambda ctx: ctx.with_target(reader(ctx)),
        True,
        "reads solutions/, the gradebook and a submission, and copies the solution",
    ),
    "writer": (
        "blank_target",
        lambda ctx: ctx.with_target(writer(ctx)),
        True,
        "overwrites the gradebook and solutions/, deletes the submissions",
    ),
}
