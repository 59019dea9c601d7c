"""Tests for helpers.forecast.recursive_forecast (lesson 05)."""

import numpy as np
import pytest

from helpers.forecast import recursive_forecast


def test_recursive_forecast_feeds_predictions_back():
    # next = last + 1: the forecast continues the ramp only if predictions are fed back
    out = recursive_forecast(lambda w: w[:, -1, :] + 1, np.array([1.0, 2.0, 3.0]), 4)
    np.testing.assert_allclose(out, [4, 5, 6, 7])
    # next = mean of the window: checks the window slides and keeps its length
    seen = []

    def mean_fn(w):
        seen.append(w.shape)
        return w.mean(axis=1)

    out = recursive_forecast(mean_fn, [0.0, 0.0, 3.0], 3)
    np.testing.assert_allclose(out, [1.0, 4 / 3, (3 + 1 + 4 / 3) / 3])
    assert set(seen) == {(1, 3, 1)}
    assert recursive_forecast(mean_fn, [1.0], 0).shape == (0,)


def test_recursive_forecast_linear_ar_matches_closed_form():
    """An AR(2) predictor fed its own outputs is the recurrence y_t = a y_{t-1} + b y_{t-2}."""
    a, b = 1.2, -0.5
    out = recursive_forecast(lambda w: a * w[0, -1, 0] + b * w[0, -2, 0], np.array([[1.0], [2.0]]), 6)
    want, y = [], [1.0, 2.0]
    for _ in range(6):
        y.append(a * y[-1] + b * y[-2])
        want.append(y[-1])
    np.testing.assert_allclose(out, want)


def test_recursive_forecast_errors():
    with pytest.raises(ValueError, match=r"`steps` must be an integer >= 0. Received: steps=-1"):
        recursive_forecast(lambda w: 0.0, [1.0], -1)
    with pytest.raises(ValueError, match="`history` must hold at least one value"):
        recursive_forecast(lambda w: 0.0, [], 2)
