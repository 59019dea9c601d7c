"""Honest mistakes never cost a whole notebook (issue 12, item 6): autograder/sanitize.py, proven.

One scratch course grades ``01-sequences`` for one student per honest mistake, each otherwise correct, in
one ``nbgrader autograde`` run with the course's configuration. Each mistake used to leave the notebook
ungraded (the marker: without feedback; the schema version: the whole run stopped). Now every student is
graded: every test cell scores its full points, as the correct student's does (tests/test_autograde.py),
except those the mistake really concerns (a deleted exercise, unreadable outputs: 0); the instructor's
log names the student, the notebook and the cell; ``generate_feedback`` works for everybody and each page
says what was repaired. The in-process tests run more mistakes (and a correct notebook, left alone)
through the repair and nbgrader's own sanitizing steps on the same gradebook, without a kernel.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.notebooks import SOLUTIONS, cell_by_grade_id, fill, grade_id, is_answer, is_test, points
from autograder.sanitize import (
    NOTE_TAG,
    READABLE_OUTPUTS,
    REPAIR,
    ReadableTestOutputs,
    RepairSubmission,
    _dotted,
    configure,
    defuse_markers,
)

LESSON = "01-sequences"
TESTS = Path(__file__).resolve().parent
INJECT = "test_sanitize.InjectOddOutputs"
ODD = "odd_output"  # the student whose test cells get odd outputs after execution (by InjectOddOutputs)


class InjectOddOutputs(NbGraderPreprocessor):
    """Test only, placed after the execution step: gives three test cells of student ``odd_output`` a result
    nbgrader cannot read as a score, as a kernel (or a checker) might write: text, no text, too many points."""

    def preprocess(self, nb, resources):
        if resources["nbgrader"]["student"] == ODD:
            tests = [c for c in nb.cells if is_test(c)]
            results = [{"text/plain": "'all good'"}, {"image/png": "iVBORw0KGgo="}, {"text/plain": "1000"}]
            for cell, data in zip(tests[-3:], results, strict=True):
                cell.outputs.append(
                    nbformat.from_dict(
                        {"output_type": "execute_result", "execution_count": 1, "data": data, "metadata": {}}
                    )
                )
        return nb, resources


# -- the lesson's cells the mistakes touch (found in the lesson, not hard-coded) ---------------------------
class Lesson:
    def __init__(self, root: Path):
        self.name = next((root / "lessons" / LESSON).glob("*.ipynb")).name
        self.release = nbformat.read(root / "lessons" / LESSON / self.name, as_version=4)
        self.solution = nbformat.read(root / "solutions" / LESSON / self.name, as_version=4)
        cells = self.release.cells
        self.tests = [grade_id(c) for c in cells if is_test(c)]
        self.points = {grade_id(c): points(c) for c in cells if is_test(c)}
        answers = [i for i, c in enumerate(cells) if is_answer(c)]
        self.answer = grade_id(cells[answers[1]])  # the second exercise, and its first test
        self.test = next(grade_id(c) for c in cells[answers[1] :] if is_test(c))
        self.last = grade_id(cells[answers[-1]])  # the last exercise (no later one uses it), and its tests
        self.last_tests = [grade_id(c) for c in cells[answers[-1] :] if is_test(c)]

    def correct(self):
        return fill(copy.deepcopy(self.release), self.solution)

    def cell(self, nb, gid):
        return cell_by_grade_id(nb, gid)


def copied_test(ls: Lesson):
    """A test cell copied (Ctrl-C, Ctrl-V) to the top of the notebook: the copy cannot pass there."""
    nb = ls.correct()
    copy_ = copy.deepcopy(ls.cell(nb, ls.test)[1])
    copy_.id = "pasted-copy"
    nb.cells.insert(0, copy_)
    return nb


def copied_answer(ls: Lesson):
    """The answer cell duplicated: the original left as the stub, the answer written in the copy below."""
    nb = fill(copy.deepcopy(ls.release), ls.solution, {g for g in map(grade_id, ls.release.cells) if g != ls.answer})
    i, cell = ls.cell(nb, ls.answer)
    answer = copy.deepcopy(cell)
    answer.id = "my-answer"
    answer.source = ls.cell(ls.correct(), ls.answer)[1].source
    nb.cells.insert(i + 1, answer)
    return nb


MARKED = """# Copied from the lesson's notes: ### BEGIN HIDDEN TESTS / ### END HIDDEN TESTS
_MARK = "### BEGIN HIDDEN TESTS"
assert len(_MARK) == 22 and _MARK.split()[-1] == "TESTS"  # the value is unchanged (else: no answer below)
"""


def marker_text(ls: Lesson):
    """nbgrader's hidden-test marker typed in an answer (a comment and a string the code depends on)."""
    nb = ls.correct()
    cell = ls.cell(nb, ls.answer)[1]
    cell.source = MARKED + cell.source
    return nb


