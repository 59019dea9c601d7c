"""Flags for a human, never a silent score change: tampering APIs and near-copies in a lesson's submissions.

    python -m autograder.flags [--lessons 01-sequences,...] [--root PATH] [--out DIR] [--threshold 0.9]
    make flags [LESSONS=01-sequences,03-lstm-cell]

Reads ``<root>/.course/submitted/<student>/<lesson>/*.ipynb`` (and any ``*.py`` file beside them), writes
``<out>/flags-<lesson>.html`` (a self-contained table) and ``<out>/flags-<lesson>.csv``, prints one line
per lesson and exits 0: a flag is information for the instructor, not an error, and nothing here touches
the gradebook. ``<root>`` is ``--root``, else ``LSTM_COURSE_ROOT``, else the repository; ``<out>`` defaults
to ``<root>/.course/flags``.

**Tampering APIs** (:func:`scan_source`). Every code cell of a submission that is not the instructor's own
(a cell whose source is identical to one of the release's cells is skipped; in an edited test or lesson
cell only the changed lines count) is read with ``ast`` after IPython's own input transformation (so
``%config ...`` and ``!cmd`` are seen as the calls they become); a cell that still does not parse is read
line by line with regular expressions built from the same tables. Each hit is one row: student, notebook,
cell (grade_id, or its position), line, API family, what was used, the code line. Families: trace hooks,
``gc`` introspection, IPython hooks (events, input/AST transformers, ``%config``/``ast_node_interactivity``,
custom exception handlers, ``showtraceback``, magics, ``get_ipython()``), display/except hooks,
``sys.modules``, ``builtins``/``__builtins__``, ``ctypes``, code objects (``__code__``, ``__globals__``,
``__closure__``...), ``compile(..., optimize=...)``, ``importlib.reload``, file access (``open()``,
``Path.read_text``, paths to ``helpers/*.py``, ``.ipynb``, ``solutions/``), frame access
(``inspect.currentframe``, ``sys._getframe``, ``f_back``, ``f_locals``), classes overriding comparisons
(``__eq__``, ``__ne__``, ``__bool__``, ``__array_ufunc__``, ``__array_function__``...), subclasses of
``int``/``float``/``np.ndarray``..., ``input()``, ``kernel.`` access, the grader's in-kernel stub name
``__lstm_judge__``, use of the exercise's own reference from ``helpers`` inside the answer (directly,
through an alias, or a name it was captured in), dynamic code (``exec``, ``eval``, ``__import__``,
``getattr`` with a computed name) and assignments to module attributes (monkeypatching).

**Near-copies** (:func:`near_copies`). Each student's answer to each exercise (its answer cell, plus any
later cell that redefines the exercise's function) is compared with the exercise's reference in
``helpers/`` (found by :func:`autograder.exercise_map.lesson_exercises` and read with ``ast``, never
imported) and with every other student's answer, by ``copydetect`` (winnowed k-gram fingerprints of
the token stream with names replaced by placeholders). Both sides are first normalised with ``ast``
(docstrings, comments, annotations and formatting removed: :func:`normalise`), and the release's stub is
boilerplate. A pair is reported when the larger of its two overlap shares reaches ``--threshold``.

Measured on the course (``tests/test_flags.py`` keeps these true): with copydetect's default noise and
guarantee thresholds (k = 25 characters of filtered code, window 1), the lessons' own solutions, which
are independent rewrites of the ``helpers`` references, score at most 0.87 against them (07
``chronological_split``, a five-line function; median 0.28 over the 32 exercises with a reference), the
166 catalogue wrong answers (of those exercises) at most 0.83 and the 90 right answers (correct answers written
differently, ``right_answers.yaml``) at most 0.60, while a verbatim copy of a reference and one with every local
name renamed both score 1.00 on every exercise (names become placeholders, and normalising removes
layout). The default threshold, 0.90, sits between the two. Without the ``ast`` normalisation a
reformatted copy fell to 0.67 (07 ``mase``), which is why it is there. A function whose filtered code is
shorter than k has no fingerprint and is never reported (such answers cannot be told apart anyway); a
copy that was also edited (a statement dropped, one added) scores 0.47-0.96 and is found only when long.
"""

from __future__ import annotations

import argparse
import ast
import csv
import difflib
import html
import io
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from autograder.exercise_map import Exercise, helper_index, lesson_exercises
from autograder.notebooks import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    REPO,
    grade_id,
    hidden_line_numbers,
    is_answer,
    is_locked,
    is_test,
    lesson_ids,
    read,
    regions,
)

__all__ = [
    "GUARANTEE",
    "NOISE",
    "THRESHOLD",
    "Hit",
    "Pair",
    "Report",
    "lesson_report",
    "main",
    "near_copies",
    "normalise",
    "reference_source",
    "scan_source",
    "similarity",
    "write_report",
]

THRESHOLD = 0.90  # the larger overlap share at which a pair is reported (see the module docstring)
NOISE = 25  # copydetect's noise threshold k: matches shorter than this many filtered characters are ignored
GUARANTEE = 25  # copydetect's guarantee threshold: matches this long are always found (window = G - k + 1)

