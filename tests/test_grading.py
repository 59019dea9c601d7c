"""helpers.grading: plain data only, one message template, and each exercise graded on its own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import grading


class Liar(np.ndarray):
    def __eq__(self, other):  # noqa: D105 - says "equal" to anything
        return np.ones(np.shape(self), dtype=bool)

    def __sub__(self, other):
        return np.zeros(np.shape(self))


class Anything:
    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return np.zeros(3, dtype=object)


ex = grading.exercise(2, "lstm_step_forward")


def test_a_subclass_is_judged_by_its_data():
    liar = np.arange(3.0).view(Liar)
    with pytest.raises(AssertionError, match=r"Exercise 2 \(lstm_step_forward\), h_t: .*largest difference 2"):
        ex.close(liar, np.zeros(3), "h_t", atol=1e-8)
    assert type(grading.plain(liar)) is np.ndarray


def test_an_object_with_a_lying_eq_cannot_pass():
    with pytest.raises(AssertionError, match="got a .*Anything"):
        ex.equal(Anything(), 3, "the count")
    with pytest.raises(AssertionError, match="objects|expected numbers"):
        ex.close(Anything(), np.zeros(3), "h_t", atol=1)


def test_the_message_names_exercise_what_expected_got_and_hint():
    with pytest.raises(AssertionError) as info:
        ex.close(np.ones((2, 3)), np.zeros((2, 3)), "c_t", atol=1e-8, hint="the forget term looks missing")
    text = str(info.value)
    assert text.startswith(
        "Exercise 2 (lstm_step_forward), c_t: expected shape (2, 3) within atol=1e-08; got shape (2, 3)"
    )
    assert "6 of 6 values off" in text and "Likely mistake: the forget term looks missing" in text
    with pytest.raises(AssertionError, match=r"expected shape \(2, 3\) .*got shape \(3, 2\)"):
        ex.close(np.ones((3, 2)), np.zeros((2, 3)), "c_t", atol=1e-8)


def test_other_containers_are_compared_by_value():
    ex.close([[0.0, 1.0]], np.array([[0.0, 1.0]]), "a list", atol=0)
    ex.close(pd.Series([1.0, 2.0]), [1.0, 2.0], "a Series", rtol=1e-12)
    ex.close(np.float32(0.5), 0.5, "a NumPy scalar", atol=1e-7)
    ex.equal(np.int64(7), 7, "an integer")
    with pytest.raises(AssertionError):
        ex.equal(True, 1, "a flag")  # a bool is not the number 1
    with pytest.raises(AssertionError, match="NaN|got nan"):
        ex.close([np.nan], [1.0], "a NaN", atol=1)


def test_raises_checks_the_kind_of_error():
    def bad(x):
        raise KeyError(x)

    with pytest.raises(AssertionError, match="expected a ValueError; got a KeyError"):
        ex.raises(ValueError, bad, 1, what="a bad shape")
    with pytest.raises(AssertionError, match="got no error"):
        ex.raises(ValueError, lambda: None, what="a bad shape")


def test_alone_puts_the_reference_in_place_of_an_earlier_function():
    ns = {"step": lambda x: x + 100}  # the student's wrong earlier exercise
    exec("def run(xs):\n    return [step(x) for x in xs]", ns)  # noqa: S102 - a student's later exercise
    run = ns["run"]
    assert run([1, 2]) == [101, 102]
    alone = ex.alone(run, step=lambda x: x + 1)
    assert alone([1, 2]) == [2, 3]
    assert run([1]) == [101], "the student's own function is back after the call"
    del ns["step"]
    assert ex.alone(run, step=lambda x: -x)([3]) == [-3] and "step" not in ns


def test_every_graded_test_cell_judges_through_the_helper():
    """Each graded test cell of every lesson uses helpers.grading: no bare ``assert`` or ``np.testing``, whose
    messages do not follow the template and whose comparisons do not first turn the answer into plain data."""
    import re

    from autograder.notebooks import SOLUTIONS, grade_id, is_test, lesson_ids, notebooks, read

    problems = []
    for lesson in lesson_ids():
        for path in notebooks(SOLUTIONS, lesson):
            for cell in read(path).cells:
                if cell.cell_type != "code" or not is_test(cell):
                    continue
                bare = [line.strip() for line in cell.source.splitlines() if re.match(r"\s*assert\b", line)]
                bare += [line.strip() for line in cell.source.splitlines() if "np.testing" in line]
                if bare or "grading.exercise(" not in cell.source:
                    problems.append(f"{lesson} {grade_id(cell)}: {bare[:2] or 'no grading.exercise(...)'}")
    assert not problems, "\n".join(problems)
