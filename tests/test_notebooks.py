"""Static checks of every lesson source: the text/notebook pairs in solutions/, the notebooks of solutions/ and
lessons/ (format, outputs, cell ids, nbgrader metadata, skeleton)."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from autograder.notebooks import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    LESSONS,
    REPO,
    SOLUTIONS,
    all_notebooks,
    grade_id,
    is_answer,
    is_test,
    is_written,
    lesson_ids,
    nbgrader_meta,
    notebooks,
    read,
)

ALL = all_notebooks(SOLUTIONS) + all_notebooks(LESSONS)
GRADE_ID = re.compile(r"^[A-Za-z0-9_-]+$")
RANDOM_ID = re.compile(r"^[0-9a-f]{8}$")  # what JupyterLab and jupytext give a new cell
POSITIONAL_ID = re.compile(r"^(cell-?)?\d{1,7}$")  # what nbstripout without --keep-id ("0", "1", ...) would write


def rel(p):
    return str(p.relative_to(REPO))


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_valid_nbformat_without_outputs(path):
    """Every notebook is valid nbformat 4 and is stored without outputs or execution counts."""
    nb = read(path)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{rel(path)} cell {i} has outputs: strip them (make sync: nbstripout --keep-id)"
            assert cell.execution_count is None, f"{rel(path)} cell {i} has an execution count: strip it"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{rel(path)}: kernelspec must be python3"


@pytest.mark.parametrize("path", all_notebooks(SOLUTIONS), ids=rel)
def test_nbgrader_metadata(path):
    """Graded cells have unique, well-formed grade_ids and points; solution and test cells are marked up."""
    nb = read(path)
    ids = []
    graded = 0
    for i, cell in enumerate(nb.cells):
        m = nbgrader_meta(cell)
        if not m:
            continue
        assert m.get("schema_version") == 3, f"{rel(path)} cell {i}: nbgrader schema_version must be 3"
        gid = m.get("grade_id")
        assert gid and GRADE_ID.match(gid), f"{rel(path)} cell {i}: bad grade_id {gid!r}"
        ids.append(gid)
        if m.get("grade"):
            graded += 1
            pts = m.get("points")
            assert isinstance(pts, (int, float)) and pts > 0, f"{rel(path)} {gid}: graded cell needs points > 0"
        if is_test(cell):
            assert m.get("locked"), f"{rel(path)} {gid}: test cells must be locked"
            first = cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""
            assert first.startswith(('"""', "'''", "#")), (
                f"{rel(path)} {gid}: a test cell starts with a one-line docstring saying what it checks"
            )
        if is_answer(cell):
            assert BEGIN_SOLUTION in cell.source and END_SOLUTION in cell.source, (
                f"{rel(path)} {gid}: solution cells wrap the answer in {BEGIN_SOLUTION} / {END_SOLUTION}"
            )
        if BEGIN_HIDDEN in cell.source:
            assert is_test(cell) and END_HIDDEN in cell.source, f"{rel(path)} {gid}: hidden tests only in test cells"
    assert len(ids) == len(set(ids)), f"{rel(path)}: duplicate grade_ids {sorted(i for i in ids if ids.count(i) > 1)}"
    assert graded > 0, f"{rel(path)} has no graded cell"


@pytest.mark.parametrize("path", all_notebooks(SOLUTIONS), ids=rel)
def test_lesson_skeleton(path):
    """Each lesson says what you will learn, has exercises with points, and ends with key takeaways."""
    nb = read(path)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown").lower()
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.lstrip().startswith("# "), "starts with a title"
    assert "what you will learn" in md, "opens with 'What you will learn'"
    assert "key takeaways" in md, "ends with 'Key takeaways'"
    assert re.search(r"## exercise \d+.*\(\d+ points?\)", md), "exercises are headed '## Exercise N — … (k points)'"
    assert any(is_written(c) or is_test(c) for c in nb.cells)