# -- what the scan looks for -----------------------------------------------------------------------
# Fully qualified names (after the cell's imports are resolved): exact, or as a prefix of a longer name.
QUALIFIED = {
    "sys.settrace": "trace hook",
    "sys.setprofile": "trace hook",
    "sys.call_tracing": "trace hook",
    "sys.monitoring": "trace hook",
    "threading.settrace": "trace hook",
    "threading.setprofile": "trace hook",
    "threading.settrace_all_threads": "trace hook",
    "threading.setprofile_all_threads": "trace hook",
    "gc.get_referrers": "gc",
    "gc.get_referents": "gc",
    "gc.get_objects": "gc",
    "sys.displayhook": "display hook",
    "sys.__displayhook__": "display hook",
    "sys.excepthook": "display hook",
    "sys.__excepthook__": "display hook",
    "sys.modules": "sys.modules",
    "importlib.reload": "reload",
    "imp.reload": "reload",
    "importlib.import_module": "dynamic code",
    "importlib.__import__": "dynamic code",
    "inspect.currentframe": "frame access",
    "inspect.stack": "frame access",
    "inspect.trace": "frame access",
    "inspect.getouterframes": "frame access",
    "inspect.getinnerframes": "frame access",
    "inspect.getsource": "file access",
    "inspect.getsourcelines": "file access",
    "inspect.getsourcefile": "file access",
    "inspect.getfile": "file access",
    "sys._getframe": "frame access",
    "sys._current_frames": "frame access",
    "traceback.walk_stack": "frame access",
    "types.FunctionType": "code object",
    "types.CodeType": "code object",
    "sys.stdin": "input",
    "getpass.getpass": "input",
    "os.system": "process",
    "os.popen": "process",
    "os.fork": "process",
    "os.kill": "process",
    "os.killpg": "process",
    "os._exit": "process",
}
# Modules whose every use is a flag (the module itself or anything in it).
MODULES = {
    "ctypes": "ctypes",
    "_ctypes": "ctypes",
    "cffi": "ctypes",
    "builtins": "builtins",
    "__builtin__": "builtins",
    "IPython": "IPython",
    "ipykernel": "kernel",
    "jupyter_client": "kernel",
    "zmq": "kernel",
    "comm": "kernel",
    "subprocess": "process",
    "signal": "process",
    "multiprocessing": "process",
    "pty": "process",
    "nbgrader": "IPython",
}
# Attribute names, whatever they are looked up on.
ATTRS = {
    "__code__": "code object",
    "__globals__": "code object",
    "__closure__": "code object",
    "__defaults__": "code object",
    "__kwdefaults__": "code object",
    "co_code": "code object",
    "co_consts": "code object",
    "__subclasses__": "code object",
    "__builtins__": "builtins",
    "f_back": "frame access",
    "f_locals": "frame access",
    "f_globals": "frame access",
    "tb_frame": "frame access",
    "gi_frame": "frame access",
    "cr_frame": "frame access",
    "f_trace": "trace hook",
    "settrace": "trace hook",
    "setprofile": "trace hook",
    "get_referrers": "gc",
    "get_referents": "gc",
    "get_objects": "gc",
    "events": "IPython",
    "input_transformers_cleanup": "IPython",
    "input_transformers_post": "IPython",
    "input_transformer_manager": "IPython",
    "ast_transformers": "IPython",
    "ast_node_interactivity": "IPython",
    "set_custom_exc": "IPython",
    "custom_exceptions": "IPython",
    "showtraceback": "IPython",
    "_showtraceback": "IPython",
    "showsyntaxerror": "IPython",
    "InteractiveTB": "IPython",
    "user_ns": "IPython",
    "user_global_ns": "IPython",
    "run_cell": "IPython",
    "register_magic_function": "IPython",
    "displayhook": "display hook",
    "display_pub": "display hook",
    "display_formatter": "display hook",
    "excepthook": "display hook",
    "iopub_socket": "kernel",
    "__lstm_judge__": "judge stub",
}
STORE_ATTRS = {"__class__": "lying subclass", "__bases__": "lying subclass", "__dict__": "monkeypatch"}
# Bare names (builtins), read or called.
NAMES = {
    "__builtins__": "builtins",
    "__lstm_judge__": "judge stub",
    "get_ipython": "IPython",
    "__file__": "file access",
}
# Builtins flagged when called (a parameter may well be called `input`).
CALLED = {
    "input": "input",
    "raw_input": "input",
    "breakpoint": "input",
    "exec": "dynamic code",
    "eval": "dynamic code",
    "__import__": "dynamic code",
    "globals": "dynamic code",
}
# Methods that change what a test's comparison or truth test says.
OVERRIDES = {
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__bool__",
    "__len__",
    "__float__",
    "__int__",
    "__index__",
    "__array__",
    "__array_ufunc__",
    "__array_function__",
    "__array_priority__",
    "__array_wrap__",
    "__array_finalize__",
    "__instancecheck__",
    "__subclasscheck__",
}
LYING_BASES = {
    "int",
    "float",
    "bool",
    "complex",
    "str",
    "bytes",
    "list",
    "tuple",
    "dict",
    "numpy.ndarray",
    "numpy.generic",
    "numpy.number",
    "numpy.floating",
    "numpy.integer",
    "numpy.float64",
    "numpy.float32",
    "numpy.int64",
    "numpy.bool_",
    "numpy.matrix",
    "numpy.recarray",
    "numpy.ma.MaskedArray",
    "numpy.lib.mixins.NDArrayOperatorsMixin",
}
FILE_CALLS = {
    "open",
    "io.open",
    "codecs.open",
    "os.open",
    "os.listdir",
    "os.scandir",
    "os.walk",
    "glob.glob",
    "glob.iglob",
    "numpy.load",
    "numpy.loadtxt",
    "numpy.genfromtxt",
    "numpy.fromfile",
    "json.load",
    "pickle.load",
}
FILE_METHODS = {"read_text", "read_bytes", "iterdir", "rglob", "open_text", "open_binary"}
# Module names an assignment to whose attributes is monkeypatching, when not imported in the notebook.
KNOWN_MODULES = {
    "numpy",
    "math",
    "operator",
    "unittest",
    "sys",
    "builtins",
    "IPython",
    "helpers",
    "nbgrader",
    "scipy",
    "pandas",
    "keras",
    "tensorflow",
    "os",
    "io",
    "inspect",
    "gc",
    "threading",
    "importlib",
    "types",
    "functools",
    "random",
    "time",
    "json",
}
DEFAULT_ALIASES = {"np": "numpy", "pd": "pandas", "tf": "tensorflow", "plt": "matplotlib.pyplot"}
# Magics that only time, show or document; anything else (%config, %load, %run, %%writefile, !cmd...) is flagged.
HARMLESS_MAGICS = {"time", "timeit", "matplotlib", "pinfo", "pinfo2", "who", "whos", "who_ls", "lsmagic", "magic"}
CODE_MAGICS = {"time", "timeit", "prun", "capture", "debug", "python", "python3"}  # their argument is Python
# Inside string constants (an ``exec`` argument, a path, a name looked up later).
STRING_PATTERNS = [
    ("IPython", re.compile(r"\bast_node_interactivity\b")),
    ("IPython", re.compile(r"\b(?:pre|post)_(?:run_cell|execute)\b")),
    ("judge stub", re.compile(r"__lstm_judge__")),
    ("file access", re.compile(r"\.ipynb\b")),
    ("file access", re.compile(r"(?:^|[/\\])solutions(?:[/\\]|$)")),
    ("file access", re.compile(r"\bhelpers[/\\][\w.]*\.py\b")),
    ("file access", re.compile(r"\bwrong_answers\b|\bgradebook\b|BEGIN HIDDEN TESTS")),
    ("code object", re.compile(r"__(?:code|globals|closure|defaults|kwdefaults|subclasses)__")),
    ("builtins", re.compile(r"__builtins__")),
    ("frame access", re.compile(r"\b(?:f_back|f_locals|tb_frame|_getframe|currentframe)\b")),
    ("trace hook", re.compile(r"\b(?:settrace|setprofile)\b")),
    ("gc", re.compile(r"\b(?:get_referrers|get_referents|get_objects)\b")),
    ("IPython", re.compile(r"\b(?:input_transformers_\w+|ast_transformers|set_custom_exc|showtraceback)\b")),
    ("display hook", re.compile(r"\bdisplayhook\b")),
    ("sys.modules", re.compile(r"\bsys\.modules\b")),
    ("ctypes", re.compile(r"\bctypes\b")),
]
REGEX_ONLY = [  # for lines that do not parse, besides the tables above
    ("comparison override", re.compile(r"\bdef\s+(" + "|".join(sorted(OVERRIDES)) + r")\s*\(")),
    ("compile(optimize)", re.compile(r"\bcompile\s*\(.*\boptimize\s*=")),
    ("file access", re.compile(r"(?<![\w.])open\s*\(|\.read_(?:text|bytes)\s*\(")),
    ("IPython", re.compile(r"^\s*%%?[A-Za-z_]\w*")),
    ("process", re.compile(r"^\s*!|=\s*!\s*\w")),
]
CLASS_LINE = re.compile(r"^\s*class\s+(\w+)\s*\(([^)]*)\)")
DOTTED = re.compile(r"[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*")


