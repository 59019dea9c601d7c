"""Tests for helpers.optim: global_norm and clip_by_global_norm (lesson 02), against TensorFlow."""

import numpy as np
import pytest

from helpers.optim import clip_by_global_norm, global_norm


def test_global_norm():
    assert global_norm([np.array([3.0, 0.0]), np.array([[4.0]])]) == pytest.approx(5.0)
    assert global_norm([None, np.array([6.0, 8.0])]) == pytest.approx(10.0)
    assert global_norm([]) == 0.0
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    assert global_norm(grads) == pytest.approx(np.linalg.norm(np.concatenate([g.ravel() for g in grads])))


def test_clip_by_global_norm_semantics():
    g = [np.array([3.0, 0.0]), np.array([[4.0]])]  # global norm 5
    orig = [a.copy() for a in g]
    clipped, norm = clip_by_global_norm(g, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(clipped[0], [0.6, 0.0])
    np.testing.assert_allclose(clipped[1], [[0.8]])
    assert global_norm(clipped) == pytest.approx(1.0)
    for a, b in zip(g, orig, strict=True):  # inputs not modified
        np.testing.assert_array_equal(a, b)
    assert clipped[0] is not g[0]
    # Below the threshold: unchanged values, still new arrays.
    same, norm = clip_by_global_norm(g, 10.0)
    assert norm == pytest.approx(5.0)
    for a, b in zip(same, g, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a is not b
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
    from helpers.env import quiet_tensorflow

    quiet_tensorflow()
    import tensorflow as tf

    rng = np.random.default_rng(2)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=(4, 4)), rng.normal(size=(4,))]
    ours, norm = clip_by_global_norm(grads, max_norm)
    theirs, tf_norm = tf.clip_by_global_norm([tf.constant(g) for g in grads], max_norm)
    assert norm == pytest.approx(float(tf_norm), rel=1e-10)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-10)
