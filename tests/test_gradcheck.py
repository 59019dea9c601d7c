"""Tests for helpers.gradcheck: numerical gradients and rel_error, cross-checked with SciPy and statsmodels."""

import numpy as np
import pytest
import scipy.optimize
from statsmodels.tools import numdiff

from helpers.gradcheck import eval_numerical_gradient, eval_numerical_gradient_array, rel_error


def test_numerical_gradient_of_quadratic():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    x0 = x.copy()
    g = eval_numerical_gradient(lambda v: v @ A @ v, x)
    assert rel_error(g, (A + A.T) @ x0) < 1e-8
    np.testing.assert_array_equal(x, x0)  # restored


def _rosen_batch(v):
    """Rosenbrock on a (2, 3) array, a non-quadratic test function with a known gradient."""
    return scipy.optimize.rosen(v.ravel())


def test_numerical_gradient_agrees_with_scipy_and_statsmodels():
    """Three independent finite-difference codes and the exact gradient agree on a 2-D argument."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-1.5, 1.5, size=(2, 3))
    ours = eval_numerical_gradient(_rosen_batch, x.copy())
    exact = scipy.optimize.rosen_der(x.ravel()).reshape(2, 3)
    # statsmodels' centred differences: same scheme as ours, so agreement is tight.
    sm = numdiff.approx_fprime(x.ravel(), lambda v: scipy.optimize.rosen(v), centered=True).reshape(2, 3)
    # SciPy's approx_fprime: forward differences, error O(h), so a looser bound.
    sp = scipy.optimize.approx_fprime(x.ravel(), scipy.optimize.rosen, 1e-7).reshape(2, 3)
    assert rel_error(ours, exact) < 1e-8
    assert rel_error(ours, sm) < 1e-7
    assert rel_error(ours, sp) < 1e-4
    # ... and a wrong gradient is caught by the same measure.
    assert rel_error(ours, exact * 1.01) > 1e-3


def test_numerical_gradient_array_matrix_product():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4))
    W = rng.normal(size=(4, 5))
    dout = rng.normal(size=(3, 5))
    g = eval_numerical_gradient_array(lambda v: v @ W, x, dout)
    assert g.shape == x.shape
    assert rel_error(g, dout @ W.T) < 1e-8


def test_numerical_gradient_array_matches_statsmodels_jacobian():
    """d sum(f(x) * df)/dx is df^T J: compare with statsmodels' complex-step Jacobian of tanh(x @ W)."""
    rng = np.random.default_rng(2)
    x, W, df = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    ours = eval_numerical_gradient_array(lambda v: np.tanh(v @ W), x, df)
    J = numdiff.approx_fprime_cs(x.ravel(), lambda v: np.tanh(v.reshape(2, 3) @ W).ravel())  # (8, 6)
    np.testing.assert_allclose(ours, (df.ravel() @ J).reshape(2, 3), rtol=1e-7, atol=1e-10)


def test_rel_error():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert rel_error(np.zeros(2), np.zeros(2)) == 0.0
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0
    with pytest.raises(ValueError, match="must have the same shape"):
        rel_error(np.ones(2), np.ones(3))
