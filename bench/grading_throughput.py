"""Class-grading throughput: N simulated students over the lessons on Dask, for each number of workers.

    .venv/bin/python bench/grading_throughput.py [--students 4] [--workers 1,2] [--lessons A,B]

For each worker count it builds a fresh course (scratch folder, SQLite gradebook), puts N submissions
per lesson in ``submitted/`` (students alternate: correct, partial, blank, buggy — no endless loops, they
would measure the timeout), autogrades everything with ``autograder.grade_parallel`` (a Dask LocalCluster
of that many workers, one task per (student, lesson), sandboxed kernels, the course's real configuration)
and reports wall-clock seconds, seconds per student (all lessons), students per minute, the time 100
students would take at that rate (the goal: <= 30 min on 2 cores) and the speed-up over the first worker
count. It then checks the gradebook (``PRAGMA integrity_check``) and that every worker count gave every
student the same scores. Not a test: ``make bench`` territory, minutes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.classroom import Course, student_notebook  # noqa: E402
from autograder.grade_parallel import autograde_students, integrity_ok  # noqa: E402
from autograder.sandbox import sandbox_status  # noqa: E402

KINDS = ["correct", "partial", "blank", "buggy"]


def build(root: Path, lessons: list[str], n: int) -> tuple[Course, list[str]]:
    course = Course(root).create(lessons)
    students = [f"s{i:03d}" for i in range(n)]
    for lesson in lessons:
        course.nbgrader("generate_assignment", lesson, "--force")
        for path in sorted((course.root / "lessons" / lesson).glob("*.ipynb")):
            for i, student in enumerate(students):
                source = course.root / "solutions" / lesson / path.name
                nb = student_notebook(KINDS[i % len(KINDS)], path, source, lesson)
                dest = course.root / ".course" / "submitted" / student / lesson
                dest.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, dest / path.name)
                (dest / "timestamp.txt").write_text("2026-11-23 12:00:00.000000 UTC")
    return course, students


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=4)
    p.add_argument("--workers", default="1,2")
    p.add_argument("--lessons", default="", help="default: every lesson in solutions/")
    a = p.parse_args(argv)
    lessons = [name for name in a.lessons.split(",") if name] or sorted(
        d.name for d in (REPO / "solutions").glob("[0-9][0-9]-*") if any(d.glob("*.ipynb"))
    )
    workers = [int(w) for w in a.workers.split(",")]
    print(
        f"{a.students} students x {len(lessons)} lessons ({', '.join(lessons)}); {os.cpu_count()} cores; "
        f"sandbox {'on' if sandbox_status()[0] else 'OFF: ' + sandbox_status()[1]}"
    )
    results, scores = {}, {}
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        for w in workers:
            course, students = build(Path(tmp) / f"w{w}", lessons, a.students)
            t0 = time.monotonic()
            procs = autograde_students(
                course.root, course.env, students, workers=w, lessons=lessons[0] if len(lessons) == 1 else "*"
            )
            dt = time.monotonic() - t0
            ok = integrity_ok(course.db_url)
            scores[w] = {(s, les): course.cell_scores(les, s) for s in students for les in lessons}
            results[w] = dt
            print(
                f"workers={w}: {dt:7.1f} s  {dt / a.students:6.2f} s/student  "
                f"{a.students / dt * 60:5.2f} students/min  "
                f"100 students: {100 * dt / a.students / 60:5.1f} min (goal <= 30)  speed-up "
                f"{results[workers[0]] / dt:4.2f}x  not graded {sum(g.status != 'graded' for g in procs)}  "
                f"gradebook {'ok' if ok else 'CORRUPT'}",
                flush=True,
            )
    same = all(scores[w] == scores[workers[0]] for w in workers)
    print(f"same scores with every worker count: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
