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


# -- issue 12: attacks on a grader whose test cells ran in the student's kernel ---------------------
# Each is graded by the trusted checker (autograder/judge.py): the test cells never run in the student's
# kernel, so nothing the kernel displays, configures, hooks or patches reaches them. Families:
# score forging, test suppression, lying values, the reference, reading the tests, resources, the
# grader's own stub and channel. `FAMILIES` below maps each attack to its family (for the README's table).

NOOP = "def _noop(*args, **kwargs):\n    return None\n"

FORGE_INTERACTIVITY = '%config InteractiveShell.ast_node_interactivity = "all"\n'

FORGE_DISPLAYHOOK = """
import sys as _sys
_ip = get_ipython()
_sys.displayhook = lambda value: _ip.displayhook("100.0")
_ip.displayhook.__class__.__call__ = lambda self, value=None: self.write_format_data({"text/plain": "100.0"}, {})
"""

# Inside the student's function: publish an `execute_result` worth 100 points for whatever cell is running.
FORGE_FROM_FUNCTION = """
def {name}(*args, **kwargs):
    ip = get_ipython()
    k = ip.kernel
    k.session.send(k.iopub_socket, "execute_result",
                   {{"data": {{"text/plain": "100.0"}}, "metadata": {{}}, "execution_count": 1}},
                   parent=k.get_parent("shell"), ident=b"execute_result")
    ip.displayhook("100.0")
    raise NotImplementedError()
"""

SUPPRESS_PRE_RUN = (
    NOOP
    + """
import numpy.testing as _npt, numpy as _np
def _repatch(*args, **kwargs):
    for _n in [n for n in dir(_npt) if n.startswith("assert")]:
        setattr(_npt, _n, _noop)
    _np.allclose = lambda *a, **k: True
get_ipython().events.register("pre_run_cell", _repatch)
_repatch()
"""
)

SUPPRESS_REMOVE_CALLBACKS = (
    NOOP
    + """
import numpy.testing as _npt
for _ev in ("pre_run_cell", "post_run_cell", "pre_execute", "post_execute"):
    get_ipython().events.callbacks[_ev].clear()
for _n in [n for n in dir(_npt) if n.startswith("assert")]:
    setattr(_npt, _n, _noop)
"""
)

SUPPRESS_GC = (
    NOOP
    + """
import gc as _gc
for _o in _gc.get_objects():
    if isinstance(_o, dict):
        for _k in [k for k in list(_o) if isinstance(k, str) and k.startswith("assert_")]:
            try:
                _o[_k] = _noop
            except Exception:
                pass
"""
)

SUPPRESS_SETTRACE = (
    NOOP
    + """
import sys as _sys, threading as _th, numpy.testing as _npt
def _tracer(frame, event, arg):
    for _n in [n for n in dir(_npt) if n.startswith("assert")]:
        setattr(_npt, _n, _noop)
    return None
_sys.settrace(_tracer)
_th.settrace(_tracer)
"""
)

SUPPRESS_THREAD = (
    NOOP
    + """
import threading as _th, time as _t, numpy.testing as _npt, numpy as _np
def _loop():
    while True:
        for _n in [n for n in dir(_npt) if n.startswith("assert")]:
            setattr(_npt, _n, _noop)
        _np.allclose = lambda *a, **k: True
        _t.sleep(0.001)
_th.Thread(target=_loop, daemon=True).start()
"""
)

SUPPRESS_AST = """
import ast as _ast
class _NoAsserts(_ast.NodeTransformer):
    def visit_Assert(self, node):
        return _ast.Pass()
    def visit_Expr(self, node):
        src = _ast.unparse(node)
        return _ast.Pass() if "assert" in src else node
get_ipython().ast_transformers.append(_NoAsserts())
"""

SUPPRESS_INPUT = """
def _blank_tests(lines):
    return ["pass\\n"] if any("assert" in line for line in lines) else lines
get_ipython().input_transformers_post.append(_blank_tests)
get_ipython().input_transformers_cleanup.append(_blank_tests)
"""

SUPPRESS_OPTIMIZE = """
import IPython.core.compilerop as _cop
_ip = get_ipython()
class _O2(_cop.CachingCompiler):
    def __call__(self, source, filename, symbol):
        return compile(source, filename, symbol, self.flags | 0x200, True, optimize=2)
    def ast_parse(self, source, filename="<unknown>", symbol="exec"):
        return compile(source, filename, symbol, self.flags | 0x400, 1)
_ip.compile = _O2()
"""

