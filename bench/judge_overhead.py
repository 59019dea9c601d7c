"""What the trusted checker costs: autograding time per notebook with the test cells in the checker vs in
the student's kernel (nbgrader's way), measured side by side.

    .venv/bin/python bench/judge_overhead.py [--lessons 01-sequences,03-lstm-cell] [--rounds 2] [--copies 1]

For each lesson it builds one scratch course with two submissions (the solution and the blank release;
``--copies k``: k students of each, as in a class, where one grading process grades many notebooks and
its checker starts once), then autogrades them ``--rounds`` times in each mode, alternating (checker,
kernel, checker, kernel, ...) so that both modes see the same machine load, with the course's real
configuration (sandbox on when bubblewrap works) and one worker. It prints the median seconds per
notebook of each mode and their ratio, and checks that both modes gave the same scores. Not a test:
``make bench`` territory, minutes.
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

from course import TempCourse  # noqa: E402

from autograder.notebooks import LESSONS, SOLUTIONS, lesson_ids, notebooks  # noqa: E402
from autograder.sandbox import sandbox_status  # noqa: E402

MODES = {"checker": [], "kernel": ["--JudgedExecute.judge=False"]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lessons", default="", help="default: every lesson")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--copies", type=int, default=1, help="students per kind (solution, blank)")
    a = p.parse_args(argv)
    lessons = [x for x in a.lessons.split(",") if x] or lesson_ids()
    print(
        f"{len(lessons)} lessons, {2 * a.copies} submissions each ({a.copies} solution, {a.copies} blank), "
        f"{a.rounds} rounds per mode, "
        f"{os.cpu_count()} cores, sandbox {'on' if sandbox_status()[0] else 'OFF: ' + sandbox_status()[1]}"
    )
    print(f"{'lesson':<24} {'checker s/nb':>12} {'kernel s/nb':>12} {'ratio':>7}  same scores")
    ratios, all_same = [], True
    with tempfile.TemporaryDirectory(prefix="judge-bench-") as tmp:
        bar = tqdm(lessons, desc="checker bench", unit="lesson", file=sys.stderr, disable=None)
        for lesson in bar:
            course = TempCourse(Path(tmp) / lesson).create([lesson])
            course.generate(lesson)
            students = {"solution": [], "blank": []}
            for k in range(a.copies):
                for kind, folder in (("solution", SOLUTIONS), ("blank", LESSONS)):
                    student = kind if k == 0 else f"{kind}-{k}"
                    students[kind].append(student)
                    for path in notebooks(folder, lesson):
                        course.submit(student, lesson, path, path.name)
            n = 2 * a.copies * len(notebooks(SOLUTIONS, lesson))
            times = {m: [] for m in MODES}
            scores = {}
            for _ in range(a.rounds):
                for mode, extra in MODES.items():
                    t0 = time.monotonic()
                    course.nbgrader("autograde", lesson, "--force", *extra)
                    times[mode].append((time.monotonic() - t0) / n)
                    scores[mode] = {s: course.cell_scores(lesson, s) for group in students.values() for s in group}
            med = {m: statistics.median(t) for m, t in times.items()}
            ratio = med["checker"] / med["kernel"]
            same = scores["checker"] == scores["kernel"]
            all_same &= same
            ratios.append(ratio)
            bar.write(
                f"{lesson:<24} {med['checker']:12.1f} {med['kernel']:12.1f} {ratio:7.2f}  {same}", file=sys.stdout
            )
        bar.close()
    print(f"median ratio (checker / in-kernel): {statistics.median(ratios):.2f}")
    return 0 if all_same else 1


if __name__ == "__main__":
    raise SystemExit(main())
