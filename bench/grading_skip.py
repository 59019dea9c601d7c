"""What skipping the demonstration cells saves: one student's whole course autograded with and without
skipping, against running the solution notebooks top to bottom, measured side by side; and Validate.

    .venv/bin/python bench/grading_skip.py [--lessons 01-sequences,07-forecasting] [--rounds 1]

For each lesson, in one run and alternating so that all see the same machine load: the solution notebook
executed top to bottom (nbclient, as ``bench/run_lessons.py``), one student's submission (the solution)
autograded by ``nbgrader autograde`` with the course's real configuration (sandbox, checker) skipping the
``demo`` cells (autograder/skipping.py), the same with ``--JudgedExecute.skip_demos=False``, and Validate
of that notebook (which skips them too) as JupyterLab's button runs it, inside the already running server
(nbgrader's ``ValidateAssignmentHandler``: :func:`validate_in_server`), and as ``nbgrader validate`` on the
command line, which also pays a new process and nbgrader's import. It prints the seconds of each, the
totals, the ratios (grading / running the notebooks; the goal of issue 14 is at most 0.25), the same course
through the class grader (:mod:`autograder.grade_parallel`, 1 and 2 Dask workers), and whether both
gradings gave the same scores. Not a test: ``make bench`` territory, minutes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from course import TempCourse  # noqa: E402
from run_lessons import run  # noqa: E402

from autograder.grade_parallel import autograde_students  # noqa: E402
from autograder.notebooks import SOLUTIONS, lesson_ids, notebooks  # noqa: E402
from autograder.sandbox import sandbox_status  # noqa: E402


def validate_in_server(course, path: Path) -> float:
    """Seconds of what JupyterLab's Validate button runs: nbgrader's ValidateAssignmentHandler.validate_notebook,
    in the student's (already running) server process: the course config, then ``Validator.validate``."""
    from jupyter_core.paths import jupyter_config_path
    from nbgrader.apps import NbGrader
    from nbgrader.validator import Validator

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.update(course.env)
    os.chdir(course.root)
    try:
        t0 = time.perf_counter()
        paths = jupyter_config_path()
        paths.insert(0, os.getcwd())
        app = NbGrader()
        app.config_file_paths.append(paths)
        app.load_config_file()
        Validator(config=app.config).validate(str(path))
        return time.perf_counter() - t0
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def _timed(fn, *args, **kwargs) -> float:
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lessons", default="", help="default: every lesson")
    p.add_argument("--rounds", type=int, default=1)
    a = p.parse_args(argv)
    lessons = [x for x in a.lessons.split(",") if x] or lesson_ids()
    status = sandbox_status()
    print(
        f"{len(lessons)} lessons, one student, {a.rounds} round(s), {os.cpu_count()} cores, "
        f"sandbox {'on' if status[0] else 'OFF: ' + status[1]}"
    )
    print(
        f"{'lesson':<24} {'run nb s':>9} {'graded s':>9} {'no skip s':>9} {'validate s':>10} {'(CLI) s':>8}"
        "  same scores"
    )
    totals = {"run": 0.0, "skip": 0.0, "full": 0.0}
    validates, all_same = {}, True
    with tempfile.TemporaryDirectory(prefix="skip-bench-") as tmp:
        bar = tqdm(lessons, desc="grading bench", unit="lesson", file=sys.stderr, disable=None)
        for lesson in bar:
            course = TempCourse(Path(tmp) / lesson).create([lesson])
            course.generate(lesson)
            paths = notebooks(SOLUTIONS, lesson)
            for path in paths:
                course.submit("student", lesson, path, path.name)
            times = {k: [] for k in (*totals, "validate", "validate cli")}
            scores = {}
            for _ in range(a.rounds):
                times["run"].append(sum(run(path)[0] for path in paths))
                for mode, extra in (("skip", []), ("full", ["--JudgedExecute.skip_demos=False"])):
                    times[mode].append(_timed(course.nbgrader, "autograde", lesson, "--force", *extra))
                    scores[mode] = course.cell_scores(lesson, "student")
                submitted = [course.root / ".course" / "submitted" / "student" / lesson / p.name for p in paths]
                times["validate"].append(sum(validate_in_server(course, s) for s in submitted))
                times["validate cli"].append(
                    sum(_timed(course.nbgrader, "validate", str(s), check=False) for s in submitted)
                )
            med = {k: statistics.median(v) for k, v in times.items()}
            for k in totals:
                totals[k] += med[k]
            validates[lesson] = med["validate"]
            same = scores["skip"] == scores["full"]
            all_same &= same
            bar.write(
                f"{lesson:<24} {med['run']:9.1f} {med['skip']:9.1f} {med['full']:9.1f} {med['validate']:10.1f} "
                f"{med['validate cli']:8.1f}  {same}",
                file=sys.stdout,
            )
        bar.close()
    print(f"{'total':<24} {totals['run']:9.1f} {totals['skip']:9.1f} {totals['full']:9.1f}")
    with tempfile.TemporaryDirectory(prefix="skip-bench-class-") as tmp:  # as an instructor grades a class
        course = TempCourse(Path(tmp) / "course").create(lessons)
        for lesson in lessons:
            course.generate(lesson)
            for path in notebooks(SOLUTIONS, lesson):
                course.submit("student", lesson, path, path.name)
        for workers in (1, 2):
            t0 = time.perf_counter()
            results = autograde_students(course.root, course.env, ["student"], workers=workers, progress=False)
            dt = time.perf_counter() - t0
            ok = all(g.status == "graded" for g in results)
            print(
                f"the same course through the class grader (Dask, {workers} worker{'s' * (workers > 1)}, one task per "
                f"lesson, nbgrader forked pre-imported): {dt:.1f} s = {dt / totals['run']:.2f} x running the "
                f"notebooks{'' if ok else '; NOT ALL GRADED'}",
                flush=True,
            )
    print(
        f"one student's course autograded / the solution notebooks run: {totals['skip'] / totals['run']:.2f} with "
        f"skipping, {totals['full'] / totals['run']:.2f} without (goal <= 0.25); slowest Validate "
        f"{max(validates.values()):.1f} s ({max(validates, key=validates.get)}; goal <= 10 s)"
    )
    return 0 if all_same else 1


if __name__ == "__main__":
    raise SystemExit(main())
