"""Forecast error metrics: MAE, RMSE and MASE (mean absolute scaled error).

``y_true`` and ``y_pred`` have the same shape, e.g. (N, H) for N forecast origins and H steps ahead;
the metrics average over every entry. ``y_train`` is the 1-D training series (T_train,) used only to
scale MASE.

MASE (Hyndman & Koehler, 2006) divides the forecast MAE by the in-sample MAE of the one-step seasonal
naive forecast on the **training** series:

    MASE = mean |y - y_hat|  /  q,    q = 1 / (T_train - m) * sum_{s=m+1}^{T_train} |y_s - y_{s-m}|.

q is fixed by the training data (never the test data), so MASE compares models on one scale, is
unit-free, and MASE < 1 means "on average better than the seasonal naive forecast was in sample".
"""

from __future__ import annotations

import numpy as np

from helpers._checks import check_array, check_positive_int


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(y_true, dtype=float)
    b = np.asarray(y_pred, dtype=float)
    if a.shape != b.shape:
        raise ValueError(
            f"`y_true` and `y_pred` must have the same shape. Received: y_true.shape={a.shape}, y_pred.shape={b.shape}"
        )
    if a.size == 0:
        raise ValueError(f"`y_true` must not be empty. Received: y_true.shape={a.shape}")
    return a, b


def mae(y_true, y_pred) -> float:
    """Mean absolute error, mean |y - y_hat| over all entries (in the units of y).

    Args:
        y_true: targets, any shape, e.g. (N, H).
        y_pred: forecasts, the same shape.

    Returns:
        A float.

    Raises:
        ValueError: if the shapes differ or the arrays are empty.
    """
    a, b = _pair(y_true, y_pred)
    return float(np.mean(np.abs(a - b)))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error, sqrt(mean (y - y_hat)^2) (in the units of y; >= MAE).

    Args:
        y_true: targets, any shape, e.g. (N, H).
        y_pred: forecasts, the same shape.

    Returns:
        A float.

    Raises:
        ValueError: if the shapes differ or the arrays are empty.

    Defined in lesson 07, Exercise 4 (lessons/07-forecasting/forecasting.ipynb), with :func:`mase`.
    """
    a, b = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def seasonal_naive_scale(y_train, m: int) -> float:
    """The MASE denominator q: in-sample MAE of the seasonal naive forecast y_s = y_{s-m} on y_train.

    Args:
        y_train: the training series, shape (T_train,) with T_train > m.
        m: the season length in steps, an integer >= 1 (m = 1 is the non-seasonal naive forecast).

    Returns:
        q = mean |y_train[m:] - y_train[:-m]|, a float.

    Raises:
        ValueError: if ``y_train`` is not 1-D or not longer than ``m``, or ``m`` is not an integer >= 1.
    """
    y = check_array(y_train, "y_train", (None,), dims="(T_train,)").astype(float, copy=False)
    m = check_positive_int(m, "m")
    if y.shape[0] <= m:
        raise ValueError(f"`y_train` must be longer than the season m={m}. Received: y_train.shape={y.shape}")
    return float(np.mean(np.abs(y[m:] - y[:-m])))


def mase(y_true, y_pred, y_train, m: int) -> float:
    """Mean absolute scaled error: MAE(y_true, y_pred) / seasonal_naive_scale(y_train, m).

    Args:
        y_true: targets, any shape, e.g. (N, H).
        y_pred: forecasts, the same shape.
        y_train: the training series, shape (T_train,); it sets the scale, the test data never does.
        m: the season length in steps (24 for hourly data with a daily cycle).

    Returns:
        A float; below 1 means a smaller error than the in-sample seasonal naive forecast.

    Raises:
        ValueError: on a shape mismatch, a too-short ``y_train``, or a constant ``y_train``
            (the scale would be 0).

    Defined in lesson 07, Exercise 4 (lessons/07-forecasting/forecasting.ipynb), with :func:`rmse`.
    """
    q = seasonal_naive_scale(y_train, m)
    if q == 0.0:
        raise ValueError(
            "`y_train` must not repeat exactly with period m: the MASE scale would be 0. "
            f"Received: seasonal naive in-sample MAE = 0 for m={m}"
        )
    return mae(y_true, y_pred) / q


def error_by_horizon(y_true, y_pred, kind: str = "mae") -> np.ndarray:
    """Error of each step ahead, averaged over the forecast origins.

    Args:
        y_true: targets, shape (N, H).
        y_pred: forecasts, shape (N, H).
        kind: ``"mae"`` or ``"rmse"``.

    Returns:
        Shape (H,): entry h - 1 is the error of the h-step-ahead forecasts.

    Raises:
        ValueError: if the arrays are not 2-D of the same shape or ``kind`` is unknown.
    """
    a, b = _pair(y_true, y_pred)
    check_array(a, "y_true", (None, None), dims="(N, H)")
    if kind == "mae":
        return np.mean(np.abs(a - b), axis=0)
    if kind == "rmse":
        return np.sqrt(np.mean((a - b) ** 2, axis=0))
    raise ValueError(f"`kind` must be 'mae' or 'rmse'. Received: kind={kind!r}")
