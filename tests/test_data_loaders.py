"""Tests for the lesson-07 additions to helpers.data: electricity loaders, chronological split, scalers."""

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from helpers.data import (
    apply_scaler,
    chronological_split,
    fit_scaler,
    invert_scaler,
    load_elecdaily,
    load_elecdemand,
    scale_train_only,
)


@pytest.fixture(scope="module")
def half_hourly():
    return load_elecdemand("30min")


def test_elecdemand_shape_index_columns(half_hourly):
    df = half_hourly
    assert df.shape == (17520, 3)
    assert list(df.columns) == ["Demand", "WorkDay", "Temperature"]
    assert isinstance(df.index, pd.DatetimeIndex) and df.index.tz is None
    assert df.index[0] == pd.Timestamp("2014-01-01 00:00") and df.index[-1] == pd.Timestamp("2014-12-31 23:30")
    assert (np.diff(df.index.asi8) == np.diff(df.index.asi8)[0]).all(), "a regular 30-minute grid"
    assert df.notna().all().all()
    assert df["Demand"].between(2.5, 10).all(), "demand in GW"


def test_elecdemand_calendar_matches_workday_flag(half_hourly):
    """The labels put row 0 on Wed 1 Jan 2014: the flag is 0 on weekends and Victoria's 2014 holidays."""
    by_day = half_hourly["WorkDay"].resample("D").agg(["min", "max"])
    assert (by_day["min"] == by_day["max"]).all(), "the flag is constant within each day"
    flag = by_day["min"]
    weekend = flag.index.day_of_week >= 5
    assert (flag[weekend] == 0).all()
    holidays = flag.index[(~weekend) & (flag == 0)].strftime("%m-%d").tolist()
    assert holidays == ["01-01", "01-27", "03-10", "04-18", "04-21", "04-25", "06-09", "11-04", "12-25", "12-26"]


def test_hourly_is_mean_of_half_hours(half_hourly):
    hourly = load_elecdemand("h")
    assert hourly.shape == (8760, 3) and hourly.index[1] == pd.Timestamp("2014-01-01 01:00")
    np.testing.assert_allclose(hourly["Demand"].to_numpy(), half_hourly["Demand"].to_numpy().reshape(-1, 2).mean(1))
    np.testing.assert_array_equal(hourly["WorkDay"].to_numpy(), half_hourly["WorkDay"].to_numpy()[::2])


def test_daily_agrees_with_half_hourly(half_hourly):
    daily = load_elecdaily()
    assert daily.shape == (365, 3) and daily.index[0] == pd.Timestamp("2014-01-01")
    per_day = half_hourly["Demand"].to_numpy().reshape(365, 48)
    np.testing.assert_allclose(daily["Demand"].to_numpy(), per_day.sum(1))
    np.testing.assert_allclose(
        daily["Temperature"].to_numpy(), half_hourly["Temperature"].to_numpy().reshape(365, 48).max(1)
    )


def test_load_elecdemand_bad_freq():
    with pytest.raises(ValueError, match="`freq` must be '30min' or 'h'"):
        load_elecdemand("D")


@pytest.mark.parametrize("shape,n_val,n_test", [((10,), 2, 3), ((10, 2), 0, 4), ((6, 3), 5, 0)])
def test_chronological_split_arrays(shape, n_val, n_test):
    x = np.arange(np.prod(shape)).reshape(shape)
    tr, va, te = chronological_split(x, n_val, n_test)
    n_tr = shape[0] - n_val - n_test
    np.testing.assert_array_equal(np.concatenate([tr, va, te]), x)
    assert (len(tr), len(va), len(te)) == (n_tr, n_val, n_test)


def test_chronological_split_dataframe_positional():
    df = pd.DataFrame({"a": range(10)}, index=pd.date_range("2014-01-01", periods=10, freq="h"))
    tr, va, te = chronological_split(df, 2, 3)
    assert tr.index[-1] < va.index[0] and va.index[-1] < te.index[0]
    assert te["a"].tolist() == [7, 8, 9]


