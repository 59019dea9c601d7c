"""helpers.variants: peephole LSTM cell and xLSTM's sLSTM cell (stabilised and not)."""

import numpy as np
import pytest

from helpers import lstm
from helpers.variants import (
    param_count,
    peephole_lstm_forward,
    peephole_lstm_step_forward,
    slstm_forward,
    slstm_step_forward,
    slstm_step_forward_unstabilised,
)


def _weights(rng, D, H, scale=0.5):
    return (
        rng.normal(scale=scale, size=(D, 4 * H)),
        rng.normal(scale=scale, size=(H, 4 * H)),
        rng.normal(scale=scale, size=4 * H),
    )


def _sig(a):
    return 1 / (1 + np.exp(-a))


# ---------------------------------------------------------------- peephole LSTM


@pytest.mark.parametrize("N,D,H", [(3, 4, 5), (1, 1, 1), (2, 6, 3)])
def test_peephole_with_zero_peepholes_is_the_plain_lstm(N, D, H):
    rng = np.random.default_rng(N + D + H)
    W, U, b = _weights(rng, D, H)
    x, h0, c0 = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    h_p, c_p, _ = peephole_lstm_step_forward(x, h0, c0, W, U, np.zeros((3, H)), b)
    h_l, c_l, _ = lstm.lstm_step_forward(x, h0, c0, W, U, b)
    np.testing.assert_allclose(h_p, h_l, atol=1e-12)
    np.testing.assert_allclose(c_p, c_l, atol=1e-12)


def test_peephole_matches_the_equations():
    """Gers & Schmidhuber: i, f see c_{t-1}; o sees c_t; blocks i, f, c, o; rows of P: i, f, o."""
    rng = np.random.default_rng(1)
    N, D, H = 4, 3, 5
    W, U, b = _weights(rng, D, H)
    P = rng.normal(size=(3, H))
    x, h0, c0 = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    a = x @ W + h0 @ U + b
    i = _sig(a[:, :H] + P[0] * c0)
    f = _sig(a[:, H : 2 * H] + P[1] * c0)
    g = np.tanh(a[:, 2 * H : 3 * H])
    c = f * c0 + i * g
    o = _sig(a[:, 3 * H :] + P[2] * c)
    h_t, c_t, _ = peephole_lstm_step_forward(x, h0, c0, W, U, P, b)
    np.testing.assert_allclose(c_t, c, atol=1e-12)
    np.testing.assert_allclose(h_t, o * np.tanh(c), atol=1e-12)
    # the dict form gives the same result
    h_d, c_d, _ = peephole_lstm_step_forward(x, h0, c0, W, U, {"i": P[0], "f": P[1], "o": P[2]}, b)
    np.testing.assert_allclose(h_d, h_t)
    np.testing.assert_allclose(c_d, c_t)


def test_output_gate_peeks_at_the_new_cell_state():
    N, D, H = 1, 1, 1
    W, U = np.zeros((D, 4 * H)), np.zeros((H, 4 * H))
    b = np.array([0.0, 0.0, 10.0, 0.0])  # g ~ 1, i = f = 0.5
    P = np.array([[0.0], [0.0], [3.0]])  # only the o peephole
    h_t, c_t, _ = peephole_lstm_step_forward(np.zeros((N, D)), np.zeros((N, H)), np.zeros((N, H)), W, U, P, b)
    np.testing.assert_allclose(c_t, 0.5, atol=1e-6)
    np.testing.assert_allclose(h_t, _sig(3.0 * 0.5) * np.tanh(0.5), atol=1e-6)


def test_peephole_forward_runs_the_steps():
    rng = np.random.default_rng(2)
    N, T, D, H = 2, 4, 3, 5
    W, U, b = _weights(rng, D, H)
    P = rng.normal(size=(3, H))
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    h, cache = peephole_lstm_forward(x, h0, W, U, P, b)
    h_t, c_t = h0, np.zeros((N, H))
    for t in range(T):
        h_t, c_t, _ = peephole_lstm_step_forward(x[:, t], h_t, c_t, W, U, P, b)
        np.testing.assert_allclose(h[:, t], h_t)
    assert len(cache) == T


def test_peephole_errors():
    W, U, b = np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8)
    x, h, c = np.zeros((4, 3)), np.zeros((4, 2)), np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"`P` must have shape \(3, H\) = \(3, 2\). Received: P.shape=\(2, 2\)"):
        peephole_lstm_step_forward(x, h, c, W, U, np.zeros((2, 2)), b)
    with pytest.raises(ValueError, match="keys 'i', 'f', 'o'"):
        peephole_lstm_step_forward(x, h, c, W, U, {"i": np.zeros(2), "f": np.zeros(2)}, b)
    with pytest.raises(ValueError, match="`c_prev` must have shape"):
        peephole_lstm_step_forward(x, h, np.zeros((4, 3)), W, U, np.zeros((3, 2)), b)
    with pytest.raises(ValueError, match="`W` must have shape"):
        peephole_lstm_step_forward(x, h, c, np.zeros((3, 7)), U, np.zeros((3, 2)), b)
    with pytest.raises(ValueError, match="`b` must have shape"):
        peephole_lstm_step_forward(x, h, c, W, U, np.zeros((3, 2)), np.zeros(6))


