"""Tests for helpers.keras_tools: parameter formulas against Keras, windows, recursive forecasts."""

import numpy as np
import pytest

from helpers import keras_tools as kt


@pytest.fixture(scope="module")
def keras():
    from helpers.env import quiet_tensorflow

    quiet_tensorflow()
    import keras

    return keras


@pytest.mark.parametrize("H,D", [(1, 1), (50, 1), (16, 10), (7, 3)])
def test_param_counts_match_keras(keras, H, D):
    def count(layer):
        m = keras.Sequential([keras.Input((5, D)), layer])
        return m.count_params()

    assert kt.lstm_param_count(H, D) == count(keras.layers.LSTM(H)) == 4 * (H * (H + D) + H)
    assert kt.gru_param_count(H, D) == count(keras.layers.GRU(H))
    assert kt.gru_param_count(H, D, reset_after=False) == count(keras.layers.GRU(H, reset_after=False))
    assert kt.simple_rnn_param_count(H, D) == count(keras.layers.SimpleRNN(H))
    assert kt.dense_param_count(H, D) == keras.Sequential([keras.Input((D,)), keras.layers.Dense(H)]).count_params()
    assert kt.lstm_param_count(50, 1) == 10400


def test_param_count_rejects_bad_sizes():
    with pytest.raises(ValueError, match="units"):
        kt.lstm_param_count(0, 3)
    with pytest.raises(ValueError, match="features"):
        kt.lstm_param_count(3, 1.5)


@pytest.mark.parametrize("L,W,h", [(10, 3, 1), (10, 3, 2), (5, 4, 1), (60, 50, 1)])
def test_window_series_matches_keras(keras, L, W, h):
    series = np.arange(L, dtype=float) ** 1.5
    X, y = kt.window_series(series, W, h)
    assert X.shape == (L - W - h + 1, W, 1) and y.shape == (L - W - h + 1,)
    ds = keras.utils.timeseries_dataset_from_array(series[:-h], series[W - 1 + h :], W, batch_size=10_000)
    Xk, yk = next(iter(ds))
    np.testing.assert_allclose(X[..., 0], np.asarray(Xk))
    np.testing.assert_allclose(y, np.asarray(yk))
    # first window and target spelled out
    np.testing.assert_allclose(X[0, :, 0], series[:W])
    assert y[0] == series[W - 1 + h]


def test_window_series_errors():
    with pytest.raises(ValueError, match="at least window"):
        kt.window_series(np.arange(5.0), 5)
    with pytest.raises(ValueError, match=r"shape \(L,\)"):
        kt.window_series(np.zeros((5, 1)), 2)


def test_recursive_forecast_feeds_predictions_back():
    # next = last + 1: the forecast continues the ramp only if predictions are fed back
    out = kt.recursive_forecast(lambda w: w[:, -1, :] + 1, np.array([1.0, 2.0, 3.0]), 4)
    np.testing.assert_allclose(out, [4, 5, 6, 7])
    # next = mean of the window: checks the window slides and keeps its length
    seen = []

    def mean_fn(w):
        seen.append(w.shape)
        return w.mean(axis=1)

    out = kt.recursive_forecast(mean_fn, [0.0, 0.0, 3.0], 3)
    np.testing.assert_allclose(out, [1.0, 4 / 3, (3 + 1 + 4 / 3) / 3])
    assert set(seen) == {(1, 3, 1)}
    assert kt.recursive_forecast(mean_fn, [1.0], 0).shape == (0,)


def test_build_stacked_lstm(keras):
    m = kt.build_stacked_lstm(12, 3, units=(8, 4), horizon=2)
    assert m(np.zeros((5, 12, 3), "float32")).shape == (5, 2)
    assert m.count_params() == kt.lstm_param_count(8, 3) + kt.lstm_param_count(4, 8) + kt.dense_param_count(2, 4)
    m1 = kt.build_stacked_lstm(None, 1, units=(6,))
    assert m1(np.zeros((1, 9, 1), "float32")).shape == (1, 1)


def test_train_sequence_classifier_repeatable(keras):
    from helpers import tasks

    kt.deterministic_keras()
    tokens, labels = tasks.make_negation_task(128, 2, seed=0)
    runs = [
        kt.train_sequence_classifier("LSTM", tokens, labels, vocab_size=tasks.VOCAB_SIZE, units=4, epochs=1, seed=1)[1]
        for _ in range(2)
    ]
    assert runs[0].history["loss"] == runs[1].history["loss"]


def test_train_sequence_classifier_stops_when_solved(keras):
    from helpers import tasks

    tokens, labels = tasks.make_negation_task(256, 1, prefix=0, seed=0)
    _, hist, _ = kt.train_sequence_classifier(
        "GRU", tokens, labels, vocab_size=tasks.VOCAB_SIZE, units=8, epochs=40, learning_rate=0.05, stop_at_accuracy=0.9
    )
    assert len(hist.history["loss"]) < 40 and hist.history["accuracy"][-1] >= 0.9


@pytest.mark.parametrize("W,h", [(3, 1), (5, 3), (1, 2)])
def test_window_series_agrees_with_helpers_data(W, h):
    """Lesson 05's windows are lesson 01's make_windows, keeping the last of the `horizon` targets."""
    from helpers.data import make_windows

    series = np.cos(np.arange(30) / 3.0)
    X, y = kt.window_series(series, W, h)
    X_ref, y_ref = make_windows(series, W, horizon=h)
    np.testing.assert_allclose(X, X_ref)
    np.testing.assert_allclose(y, y_ref[:, -1])
