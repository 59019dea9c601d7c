"""The course's notebook plumbing, written once: used by the autograder's scripts and by the tests.

- **Where things are**: :data:`SOLUTIONS` (the instructor sources), :data:`LESSONS` (the release),
  :func:`lesson_ids`, :func:`notebooks`, :func:`all_notebooks`, :func:`read`.
- **Cells**: nbgrader's own predicates (:func:`nbgrader.utils.is_grade`, :func:`~nbgrader.utils.is_solution`,
  :func:`~nbgrader.utils.is_locked`), re-exported, and the course's kinds built on them: :func:`is_test`
  (an autograded test cell), :func:`is_answer` (an autograded answer), :func:`is_written` (a manually
  graded written answer); :func:`nbgrader_meta`, :func:`grade_id`, :func:`points`, :func:`cell_by_grade_id`.
- **Marked regions**, with nbgrader's rule (a line *containing* the delimiter opens or closes a region, as
  in ``ClearSolutions`` and ``ClearHiddenTests``): :func:`regions`, :func:`hidden_line_numbers`,
  :func:`strip_solution_markers` (a solution cell as a correct student writes it).
- **The wrong-answer catalogue** beside each lesson, ``solutions/<lesson>/wrong_answers.yaml`` (format in
  CONTRIBUTING.md): :func:`load_catalogue` and :func:`wrong_source` (a ``replace`` pair must match the
  answer exactly once, or :class:`CatalogueError`); :func:`fill` puts the answers into a release.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbgrader.utils import is_grade, is_locked, is_solution

__all__ = [
    "BEGIN_HIDDEN",
    "BEGIN_SOLUTION",
    "END_HIDDEN",
    "END_SOLUTION",
    "LESSONS",
    "REPO",
    "SOLUTIONS",
    "CatalogueError",
    "all_notebooks",
    "catalogue_path",
    "cell_by_grade_id",
    "fill",
    "grade_id",
    "graded_ids",
    "hidden_line_numbers",
    "is_answer",
    "is_grade",
    "is_locked",
    "is_solution",
    "is_test",
    "is_written",
    "lesson_ids",
    "load_catalogue",
    "nbgrader_meta",
    "notebooks",
    "points",
    "read",
    "regions",
    "strip_solution_markers",
    "wrong_source",
]

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
LESSONS = REPO / "lessons"
CATALOGUE = "wrong_answers.yaml"
RIGHT_CATALOGUE = "right_answers.yaml"

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


# -- where things are ------------------------------------------------------------------------------
def lesson_ids(solutions: Path = SOLUTIONS) -> list[str]:
    """Assignment ids (folder names ``NN-slug``) of every lesson with a notebook in ``solutions``."""
    return sorted(p.name for p in Path(solutions).glob("[0-9][0-9]-*") if p.is_dir() and any(p.glob("*.ipynb")))


def notebooks(root: Path, lesson: str) -> list[Path]:
    """The notebooks of one lesson folder ``root/lesson``, sorted."""
    return sorted((Path(root) / lesson).glob("*.ipynb"))


def all_notebooks(root: Path) -> list[Path]:
    """Every notebook below ``root`` (checkpoints left out), sorted."""
    return sorted(p for p in Path(root).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


# -- cells -----------------------------------------------------------------------------------------
def nbgrader_meta(cell) -> dict:
    """The cell's ``metadata.nbgrader`` (empty when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def points(cell) -> float:
    return float(nbgrader_meta(cell).get("points", 0))


def is_test(cell) -> bool:
    """An autograded test cell: a graded code cell that is not a solution."""
    return cell.cell_type == "code" and bool(is_grade(cell)) and not is_solution(cell)


def is_answer(cell) -> bool:
    """An autograded answer: a solution code cell (students replace its solution region)."""
    return cell.cell_type == "code" and bool(is_solution(cell))


def is_written(cell) -> bool:
    """A written answer: a graded solution Markdown cell, graded by hand."""
    return cell.cell_type == "markdown" and bool(is_grade(cell)) and bool(is_solution(cell))


def cell_by_grade_id(nb, gid: str) -> tuple[int, nbformat.NotebookNode]:
    """(index, cell) of the cell whose grade_id is ``gid``; KeyError when there is none."""
    for i, cell in enumerate(nb.cells):
        if grade_id(cell) == gid:
            return i, cell
    raise KeyError(gid)


# -- marked regions --------------------------------------------------------------------------------
def regions(source: str, begin: str, end: str) -> list[tuple[int, int]]:
    """(first, last) line numbers (1-based, markers included) of each ``begin`` ... ``end`` region.

    nbgrader's rule: a line containing ``begin`` opens a region, one containing ``end`` closes it; a
    nested or unclosed region is an error (``ValueError``), as it is for ``generate_assignment``.
    """
    found, start = [], None
    for number, line in enumerate(source.split("\n"), start=1):
        if begin in line:
            if start is not None:
                raise ValueError(f"nested {begin!r} at line {number} (the region opened at line {start})")
            start = number
        elif end in line:
            if start is None:
                raise ValueError(f"{end!r} at line {number} closes no region")
            found.append((start, number))
            start = None
    if start is not None:
        raise ValueError(f"{begin!r} at line {start} is never closed by {end!r}")
    return found


def region_lines(source: str, begin: str, end: str) -> list[list[str]]:
    """The lines strictly inside each region (markers left out)."""
    lines = source.split("\n")
    return [lines[first : last - 1] for first, last in regions(source, begin, end)]