# ---------------------------------------------------------------- sLSTM


@pytest.mark.parametrize("forget_gate", ["exp", "sigmoid"])
@pytest.mark.parametrize("N,T,D,H", [(3, 12, 4, 5), (1, 1, 1, 1), (2, 30, 3, 2)])
def test_slstm_stabilised_equals_unstabilised(forget_gate, N, T, D, H):
    rng = np.random.default_rng(N * T + D * H)
    W, U, b = _weights(rng, D, H)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    h_s, s_s = slstm_forward(x, h0, W, U, b, forget_gate=forget_gate)
    h_u, s_u = slstm_forward(x, h0, W, U, b, forget_gate=forget_gate, stabilised=False)
    assert np.isfinite(h_u).all()
    np.testing.assert_allclose(h_s, h_u, rtol=1e-9, atol=1e-12)
    # the stabilised states are the raw ones scaled by exp(-m_t)
    np.testing.assert_allclose(s_s["c"], s_u["c"] * np.exp(-s_s["m"]), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(s_s["n"], s_u["n"] * np.exp(-s_s["m"]), rtol=1e-9)


@pytest.mark.parametrize("forget_gate", ["exp", "sigmoid"])
def test_slstm_stabiliser_prevents_overflow(forget_gate):
    rng = np.random.default_rng(3)
    N, T, D, H = 2, 6, 3, 4
    W, U, b = _weights(rng, D, H)
    b[:H] += 1000.0  # exp(1000) = inf in float64
    x, h0 = rng.normal(size=(N, T, D)), np.zeros((N, H))
    h_u, _ = slstm_forward(x, h0, W, U, b, forget_gate=forget_gate, stabilised=False)
    assert not np.isfinite(h_u).all()
    h_s, states = slstm_forward(x, h0, W, U, b, forget_gate=forget_gate)
    assert np.isfinite(h_s).all() and np.isfinite(states["c"]).all() and np.isfinite(states["n"]).all()
    assert np.abs(h_s).max() <= 1.0  # |o c / n| <= 1 since |z| <= 1


def test_slstm_step_equations():
    """m_t = max(log f_t + m_{t-1}, log i_t); i', f' as in Beck et al. (2024)."""
    rng = np.random.default_rng(4)
    N, D, H = 3, 2, 4
    W, U, b = _weights(rng, D, H)
    x, h0 = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    c0, n0 = rng.normal(size=(N, H)), rng.uniform(0.5, 2, size=(N, H))
    m0 = rng.normal(scale=3, size=(N, H))
    a = x @ W + h0 @ U + b
    it, ft, zt, ot = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
    m = np.maximum(ft + m0, it)
    ip, fp = np.exp(it - m), np.exp(ft + m0 - m)
    c = fp * c0 + ip * np.tanh(zt)
    n = fp * n0 + ip
    h_t, c_t, n_t, m_t, _ = slstm_step_forward(x, h0, c0, n0, m0, W, U, b)
    np.testing.assert_allclose(m_t, m)
    np.testing.assert_allclose(c_t, c)
    np.testing.assert_allclose(n_t, n)
    np.testing.assert_allclose(h_t, _sig(ot) * c / n)
    # sigmoid forget gate: log f = log sigmoid(f~)
    m_s = np.maximum(np.log(_sig(ft)) + m0, it)
    _, _, _, m_t, _ = slstm_step_forward(x, h0, c0, n0, m0, W, U, b, forget_gate="sigmoid")
    np.testing.assert_allclose(m_t, m_s)


def test_slstm_errors():
    W, U, b = np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8)
    z = np.zeros((4, 2))
    with pytest.raises(ValueError, match="`forget_gate` must be one of"):
        slstm_step_forward(np.zeros((4, 3)), z, z, z, z, W, U, b, forget_gate="relu")
    with pytest.raises(ValueError, match="`m_prev` must have shape"):
        slstm_step_forward(np.zeros((4, 3)), z, z, z, np.zeros((4, 3)), W, U, b)
    with pytest.raises(ValueError, match="`x_t` must have shape"):
        slstm_step_forward_unstabilised(np.zeros((4, 2)), z, z, z, W, U, b)
    with pytest.raises(ValueError, match="`x` must have shape"):
        slstm_forward(np.zeros((4, 3)), z, W, U, b)


def test_param_count_table():
    assert [param_count(k, 8, 32) for k in ("rnn", "lstm", "peephole", "gru", "gru_v1", "slstm")] == [
        1312,
        5248,
        5344,
        4032,
        3936,
        5248,
    ]
    with pytest.raises(ValueError, match="`cell` must be one of"):
        param_count("transformer", 8, 32)


def test_param_count_matches_keras():
    from helpers.env import quiet_tensorflow

    quiet_tensorflow()
    import keras

    for cell, layer in [
        ("rnn", keras.layers.SimpleRNN(32)),
        ("lstm", keras.layers.LSTM(32)),
        ("gru", keras.layers.GRU(32)),
        ("gru_v1", keras.layers.GRU(32, reset_after=False)),
    ]:
        layer.build((None, 5, 8))
        assert param_count(cell, 8, 32) == layer.count_params(), cell


def test_numpy_only_modules_do_not_import_tensorflow():
    import subprocess
    import sys

    code = "import sys, helpers.gru, helpers.variants; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
