"""A tiny NumPy lesson in the course's format, for the tests that need a lesson they fully control (the
tamper guard with and without, the PostgreSQL gradebook).

``write(root)`` creates ``root/solutions/00-tiny/tiny.ipynb`` (a setup cell, two exercises, each a solution
cell and a test cell with visible and hidden tests, and a written answer) and its wrong-answer catalogue
``wrong_answers.yaml`` beside it, as a real lesson has.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

LESSON, NOTEBOOK = "00-tiny", "tiny.ipynb"

WRONG = {  # the catalogue, in the format of solutions/<lesson>/wrong_answers.yaml
    "notebook": NOTEBOOK,
    "answers": [
        {
            "name": "sum instead of mean",
            "cell": "ex1_mean_state",
            "fails": ["test_ex1_mean_state"],
            "message": "mean",
            "replace": [["return h.mean(axis=1)", "return h.sum(axis=1)"]],
        }
    ],
}


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    m = {"schema_version": 3, "grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id}
    if points is not None:
        m["points"] = points
    return {"nbgrader": m}


def notebook():
    cells = [
        new_markdown_cell(
            "# Lesson 00 — Tiny\n\nA two-exercise lesson for the autograder's tests.",
            metadata=_meta("intro", locked=True),
        ),
        new_code_cell(
            "import numpy as np\nfrom numpy.testing import assert_allclose",
            metadata=_meta("setup", locked=True),
        ),
        new_markdown_cell("## Exercise 1 — mean state (2 points)"),
        new_code_cell(
            'def mean_state(h):\n    """Mean over time of h, shape (N, T, H) -> (N, H)."""\n'
            "    ### BEGIN SOLUTION\n    return h.mean(axis=1)\n    ### END SOLUTION",
            metadata=_meta("ex1_mean_state", solution=True),
        ),
        new_code_cell(
            '"""mean_state averages over the time axis."""\n'
            "h = np.arange(12.0).reshape(1, 3, 4)\n"
            'np.testing.assert_allclose(mean_state(h), [[4.0, 5.0, 6.0, 7.0]], err_msg="average over axis 1")\n'
            "### BEGIN HIDDEN TESTS\nh2 = np.random.default_rng(0).normal(size=(2, 5, 3))\n"
            'np.testing.assert_allclose(mean_state(h2), h2.sum(axis=1) / 5, err_msg="hidden: other shapes")\n'
            "### END HIDDEN TESTS",
            metadata=_meta("test_ex1_mean_state", grade=True, locked=True, points=2),
        ),
        new_markdown_cell("## Exercise 2 — squash (1 point)"),
        new_code_cell(
            'def squash(x):\n    """tanh of x, any shape."""\n'
            "    ### BEGIN SOLUTION\n    return np.tanh(x)\n    ### END SOLUTION",
            metadata=_meta("ex2_squash", solution=True),
        ),
        new_code_cell(
            '"""squash is tanh."""\n'
            'assert_allclose(squash(np.zeros(3)), np.zeros(3), err_msg="tanh(0) = 0")\n'
            "### BEGIN HIDDEN TESTS\n"
            "assert_allclose(squash(np.array([1.0, -2.0])), [0.7615941559557649, -0.9640275800758169], rtol=1e-6)\n"
            "### END HIDDEN TESTS",
            metadata=_meta("test_ex2_squash", grade=True, locked=True, points=1),
        ),
        new_markdown_cell(
            "Why average?\n\nBecause it is short.", metadata=_meta("written_why", grade=True, solution=True, points=1)
        ),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    return nb


def write(root: Path) -> Path:
    folder = Path(root) / "solutions" / LESSON
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook(), folder / NOTEBOOK)
    (folder / "wrong_answers.yaml").write_text(yaml.safe_dump(WRONG, sort_keys=False))
    return folder
