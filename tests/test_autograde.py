"""The autograder, proven: solutions score full marks, untouched lessons score zero, and the grader finishes."""

from __future__ import annotations

import pytest
from course import TempCourse, error_outputs

from autograder.notebooks import LESSONS, SOLUTIONS, grade_id, is_test, lesson_ids, notebooks, points, read


@pytest.mark.slow
@pytest.mark.parametrize("lesson", lesson_ids())
def test_autograde_solution_full_marks_and_blank_zero(lesson, tmp_path):
    course = TempCourse(tmp_path / "course").create([lesson])
    course.generate(lesson)
    for path in notebooks(SOLUTIONS, lesson):
        course.submit("solution", lesson, path, path.name)
    for path in notebooks(LESSONS, lesson):
        course.submit("blank", lesson, path, path.name)
    course.autograde(lesson)

    # The solution notebook, run by the grader in the course's kernel, runs top to bottom without error.
    for path in notebooks(SOLUTIONS, lesson):
        graded = read(course.autograded("solution", lesson, path.name))
        assert not error_outputs(graded), f"{lesson}/{path.name} raised while autograded: {error_outputs(graded)}"

    expected = {grade_id(c): points(c) for p in notebooks(SOLUTIONS, lesson) for c in read(p).cells if is_test(c)}
    assert expected, f"{lesson} has no autograded test cell"

    full = course.scores(lesson, "solution")
    for gid, pts in expected.items():
        assert full[gid]["max_score"] == pts
        assert full[gid]["auto_score"] == pts, f"solution lost points on {gid}: {full[gid]}"

    blank = course.scores(lesson, "blank")
    for gid in expected:
        assert blank[gid]["auto_score"] == 0, (
            f"the untouched lesson scores on {gid}: a test that passes without an answer"
        )
    assert all(course.autograded("blank", lesson, p.name).exists() for p in notebooks(LESSONS, lesson))