# -- results ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    """One use of a tampering API in a submission."""

    student: str
    notebook: str
    cell: str  # the grade_id, or where the cell is ("added cell #12")
    line: int  # 1-based, in the cell
    api: str  # the family ("trace hook", "IPython", ...)
    what: str  # what was used ("sys.settrace", "%config", ...)
    code: str  # the line of code


@dataclass(frozen=True)
class Pair:
    """An answer that is a near-copy of the reference or of another student's answer."""

    notebook: str
    cell: str  # the exercise's answer cell (grade_id)
    student: str
    other: str  # another student, or "reference helpers.m.name"
    similarity: float  # max(student_share, other_share)
    student_share: float  # share of the student's answer found in the other
    other_share: float  # share of the other found in the student's answer
    student_code: str = ""  # both normalised (what was compared)
    other_code: str = ""
    identical: bool = False  # the two normalised answers are the same text


@dataclass
class Report:
    lesson: str
    students: list[str] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    threshold: float = THRESHOLD


# -- the scan ----------------------------------------------------------------------------------------
def _ipython_to_python(source: str) -> str:
    """The cell as the kernel runs it: magics and ``!cmd`` become ``get_ipython()...`` calls."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython ships with the course
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # a cell IPython cannot transform is read as it is
        return source


def _shown(node, limit: int = 80) -> str:
    """An expression as the report shows it (cut to ``limit`` characters)."""
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _prefixes(q: str) -> list[str]:
    """``"sys.modules.update"`` -> ``["sys.modules.update", "sys.modules", "sys"]``."""
    return [q] + [q[:i] for i in range(len(q) - 1, 0, -1) if q[i] in ".["]


def _const_str(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class _Scanner(ast.NodeVisitor):
    """Walks one cell. ``aliases`` (name -> qualified name) is shared by the cells of a notebook."""

    def __init__(self, aliases: dict, refs: dict, own: set, magic_lines: set, line_offset=0):
        self.aliases = aliases
        self.refs = refs  # "helpers.data.make_windows" -> {"make_windows"} (the functions it is the reference of)
        self.own = own  # in an answer cell: its exercise's functions
        self.magic_lines = magic_lines  # lines IPython rewrote (their get_ipython() is the magic's)
        self.offset = line_offset
        self.found: list[tuple[int, str, str]] = []  # (line, family, what)
        self.scope: list[str] = []  # enclosing top-level def/class
        self.binding: str | None = None  # the name an assignment is binding
        self.as_code: set[int] = set()  # string constants already scanned as code

    # helpers
    def hit(self, node, family: str, what: str) -> None:
        self.found.append((getattr(node, "lineno", 1) + self.offset, family, what))

    def qual(self, node) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, DEFAULT_ALIASES.get(node.id, node.id))
        if isinstance(node, ast.Attribute):
            base = self.qual(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            func = self.qual(node.func)
            if func in ("get_ipython", "IPython.get_ipython"):
                return "get_ipython()"
            if func in ("importlib.import_module", "__import__") and node.args:
                return _const_str(node.args[0])
            if func == "getattr" and len(node.args) >= 2 and _const_str(node.args[1]):
                base = self.qual(node.args[0])
                return f"{base}.{node.args[1].value}" if base else None
            return None
        if isinstance(node, ast.Subscript):
            base = self.qual(node.value)
            return f"{base}[...]" if base else None
        return None

    def is_module(self, q: str | None) -> bool:
        return bool(q) and q.split(".")[0].split("[")[0] in KNOWN_MODULES | set(self.aliases.values())

    def own_reference(self, q: str) -> bool:
        """``q`` is the reference of the exercise being answered here (the answer cell's, the function being
        defined, or the name being bound)."""
        here = self.own | set(self.scope[:1]) | {self.binding}
        return bool(self.refs.get(q, set()) & here)

    def reference_hit(self, node, q: str) -> None:
        self.hit(node, "reference", f"{q} (the reference of {', '.join(sorted(self.refs[q]))})")

    def check_qual(self, node, q: str | None, store: bool = False) -> None:
        if not q:
            return
        for prefix in _prefixes(q):
            if prefix in QUALIFIED:
                self.hit(node, QUALIFIED[prefix], q)
                break
        root = q.split(".")[0]
        if root in MODULES:
            self.hit(node, MODULES[root], q)
        if q in self.refs and self.own_reference(q) and not store:  # assigning to it is monkeypatching
            self.reference_hit(node, q)

    # imports
    def visit_Import(self, node):
        for a in node.names:
            bound = a.asname or a.name.split(".")[0]
            self.aliases[bound] = a.name if a.asname else a.name.split(".")[0]
            self.check_qual(node, a.name)

    def visit_ImportFrom(self, node):
        module = "." * node.level + (node.module or "")
        for a in node.names:
            if a.name == "*":
                if module.split(".")[0] in {n.split(".")[0] for n in QUALIFIED} | set(MODULES):
                    self.hit(node, "dynamic code", f"from {module} import *")
                continue
            full = f"{module}.{a.name}"
            bound = a.asname or a.name
            self.aliases[bound] = full
            self.binding = bound  # `from helpers.data import make_windows` rebinds the student's function
            self.check_qual(node, full)
            self.binding = None

    # names and attributes
    def visit_Name(self, node):
        if node.id in NAMES and not (node.id == "get_ipython" and node.lineno + self.offset in self.magic_lines):
            self.hit(node, NAMES[node.id], node.id)
        if isinstance(node.ctx, ast.Load):
            q = self.aliases.get(node.id)
            if q and q != node.id:
                self.check_qual(node, q)

    def visit_Attribute(self, node):
        before = len(self.found)
        q = self.qual(node)
        if node.attr in ATTRS:
            self.hit(node, ATTRS[node.attr], q or _shown(node))
        elif node.attr in STORE_ATTRS and not isinstance(node.ctx, ast.Load):
            self.hit(node, STORE_ATTRS[node.attr], f"{q or '.' + node.attr} =")
        # the IPython kernel object (not a Keras layer's `.kernel` weights): `get_ipython().kernel`, `kernel.x`
        if isinstance(node.value, ast.Name) and node.value.id == "kernel":
            self.hit(node, "kernel", q or "kernel.")
        elif node.attr == "kernel" and (q or "").startswith(("get_ipython()", "IPython", "ipykernel")):
            self.hit(node, "kernel", q)
        self.check_qual(node, q, store=not isinstance(node.ctx, ast.Load))
        if not isinstance(node.ctx, ast.Load):
            self._store_attribute(node, node.value, node.attr, before)
        self.generic_visit(node)

    def _store_attribute(self, node, base_node, attr: str, before: int) -> None:
        if attr in OVERRIDES:
            self.hit(node, "comparison override", f"{self.qual(base_node) or '?'}.{attr} =")
        elif len(self.found) == before and self.is_module(self.qual(base_node)):
            self.hit(node, "monkeypatch", f"{self.qual(base_node)}.{attr} =")

    def visit_Subscript(self, node):
        if not isinstance(node.ctx, ast.Load):
            base = self.qual(node.value)
            verb = "del " if isinstance(node.ctx, ast.Del) else ""
            if base == "sys.modules":
                self.hit(node, "sys.modules", f"{verb}sys.modules[...]" + ("" if verb else " ="))
            elif base in ("__builtins__", "builtins.__dict__"):
                self.hit(node, "builtins", f"{verb}{base}[...]" + ("" if verb else " ="))
            elif (
                isinstance(node.value, ast.Attribute)
                and node.value.attr == "__dict__"
                or isinstance(node.value, ast.Call)
                and self.qual(node.value.func) in ("globals", "vars")
            ):
                self.hit(node, "monkeypatch", f"{verb}{ast.unparse(node.value)}[...]" + ("" if verb else " ="))
        self.generic_visit(node)

    # calls
    def visit_Call(self, node):
        fq = self.qual(node.func)
        line = node.lineno + self.offset
        if isinstance(node.func, ast.Name) and node.func.id in CALLED and fq == node.func.id:
            self.hit(node, CALLED[node.func.id], f"{node.func.id}()")
        if fq == "compile" and (any(k.arg == "optimize" for k in node.keywords) or len(node.args) >= 6):
            self.hit(node, "compile(optimize)", "compile(..., optimize=...)")
        if fq in ("getattr", "setattr", "delattr", "hasattr") and len(node.args) >= 2:
            name = _const_str(node.args[1])
            if name is None:
                if fq != "hasattr":
                    self.hit(node, "dynamic code", f"{fq}(..., <computed name>)")
            else:
                before = len(self.found)
                base = self.qual(node.args[0])
                if name in ATTRS:
                    self.hit(node, ATTRS[name], f"{fq}({base or '...'}, {name!r})")
                self.check_qual(node, f"{base}.{name}" if base else None, store=fq in ("setattr", "delattr"))
                if fq in ("setattr", "delattr"):
                    self._store_attribute(node, node.args[0], name, before)
        if fq == "type" and len(node.args) == 3:
            self.hit(node, "lying subclass", "type(name, bases, namespace)")
        if fq in FILE_CALLS or (isinstance(node.func, ast.Attribute) and node.func.attr in FILE_METHODS):
            arg = _const_str(node.args[0]) if node.args else None
            name = fq or "." + node.func.attr
            self.hit(node, "file access", f"{name}({arg!r})" if arg else f"{name}()")
        if fq in ("exec", "eval", "compile", "get_ipython().run_cell") and node.args:
            self._scan_string(node.args[0], node)
        if isinstance(node.func, ast.Attribute) and self.qual(node.func.value) == "get_ipython()":
            self._magic(node, node.func.attr, line)
        self.generic_visit(node)

    def _magic(self, node, method: str, line: int) -> None:
        name = _const_str(node.args[0]) if node.args else None
        typed = line in self.magic_lines  # written as %magic / !cmd, not as a call
        if method in ("system", "getoutput"):
            self.hit(node, "process", f"!{name}" if typed else f"get_ipython().{method}({name!r})")
        elif method in ("run_line_magic", "run_cell_magic") and name is not None:
            prefix = "%" if method == "run_line_magic" else "%%"
            if name not in HARMLESS_MAGICS or not typed:
                self.hit(node, "IPython", f"{prefix}{name}" if typed else f"get_ipython().{method}({name!r})")
            if name in CODE_MAGICS:
                code = node.args[2] if method == "run_cell_magic" and len(node.args) > 2 else node.args[-1]
                self._scan_string(code, node, body_starts_next_line=method == "run_cell_magic")

    def _scan_string(self, arg, node, body_starts_next_line: bool = False) -> None:
        code = _const_str(arg)
        if not code:
            return
        offset = node.lineno + self.offset - (0 if body_starts_next_line else 1)
        found = _scan_python(code, self.aliases, self.refs, self.own, offset)
        if found is not None:
            self.as_code.add(id(arg))
            self.found += found

    # definitions
    def visit_ClassDef(self, node):
        for base in node.bases:
            q = self.qual(base)
            if q in LYING_BASES:
                self.hit(node, "lying subclass", f"class {node.name}({q})")
        if any(k.arg == "metaclass" for k in node.keywords):
            self.hit(node, "lying subclass", f"class {node.name}(metaclass=...)")
        for item in node.body:
            names = [item.name] if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
            if isinstance(item, (ast.Assign, ast.AnnAssign)):
                targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
            for name in names:
                if name in OVERRIDES:
                    self.hit(item, "comparison override", f"{node.name}.{name}")
        self._define(node)

    def visit_FunctionDef(self, node):
        if node.name == "__lstm_judge__":
            self.hit(node, "judge stub", "def __lstm_judge__")
        self._define(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _define(self, node):
        if not self.scope:
            self.aliases.pop(node.name, None)  # the student's own definition shadows an imported name
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def visit_Assign(self, node):
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        q = self.qual(node.value) if isinstance(node.value, (ast.Name, ast.Attribute, ast.Call)) else None
        for t in node.targets:
            self.visit(t)
        self.binding = names[0] if names and not self.scope else None
        self.visit(node.value)
        self.binding = None
        for name in names:
            if q and q.startswith("helpers.") and q != name:
                self.aliases[name] = q  # a reference captured in a variable
            elif not self.scope:
                self.aliases.pop(name, None)

    def visit_Expr(self, node):
        if _const_str(node.value) is not None:  # a docstring or a bare string: it does nothing
            return
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and id(node) not in self.as_code:
            for family, pattern in STRING_PATTERNS:
                m = pattern.search(node.value)
                if m:
                    self.hit(node, family, f"string {m.group(0)!r}")


def _scan_python(source, aliases, refs, own, offset=0, magic_lines=frozenset()):
    """ast hits of ``source``, or None when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    scanner = _Scanner(aliases, refs, own, set(magic_lines), offset)
    scanner.visit(tree)
    return scanner.found