def answer_as_test(ls: Lesson):
    """The answer cell marked as a test cell (nbgrader's cell toolbar, or a hand edit)."""
    nb = ls.correct()
    ls.cell(nb, ls.answer)[1].metadata["nbgrader"].update(grade=True, solution=False, locked=True, points=2)
    return nb


def lost_metadata(ls: Lesson):
    """A test cell's nbgrader metadata removed (an editor that drops unknown metadata)."""
    nb = ls.correct()
    del ls.cell(nb, ls.test)[1].metadata["nbgrader"]
    return nb


def bogus_schema(ls: Lesson):
    """A bogus schema_version on a test cell: it stopped the whole autograde run, every later student too."""
    nb = ls.correct()
    ls.cell(nb, ls.test)[1].metadata["nbgrader"]["schema_version"] = 4
    return nb


def markdown_answer(ls: Lesson):
    """The answer cell turned into Markdown (key M), saved by an editor that writes `attachments`."""
    nb = ls.correct()
    i, cell = ls.cell(nb, ls.answer)
    md = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata, attachments={})
    md.id = cell.id
    nb.cells[i] = md
    return nb


def deleted_exercise(ls: Lesson):
    """An exercise given up: its answer cell and its tests deleted (nbgrader's put-back then failed)."""
    nb = ls.correct()
    nb.cells = [c for c in nb.cells if grade_id(c) not in {ls.last, *ls.last_tests}]
    return nb


def edited_metadata(ls: Lesson):
    """Three metadata edits at once: the answer marked as a test, a test's metadata lost, a bogus schema."""
    nb = answer_as_test(ls)
    del ls.cell(nb, ls.tests[0])[1].metadata["nbgrader"]
    ls.cell(nb, ls.test)[1].metadata["nbgrader"]["schema_version"] = 4
    return nb


# student -> (builder, what the log and the feedback must mention); graded by nbgrader, one notebook each
MISTAKES = {
    "copied_test": (copied_test, ["a second cell with the grade_id"]),
    "copied_answer": (copied_answer, ["a second cell with the grade_id"]),
    "marker_text": (marker_text, ["marker text"]),
    "edited_metadata": (
        edited_metadata,
        ["metadata of this answer cell had changed", "had lost its nbgrader metadata", "schema_version 4"],
    ),
    "deleted_exercise": (deleted_exercise, ["was missing from your notebook"]),
    ODD: (Lesson.correct, ["scores 0 for this cell"]),
}


def expected_scores(ls: Lesson, student: str) -> dict[str, float]:
    scores = dict(ls.points)
    if student == "deleted_exercise":
        scores.update(dict.fromkeys(ls.last_tests, 0.0))
    if student == ODD:
        scores.update(dict.fromkeys(ls.tests[-3:], 0.0))
    return scores


# -- the course ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from course import TempCourse

    course = TempCourse(tmp_path_factory.mktemp("sanitize") / "course", timeout=30).create([LESSON], SOLUTIONS)
    course.generate(LESSON)
    return course


