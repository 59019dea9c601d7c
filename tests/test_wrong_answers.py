"""Plausible wrong answers lose points: every autograded test cell is failed by one from the catalogue.

The catalogue is ``tests/wrong_answers/<lesson>.yaml`` (format in CONTRIBUTING.md). For speed each
solution notebook runs once in one kernel; then each wrong answer replaces its solution cell, the cells
from there to the last cell it must fail are run again, and every cell it names must get zero points by
nbgrader's own rule (``nbgrader.utils.determine_grade``: a test cell that raises scores 0). Then the
correct cells are run again, which must restore full points before the next wrong answer.
"""

from __future__ import annotations

import copy

import pytest
from nbclient import NotebookClient
from nbgrader.utils import determine_grade

from course import (
    SOLUTIONS,
    cell_by_grade_id,
    error_outputs,
    is_autograded_test,
    lesson_ids,
    load_catalogue,
    nbg,
    notebooks,
    read,
    wrong_source,
)


def _catalogue(lesson):
    cat = load_catalogue(lesson)
    assert cat, f"tests/wrong_answers/{lesson}.yaml is missing: every lesson needs a wrong-answer catalogue"
    return cat


@pytest.mark.parametrize("lesson", lesson_ids())
def test_catalogue_covers_every_test_cell(lesson):
    """A test cell that no wrong answer can fail is a defect: every one is named by some entry."""
    cat = _catalogue(lesson)
    path = SOLUTIONS / lesson / cat["notebook"]
    nb = read(path)
    tests = {nbg(c)["grade_id"] for c in nb.cells if is_autograded_test(c)}
    named = set()
    for ans in cat["answers"]:
        idx, cell = cell_by_grade_id(nb, ans["cell"])
        assert nbg(cell).get("solution"), f"{ans['name']!r}: {ans['cell']} is not a solution cell"
        assert wrong_source(cell.source, ans) != cell.source, f"{ans['name']!r} changes nothing"
        for gid in ans["fails"]:
            fidx, fcell = cell_by_grade_id(nb, gid)
            assert is_autograded_test(fcell), f"{ans['name']!r}: {gid} is not an autograded test cell"
            assert fidx > idx, f"{ans['name']!r}: {gid} comes before {ans['cell']}"
        named |= set(ans["fails"])
    assert not tests - named, f"{lesson}: test cells with no wrong answer in the catalogue: {sorted(tests - named)}"
    assert len(notebooks(SOLUTIONS, lesson)) == 1 or "notebook" in cat


def _run(client, cells, start):
    for offset, cell in enumerate(cells):
        if cell.cell_type == "code":
            client.execute_cell(cell, start + offset)


@pytest.mark.slow
@pytest.mark.parametrize("lesson", lesson_ids())
def test_wrong_answers_lose_points(lesson):
    cat = _catalogue(lesson)
    path = SOLUTIONS / lesson / cat["notebook"]
    nb = read(path)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        resources={"metadata": {"path": str(path.parent)}},
    )
    problems = []
    with client.setup_kernel():
        _run(client, nb.cells, 0)
        assert not error_outputs(nb), f"the solution of {lesson} raised: {error_outputs(nb)}"
        # nbclient stores each executed cell back into client.nb, so keep the correct cells apart.
        original = copy.deepcopy(nb.cells)
        for ans in cat["answers"]:
            idx, solution = cell_by_grade_id(nb, ans["cell"])
            end = max(cell_by_grade_id(nb, gid)[0] for gid in ans["fails"])
            span = [copy.deepcopy(c) for c in original[idx : end + 1]]
            span[0].source = wrong_source(solution.source, ans)
            _run(client, span, idx)
            for gid in ans["fails"]:
                cell = span[cell_by_grade_id(nb, gid)[0] - idx]
                score, max_score = determine_grade(cell)
                if score != 0:
                    problems.append(f"{ans['name']!r} ({ans['cell']}) still scores {score}/{max_score} on {gid}")
            # Restore the correct definitions; the named cells must pass again.
            restored = [copy.deepcopy(c) for c in original[idx : end + 1]]
            _run(client, restored, idx)
            for gid in ans["fails"]:
                cell = restored[cell_by_grade_id(nb, gid)[0] - idx]
                score, max_score = determine_grade(cell)
                errs = [o.get("evalue") for o in cell.outputs if o.get("output_type") == "error"]
                assert score == max_score, f"after restoring the solution, {gid} fails: {errs}"
    assert not problems, "wrong answers that do not lose points:\n" + "\n".join(problems)
