"""Static checks of every notebook in solutions/ and lessons/: format, outputs, nbgrader metadata, skeleton."""

from __future__ import annotations

import re

import nbformat
import pytest

from course import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    LESSONS,
    REPO,
    SOLUTIONS,
    all_notebooks,
    is_autograded_test,
    is_solution,
    is_written,
    lesson_ids,
    nbg,
    read,
)

ALL = all_notebooks(SOLUTIONS) + all_notebooks(LESSONS)
GRADE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def rel(p):
    return str(p.relative_to(REPO))


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_valid_nbformat_without_outputs(path):
    """Every notebook is valid nbformat 4 and is stored without outputs or execution counts."""
    nb = read(path)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{rel(path)} cell {i} has outputs: strip them (python -m autograder.strip)"
            assert cell.execution_count is None, f"{rel(path)} cell {i} has an execution count: strip it"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{rel(path)}: kernelspec must be python3"


@pytest.mark.parametrize("path", all_notebooks(SOLUTIONS), ids=rel)
def test_nbgrader_metadata(path):
    """Graded cells have unique, well-formed grade_ids and points; solution and test cells are marked up."""
    nb = read(path)
    ids = []
    graded = 0
    for i, cell in enumerate(nb.cells):
        m = nbg(cell)
        if not m:
            continue
        assert m.get("schema_version") == 3, f"{rel(path)} cell {i}: nbgrader schema_version must be 3"
        gid = m.get("grade_id")
        assert gid and GRADE_ID.match(gid), f"{rel(path)} cell {i}: bad grade_id {gid!r}"
        ids.append(gid)
        if m.get("grade"):
            graded += 1
            pts = m.get("points")
            assert isinstance(pts, (int, float)) and pts > 0, f"{rel(path)} {gid}: graded cell needs points > 0"
        if is_autograded_test(cell):
            assert m.get("locked"), f"{rel(path)} {gid}: test cells must be locked"
            first = cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""
            assert first.startswith(('"""', "'''", "#")), (
                f"{rel(path)} {gid}: a test cell starts with a one-line docstring saying what it checks"
            )
        if is_solution(cell) and cell.cell_type == "code":
            assert BEGIN_SOLUTION in cell.source and END_SOLUTION in cell.source, (
                f"{rel(path)} {gid}: solution cells wrap the answer in {BEGIN_SOLUTION} / {END_SOLUTION}"
            )
        if BEGIN_HIDDEN in cell.source:
            assert is_autograded_test(cell) and END_HIDDEN in cell.source, f"{rel(path)} {gid}: hidden tests only in test cells"
    assert len(ids) == len(set(ids)), f"{rel(path)}: duplicate grade_ids {sorted(i for i in ids if ids.count(i) > 1)}"
    assert graded > 0, f"{rel(path)} has no graded cell"


@pytest.mark.parametrize("path", all_notebooks(SOLUTIONS), ids=rel)
def test_lesson_skeleton(path):
    """Each lesson says what you will learn, has exercises with points, and ends with key takeaways."""
    nb = read(path)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown").lower()
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.lstrip().startswith("# "), "starts with a title"
    assert "what you will learn" in md, "opens with 'What you will learn'"
    assert "key takeaways" in md, "ends with 'Key takeaways'"
    assert re.search(r"## exercise \d+.*\(\d+ points?\)", md), "exercises are headed '## Exercise N — … (k points)'"
    assert any(is_written(c) or is_autograded_test(c) for c in nb.cells)


def test_every_lesson_is_released():
    """lessons/ holds exactly the lessons of solutions/ (same folders, same notebook names)."""
    released = sorted(p.name for p in LESSONS.glob("[0-9][0-9]-*") if p.is_dir())
    assert released == lesson_ids(), "run `make lessons`: lessons/ and solutions/ hold different lessons"
    for lesson in lesson_ids():
        names = lambda root: sorted(p.name for p in (root / lesson).glob("*.ipynb"))
        assert names(LESSONS) == names(SOLUTIONS), f"{lesson}: notebooks differ between solutions/ and lessons/"
