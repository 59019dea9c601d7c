"""autograder/flags.py: the per-lesson report of tampering APIs and near-copies (issue 12, item 7).

A scratch course root holds lesson 01's source and release and a class of submissions built from the
release: honest answers (the lesson's solutions, an independent rewrite, a catalogue wrong answer, a blank
notebook) that must not be flagged; one submission per tampering API family that must be, each at its
line; copies of a reference and of another student's answer that must be paired. Across the whole
course, the solutions and every catalogue wrong answer raise no flag, and the near-copy threshold
separates the solutions (independent rewrites of the references) from renamed copies of the references.
Nothing here executes a notebook.
"""

from __future__ import annotations

import ast
import builtins
import csv
import importlib.util
import io
import runpy
import shutil
import sys
import tokenize

import nbformat
import pytest
from course import write_submission

from autograder import flags
from autograder.exercise_map import helper_index, lesson_exercises
from autograder.notebooks import (
    LESSONS,
    REPO,
    SOLUTIONS,
    cell_by_grade_id,
    fill,
    grade_id,
    is_answer,
    lesson_ids,
    load_catalogue,
    notebooks,
    read,
    strip_solution_markers,
    wrong_source,
)

# the near-copy half needs copydetect (pinned in the `test` and `instructor` extras); the scan does not
needs_copydetect = pytest.mark.skipif(
    importlib.util.find_spec("copydetect") is None, reason="copydetect is not installed (pip install copydetect==0.5.0)"
)

LESSON, NOTEBOOK = "01-sequences", "sequences.ipynb"

# An answer written independently of the reference and of the lesson's solution (a loop, not index arithmetic).
REWRITE = '''def make_windows(series, window, horizon=1):
    """My windows."""
    data = np.asarray(series, dtype=float)
    if window < 1 or horizon < 1:
        raise ValueError("window and horizon must be at least 1")
    count = len(data) - window - horizon + 1
    if count < 1:
        raise ValueError("the series is too short for one window")
    inputs, targets = [], []
    for start in range(count):
        inputs.append(data[start : start + window])
        targets.append(data[start + window : start + window + horizon])
    return np.array(inputs)[:, :, None], np.array(targets)
'''

