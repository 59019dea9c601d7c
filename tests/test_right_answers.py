"""Correct answers get full marks however they are written: the right-answer catalogue, graded for real.

``solutions/<lesson>/right_answers.yaml`` (format in CONTRIBUTING.md) holds, for every exercise, at least
two correct answers written differently from the model solution, the way students write them (loops or
vectorised, ``einsum`` or ``@``, another container where the text allows it...). They are graded by
``nbgrader autograde`` with the course's configuration (sandboxed student kernel, trusted checker), as a
class would be: submission k puts the k-th right answer of every answer cell into the solution notebook,
so one lesson costs as many notebook runs as its most varied cell has answers. Every graded test cell of
every submission must score full marks.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from course import TempCourse

from autograder.exercise_map import lesson_exercises
from autograder.notebooks import (
    SOLUTIONS,
    CatalogueError,
    catalogue_path,
    cell_by_grade_id,
    grade_id,
    is_answer,
    lesson_ids,
    load_catalogue,
    read,
    strip_solution_markers,
    wrong_source,
)

# The lessons that have a right-answer catalogue so far (issue 13: every lesson will).
LESSONS = [lesson for lesson in lesson_ids() if catalogue_path(lesson, kind="right").exists()]


def test_right_answer_catalogues_exist():
    assert "03-lstm-cell" in LESSONS, LESSONS


def _by_cell(lesson: str) -> dict[str, list[dict]]:
    out = defaultdict(list)
    for ans in load_catalogue(lesson, kind="right")["answers"]:
        out[ans["cell"]].append(ans)
    return out


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_has_two_right_answers(lesson):
    """At least two correct answers per code exercise, each different from the model solution and from the others."""
    cat = load_catalogue(lesson, kind="right")
    nb = read(SOLUTIONS / lesson / cat["notebook"])
    by_cell = _by_cell(lesson)
    problems = []
    for ex in lesson_exercises(lesson):
        for gid in ex.cells:
            cell = cell_by_grade_id(nb, gid)[1]
            if cell.cell_type != "code":
                continue
            answers = by_cell.get(gid, [])
            if len(answers) < 2:
                problems.append(f"Exercise {ex.number} ({gid}): {len(answers)} right answers, at least 2 needed")
            sources = {strip_solution_markers(cell.source)}
            for ans in answers:
                src = wrong_source(cell.source, ans)
                if src in sources:
                    problems.append(f"{ans['name']!r} ({gid}) is the same code as the solution or another answer")
                sources.add(src)
    for gid in by_cell:
        idx, cell = cell_by_grade_id(nb, gid)
        if not is_answer(cell):
            raise CatalogueError(f"{lesson}: {gid} is not a solution code cell")
    assert not problems, "\n".join(problems)


def _submissions(lesson: str) -> list[tuple[object, list[dict]]]:
    """(notebook, the right answers it holds) for k = 0, 1, ...: the k-th right answer of every cell."""
    cat = load_catalogue(lesson, kind="right")
    by_cell = _by_cell(lesson)
    rounds = max((len(v) for v in by_cell.values()), default=0)
    out = []
    for k in range(rounds):
        nb = read(SOLUTIONS / lesson / cat["notebook"])
        used = []
        for gid, answers in by_cell.items():
            if k < len(answers):
                cell = cell_by_grade_id(nb, gid)[1]
                cell.source = wrong_source(cell.source, answers[k])
                used.append(answers[k])
        out.append((nb, used))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_right_answers_score_full_marks_when_graded(lesson, tmp_path):
    name = load_catalogue(lesson, kind="right")["notebook"]
    exercise_of = {gid: ex.number for ex in lesson_exercises(lesson) for gid in ex.cells + ex.tests}
    course = TempCourse(tmp_path / "course").create([lesson])
    course.generate(lesson)
    submissions = _submissions(lesson)
    for k, (nb, _) in enumerate(submissions):
        course.submit(f"right-{k}", lesson, nb, name)
    course.autograde(lesson)
    problems = []
    for k, (_, used) in enumerate(submissions):
        scores = course.scores(lesson, f"right-{k}")
        assert scores, f"right-{k} was not graded"
        graded = read(course.autograded(f"right-{k}", lesson, name))
        errors = {
            grade_id(c): [
                f"{o.get('ename')}: {str(o.get('evalue'))[:300]}"
                for o in c.get("outputs", [])
                if o.get("output_type") == "error" or o.get("name") == "stderr"
            ]
            for c in graded.cells
            if grade_id(c)
        }
        for gid, s in scores.items():
            if s["manual"] or s["auto_score"] == s["max_score"]:
                continue
            suspects = [a["name"] for a in used if exercise_of.get(a["cell"]) == exercise_of.get(gid)]
            problems.append(
                f"{gid}: {s['auto_score']}/{s['max_score']} in submission {k}, which holds "
                f"{suspects}: {errors.get(gid)}"
            )
    assert not problems, f"{lesson}: right answers that lost points when graded:\n" + "\n".join(problems)


@pytest.mark.slow
def test_a_mistake_costs_only_its_own_exercise_when_graded(tmp_path):
    """In the real grader the reference stands in for earlier exercises (judge stand-ins, as callbacks into
    the checker): lesson 03 with a wrong sigmoid (Exercise 1) and a wrong cell update (Exercise 2) loses
    exactly those exercises' points; Exercises 3 and 4, which call them, keep theirs."""
    lesson, name = "03-lstm-cell", "lstm_cell.ipynb"
    course = TempCourse(tmp_path / "course").create([lesson])
    course.generate(lesson)
    nb = read(SOLUTIONS / lesson / name)
    sigmoid = cell_by_grade_id(nb, "ex1_sigmoid")[1]
    sigmoid.source = "def sigmoid(z):\n    return np.tanh(z)"
    step = cell_by_grade_id(nb, "ex2_lstm_step_forward")[1]
    step.source = wrong_source(step.source, {"replace": [["c_t = f_t * c_prev + i_t * g_t", "c_t = i_t * g_t"]]})
    course.submit("two-mistakes", lesson, nb, name)
    course.autograde(lesson)
    scores = course.cell_scores(lesson, "two-mistakes")
    lost = sorted(gid for gid, s in scores.items() if s == 0)
    assert lost == ["test_ex1_sigmoid", "test_ex2_lstm_step_forward_gates", "test_ex2_lstm_step_forward_values"], scores
