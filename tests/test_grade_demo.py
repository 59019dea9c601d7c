"""`make grade-demo` on one lesson: the whole nbgrader cycle, and every simulated student's expected scores."""

from __future__ import annotations

import csv
import math
from pathlib import Path

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


# -- a PostgreSQL gradebook (db_url), for large classes ----------------------------------------------
def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


@pytest.fixture
def postgres(tmp_path):
    """A throw-away PostgreSQL server on a Unix socket; yields the SQLAlchemy URL of an empty database."""
    import os
    import pwd
    import subprocess

    bindir = _pg_bin()
    if bindir is None:
        pytest.skip(
            "PostgreSQL is not installed and `make postgres-deps` could not install it (needs root and "
            "apt-get: Debian's postgresql package)"
        )
    import psycopg  # noqa: F401  - a required test dependency (pyproject's test extra): no skip when missing

    user = []
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip(
                "running as root and there is no `postgres` user to run the server as (Debian's "
                "postgresql package creates it)"
            )
        user = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", "--"]
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="lstm-pg-"))  # pytest's tmp_path is 0700: not for `postgres`
    base.chmod(0o777)
    data, sock = base / "pgdata", base / "pgsock"
    sock.mkdir()
    sock.chmod(0o777)
    env = {**os.environ, "LC_ALL": "C"}
    subprocess.run(
        [*user, str(bindir / "initdb"), "-D", str(data), "-U", "grader", "--auth=trust", "-E", "UTF8", "--locale=C"],
        check=True,
        capture_output=True,
        env=env,
    )
    subprocess.run(
        [
            *user,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(base / "pg.log"),
            "-o",
            f"-k {sock} -c listen_addresses=''",
            "start",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        subprocess.run(
            [*user, str(bindir / "createdb"), "-h", str(sock), "-U", "grader", "gradebook"],
            check=True,
            capture_output=True,
            env=env,
        )
        yield f"postgresql+psycopg://grader@/gradebook?host={sock}"
    finally:
        subprocess.run(
            [*user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True, env=env
        )
        shutil.rmtree(base, ignore_errors=True)


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
    procs = autograde_students(course.root, course.env, sorted(kinds), sorted(kinds), workers=2, lessons=lesson)
    assert [p.returncode for p in procs] == [0, 0], [p.stdout[-2000:] for p in procs]
    assert not (course.root / ".course" / "gradebook.db").exists(), "the SQLite gradebook must not be used"
    got = {s: course.cell_scores(lesson, s) for s in kinds}
    assert got["p1"] == got["p3"] == {"test_ex1_mean_state": 2.0, "test_ex2_squash": 1.0}
    assert got["p2"] == {"test_ex1_mean_state": 0.0, "test_ex2_squash": 0.0}
    assert got["p4"] == {"test_ex1_mean_state": 2.0, "test_ex2_squash": 0.0}


def test_progress_counts_each_notebook_once_and_names_it(tmp_path):
    """Class grading shows done/total and one line per graded notebook, from the workers' logs (only this run's
    part of a log that earlier runs appended to)."""
    from tqdm import tqdm

    from autograder.grade_parallel import _progress

    log = tmp_path / "autograde-worker0.log"
    log.write_text("[AutogradeApp | INFO] Autograding /c/.course/autograded/old/01-x/x.ipynb\n")
    offsets = {str(log): log.stat().st_size}
    lines = []
    bar = tqdm(total=3, disable=True)
    bar.write = lines.append
    seen = {}
    with log.open("a") as f:
        f.write("[AutogradeApp | INFO] Autograding /c/.course/autograded/ann/01-x/x.ipynb\n")
    _progress(bar, seen, offsets, [str(log)], [None])  # still running: the one it started is not done
    assert (bar.n, lines) == (0, [])
    with log.open("a") as f:
        f.write("[AutogradeApp | INFO] Autograding /c/.course/autograded/bob/01-x/x.ipynb\n")
    _progress(bar, seen, offsets, [str(log)], [None])
    assert (bar.n, lines) == (1, ["[autograde] ann / 01-x / x.ipynb: graded"])
    _progress(bar, seen, offsets, [str(log)], [0])  # the worker exited: everything it started is done
    assert bar.n == 2 and lines[-1] == "[autograde] bob / 01-x / x.ipynb: graded" and len(lines) == 2
