"""Data utilities: sliding windows over time series (and, later, loaders, splits and scalers)."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from helpers._checks import check_positive_int


def make_windows(series, window: int, horizon: int = 1, target: int | None = None):
    """Cut a time series into overlapping (input window, next values) pairs.

    Window ``n`` uses the steps ``n, ..., n + window - 1`` as input and the following ``horizon``
    steps ``n + window, ..., n + window + horizon - 1`` as target, for ``n = 0, ..., N - 1`` with
    ``N = T - window - horizon + 1`` (consecutive windows are shifted by one step).

    Args:
        series: array of shape (T,) (one feature) or (T, D) (D features per step).
        window: number of input steps per window, an integer >= 1.
        horizon: number of future steps to predict, an integer >= 1.
        target: optional column index (only for a (T, D) series): predict that feature only.

    Returns:
        ``(X, y)``, new arrays (copies, not views of ``series``):

        - ``X``: shape (N, window, D), always 3-D (D = 1 for a (T,) series), ready for a
          recurrent layer.
        - ``y``: shape (N, horizon) when ``series`` is (T,) or ``target`` is given;
          shape (N, horizon, D) when ``series`` is (T, D) and ``target`` is None.

    Raises:
        ValueError: if ``series`` is not 1-D or 2-D, ``window`` or ``horizon`` is not an integer
            >= 1, ``target`` is out of range, or the series is shorter than ``window + horizon``.

    Example:
        >>> X, y = make_windows(np.arange(6.0), window=3)
        >>> X[:, :, 0]
        array([[0., 1., 2.],
               [1., 2., 3.],
               [2., 3., 4.]])
        >>> y
        array([[3.],
               [4.],
               [5.]])
    """
    window = check_positive_int(window, "window")
    horizon = check_positive_int(horizon, "horizon")
    arr = np.asarray(series)
    if arr.ndim not in (1, 2):
        raise ValueError(
            "`series` must have shape (T,) or (T, D). "
            f"Received: series.shape={tuple(arr.shape)}"
        )
    univariate = arr.ndim == 1
    arr2 = arr[:, None] if univariate else arr
    T, D = arr2.shape
    if target is not None:
        if univariate:
            raise ValueError(
                "`target` can only be given for a series of shape (T, D). "
                f"Received: series.shape={tuple(arr.shape)}, target={target!r}"
            )
        if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not -D <= target < D:
            raise ValueError(
                f"`target` must be a column index in [-{D}, {D - 1}] for a series with D={D} features. "
                f"Received: target={target!r}"
            )
    if T < window + horizon:
        raise ValueError(
            "`series` is too short: it needs at least window + horizon = "
            f"{window} + {horizon} = {window + horizon} steps to make one window. "
            f"Received: series.shape={tuple(arr.shape)}"
        )
    # (N, D, window + horizon) -> (N, window + horizon, D)
    views = sliding_window_view(arr2, window + horizon, axis=0).transpose(0, 2, 1)
    X = np.array(views[:, :window, :])
    y = np.array(views[:, window:, :])
    if univariate:
        y = y[:, :, 0]
    elif target is not None:
        y = y[:, :, target]
    return X, y
