"""Shared test utilities: the course's lessons, and a throw-away nbgrader course to grade them in.

Grading goes through the real command line (``nbgrader generate_assignment`` / ``autograde``) with the
course's own configuration (``autograder/nbgrader_config.py``), pointed at a temporary course root via
``LSTM_COURSE_ROOT``; scores are read back from the gradebook through nbgrader's API.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nbformat

from autograder.classroom import Course

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
LESSONS = REPO / "lessons"
CATALOGUE = REPO / "solutions"  # solutions/<lesson>/wrong_answers.yaml

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def lesson_ids() -> list[str]:
    """Assignment ids (folder names) of every lesson in solutions/."""
    return sorted(p.name for p in SOLUTIONS.glob("[0-9][0-9]-*") if p.is_dir() and any(p.glob("*.ipynb")))


def notebooks(root: Path, lesson: str) -> list[Path]:
    return sorted(p for p in (root / lesson).glob("*.ipynb"))


def all_notebooks(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def nbg(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_autograded_test(cell) -> bool:
    m = nbg(cell)
    return bool(m.get("grade")) and not m.get("solution") and cell.cell_type == "code"


def is_solution(cell) -> bool:
    return bool(nbg(cell).get("solution"))


def is_written(cell) -> bool:
    m = nbg(cell)
    return bool(m.get("grade")) and bool(m.get("solution")) and cell.cell_type == "markdown"


def read(path: Path):
    return nbformat.read(path, as_version=4)


def regions(source: str, begin: str, end: str) -> list[list[str]]:
    """The lines strictly between each begin/end marker pair in ``source``."""
    found, current = [], None
    for line in source.splitlines():
        if line.strip() == begin:
            current = []
        elif line.strip() == end and current is not None:
            found.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return found


def strip_solution_markers(source: str) -> str:
    """A solution cell's source as a correct student would write it (marker lines removed)."""
    return "\n".join(
        l for l in source.splitlines() if l.strip() not in (BEGIN_SOLUTION, END_SOLUTION)
    )


class TempCourse(Course):
    """An nbgrader course in a scratch folder (``autograder.classroom.Course``), plus what the tests need:
    placing submissions directly, autograding, and reading every grade back from the gradebook."""

    def generate(self, lesson: str) -> Path:
        self.nbgrader("generate_assignment", lesson, "--force")
        return self.root / "lessons" / lesson

    def submit(self, student: str, lesson: str, nb, name: str) -> Path:
        """Place notebook ``nb`` (a NotebookNode, a path or raw text) as ``student``'s submission."""
        dest = self.root / ".course" / "submitted" / student / lesson
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / name
        if isinstance(nb, Path):
            shutil.copy(nb, target)
        elif isinstance(nb, str):
            target.write_text(nb)
        else:
            nbformat.write(nb, target)
        (dest / "timestamp.txt").write_text("2026-11-23 12:00:00.000000 UTC")
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


def error_outputs(nb) -> list[tuple[int, str]]:
    """(cell index, 'Ename: evalue') for every error output in an executed notebook."""
    errs = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errs.append((i, f"{out.get('ename')}: {out.get('evalue')}"))
    return errs


def load_catalogue(lesson: str) -> dict | None:
    import yaml

    path = CATALOGUE / lesson / "wrong_answers.yaml"
    if not path.exists():
        return None
    return yaml.safe_load(path.read_text())


def cell_by_grade_id(nb, grade_id: str) -> tuple[int, object]:
    for i, cell in enumerate(nb.cells):
        if nbg(cell).get("grade_id") == grade_id:
            return i, cell
    raise KeyError(grade_id)


def wrong_source(solution_source: str, answer: dict) -> str:
    """The wrong answer's cell source: ``source`` as given, or the solution with ``replace`` edits."""
    if "source" in answer:
        return answer["source"]
    src = solution_source
    for old, new in answer["replace"]:
        count = src.count(old)
        if count != 1:
            raise AssertionError(
                f"wrong answer {answer['name']!r}: replace pattern {old!r} must match the solution of "
                f"{answer['cell']} exactly once. Received: {count} matches"
            )
        src = src.replace(old, new)
    return src

