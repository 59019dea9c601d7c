"""Tests for helpers.tasks: the synthetic long-lag tasks and first_lag_at_chance."""

import sys

import numpy as np
import pytest

from helpers import tasks


@pytest.mark.parametrize("lag", [1, 5, 20])
def test_negation_task_layout(lag):
    tokens, labels = tasks.make_negation_task(200, lag, prefix=3, seed=1)
    T = 3 + lag + 1
    assert tokens.shape == (200, T) and labels.shape == (200,)
    assert tokens.dtype == np.int64 and labels.dtype == np.int64
    mod, word = tokens[:, T - 1 - lag], tokens[:, -1]
    assert set(np.unique(mod)) == {tasks.NOT, tasks.VERY}
    assert set(np.unique(word)) == {tasks.BAD, tasks.GOOD}
    # Every other position is filler.
    others = np.delete(tokens, [T - 1 - lag, T - 1], axis=1)
    assert (others >= tasks.FIRST_FILLER).all() and (others < tasks.VOCAB_SIZE).all()
    expected = ((mod == tasks.VERY) & (word == tasks.GOOD)) | ((mod == tasks.NOT) & (word == tasks.BAD))
    np.testing.assert_array_equal(labels, expected.astype(int))


def test_negation_task_needs_memory():
    """Neither the final word nor the modifier alone predicts the label; both together do."""
    tokens, labels = tasks.make_negation_task(4000, 10, seed=0)
    word = tokens[:, -1]
    mod = tokens[:, -11]
    for feature in (word, mod):
        for v in np.unique(feature):
            assert abs(labels[feature == v].mean() - 0.5) < 0.05
    assert abs(labels.mean() - 0.5) < 0.05


def test_negation_task_seeded_and_pure_memory_variant():
    a = tasks.make_negation_task(50, 7, seed=3)
    b = tasks.make_negation_task(50, 7, seed=3)
    c = tasks.make_negation_task(50, 7, seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    tokens, labels = tasks.make_negation_task(100, 4, flip=False, seed=0)
    assert (tokens[:, -1] == tasks.GOOD).all()
    np.testing.assert_array_equal(labels, (tokens[:, -5] == tasks.VERY).astype(int))


def test_negation_labels_examples_and_errors():
    V, N, G, B = tasks.VERY, tasks.NOT, tasks.GOOD, tasks.BAD
    tokens = np.array([[5, V, 6, G], [5, N, 6, G], [5, V, 6, B], [5, N, 6, B]])
    np.testing.assert_array_equal(tasks.negation_labels(tokens, 2), [1, 0, 0, 1])
    assert "very" in tasks.decode(tokens[0])[0]
    with pytest.raises(ValueError, match="at least lag"):
        tasks.negation_labels(tokens, 4)
    with pytest.raises(ValueError, match="position T-1-lag"):
        tasks.negation_labels(tokens, 1)
    with pytest.raises(ValueError, match=r"shape \(N, T\)"):
        tasks.negation_labels(tokens[0], 2)
    with pytest.raises(ValueError, match="lag"):
        tasks.make_negation_task(10, 0)


def test_adding_problem():
    x, y = tasks.adding_problem(300, 20, seed=0)
    assert x.shape == (300, 20, 2) and y.shape == (300,)
    assert (x[:, :, 1].sum(axis=1) == 2).all()
    assert (x[:, :10, 1].sum(axis=1) == 1).all()
    np.testing.assert_allclose(y, (x[:, :, 0] * x[:, :, 1]).sum(axis=1), rtol=1e-6)
    with pytest.raises(ValueError):
        tasks.adding_problem(3, 1)


def test_first_lag_at_chance():
    table = {"LSTM": {50: 0.5, 5: 1.0, 20: 0.93}, "RNN": {5: 0.99, 20: 0.52, 50: 0.49}}
    assert tasks.first_lag_at_chance(table, "LSTM") == 50
    assert tasks.first_lag_at_chance(table, "RNN") == 20
    assert tasks.first_lag_at_chance(table, "RNN", tol=0.01) == 50
    assert tasks.first_lag_at_chance(table, "LSTM", chance=0.9, tol=0.05) == 20
    assert tasks.first_lag_at_chance({"m": {5: 0.8}}, "m") is None
    assert tasks.first_lag_at_chance({"m": {5: 0.55}}, "m") == 5  # boundary counts as chance
    with pytest.raises(ValueError, match="model"):
        tasks.first_lag_at_chance(table, "GRU")


def test_first_lag_at_chance_dataframe():
    import pandas as pd

    df = pd.DataFrame({"LSTM": [1.0, 0.9, 0.5]}, index=[5, 20, 50])
    assert tasks.first_lag_at_chance(df, "LSTM") == 50


def test_tasks_does_not_import_tensorflow():
    import subprocess

    code = "import sys, helpers.tasks, helpers.keras_models; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
