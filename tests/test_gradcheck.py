"""Tests for helpers.gradcheck: numerical gradients, rel_error, clip_by_global_norm, spectral_radius."""

import numpy as np
import pytest

from helpers.gradcheck import (
    clip_by_global_norm,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    global_norm,
    rel_error,
    spectral_radius,
)


def test_numerical_gradient_of_quadratic():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    x0 = x.copy()
    g = eval_numerical_gradient(lambda v: v @ A @ v, x)
    assert rel_error(g, (A + A.T) @ x0) < 1e-8
    np.testing.assert_array_equal(x, x0)  # restored


def test_numerical_gradient_array_matrix_product():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4))
    W = rng.normal(size=(4, 5))
    dout = rng.normal(size=(3, 5))
    g = eval_numerical_gradient_array(lambda v: v @ W, x, dout)
    assert g.shape == x.shape
    assert rel_error(g, dout @ W.T) < 1e-8


def test_rel_error():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert rel_error(np.zeros(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match="must have the same shape"):
        rel_error(np.ones(2), np.ones(3))


def test_clip_by_global_norm_semantics():
    g = [np.array([3.0, 0.0]), np.array([[4.0]])]  # global norm 5
    orig = [a.copy() for a in g]
    clipped, norm = clip_by_global_norm(g, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(clipped[0], [0.6, 0.0])
    np.testing.assert_allclose(clipped[1], [[0.8]])
    assert global_norm(clipped) == pytest.approx(1.0)
    for a, b in zip(g, orig):  # inputs not modified
        np.testing.assert_array_equal(a, b)
    assert clipped[0] is not g[0]
    # Below the threshold: unchanged values, still new arrays.
    same, norm = clip_by_global_norm(g, 10.0)
    assert norm == pytest.approx(5.0)
    for a, b in zip(same, g):
        np.testing.assert_array_equal(a, b)
    # None entries pass through, as in TensorFlow.
    c, n = clip_by_global_norm([None, np.array([6.0, 8.0])], 5.0)
    assert c[0] is None and n == pytest.approx(10.0)
    np.testing.assert_allclose(c[1], [3.0, 4.0])


def test_clip_by_global_norm_errors():
    with pytest.raises(ValueError, match=r"`max_norm` must be a number > 0\. Received: max_norm=0"):
        clip_by_global_norm([np.ones(2)], 0)
    with pytest.raises(ValueError, match=r"`grads` must be a list of arrays"):
        clip_by_global_norm(np.ones(3), 1.0)


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 3.0, 100.0])
def test_clip_by_global_norm_matches_tensorflow(max_norm):
    pytest.importorskip("tensorflow")
    from helpers.env import quiet_tensorflow

    quiet_tensorflow()
    import tensorflow as tf

    rng = np.random.default_rng(2)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=(4, 4)), rng.normal(size=(4,))]
    ours, norm = clip_by_global_norm(grads, max_norm)
    theirs, tf_norm = tf.clip_by_global_norm([tf.constant(g) for g in grads], max_norm)
    assert norm == pytest.approx(float(tf_norm), rel=1e-10)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-10)


def test_spectral_radius():
    assert spectral_radius(np.diag([0.5, -2.0, 1.0])) == pytest.approx(2.0)
    R = np.array([[0.0, -1.0], [1.0, 0.0]])
    assert spectral_radius(0.9 * R) == pytest.approx(0.9)
    assert spectral_radius(np.array([[0.0, 10.0], [0.0, 0.0]])) == pytest.approx(0.0)
    with pytest.raises(ValueError, match=r"`U` must have shape \(H, H\) = \(2, 2\)\. Received: U.shape=\(2, 3\)"):
        spectral_radius(np.ones((2, 3)))
