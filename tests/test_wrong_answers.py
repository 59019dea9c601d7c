"""Plausible wrong answers lose points, name their mistake, and cost only their own exercise.

The catalogue is ``solutions/<lesson>/wrong_answers.yaml`` (format in CONTRIBUTING.md), read and applied
by :mod:`autograder.notebooks` exactly as ``make grade-demo`` applies it. For speed each solution notebook
runs once in one kernel; then each wrong answer replaces its solution cell, and that cell and every later
graded test cell are run again (test cells are self-contained, so the demo cells in between are not
needed). Every cell the answer names in ``fails`` must get zero points by nbgrader's own rule
(``nbgrader.utils.determine_grade``), one of their messages must match the answer's ``message``, and every
later test cell of *another* exercise must keep full marks: a mistake costs only its own exercise (later
exercises' tests use the reference for what earlier ones built, ``helpers.grading.Exercise.alone``).
Then the correct cell is run again, which must restore full points before the next wrong answer.
Each right answer (``right_answers.yaml``) is run the same way and must keep full marks everywhere. The
whole run is made twice: with the lesson's demonstration cells run, and skipped as the grader skips them
(``autograder.skipping``); the verdicts must be the same.
"""

from __future__ import annotations

import copy
import re

import nbformat
import pytest
from course import error_outputs
from nbclient import NotebookClient
from nbgrader.utils import determine_grade

from autograder import skipping
from autograder.exercise_map import lesson_exercises
from autograder.notebooks import (
    SOLUTIONS,
    CatalogueError,
    cell_by_grade_id,
    grade_id,
    is_answer,
    is_test,
    lesson_ids,
    load_catalogue,
    read,
    strip_solution_markers,
    wrong_source,
)


@pytest.mark.parametrize("lesson", lesson_ids())
def test_catalogue_covers_every_test_cell(lesson):
    """A test cell that no wrong answer can fail is a defect: every one is named by some entry."""
    cat = load_catalogue(lesson)
    nb = read(SOLUTIONS / lesson / cat["notebook"])
    tests = {grade_id(c) for c in nb.cells if is_test(c)}
    named = set()
    for ans in cat["answers"]:
        idx, cell = cell_by_grade_id(nb, ans["cell"])
        assert is_answer(cell), f"{ans['name']!r}: {ans['cell']} is not a solution code cell"
        wrong = wrong_source(cell.source, ans)  # a replace pattern that does not match exactly once raises
        assert wrong != strip_solution_markers(cell.source), f"{ans['name']!r} changes nothing"
        for gid in ans["fails"]:
            fidx, fcell = cell_by_grade_id(nb, gid)
            assert is_test(fcell), f"{ans['name']!r}: {gid} is not an autograded test cell"
            assert fidx > idx, f"{ans['name']!r}: {gid} comes before {ans['cell']}"
        named |= set(ans["fails"])
    assert not tests - named, f"{lesson}: test cells with no wrong answer in the catalogue: {sorted(tests - named)}"


@pytest.mark.parametrize("lesson", lesson_ids())
def test_every_wrong_answer_names_its_mistake(lesson):
    """Each wrong answer says which feedback it must get (``message``, a regular expression), and fails only
    cells of its own exercise: the runner below checks both."""
    exercise_of = {gid: ex.number for ex in lesson_exercises(lesson) for gid in ex.cells + ex.tests}
    problems = []
    for ans in load_catalogue(lesson)["answers"]:
        if not ans.get("message"):
            problems.append(f"{ans['name']!r} has no `message`")
        own = exercise_of.get(ans["cell"])
        others = [gid for gid in ans["fails"] if exercise_of.get(gid) != own]
        if others:
            problems.append(f"{ans['name']!r} ({ans['cell']}) names test cells of another exercise: {others}")
    assert not problems, "\n".join(problems)


def test_replace_must_match_exactly_once():
    """One rule for the catalogue everywhere: a replace pattern that matches 0 or 2 times is an error."""
    source = "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y + 1\n    ### END SOLUTION"
    answer = {"name": "n", "cell": "ex1_f", "fails": ["test_ex1_f"]}
    assert wrong_source(source, {**answer, "replace": [["y = x + 1", "y = x"]]}) == (
        "def f(x):\n    y = x\n    return y + 1"
    )
    for pattern in ("not in the answer", "+ 1"):
        with pytest.raises(CatalogueError, match="exactly once"):
            wrong_source(source, {**answer, "replace": [[pattern, "?"]]})
    assert wrong_source(source, {**answer, "source": "def f(x):\n    return x"}) == "def f(x):\n    return x"


def test_catalogue_lives_beside_its_lesson():
    """Each lesson's catalogue is solutions/<lesson>/wrong_answers.yaml and names a notebook of that lesson."""
    for lesson in lesson_ids():
        cat = load_catalogue(lesson)
        assert (SOLUTIONS / lesson / cat["notebook"]).exists(), f"{lesson}: no notebook {cat['notebook']}"


