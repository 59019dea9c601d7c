"""The whole nbgrader cycle for a simulated class, in a scratch folder: ``make grade-demo``.

    python -m autograder.classroom [--lessons 01-sequences,03-lstm-cell] [--root DIR] [--workers N]
                                   [--timeout S] [--solution-timeout S]

In ``--root`` (default ``.course/grade-demo``, wiped first) with its own SQLite gradebook and a
file-system exchange, it

1. copies the lessons' instructor notebooks (``solutions/``) and runs ``generate_assignment``;
2. releases every lesson to the exchange;
3. fetches them as six students and fills their notebooks (see ``STUDENTS``);
4. submits, collects, autogrades (in the sandbox, ``--workers`` in parallel), generates, releases and
   fetches the feedback, and exports the grades to CSV;
5. prints the grade table (student x lesson) and where the CSV and the feedback files are.

The student notebooks are derived from the lesson itself: the solution regions of ``solutions/`` (a
correct answer), the stubs of the release (blank), and the wrong answers of the catalogue beside the
lesson, ``solutions/<lesson>/wrong_answers.yaml`` (buggy).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from autograder.notebooks import (
    REPO,
    cell_by_grade_id,
    fill,
    grade_id,
    is_answer,
    is_test,
    lesson_ids,
    load_catalogue,
    wrong_source,
)

BIN = Path(sys.executable).parent
COURSE_ID = "lstm-course"

# student id -> (kind, what the student does)
STUDENTS = {
    "ada": ("correct", "answers every exercise as in the solutions"),
    "ben": ("partial", "answers the first half of the exercises, leaves the rest"),
    "cleo": ("blank", "submits the lessons untouched"),
    "dan": ("buggy", "correct, except the first wrong answer of solutions/<lesson>/wrong_answers.yaml"),
    "eve": ("tamper", "like ben, but replaces every test cell by `pass` and sets its points to 100"),
    "hal": ("hang", "correct, but the first exercise starts with `while True: pass`"),
}


# -- notebooks of simulated students -------------------------------------------------------------
def first_half(nb) -> set[str]:
    ids = [grade_id(c) for c in nb.cells if is_answer(c)]
    return set(ids[: math.ceil(len(ids) / 2)])


def student_notebook(kind: str, released: Path, solution: Path, lesson: str):
    """The notebook a student of ``kind`` submits, from the fetched release and the instructor source."""
    nb = nbformat.read(released, as_version=4)
    sol = nbformat.read(solution, as_version=4)
    if kind == "blank":
        return nb
    if kind in ("partial", "tamper"):
        fill(nb, sol, first_half(sol))
        if kind == "tamper":
            for cell in nb.cells:
                if is_test(cell):
                    cell.source = "pass  # no more tests"
                    cell.metadata["nbgrader"]["points"] = 100
        return nb
    fill(nb, sol)
    if kind == "buggy":  # the catalogue beside the instructor notebook: its first wrong answer
        catalogue = load_catalogue(solution.parent)
        answer = catalogue["answers"][0]
        if catalogue["notebook"] == solution.name:
            cell_by_grade_id(nb, answer["cell"])[1].source = wrong_source(
                cell_by_grade_id(sol, answer["cell"])[1].source, answer
            )
    elif kind == "hang":
        first = next(c for c in nb.cells if is_answer(c))
        first.source = "while True:  # an endless loop\n    pass\n" + first.source
    return nb


# -- the course --------------------------------------------------------------------------------
class Course:
    """A course root in a scratch folder, driven through nbgrader's command line and exchange classes."""

    def __init__(self, root: Path, timeout: int | None = None, quiet: bool = True, solution_timeout: int | None = None):
        self.root = Path(root).resolve()
        self.timeout = timeout  # per cell (None: the course's 180 s)
        self.solution_timeout = solution_timeout  # per answer cell
        self.quiet = quiet
        self.env = dict(os.environ)
        self.env.update(
            JUPYTER_CONFIG_PATH=str(REPO / "autograder"),
            LSTM_COURSE_ROOT=str(self.root),
            LSTM_COURSE_DB=f"sqlite:///{self.root / '.course' / 'gradebook.db'}",
            LSTM_COURSE_EXCHANGE=str(self.root / ".course" / "exchange"),
            TF_CPP_MIN_LOG_LEVEL="3",
            KERAS_BACKEND="tensorflow",
            PYTHONWARNINGS="ignore",
        )
        self.env["PATH"] = f"{BIN}{os.pathsep}{self.env.get('PATH', '')}"
        self._config = None

    @property
    def db_url(self) -> str:
        return self.env["LSTM_COURSE_DB"]

    def create(self, lessons: list[str], solutions: Path = REPO / "solutions") -> Course:
        if self.root.exists():
            shutil.rmtree(self.root)
        (self.root / ".course" / "exchange").mkdir(parents=True)
        for lesson in lessons:
            shutil.copytree(
                solutions / lesson,
                self.root / "solutions" / lesson,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
            )
        return self

    def nbgrader(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        extra = []
        if args[0] == "autograde":
            extra += [f"--ExecutePreprocessor.timeout={self.timeout}"] if self.timeout else []
            extra += [f"--JudgedExecute.solution_timeout={self.solution_timeout}"] if self.solution_timeout else []
        proc = subprocess.run(
            [str(BIN / "nbgrader"), *args, *extra], cwd=self.root, env=self.env, capture_output=True, text=True
        )
        if check and proc.returncode != 0:
            raise RuntimeError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-5000:]}")
        return proc

    # exchange steps run in this process (an nbgrader command costs ~4 s of start-up)
    def config(self):
        if self._config is None:
            from traitlets.config.loader import PyFileConfigLoader

            saved = {k: os.environ.get(k) for k in ("LSTM_COURSE_ROOT", "LSTM_COURSE_DB", "LSTM_COURSE_EXCHANGE")}
            os.environ.update({k: self.env[k] for k in saved})
            try:
                self._config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO / "autograder")).load_config()
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
        return self._config

    def exchange(self, step: str, lesson: str, student: str | None = None, where: Path | None = None):
        from nbgrader.auth import Authenticator
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.exchange import ExchangeFactory

        cfg = self.config()
        # The classes the course config selects (e.g. the collect that refuses links: submission_files.py).
        factory = ExchangeFactory(config=cfg)
        cls = {
            "release": factory.release_assignment,
            "fetch": factory.fetch_assignment,
            "submit": factory.submit,
            "collect": factory.collect,
            "release_feedback": factory.release_feedback,
            "fetch_feedback": factory.fetch_feedback,
        }[step]
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id = lesson
        if student:
            coursedir.student_id = student
        obj = cls(coursedir=coursedir, authenticator=Authenticator(config=cfg), config=cfg)
        if where is not None:
            obj.assignment_dir = str(where)
        if student:  # one OS user plays every student: give each one their own submission cache
            obj.cache = str(self.student_dir(student) / ".nbgrader_cache")
        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            obj.start()
        finally:
            os.chdir(cwd)

    def student_dir(self, student: str) -> Path:
        return self.root / "students" / student

    def scores(self) -> dict[tuple[str, str], tuple[float, float]]:
        """(student, lesson) -> (autograded score, autograded max) from the gradebook."""
        from nbgrader.api import Gradebook

        out = {}
        with Gradebook(self.db_url, COURSE_ID) as gb:
            for a in gb.assignments:
                for s in gb.students:
                    try:
                        sub = gb.find_submission(a.name, s.id)
                    except Exception:  # noqa: BLE001 - no submission
                        continue
                    grades = [g for nb in sub.notebooks for g in nb.grades if g.cell.cell_type == "code"]
                    out[(s.id, a.name)] = (sum(g.score for g in grades), sum(g.max_score for g in grades))
        return out

    def cell_scores(self, lesson: str, student: str) -> dict[str, float]:
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url, COURSE_ID) as gb:
            sub = gb.find_submission(lesson, student)
            return {g.name: g.score for nb in sub.notebooks for g in nb.grades if g.cell.cell_type == "code"}


