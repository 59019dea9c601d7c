"""`make grade-demo` on one lesson: the whole nbgrader cycle, and every simulated student's expected scores."""

from __future__ import annotations

import csv
import math

import nbformat
import pytest

from autograder import classroom
from autograder.classroom import COURSE_ID, STUDENTS
from autograder.notebooks import REPO, SOLUTIONS, grade_id, is_answer, is_test, load_catalogue, notebooks, points

LESSON = "01-sequences"
pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "course"
    course = classroom.run([LESSON], root, timeout=None, workers=2, solution_timeout=20)
    return course


def _order(lesson: str):
    """(solution notebook, [(grade_id, points, index of the last solution cell before it)] for test cells)."""
    out = []
    for path in notebooks(SOLUTIONS, lesson):
        nb = nbformat.read(path, as_version=4)
        last_solution = None
        for cell in nb.cells:
            if is_answer(cell):
                last_solution = grade_id(cell)
            elif is_test(cell):
                out.append((grade_id(cell), points(cell), last_solution, path.name))
    return out


def test_every_student_scores_as_expected(demo):
    tests = _order(LESSON)
    full = {gid: pts for gid, pts, _, _ in tests}
    solutions = [
        grade_id(c) for p in notebooks(SOLUTIONS, LESSON) for c in nbformat.read(p, as_version=4).cells if is_answer(c)
    ]
    filled = set(solutions[: math.ceil(len(solutions) / 2)])
    scores = {s: demo.cell_scores(LESSON, s) for s in STUDENTS}

    assert scores["ada"] == full, "the correct student must get full marks"
    assert all(v == 0 for v in scores["cleo"].values()), scores["cleo"]
    partial = {gid: (pts if last in filled else 0.0) for gid, pts, last, _ in tests}
    assert scores["ben"] == partial
    assert scores["eve"] == partial, "tampered tests and points must be restored and graded as ben's"

    answer = load_catalogue(LESSON)["answers"][0]
    for gid in answer["fails"]:
        assert scores["dan"][gid] == 0, f"the wrong answer {answer['name']!r} must fail {gid}"
    before = solutions.index(answer["cell"])
    for gid, pts, last, _ in tests:
        if last in solutions[:before]:
            assert scores["dan"][gid] == pts
    assert sum(scores["dan"].values()) < sum(full.values())

    first = solutions[0]
    for gid, _pts, last, _ in tests:
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
        assert len(fetched) == len(notebooks(SOLUTIONS, LESSON)), (student, fetched)
        text = fetched[0].read_text()
        assert "BEGIN HIDDEN TESTS" not in text
    # Each student fetched their own feedback, not somebody else's.
    ada = next((demo.root / "students" / "ada" / COURSE_ID / LESSON / "feedback").rglob("*.html")).read_text()
    cleo = next((demo.root / "students" / "cleo" / COURSE_ID / LESSON / "feedback").rglob("*.html")).read_text()
    assert ada != cleo and "NotImplementedError" in cleo and "NotImplementedError" not in ada


# -- a PostgreSQL gradebook (db_url), for large classes (the `postgres` fixture is in conftest.py) -----
def test_postgresql_gradebook(postgres, tmp_path):
    """nbgrader with db_url on PostgreSQL: generate, autograde two workers in parallel, read the scores."""
    import sys as _sys

    _sys.path.insert(0, str(REPO / "tests" / "bad_submissions"))
    import tiny_lesson

    from autograder.grade_parallel import autograde_students

    course = classroom.Course(tmp_path / "course", timeout=20).create([])
    course.env["LSTM_COURSE_DB"] = postgres
    tiny_lesson.write(course.root)
    lesson, name = tiny_lesson.LESSON, tiny_lesson.NOTEBOOK
    course.nbgrader("generate_assignment", lesson, "--force")
    kinds = {"p1": "correct", "p2": "blank", "p3": "correct", "p4": "partial"}
    for student, kind in kinds.items():
        nb = classroom.student_notebook(
            kind, course.root / "lessons" / lesson / name, course.root / "solutions" / lesson / name, lesson
        )
        dest = course.root / ".course" / "submitted" / student / lesson
        dest.mkdir(parents=True)
        nbformat.write(nb, dest / name)
    results = autograde_students(course.root, course.env, sorted(kinds), workers=2, lessons=lesson)
    assert sorted((g.student, g.status) for g in results) == [(s, "graded") for s in sorted(kinds)], [
        g.tail[-2000:] for g in results
    ]
    assert not (course.root / ".course" / "gradebook.db").exists(), "the SQLite gradebook must not be used"
    got = {s: course.cell_scores(lesson, s) for s in kinds}
    assert got["p1"] == got["p3"] == {"test_ex1_mean_state": 2.0, "test_ex2_squash": 1.0}
    assert got["p2"] == {"test_ex1_mean_state": 0.0, "test_ex2_squash": 0.0}
    assert got["p4"] == {"test_ex1_mean_state": 2.0, "test_ex2_squash": 0.0}


def test_grade_report_opens_in_a_browser(demo, tmp_path):
    """`make report` for the grade-demo class: the page has its plots and tables, names the catalogued
    mistake dan made, lists hal's timed-out cell, and opens in headless Chromium without console errors."""
    from test_browser import CHROMIUM_ARGS, ensure_chromium

    from autograder import report

    page_path = report.write(demo.root, tmp_path / "report.html", flags=True)
    text = page_path.read_text()
    mistake = load_catalogue(LESSON)["answers"][0]["name"]
    assert mistake in text and "17 % of the class" in text, "dan's mistake, 1 student of 6"
    data = report.collect(demo.root, flags=False)
    assert sorted(data.students) == sorted(STUDENTS) and len(data.tasks) == len(STUDENTS)
    assert any(s == "hal" for s, _, _ in data.timeouts), data.timeouts
    ada = {it.cell: it.scores["ada"] for it in data.items}
    assert all(ada[it.cell] == it.max_score for it in data.items), "ada passes every cell"
    chromium = ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_path.as_uri())
        widths = page.eval_on_selector_all("img.plot", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
        headings = page.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent)")
        browser.close()
    assert errors == []
    assert len(widths) >= 3 and all(w > 100 for w in widths), widths  # scores, item analysis, times
    assert headings == [
        "Scores per lesson",
        "Item analysis: who passed each graded cell",
        "Named mistakes",
        "Slow or timed-out notebooks",
        "Flags",
    ]