def _scan_lines(source: str, aliases: dict, refs: dict, own: set) -> list[tuple[int, str, str]]:
    """The regex fallback for a cell that does not parse: the same tables, line by line."""
    found = []
    for number, line in enumerate(source.split("\n"), start=1):
        code = line.split("#", 1)[0] if not line.lstrip().startswith(("%", "!")) else line
        for m in DOTTED.finditer(code):
            parts = re.split(r"\s*\.\s*", m.group(0))
            parts[0] = aliases.get(parts[0], DEFAULT_ALIASES.get(parts[0], parts[0]))
            q = ".".join(parts)
            called = code[m.end() :].lstrip().startswith("(")
            for name, family in QUALIFIED.items():
                if q == name or q.startswith(name + "."):
                    found.append((number, family, q))
            if q.split(".")[0] in MODULES:
                found.append((number, MODULES[q.split(".")[0]], q))
            found += [(number, ATTRS[p], q) for p in parts[1:] if p in ATTRS]
            if parts[0] in NAMES:
                found.append((number, NAMES[parts[0]], parts[0]))
            if parts[0] in CALLED and called and len(parts) == 1:
                found.append((number, CALLED[parts[0]], parts[0] + "()"))
            if parts[0] == "kernel" and len(parts) > 1:  # `get_ipython().kernel.x` splits here too
                found.append((number, "kernel", q))
            if refs.get(q, set()) & own:
                found.append((number, "reference", f"{q} (the reference of {', '.join(sorted(refs[q]))})"))
        if m := CLASS_LINE.match(code):
            for base in (b.strip() for b in m.group(2).split(",")):
                head, _, rest = base.partition(".")
                full = DEFAULT_ALIASES.get(head, head) + ("." + rest if rest else "")
                if full in LYING_BASES:
                    found.append((number, "lying subclass", f"class {m.group(1)}({full})"))
        if re.search(r"\bsys\s*\.\s*modules\s*\[[^\]]*\]\s*=[^=]", code):
            found.append((number, "sys.modules", "sys.modules[...] ="))
        for family, pattern in REGEX_ONLY + STRING_PATTERNS:
            if m := pattern.search(line):
                found.append((number, family, m.group(0).strip()))
    return found