def log(msg: str) -> None:
    print(f"[grade-demo {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(
    lessons: list[str],
    root: Path,
    timeout: int | None,
    workers: int,
    students=STUDENTS,
    solution_timeout: int | None = 30,
) -> Course:
    from autograder.grade_parallel import autograde_parallel
    from autograder.sandbox import WARNING, sandbox_status

    ok, why = sandbox_status()
    log("sandbox: bubblewrap " + ("on" if ok else "OFF"))
    if not ok:
        print(WARNING.format(why=why), flush=True)
    course = Course(root, timeout=timeout, solution_timeout=solution_timeout).create(lessons)
    log(f"course root {course.root} (gradebook {course.db_url}); lessons: {', '.join(lessons)}")
    for lesson in lessons:
        course.nbgrader("generate_assignment", lesson, "--force")
        course.exchange("release", lesson)
    log(f"released {len(lessons)} lesson(s) to the exchange {course.env['LSTM_COURSE_EXCHANGE']}")
    for student, (kind, _) in students.items():
        home = course.student_dir(student)
        home.mkdir(parents=True)
        for lesson in lessons:
            course.exchange("fetch", lesson, student, home)
            folder = home / COURSE_ID / lesson
            for released in sorted(folder.glob("*.ipynb")):
                nb = student_notebook(kind, released, course.root / "solutions" / lesson / released.name, lesson)
                nbformat.write(nb, released)
            course.exchange("submit", lesson, student, home)
    log(f"{len(students)} students fetched, worked on and submitted every lesson")
    for lesson in lessons:
        course.exchange("collect", lesson)
    log(f"collected; autograding (sandboxed kernels, {workers} worker{'s' if workers > 1 else ''}) ...")
    t0 = time.monotonic()
    autograde_parallel(course, lessons, list(students), workers=workers)
    log(f"autograded in {time.monotonic() - t0:.0f} s")
    for lesson in lessons:
        course.nbgrader("generate_feedback", lesson, "--force")
        course.exchange("release_feedback", lesson)
        for student in students:
            course.exchange("fetch_feedback", lesson, student, course.student_dir(student))
    csv_path = course.root / "grades.csv"
    course.nbgrader("export", f"--to={csv_path}")
    log("feedback generated, released and fetched; grades exported")
    print_table(course, lessons, students)
    print(f"\nGrades (CSV, nbgrader export):   {csv_path}")
    print(f"Feedback, as each student fetched it: {course.root / 'students'}/<student>/{COURSE_ID}/<lesson>/feedback/")
    print(f"Feedback, instructor copy:        {course.root / '.course' / 'feedback'}/<student>/<lesson>/")
    print(f"Gradebook:                        {course.db_url}")
    return course


