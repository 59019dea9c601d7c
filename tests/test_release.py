"""lessons/ is exactly what `make lessons` makes from the text sources in solutions/, and gives nothing away."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import jupytext
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
    is_solution,
    is_written,
    lesson_ids,
    read,
    region_lines,
)


def _first_difference(got: dict, want: dict) -> str:
    if got.get("metadata") != want.get("metadata") or got.get("nbformat_minor") != want.get("nbformat_minor"):
        return f"notebook metadata: {got.get('metadata')} != {want.get('metadata')}"
    if len(got["cells"]) != len(want["cells"]):
        return f"{len(got['cells'])} cells committed, `make lessons` makes {len(want['cells'])}"
    for i, (g, w) in enumerate(zip(got["cells"], want["cells"], strict=True)):
        if g != w:
            keys = sorted(k for k in set(g) | set(w) if g.get(k) != w.get(k))
            return f"cell {i} (id {g.get('id')!r}) differs in {keys}"
    return "the JSON is equal, the text is not (formatting: nbstripout --keep-id)"


@pytest.mark.slow
def test_make_lessons_reproduces_the_release(tmp_path):
    """`make lessons` on a copy of the course remakes solutions/*.ipynb and lessons/ exactly, cell ids included.

    One run of `make lessons` (sync: jupytext --update from the .py sources and nbstripout; then
    nbgrader generate_assignment for every lesson and nbstripout --keep-id), in a scratch course root.
    """
    root = tmp_path / "course"
    shutil.copytree(SOLUTIONS, root / "solutions", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("LSTM_COURSE_DB", "LSTM_COURSE_ROOT", "MAKEFLAGS")}
    env["LSTM_COURSE_EXCHANGE"] = str(root / ".course" / "exchange")
    # -o: the venv is what runs this test; never reinstall it from here.
    proc = subprocess.run(
        ["make", "-s", "-o", ".venv/.installed", "lessons", f"COURSE_ROOT={root}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert proc.returncode == 0, f"make lessons failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"

    problems = []
    # make sync is a no-op: the committed notebooks are what jupytext makes of the committed .py sources.
    for path in all_notebooks(SOLUTIONS):
        made = root / path.relative_to(REPO)
        if made.read_text() != path.read_text():
            problems.append(
                f"{path.relative_to(REPO)}: `make sync` changes it "
                f"({_first_difference(json.loads(path.read_text()), json.loads(made.read_text()))})"
            )
    # lessons/ is exactly the generated release: same folders, same files, same notebooks byte for byte.
    made_lessons = root / "lessons"
    files = lambda top: sorted(str(p.relative_to(top)) for p in top.rglob("*") if p.is_file())  # noqa: E731
    if files(made_lessons) != files(LESSONS):
        problems.append(f"lessons/ holds {files(LESSONS)}, `make lessons` makes {files(made_lessons)}")
    for path in all_notebooks(LESSONS):
        made = made_lessons / path.relative_to(LESSONS)
        if made.exists() and made.read_text() != path.read_text():
            problems.append(
                f"{path.relative_to(REPO)}: differs from `make lessons` "
                f"({_first_difference(json.loads(path.read_text()), json.loads(made.read_text()))})"
            )
    assert not problems, "run `make lessons` (never edit lessons/ or the .ipynb by hand):\n" + "\n".join(problems)
    assert sorted(p.name for p in made_lessons.iterdir()) == lesson_ids()


# Lines too generic to count as giving an answer away when they also occur in released code: an import of
# a module (e.g. the `import helpers.lstm` with which hidden tests reach the reference), and the pieces the
# formatter splits a long call into: the bare opener `np.testing.assert_allclose(` and a lone tolerance
# keyword such as `atol=1e-10,`.
TRIVIAL = re.compile(
    r"^(\W*|pass|return|else:|try:|finally:|break|continue|\w{1,6}|return \w{1,4}|#.{0,12}|import [\w.]+( as \w+)?"
    r"|[\w.]+\(|(atol|rtol|decimal)=[\w.+-]+,?)$"
)


def _secret_lines(nb):
    """(kind, grade_id, line) for every line of every solution region and hidden-test region."""
    out = []
    for cell in nb.cells:
        gid = grade_id(cell) or "?"
        if is_solution(cell):
            found = region_lines(cell.source, BEGIN_SOLUTION, END_SOLUTION)
            if not found and (is_written(cell) or cell.cell_type == "markdown"):
                found = [cell.source.splitlines()]  # a written answer's whole source is its model answer
            for region in found:
                out += [("solution", gid, line.strip()) for line in region]
        for region in region_lines(cell.source, BEGIN_HIDDEN, END_HIDDEN):
            out += [("hidden test", gid, line.strip()) for line in region]
    public = _public_lines(nb)  # a line the author also wrote in a visible part reveals nothing
    return [(k, g, line) for k, g, line in out if line and not TRIVIAL.match(line) and line not in public]


def _public_lines(nb):
    """Every line of the source outside solution regions, hidden-test regions and written model answers."""
    public, inside = set(), False
    for cell in nb.cells:
        if is_solution(cell) and (is_written(cell) or cell.cell_type == "markdown"):
            continue
        for line in cell.source.splitlines():
            if line.strip() in (BEGIN_SOLUTION, BEGIN_HIDDEN):
                inside = True
            elif line.strip() in (END_SOLUTION, END_HIDDEN):
                inside = False
            elif not inside:
                public.add(line.strip())
        inside = False
    return public


RELEASED = {p: {line.strip() for c in read(p).cells for line in c.source.splitlines()} for p in all_notebooks(LESSONS)}
SOURCES = [*all_notebooks(SOLUTIONS), *(p.with_suffix(".py") for p in all_notebooks(SOLUTIONS))]


def _read_source(path):
    return jupytext.read(path, fmt="py:percent") if path.suffix == ".py" else read(path)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_solution_or_hidden_test_in_lessons(path):
    """No line of any solution region or hidden test, in a notebook or its .py text, appears in lessons/."""
    secrets = _secret_lines(_read_source(path))
    assert secrets, f"{path.name}: found no solution or hidden-test lines to check"
    leaks = []
    for released, lines in RELEASED.items():
        text = "\n".join(lines)
        for marker in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN):
            assert marker not in text, f"{released}: contains {marker!r}"
        leaks += [
            f"{released.parent.name}/{released.name}: {kind} line of {gid}: {line!r}"
            for kind, gid, line in secrets
            if line in lines
        ]
    assert not leaks, "solution/hidden-test lines visible to students:\n" + "\n".join(leaks[:30])
