"""Grading skips what no grade needs (autograder/skipping.py): which cells, why it is safe, what is kept.

The proofs that scores do not change are elsewhere: the wrong- and right-answer runner
(tests/test_wrong_answers.py) grades every catalogued answer with the demonstration cells run and skipped,
and tests/test_autograde.py / tests/test_right_answers.py grade with nbgrader, which skips them.
"""

from __future__ import annotations

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from autograder import skipping
from autograder.notebooks import SOLUTIONS, is_answer, lesson_ids, nbgrader_meta, notebooks, read
from autograder.skipping import SKIP_NOW, TAG, Names, cells_to_skip, kept_outputs, mark


def _cells(*sources, graded=()):
    cells = []
    for i, src in enumerate(sources):
        cell = new_code_cell(src)
        if i in graded:
            cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"test_{i}", "points": 1, "solution": False}
        cells.append(cell)
    return cells


def _skipped(*sources, candidates=None, graded=()):
    cells = _cells(*sources, graded=graded)
    chosen = set(range(len(cells))) if candidates is None else set(candidates)
    return cells_to_skip(cells, lambda c: cells.index(c) in chosen)


def test_names_follow_statements_functions_and_magics():
    n = Names("import numpy as np\nx = np.arange(3)\ny = x + z\nfor i in range(3):\n    acc = acc + i")
    assert (n.binds, n.reads, n.modules) == ({"np", "x", "y", "i", "acc"}, {"z", "acc"}, {"np"})
    n = Names("def f(a):\n    b = a + W\n    return [i * b for i in range(3)]")
    assert (n.binds, n.reads, n.functions) == ({"f"}, {"W"}, {"f"})
    assert Names("%time y = g(1)\n!ls").reads == {"g", "get_ipython"}
    assert Names("%matplotlib inline\nplt.plot(s)").reads == {"get_ipython", "plt", "s"}
    assert Names("%run other.py").unknown and Names("def f(:").unknown


def test_a_demonstration_runs_when_something_that_runs_may_need_it():
    setup, train, plot = "import numpy as np\nrng = np.random.default_rng(0)", "model, hist = fit()", "plot(hist)"
    answer = "def f(x):\n    return x + 1"
    # nothing needs the training or the plot: both skipped (the setup is not a candidate)
    assert _skipped(setup, train, plot, answer, candidates=[1, 2]) == {1, 2}
    # an answer that uses the trained model: the training runs, the plot still not
    uses = "def f(x):\n    return model.predict(x)"
    assert _skipped(setup, train, plot, uses, candidates=[1, 2]) == {2}
    # transitively: training that needs `data`, made by another demonstration
    assert _skipped(setup, "data = load()", "model = fit(data)", uses, candidates=[1, 2]) == set()
    # a demonstration that reads what something that runs reads may have changed it: it runs
    assert _skipped(setup, train, "plot(model)", uses, candidates=[2]) == set()
    # a demonstration that changes an object something that runs reads (a method call, an item, rng)
    assert _skipped(setup, "rng.normal()", "def f():\n    return rng.normal()", candidates=[1]) == set()
    assert _skipped("x = [0]", "x[0] = 1", "print(x)", candidates=[1]) == set()
    # calling a function or a module does not change it
    assert _skipped(setup, answer, "print(f(np.ones(2)))", "f(2)", candidates=[2]) == {2}


def test_never_skipped_nbgrader_cells_and_notebooks_we_cannot_read():
    assert _skipped("x = 1", "assert x", graded=[1]) == set()  # the test reads x: its maker runs
    assert _skipped("y = 1", "assert True", graded=[1]) == {0}
    assert 1 not in _skipped("y = 1", "assert True", graded=[1])  # a graded cell, though a candidate
    assert _skipped("y = 1", "%run script.py", candidates=[0]) == set()  # a cell that runs may read anything


def test_mark_sets_exactly_the_cells_to_skip_whatever_the_submission_tagged():
    cells = _cells("a = 1", "b = 2", "c = 3")
    cells[0].metadata["tags"] = [SKIP_NOW, "mine"]  # a student's own tag on a cell that must run
    mark(cells, {1})
    assert [c.metadata.get("tags") for c in cells] == [["mine"], [SKIP_NOW], None]


def test_a_skipped_cell_keeps_text_and_images_only_under_a_label():
    outputs = [
        {"output_type": "stream", "name": "stderr", "text": "epoch 1\n"},
        {"output_type": "display_data", "data": {"text/html": "<script>x()</script>", "text/plain": "<Figure>"}},
        {"output_type": "display_data", "data": {"application/javascript": "x()"}},
        {"output_type": "execute_result", "data": {"image/png": "iVBOR", "image/svg+xml": "<svg onload=x()>"}},
        {"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": ["..."]},
    ]
    kept = kept_outputs(outputs)
    assert [o["output_type"] for o in kept] == ["stream", "display_data", "display_data", "stream"]
    assert [sorted(o.get("data", {})) for o in kept] == [[], ["text/plain"], ["image/png"], []]
    cell = new_code_cell("plot()", outputs=kept)
    skipping.label_kept_outputs(cell)
    assert cell.outputs[0]["text"] == skipping.LABEL and len(cell.outputs) == 5