def test_every_lesson_is_released():
    """lessons/ holds exactly the lessons of solutions/ (same folders, same notebook names)."""
    released = sorted(p.name for p in LESSONS.glob("[0-9][0-9]-*") if p.is_dir())
    assert released == lesson_ids(), "run `make lessons`: lessons/ and solutions/ hold different lessons"
    for lesson in lesson_ids():
        released, sources = ([p.name for p in notebooks(root, lesson)] for root in (LESSONS, SOLUTIONS))
        assert released == sources, f"{lesson}: notebooks differ between solutions/ and lessons/"


# -- the text sources: solutions/NN-slug/<name>.py (py:percent) paired with <name>.ipynb -------------------
PAIRS = [(p.with_suffix(".py"), p) for p in all_notebooks(SOLUTIONS)]


def _cells(nb):
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


def test_every_source_is_a_pair():
    """Every lesson folder holds text sources and notebooks in pairs, and nothing else but its catalogues
    (wrong answers, and right answers where the lesson has them)."""
    for lesson in lesson_ids():
        files = {p.name for p in (SOLUTIONS / lesson).iterdir() if p.name != ".ipynb_checkpoints"}
        stems = {Path(n).stem for n in files if n.endswith((".py", ".ipynb"))}
        want = {f"{s}.py" for s in stems} | {f"{s}.ipynb" for s in stems} | {"wrong_answers.yaml"}
        want |= files & {"right_answers.yaml"}
        assert files == want, (
            f"solutions/{lesson}: every <name>.py needs its <name>.ipynb and back (make sync); "
            f"missing {sorted(want - files)}, unexpected {sorted(files - want)}"
        )


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: rel(p[1]))
def test_text_source_in_sync_with_notebook(pair):
    """The .py is exactly jupytext's py:percent text of the .ipynb, and reads back into the same cells."""
    py, ipynb = pair
    nb, text = read(ipynb), py.read_text()
    hint = f"{rel(py)} and {rel(ipynb)} differ: run `make sync` after editing the .py (never edit the .ipynb JSON)"
    assert jupytext.writes(nb, "py:percent") == text, hint
    back = jupytext.reads(text, "py:percent")
    assert _cells(back) == _cells(nb), hint
    assert back.metadata.get("kernelspec") == nb.metadata.get("kernelspec"), hint


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_cell_ids(path):
    """Cell ids are unique; a cell with a grade_id has it as its id; the others keep a random id (not positional)."""
    nb = read(path)
    ids = [c.get("id") for c in nb.cells]
    assert all(ids), f"{rel(path)}: cells without an id (nbformat >= 4.5 notebooks have one per cell)"
    assert len(ids) == len(set(ids)), f"{rel(path)}: duplicate cell ids {sorted({i for i in ids if ids.count(i) > 1})}"
    for i, cell in enumerate(nb.cells):
        gid = grade_id(cell)
        if gid:
            assert cell.id == gid, (
                f"{rel(path)} cell {i}: a cell with grade_id {gid!r} has it as its id, not "
                f"{cell.id!r} (set it in JupyterLab's property inspector, then make sync)"
            )
        else:
            assert RANDOM_ID.match(cell.id) and not POSITIONAL_ID.match(cell.id) and cell.id != str(i), (
                f"{rel(path)} cell {i}: id {cell.id!r} is not a stable random 8-hex id (was nbstripout run without "
                "--keep-id, or the notebook rebuilt without jupytext --update?)"
            )


def test_no_text_source_or_catalogue_in_lessons():
    """lessons/ holds notebooks only: nbgrader's CourseDirectory.ignore keeps the .py sources and catalogues out."""
    stray = sorted(rel(p) for p in LESSONS.rglob("*") if p.is_file() and p.suffix != ".ipynb")
    assert not stray, f"files in lessons/ that are not notebooks (the answers may be in them): {stray}"
