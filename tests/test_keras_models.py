"""Tests for helpers.keras_models: the stacked LSTM, the seeded sequence classifier, Dense parameter counts."""

import numpy as np
import pytest

from helpers import keras_models as km
from helpers import tasks
from helpers.lstm import lstm_param_count


@pytest.fixture(scope="module")
def keras():
    from helpers.env import quiet_tensorflow

    quiet_tensorflow()
    import keras

    return keras


@pytest.mark.parametrize("D,H", [(1, 1), (4, 2), (16, 10)])
def test_dense_param_count_matches_keras(keras, D, H):
    model = keras.Sequential([keras.Input((D,)), keras.layers.Dense(H)])
    assert km.dense_param_count(D, H) == model.count_params() == D * H + H
    with pytest.raises(ValueError, match="`H` must be an integer >= 1"):
        km.dense_param_count(D, 0)


def test_build_stacked_lstm(keras):
    m = km.build_stacked_lstm(12, 3, units=(8, 4), horizon=2)
    assert m(np.zeros((5, 12, 3), "float32")).shape == (5, 2)
    assert m.count_params() == lstm_param_count(3, 8) + lstm_param_count(8, 4) + km.dense_param_count(4, 2)
    assert [layer.return_sequences for layer in m.layers if isinstance(layer, keras.layers.LSTM)] == [True, False]
    m1 = km.build_stacked_lstm(None, 1, units=(6,))
    assert m1(np.zeros((1, 9, 1), "float32")).shape == (1, 1)
    with pytest.raises(ValueError, match="`units` must list at least one layer size"):
        km.build_stacked_lstm(5, 1, units=())


def test_train_sequence_classifier_repeatable(keras):
    from helpers.env import deterministic_keras

    deterministic_keras()
    tokens, labels = tasks.make_negation_task(128, 2, seed=0)
    runs = [
        km.train_sequence_classifier("LSTM", tokens, labels, vocab_size=tasks.VOCAB_SIZE, units=4, epochs=1, seed=1)[1]
        for _ in range(2)
    ]
    assert runs[0].history["loss"] == runs[1].history["loss"]


def test_train_sequence_classifier_stops_when_solved(keras):
    tokens, labels = tasks.make_negation_task(256, 1, prefix=0, seed=0)
    _, hist, _ = km.train_sequence_classifier(
        "GRU", tokens, labels, vocab_size=tasks.VOCAB_SIZE, units=8, epochs=40, learning_rate=0.05, stop_at_accuracy=0.9
    )
    assert len(hist.history["loss"]) < 40 and hist.history["accuracy"][-1] >= 0.9


def test_train_sequence_classifier_errors():
    with pytest.raises(ValueError, match=r"`labels` must have shape \(N,\) = \(3,\)"):
        km.train_sequence_classifier("LSTM", np.zeros((3, 4), int), np.zeros(4), vocab_size=16)