CASES = [(lesson, path) for lesson in lesson_ids() for path in notebooks(SOLUTIONS, lesson)]


@pytest.mark.parametrize(("lesson", "path"), CASES, ids=[p.name for _, p in CASES])
def test_grading_never_needs_a_demonstration_cell(lesson, path):
    """The static check: in the instructor's notebook, no cell that grading runs (the setup, the answers,
    the tests and untagged cells) reads a name that only a ``demo`` cell makes or changes, so every demo
    cell is skipped; demo cells are ordinary code cells; the heavy cells (training) are among them."""
    nb = read(path)
    demos = skipping.demo_sources(nb.cells)
    tagged = [i for i, c in enumerate(nb.cells) if TAG in c.metadata.get("tags", [])]
    assert tagged, f"{path.name}: no cell is tagged {TAG!r}"
    assert all(nb.cells[i].cell_type == "code" and not nbgrader_meta(nb.cells[i]) for i in tagged)
    skipped = cells_to_skip(nb.cells, lambda c: c.source.strip() in demos)
    assert skipped == set(tagged), f"{path.name}: demo cells that grading needs: {sorted(set(tagged) - skipped)}"
    assert any(is_answer(c) for c in nb.cells)


def test_validate_skips_the_students_demo_cells_nothing_needs():
    cells = [new_markdown_cell("# x"), *_cells("import numpy as np", "fit()", "def f():\n    return 1")]
    cells[2].metadata["tags"] = [TAG]

    class Notebook:
        pass

    nb = Notebook()
    nb.cells = cells
    skipping.mark_for_validate(nb)
    assert [SKIP_NOW in c.metadata.get("tags", []) for c in cells] == [False, False, True, False]


@pytest.mark.slow
def test_the_grader_skips_unchanged_demo_cells_keeps_their_outputs_and_ignores_the_submissions_tags(tmp_path):
    """In nbgrader autograde: an unchanged demo cell is not run, keeps the student's text/PNG outputs (no HTML)
    under the label; a demo cell the student edited runs; skip tags the submission set itself do nothing."""
    from course import TempCourse

    from autograder.notebooks import LESSONS, fill, grade_id, is_test

    lesson = "02-vanishing-gradients"
    course = TempCourse(tmp_path / "course").create([lesson])
    course.generate(lesson)
    (path,) = notebooks(SOLUTIONS, lesson)
    sub = fill(read(LESSONS / lesson / path.name), read(path))  # the release with the answers filled in
    demos = [i for i, c in enumerate(sub.cells) if TAG in c.metadata.get("tags", [])]
    edited = demos[-1]
    sub.cells[edited].source += "\nprint('edited by the student')"
    sources = skipping.demo_sources(read(path).cells)
    expected = cells_to_skip(sub.cells, lambda c: c.source.strip() in sources)
    kept = min(expected)
    sub.cells[kept].outputs = [
        new_output("stream", name="stdout", text="my own run\n"),
        new_output("display_data", data={"text/html": "<script>alert(1)</script>"}),
    ]
    course.submit("good", lesson, sub, path.name)
    blank = read(LESSONS / lesson / path.name)
    for cell in blank.cells:  # a submission that asks for its failing tests to be skipped
        if is_test(cell):
            cell.metadata["tags"] = [SKIP_NOW, TAG]
    course.submit("blank", lesson, blank, path.name)
    course.autograde(lesson)
    scores = course.scores(lesson, "good")
    assert all(s["auto_score"] == s["max_score"] for s in scores.values() if not s["manual"])
    assert all(s["auto_score"] == 0 for s in course.scores(lesson, "blank").values() if not s["manual"])
    graded = read(course.autograded("good", lesson, path.name))
    texts = ["".join(o.get("text", "")) for o in graded.cells[kept].outputs]
    assert texts[0] == skipping.LABEL and "my own run\n" in texts
    assert not any("text/html" in o.get("data", {}) for o in graded.cells[kept].outputs)
    assert any("edited by the student" in o.get("text", "") for o in graded.cells[edited].outputs)
    # exactly the cells the rule picks are skipped (the edited cell runs, and any demo cell it needs)
    assert edited not in expected
    labelled = {
        i for i, c in enumerate(graded.cells) if c.get("outputs") and c.outputs[0].get("text") == skipping.LABEL
    }
    assert labelled == expected
    tests_run = [c for c in read(course.autograded("blank", lesson, path.name)).cells if is_test(c)]
    assert all(any(o["output_type"] == "error" for o in c.outputs) for c in tests_run), [grade_id(c) for c in tests_run]
