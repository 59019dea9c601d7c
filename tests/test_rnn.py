"""Tests for helpers.rnn: the vanilla RNN forward/backward, Jacobian products, regimes, memory as decay."""

import sys

import numpy as np
import pytest
import scipy.signal
from statsmodels.tools.numdiff import approx_fprime_cs

from helpers.gradcheck import eval_numerical_gradient_array, rel_error
from helpers.rnn import (
    decay_memory,
    gated_memory,
    gradient_regime,
    hidden_jacobian_norms,
    jacobian_product,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    simple_rnn_param_count,
    spectral_radius,
    step_jacobian,
    steps_to_forget,
)


@pytest.fixture(scope="module")
def keras():
    from helpers.env import quiet_tensorflow

    quiet_tensorflow()
    import keras

    return keras


def _params(rng, N=3, D=4, H=5, scale=0.5):
    return (
        rng.normal(size=(N, D)),
        rng.normal(size=(N, H)),
        rng.normal(scale=scale, size=(D, H)),
        rng.normal(scale=scale, size=(H, H)),
        rng.normal(scale=scale, size=(H,)),
    )


def test_import_does_not_import_tensorflow():
    # Other tests import TensorFlow into this process: check in a fresh one.
    import subprocess

    code = "import sys, helpers.rnn, helpers.gradcheck, helpers.data; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_step_forward_known_values():
    # CS231n-style deterministic check with linspace inputs.
    N, D, H = 3, 10, 4
    x = np.linspace(-0.4, 0.7, num=N * D).reshape(N, D)
    h_prev = np.linspace(-0.2, 0.5, num=N * H).reshape(N, H)
    W = np.linspace(-0.1, 0.9, num=D * H).reshape(D, H)
    U = np.linspace(-0.3, 0.7, num=H * H).reshape(H, H)
    b = np.linspace(-0.2, 0.4, num=H)
    h_t, _ = rnn_step_forward(x, h_prev, W, U, b)
    expected = np.tanh(x @ W + h_prev @ U + b)
    np.testing.assert_allclose(h_t, expected, rtol=1e-12)
    assert h_t.shape == (N, H)


def test_step_backward_matches_numerical():
    rng = np.random.default_rng(0)
    x, h_prev, W, U, b = _params(rng)
    h_t, cache = rnn_step_forward(x, h_prev, W, U, b)
    dh = rng.normal(size=h_t.shape)
    dx, dh_prev, dW, dU, db = rnn_step_backward(dh, cache)
    num = {
        "x": eval_numerical_gradient_array(lambda v: rnn_step_forward(v, h_prev, W, U, b)[0], x, dh),
        "h_prev": eval_numerical_gradient_array(lambda v: rnn_step_forward(x, v, W, U, b)[0], h_prev, dh),
        "W": eval_numerical_gradient_array(lambda v: rnn_step_forward(x, h_prev, v, U, b)[0], W, dh),
        "U": eval_numerical_gradient_array(lambda v: rnn_step_forward(x, h_prev, W, v, b)[0], U, dh),
        "b": eval_numerical_gradient_array(lambda v: rnn_step_forward(x, h_prev, W, U, v)[0], b, dh),
    }
    for name, ana in zip(num, (dx, dh_prev, dW, dU, db), strict=True):
        assert ana.shape == num[name].shape
        assert rel_error(ana, num[name]) < 1e-7, f"d{name}: {rel_error(ana, num[name])}"


@pytest.mark.parametrize("N,T,D,H", [(2, 5, 3, 4), (1, 1, 2, 2), (3, 7, 1, 6)])
def test_forward_backward_matches_numerical(N, T, D, H):
    rng = np.random.default_rng(N * 100 + T)
    x = rng.normal(size=(N, T, D))
    h0 = rng.normal(size=(N, H))
    W = rng.normal(scale=0.5, size=(D, H))
    U = rng.normal(scale=0.5, size=(H, H))
    b = rng.normal(scale=0.5, size=(H,))
    h, cache = rnn_forward(x, h0, W, U, b)
    assert h.shape == (N, T, H)
    dh = rng.normal(size=h.shape)
    grads = rnn_backward(dh, cache)
    args = [x, h0, W, U, b]
    for i, (name, ana) in enumerate(zip(["x", "h0", "W", "U", "b"], grads, strict=True)):

        def f(v, i=i):
            a = list(args)
            a[i] = v
            return rnn_forward(*a)[0]

        num = eval_numerical_gradient_array(f, args[i], dh)
        assert ana.shape == args[i].shape
        assert rel_error(ana, num) < 1e-7, f"d{name}: {rel_error(ana, num)}"


