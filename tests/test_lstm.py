"""Tests for helpers/lstm.py: Keras agreement, gradient checks, validation, stability."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.special

from helpers import lstm
from helpers.lstm import (
    from_keras,
    init_lstm_weights,
    lstm_backward,
    lstm_forward,
    lstm_param_count,
    lstm_step_backward,
    lstm_step_forward,
    make_memory_cell,
    numpy_like_keras,
    pack_gates,
    sigmoid,
    split_gates,
    survival,
)


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def rel_error(a, b):
    """max |a - b| / max(|a| + |b|), CS231n's relative error."""
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numerical_grad(f, x, h=1e-5):
    """Centred differences of the scalar f() w.r.t. array x (modified in place, then restored)."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fp = f()
        x[ix] = old - h
        fm = f()
        x[ix] = old
        grad[ix] = (fp - fm) / (2 * h)
    return grad


def random_problem(N, T, D, H, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    h0 = rng.standard_normal((N, H)).astype(dtype)
    c0 = rng.standard_normal((N, H)).astype(dtype)
    W = (rng.standard_normal((D, 4 * H)) * 0.5).astype(dtype)
    U = (rng.standard_normal((H, 4 * H)) * 0.5).astype(dtype)
    b = (rng.standard_normal(4 * H) * 0.5).astype(dtype)
    return x, h0, c0, W, U, b


@pytest.fixture(scope="module")
def keras():
    from helpers.env import quiet_tensorflow

    quiet_tensorflow()
    import keras

    return keras


# --------------------------------------------------------------------------------------------------
# Forward vs Keras (float32, 1e-5)
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "N,T,D,H",
    [(4, 7, 3, 5), (1, 1, 2, 3), (1, 12, 4, 4), (3, 1, 6, 2), (8, 20, 16, 32)],
)
def test_forward_matches_keras(keras, N, T, D, H):
    rng = np.random.default_rng(N * 1000 + T * 100 + D * 10 + H)
    layer = keras.layers.LSTM(H, return_sequences=True, return_state=True)
    layer.build((None, None, D))
    # Random weights everywhere (not the default init, whose bias is mostly zero).
    W = rng.normal(0, 0.5, (D, 4 * H)).astype("float32")
    U = rng.normal(0, 0.5, (H, 4 * H)).astype("float32")
    b = rng.normal(0, 0.5, (4 * H,)).astype("float32")
    layer.set_weights([W, U, b])
    x = rng.normal(0, 1, (N, T, D)).astype("float32")
    seq, h_last, c_last = (np.asarray(a) for a in layer(x))

    W2, U2, b2 = from_keras(layer)
    np.testing.assert_array_equal(W2, W)
    np.testing.assert_array_equal(U2, U)
    np.testing.assert_array_equal(b2, b)
    zeros = np.zeros((N, H), np.float32)
    h, c, _ = lstm_forward(x, zeros, zeros, W2, U2, b2)
    assert h.dtype == np.float32 and h.shape == (N, T, H) and c.shape == (N, T, H)
    np.testing.assert_allclose(h, seq, atol=1e-5, rtol=0)
    np.testing.assert_allclose(h[:, -1], h_last, atol=1e-5, rtol=0)
    np.testing.assert_allclose(c[:, -1], c_last, atol=1e-5, rtol=0)


def test_forward_matches_keras_default_init_and_no_bias(keras):
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (2, 9, 3)).astype("float32")
    for use_bias in (True, False):
        layer = keras.layers.LSTM(4, return_sequences=True, return_state=True, use_bias=use_bias)
        seq, h_last, c_last = (np.asarray(a) for a in layer(x))
        W, U, b = from_keras(layer)
        assert b.shape == (16,)
        z = np.zeros((2, 4), np.float32)
        h, c, _ = lstm_forward(x, z, z, W, U, b)
        np.testing.assert_allclose(h, seq, atol=1e-5, rtol=0)
        np.testing.assert_allclose(c[:, -1], c_last, atol=1e-5, rtol=0)


def test_from_keras_errors(keras):
    with pytest.raises(ValueError, match="built"):
        from_keras(keras.layers.LSTM(3))
    with pytest.raises(ValueError, match="keras.layers.LSTM"):
        layer = keras.layers.GRU(3)
        layer.build((None, None, 2))
        from_keras(layer)
    layer = keras.layers.LSTM(3, activation="relu")
    layer.build((None, None, 2))
    with pytest.raises(ValueError, match="activation='tanh'"):
        from_keras(layer)


@pytest.mark.parametrize("D,H", [(1, 1), (3, 5), (32, 64), (7, 2)])
def test_param_count_matches_keras(keras, D, H):
    layer = keras.layers.LSTM(H)
    layer.build((None, None, D))
    assert lstm_param_count(D, H) == layer.count_params() == 4 * (H * (H + D) + H)


def test_param_count_errors():
    with pytest.raises(ValueError, match="`H` must be an integer >= 1. Received: H=0"):
        lstm_param_count(3, 0)
    with pytest.raises(ValueError, match="`D`"):
        lstm_param_count(2.5, 3)


# --------------------------------------------------------------------------------------------------
# Forward consistency
# --------------------------------------------------------------------------------------------------
def test_sequence_forward_equals_loop_of_steps():
    x, h0, c0, W, U, b = random_problem(3, 6, 4, 5, seed=2)
    h, c, _ = lstm_forward(x, h0, c0, W, U, b)
    h_t, c_t = h0, c0
    for t in range(x.shape[1]):
        h_t, c_t, _ = lstm_step_forward(x[:, t], h_t, c_t, W, U, b)
        np.testing.assert_allclose(h[:, t], h_t, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(c[:, t], c_t, rtol=1e-12, atol=1e-12)


def test_step_forward_special_cases():
    """f = 1, i = 0 keeps c; o = 1 exposes tanh(c)."""
    N, D, H = 2, 3, 4
    rng = np.random.default_rng(3)
    W = np.zeros((D, 4 * H))
    U = np.zeros((H, 4 * H))
    b = pack_gates(np.full(H, -50.0), np.full(H, 50.0), rng.standard_normal(H), np.full(H, 50.0))
    c0 = rng.standard_normal((N, H))
    h_t, c_t, _ = lstm_step_forward(rng.standard_normal((N, D)), np.zeros((N, H)), c0, W, U, b)
    np.testing.assert_allclose(c_t, c0, atol=1e-12)
    np.testing.assert_allclose(h_t, np.tanh(c0), atol=1e-12)


def test_split_and_pack_gates_roundtrip():
    W = np.arange(2 * 12).reshape(2, 12)
    parts = split_gates(W)
    assert [p.shape for p in parts] == [(2, 3)] * 4
    np.testing.assert_array_equal(parts[1], W[:, 3:6])  # the forget block is the second one
    np.testing.assert_array_equal(pack_gates(*parts), W)
    assert lstm.GATE_ORDER == ("i", "f", "c", "o")
    with pytest.raises(ValueError, match="4H"):
        split_gates(np.zeros(10))


def test_init_matches_keras_conventions():
    W, U, b = init_lstm_weights(5, 7, np.random.default_rng(0), forget_bias=1.0)
    assert W.shape == (5, 28) and U.shape == (7, 28) and b.shape == (28,)
    np.testing.assert_allclose(U @ U.T, np.eye(7), atol=1e-12)  # orthonormal rows
    np.testing.assert_array_equal(split_gates(b)[1], np.ones(7))
    assert np.all(np.abs(W) <= np.sqrt(6 / (5 + 28)))


# --------------------------------------------------------------------------------------------------
# Backward vs finite differences (float64, < 1e-6)
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("N,T,D,H", [(2, 4, 3, 5), (1, 1, 2, 2), (3, 3, 4, 4)])
def test_sequence_backward_gradcheck(N, T, D, H):
    x, h0, c0, W, U, b = random_problem(N, T, D, H, seed=4)
    rng = np.random.default_rng(5)
    dh = rng.standard_normal((N, T, H))
    dc_last = rng.standard_normal((N, H))
    args = [x, h0, c0, W, U, b]
    _, _, cache = lstm_forward(*args)
    grads = lstm_backward(dh, cache, dc_last)
    names = ["dx", "dh0", "dc0", "dW", "dU", "db"]

    def loss():
        h, c, _ = lstm_forward(*args)
        return float(np.sum(h * dh) + np.sum(c[:, -1] * dc_last))

    for name, arg, g in zip(names, args, grads, strict=True):
        assert g.shape == arg.shape, f"{name} has shape {g.shape}, expected {arg.shape}"
        err = rel_error(numerical_grad(loss, arg), g)
        assert err < 1e-6, f"{name}: relative error {err:.2e}"


def test_sequence_backward_without_dc_last_equals_zero_dc_last():
    x, h0, c0, W, U, b = random_problem(2, 3, 2, 3, seed=6)
    _, _, cache = lstm_forward(x, h0, c0, W, U, b)
    dh = np.random.default_rng(0).standard_normal((2, 3, 3))
    for g1, g2 in zip(lstm_backward(dh, cache), lstm_backward(dh, cache, np.zeros((2, 3))), strict=True):
        np.testing.assert_array_equal(g1, g2)


@pytest.mark.parametrize("N,D,H", [(3, 4, 5), (1, 3, 3)])
def test_step_backward_gradcheck(N, D, H):
    x, h0, c0, W, U, b = random_problem(N, 1, D, H, seed=7)
    x_t = x[:, 0].copy()
    rng = np.random.default_rng(8)
    dh_t, dc_t = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    args = [x_t, h0, c0, W, U, b]
    _, _, cache = lstm_step_forward(*args)
    grads = lstm_step_backward(dh_t, dc_t, cache)

    def loss():
        h_t, c_t, _ = lstm_step_forward(*args)
        return float(np.sum(h_t * dh_t) + np.sum(c_t * dc_t))

    for name, arg, g in zip(["dx_t", "dh_prev", "dc_prev", "dW", "dU", "db"], args, grads, strict=True):
        assert g.shape == arg.shape
        err = rel_error(numerical_grad(loss, arg), g)
        assert err < 1e-6, f"{name}: relative error {err:.2e}"


def test_step_and_sequence_backward_agree_for_T_1():
    x, h0, c0, W, U, b = random_problem(2, 1, 3, 4, seed=9)
    dh = np.random.default_rng(1).standard_normal((2, 1, 4))
    _, _, cache = lstm_forward(x, h0, c0, W, U, b)
    seq = lstm_backward(dh, cache)
    _, _, step_cache = lstm_step_forward(x[:, 0], h0, c0, W, U, b)
    step = lstm_step_backward(dh[:, 0], np.zeros((2, 4)), step_cache)
    np.testing.assert_allclose(seq[0][:, 0], step[0], atol=1e-12)
    for a, s in zip(seq[1:], step[1:], strict=True):
        np.testing.assert_allclose(a, s, atol=1e-12)


def test_cell_path_is_product_of_forget_gates():
    """With U = 0 the gates do not depend on c, so dc_0 = dc_T * prod_t f_t exactly."""
    N, T, D, H = 2, 30, 3, 4
    x, h0, c0, W, _, b = random_problem(N, T, D, H, seed=10)
    U = np.zeros((H, 4 * H))
    _, _, cache = lstm_forward(x, h0, c0, W, U, b)
    dc_T = np.ones((N, H))
    _, dh0, dc0, _, _, _ = lstm_backward(np.zeros((N, T, H)), cache, dc_T)
    f = np.stack([step["f"] for step in cache])  # (T, N, H)
    np.testing.assert_allclose(dc0, np.prod(f, axis=0), rtol=1e-12)
    np.testing.assert_array_equal(dh0, 0.0)


# --------------------------------------------------------------------------------------------------
# The cache is the list of step caches; the private fused path computes the same numbers
# --------------------------------------------------------------------------------------------------
def test_forward_cache_is_the_list_of_step_caches():
    x, h0, c0, W, U, b = random_problem(2, 4, 3, 5, seed=20)
    h, c, cache = lstm_forward(x, h0, c0, W, U, b)
    assert isinstance(cache, list) and len(cache) == 4
    keys = {"x_t", "h_prev", "c_prev", "W", "U", "i", "f", "g", "o", "tanh_c"}
    for t, step in enumerate(cache):
        assert set(step) == keys
        np.testing.assert_array_equal(step["x_t"], x[:, t])
        np.testing.assert_array_equal(step["h_prev"], h0 if t == 0 else h[:, t - 1])
        np.testing.assert_array_equal(step["c_prev"], c0 if t == 0 else c[:, t - 1])
        np.testing.assert_allclose(step["tanh_c"], np.tanh(c[:, t]), rtol=1e-14)
    with pytest.raises(ValueError, match="`cache` must be the non-empty list of step caches"):
        lstm_backward(np.zeros_like(h), {"x": x, "W": W, "U": U})
    with pytest.raises(ValueError, match="`cache` must be the non-empty list"):
        lstm_backward(np.zeros((2, 0, 5)), [])


# --------------------------------------------------------------------------------------------------
# Lesson 03 exercises: numpy_like_keras, make_memory_cell, survival
# --------------------------------------------------------------------------------------------------
def test_numpy_like_keras_reproduces_the_layer(keras):
    rng = np.random.default_rng(22)
    for use_bias, (N, T, D, H) in [(True, (3, 6, 4, 5)), (False, (1, 1, 2, 3)), (True, (2, 15, 3, 4))]:
        layer = keras.layers.LSTM(H, return_sequences=True, return_state=True, use_bias=use_bias)
        x = rng.normal(size=(N, T, D)).astype("float32")
        want = [np.asarray(a) for a in layer(x)]
        got = numpy_like_keras(layer, x)
        assert [g.shape for g in got] == [(N, T, H), (N, H), (N, H)]
        assert all(g.dtype == np.float32 for g in got)
        for name, w, g in zip(["h_all", "h_last", "c_last"], want, got, strict=True):
            np.testing.assert_allclose(g, w, atol=1e-5, rtol=0, err_msg=name)


def test_numpy_like_keras_errors(keras):
    layer = keras.layers.LSTM(3)
    layer.build((None, None, 2))
    with pytest.raises(
        ValueError, match=r"`x` must have shape \(N, T, D\) = \(N, T, 2\). Received: x.shape=\(4, 5, 3\)"
    ):
        numpy_like_keras(layer, np.zeros((4, 5, 3), "float32"))
    with pytest.raises(ValueError, match="at least one time step"):
        numpy_like_keras(layer, np.zeros((4, 0, 2), "float32"))
    with pytest.raises(ValueError, match="built"):
        numpy_like_keras(keras.layers.LSTM(3), np.zeros((1, 2, 2), "float32"))


def test_make_memory_cell_holds_c0_for_50_steps():
    g = np.random.default_rng(23)
    N, T, D, H = 5, 50, 3, 4
    W, U, b = g.normal(size=(D, 4 * H)) * 2, g.normal(size=(H, 4 * H)) * 2, g.normal(size=4 * H) * 2
    before = [a.copy() for a in (W, U, b)]
    W2, U2, b2 = make_memory_cell(W, U, b)
    for a, a0 in zip((W, U, b), before, strict=True):
        np.testing.assert_array_equal(a, a0)  # inputs untouched
    assert W2 is not W and (W2.shape, U2.shape, b2.shape) == (W.shape, U.shape, b.shape)
    np.testing.assert_array_equal(split_gates(W2)[2], split_gates(W)[2])  # candidate block unchanged
    np.testing.assert_array_equal(split_gates(U2)[2], split_gates(U)[2])
    np.testing.assert_array_equal(split_gates(b2)[2], split_gates(b)[2])
    np.testing.assert_array_equal(split_gates(b2)[0], -20.0)
    np.testing.assert_array_equal(split_gates(b2)[1], 20.0)
    np.testing.assert_array_equal(split_gates(b2)[3], 20.0)
    c0 = g.uniform(-3, 3, size=(N, H))
    h, c, _ = lstm_forward(g.normal(0, 3, size=(N, T, D)), g.normal(size=(N, H)), c0, W2, U2, b2)
    assert np.max(np.abs(c - c0[:, None])) < 1e-3, "the memory must hold at every step"
    np.testing.assert_allclose(h[:, -1], np.tanh(c0), atol=1e-3)
    # A weaker strength forgets measurably: it is the gate value that is aimed at.
    _, c_weak, _ = lstm_forward(np.zeros((N, T, D)), np.zeros((N, H)), c0, *make_memory_cell(W, U, b, strength=3.0))
    assert np.max(np.abs(c_weak[:, -1] - c0)) > 0.5
    with pytest.raises(ValueError, match=r"`strength` must be a number > 0. Received: strength=-1"):
        make_memory_cell(W, U, b, strength=-1)
    with pytest.raises(ValueError, match=r"`U` must have shape \(H, 4H\)"):
        make_memory_cell(W, U[:, :8], b)


def test_survival_is_the_running_product_and_predicts_the_cell_state():
    f_const = np.full((1, 10, 2), 0.95)
    np.testing.assert_allclose(survival(f_const)[0, :, 0], 0.95 ** np.arange(1, 11), rtol=1e-12)
    f_one = np.random.default_rng(24).uniform(size=(4, 1, 3))
    np.testing.assert_allclose(survival(f_one), f_one)
    # A real cell with the input gate closed: c_k = s_k * c_0.
    g = np.random.default_rng(25)
    N, T, D, H = 3, 12, 2, 4
    W, U, b = g.normal(size=(D, 4 * H)), g.normal(size=(H, 4 * H)) * 0.5, g.normal(size=4 * H)
    W[:, :H], U[:, :H], b[:H] = 0.0, 0.0, -30.0
    c0 = g.normal(size=(N, H))
    _, c, cache = lstm_forward(g.normal(size=(N, T, D)), np.zeros((N, H)), c0, W, U, b)
    f_seq = np.stack([step["f"] for step in cache], axis=1)  # (N, T, H)
    np.testing.assert_allclose(survival(f_seq) * c0[:, None, :], c, atol=1e-9)
    with pytest.raises(ValueError, match=r"`f_seq` must have shape \(N, T, H\)"):
        survival(np.ones((3, 4)))


# --------------------------------------------------------------------------------------------------
# Sigmoid, dtypes, validation, imports
# --------------------------------------------------------------------------------------------------
def test_sigmoid_values_and_stability():
    z = np.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            s = sigmoid(z)
            s32 = sigmoid(z.astype(np.float32))
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s[1:-1], 1 / (1 + np.exp(-z[1:-1])), rtol=1e-12)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert s32.dtype == np.float32
    np.testing.assert_allclose(sigmoid(-z), 1 - s, atol=1e-15)
    assert sigmoid(3).shape == () and sigmoid([0, 0]).dtype == np.float64


def test_sigmoid_agrees_with_scipy_expit():
    """scipy.special.expit is an independent, careful implementation: agree everywhere, extremes included."""
    z = np.concatenate([np.linspace(-50, 50, 2001), [-1000.0, -745.0, -709.0, -40.0, 36.0, 40.0, 709.0, 1e308]])
    z32 = np.clip(z, -1e30, 1e30).astype(np.float32)  # 1e308 does not fit in float32
    with np.errstate(all="raise"):
        ours = sigmoid(z)
        ours32 = sigmoid(z32)
    np.testing.assert_allclose(ours, scipy.special.expit(z), rtol=1e-14, atol=1e-300)
    want32 = scipy.special.expit(z32)
    assert ours32.dtype == want32.dtype == np.float32
    np.testing.assert_allclose(ours32, want32, rtol=1e-6, atol=1e-38)
    # log sigmoid, used by the sLSTM: the private helper against scipy's log_expit.
    from helpers.variants import _log_sigmoid

    np.testing.assert_allclose(_log_sigmoid(z[:-1]), scipy.special.log_expit(z[:-1]), rtol=1e-12)


def test_dtype_is_kept():
    x, h0, c0, W, U, b = random_problem(2, 3, 2, 3, dtype=np.float32)
    h, c, cache = lstm_forward(x, h0, c0, W, U, b)
    assert h.dtype == c.dtype == np.float32
    assert all(g.dtype == np.float32 for g in lstm_backward(np.ones_like(h), cache))
    h_t, c_t, _ = lstm_step_forward(x[:, 0], h0, c0, W, U, b)
    assert h_t.dtype == c_t.dtype == np.float32


@pytest.mark.parametrize(
    "change,match",
    [
        (dict(x=np.zeros((4, 5))), r"`x` must have shape \(N, T, D\) = \(N, T, 3\). Received: x.shape=\(4, 5\)"),
        (dict(x=np.zeros((2, 5, 4))), r"`x` must have shape .*Received: x.shape=\(2, 5, 4\)"),
        (dict(h0=np.zeros((2, 8))), r"`h0` must have shape \(N, H\) = \(2, 4\). Received: h0.shape=\(2, 8\)"),
        (dict(c0=np.zeros((3, 4))), r"`c0` must have shape \(N, H\) = \(2, 4\)"),
        (dict(W=np.zeros((3, 15))), r"`W` must have shape \(D, 4H\).*blocks i, f, c, o. Received: W.shape=\(3, 15\)"),
        (dict(U=np.zeros((16, 4))), r"`U` must have shape \(H, 4H\) = \(4, 16\). Received: U.shape=\(16, 4\)"),
        (dict(b=np.zeros((1, 16))), r"`b` must have shape \(4H\) = \(16,\). Received: b.shape=\(1, 16\)"),
    ],
)
def test_forward_shape_errors(change, match):
    args = dict(
        x=np.zeros((2, 5, 3)),
        h0=np.zeros((2, 4)),
        c0=np.zeros((2, 4)),
        W=np.zeros((3, 16)),
        U=np.zeros((4, 16)),
        b=np.zeros(16),
    )
    args.update(change)
    with pytest.raises(ValueError, match=match):
        lstm_forward(**args)


def test_step_and_backward_shape_errors():
    x, h0, c0, W, U, b = random_problem(2, 3, 3, 4)
    with pytest.raises(ValueError, match=r"`x_t` must have shape \(N, D\) = \(N, 3\). Received: x_t.shape=\(2, 3, 3\)"):
        lstm_step_forward(x, h0, c0, W, U, b)
    with pytest.raises(ValueError, match=r"`h_prev` must have shape \(N, H\) = \(2, 4\)"):
        lstm_step_forward(x[:, 0], h0[:1], c0, W, U, b)
    _, _, cache = lstm_forward(x, h0, c0, W, U, b)
    with pytest.raises(
        ValueError, match=r"`dh` must have shape \(N, T, H\) = \(2, 3, 4\). Received: dh.shape=\(2, 4\)"
    ):
        lstm_backward(np.zeros((2, 4)), cache)
    _, _, step_cache = lstm_step_forward(x[:, 0], h0, c0, W, U, b)
    with pytest.raises(ValueError, match=r"`dc_t` must have shape"):
        lstm_step_backward(np.zeros((2, 4)), np.zeros((2, 5)), step_cache)


def test_importing_lstm_does_not_import_tensorflow():
    code = "import sys, helpers.lstm; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