def scan_source(
    source: str, *, refs: dict | None = None, own: set | None = None, aliases: dict | None = None
) -> list[tuple[int, str, str]]:
    """(line, family, what) for every tampering API used in one cell's ``source``, one per line and family.

    ``refs`` maps the lesson's references (``"helpers.data.make_windows"``) to the exercise functions they
    are the reference of (``{"make_windows"}``). A reference is flagged where it stands in for the
    student's own work: anywhere in the answer cell of its exercise (``own``: that exercise's functions),
    inside a definition of its function, or bound to its function's name. ``aliases`` carries imports
    between the cells of a notebook (updated in place).
    """
    refs = refs or {}
    own = own or set()
    aliases = {} if aliases is None else aliases
    try:  # plain Python needs no IPython transformation (and tokenising every cell twice is slow)
        ast.parse(source)
        python = source
    except (SyntaxError, ValueError):
        python = _ipython_to_python(source)
    original, rewritten = source.split("\n"), python.split("\n")
    magic_lines = {i + 1 for i, line in enumerate(original) if i >= len(rewritten) or rewritten[i] != line}
    found = _scan_python(python, aliases, refs, own, magic_lines=magic_lines)
    if found is None:
        found = _scan_lines(source, aliases, refs, own)
    out, seen = [], set()
    for line, family, what in sorted(found, key=lambda f: f[0]):
        if (line, family) not in seen:
            seen.add((line, family))
            out.append((line, family, what))
    return out