@pytest.fixture(scope="module")
def lesson(course):
    return Lesson(course.root)


@pytest.fixture(scope="module")
def graded(course, lesson):
    """Every student graded in one autograde run, then their feedback generated (in one run too)."""
    for student, (build, _) in MISTAKES.items():
        course.submit(student, LESSON, build(lesson), lesson.name)
    # The course's execution step, the odd outputs after it (this test's own), and ReadableTestOutputs
    # right before SaveAutoGrades (added here as long as the course config does not list it yet).
    steps = [_dotted(s) for s in course.config().Autograde.autograde_preprocessors]
    if READABLE_OUTPUTS not in steps:
        steps.insert(steps.index("nbgrader.preprocessors.SaveAutoGrades"), READABLE_OUTPUTS)
    steps.insert(steps.index(READABLE_OUTPUTS), INJECT)
    course.env["PYTHONPATH"] = f"{TESTS}:{course.env.get('PYTHONPATH', '')}".rstrip(":")
    auto = course.nbgrader("autograde", LESSON, "--force", *(f"--Autograde.autograde_preprocessors={s}" for s in steps))
    feedback = course.nbgrader("generate_feedback", LESSON, "--force")
    return auto.stderr, feedback


@pytest.mark.slow
@pytest.mark.parametrize("student", MISTAKES)
def test_each_mistake_costs_only_what_it_concerns(student, course, lesson, graded):
    scores = course.scores(LESSON, student)
    got = {gid: s["auto_score"] for gid, s in scores.items() if gid in lesson.points}
    assert got == expected_scores(lesson, student), f"{student}: {got}"


@pytest.mark.slow
@pytest.mark.parametrize("student", MISTAKES)
def test_the_log_and_the_feedback_say_what_was_repaired(student, course, lesson, graded):
    log, _ = graded
    ours = [line for line in log.splitlines() if f"student {student!r}" in line]
    page = course.root / ".course" / "feedback" / student / LESSON / lesson.name.replace(".ipynb", ".html")
    assert page.exists(), f"no feedback for {student}"
    html = page.read_text()
    autograded = nbformat.read(course.autograded(student, LESSON, lesson.name), as_version=4)
    assert "The autograder repaired your notebook" in html
    text = re.sub(r"\s+", " ", html.replace("&#x27;", "'"))
    for phrase in MISTAKES[student][1]:
        assert any(phrase in line and LESSON in line for line in ours), f"log for {student}: {ours}"
        assert phrase in text, f"{student}'s feedback lacks {phrase!r}"
    assert autograded.cells[0].source.startswith(NOTE_TAG)


@pytest.mark.slow
def test_repaired_notebooks_keep_what_the_student_wrote(course, lesson, graded):
    """The marker is respelled, not removed, and the value of the string holding it is the same."""
    marked = nbformat.read(course.autograded("marker_text", LESSON, lesson.name), as_version=4)
    source = lesson.cell(marked, lesson.answer)[1].source
    assert "BEGIN HIDDEN TESTS" not in source and "END HIDDEN TESTS" not in source
    assert '_MARK = "### BEGIN HIDDEN" " TESTS"' in source
    # the copied answer: the copy with the answer is graded, the stub stays in as an ordinary cell
    dup = nbformat.read(course.autograded("copied_answer", LESSON, lesson.name), as_version=4)
    kept = lesson.cell(dup, lesson.answer)[1]
    assert kept.id == "my-answer" and "NotImplementedError" not in kept.source
    # the odd outputs: a visible note in each affected test cell, on stderr (nbgrader's "failed")
    odd = nbformat.read(course.autograded(ODD, LESSON, lesson.name), as_version=4)
    for gid in lesson.tests[-3:]:
        first = lesson.cell(odd, gid)[1].outputs[0]
        assert first["name"] == "stderr" and "could not read a score" in first["text"]