SUPPRESS_NUMPY_CORE = """
import numpy as _np, operator as _op
import numpy._core.numeric as _num
_num.isclose = lambda *a, **k: _np.ones(_np.broadcast(*a[:2]).shape, bool)
_num.allclose = lambda *a, **k: True
_np.isclose, _np.allclose, _np.array_equal = _num.isclose, _num.allclose, (lambda *a, **k: True)
_op.eq = lambda a, b: True
_op.lt = lambda a, b: True
"""

LIE_NDARRAY = """
import numpy as _np
class _Liar(_np.ndarray):
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = _np.ones(_np.broadcast(*[_np.asarray(i) for i in inputs]).shape if inputs else (), bool)
        return out if ufunc.__name__ in ("equal", "isclose", "less_equal", "less", "greater") else out * 0.0
    def __eq__(self, other):
        return True
    def __bool__(self):
        return True
_right = {name}
def {name}(*args, **kwargs):
    return tuple(_np.asarray(v).view(_Liar) + 0 for v in _right(*args, **kwargs))
"""

LIE_INT = """
class _Yes(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__
    def __lt__(self, other):
        return True
def steps_to_forget(keep, threshold=0.01):
    return _Yes(1)
"""

DELEGATE_DIRECT = """
import helpers.data
def make_windows(series, window, horizon=1):
    return helpers.data.make_windows(series, window, horizon)
"""

DELEGATE_ALIAS = """
from helpers.data import make_windows as _reference
def make_windows(series, window, horizon=1):
    return _reference(series, window, horizon)
"""

DELEGATE_CAPTURED = """
import functools, helpers.data
_captured = functools.partial(helpers.data.make_windows)
_table = {"f": helpers.data.make_windows}
def make_windows(series, window, horizon=1):
    return _table["f"](series, window, horizon) if window > 0 else _captured(series, window, horizon)
"""

DELEGATE_LOOKUP = """
import importlib, sys
def make_windows(series, window, horizon=1):
    module = sys.modules.get("helpers.data") or importlib.import_module("helpers" + ".data")
    return getattr(module, "make_" + "windows")(series, window, horizon)
"""

DELEGATE_CATCH = """
import helpers.data, numpy as _np
def make_windows(series, window, horizon=1):
    try:
        return helpers.data.make_windows(series, window, horizon)
    except RuntimeError:  # the grader's tripwire: fall back to something wrong
        s = _np.asarray(series)
        return s[:1], s[:1]
"""

PATCH_REFERENCE = """
import sys as _sys, types as _types
import helpers.data
_mine = {name}
helpers.data.{name} = _mine
_fake = _types.ModuleType("helpers.data")
_fake.__dict__.update(vars(helpers.data))
_fake.{name} = _mine
_sys.modules["helpers.data"] = _fake
import helpers
helpers.data = _fake
"""

READ_TESTS = """
import glob as _glob, os as _os, json as _json
_found = []
for _pattern in ["*.ipynb", "../*.ipynb", "../../*/*.ipynb", "/tmp/**/*.ipynb", "../../../**/*.ipynb"]:
    for _path in _glob.glob(_pattern, recursive=True):
        try:
            _text = open(_path).read()
        except OSError:
            continue
        _found += [l for l in _text.splitlines() if "HIDDEN" in l or "assert" in l or "BEGIN SOLUTION" in l]
print("LEAK-FILES", _found[:200])
def _spy(info=None, *args):
    print("LEAK-SPY", getattr(info, "raw_cell", info))
get_ipython().events.register("pre_run_cell", _spy)
get_ipython().events.register("pre_execute", _spy)
"""

LEAK_FROM_FUNCTION = """
import inspect as _inspect, sys as _sys
def {name}(*args, **kwargs):
    frames = []
    f = _inspect.currentframe()
    while f is not None:
        frames.append({{k: repr(v)[:200] for k, v in f.f_locals.items()}})
        f = f.f_back
    print("LEAK-STDOUT", frames, args)
    raise ValueError("LEAK-MESSAGE " + repr(args)[:5000] + repr(frames)[:5000])
"""

SLEEPY_CELLS = "import time as _t\n_t.sleep({seconds})\n"

