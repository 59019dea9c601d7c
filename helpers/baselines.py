"""Forecasting baselines every model must beat: last value, seasonal naive, moving averages.

Every function here forecasts the next ``horizon`` values of a series from a batch of past windows.
Letters: **N** windows (forecast origins), **T** past steps per window, **H** = ``horizon`` future steps.

``history[n, T - 1]`` is the last observed value y_t of window n and ``history[n, T - 1 - k]`` is
y_{t-k}; the forecast ``out[n, h - 1]`` is the prediction of y_{t+h} for h = 1, ..., H. All functions
are vectorised over the windows (no Python loop over N) and return a new float array of shape (N, H).
"""

from __future__ import annotations

import numpy as np

from helpers._checks import check_array, check_positive_int


def _history(history) -> np.ndarray:
    return check_array(history, "history", (None, None), dims="(N, T)").astype(float, copy=False)


def _need(history: np.ndarray, steps: int, what: str) -> None:
    if history.shape[1] < steps:
        raise ValueError(
            f"`history` must hold at least {steps} past steps for {what}. "
            f"Received: history.shape={tuple(history.shape)}"
        )


def last_value(history, horizon: int) -> np.ndarray:
    """Naive forecast: every future step equals the last observed value, y_{t+h} = y_t.

    Args:
        history: past values, shape (N, T); the last column is y_t.
        horizon: number of future steps H, an integer >= 1.

    Returns:
        Forecasts of shape (N, H).

    Raises:
        ValueError: if ``history`` is not 2-D or ``horizon`` is not an integer >= 1.
    """
    x = _history(history)
    horizon = check_positive_int(horizon, "horizon")
    _need(x, 1, "the last value")
    return np.repeat(x[:, -1:], horizon, axis=1)


def seasonal_naive(history, horizon: int, m: int) -> np.ndarray:
    """Seasonal naive forecast: the value one season ago, y_{t+h} = y_{t+h-m}.

    For h > m the last observed season repeats: y_{t+h} = y_{t+h-km} with k = ceil(h / m), so the
    forecast of step h is ``history[:, T - m + (h - 1) % m]``. With hourly data, ``m = 24`` is "same hour
    yesterday" and ``m = 168`` "same hour last week" (with half-hourly data they are 48 and 336).

    Args:
        history: past values, shape (N, T) with T >= m; the last column is y_t.
        horizon: number of future steps H, an integer >= 1.
        m: the season length in steps, an integer >= 1.

    Returns:
        Forecasts of shape (N, H).

    Raises:
        ValueError: if ``history`` is not 2-D or shorter than one season, or ``horizon``/``m`` is not an
            integer >= 1.

    Example:
        >>> seasonal_naive(np.arange(6.0)[None], horizon=4, m=3)
        array([[3., 4., 5., 3.]])

    Defined in lesson 07, Exercise 5 (lessons/07-forecasting/forecasting.ipynb).
    """
    x = _history(history)
    horizon = check_positive_int(horizon, "horizon")
    m = check_positive_int(m, "m")
    _need(x, m, f"a seasonal naive forecast with m={m}")
    T = x.shape[1]
    cols = T - m + (np.arange(horizon) % m)
    return x[:, cols]


def moving_average(history, horizon: int, k: int) -> np.ndarray:
    """Moving-average forecast: every future step equals the mean of the last ``k`` values.

    Args:
        history: past values, shape (N, T) with T >= k.
        horizon: number of future steps H, an integer >= 1.
        k: number of past values averaged, an integer >= 1 (k = 1 is the last value).

    Returns:
        Forecasts of shape (N, H).

    Raises:
        ValueError: if ``history`` is not 2-D or shorter than ``k``, or ``horizon``/``k`` is not an
            integer >= 1.
    """
    x = _history(history)
    horizon = check_positive_int(horizon, "horizon")
    k = check_positive_int(k, "k")
    _need(x, k, f"a moving average over k={k} values")
    return np.repeat(x[:, -k:].mean(axis=1, keepdims=True), horizon, axis=1)


def exponential_moving_average(history, horizon: int, keep: float = 0.9) -> np.ndarray:
    """Exponential-moving-average forecast: every future step equals the EMA at time t.

    The EMA is lesson 01's "memory as decay" (``helpers.rnn.decay_memory``),
    m_s = keep * m_{s-1} + (1 - keep) * y_s, run over the window and started at its first value
    (m_0 = ``history[:, 0]``, so no bias towards zero). In closed form, with x = history,

        m_T = keep**T * x[:, 0] + (1 - keep) * sum_j keep**(T - 1 - j) * x[:, j],

    one matrix-vector product for all windows.

    Args:
        history: past values, shape (N, T).
        horizon: number of future steps H, an integer >= 1.
        keep: the decay factor in [0, 1); 0 gives the last value, values near 1 a long memory.

    Returns:
        Forecasts of shape (N, H).

    Raises:
        ValueError: if ``history`` is not 2-D, ``horizon`` is not an integer >= 1 or ``keep`` is not in
            [0, 1).
    """
    x = _history(history)
    horizon = check_positive_int(horizon, "horizon")
    if not 0.0 <= keep < 1.0:
        raise ValueError(f"`keep` must be in [0, 1). Received: keep={keep!r}")
    _need(x, 1, "an exponential moving average")
    T = x.shape[1]
    weights = (1.0 - keep) * keep ** np.arange(T - 1, -1, -1, dtype=float)  # (T,)
    ema = keep**T * x[:, 0] + x @ weights  # (N,)
    return np.repeat(ema[:, None], horizon, axis=1)