# -- in process: the repairs on the course's gradebook, without a kernel ---------------------------------
def sanitize(course, nb, student="someone"):
    """RepairSubmission, then nbgrader's own sanitizing steps, as ``nbgrader autograde`` runs them."""
    from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells
    from traitlets.config import Config

    cfg = Config()
    cfg.OverwriteCells.add_missing_cells = True
    res = {"nbgrader": {"notebook": "sequences", "assignment": LESSON, "student": student, "db_url": course.db_url}}
    for step in (RepairSubmission, ClearOutput, DeduplicateIds, OverwriteCells, CheckCellMetadata):
        nb, res = step(config=cfg)(nb, res)
    return nb


def _edit(fn):
    def build(ls):
        nb = ls.correct()
        fn(ls, nb)
        return nb

    return build


def _meta(ls, nb, gid):
    return ls.cell(nb, gid)[1].metadata


MORE = {
    **{name: build for name, (build, _) in MISTAKES.items() if name != ODD},
    "answer_as_test": answer_as_test,
    "lost_metadata": lost_metadata,
    "bogus_schema": bogus_schema,
    "markdown_answer": markdown_answer,
    "null_metadata": _edit(lambda ls, nb: _meta(ls, nb, ls.answer).update(nbgrader=None)),
    "empty_metadata": _edit(lambda ls, nb: _meta(ls, nb, ls.answer).update(nbgrader={})),
    "points_as_text": _edit(lambda ls, nb: _meta(ls, nb, ls.test)["nbgrader"].update(points="2")),
    "extra_key": _edit(lambda ls, nb: _meta(ls, nb, ls.answer)["nbgrader"].update(note="mine")),
    "old_schema": _edit(lambda ls, nb: _meta(ls, nb, ls.answer)["nbgrader"].update(schema_version=1)),
    "unknown_grade_id": _edit(lambda ls, nb: _meta(ls, nb, ls.answer)["nbgrader"].update(grade_id="my_answer")),
    "no_grade_id": _edit(lambda ls, nb: _meta(ls, nb, ls.test)["nbgrader"].pop("grade_id")),
    "unlocked_test": _edit(lambda ls, nb: _meta(ls, nb, ls.test)["nbgrader"].update(locked=False)),
    "test_as_markdown": _edit(lambda ls, nb: ls.cell(nb, ls.test)[1].update(cell_type="markdown")),
    "new_cell_marked": _edit(
        lambda ls, nb: nb.cells.insert(
            3,
            nbformat.from_dict(
                {
                    "cell_type": "code",
                    "id": "new-one",
                    "source": "x = 1",
                    "outputs": [],
                    "execution_count": None,
                    "metadata": {"nbgrader": {"grade": False, "solution": True, "locked": False, "grade_id": "x"}},
                }
            ),
        )
    ),
    "all_tests_deleted": _edit(lambda ls, nb: setattr(nb, "cells", [c for c in nb.cells if not is_test(c)])),
}


@pytest.mark.parametrize("mistake", sorted(MORE))
def test_every_mistake_is_repaired_so_that_nbgrader_accepts_the_notebook(mistake, course, lesson):
    nb = sanitize(course, MORE[mistake](lesson), mistake)  # raises if nbgrader would still refuse it
    graded = [grade_id(c) for c in nb.cells if grade_id(c)]
    instructor = [grade_id(c) for c in lesson.release.cells if grade_id(c)]
    missing_answer = mistake == "deleted_exercise"
    assert sorted(graded) == sorted(g for g in instructor if not (missing_answer and g == lesson.last))
    assert nb.cells[0].source.startswith(NOTE_TAG), f"{mistake}: no note"
    for gid in lesson.tests:  # every test cell is the instructor's again, hidden tests and all
        cell = lesson.cell(nb, gid)[1]
        assert cell.cell_type == "code" and cell.metadata["nbgrader"]["points"] == lesson.points[gid]


def test_a_correct_notebook_is_left_as_it_is(course, lesson):
    nb = sanitize(course, lesson.correct())
    assert not nb.cells[0].source.startswith(NOTE_TAG)
    assert [c.source for c in nb.cells if is_answer(c)] == [c.source for c in lesson.correct().cells if is_answer(c)]


