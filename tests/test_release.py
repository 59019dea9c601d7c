"""lessons/ is exactly what nbgrader makes from solutions/, and gives nothing away."""

from __future__ import annotations

import re

import pytest

from course import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    LESSONS,
    SOLUTIONS,
    TempCourse,
    all_notebooks,
    is_solution,
    is_written,
    lesson_ids,
    nbg,
    notebooks,
    read,
    regions,
)


def _cells(nb):
    return [(c.cell_type, c.source, nbg(c)) for c in nb.cells]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", lesson_ids())
def test_lessons_in_sync_with_solutions(lesson, tmp_path):
    """The committed release equals a fresh `nbgrader generate_assignment` (cell sources and nbgrader metadata)."""
    course = TempCourse(tmp_path / "course").create([lesson])
    fresh = course.generate(lesson)
    committed = notebooks(LESSONS, lesson)
    assert [p.name for p in committed] == [p.name for p in sorted(fresh.glob("*.ipynb"))]
    for path in committed:
        want, got = _cells(read(fresh / path.name)), _cells(read(path))
        assert len(got) == len(want), f"{path.name}: {len(got)} cells released, generate_assignment makes {len(want)}: run `make lessons`"
        for i, (g, w) in enumerate(zip(got, want)):
            assert g == w, f"lessons/{lesson}/{path.name} cell {i} differs from generate_assignment's: run `make lessons` (never edit lessons/ by hand)"


# Lines too generic to count as giving an answer away when they also occur in released code.
TRIVIAL = re.compile(r"^(\W*|pass|return|else:|try:|finally:|break|continue|\w{1,6}|return \w{1,4}|#.{0,12})$")


def _secret_lines(nb):
    """(kind, grade_id, line) for every line of every solution region and hidden-test region."""
    out = []
    for cell in nb.cells:
        gid = nbg(cell).get("grade_id", "?")
        if is_solution(cell):
            found = regions(cell.source, BEGIN_SOLUTION, END_SOLUTION)
            if not found and (is_written(cell) or cell.cell_type == "markdown"):
                found = [cell.source.splitlines()]  # a written answer's whole source is its model answer
            for region in found:
                out += [("solution", gid, l.strip()) for l in region]
        for region in regions(cell.source, BEGIN_HIDDEN, END_HIDDEN):
            out += [("hidden test", gid, l.strip()) for l in region]
    return [(k, g, l) for k, g, l in out if l and not TRIVIAL.match(l)]


RELEASED = {
    p: {l.strip() for c in read(p).cells for l in c.source.splitlines()} for p in all_notebooks(LESSONS)
}


@pytest.mark.parametrize("path", all_notebooks(SOLUTIONS), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_solution_or_hidden_test_in_lessons(path):
    """No line of any solution region or hidden test appears anywhere in lessons/ (nor the markers)."""
    secrets = _secret_lines(read(path))
    assert secrets, f"{path.name}: found no solution or hidden-test lines to check"
    leaks = []
    for released, lines in RELEASED.items():
        text = "\n".join(lines)
        for marker in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN):
            assert marker not in text, f"{released}: contains {marker!r}"
        leaks += [f"{released.parent.name}/{released.name}: {kind} line of {gid}: {line!r}"
                  for kind, gid, line in secrets if line in lines]
    assert not leaks, "solution/hidden-test lines visible to students:\n" + "\n".join(leaks[:30])