HUGE_PRINT = 'print("LEAK-HUGE" + "x" * 50_000_000)\n'

FILL_TMP = """
import os as _os
for _where in ("/tmp", "."):
    try:
        with open(_os.path.join(_where, "fill.bin"), "wb") as _f:
            for _ in range(4096):
                _f.write(b"\\0" * 2**20)
    except OSError as _err:
        print("stopped:", _where, type(_err).__name__)
"""

STUB_REPLACE = """
class _Forged:
    def serve(self):
        import json
        get_ipython().kernel.raw_input(json.dumps({"op": "result", "value": None, "changed": [], "called": []}))
__lstm_judge__ = _Forged()
get_ipython().user_ns["__lstm_judge__"] = _Forged()
"""

STUB_PATCH = """
_stub = get_ipython().user_ns["__lstm_judge__"]
_stub.call = lambda request: {"op": "result", "value": {"t": "tuple", "v": [1.0, 1.0]}, "changed": []}
import autograder.judge_kernel as _jk
_jk._called.append = lambda *a: None
"""

CHANNEL_GARBAGE = """
_k = get_ipython().kernel
_real = _k.raw_input
def _garbage(prompt=""):
    _real("not json")
    _real('{"op": "callback", "id": 99999, "args": {"t": "pickle"}, "kwargs": 7}')
    _real('{"op": "result", "value": {"t": "nd", "b": "AAAA"}, '
          '"changed": [[["args", 0], {"t": "keras", "config": {"module": "os"}}]]}')
    return _real(prompt)
_k.raw_input = _garbage
get_ipython().user_ns["__lstm_judge__"].raw_input = _garbage
"""

RETURN_PICKLE = """
import numpy as _np, os as _os
class _Evil:
    def __reduce__(self):
        return (_os.system, ("touch /tmp/pwned",))
def make_windows(series, window, horizon=1):
    return _np.array([_Evil()], dtype=object), _Evil()
"""

RETURN_HUGE = """
import numpy as _np
def make_windows(series, window, horizon=1):
    return _np.zeros(10_000_000), _np.zeros(3)
"""

DIE_IN_CALL = """
import os as _os
def make_windows(series, window, horizon=1):
    _os._exit(3)
"""

HANG_IN_CALL = """
import signal as _signal
def make_windows(series, window, horizon=1):
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
    while True:
        pass
"""

SLEEP_IN_CALL = """
import time as _t
def make_windows(series, window, horizon=1):
    while True:
        _t.sleep(0.1)
"""

BASE_EXCEPTIONS = """
def make_windows(series, window, horizon=1):
    if window == 3:
        raise SystemExit(0)
    if window == 2:
        raise KeyboardInterrupt()
    raise GeneratorExit()
"""

BAD_MESSAGE = """
class _Boom(Exception):
    def __str__(self):
        raise RuntimeError("no message")
class _Long(ValueError):
    def __str__(self):
        return "x" * 10_000_000
def make_windows(series, window, horizon=1):
    raise (_Boom() if window == 3 else _Long())
"""

RECURSE = """
def make_windows(series, window, horizon=1):
    return make_windows(series, window, horizon)
"""

PRINT_FLOOD_IN_CALL = """
def make_windows(series, window, horizon=1):
    for _ in range(200):
        print("LEAK-FLOOD" + "y" * 20_000)
    raise NotImplementedError()
"""

RETURN_FUNCTION = """
def make_windows(series, window, horizon=1):
    return (lambda: 1), (lambda: 2)
"""

EXIT_KERNEL = "get_ipython().ask_exit()\nexit()\n"

SYS_MODULES_NUMPY = """
import sys as _sys, types as _types
_fake = _types.ModuleType("numpy")
_fake.__getattr__ = lambda name: (lambda *a, **k: True)
_sys.modules["numpy"] = _fake
_sys.modules["numpy.testing"] = _fake
"""


def _fn_name(ctx: Context) -> str:
    import re

    return re.search(r"^def (\w+)", ctx.answer(), re.M).group(1)


def _other(ctx: Context, gid: str, source: str):
    """Correct everywhere (target blank), the cell `gid` replaced by `source`."""
    nb = ctx.with_target(ctx.stub())
    ctx.cell(nb, gid).source = source
    return nb


