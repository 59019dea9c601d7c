"""Shared test utilities: a throw-away nbgrader course to grade lessons in.

Grading goes through the real command line (``nbgrader generate_assignment`` / ``autograde``) with the
course's own configuration (``autograder/nbgrader_config.py``), pointed at a temporary course root via
``LSTM_COURSE_ROOT``; scores are read back from the gradebook through nbgrader's API. The notebook
plumbing (cells, marked regions, catalogues, where the lessons are) is :mod:`autograder.notebooks`,
shared with the autograder.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nbformat

from autograder.classroom import Course
from autograder.notebooks import REPO

__all__ = ["REPO", "TempCourse", "error_outputs", "write_submission"]


class TempCourse(Course):
    """An nbgrader course in a scratch folder (``autograder.classroom.Course``), plus what the tests need:
    placing submissions directly, autograding, and reading every grade back from the gradebook."""

    def generate(self, lesson: str) -> Path:
        self.nbgrader("generate_assignment", lesson, "--force")
        return self.root / "lessons" / lesson

    def submit(self, student: str, lesson: str, nb, name: str) -> Path:
        """Place notebook ``nb`` (a NotebookNode, a path or raw text) as ``student``'s submission."""
        target = self.root / ".course" / "submitted" / student / lesson / name
        write_submission(target, nb)
        return target

    def autograde(self, lesson: str, *students: str) -> subprocess.CompletedProcess:
        return self.nbgrader("autograde", lesson, "--force", *(f"--student={s}" for s in students))

    def autograded(self, student: str, lesson: str, name: str) -> Path:
        return self.root / ".course" / "autograded" / student / lesson / name

    def scores(self, lesson: str, student: str) -> dict[str, dict]:
        """grade_id -> {auto_score, max_score, manual, notebook} for one student's submission."""
        from nbgrader.api import Gradebook

        out = {}
        with Gradebook(self.db_url) as gb:
            sub = gb.find_submission(lesson, student)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    out[grade.name] = {
                        "auto_score": grade.auto_score,
                        "max_score": grade.max_score,
                        "manual": grade.cell.cell_type == "markdown" or grade.auto_score is None,
                        "notebook": nb.name,
                    }
        return out


def write_submission(dest: Path, content) -> None:
    """Write ``content`` (a NotebookNode, a path to copy or raw text) as the submitted notebook ``dest``, with
    the submission's timestamp beside it (the layout of nbgrader's ``submitted/<student>/<lesson>/``)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Path):
        shutil.copy(content, dest)
    elif isinstance(content, str):
        dest.write_text(content)
    else:
        nbformat.write(content, dest)
    (dest.parent / "timestamp.txt").write_text("2026-11-23 12:00:00.000000 UTC")


def error_outputs(nb) -> list[tuple[int, str]]:
    """(cell index, 'Ename: evalue') for every error output in an executed notebook."""
    errs = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errs.append((i, f"{out.get('ename')}: {out.get('evalue')}"))
    return errs