# As in the grader's checker (autograder.judge.install): a warning is shown on stdout, not stderr, since
# nbgrader scores any stderr output 0. A test that forbids warnings turns them into errors itself.
WARNINGS_ON_STDOUT = (
    "import warnings, autograder.judge\nwarnings.showwarning = autograder.judge._show_warning_on_stdout"
)


def _errors(cell) -> list[str]:
    return [f"{o.get('ename')}: {o.get('evalue')}" for o in cell.outputs if o.get("output_type") == "error"]


def _skipped_for_every_answer(nb, answers) -> set[int]:
    """The demonstration cells the grader skips whichever catalogued answer is in (autograder.skipping)."""
    demos = skipping.demo_sources(nb.cells)
    skip = skipping.cells_to_skip(nb.cells, lambda c: c.source.strip() in demos)
    for ans in answers:
        variant = copy.deepcopy(nb.cells)
        idx = cell_by_grade_id(nb, ans["cell"])[0]
        variant[idx].source = wrong_source(nb.cells[idx].source, ans)
        skip &= skipping.cells_to_skip(variant, lambda c: c.source.strip() in demos)
    return skip


@pytest.mark.slow
@pytest.mark.parametrize("demos", ["run", "skipped"])
@pytest.mark.parametrize("lesson", lesson_ids())
def test_wrong_answers_lose_points(lesson, demos):
    """Each wrong answer scores 0 on the cells it names, with a message naming its mistake (``message``),
    and costs nothing outside its own exercise: every later test cell of another exercise keeps full marks.
    Each right answer (``right_answers.yaml``) keeps full marks on every later test cell. Both with the
    lesson's demonstration cells run and skipped as the grader skips them: the verdicts are the same."""
    cat = load_catalogue(lesson)
    right = load_catalogue(lesson, kind="right")["answers"]
    path = SOLUTIONS / lesson / cat["notebook"]
    nb = read(path)
    skip = _skipped_for_every_answer(nb, [*cat["answers"], *right]) if demos == "skipped" else set()
    exercise_of = {gid: ex.number for ex in lesson_exercises(lesson) for gid in ex.cells + ex.tests}
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        resources={"metadata": {"path": str(path.parent)}},
    )
    problems = []
    with client.setup_kernel():
        client.execute_cell(nbformat.v4.new_code_cell(WARNINGS_ON_STDOUT), 0)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and i not in skip:
                client.execute_cell(cell, i)
        assert not error_outputs(nb), f"the solution of {lesson} raised: {error_outputs(nb)}"
        # nbclient stores each executed cell back into client.nb, so keep the correct cells apart.
        original = copy.deepcopy(nb.cells)
        tests = [i for i, c in enumerate(original) if is_test(c)]

        def grades(idx, source, gids):
            """Run the answer cell ``idx`` (with ``source``, or its own) and the test cells ``gids`` after it:
            {grade_id: (score, max score, error messages)}."""
            answer = copy.deepcopy(original[idx])
            if source is not None:
                answer.source = source
            client.execute_cell(answer, idx)
            out = {}
            for gid in gids:
                i = cell_by_grade_id(nb, gid)[0]
                cell = copy.deepcopy(original[i])
                client.execute_cell(cell, i)
                out[gid] = (*determine_grade(cell), _errors(cell))
            return out

        for ans in cat["answers"]:
            idx = cell_by_grade_id(nb, ans["cell"])[0]
            own = exercise_of.get(ans["cell"])
            later = [grade_id(original[i]) for i in tests if i > idx]
            wrong = wrong_source(original[idx].source, ans)
            got = grades(idx, wrong, later)
            for gid in ans["fails"]:
                score, max_score, _ = got[gid]
                if score != 0:
                    problems.append(f"{ans['name']!r} ({ans['cell']}) still scores {score}/{max_score} on {gid}")
            messages = [e for gid in ans["fails"] for e in got[gid][2]]
            if "message" in ans and not any(re.search(ans["message"], m, re.I | re.S) for m in messages):
                problems.append(f"{ans['name']!r}: no message of {ans['fails']} matches {ans['message']!r}: {messages}")
            for gid in later:
                score, max_score, errs = got[gid]
                if exercise_of.get(gid) != own and score != max_score:
                    problems.append(
                        f"{ans['name']!r} (Exercise {own}) costs {gid} (Exercise {exercise_of.get(gid)}) "
                        f"{max_score - score} points: {errs}"
                    )
            # Restore the correct definitions; the named cells must pass again.
            for gid, (score, max_score, errs) in grades(idx, None, ans["fails"]).items():
                assert score == max_score, f"after restoring the solution, {gid} fails: {errs}"
        for ans in right:
            idx = cell_by_grade_id(nb, ans["cell"])[0]
            got = grades(
                idx, wrong_source(original[idx].source, ans), [grade_id(original[i]) for i in tests if i > idx]
            )
            problems += [
                f"right answer {ans['name']!r} ({ans['cell']}) scores {score}/{max_score} on {gid}: {errs}"
                for gid, (score, max_score, errs) in got.items()
                if score != max_score
            ]
            grades(idx, None, [])
    assert not problems, f"{lesson}: wrong answers that do not lose points, or cost another exercise:\n" + "\n".join(
        problems
    )