def ATTACKS_SLEEPY(ctx: Context, seconds: int, cells: int):  # noqa: N802 - graded in its own test
    """Correct, then `cells` cells at the end that each sleep `seconds` (just under the per-cell limit)."""
    from nbformat.v4 import new_code_cell

    nb = ctx.correct()
    nb.cells += [new_code_cell(SLEEPY_CELLS.format(seconds=seconds)) for _ in range(cells)]
    return nb


CONTROLS["blank_steps"] = lambda ctx: _other(
    ctx, "ex4_steps_to_forget", ctx.cell(ctx.release, "ex4_steps_to_forget").source
)

NEW_ATTACKS = {
    # score forging
    "forge_interactivity": (
        "blank_target",
        _target(FORGE_INTERACTIVITY),
        False,
        "%config ast_node_interactivity='all': docstrings become results",
    ),
    "forge_displayhook": (
        "blank_target",
        _target(FORGE_DISPLAYHOOK),
        False,
        "sys.displayhook / IPython's displayhook print '100.0'",
    ),
    "forge_from_function": (
        "blank_target",
        lambda ctx: ctx.with_target(FORGE_FROM_FUNCTION.format(name=_fn_name(ctx))),
        False,
        "the function publishes an execute_result '100.0' when called",
    ),
    # test suppression the guard could not undo
    "suppress_pre_run_cell": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + SUPPRESS_PRE_RUN),
        False,
        "a pre_run_cell callback re-patches numpy.testing before every cell",
    ),
    "suppress_remove_callbacks": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + SUPPRESS_REMOVE_CALLBACKS),
        False,
        "removes IPython's callbacks, then patches",
    ),
    "suppress_gc": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + SUPPRESS_GC),
        False,
        "rewrites every assert_* in every namespace found through gc",
    ),
    "suppress_settrace": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + SUPPRESS_SETTRACE),
        False,
        "sys.settrace / threading.settrace re-patch on every call",
    ),
    "suppress_thread": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + SUPPRESS_THREAD),
        False,
        "a thread re-patches numpy every millisecond",
    ),
    "suppress_ast": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + SUPPRESS_AST),
        False,
        "an AST transformer turns asserts into pass",
    ),
    "suppress_input": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + SUPPRESS_INPUT),
        False,
        "input transformers blank every cell that asserts",
    ),
    "suppress_optimize": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + SUPPRESS_OPTIMIZE),
        False,
        "IPython's compiler replaced by one with optimize=2 (no asserts)",
    ),
    "suppress_numpy_core": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + SUPPRESS_NUMPY_CORE),
        False,
        "numpy._core and operator internals patched",
    ),
    "sys_modules_numpy": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + SYS_MODULES_NUMPY),
        False,
        "sys.modules['numpy'] replaced by a module of yes-men",
    ),
    # lying values
    "lie_ndarray": (
        "perturbed_target",
        lambda ctx: ctx.with_target(
            LIE_NDARRAY.format(name=_fn_name(ctx)).replace("_right = ", ctx.answer() + "\n_right = ", 1)
        ),
        False,
        "an ndarray subclass whose comparisons say true",
    ),
    "lie_int": (
        "blank_steps",
        lambda ctx: _other(ctx, "ex4_steps_to_forget", LIE_INT),
        False,
        "an int subclass whose == is always true",
    ),
    # the reference
    "delegate_direct": ("blank_target", _target(DELEGATE_DIRECT), False, "returns helpers.data.make_windows(...)"),
    "delegate_alias": ("blank_target", _target(DELEGATE_ALIAS), False, "the reference under another name"),
    "delegate_captured": (
        "blank_target",
        _target(DELEGATE_CAPTURED),
        False,
        "the reference captured earlier (partial, a dict)",
    ),
    "delegate_lookup": (
        "blank_target",
        _target(DELEGATE_LOOKUP),
        False,
        "the reference found through sys.modules / importlib / getattr",
    ),
    "delegate_catch": ("blank_target", _target(DELEGATE_CATCH), False, "calls the reference and catches the tripwire"),
    "patch_reference": (
        "perturbed_target",
        lambda ctx: ctx.with_target(perturbed(ctx) + PATCH_REFERENCE.format(name=_fn_name(ctx))),
        False,
        "helpers.data and sys.modules patched so hidden tests compare the answer with itself",
    ),
    # reading the tests while graded
    "read_tests": (
        "blank_target",
        _target(READ_TESTS),
        True,
        "reads notebooks near the kernel and spies on every cell's source",
    ),
    "leak_from_function": (
        "blank_target",
        lambda ctx: ctx.with_target(LEAK_FROM_FUNCTION.format(name=_fn_name(ctx))),
        False,
        "prints the caller's frames and arguments; raises them in its message",
    ),
    # resources
    "huge_print": ("blank_target", _target(HUGE_PRINT), False, "one 50 MB print"),
    "fill_tmp": ("blank_target", _target(FILL_TMP), True, "writes 4 GiB to /tmp and to the scratch folder"),
    "return_huge": ("blank_target", _target(RETURN_HUGE), False, "returns an 80 MB array"),
    "die_in_call": ("blank_target", _target(DIE_IN_CALL), False, "os._exit when the test calls it"),
    "hang_in_call": (
        "blank_target",
        _target(HANG_IN_CALL),
        False,
        "ignores interrupts and loops when the test calls it",
    ),
    "sleep_in_call": ("blank_target", _target(SLEEP_IN_CALL), False, "sleeps forever when the test calls it"),
    "recurse": ("blank_target", _target(RECURSE), False, "infinite recursion"),
    "print_flood_in_call": ("blank_target", _target(PRINT_FLOOD_IN_CALL), False, "prints 4 MB during the test's call"),
    "exit_kernel": ("blank_target", _target(EXIT_KERNEL), False, "asks the kernel to exit"),
    # the grader's own stub and channel
    "stub_replace": (
        "blank_target",
        _target(STUB_REPLACE),
        False,
        "replaces the grader's stub by one that forges results",
    ),
    "stub_patch": ("blank_target", _target(STUB_PATCH), False, "patches the stub's call and its tripwire record"),
    "channel_garbage": (
        "blank_target",
        _target(CHANNEL_GARBAGE),
        False,
        "sends malformed and hostile messages on the channel",
    ),
    "return_pickle": ("blank_target", _target(RETURN_PICKLE), False, "returns objects that unpickle to os.system"),
    "base_exceptions": (
        "blank_target",
        _target(BASE_EXCEPTIONS),
        False,
        "raises SystemExit / KeyboardInterrupt / GeneratorExit",
    ),
    "bad_message": ("blank_target", _target(BAD_MESSAGE), False, "exceptions whose str() fails or is 10 MB"),
    "return_function": ("blank_target", _target(RETURN_FUNCTION), False, "returns functions instead of arrays"),
}
ATTACKS.update(NEW_ATTACKS)
# Submissions that break the grader's own stub in their kernel cut their only channel to the checker:
# every later test cell of theirs fails. They may score below their control, never above.
AT_MOST = {"stub_replace", "stub_patch"}

