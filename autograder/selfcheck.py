"""Grade your own work: a learner's copy of a lesson through the same grader instructors use.

    make check LESSON=03-lstm-cell [NOTEBOOK=lessons/03-lstm-cell/lstm_cell.ipynb]
    make progress
    python -m autograder.selfcheck 03-lstm-cell [--notebook PATH]
    python -m autograder.selfcheck --progress

and from inside a lesson (save it first: the check grades the saved file)::

    from autograder.selfcheck import check
    check("03-lstm-cell")

A check builds a private course in ``.course/self/<lesson>/`` (its own gradebook: an instructor's
``.course/`` is never touched), releases the lesson from ``solutions/`` (hidden tests included), puts the
learner's notebook in as the submission of ``me``, runs ``nbgrader autograde`` with the course's whole
configuration (the trusted checker; the bubblewrap sandbox where it is installed; demonstration cells not
re-run) and ``nbgrader generate_feedback``. It then prints one row per exercise: points, and for every
failed test cell the message the feedback shows (hidden tests are named, never quoted:
:class:`autograder.preprocessors.HideHiddenTestTracebacks` rebuilds those errors exactly as in an
instructor's feedback), and where the feedback page is. Written answers are graded by people: the check
shows the model answer once the learner has written something in the answer cell, never before.

``--progress`` (``make progress``) summarises every lesson: not started (the release as it was), started
(answers edited, never checked), or checked (points from the last check, and whether the notebook changed
since).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.notebooks import REPO, grade_id, is_answer, is_test, is_written, lesson_ids, notebooks, points

ME = "me"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Row:
    notebook: str
    exercise: str  # "Exercise 2 — lstm_step_forward" / "Written: written_cell_state"
    score: float
    max_score: float
    failures: list[tuple[str, str]] = field(default_factory=list)  # (test cell, message)
    written: str | None = None  # for a written answer: the model answer, once the learner wrote something


@dataclass
class Result:
    lesson: str
    rows: list[Row]
    feedback: list[Path]
    seconds: float
    sandboxed: bool

    @property
    def score(self) -> float:
        return sum(r.score for r in self.rows)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.rows if r.written is None)


def _root(lesson: str) -> Path:
    return Path(os.environ.get("LSTM_SELF_ROOT", REPO / ".course" / "self")) / lesson


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()


def _messages(nb) -> dict[str, str]:
    """grade_id -> the error message of each failed test cell, as the feedback shows it."""
    from autograder.preprocessors import HideHiddenTestTracebacks

    nb, _ = HideHiddenTestTracebacks().preprocess(nb, {})
    out = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and is_test(cell):
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                tb = [ANSI.sub("", line) for line in errors[-1].get("traceback", [])]
                out[grade_id(cell)] = "\n".join(tb[:1] + tb[-1:]) if tb else str(errors[-1].get("evalue"))
    return out


def _model_answer(source: str) -> str:
    return re.sub(r"^\s*\*\*Model answer\.\*\*\s*", "", source.strip())


def check(lesson: str, notebook_paths: list[Path] | None = None, quiet: bool = False) -> Result:
    """Grade the learner's copy of ``lesson`` (default: ``lessons/<lesson>/*.ipynb``); print the table."""
    from tqdm import tqdm

    from autograder.classroom import Course
    from autograder.sandbox import sandbox_status

    if lesson not in lesson_ids():
        raise SystemExit(f"no lesson {lesson!r}; the lessons are: {', '.join(lesson_ids())}")
    sources = notebooks(REPO / "solutions", lesson)
    mine = (
        [Path(p) for p in notebook_paths] if notebook_paths else [REPO / "lessons" / lesson / p.name for p in sources]
    )
    missing = [p for p in mine if not p.exists()]
    if missing:
        raise SystemExit(f"not found: {', '.join(map(str, missing))}")
    t0 = time.monotonic()
    course = Course(_root(lesson), timeout=None, solution_timeout=60).create([lesson])
    steps = tqdm(total=3, desc=f"checking {lesson}", unit="step", file=sys.stderr, disable=True if quiet else None)
    course.nbgrader("generate_assignment", lesson, "--force")
    names = {p.name for p in sources}
    for path in mine:  # a notebook of another name takes the place of the lesson's only notebook
        name = path.name if path.name in names or len(sources) != 1 else sources[0].name
        dest = course.root / ".course" / "submitted" / ME / lesson / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    steps.update()
    course.nbgrader("autograde", lesson, "--force", check=False)
    steps.update()
    course.nbgrader("generate_feedback", lesson, "--force", check=False)
    steps.update()
    steps.close()
    scores = course.cell_scores(lesson, ME) if _submitted(course, lesson) else {}
    rows = []
    for src in sources:
        rows += _rows(course, lesson, src, scores)
    feedback = sorted((course.root / ".course" / "feedback" / ME / lesson).glob("*.html"))
    result = Result(lesson, rows, feedback, time.monotonic() - t0, sandbox_status()[0])
    (course.root / "check.json").write_text(
        json.dumps({"digest": _digest(mine), "score": result.score, "max": result.max_score, "time": time.time()})
    )
    if not quiet:
        print(render(result))
    return result