# -- the instructor's cells ---------------------------------------------------------------------------
@dataclass
class _Cell:
    source: str
    kind: str  # "answer", "test", "locked" or "lesson"
    grade_id: str | None
    cell_id: str | None


def _release_source(cell) -> str:
    """A source notebook's cell as nbgrader releases it (for a course root without lessons/)."""
    lines = cell.source.split("\n")
    if is_test(cell):
        hidden = hidden_line_numbers(cell.source)
        return "\n".join(line for n, line in enumerate(lines, start=1) if n not in hidden)
    if is_answer(cell):
        for first, last in reversed(regions(cell.source, BEGIN_SOLUTION, END_SOLUTION)):
            indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip())]
            lines[first - 1 : last] = [indent + "# YOUR CODE HERE", indent + "raise NotImplementedError()"]
    return "\n".join(lines)


def _instructor_cells(root: Path, lesson: str) -> dict[str, list[_Cell]]:
    """notebook name -> its cells as released (``lessons/``, else derived from ``solutions/``)."""
    released = sorted((root / "lessons" / lesson).glob("*.ipynb"))
    paths = released or sorted((root / "solutions" / lesson).glob("*.ipynb"))
    out = {}
    for path in paths:
        cells = []
        for cell in read(path).cells:
            if cell.cell_type != "code":
                continue
            kind = "lesson"
            if is_answer(cell) or is_test(cell):
                kind = "answer" if is_answer(cell) else "test"
            elif is_locked(cell):
                kind = "locked"
            source = cell.source if released else _release_source(cell)
            cells.append(_Cell(source, kind, grade_id(cell), cell.get("id")))
        out[path.name] = cells
    return out