def hidden_line_numbers(source: str, begin: str = BEGIN_HIDDEN, end: str = END_HIDDEN) -> set[int]:
    """Line numbers (1-based) of the hidden-test regions of a test cell, markers included."""
    return {n for first, last in regions(source, begin, end) for n in range(first, last + 1)}


def strip_solution_markers(source: str) -> str:
    """A solution cell's source as a correct student writes it: the marker lines removed."""
    return "\n".join(line for line in source.split("\n") if BEGIN_SOLUTION not in line and END_SOLUTION not in line)


# -- the wrong-answer catalogue --------------------------------------------------------------------
class CatalogueError(ValueError):
    """A wrong-answer catalogue that does not fit its lesson."""


def catalogue_path(lesson: str | Path, solutions: Path = SOLUTIONS, kind: str = "wrong") -> Path:
    """``solutions/<lesson>/wrong_answers.yaml`` (or ``right_answers.yaml`` for ``kind="right"``); ``lesson`` is an
    id or the lesson's folder."""
    folder = Path(lesson) if isinstance(lesson, Path) else Path(solutions) / lesson
    return folder / (CATALOGUE if kind == "wrong" else RIGHT_CATALOGUE)


def load_catalogue(lesson: str | Path, solutions: Path = SOLUTIONS, kind: str = "wrong") -> dict:
    """The lesson's wrong-answer (or, ``kind="right"``, right-answer) catalogue, checked for form
    (FileNotFoundError when it has none).

    A wrong answer has ``name``, ``cell``, ``fails`` (the test cells it must fail), ``message`` (a regular
    expression the error message of one of those cells must match: the feedback names the mistake)
    and one of ``source`` / ``replace``. A right answer has ``name``, ``cell`` and one of ``source`` / ``replace``:
    it must score full marks on every graded cell.
    """
    import yaml

    path = catalogue_path(lesson, solutions, kind)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: every lesson needs a {kind}-answer catalogue (CONTRIBUTING.md)")
    cat = yaml.safe_load(path.read_text())
    if not isinstance(cat, dict) or not isinstance(cat.get("notebook"), str) or not cat.get("answers"):
        raise CatalogueError(f"{path}: must have `notebook: <name>.ipynb` and a non-empty `answers:` list")
    needed = {"name", "cell", "fails", "message"} if kind == "wrong" else {"name", "cell"}
    for i, ans in enumerate(cat["answers"]):
        what = f"{path}: answer {i} ({ans.get('name', '?')!r})" if isinstance(ans, dict) else f"{path}: answer {i}"
        if not isinstance(ans, dict) or not needed <= set(ans):
            raise CatalogueError(f"{what} needs {', '.join(f'`{k}`' for k in sorted(needed))}")
        if ("replace" in ans) == ("source" in ans):
            raise CatalogueError(f"{what} needs exactly one of `replace` and `source`")
        if kind == "wrong" and (not isinstance(ans["fails"], list) or not ans["fails"]):
            raise CatalogueError(f"{what}: `fails` must be a non-empty list of test cell grade_ids")
        if kind == "right" and "fails" in ans:
            raise CatalogueError(f"{what}: a right answer fails nothing (no `fails`)")
        if kind == "wrong" and not (isinstance(ans["message"], str) and ans["message"].strip()):
            raise CatalogueError(f"{what}: `message` must be a regular expression the feedback matches")
    return cat


def wrong_source(solution_source: str, answer: dict) -> str:
    """The source a student with this wrong answer submits for the solution cell.

    ``source`` as given, or the answer (:func:`strip_solution_markers`) with the ``replace`` edits, each
    of which must match exactly once (:class:`CatalogueError` otherwise).
    """
    if "source" in answer:
        return answer["source"]
    src = strip_solution_markers(solution_source)
    for old, new in answer["replace"]:
        count = src.count(old)
        if count != 1:
            raise CatalogueError(
                f"wrong answer {answer.get('name')!r}: the replace pattern {old!r} must match the answer in "
                f"{answer.get('cell')} exactly once. Received: {count} matches"
            )
        src = src.replace(old, new)
    return src


def fill(nb, solution_nb, grade_ids=None):
    """Put the answer of every solution cell (or of those in ``grade_ids``) into ``nb``, in place."""
    answers = {grade_id(c): c for c in solution_nb.cells if is_solution(c)}
    for cell in nb.cells:
        gid = grade_id(cell)
        if is_solution(cell) and gid in answers and (grade_ids is None or gid in grade_ids):
            cell.source = strip_solution_markers(answers[gid].source)
    return nb


def graded_ids(path: Path) -> bool:
    """Give every cell with a ``grade_id`` that id as its cell id (``make sync``); True if the file changed.

    jupytext's text has no cell ids, so a graded cell written (or renamed) in the ``.py`` source gets a
    random id when it is first synced; this makes it the one the course's id rule asks for.
    """
    nb = read(path)
    changed = False
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid and cell.get("id") != gid:
            cell.id = gid
            changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


if __name__ == "__main__":
    import sys

    # python -m autograder.notebooks ids NOTEBOOK...   (used by `make sync`)
    if sys.argv[1:2] != ["ids"]:
        raise SystemExit("usage: python -m autograder.notebooks ids NOTEBOOK [NOTEBOOK ...]")
    for name in sys.argv[2:]:
        if graded_ids(Path(name)):
            print(f"{name}: graded cells now have id = grade_id")