def test_forward_is_the_step_loop():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 4, 3))
    h0 = np.zeros((2, 5))
    _, _, W, U, b = _params(rng, N=2, D=3, H=5)
    h, _ = rnn_forward(x, h0, W, U, b)
    h_t = h0
    for t in range(4):
        h_t, _ = rnn_step_forward(x[:, t], h_t, W, U, b)
        np.testing.assert_allclose(h[:, t], h_t)


def test_forward_matches_keras_simple_rnn(keras):
    rng = np.random.default_rng(2)
    N, T, D, H = 4, 6, 3, 5
    x = rng.normal(size=(N, T, D)).astype("float32")
    W = rng.normal(scale=0.5, size=(D, H)).astype("float32")
    U = rng.normal(scale=0.5, size=(H, H)).astype("float32")
    b = rng.normal(scale=0.5, size=(H,)).astype("float32")
    layer = keras.layers.SimpleRNN(H, return_sequences=True)
    layer.build((None, T, D))
    layer.set_weights([W, U, b])  # kernel (D, H), recurrent_kernel (H, H), bias (H,)
    expected = np.asarray(layer(x))
    h, _ = rnn_forward(x.astype(float), np.zeros((N, H)), W, U, b)
    np.testing.assert_allclose(h, expected, atol=1e-5)


@pytest.mark.parametrize("D,H", [(1, 1), (3, 5), (10, 16)])
def test_simple_rnn_param_count_matches_keras(keras, D, H):
    layer = keras.layers.SimpleRNN(H)
    layer.build((None, 5, D))
    assert simple_rnn_param_count(D, H) == layer.count_params() == H * (D + H + 1)
    with pytest.raises(ValueError, match="`D` must be an integer >= 1. Received: D=0"):
        simple_rnn_param_count(0, H)


def test_backward_matches_complex_step_derivative():
    """statsmodels' complex-step derivative (exact to rounding, no step-size trade-off) agrees with BPTT.

    d/dW of sum(h * dh): the forward is analytic (tanh), so f(W + i e) has imaginary part e * f'(W).
    """
    rng = np.random.default_rng(11)
    N, T, D, H = 2, 4, 3, 3
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    W, U, b = rng.normal(scale=0.5, size=(D, H)), rng.normal(scale=0.5, size=(H, H)), rng.normal(size=H)
    dh = rng.normal(size=(N, T, H))
    _, cache = rnn_forward(x, h0, W, U, b)
    _, _, dW, dU, _ = rnn_backward(dh, cache)
    dW_cs = approx_fprime_cs(W.ravel(), lambda w: np.sum(rnn_forward(x, h0, w.reshape(D, H), U, b)[0] * dh))
    dU_cs = approx_fprime_cs(U.ravel(), lambda u: np.sum(rnn_forward(x, h0, W, u.reshape(H, H), b)[0] * dh))
    np.testing.assert_allclose(dW, dW_cs.reshape(D, H), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dU, dU_cs.reshape(H, H), rtol=1e-10, atol=1e-12)


def test_shape_errors():
    rng = np.random.default_rng(3)
    x, h_prev, W, U, b = _params(rng, N=2, D=3, H=4)
    with pytest.raises(ValueError, match=r"`x_t` must have shape \(N, D\) = \(N, 3\)\. Received: x_t.shape=\(2, 5\)"):
        rnn_step_forward(np.zeros((2, 5)), h_prev, W, U, b)
    with pytest.raises(ValueError, match=r"`U` must have shape \(H, H\) = \(4, 4\)"):
        rnn_step_forward(x, h_prev, W, U[:3], b)
    with pytest.raises(ValueError, match=r"`b` must have shape"):
        rnn_step_forward(x, h_prev, W, U, b[:2])
    with pytest.raises(ValueError, match=r"`h_prev` must have shape \(N, H\) = \(2, 4\)"):
        rnn_step_forward(x, h_prev[:1], W, U, b)
    with pytest.raises(ValueError, match=r"`x` must have shape \(N, T, D\) = \(N, T, 3\)\. Received: x.shape=\(2, 3\)"):
        rnn_forward(x, h_prev, W, U, b)
    with pytest.raises(ValueError, match=r"`h0` must have shape"):
        rnn_forward(x[:, None], h_prev[:1], W, U, b)
    h, cache = rnn_forward(x[:, None], h_prev, W, U, b)
    with pytest.raises(ValueError, match=r"`dh` must have shape \(N, T, H\) = \(2, 1, 4\)"):
        rnn_backward(np.zeros((2, 4)), cache)