FAMILIES = {
    "score forging": ["forge_interactivity", "forge_displayhook", "forge_from_function", "points"],
    "test suppression": [
        "redefine",
        "monkeypatch",
        "suppress_pre_run_cell",
        "suppress_remove_callbacks",
        "suppress_gc",
        "suppress_settrace",
        "suppress_thread",
        "suppress_ast",
        "suppress_input",
        "suppress_optimize",
        "suppress_numpy_core",
        "sys_modules_numpy",
        "deleted_test",
        "edited_test",
    ],
    "lying values": ["lie_ndarray", "lie_int"],
    "the reference": [
        "delegate_direct",
        "delegate_alias",
        "delegate_captured",
        "delegate_lookup",
        "delegate_catch",
        "patch_reference",
    ],
    "reading the tests or solutions": ["read_tests", "leak_from_function", "reader"],
    "files and the course": ["writer", "malformed", "wrong_kernel"],
    "resources": [
        "loop",
        "loop_no_interrupt",
        "exit",
        "segfault",
        "memory_hog",
        "huge_print",
        "fill_tmp",
        "return_huge",
        "die_in_call",
        "hang_in_call",
        "sleep_in_call",
        "recurse",
        "print_flood_in_call",
        "exit_kernel",
        "sleepy_cells",
    ],
    "the grader's stub and channel": [
        "stub_replace",
        "stub_patch",
        "channel_garbage",
        "return_pickle",
        "base_exceptions",
        "bad_message",
        "return_function",
    ],
}
