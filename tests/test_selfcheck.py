"""`make check`: a learner grades their own copy with the course's grader, hidden tests included, and never
sees hidden test code; `make progress` reports each lesson's state."""

from __future__ import annotations

import nbformat
import pytest

from autograder import selfcheck
from autograder.classroom import student_notebook
from autograder.notebooks import (
    BEGIN_HIDDEN,
    END_HIDDEN,
    REPO,
    SOLUTIONS,
    is_test,
    is_written,
    load_catalogue,
    notebooks,
    points,
    region_lines,
)

pytestmark = [pytest.mark.slow]
LESSON = "02-vanishing-gradients"  # has a written answer


def _copy(tmp_path, kind: str):
    (src,) = notebooks(SOLUTIONS, LESSON)
    nb = student_notebook(kind, REPO / "lessons" / LESSON / src.name, src, LESSON)
    path = tmp_path / kind / src.name
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path, nbformat.read(src, as_version=4)


def _hidden_only_lines(solution) -> set[str]:
    (release,) = notebooks(REPO / "lessons", LESSON)
    public = {line.strip() for c in nbformat.read(release, as_version=4).cells for line in c.source.splitlines()}
    hidden = {
        line.strip()
        for c in solution.cells
        if is_test(c)
        for region in region_lines(c.source, BEGIN_HIDDEN, END_HIDDEN)
        for line in region
    }
    return {line for line in hidden - public if len(line) > 12 and "HIDDEN TESTS" not in line}


@pytest.fixture(autouse=True)
def private_root(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_SELF_ROOT", str(tmp_path / "self"))


def test_a_correct_copy_gets_full_marks_and_sees_the_model_answer(tmp_path, capsys):
    path, solution = _copy(tmp_path, "correct")
    result = selfcheck.check(LESSON, [path])
    full = sum(points(c) for c in solution.cells if is_test(c))
    assert (result.score, result.max_score) == (full, full)
    assert all(not r.failures for r in result.rows)
    assert result.feedback and result.feedback[0].exists()
    written = [r for r in result.rows if r.exercise.startswith("Written")]
    assert written and all(r.written for r in written), "the model answer is shown once something is written"
    out = capsys.readouterr().out
    assert f"{full:g} / {full:g} autograded points" in out and "Model answer, to compare with yours" in out
    state = dict(selfcheck.progress())[LESSON]
    assert state.startswith(f"checked: {full:g} / {full:g}"), state


def test_a_blank_copy_scores_zero_and_the_model_answer_stays_hidden(tmp_path, capsys):
    path, solution = _copy(tmp_path, "blank")
    result = selfcheck.check(LESSON, [path])
    assert result.score == 0 and result.max_score > 0
    out = capsys.readouterr().out
    assert "Write your answer first" in out and "Model answer" not in out
    model = next(c.source for c in solution.cells if is_written(c))
    assert model.splitlines()[0][5:60] not in out


def test_a_wrong_answer_loses_its_exercise_only_and_no_hidden_test_is_quoted(tmp_path, capsys):
    path, solution = _copy(tmp_path, "buggy")
    answer = load_catalogue(LESSON)["answers"][0]
    result = selfcheck.check(LESSON, [path])
    out = capsys.readouterr().out
    failed = {gid for r in result.rows for gid, _ in r.failures}
    assert failed == set(answer["fails"]), (failed, answer["fails"])
    assert answer["fails"][0] in out
    leaked = [line for line in _hidden_only_lines(solution) if line in out]
    assert leaked == [], leaked
    for page in result.feedback:
        assert not [line for line in _hidden_only_lines(solution) if line in page.read_text()]
