"""The exercise map in CONTRIBUTING.md (lesson -> exercise -> reference -> its tests -> its wrong answers) is true."""

from __future__ import annotations

import sys

from autograder import exercise_map as em
from autograder.notebooks import REPO, SOLUTIONS, grade_id, is_answer, lesson_ids, notebooks, read

sys.path.insert(0, str(REPO / "tests" / "bad_submissions"))
import tiny_lesson  # noqa: E402

EXERCISES = em.exercise_map()


def test_contributing_holds_the_generated_map():
    """CONTRIBUTING.md's table is exactly what `make exercise-map` generates from the lessons, helpers and tests."""
    found = em.current_block(em.CONTRIBUTING.read_text())
    assert found is not None, f"CONTRIBUTING.md has no {em.BEGIN} ... {em.END} section: run `make exercise-map`"
    assert found == em.block(em.render(EXERCISES)), (
        "the exercise map in CONTRIBUTING.md is out of date: run `make exercise-map`"
    )


def test_references_say_where_they_are_defined():
    """Each exercise's reference is one function of helpers/ whose docstring names the lesson and exercise."""
    problems = em.docstring_problems(EXERCISES)
    assert not problems, "\n".join(problems)


def test_every_exercise_is_complete():
    """Every exercise has an answer cell defining a function, graded test cells and wrong answers; a reference
    has unit tests; at least two right answers; and no answer cell of a lesson sits outside an exercise."""
    for lesson in lesson_ids():
        mine = [ex for ex in EXERCISES if ex.lesson == lesson]
        assert mine, f"{lesson}: no `## Exercise N — ... (k points)` heading found"
        assert [ex.number for ex in mine] == list(range(1, len(mine) + 1)), (
            f"{lesson}: exercises not numbered 1, 2, ..."
        )
        answers = [grade_id(c) for p in notebooks(SOLUTIONS, lesson) for c in read(p).cells if is_answer(c)]
        mapped = [c for ex in mine for c in ex.cells]
        assert sorted(answers) == sorted(mapped), (
            f"{lesson}: answer cells outside any exercise: {set(answers) - set(mapped)}"
        )
    for ex in EXERCISES:
        where = f"{ex.lesson} Exercise {ex.number}"
        assert ex.cells and ex.functions, f"{where}: no answer cell defining a function"
        assert ex.tests and ex.points > 0, f"{where}: no autograded test cell"
        assert ex.wrong_answers > 0, f"{where}: no wrong answer in the catalogue"
        assert ex.right_answers >= 2, f"{where}: fewer than two right answers in the catalogue"
        for name, refs in ex.references.items():
            if refs:
                assert ex.helper_tests[name], f"{where}: the reference {refs[0]} has no unit test in tests/"


def test_generator_on_a_tiny_course(tmp_path):
    """The generator finds the exercise, its reference, the reference's tests, the wrong answers and a bad docstring."""
    tiny_lesson.write(tmp_path)
    helpers, tests = tmp_path / "helpers", tmp_path / "tests"
    helpers.mkdir()
    tests.mkdir()
    (helpers / "stats.py").write_text(
        'def mean_state(h):\n    """Mean over time.\n\n'
        '    Defined in lesson 00, Exercise 1 (lessons/00-tiny/tiny.ipynb).\n    """\n'
        "    return h.mean(axis=1)\n\n\n"
        'def squash(x):\n    """tanh, defined nowhere."""\n'
    )
    (tests / "test_stats.py").write_text(
        "from helpers import stats\n\n\ndef test_mean():\n    assert stats.mean_state\n\n\n"
        "def test_other():\n    pass\n"
    )
    (tests / "test_plumbing.py").write_text("def test_mean_state_without_helpers():\n    mean_state = 1\n")
    exercises = em.exercise_map(tmp_path / "solutions", helpers, tests)
    assert [(ex.number, ex.title, ex.cells, ex.functions, ex.tests, ex.points) for ex in exercises] == [
        (1, "mean state", ["ex1_mean_state"], ["mean_state"], ["test_ex1_mean_state"], 2.0),
        (2, "squash", ["ex2_squash"], ["squash"], ["test_ex2_squash"], 1.0),
    ]
    one, two = exercises
    assert one.references == {"mean_state": ["helpers.stats.mean_state"]}
    assert one.helper_tests == {"mean_state": ["test_stats.py::test_mean"]}
    assert (one.wrong_answers, two.wrong_answers) == (1, 0)
    assert em.docstring_problems(exercises, helpers) == [
        'helpers.stats.squash: its docstring lacks the line "Defined in lesson 00, Exercise 2 '
        '(lessons/00-tiny/tiny.ipynb)."'
    ]
    table = em.render(exercises)
    assert (
        "| `00-tiny` | 1 — mean state | `ex1_mean_state` → `mean_state` | 2 | `test_ex1_mean_state` | "
        "`helpers.stats.mean_state` | `test_stats.py`: test_mean | 1 | 0 |" in table
    )
    doc = tmp_path / "CONTRIBUTING.md"
    doc.write_text("# Contributing\n")
    assert em.write(doc, exercises) and not em.write(doc, exercises)
    assert em.current_block(doc.read_text()) == em.block(table)