def _submitted(course, lesson) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.db_url) as gb:
        try:
            gb.find_submission(lesson, ME)
            return True
        except MissingEntry:
            return False


def _rows(course, lesson: str, src: Path, scores: dict[str, float]) -> list[Row]:
    from autograder.exercise_map import lesson_exercises

    solution = nbformat.read(src, as_version=4)
    graded_path = course.root / ".course" / "autograded" / ME / lesson / src.name
    graded = nbformat.read(graded_path, as_version=4) if graded_path.exists() else None
    messages = _messages(graded) if graded else {}
    release = nbformat.read(course.root / "lessons" / lesson / src.name, as_version=4)
    stubs = {grade_id(c): c.source for c in release.cells if grade_id(c)}
    theirs = {grade_id(c): c.source for c in (graded.cells if graded else []) if grade_id(c)}
    rows = []
    for ex in [e for e in lesson_exercises(lesson, course.root / "solutions") if e.notebook == src.name]:
        row = Row(src.name, f"Exercise {ex.number} — {ex.title}", 0.0, 0.0)
        for gid in ex.tests:
            cell = next(c for c in solution.cells if grade_id(c) == gid)
            row.max_score += points(cell)
            row.score += scores.get(gid, 0.0)
            if scores.get(gid, 0.0) < points(cell):
                msg = messages.get(gid, "not run: an earlier cell stopped the notebook")
                if "NotImplementedError" in msg:
                    msg = "not attempted yet (the answer still raises NotImplementedError)"
                row.failures.append((gid, msg))
        rows.append(row)
    for cell in solution.cells:
        if is_written(cell):
            gid = grade_id(cell)
            wrote = theirs.get(gid, stubs.get(gid, "")).strip() not in ("", stubs.get(gid, "").strip())
            row = Row(src.name, f"Written: {gid}", 0.0, points(cell))
            row.written = _model_answer(cell.source) if wrote else ""
            rows.append(row)
    return rows


def render(result: Result) -> str:
    width = max([len(r.exercise) for r in result.rows] + [20])
    lines = [
        "",
        f"{result.lesson}: {result.score:g} / {result.max_score:g} autograded points "
        f"(checked in {result.seconds:.0f} s{'' if result.sandboxed else '; sandbox off: your own code only'})",
        "",
        f"{'exercise':<{width}}  points",
    ]
    for r in result.rows:
        if r.written is not None:
            lines.append(f"{r.exercise:<{width}}  {r.max_score:g} (graded by a person)")
            if r.written:
                lines.append("    Model answer, to compare with yours: " + r.written.replace("\n", "\n    "))
            else:
                lines.append("    Write your answer first; the model answer appears here once you have.")
            continue
        mark = "ok" if r.score >= r.max_score else "  "
        lines.append(f"{r.exercise:<{width}}  {r.score:g} / {r.max_score:g}  {mark}")
        for gid, msg in r.failures:
            lines.append(f"    {gid}: " + msg.strip().replace("\n", "\n      "))
    for path in result.feedback:
        lines.append(f"\nFeedback page: {path}")
    return "\n".join(lines)


def progress() -> list[tuple[str, str]]:
    """(lesson, state) for every lesson: not started / started / checked (points; changed since?)."""
    out = []
    for lesson in lesson_ids():
        mine = [REPO / "lessons" / lesson / p.name for p in notebooks(REPO / "solutions", lesson)]
        answers = _answers(mine)
        released = _released_answers(lesson)
        record = _root(lesson) / "check.json"
        if record.exists():
            rec = json.loads(record.read_text())
            changed = "" if rec["digest"] == _digest(mine) else "; changed since"
            state = f"checked: {rec['score']:g} / {rec['max']:g}{changed}"
        elif answers != released:
            state = "started (not checked yet: make check LESSON=" + lesson + ")"
        else:
            state = "not started"
        out.append((lesson, state))
    return out


def _answers(paths: list[Path]) -> dict[str, str]:
    out = {}
    for p in paths:
        if p.exists():
            for c in nbformat.read(p, as_version=4).cells:
                if is_answer(c) or is_written(c):
                    out[grade_id(c)] = c.source
    return out


def _released_answers(lesson: str) -> dict[str, str]:
    """The release's answer cells, from git's committed copy when the working copy has been edited."""
    import subprocess

    out = {}
    for src in notebooks(REPO / "solutions", lesson):
        rel = f"lessons/{lesson}/{src.name}"
        proc = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=REPO, capture_output=True, text=True)
        if proc.returncode != 0:
            return _answers([REPO / rel])  # not a git checkout: nothing to compare with
        for c in nbformat.reads(proc.stdout, as_version=4).cells:
            if is_answer(c) or is_written(c):
                out[grade_id(c)] = c.source
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("lesson", nargs="?", help="e.g. 03-lstm-cell")
    p.add_argument("--notebook", action="append", help="your copy (default: lessons/<lesson>/*.ipynb)")
    p.add_argument("--progress", action="store_true", help="the state of every lesson")
    a = p.parse_args(argv)
    if a.progress or not a.lesson:
        for lesson, state in progress():
            print(f"{lesson:<26} {state}")
        return 0
    check(a.lesson, [Path(n) for n in a.notebook] if a.notebook else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