def _changed_lines(old: str, new: str) -> set[int]:
    """1-based line numbers of ``new`` that are not in ``old``."""
    matcher = difflib.SequenceMatcher(None, old.split("\n"), new.split("\n"), autojunk=False)
    return {j + 1 for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal" for j in range(j1, j2)}


# -- the similarity --------------------------------------------------------------------------------
def normalise(source: str) -> str:
    """``source`` as ``ast`` sees it: no docstrings, comments, annotations or layout (as is when it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        try:
            tree = ast.parse(_ipython_to_python(source))
        except (SyntaxError, ValueError):
            return source
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.body and _const_str(getattr(node.body[0], "value", None)) is not None:
                node.body = node.body[1:] or [ast.Pass()]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
            args = node.args
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if a is not None:
                    a.annotation = None
    return ast.unparse(tree)


def _fingerprint(code: str, boilerplate=None):
    from copydetect import CodeFingerprint

    window = GUARANTEE - NOISE + 1
    return CodeFingerprint("answer.py", NOISE, window, boilerplate, language="python", fp=io.StringIO(code))


def similarity(a, b) -> tuple[float, float]:
    """(share of ``a`` found in ``b``, share of ``b`` found in ``a``): copydetect over two fingerprints or sources."""
    from copydetect import compare_files

    fa = _fingerprint(a) if isinstance(a, str) else a
    fb = _fingerprint(b) if isinstance(b, str) else b
    _, (sa, sb), _ = compare_files(fa, fb)
    return float(sa), float(sb)


def reference_source(qualified: str, helpers: Path) -> str | None:
    """The source of ``helpers.<module>.<name>``, read from ``helpers/<module>.py`` with ``ast``."""
    parts = qualified.split(".")
    path = helpers.joinpath(*parts[1:-1]).with_suffix(".py")
    if not path.is_file():
        return None
    text = path.read_text()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == parts[-1]:
            return ast.get_source_segment(text, node)
    return None


def _definitions(source: str) -> dict[str, str]:
    """name -> source of each top-level function or class in ``source`` (the whole cell when it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {name: source for name in re.findall(r"^\s*def\s+(\w+)\s*\(", source, re.M)}
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {n.name: ast.get_source_segment(source, n) for n in tree.body if isinstance(n, kinds)}


def near_copies(
    answers: dict[str, str], references: dict[str, str], stub: str, notebook: str, cell: str, threshold: float
) -> list[Pair]:
    """Pairs at or above ``threshold`` among ``answers`` (student -> answer code) and ``references`` (label -> code).

    Students whose normalised answers are identical form a group: its first member is paired with each of
    the others once (``identical``), every member with a reference it copies, and only the first member
    with the other groups (n identical answers give n - 1 rows, not n(n - 1)/2).
    """
    boilerplate = None
    if stub.strip():
        import numpy as np

        boilerplate = np.array(sorted(_fingerprint(normalise(stub)).hashes), dtype=np.int64)
    groups: dict[str, list[str]] = {}
    for student in sorted(answers):
        groups.setdefault(normalise(answers[student]), []).append(student)
    prints = {code: _fingerprint(code, boilerplate) for code in groups}
    refs = {label: (normalise(code), _fingerprint(normalise(code), boilerplate)) for label, code in references.items()}
    pairs = []

    def add(students, other, fa, fb, code_a, code_b):
        sa, sb = similarity(fa, fb)
        if max(sa, sb) >= threshold:
            score = round(max(sa, sb), 3)
            for student in students:
                pairs.append(Pair(notebook, cell, student, other, score, round(sa, 3), round(sb, 3), code_a, code_b))

    codes = list(groups)
    for i, code in enumerate(codes):
        members = groups[code]
        if not prints[code].hashes:  # shorter than the noise threshold: nothing to compare
            continue
        for other in members[1:]:
            pairs.append(Pair(notebook, cell, members[0], other, 1.0, 1.0, 1.0, code, code, identical=True))
        for label, (ref_code, fp) in refs.items():
            add(members, label, prints[code], fp, code, ref_code)
        for other_code in codes[i + 1 :]:
            add(members[:1], groups[other_code][0], prints[code], prints[other_code], code, other_code)
    return pairs


# -- one lesson --------------------------------------------------------------------------------------
def _submissions(root: Path, lesson: str) -> dict[str, Path]:
    base = root / ".course" / "submitted"
    return {p.parent.name: p for p in sorted(base.glob(f"*/{lesson}")) if p.is_dir()}


def _cell_label(index: int, cell, match: _Cell | None) -> str:
    gid = grade_id(cell)
    if match is None:
        return f"{gid} (added cell #{index}; not a grade_id of the lesson)" if gid else f"added cell #{index}"
    if match.kind == "answer":
        return gid or f"cell #{index}"
    if match.kind == "test":
        return f"{match.grade_id} (edited test cell)"
    return f"{match.grade_id or 'lesson cell'} #{index} (edited)"


def lesson_report(lesson: str, root: Path, threshold: float = THRESHOLD) -> Report:
    """Scan every submission of ``lesson`` under ``root`` and compare its answers: the :class:`Report`."""
    report = Report(lesson, threshold=threshold)
    helpers = root / "helpers" if (root / "helpers").is_dir() else REPO / "helpers"
    solutions = root / "solutions"
    exercises: list[Exercise] = lesson_exercises(lesson, solutions) if (solutions / lesson).is_dir() else []
    index = helper_index(helpers)
    refs: dict[str, set[str]] = {}  # "helpers.data.make_windows" -> {"make_windows"}
    own_of: dict[str, set[str]] = {}  # answer cell grade_id -> its exercise's functions
    for ex in exercises:
        for gid in ex.cells:
            own_of.setdefault(gid, set()).update(ex.functions)
        for name in ex.functions:
            ex.references[name] = [f"{module}.{name}" for module, _ in index.get(name, [])]
            for q in ex.references[name]:
                refs.setdefault(q, set()).add(name)
    instructor = _instructor_cells(root, lesson)
    if not instructor:
        report.notes.append(f"no release or source notebook for {lesson}: every cell is read as the student's")
    known = {c.source for cells in instructor.values() for c in cells}
    all_cells = [c for cells in instructor.values() for c in cells]
    # student -> exercise cell -> [answer code]
    answers: dict[str, dict[str, list[str]]] = {}

    for student, folder in _submissions(root, lesson).items():
        report.students.append(student)
        mine = answers.setdefault(student, {})
        for path in sorted(folder.glob("*.ipynb")):
            try:
                nb = read(path)
            except Exception as e:  # not a notebook: say so, grading deals with it
                report.hits.append(Hit(student, path.name, "(whole notebook)", 0, "unreadable", type(e).__name__, ""))
                continue
            cells = instructor.get(path.name, all_cells)
            by_gid = {c.grade_id: c for c in cells if c.grade_id}
            by_id = {c.cell_id: c for c in cells if c.cell_id}
            aliases: dict[str, str] = {}
            for number, cell in enumerate(nb.cells, start=1):
                if cell.get("cell_type") != "code" or not isinstance(cell.get("source"), str):
                    continue
                source = cell.source
                gid = grade_id(cell)
                match = by_gid.get(gid) if gid else by_id.get(cell.get("id"))
                is_answer_cell = match is not None and match.kind == "answer"
                if source in known:
                    scan_source(source, refs=refs, aliases=aliases)  # the instructor's imports still bind names
                    continue
                own = own_of.get(match.grade_id, set()) if is_answer_cell else set()
                found = scan_source(source, refs=refs, own=own, aliases=aliases)
                if match is not None and match.kind != "answer":
                    changed = _changed_lines(match.source, source)
                    found = [f for f in found if f[0] in changed]
                lines = source.split("\n")
                label = _cell_label(number, cell, match)
                for line, family, what in found:
                    code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
                    report.hits.append(Hit(student, path.name, label, line, family, what, code[:300]))
                # what each exercise's answer is made of: its answer cell, and later definitions of its functions
                if is_answer_cell:
                    if normalise(source) != normalise(match.source):
                        for ex in exercises:
                            if match.grade_id in ex.cells:
                                mine.setdefault(ex.cells[0], []).append(source)
                elif defined := _definitions(source):
                    for ex in exercises:
                        parts = list(dict.fromkeys(defined[n] for n in ex.functions if n in defined))
                        mine.setdefault(ex.cells[0], []).extend(parts)
        for path in sorted(folder.glob("*.py")):  # a module beside the notebook can be imported by it
            source = path.read_text(errors="replace")
            lines = source.split("\n")
            for line, family, what in scan_source(source, refs=refs):
                code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
                report.hits.append(Hit(student, path.name, "(file in the submission)", line, family, what, code[:300]))

    try:
        import copydetect  # noqa: F401
    except ImportError:
        report.notes.append("near-copies not checked: copydetect is not installed (pip install copydetect==0.5.0)")
        return report
    for ex in exercises:
        if not ex.cells:
            continue
        cell = ex.cells[0]
        stub = next((c.source for c in all_cells if c.grade_id == cell), "")
        code = {s: "\n\n".join(parts) for s, by in answers.items() if (parts := [p for p in by.get(cell, []) if p])}
        references = {}
        for name in ex.functions:
            for q in ex.references.get(name, []):
                if (src := reference_source(q, helpers)) is not None:
                    references[f"reference {q}"] = src
        if len(references) > 1:  # an exercise with several functions: its answer against all of them
            label = "reference " + " + ".join(r.split(" ", 1)[1] for r in references)
            references = {label: "\n\n".join(references.values())}
        report.pairs += near_copies(code, references, stub, ex.notebook, cell, threshold)
    return report


# -- the report files --------------------------------------------------------------------------------
CSV_FIELDS = [
    "kind",
    "student",
    "notebook",
    "cell",
    "line",
    "api",
    "what",
    "code",
    "other",
    "similarity",
    "student_share",
    "other_share",
]

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0;width:100%}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}
code,pre{font-family:ui-monospace,monospace;font-size:90%}pre{white-space:pre-wrap;margin:.3em 0}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5em 1em}details summary{cursor:pointer}
"""


def _rows(report: Report) -> list[dict]:
    """One CSV row per hit ("tamper") and per pair ("copy"), with the columns of :data:`CSV_FIELDS`."""
    rows = []
    for h in report.hits:
        values = ["tamper", h.student, h.notebook, h.cell, h.line, h.api, h.what, h.code, "", "", "", ""]
        rows.append(dict(zip(CSV_FIELDS, values, strict=True)))
    for p in report.pairs:
        shares = [f"{p.similarity:.2f}", f"{p.student_share:.2f}", f"{p.other_share:.2f}"]
        what = f"identical to {p.other}" if p.identical else f"near-copy of {p.other}"
        values = ["copy", p.student, p.notebook, p.cell, "", "near-copy", what, "", p.other]
        rows.append(dict(zip(CSV_FIELDS, values + shares, strict=True)))
    return rows


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """An HTML table; cells are given already escaped."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return f"<table><tr>{head}</tr>\n{body}</table>" if rows else "<p>None.</p>"