def print_table(course: Course, lessons: list[str], students) -> None:
    scores = course.scores()
    width = max(12, *(len(lesson) for lesson in lessons))
    print("\nAutograded score / max (written answers are graded by hand in the formgrader)\n")
    print(f"{'student':<22}" + "".join(f"{lesson:>{width + 2}}" for lesson in lessons) + f"{'total':>14}")
    for student, (kind, _) in students.items():
        row, tot, mx = "", 0.0, 0.0
        for lesson in lessons:
            s, m = scores.get((student, lesson), (0.0, 0.0))
            tot, mx = tot + s, mx + m
            row += f"{f'{s:g} / {m:g}':>{width + 2}}"
        print(f"{student + ' (' + kind + ')':<22}{row}{f'{tot:g} / {mx:g}':>14}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lessons", default="", help="comma-separated lesson ids (default: all in solutions/)")
    p.add_argument("--root", default=str(REPO / ".course" / "grade-demo"), help="scratch course root (wiped)")
    p.add_argument(
        "--timeout", type=int, default=None, help="seconds per cell before it is stopped (default: the course's, 180)"
    )
    p.add_argument(
        "--solution-timeout",
        type=int,
        default=30,
        help="seconds per answer cell (these only define functions; stops hal's loop sooner)",
    )
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="parallel autograders")
    a = p.parse_args(argv)
    lessons = [name for name in a.lessons.replace(" ", ",").split(",") if name] or lesson_ids()
    if not lessons:
        print("no lessons in solutions/", file=sys.stderr)
        return 1
    run(lessons, Path(a.root), a.timeout, a.workers, solution_timeout=a.solution_timeout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
