"""`make grade-demo` on one lesson: the whole nbgrader cycle, and every simulated student's expected scores."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import nbformat
import pytest

from autograder import classroom
from autograder.classroom import COURSE_ID, STUDENTS, is_solution, is_test, load_catalogue, nbg

REPO = Path(__file__).resolve().parent.parent
LESSON = "01-sequences"
pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    if not any((REPO / "solutions" / LESSON).glob("*.ipynb")):
        pytest.skip(f"solutions/{LESSON} is not there yet")
    root = tmp_path_factory.mktemp("demo") / "course"
    course = classroom.run([LESSON], root, timeout=20, workers=2)
    return course


def _order(lesson: str):
    """(solution notebook, [(grade_id, points, index of the last solution cell before it)] for test cells)."""
    out = []
    for path in sorted((REPO / "solutions" / lesson).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        last_solution = None
        for cell in nb.cells:
            if is_solution(cell) and cell.cell_type == "code":
                last_solution = nbg(cell)["grade_id"]
            elif is_test(cell):
                out.append((nbg(cell)["grade_id"], float(nbg(cell)["points"]), last_solution, path.name))
    return out


def test_every_student_scores_as_expected(demo):
    tests = _order(LESSON)
    full = {gid: pts for gid, pts, _, _ in tests}
    solutions = [nbg(c)["grade_id"] for p in sorted((REPO / "solutions" / LESSON).glob("*.ipynb"))
                 for c in nbformat.read(p, as_version=4).cells if is_solution(c) and c.cell_type == "code"]
    filled = set(solutions[: math.ceil(len(solutions) / 2)])
    scores = {s: demo.cell_scores(LESSON, s) for s in STUDENTS}

    assert scores["ada"] == full, "the correct student must get full marks"
    assert all(v == 0 for v in scores["cleo"].values()), scores["cleo"]
    partial = {gid: (pts if last in filled else 0.0) for gid, pts, last, _ in tests}
    assert scores["ben"] == partial
    assert scores["eve"] == partial, "tampered tests and points must be restored and graded as ben's"

    answer = (load_catalogue(LESSON) or {"answers": []})["answers"][0]
    for gid in answer["fails"]:
        assert scores["dan"][gid] == 0, f"the wrong answer {answer['name']!r} must fail {gid}"
    before = solutions.index(answer["cell"])
    for gid, pts, last, _ in tests:
        if last in solutions[:before]:
            assert scores["dan"][gid] == pts
    assert sum(scores["dan"].values()) < sum(full.values())

    first = solutions[0]
    for gid, pts, last, _ in tests:
        if last == first:
            assert scores["hal"][gid] == 0, f"hal's first exercise never ran: {gid}"
    assert 0 < sum(scores["hal"].values()) < sum(full.values()), "the rest of hal's notebook is still graded"


def test_csv_and_feedback(demo):
    rows = list(csv.DictReader(open(demo.root / "grades.csv")))
    assert sorted(r["student_id"] for r in rows if r["assignment"] == LESSON) == sorted(STUDENTS)
    totals = {s: sum(demo.cell_scores(LESSON, s).values()) for s in STUDENTS}
    for r in rows:
        # export includes the (ungraded, 0) written answers: raw_score is the autograded part
        assert math.isclose(float(r["raw_score"]), totals[r["student_id"]]), r
    for student in STUDENTS:
        fetched = list((demo.root / "students" / student / COURSE_ID / LESSON / "feedback").rglob("*.html"))
        assert len(fetched) == len(list((REPO / "solutions" / LESSON).glob("*.ipynb"))), (student, fetched)
        text = fetched[0].read_text()
        assert "BEGIN HIDDEN TESTS" not in text
    # Each student fetched their own feedback, not somebody else's.
    ada = next((demo.root / "students" / "ada" / COURSE_ID / LESSON / "feedback").rglob("*.html")).read_text()
    cleo = next((demo.root / "students" / "cleo" / COURSE_ID / LESSON / "feedback").rglob("*.html")).read_text()
    assert ada != cleo and "NotImplementedError" in cleo and "NotImplementedError" not in ada