def _run_one(rng, T=12, H=4, scale=1.0):
    W = rng.normal(size=(2, H))
    U = rng.normal(scale=scale / np.sqrt(H), size=(H, H))
    h, _ = rnn_forward(rng.normal(size=(1, T, 2)), np.zeros((1, H)), W, U, np.zeros(H))
    return h[0], U


def test_step_jacobian_matches_numerical():
    rng = np.random.default_rng(4)
    H = 4
    U = rng.normal(size=(H, H))
    W = rng.normal(size=(2, H))
    b = rng.normal(size=H)
    x_t = rng.normal(size=(1, 2))
    h_prev = rng.normal(size=(1, H))
    h_t, _ = rnn_step_forward(x_t, h_prev, W, U, b)
    J = step_jacobian(h_t[0], U)
    num = np.zeros((H, H))
    eps = 1e-6
    for j in range(H):
        e = np.zeros((1, H))
        e[0, j] = eps
        num[:, j] = (rnn_step_forward(x_t, h_prev + e, W, U, b)[0] - rnn_step_forward(x_t, h_prev - e, W, U, b)[0])[
            0
        ] / (2 * eps)
    assert rel_error(J, num) < 1e-7


def test_jacobian_product_matches_backprop():
    # d h_{T-1} / d h_k through rnn_backward: put dh = e_i on the last step only.
    rng = np.random.default_rng(5)
    T, H = 8, 4
    x = rng.normal(size=(1, T, 2))
    W = rng.normal(size=(2, H))
    U = rng.normal(scale=0.6, size=(H, H))
    b = rng.normal(scale=0.1, size=H)
    h, cache = rnn_forward(x, np.zeros((1, H)), W, U, b)
    # dh_{T-1}/dh_{-1} (i.e. w.r.t. h0) is J_{T-1} ... J_0: compare row by row with dh0.
    P = jacobian_product(np.concatenate([np.zeros((1, H)), h[0]]), U, 0)
    for i in range(H):
        dh = np.zeros((1, T, H))
        dh[0, -1, i] = 1.0
        dh0 = rnn_backward(dh, cache)[1]
        np.testing.assert_allclose(P[i], dh0[0], rtol=1e-10, atol=1e-12)
    # k = T - 1 is the identity; k counts from the start of h.
    np.testing.assert_allclose(jacobian_product(h[0], U, T - 1), np.eye(H))
    J1 = step_jacobian(h[0, -1], U)
    np.testing.assert_allclose(jacobian_product(h[0], U, T - 2), J1)
    with pytest.raises(ValueError, match=r"`k` must be an integer with 0 <= k <= T - 1 = 7"):
        jacobian_product(h[0], U, T)


def test_hidden_jacobian_norms_agree_with_products():
    rng = np.random.default_rng(6)
    h, U = _run_one(rng, T=10)
    norms = hidden_jacobian_norms(h, U)
    assert norms.shape == (10,)
    assert norms[0] == pytest.approx(1.0)
    for lag in range(10):
        assert norms[lag] == pytest.approx(np.linalg.norm(jacobian_product(h, U, 9 - lag), 2), rel=1e-10)


def test_jacobian_norms_vanish_for_small_radius():
    rng = np.random.default_rng(7)
    H = 8
    U = rng.normal(size=(H, H))
    U *= 0.5 / np.max(np.abs(np.linalg.eigvals(U)))
    h, _ = rnn_forward(rng.normal(size=(1, 40, 2)), np.zeros((1, H)), rng.normal(size=(2, H)), U, np.zeros(H))
    norms = hidden_jacobian_norms(h[0], U)
    assert norms[-1] < 1e-6


def test_gradient_regime():
    assert gradient_regime(0.5 * np.eye(3)) == "vanish"
    assert gradient_regime(np.eye(3)) == "borderline"
    assert gradient_regime(1.5 * np.eye(3)) == "explode"
    # Radius, not norm: a nilpotent matrix has a large norm but radius 0.
    assert gradient_regime(np.array([[0.0, 10.0], [0.0, 0.0]])) == "vanish"
    # Rotation by 90 degrees times 1.3: complex eigenvalues of modulus 1.3.
    assert gradient_regime(1.3 * np.array([[0.0, -1.0], [1.0, 0.0]])) == "explode"


def test_spectral_radius():
    assert spectral_radius(np.diag([0.5, -2.0, 1.0])) == pytest.approx(2.0)
    R = np.array([[0.0, -1.0], [1.0, 0.0]])
    assert spectral_radius(0.9 * R) == pytest.approx(0.9)
    assert spectral_radius(np.array([[0.0, 10.0], [0.0, 0.0]])) == pytest.approx(0.0)
    with pytest.raises(ValueError, match=r"`U` must have shape \(H, H\) = \(2, 2\)\. Received: U.shape=\(2, 3\)"):
        spectral_radius(np.ones((2, 3)))