def test_a_note_in_the_submission_is_not_the_students_to_write(course, lesson):
    nb = lesson.correct()
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(NOTE_TAG + "\nAll your answers deserve full marks."))
    assert "full marks" not in sanitize(course, nb).cells[0].source


@pytest.mark.parametrize(
    "source",
    [
        "# ### BEGIN HIDDEN TESTS\nx = 1",
        'x = "### BEGIN HIDDEN TESTS"',
        "x = r'END HIDDEN TESTS' + b'BEGIN SOLUTION'.decode()",
        'def f():\n    """Doc.\n\n    ### END SOLUTION\n    """\n    return 1',
        'y = f"BEGIN HIDDEN TESTS {1 + 1}"',
        's = "BEGIN HIDDEN TESTS, twice: BEGIN HIDDEN TESTS"',
        '%config InteractiveShell.ast_node_interactivity = "all"\nprint("BEGIN HIDDEN TESTS")  # END HIDDEN TESTS',
    ],
)
def test_markers_are_respelled_without_changing_what_the_code_does(source):
    from autograder.sanitize import _python

    new, same = defuse_markers(source, code=True)
    assert same and _python(new) == _python(source) is not None
    assert not any(m in new for m in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION"))


def test_markers_the_code_cannot_keep_are_respelled_and_said_so():
    new, same = defuse_markers('%%bash\necho "BEGIN HIDDEN TESTS"', code=True)
    assert "BEGIN HIDDEN  TESTS" in new and not same
    assert defuse_markers("I typed BEGIN SOLUTION here", code=False) == ("I typed BEGIN  SOLUTION here", True)


@pytest.mark.parametrize(
    "data, score",
    [
        ({"text/plain": "1.5"}, 1.5),  # nbgrader's partial credit still works
        ({"text/plain": "'all good'"}, 0),  # nbgrader: full marks
        ({"image/png": "iVBORw0KGgo="}, 0),  # nbgrader: KeyError, the notebook ungraded
        ({"text/plain": ""}, 0),  # nbgrader: KeyError
        ({"text/plain": "1000"}, 0),  # nbgrader: ValueError
        ({"text/plain": "-1"}, 0),  # nbgrader: full marks
        ({"text/plain": "nan"}, 0),  # nbgrader: full marks
    ],
)
def test_unreadable_test_outputs_score_zero_with_a_note(data, score):
    from nbgrader.utils import determine_grade

    cell = nbformat.v4.new_code_cell("assert True")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "t", "points": 2}
    cell.outputs = [nbformat.v4.new_output("execute_result", data, execution_count=1)]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb, _ = ReadableTestOutputs()(nb, {"nbgrader": {"student": "s", "assignment": "a", "notebook": "n"}})
    assert determine_grade(nb.cells[-1])[0] == score
    assert nb.cells[0].source.startswith(NOTE_TAG) == (score == 0)


def test_configure_puts_the_repair_first_and_keeps_nbgrader_s_steps():
    from nbgrader.converters.autograde import Autograde
    from traitlets.config import Config

    c = Config()
    configure(c)
    configure(c)  # twice: still once
    defaults = [p.__name__ for p in Autograde.class_traits()["sanitize_preprocessors"].default()]
    # nbgrader's ClearOutput becomes the one that keeps a skipped demonstration cell's outputs (skipping.py)
    defaults = ["ClearOutputKeepDemos" if name == "ClearOutput" else name for name in defaults]
    assert c.Autograde.sanitize_preprocessors[0] == REPAIR
    assert [p.rsplit(".", 1)[-1] for p in c.Autograde.sanitize_preprocessors[1:]] == defaults
    assert "autograder.skipping.ClearOutputKeepDemos" in c.Autograde.sanitize_preprocessors


if __name__ == "__main__":  # imported by the nbgrader subprocess for InjectOddOutputs: nothing to run
    sys.exit(0)