# One submission per family: (student, family, the cell's source, the line that must be flagged).
# Each source goes into a cell the student added after the ex2 answer cell.
ADDED = [
    ("t-settrace", "trace hook", "import sys\nsys.settrace(lambda *args: None)", 2),
    ("t-threading", "trace hook", "import threading\nthreading.settrace(print)", 2),
    ("t-setprofile-alias", "trace hook", "from sys import setprofile as _sp\n_sp(None)", 2),
    ("t-gc-referrers", "gc", "import gc\nrefs = gc.get_referrers(np.testing.assert_allclose)", 2),
    ("t-gc-objects", "gc", "import gc\nfor obj in gc.get_objects():\n    pass", 2),
    ("t-events", "IPython", "ip = get_ipython()\nip.events.register('pre_run_cell', lambda info: None)", 2),
    ("t-input-transformers", "IPython", "get_ipython().input_transformers_post.append(lambda lines: lines)", 1),
    ("t-ast-transformers", "IPython", "import ast\nget_ipython().ast_transformers.append(ast.NodeTransformer())", 2),
    ("t-config-magic", "IPython", 'x = 1\n%config InteractiveShell.ast_node_interactivity = "all"', 2),
    ("t-interactivity", "IPython", 'get_ipython().ast_node_interactivity = "all"', 1),
    ("t-cell-magic", "gc", "%%capture\nimport gc\ngc.get_objects()", 3),
    ("t-displayhook", "display hook", "import sys\nsys.displayhook = lambda value: None", 2),
    ("t-custom-exc", "IPython", "get_ipython().set_custom_exc((AssertionError,), lambda *args: None)", 1),
    ("t-showtraceback", "IPython", "get_ipython().showtraceback = lambda *args, **kwargs: None", 1),
    ("t-sys-modules", "sys.modules", "import sys, types\nsys.modules['helpers.data'] = types.SimpleNamespace()", 2),
    ("t-builtins", "builtins", "import builtins\nbuiltins.len = lambda obj: 3", 2),
    ("t-dunder-builtins", "builtins", "__builtins__['print'] = None", 1),
    ("t-ctypes", "ctypes", "import ctypes\nctypes.pythonapi.PyFrame_LocalsToFast(None, 0)", 2),
    ("t-code", "code object", "rnn_forward.__code__ = rnn_step_forward.__code__", 1),
    ("t-globals", "code object", "rnn_forward.__globals__['np'] = None", 1),
    ("t-closure", "code object", "cells = gated_memory.__closure__", 1),
    ("t-compile", "compile(optimize)", "src = 'assert False'\nexec(compile(src, '<cell>', 'exec', optimize=2))", 2),
    ("t-reload", "reload", "import importlib\nimport helpers.data\nimportlib.reload(helpers.data)", 3),
    ("t-read-helpers", "file access", "reference_code = open('../../helpers/data.py').read()", 1),
    ("t-read-notebook", "file access", "import json\nwith open('sequences.ipynb') as f:\n    nb = json.load(f)", 2),
    (
        "t-read-solutions",
        "file access",
        "from pathlib import Path\nt = Path('/c/solutions/01-sequences/x.py').read_text()",
        2,
    ),
    ("t-currentframe", "frame access", "import inspect\ncaller = inspect.currentframe().f_back.f_locals", 2),
    ("t-eq", "comparison override", "class Always:\n    def __eq__(self, other):\n        return True", 2),
    ("t-ne", "comparison override", "class Never:\n    def __ne__(self, other):\n        return False", 2),
    ("t-bool", "comparison override", "class Truthy:\n    def __bool__(self):\n        return True", 2),
    (
        "t-ufunc",
        "comparison override",
        "class Agree:\n    def __array_ufunc__(self, *args, **kwargs):\n        return 1",
        2,
    ),
    (
        "t-array-function",
        "comparison override",
        "class F:\n    def __array_function__(self, *args):\n        return 1",
        2,
    ),
    ("t-int", "lying subclass", "class Yes(int):\n    pass", 1),
    ("t-float", "lying subclass", "class Close(float):\n    pass", 1),
    ("t-ndarray", "lying subclass", "class Liar(np.ndarray):\n    pass", 1),
    ("t-input", "input", "answer = input('<script>alert(1)</script>')", 1),
    ("t-kernel", "kernel", "k = get_ipython().kernel\nkernel.shell.user_ns.clear()", 2),
    ("t-judge", "judge stub", "__lstm_judge__ = lambda *args: 'pass'", 1),
    ("t-unparsable", "trace hook", "import sys\nsys.settrace(tracer) +", 2),
    ("t-monkeypatch", "monkeypatch", "np.testing.assert_allclose = lambda *args, **kwargs: None", 1),
    ("t-exec-string", "trace hook", "exec('import sys; sys.settrace(None)')", 1),
    ("t-getattr", "dynamic code", "import sys\nhook = getattr(sys, 'set' + 'trace')", 2),
    ("t-shell", "process", "!cat ../../helpers/data.py", 1),
    ("t-rebind", "reference", "from helpers.rnn import gated_memory", 1),
]
# Answers that delegate to the exercise's own reference: (student, grade_id, answer, line, extra cell before it).
DELEGATING = [
    (
        "d-direct",
        "ex1_make_windows",
        "def make_windows(series, window, horizon=1):\n    import helpers.data\n"
        "    return helpers.data.make_windows(series, window, horizon)",
        3,
        None,
    ),
    (
        "d-captured",
        "ex3_rnn_forward",
        "def rnn_forward(x, h0, W, U, b):\n    return _ref(x, h0, W, U, b)[0]",
        2,
        "import helpers.rnn\n_ref = helpers.rnn.rnn_forward",
    ),
    (
        "d-frame",
        "ex2_rnn_step_forward",
        "def rnn_step_forward(x_t, h_prev, W, U, b):\n    import sys\n    seen = sys._getframe(1).f_locals\n"
        "    return np.tanh(x_t @ W + h_prev @ U + b)",
        3,
        None,
    ),
]
DELEGATING += [
    (
        "d-getattr",
        "ex4_steps_to_forget",
        "def steps_to_forget(keep, fraction=0.01):\n    import helpers.rnn\n"
        "    ref = getattr(helpers.rnn, 'steps_to_forget')\n    return ref(keep, fraction)",
        3,
        None,
    ),
    (
        "d-import-module",
        "ex5_gated_memory",
        "def gated_memory(values, gates, m0=0.0):\n    import importlib\n"
        "    return importlib.import_module('helpers.rnn').gated_memory(values, gates, m0)",
        3,
        None,
    ),
]
DELEGATING_FAMILY = {"d-frame": "frame access"}  # the others: "reference"


