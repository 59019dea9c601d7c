"""No free marks from the reference: a catalogue of delegating answers, one per exercise, every lesson.

For each exercise whose reference is in ``helpers/`` (the exercise map), the delegating answer is generated
from the answer cell: each function it defines becomes ``return helpers.<module>.<name>(*args, **kwargs)``.
A notebook of the lesson's imports, these answers and the exercise's graded test cells is run by the
course's real execution step (:class:`autograder.preprocessors.JudgedExecute`: the student's cells in a
kernel, the test cells in the trusted checker; sandbox off, for speed, as the sandbox plays no part here).
Every test cell of every such exercise must fail with ``CalledTheReference``, whose message names the
reference. The other forms of delegation (alias, captured object, ``sys.modules``/``importlib`` lookup,
catching the tripwire, patching ``helpers``) are in the hostile corpus (tests/bad_submissions/corpus.py).
"""

from __future__ import annotations

import ast

import nbformat
import pytest
from traitlets.config import Config

from autograder.exercise_map import exercise_map
from autograder.judge import plan
from autograder.notebooks import REPO, SOLUTIONS, grade_id, is_answer, is_test, lesson_ids, notebooks, read
from autograder.preprocessors import JudgedExecute

EXERCISES = [ex for ex in exercise_map() if any(ex.references.get(f) for f in ex.functions)]


def delegating(functions: dict[str, str]) -> str:
    """An answer cell whose functions only call the course's references (function -> helpers.m.name)."""
    modules = sorted({ref.rpartition(".")[0] for ref in functions.values()})
    lines = [f"import {m}" for m in modules]
    for name, ref in functions.items():
        lines += ["", "", f"def {name}(*args, **kwargs):", f"    return {ref}(*args, **kwargs)"]
    return "\n".join(lines) + "\n"


def _case(lesson: str):
    """The lesson's notebooks reduced to: imports, delegating answers, the delegated exercises' tests."""
    exercises = [ex for ex in EXERCISES if ex.lesson == lesson]
    out = []
    for path in notebooks(SOLUTIONS, lesson):
        mine = [ex for ex in exercises if ex.notebook == path.name]
        if not mine:
            continue
        nb = read(path)
        keep_tests = {t for ex in mine for t in ex.tests}
        answers = {c: ex for ex in mine for c in ex.cells}
        imports = plan(path)["setup"]
        cells = [nbformat.v4.new_code_cell(imports)]
        for cell in nb.cells:
            if cell.cell_type == "code" and is_answer(cell) and grade_id(cell) in answers:
                ex = answers[grade_id(cell)]
                defined = [
                    n.name for n in ast.parse(cell.source.replace("### ", "# ")).body if isinstance(n, ast.FunctionDef)
                ]
                refs = {f: ex.references[f][0] for f in defined if ex.references.get(f)}
                new = nbformat.v4.new_code_cell(delegating(refs), metadata=cell.metadata)
                cells.append(new)
            elif cell.cell_type == "code" and is_test(cell) and grade_id(cell) in keep_tests:
                cells.append(cell)
        reduced = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
        out.append((path, reduced, mine))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("lesson", sorted({ex.lesson for ex in EXERCISES}))
def test_delegating_to_the_reference_earns_nothing(lesson):
    c = Config()
    c.CourseDirectory.root = str(REPO)
    c.CourseDirectory.source_directory = "solutions"
    checked = 0
    for path, nb, exercises in _case(lesson):
        ep = JudgedExecute(config=c, sandbox=False, timeout=120)
        nb, _ = ep.preprocess(nb, {"nbgrader": {"assignment": lesson, "notebook": path.stem}})
        refs = {t: [r for f in ex.functions for r in ex.references.get(f, [])] for ex in exercises for t in ex.tests}
        for cell in nb.cells:
            if not (cell.cell_type == "code" and is_test(cell)):
                continue
            errors = [o for o in cell.outputs if o.get("output_type") == "error"]
            assert errors, f"{lesson} {grade_id(cell)}: a delegating answer passed"
            assert errors[0]["ename"] == "CalledTheReference", (
                f"{lesson} {grade_id(cell)}: failed with {errors[0]['ename']}: {errors[0]['evalue'][:300]}"
            )
            assert any(r in errors[0]["evalue"] for r in refs[grade_id(cell)]), errors[0]["evalue"]
            checked += 1
    assert checked == sum(len(ex.tests) for ex in EXERCISES if ex.lesson == lesson)


def test_every_exercise_with_a_reference_has_a_delegating_answer():
    covered = {(ex.lesson, ex.number) for lesson in lesson_ids() for _, _, mine in _case(lesson) for ex in mine}
    assert covered == {(ex.lesson, ex.number) for ex in EXERCISES}
    assert len(covered) >= 30, f"only {len(covered)} exercises have a reference"
