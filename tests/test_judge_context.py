"""Wrong answers that only a test's context catches lose points in the real grader too.

Some tests run the student's function under a context: ``with np.errstate(over="raise")`` or
``warnings.catch_warnings()`` + ``simplefilter("error")`` (lesson 03's sigmoid must not overflow, lesson
08's sLSTM must stay finite). In the grader the test runs in the trusted checker and the function in the
student's kernel, so the checker sends that context with each call and replays the call's warnings under
the test's filters (:mod:`autograder.judge`). tests/test_wrong_answers.py runs the catalogue in one plain
kernel, where the context applies by itself; this test grades the catalogued wrong answers whose failing
test cells use such a context through ``nbgrader autograde`` (sandbox, checker): each must score 0 on
the cells it names, and the honest solution full marks.
"""

from __future__ import annotations

import pytest
from course import TempCourse

from autograder.notebooks import (
    SOLUTIONS,
    cell_by_grade_id,
    lesson_ids,
    load_catalogue,
    read,
    wrong_source,
)

CONTEXT = ("errstate", "catch_warnings", "simplefilter")


def _context_answers(lesson: str) -> list[dict]:
    cat = load_catalogue(lesson)
    nb = read(SOLUTIONS / lesson / cat["notebook"])
    return [
        ans
        for ans in cat["answers"]
        if any(word in cell_by_grade_id(nb, gid)[1].source for gid in ans["fails"] for word in CONTEXT)
    ]


LESSONS = [lesson for lesson in lesson_ids() if _context_answers(lesson)]


def test_the_catalogue_has_answers_that_only_a_context_catches():
    assert {"03-lstm-cell", "08-variants"} <= set(LESSONS), LESSONS


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_context_caught_wrong_answers_lose_points_when_graded(lesson, tmp_path):
    cat = load_catalogue(lesson)
    name = cat["notebook"]
    answers = _context_answers(lesson)
    course = TempCourse(tmp_path / "course").create([lesson])
    course.generate(lesson)
    solution = read(SOLUTIONS / lesson / name)
    course.submit("solution", lesson, solution, name)
    for k, ans in enumerate(answers):
        nb = read(SOLUTIONS / lesson / name)
        cell = cell_by_grade_id(nb, ans["cell"])[1]
        cell.source = wrong_source(cell.source, ans)
        course.submit(f"wrong-{k:02d}", lesson, nb, name)
    course.autograde(lesson)
    full = course.cell_scores(lesson, "solution")
    problems = [f"the solution scores {full}"] if any(v == 0 for v in full.values()) else []
    for k, ans in enumerate(answers):
        got = course.cell_scores(lesson, f"wrong-{k:02d}")
        kept = {gid: got.get(gid) for gid in ans["fails"] if got.get(gid) != 0}
        if kept:
            problems.append(f"{ans['name']!r} still scores {kept}")
    assert not problems, f"{lesson}, graded by nbgrader with the checker:\n" + "\n".join(problems)
