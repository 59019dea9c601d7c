"""Tests for the windows of helpers.data: make_windows (lessons 01, 07) and window_series (lesson 05)."""

import numpy as np
import pytest

from helpers.data import make_windows, window_series


@pytest.fixture(scope="module")
def keras():
    from helpers.env import quiet_tensorflow

    quiet_tensorflow()
    import keras

    return keras


def test_univariate_small_example():
    X, y = make_windows(np.arange(6.0), window=3)
    assert X.shape == (3, 3, 1) and y.shape == (3, 1)
    np.testing.assert_array_equal(X[:, :, 0], [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    np.testing.assert_array_equal(y, [[3], [4], [5]])


@pytest.mark.parametrize("T,window,horizon", [(10, 3, 1), (10, 3, 2), (7, 1, 1), (5, 4, 1), (5, 1, 4), (100, 24, 6)])
def test_count_and_alignment(T, window, horizon):
    s = np.arange(T, dtype=float)
    X, y = make_windows(s, window, horizon)
    N = T - window - horizon + 1
    assert X.shape == (N, window, 1)
    assert y.shape == (N, horizon)
    for n in range(N):
        np.testing.assert_array_equal(X[n, :, 0], s[n : n + window])
        np.testing.assert_array_equal(y[n], s[n + window : n + window + horizon])


def test_multivariate_and_target():
    T, D = 9, 3
    s = np.arange(T * D, dtype=float).reshape(T, D)
    X, y = make_windows(s, 4, 2)
    assert X.shape == (4, 4, D) and y.shape == (4, 2, D)
    np.testing.assert_array_equal(X[1], s[1:5])
    np.testing.assert_array_equal(y[1], s[5:7])
    X2, y2 = make_windows(s, 4, 2, target=2)
    np.testing.assert_array_equal(X2, X)
    assert y2.shape == (4, 2)
    np.testing.assert_array_equal(y2[1], s[5:7, 2])
    _, y3 = make_windows(s, 4, 2, target=-1)
    np.testing.assert_array_equal(y3, y2)


def test_returns_copies():
    s = np.arange(8.0)
    X, y = make_windows(s, 3)
    X[0, 0, 0] = 99.0
    y[0, 0] = 99.0
    assert s[0] == 0.0 and s[3] == 3.0
    assert X.flags.writeable and X.flags.c_contiguous
    assert X[1, 0, 0] == 1.0  # windows do not share memory


def test_errors():
    with pytest.raises(ValueError, match=r"`window` must be an integer >= 1\. Received: window=0"):
        make_windows(np.arange(5.0), 0)
    with pytest.raises(ValueError, match=r"`horizon` must be an integer >= 1\. Received: horizon=0"):
        make_windows(np.arange(5.0), 2, horizon=0)
    with pytest.raises(ValueError, match=r"`window` must be an integer"):
        make_windows(np.arange(5.0), 2.5)
    with pytest.raises(ValueError, match=r"too short.*3 \+ 2 = 5 steps.*Received: series.shape=\(4,\)"):
        make_windows(np.arange(4.0), 3, horizon=2)
    with pytest.raises(ValueError, match=r"`series` must have shape \(T,\) or \(T, D\)"):
        make_windows(np.zeros((3, 2, 2)), 1)
    with pytest.raises(ValueError, match=r"`target` can only be given"):
        make_windows(np.arange(5.0), 2, target=0)
    with pytest.raises(ValueError, match=r"`target` must be a column index in \[-2, 1\]"):
        make_windows(np.zeros((5, 2)), 2, target=2)


def test_exact_length_gives_one_window():
    X, y = make_windows(np.arange(4.0), 3)
    assert X.shape == (1, 3, 1) and y.shape == (1, 1)


@pytest.mark.parametrize("L,W,lead", [(10, 3, 1), (10, 3, 2), (5, 4, 1), (60, 50, 1)])
def test_window_series_matches_keras(keras, L, W, lead):
    series = np.arange(L, dtype=float) ** 1.5
    X, y = window_series(series, W, lead)
    assert X.shape == (L - W - lead + 1, W, 1) and y.shape == (L - W - lead + 1,)
    ds = keras.utils.timeseries_dataset_from_array(series[:-lead], series[W - 1 + lead :], W, batch_size=10_000)
    Xk, yk = next(iter(ds))
    np.testing.assert_allclose(X[..., 0], np.asarray(Xk))
    np.testing.assert_allclose(y, np.asarray(yk))
    np.testing.assert_allclose(X[0, :, 0], series[:W])
    assert y[0] == series[W - 1 + lead]


@pytest.mark.parametrize("W,lead", [(3, 1), (5, 3), (1, 2)])
def test_window_series_is_make_windows_keeping_the_last_target(W, lead):
    """`lead` steps after the window = the last of make_windows' `horizon` targets."""
    series = np.cos(np.arange(30) / 3.0)
    X, y = window_series(series, W, lead=lead)
    X_ref, y_ref = make_windows(series, W, horizon=lead)
    np.testing.assert_allclose(X, X_ref)
    np.testing.assert_allclose(y, y_ref[:, -1])


def test_window_series_errors():
    with pytest.raises(ValueError, match=r"at least window \+ lead = 6 values"):
        window_series(np.arange(5.0), 5)
    with pytest.raises(ValueError, match=r"`series` must have shape \(L,\)"):
        window_series(np.zeros((5, 1)), 2)
    with pytest.raises(ValueError, match=r"`lead` must be an integer >= 1. Received: lead=0"):
        window_series(np.arange(5.0), 2, lead=0)
    assert window_series(np.arange(4.0), 3)[0].shape == (1, 3, 1), "L = W + lead gives exactly one window"