def rename_locals(source: str) -> str:
    """``source`` with every assigned name and argument renamed, layout kept (a copy made by hand)."""
    tree = ast.parse(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    names |= {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    new = {n: f"my_{n}" for n in names - set(dir(builtins))}
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return tokenize.untokenize(
        t._replace(string=new.get(t.string, t.string)) if t.type == tokenize.NAME else t for t in tokens
    )


def with_answer(nb, gid: str, source: str):
    cell_by_grade_id(nb, gid)[1].source = source
    return nb


def with_added(nb, source: str, after: str = "ex2_rnn_step_forward"):
    index, _ = cell_by_grade_id(nb, after)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return nb


def position(nb, source: str) -> int:
    return next(i for i, c in enumerate(nb.cells, start=1) if c.source == source)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """(root, report, {student: notebook}) for the class described in the module docstring."""
    root = tmp_path_factory.mktemp("flags")
    shutil.copytree(SOLUTIONS / LESSON, root / "solutions" / LESSON)
    shutil.copytree(LESSONS / LESSON, root / "lessons" / LESSON)
    release, solution = read(LESSONS / LESSON / NOTEBOOK), read(SOLUTIONS / LESSON / NOTEBOOK)
    answers = {grade_id(c): c.source for c in solution.cells if is_answer(c)}
    wrong = next(a for a in load_catalogue(LESSON)["answers"] if a["cell"] == "ex1_make_windows")
    fresh = lambda: read(LESSONS / LESSON / NOTEBOOK)  # noqa: E731
    reference = {
        q: flags.reference_source(q, REPO / "helpers")
        for q in ("helpers.data.make_windows", "helpers.rnn.gated_memory")
    }
    ada_ex3 = strip_solution_markers(answers["ex3_rnn_forward"])
    class_ = {
        "ada": with_answer(fill(fresh(), solution), "ex1_make_windows", REWRITE),
        "cleo": fresh(),
        "dan": with_answer(fresh(), "ex1_make_windows", wrong_source(answers["ex1_make_windows"], wrong)),
        "cole": with_answer(fresh(), "ex3_rnn_forward", rename_locals(ada_ex3)),
        "rex": with_answer(fresh(), "ex5_gated_memory", reference["helpers.rnn.gated_memory"]),
        "rita": with_answer(fresh(), "ex1_make_windows", rename_locals(reference["helpers.data.make_windows"])),
    }
    for student, _, source, _ in ADDED:
        class_[student] = with_added(fresh(), source)
    for student, gid, source, _, before in DELEGATING:
        nb = with_answer(fresh(), gid, source)
        class_[student] = with_added(nb, before, after="ex1_make_windows") if before else nb
    # an edited test cell: only the line the student added counts, not the test's own use of the reference
    tess = fresh()
    test_cell = cell_by_grade_id(tess, "test_ex1_make_windows")[1]
    test_cell.source += "\nimport sys\nsys.settrace(None)"
    class_["tess"] = tess
    for student, nb in class_.items():
        write_submission(root / ".course" / "submitted" / student / LESSON / NOTEBOOK, nb)
    # a module beside the notebook, and a notebook that is not JSON
    folder = root / ".course" / "submitted"
    write_submission(folder / "pym" / LESSON / NOTEBOOK, release)
    (folder / "pym" / LESSON / "tricks.py").write_text("import gc\n\ngc.get_objects()\n")
    write_submission(folder / "broken" / LESSON / NOTEBOOK, "{not json")
    return root, flags.lesson_report(LESSON, root), class_


def hits_of(report, student):
    return [h for h in report.hits if h.student == student]


def test_every_tampering_family_is_flagged_at_its_line(course):
    _, report, class_ = course
    assert len({family for _, family, _, _ in ADDED}) >= 15
    for student, family, source, line in ADDED:
        cell = f"added cell #{position(class_[student], source)}"
        found = {(h.cell, h.line, h.api) for h in hits_of(report, student)}
        assert (cell, line, family) in found, (student, sorted(found))
        code = source.split("\n")[line - 1].strip()
        assert any(h.code == code for h in hits_of(report, student) if (h.line, h.api) == (line, family))


def test_delegation_to_the_exercise_reference_is_flagged_in_the_answer_cell(course):
    _, report, _ = course
    for student, gid, _, line, _ in DELEGATING:
        found = {(h.cell, h.line, h.api) for h in hits_of(report, student)}
        assert (gid, line, DELEGATING_FAMILY.get(student, "reference")) in found, (student, sorted(found))
    # capturing the reference in a variable is not itself a flag; using it as the answer is
    assert {h.cell for h in hits_of(report, "d-captured")} == {"ex3_rnn_forward"}
    (rebind,) = hits_of(report, "t-rebind")
    assert "helpers.rnn.gated_memory" in rebind.what and "gated_memory" in rebind.what


def test_only_the_changed_lines_of_a_test_cell_count(course):
    _, report, class_ = course
    lines = cell_by_grade_id(class_["tess"], "test_ex1_make_windows")[1].source.split("\n")
    assert [(h.cell, h.line, h.api) for h in hits_of(report, "tess")] == [
        ("test_ex1_make_windows (edited test cell)", len(lines), "trace hook")
    ]


@needs_copydetect
def test_honest_answers_are_not_flagged(course):
    _, report, _ = course
    for student in ("ada", "cleo", "dan", "cole", "rex", "rita"):
        assert hits_of(report, student) == [], student
    flagged = {p.student for p in report.pairs} | {p.other for p in report.pairs}
    assert "dan" not in flagged and "cleo" not in flagged  # a catalogue wrong answer, a blank notebook
    assert not [p for p in report.pairs if "ada" in (p.student, p.other) and p.other != "cole"]


@needs_copydetect
def test_copies_of_the_reference_and_of_another_student_are_paired(course):
    _, report, _ = course
    pairs = {(p.student, p.other, p.cell) for p in report.pairs}
    assert pairs == {
        ("ada", "cole", "ex3_rnn_forward"),
        ("rex", "reference helpers.rnn.gated_memory", "ex5_gated_memory"),
        ("rita", "reference helpers.data.make_windows", "ex1_make_windows"),
    }
    assert all(p.similarity >= flags.THRESHOLD for p in report.pairs)


def test_files_beside_the_notebook_and_unreadable_notebooks_are_reported(course):
    _, report, _ = course
    assert [(h.notebook, h.line, h.api) for h in hits_of(report, "pym")] == [("tricks.py", 3, "gc")]
    assert [(h.api, h.what) for h in hits_of(report, "broken")] == [("unreadable", "NotJSONError")]


@needs_copydetect
@pytest.mark.filterwarnings("ignore:'autograder.flags' found in sys.modules:RuntimeWarning")
def test_the_command_writes_escaped_html_and_csv_and_exits_0(course, capsys, monkeypatch):
    root, report, _ = course
    out = root / "out"
    argv = ["autograder.flags", "--root", str(root), "--lessons", LESSON, "--out", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    submitted = root / ".course" / "submitted"
    before = {p: p.stat().st_mtime_ns for p in submitted.rglob("*")}
    with pytest.raises(SystemExit) as done:  # as `python -m autograder.flags` runs it
        runpy.run_module("autograder.flags", run_name="__main__", alter_sys=True)
    assert done.value.code == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{LESSON}: {len(report.students)} submissions, {len(report.hits)} tampering-API hits")
    assert f"{len(report.pairs)} near-copy pairs" in line
    # it only reads: no submission changed, no gradebook created
    assert {p: p.stat().st_mtime_ns for p in submitted.rglob("*")} == before
    assert not (root / ".course" / "gradebook.db").exists()
    page = (out / f"flags-{LESSON}.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "No score was changed" in page and "helpers.rnn.gated_memory" in page
    with (out / f"flags-{LESSON}.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(report.hits) + len(report.pairs)
    assert {r["kind"] for r in rows} == {"tamper", "copy"}
    assert any(r["student"] == "t-input" and r["code"] == "answer = input('<script>alert(1)</script>')" for r in rows)


def test_the_course_solutions_and_wrong_answers_raise_no_tampering_flag(tmp_path):
    """False positives over the whole course: every lesson filled with its solutions, every catalogue answer."""
    for lesson in lesson_ids():
        shutil.copytree(SOLUTIONS / lesson, tmp_path / "solutions" / lesson)
        shutil.copytree(LESSONS / lesson, tmp_path / "lessons" / lesson)
        for path in notebooks(LESSONS, lesson):
            filled = fill(read(path), read(SOLUTIONS / lesson / path.name))
            write_submission(tmp_path / ".course" / "submitted" / "sol" / lesson / path.name, filled)
        report = flags.lesson_report(lesson, tmp_path)
        assert report.hits == [], (lesson, report.hits)
        solution = read(SOLUTIONS / lesson / load_catalogue(lesson)["notebook"])
        for answer in load_catalogue(lesson)["answers"]:
            own = set(next(e.functions for e in lesson_exercises(lesson) if answer["cell"] in e.cells))
            source = wrong_source(cell_by_grade_id(solution, answer["cell"])[1].source, answer)
            assert flags.scan_source(source, own=own) == [], (lesson, answer["name"])


@needs_copydetect
def test_the_threshold_separates_independent_rewrites_from_renamed_copies():
    """The measurements behind flags.THRESHOLD (the module docstring quotes them)."""
    index = helper_index(REPO / "helpers")
    rewrites, copies, wrongs, rights = [], [], [], []
    for lesson in lesson_ids():
        solution = {grade_id(c): c for p in notebooks(SOLUTIONS, lesson) for c in read(p).cells if is_answer(c)}
        catalogue = load_catalogue(lesson)["answers"]
        right = load_catalogue(lesson, kind="right")["answers"]
        for ex in lesson_exercises(lesson):
            refs = [
                flags.reference_source(f"{m}.{f}", REPO / "helpers") for f in ex.functions for m, _ in index.get(f, [])
            ]
            if not refs:
                continue
            ref = flags._fingerprint(flags.normalise("\n\n".join(refs)))
            score = lambda code, ref=ref: max(flags.similarity(flags.normalise(code), ref))  # noqa: E731
            rewrites.append(score(strip_solution_markers(solution[ex.cells[0]].source)))
            copies += [score("\n\n".join(refs)), score(rename_locals("\n\n".join(refs)))]
            wrongs += [
                score(wrong_source(solution[a["cell"]].source, a)) for a in catalogue if a["cell"] == ex.cells[0]
            ]
            rights += [score(wrong_source(solution[a["cell"]].source, a)) for a in right if a["cell"] == ex.cells[0]]
    assert len(rewrites) == 32 and len(wrongs) == 166 and len(rights) == 90
    assert max(rewrites) < flags.THRESHOLD and max(wrongs) < flags.THRESHOLD, (max(rewrites), max(wrongs))
    assert max(rights) < flags.THRESHOLD, max(rights)  # a correct answer written differently is never a copy
    assert min(copies) >= flags.THRESHOLD, min(copies)
    assert round(max(rewrites), 2) == 0.87 and round(max(wrongs), 2) == 0.83 and min(copies) == 1.0
    assert round(max(rights), 2) == 0.60


def test_scan_source_reads_magics_strings_and_unparsable_cells():
    assert flags.scan_source("%time x = sum(range(3))") == []  # a harmless magic
    assert [f[1] for f in flags.scan_source("%time sys.settrace(None)")] == ["trace hook"]
    assert [f[1] for f in flags.scan_source("%load helpers/data.py")] == ["IPython", "file access"]
    assert [f[1] for f in flags.scan_source("def f(:\n    return inspect.currentframe()")] == ["frame access"]
    assert [f[1] for f in flags.scan_source("class A(\n    def __eq__(self, o): return True")] == [
        "comparison override"
    ]


def test_without_copydetect_the_scan_still_runs_and_says_so(course, monkeypatch):
    root, report, _ = course
    monkeypatch.setitem(sys.modules, "copydetect", None)  # `import copydetect` raises ImportError
    bare = flags.lesson_report(LESSON, root)
    assert bare.hits == report.hits and bare.pairs == []
    assert any("copydetect is not installed" in note for note in bare.notes)
