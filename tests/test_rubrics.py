"""Every written answer has a rubric: points per criterion, in the source and in front of the grader.

The cell just before a written-answer cell (``written_<name>``) is a read-only nbgrader cell
``rubric_written_<name>`` (``locked``: autograding restores it from the source, so a student cannot
edit what the grader reads in the formgrader). It holds the question and a rubric::

    **Rubric (2 points)**
    - 1 point: ...
    - 1 point: ...

whose criteria add up to the written cell's points.
"""

from __future__ import annotations

import re

import pytest

from autograder.notebooks import SOLUTIONS, grade_id, is_written, lesson_ids, nbgrader_meta, notebooks, points, read

HEADER = re.compile(r"\*\*Rubric \((\d+(?:\.\d+)?) points?\)\*\*")
CRITERION = re.compile(r"^\s*[-*] (\d+(?:\.\d+)?) points?: \S", re.M)


def _written(lesson):
    for path in notebooks(SOLUTIONS, lesson):
        nb = read(path)
        for i, cell in enumerate(nb.cells):
            if is_written(cell):
                yield path.name, nb.cells[i - 1] if i else None, cell


@pytest.mark.parametrize("lesson", lesson_ids())
def test_every_written_answer_has_a_rubric(lesson):
    problems = []
    for name, before, cell in _written(lesson):
        gid = grade_id(cell)
        want = f"rubric_{gid}"
        meta = nbgrader_meta(before) if before is not None else {}
        if before is None or before.cell_type != "markdown" or grade_id(before) != want:
            problems.append(f"{name}: {gid} needs the read-only cell {want} just before it")
            continue
        if not (meta.get("locked") and not meta.get("grade") and not meta.get("solution")):
            problems.append(f"{name}: {want} must be read-only (locked, not graded, not a solution)")
        header = HEADER.search(before.source)
        criteria = [float(p) for p in CRITERION.findall(before.source)]
        if not header or float(header.group(1)) != points(cell):
            problems.append(f"{name}: {want} needs '**Rubric ({points(cell):g} points)**' ({gid} is worth that)")
        if len(criteria) < 2 or sum(criteria) != points(cell):
            problems.append(
                f"{name}: {want}'s criteria ('- N point(s): ...') add up to {sum(criteria):g}, not {points(cell):g}"
            )
        if re.search(r"\bGrading:", cell.source):
            problems.append(f"{name}: {gid}'s model answer still holds its grading notes: they belong in {want}")
    assert not problems, "\n".join(problems)


def test_every_lesson_with_a_written_question_is_checked():
    assert sum(1 for lesson in lesson_ids() for _ in _written(lesson)) >= 8
