"""Tests for helpers.baselines: last value, seasonal naive, moving average, exponential moving average."""

import numpy as np
import pytest

from helpers import baselines
from helpers.rnn import decay_memory


def _loop_seasonal_naive(history, horizon, m):
    """The definition, one window and one step at a time: y_{t+h} = y_{t+h-km}, k = ceil(h / m)."""
    N, T = history.shape
    out = np.empty((N, horizon))
    for n in range(N):
        for h in range(1, horizon + 1):
            k = -(-h // m)
            out[n, h - 1] = history[n, T - 1 + h - k * m]
    return out


def test_last_value():
    hist = np.array([[1.0, 2.0, 3.0], [5.0, 4.0, 7.0]])
    np.testing.assert_array_equal(baselines.last_value(hist, 2), [[3, 3], [7, 7]])


def test_seasonal_naive_docstring_example():
    np.testing.assert_array_equal(baselines.seasonal_naive(np.arange(6.0)[None], 4, 3), [[3, 4, 5, 3]])


@pytest.mark.parametrize(
    "N,T,H,m", [(4, 48, 24, 24), (1, 24, 24, 24), (3, 200, 24, 168), (2, 10, 25, 7), (5, 3, 2, 1), (2, 336, 48, 336)]
)
def test_seasonal_naive_matches_definition(N, T, H, m):
    hist = np.random.default_rng(0).normal(size=(N, T))
    got = baselines.seasonal_naive(hist, H, m)
    assert got.shape == (N, H)
    np.testing.assert_array_equal(got, _loop_seasonal_naive(hist, H, m))


def test_seasonal_naive_off_by_one_differs():
    hist = np.arange(100.0)[None]
    right = baselines.seasonal_naive(hist, 5, 48)
    np.testing.assert_array_equal(right, [[52, 53, 54, 55, 56]])  # y_{t+1-48} with y_t = 99
    assert not np.array_equal(right, baselines.seasonal_naive(hist, 5, 47))


def test_moving_average():
    hist = np.array([[1.0, 2.0, 3.0, 6.0]])
    np.testing.assert_allclose(baselines.moving_average(hist, 3, 2), [[4.5, 4.5, 4.5]])
    np.testing.assert_allclose(baselines.moving_average(hist, 1, 1), baselines.last_value(hist, 1))


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.9, 0.99])
def test_ema_matches_lesson01_decay_memory(keep):
    hist = np.random.default_rng(1).normal(size=(6, 30))
    got = baselines.exponential_moving_average(hist, 4, keep=keep)
    want = decay_memory(hist.T, keep=keep, m0=hist[:, 0])[-1]  # (N,)
    np.testing.assert_allclose(got, np.repeat(want[:, None], 4, axis=1), rtol=1e-12, atol=1e-12)


def test_outputs_are_new_arrays():
    hist = np.random.default_rng(2).normal(size=(3, 30))
    for f in (baselines.last_value(hist, 5), baselines.seasonal_naive(hist, 5, 7)):
        f[:] = 0.0
    assert np.all(hist != 0.0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: baselines.last_value(np.zeros(5), 2), r"`history` must have shape \(N, T\)"),
        (lambda: baselines.seasonal_naive(np.zeros((2, 10)), 3, 24), "at least 24 past steps"),
        (lambda: baselines.seasonal_naive(np.zeros((2, 10)), 0, 2), "`horizon` must be an integer >= 1"),
        (lambda: baselines.seasonal_naive(np.zeros((2, 10)), 2, 0), "`m` must be an integer >= 1"),
        (lambda: baselines.moving_average(np.zeros((2, 3)), 2, 4), "at least 4 past steps"),
        (lambda: baselines.exponential_moving_average(np.zeros((2, 3)), 2, keep=1.0), r"`keep` must be in \[0, 1\)"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_ema_matches_statsmodels_simple_exponential_smoothing(keep):
    """Simple exponential smoothing with alpha = 1 - keep and initial level history[:, 0] is our EMA."""
    from statsmodels.tsa.holtwinters import SimpleExpSmoothing

    hist = np.random.default_rng(3).normal(10.0, 2.0, size=(3, 40))
    got = baselines.exponential_moving_average(hist, 5, keep=keep)
    for n in range(hist.shape[0]):
        model = SimpleExpSmoothing(hist[n], initialization_method="known", initial_level=hist[n, 0])
        fit = model.fit(smoothing_level=1.0 - keep, optimized=False)
        np.testing.assert_allclose(got[n], fit.forecast(5), rtol=1e-10)