@pytest.mark.parametrize(
    "n_val,n_test,match",
    [
        (3, 2, "leave at least one training step"),
        (-1, 2, "`n_val` must be an integer >= 0"),
        (1, 1.5, "`n_test` must be an integer >= 0"),
    ],
)
def test_chronological_split_errors(n_val, n_test, match):
    with pytest.raises(ValueError, match=match):
        chronological_split(np.arange(5), n_val, n_test)


def test_scaler_fits_train_only_and_round_trips():
    rng = np.random.default_rng(0)
    train, test = rng.normal(3, 2, size=(50, 3)), rng.normal(10, 5, size=(7, 3))
    train[:, 2] = 4.0  # a constant feature
    mean, std = fit_scaler(train)
    np.testing.assert_allclose(mean, train.mean(0))
    np.testing.assert_allclose(std[:2], train[:, :2].std(0))
    assert std[2] == 1.0
    z = apply_scaler(train, mean, std)
    np.testing.assert_allclose(z[:, :2].mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(z[:, :2].std(0), 1)
    np.testing.assert_allclose(apply_scaler(test, mean, std), (test - mean) / std)
    np.testing.assert_allclose(invert_scaler(apply_scaler(test, mean, std), mean, std), test)


def test_fit_scaler_errors():
    with pytest.raises(ValueError, match=r"`train` must have shape"):
        fit_scaler(np.zeros((0, 2)))


def test_scale_train_only_lesson_example():
    tr = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])
    va = np.array([[7.0, 12.0]])
    te = np.array([[100.0, 0.0], [9.0, 10.0]])
    tr_s, va_s, te_s, mean, std = scale_train_only(tr, va, te)
    np.testing.assert_allclose(mean, [3.0, 10.0])
    np.testing.assert_allclose(std, [np.std([1.0, 3.0, 5.0]), 1.0])
    np.testing.assert_allclose(va_s, [[4.0 / np.std([1.0, 3.0, 5.0]), 2.0]])
    assert te_s.shape == (2, 2) and tr_s.dtype == np.float64


@pytest.mark.parametrize("D", [1, 4])
def test_scale_train_only_is_scipy_zscore_of_train(D):
    """The scaled training part is scipy.stats.zscore (ddof=0); val/test use the *training* statistics."""
    g = np.random.default_rng(3)
    a, b, c = g.normal(2, 3, (40, D)), g.normal(5, 1, (9, D)), g.normal(-4, 2, (1, D))
    tr_s, va_s, te_s, mean, std = scale_train_only(a, b, c)
    np.testing.assert_allclose(tr_s, scipy.stats.zscore(a, axis=0, ddof=0), rtol=1e-12)
    m, s = fit_scaler(a)
    np.testing.assert_allclose(mean, m)
    np.testing.assert_allclose(std, s)
    for got, part in zip((va_s, te_s), (b, c), strict=True):
        np.testing.assert_allclose(got, apply_scaler(part, m, s))
    # Fitting on everything (the leak) gives different numbers for the later parts.
    leak = scipy.stats.zscore(np.concatenate([a, b, c]), axis=0)[40:49]
    assert np.abs(leak - va_s).max() > 0.1


def test_scale_train_only_1d_int_and_empty_parts():
    tr_s, va_s, te_s, mean, std = scale_train_only(np.arange(6), np.arange(2), np.zeros(0))
    assert mean.shape == () and mean == 2.5 and tr_s.dtype == np.float64
    assert te_s.shape == (0,)
    np.testing.assert_allclose(va_s, (np.arange(2) - 2.5) / np.std(np.arange(6)))


def test_scale_train_only_errors():
    with pytest.raises(
        ValueError, match=r"`val` must have shape \(T_val, D\) = \(T_val, 3\). Received: val.shape=\(4, 2\)"
    ):
        scale_train_only(np.zeros((5, 3)), np.zeros((4, 2)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"`test` must have shape \(T_test,\)"):
        scale_train_only(np.zeros(5), np.zeros(2), np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"`train` must have shape"):
        scale_train_only(np.zeros((0, 2)), np.zeros((1, 2)), np.zeros((1, 2)))