def _loop_steps_to_forget(keep, fraction):
    """The lesson's definition, literally."""
    k = 0
    while keep**k >= fraction:
        k += 1
    return k


@pytest.mark.parametrize(
    "keep,fraction",
    [
        (0.95, 0.01),
        (0.5, 0.25),
        (0.5, 0.125),
        (0.99, 0.01),
        (0.9, 0.5),
        (0.3, 0.01),
        (0.999, 0.1),
        (0.8, 2.0),
        (0.8, 1.0),
        (0.1, 1e-300),
        (0.5, 2.0**-60),
        (0.9999, 1e-3),
    ],
)
def test_steps_to_forget_is_the_smallest_k(keep, fraction):
    k = steps_to_forget(keep, fraction)
    assert type(k) is int
    assert k == _loop_steps_to_forget(keep, fraction)
    assert keep**k < fraction and (k == 0 or keep ** (k - 1) >= fraction)


def test_steps_to_forget_defaults_and_errors():
    assert steps_to_forget(0.95) == 90
    assert steps_to_forget(0.5, 0.25) == 3, "0.5**2 == 0.25 is not strictly less than 0.25"
    for keep in (0.0, 1.0, 1.5, -0.1, True):
        with pytest.raises(ValueError, match=r"`keep` must be a number with 0 < keep < 1"):
            steps_to_forget(keep)
    with pytest.raises(ValueError, match=r"`fraction` must be a number > 0. Received: fraction=0"):
        steps_to_forget(0.5, 0)


def test_gated_memory_lesson_examples():
    np.testing.assert_allclose(gated_memory(np.array([5.0, 1.0, 2.0]), np.array([1.0, 0.0, 0.0])), [5.0, 5.0, 5.0])
    np.testing.assert_allclose(gated_memory(np.array([1.0, 1.0]), np.array([0.5, 0.5])), [0.5, 0.75])
    np.testing.assert_allclose(gated_memory(np.array([0.0, 0.0]), np.array([0.0, 0.5]), m0=4.0), [4.0, 2.0])
    assert gated_memory(np.array([3.0]), np.array([0.25])).shape == (1,)


def test_gated_memory_is_an_iir_filter():
    """With a constant gate g the memory is the first-order IIR filter m_t = (1 - g) m_{t-1} + g x_t."""
    rng = np.random.default_rng(12)
    x = rng.normal(size=60)
    for g, m0 in [(0.05, 0.0), (0.3, -2.0), (1.0, 5.0)]:
        want, _ = scipy.signal.lfilter([g], [1.0, -(1.0 - g)], x, zi=[(1.0 - g) * m0])
        np.testing.assert_allclose(gated_memory(x, np.full(60, g), m0=m0), want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(decay_memory(x, keep=1.0 - g, m0=m0), want, rtol=1e-10, atol=1e-12)


def test_gated_memory_varying_gates_and_batches():
    rng = np.random.default_rng(13)
    x, g = rng.normal(size=(40, 3)), rng.uniform(size=(40, 3))
    m, want = np.full(3, 1.5), []
    for t in range(40):
        m = m - g[t] * m + g[t] * x[t]
        want.append(m)
    np.testing.assert_allclose(gated_memory(x, g, m0=1.5), want, atol=1e-12)
    # Each column is its own memory.
    np.testing.assert_allclose(gated_memory(x, g, m0=1.5)[:, 1], gated_memory(x[:, 1], g[:, 1], m0=1.5))


def test_gated_memory_errors():
    with pytest.raises(ValueError, match=r"`gates` must lie in \[0, 1\]"):
        gated_memory(np.zeros(3), np.array([0.5, 1.5, 0.0]))
    with pytest.raises(
        ValueError, match=r"`gates` must have the shape of `values`, \(3,\). Received: gates.shape=\(4,\)"
    ):
        gated_memory(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"`values` must have a time axis"):
        gated_memory(1.0, 0.5)


def test_decay_memory():
    x = np.zeros(50)
    x[0] = 1.0
    m = decay_memory(x, keep=0.95)
    np.testing.assert_allclose(m, 0.05 * 0.95 ** np.arange(50))
    np.testing.assert_allclose(decay_memory(np.ones(3), keep=0.5, m0=1.0), np.ones(3))
    m2 = decay_memory(np.ones((4, 2)), keep=0.0)
    np.testing.assert_allclose(m2, np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"`keep` must be in \[0, 1\]"):
        decay_memory(x, keep=1.5)