def _html(report: Report) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    involved = {h.student for h in report.hits} | {p.student for p in report.pairs} | {p.other for p in report.pairs}
    overview = []
    for student in (s for s in report.students if s in involved):
        apis: dict[str, int] = {}
        for h in report.hits:
            if h.student == student:
                apis[h.api] = apis.get(h.api, 0) + 1
        copies = [p.other for p in report.pairs if p.student == student]
        copies += [p.student for p in report.pairs if p.other == student]
        listed = ", ".join(f"{api} ({n})" for api, n in sorted(apis.items()))
        overview.append([_e(student), _e(listed), _e(", ".join(copies))])
    hits, pairs = [], []
    for h in report.hits:
        what, code = f"<code>{_e(h.what)}</code>", f"<code>{_e(h.code)}</code>"
        hits.append([_e(h.student), _e(h.notebook), _e(h.cell), _e(h.line), _e(h.api), what, code])
    for p in report.pairs:
        code = (
            f"<details><summary>show</summary><p>{_e(p.student)}:</p><pre>{_e(p.student_code)}</pre>"
            f"<p>{_e(p.other)}:</p><pre>{_e(p.other_code)}</pre></details>"
        )
        shares = f"{p.student_share:.2f} / {p.other_share:.2f}"
        score = f"{p.similarity:.2f}" + (" (identical)" if p.identical else "")
        pairs.append([_e(p.notebook), _e(p.cell), _e(p.student), _e(p.other), score, shares, code])
    pair_headers = ["notebook", "exercise cell", "student", "near-copy of", "similarity", "shares (student / other)"]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Flags: {_e(report.lesson)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Flags for {_e(report.lesson)}</h1>",
        '<p class="note">Information for a human reviewer. <strong>No score was changed</strong>: read the code, '
        "then decide. A tampering API is not proof of cheating, and a near-copy may be a shared idea.</p>",
        f"<p>{len(report.students)} submissions scanned ({_e(', '.join(report.students) or 'none')}), {_e(when)}. "
        f"Near-copy threshold: {report.threshold:.2f} (copydetect, k = {NOISE}).</p>",
        f"<h2>By student ({len(overview)} flagged)</h2>",
        _table(["student", "APIs (hits)", "near-copy of"], overview),
        f"<h2>Tampering APIs ({len(report.hits)})</h2>",
        _table(["student", "notebook", "cell", "line", "API", "what", "code"], hits),
        f"<h2>Near-copies ({len(report.pairs)})</h2>",
        _table([*pair_headers, "code compared (normalised)"], pairs),
    ]
    if report.notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in report.notes) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_report(report: Report, out: Path) -> tuple[Path, Path]:
    """Write ``flags-<lesson>.html`` and ``flags-<lesson>.csv`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    html_path, csv_path = out / f"flags-{report.lesson}.html", out / f"flags-{report.lesson}.csv"
    html_path.write_text(_html(report), encoding="utf-8")
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(_rows(report))
    return html_path, csv_path


def summary(report: Report, html_path: Path) -> str:
    flagged = len({h.student for h in report.hits})
    return (
        f"{report.lesson}: {len(report.students)} submissions, {len(report.hits)} tampering-API hits in {flagged}, "
        f"{len(report.pairs)} near-copy pairs (threshold {report.threshold:.2f}) -> {html_path}"
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lessons", default="", help="comma-separated lesson ids (default: every lesson with submissions)")
    p.add_argument("--root", type=Path, default=Path(os.environ.get("LSTM_COURSE_ROOT", REPO)), help="the course root")
    p.add_argument("--out", type=Path, default=None, help="where to write the reports (default <root>/.course/flags)")
    p.add_argument("--threshold", type=float, default=THRESHOLD, help=f"near-copy threshold (default {THRESHOLD})")
    a = p.parse_args(argv)
    root = a.root.resolve()
    out = a.out or root / ".course" / "flags"
    lessons = [x for x in re.split(r"[,\s]+", a.lessons) if x]
    if not lessons:
        lessons = [lesson for lesson in lesson_ids(root / "solutions") if _submissions(root, lesson)]
        if not lessons:
            print(f"no submissions under {root / '.course' / 'submitted'}")
    for lesson in lessons:
        report = lesson_report(lesson, root, a.threshold)
        html_path, _ = write_report(report, out)
        print(summary(report, html_path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
