"""Tests for helpers.metrics: MAE, RMSE, MASE and errors by horizon."""

import numpy as np
import pytest

from helpers import metrics


def test_mae_rmse_small_example():
    y, p = np.array([[0.0, 0.0]]), np.array([[3.0, -4.0]])
    assert metrics.mae(y, p) == 3.5
    np.testing.assert_allclose(metrics.rmse(y, p), np.sqrt(12.5))


def test_rmse_at_least_mae():
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=(20, 24)), rng.normal(size=(20, 24))
    assert metrics.rmse(y, p) >= metrics.mae(y, p)


def test_seasonal_naive_scale_hand_computed():
    y_train = np.array([1.0, 5.0, 2.0, 6.0, 4.0, 5.0])
    assert metrics.seasonal_naive_scale(y_train, 2) == pytest.approx((1 + 1 + 2 + 1) / 4)
    assert metrics.seasonal_naive_scale(y_train, 1) == pytest.approx(np.mean(np.abs(np.diff(y_train))))


def test_mase_definition_and_scale_from_train_only():
    rng = np.random.default_rng(1)
    y_train = np.sin(np.arange(200) * 2 * np.pi / 24) + 0.1 * rng.normal(size=200)
    y, p = rng.normal(size=(5, 24)), rng.normal(size=(5, 24))
    q = np.mean(np.abs(y_train[24:] - y_train[:-24]))
    assert metrics.mase(y, p, y_train, 24) == pytest.approx(np.mean(np.abs(y - p)) / q)
    # changing the test targets' own history cannot change the scale
    assert metrics.mase(y, p, y_train, 24) * q == pytest.approx(metrics.mae(y, p))


def test_seasonal_naive_forecast_has_mase_one_in_sample():
    """The one-step seasonal naive forecast, evaluated on its own training series, has MASE exactly 1."""
    y_train = np.random.default_rng(2).normal(size=100)
    assert metrics.mase(y_train[7:], y_train[:-7], y_train, 7) == pytest.approx(1.0)


def test_error_by_horizon():
    y = np.zeros((3, 2))
    p = np.array([[1.0, 2.0], [1.0, -2.0], [1.0, 2.0]])
    np.testing.assert_allclose(metrics.error_by_horizon(y, p), [1.0, 2.0])
    np.testing.assert_allclose(metrics.error_by_horizon(y, p, kind="rmse"), [1.0, 2.0])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: metrics.mae(np.zeros(3), np.zeros(4)), "same shape"),
        (lambda: metrics.rmse(np.zeros(0), np.zeros(0)), "must not be empty"),
        (lambda: metrics.seasonal_naive_scale(np.zeros((3, 2)), 1), r"`y_train` must have shape \(T_train,\)"),
        (lambda: metrics.seasonal_naive_scale(np.arange(5.0), 5), "longer than the season"),
        (lambda: metrics.mase(np.ones(3), np.zeros(3), np.ones(10), 2), "scale would be 0"),
        (lambda: metrics.error_by_horizon(np.zeros((2, 3)), np.zeros((2, 3)), kind="mape"), "`kind` must be"),
        (lambda: metrics.error_by_horizon(np.zeros(3), np.zeros(3)), r"\(N, H\)"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_metrics_agree_with_statsmodels():
    """statsmodels.tools.eval_measures: overall MAE/RMSE and, per column, the error of each step ahead."""
    from statsmodels.tools import eval_measures

    rng = np.random.default_rng(7)
    y, p = rng.normal(size=(30, 24)), rng.normal(size=(30, 24))
    assert metrics.mae(y, p) == pytest.approx(eval_measures.meanabs(y, p, axis=None), rel=1e-12)
    assert metrics.rmse(y, p) == pytest.approx(eval_measures.rmse(y, p, axis=None), rel=1e-12)
    np.testing.assert_allclose(metrics.error_by_horizon(y, p, "mae"), eval_measures.meanabs(y, p, axis=0), rtol=1e-12)
    np.testing.assert_allclose(metrics.error_by_horizon(y, p, "rmse"), eval_measures.rmse(y, p, axis=0), rtol=1e-12)
