"""LSTM variants in NumPy: the peephole LSTM cell and xLSTM's sLSTM cell.

Dimension letters: N batch, T time steps, D input features, H hidden units.

Packed weights use the course's LSTM layout, blocks in the order **i, f, c, o** (for the sLSTM the
third block is the cell input z_t, so the order reads i, f, z, o):

    W  (D, 4H)   input weights
    U  (H, 4H)   recurrent weights
    b  (4H,)     biases

Peephole LSTM (Gers & Schmidhuber, 2000; Gers, Schraudolph & Schmidhuber, 2002). The gates also look
at the cell state through *diagonal* peephole weights p_i, p_f, p_o (one number per unit):

    i_t = sigmoid(x_t W_i + h_{t-1} U_i + p_i * c_{t-1} + b_i)
    f_t = sigmoid(x_t W_f + h_{t-1} U_f + p_f * c_{t-1} + b_f)
    g_t = tanh   (x_t W_c + h_{t-1} U_c + b_c)                   # candidate \\tilde c_t
    c_t = f_t * c_{t-1} + i_t * g_t
    o_t = sigmoid(x_t W_o + h_{t-1} U_o + p_o * c_t + b_o)        # o peeks at the NEW cell state
    h_t = o_t * tanh(c_t)

sLSTM (Beck et al., 2024, "xLSTM: Extended Long Short-Term Memory"). Exponential input gate,
sigmoid or exponential forget gate, a normaliser state n_t and, for numerical safety, a stabiliser
state m_t. With pre-activations (tilde) \\tilde i_t, \\tilde f_t, \\tilde z_t, \\tilde o_t:

    z_t = tanh(\\tilde z_t)                 o_t = sigmoid(\\tilde o_t)
    i_t = exp(\\tilde i_t)                  f_t = exp(\\tilde f_t)  or  sigmoid(\\tilde f_t)
    c_t = f_t c_{t-1} + i_t z_t            n_t = f_t n_{t-1} + i_t
    h_t = o_t * c_t / n_t

Stabilised (what the paper implements): in log space, log i_t = \\tilde i_t and
log f_t = \\tilde f_t (exponential) or log sigmoid(\\tilde f_t) (sigmoid),

    m_t  = max(log f_t + m_{t-1}, log i_t)
    i'_t = exp(log i_t - m_t)              f'_t = exp(log f_t + m_{t-1} - m_t)

and c_t, n_t use i'_t, f'_t in place of i_t, f_t. Then every exponent is <= 0, nothing overflows, and
the stabilised c_t, n_t are the unstabilised ones times exp(-m_t): the ratio h_t = o_t c_t / n_t is
unchanged. The paper uses block-diagonal ("multi-head") recurrent matrices; a full U here is the
single-head case.
"""

from __future__ import annotations

import numpy as np

from helpers._checks import as_float, check_array, check_positive_int
from helpers.gru import gru_param_count
from helpers.lstm import lstm_param_count
from helpers.lstm import sigmoid as _sigmoid  # one stable sigmoid for every cell
from helpers.rnn import simple_rnn_param_count

_FORGET_GATES = ("exp", "sigmoid")


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log(sigmoid(x)) = -softplus(-x), computed stably."""
    return -np.logaddexp(0.0, -x)


def _check_packed(W, U, b):
    """Check the packed (D, 4H), (H, 4H), (4H,) weights of both cells; return them with D and H."""
    W = check_array(W, "W", (None, None), dims="(D, 4H)")
    D, HH = W.shape
    if HH % 4 or HH == 0:
        raise ValueError(
            f"`W` must have shape (D, 4H): its last axis packs the i, f, c, o blocks. Received: W.shape={W.shape}"
        )
    H = HH // 4
    U = check_array(U, "U", (H, 4 * H), dims="(H, 4H)")
    b = check_array(b, "b", (4 * H,), dims="(4H)")
    return W, U, b, D, H


def _check_peepholes(P, H):
    """Return the peepholes as three (H,) arrays p_i, p_f, p_o."""
    if isinstance(P, dict):
        missing = {"i", "f", "o"} - set(P)
        if missing:
            raise ValueError(
                f"`P` as a dict must have the keys 'i', 'f', 'o' (one (H,) vector each). Received: keys={sorted(P)}"
            )
        return tuple(check_array(P[k], f"P['{k}']", (H,), dims="(H)") for k in "ifo")
    P = check_array(P, "P", (3, H), dims="(3, H)")
    return P[0], P[1], P[2]


def peephole_lstm_step_forward(x_t, h_prev, c_prev, W, U, P, b):
    """Run one step of a peephole LSTM (Gers & Schmidhuber) for a batch.

    The input and forget gates see c_{t-1}; the output gate sees the new c_t. Peepholes are
    diagonal: unit k's gates see only unit k's cell.

    Args:
        x_t: input at step t, shape (N, D).
        h_prev: previous hidden state, shape (N, H).
        c_prev: previous cell state, shape (N, H).
        W: input weights, shape (D, 4H), blocks i, f, c, o (Keras' order).
        U: recurrent weights, shape (H, 4H), blocks i, f, c, o.
        P: diagonal peephole weights: an array of shape (3, H) with rows p_i, p_f, p_o (in that
            order), or a dict ``{"i": (H,), "f": (H,), "o": (H,)}``.
        b: biases, shape (4H,), blocks i, f, c, o.

    Returns:
        ``(h_t, c_t, cache)``: the next hidden state and cell state, shape (N, H) each (float dtype:
        float32 stays float32, integers become float64), and the tuple
        ``(x_t, h_prev, c_prev, W, U, p_i, p_f, p_o, b, i_t, f_t, g_t, o_t, c_t)``. The lesson's version
        returns only ``(h_t, c_t)``.

    Raises:
        ValueError: if a shape does not match.

    Defined in lesson 08, Exercise 3 (lessons/08-variants/variants.ipynb).
    """
    W, U, b, D, H = _check_packed(W, U, b)
    x_t = check_array(x_t, "x_t", (None, D), dims="(N, D)")
    N = x_t.shape[0]
    h_prev = check_array(h_prev, "h_prev", (N, H), dims="(N, H)")
    c_prev = check_array(c_prev, "c_prev", (N, H), dims="(N, H)")
    p_i, p_f, p_o = _check_peepholes(P, H)
    x_t, h_prev, c_prev, W, U, p_i, p_f, p_o, b = as_float(x_t, h_prev, c_prev, W, U, p_i, p_f, p_o, b)

    a = x_t @ W + h_prev @ U + b  # (N, 4H) pre-activations, blocks i, f, c, o
    i_t = _sigmoid(a[:, :H] + p_i * c_prev)  # input gate peeks at c_{t-1}
    f_t = _sigmoid(a[:, H : 2 * H] + p_f * c_prev)  # forget gate peeks at c_{t-1}
    g_t = np.tanh(a[:, 2 * H : 3 * H])  # candidate \tilde c_t (no peephole)
    c_t = f_t * c_prev + i_t * g_t
    o_t = _sigmoid(a[:, 3 * H :] + p_o * c_t)  # output gate peeks at the new c_t
    h_t = o_t * np.tanh(c_t)
    cache = (x_t, h_prev, c_prev, W, U, p_i, p_f, p_o, b, i_t, f_t, g_t, o_t, c_t)
    return h_t, c_t, cache


def peephole_lstm_forward(x, h0, W, U, P, b):
    """Run a peephole LSTM over whole sequences from h_0 = h0, c_0 = 0.

    Args:
        x: input sequences, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        W: input weights, shape (D, 4H), blocks i, f, c, o.
        U: recurrent weights, shape (H, 4H), blocks i, f, c, o.
        P: diagonal peepholes, shape (3, H) (rows p_i, p_f, p_o) or a dict of three (H,) vectors, as in
            :func:`peephole_lstm_step_forward`.
        b: biases, shape (4H,), blocks i, f, c, o.

    Returns:
        ``(h, cache)``: the hidden states, shape (N, T, H) (float dtype, as
        :func:`peephole_lstm_step_forward`), and the list of the T step caches.

    Raises:
        ValueError: if a shape does not match.
    """
    W, U, b, D, H = _check_packed(W, U, b)
    x = check_array(x, "x", (None, None, D), dims="(N, T, D)")
    N, T, _ = x.shape
    h0 = check_array(h0, "h0", (N, H), dims="(N, H)")
    p_i, p_f, p_o = _check_peepholes(P, H)
    x, h0, W, U, b, p_i, p_f, p_o = as_float(x, h0, W, U, b, p_i, p_f, p_o)
    P = np.stack([p_i, p_f, p_o])
    h = np.empty((N, T, H), dtype=x.dtype)
    h_t, c_t, caches = h0, np.zeros_like(h0), []
    for t in range(T):
        h_t, c_t, cache = peephole_lstm_step_forward(x[:, t], h_t, c_t, W, U, P, b)
        h[:, t] = h_t
        caches.append(cache)
    return h, caches


def _check_forget(forget_gate):
    if forget_gate not in _FORGET_GATES:
        raise ValueError(f"`forget_gate` must be one of {_FORGET_GATES}. Received: forget_gate={forget_gate!r}")


def _slstm_preactivations(x_t, h_prev, W, U, b):
    W, U, b, D, H = _check_packed(W, U, b)
    x_t = check_array(x_t, "x_t", (None, D), dims="(N, D)")
    N = x_t.shape[0]
    h_prev = check_array(h_prev, "h_prev", (N, H), dims="(N, H)")
    x_t, h_prev, W, U, b = as_float(x_t, h_prev, W, U, b)
    a = x_t @ W + h_prev @ U + b  # (N, 4H) blocks i, f, z, o
    return a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :], N, H


def slstm_step_forward(x_t, h_prev, c_prev, n_prev, m_prev, W, U, b, forget_gate="exp"):
    """Run one stabilised sLSTM step (xLSTM, Beck et al., 2024) for a batch.

    Args:
        x_t: input at step t, shape (N, D).
        h_prev: previous hidden state, shape (N, H).
        c_prev: previous (stabilised) cell state, shape (N, H); zeros at the start.
        n_prev: previous (stabilised) normaliser state, shape (N, H); zeros at the start.
        m_prev: previous stabiliser state, shape (N, H); zeros at the start.
        W: input weights, shape (D, 4H), blocks i, f, z, o.
        U: recurrent weights, shape (H, 4H), blocks i, f, z, o.
        b: biases, shape (4H,), blocks i, f, z, o.
        forget_gate: ``"exp"`` (f_t = exp(\\tilde f_t)) or ``"sigmoid"``.

    Returns:
        h_t: next hidden state o_t * c_t / n_t, shape (N, H).
        c_t: next stabilised cell state, shape (N, H).
        n_t: next stabilised normaliser state, shape (N, H).
        m_t: next stabiliser state max(log f_t + m_{t-1}, log i_t), shape (N, H).
        cache: tuple ``(i_p, f_p, z_t, o_t)`` (stabilised gates i'_t, f'_t, and z_t, o_t).

    Raises:
        ValueError: if a shape does not match or ``forget_gate`` is unknown.

    Defined in lesson 08, Exercise 4 (lessons/08-variants/variants.ipynb).
    """
    _check_forget(forget_gate)
    it, ft, zt, ot, N, H = _slstm_preactivations(x_t, h_prev, W, U, b)
    c_prev = check_array(c_prev, "c_prev", (N, H), dims="(N, H)")
    n_prev = check_array(n_prev, "n_prev", (N, H), dims="(N, H)")
    m_prev = check_array(m_prev, "m_prev", (N, H), dims="(N, H)")
    it, ft, zt, ot, c_prev, n_prev, m_prev = as_float(it, ft, zt, ot, c_prev, n_prev, m_prev)

    log_i = it  # log of exp(\tilde i_t)
    log_f = ft if forget_gate == "exp" else _log_sigmoid(ft)
    m_t = np.maximum(log_f + m_prev, log_i)  # stabiliser
    i_p = np.exp(log_i - m_t)  # i'_t in (0, 1]
    f_p = np.exp(log_f + m_prev - m_t)  # f'_t in (0, 1]
    z_t = np.tanh(zt)
    o_t = _sigmoid(ot)
    c_t = f_p * c_prev + i_p * z_t
    n_t = f_p * n_prev + i_p
    h_t = o_t * c_t / n_t
    return h_t, c_t, n_t, m_t, (i_p, f_p, z_t, o_t)


def slstm_step_forward_unstabilised(x_t, h_prev, c_prev, n_prev, W, U, b, forget_gate="exp"):
    """Run one sLSTM step *without* the stabiliser: the paper's raw equations.

    Overflows (inf, then inf / inf = nan in h_t) once a gate pre-activation or the accumulated
    product of forget gates exceeds about 88 in float32 or 709 in float64. For teaching only.

    Args:
        x_t: input at step t, shape (N, D).
        h_prev: previous hidden state, shape (N, H).
        c_prev: previous cell state, shape (N, H); zeros at the start.
        n_prev: previous normaliser state, shape (N, H); zeros at the start.
        W: input weights, shape (D, 4H), blocks i, f, z, o.
        U: recurrent weights, shape (H, 4H), blocks i, f, z, o.
        b: biases, shape (4H,), blocks i, f, z, o.
        forget_gate: ``"exp"`` or ``"sigmoid"``.

    Returns:
        h_t, c_t, n_t: shape (N, H) each.
        cache: tuple ``(i_t, f_t, z_t, o_t)``.

    Raises:
        ValueError: if a shape does not match or ``forget_gate`` is unknown.
    """
    _check_forget(forget_gate)
    it, ft, zt, ot, N, H = _slstm_preactivations(x_t, h_prev, W, U, b)
    c_prev = check_array(c_prev, "c_prev", (N, H), dims="(N, H)")
    n_prev = check_array(n_prev, "n_prev", (N, H), dims="(N, H)")
    it, ft, zt, ot, c_prev, n_prev = as_float(it, ft, zt, ot, c_prev, n_prev)
    with np.errstate(over="ignore", invalid="ignore"):
        i_t = np.exp(it)
        f_t = np.exp(ft) if forget_gate == "exp" else _sigmoid(ft)
        z_t = np.tanh(zt)
        o_t = _sigmoid(ot)
        c_t = f_t * c_prev + i_t * z_t
        n_t = f_t * n_prev + i_t
        h_t = o_t * c_t / n_t
    return h_t, c_t, n_t, (i_t, f_t, z_t, o_t)


def slstm_forward(x, h0, W, U, b, forget_gate="exp", stabilised=True):
    """Run an sLSTM over whole sequences from c_0 = n_0 = m_0 = 0.

    Args:
        x: input sequences, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        W: input weights, shape (D, 4H), blocks i, f, z, o.
        U: recurrent weights, shape (H, 4H), blocks i, f, z, o.
        b: biases, shape (4H,), blocks i, f, z, o.
        forget_gate: ``"exp"`` or ``"sigmoid"``.
        stabilised: use the stabiliser state m_t (True) or the raw equations (False).

    Returns:
        ``(h, states)``: the hidden states, shape (N, T, H), and a dict of arrays of shape (N, T, H):
        ``"c"``, ``"n"`` and, if stabilised, ``"m"`` (all float dtype: float32 stays float32, integers
        become float64).

    Raises:
        ValueError: if a shape does not match or ``forget_gate`` is unknown.
    """
    _check_forget(forget_gate)
    W, U, b, D, H = _check_packed(W, U, b)
    x = check_array(x, "x", (None, None, D), dims="(N, T, D)")
    N, T, _ = x.shape
    h0 = check_array(h0, "h0", (N, H), dims="(N, H)")
    x, h0, W, U, b = as_float(x, h0, W, U, b)
    dtype = x.dtype
    h = np.empty((N, T, H), dtype=dtype)
    keys = ("c", "n", "m") if stabilised else ("c", "n")
    states = {k: np.empty((N, T, H), dtype=dtype) for k in keys}
    h_t = h0
    c_t = np.zeros((N, H), dtype=dtype)
    n_t = np.zeros((N, H), dtype=dtype)
    m_t = np.zeros((N, H), dtype=dtype)
    for t in range(T):
        if stabilised:
            h_t, c_t, n_t, m_t, _ = slstm_step_forward(x[:, t], h_t, c_t, n_t, m_t, W, U, b, forget_gate)
            states["m"][:, t] = m_t
        else:
            h_t, c_t, n_t, _ = slstm_step_forward_unstabilised(x[:, t], h_t, c_t, n_t, W, U, b, forget_gate)
        h[:, t] = h_t
        states["c"][:, t] = c_t
        states["n"][:, t] = n_t
    return h, states


def param_count(cell: str, D: int, H: int) -> int:
    """Parameters of one recurrent layer of the given kind on D inputs with H units.

    ``"rnn"``: H(D + H + 1); ``"lstm"``: 4H(D + H + 1); ``"peephole"``: 4H(D + H + 1) + 3H;
    ``"gru"``: 3H(D + H + 2) (Keras' reset_after=True); ``"gru_v1"``: 3H(D + H + 1);
    ``"slstm"``: 4H(D + H + 1) (one head: full recurrent matrices).

    Args:
        cell: one of ``"rnn"``, ``"lstm"``, ``"peephole"``, ``"gru"``, ``"gru_v1"``, ``"slstm"``.
        D: input features (>= 1).
        H: hidden units (>= 1).

    Returns:
        The number of trainable parameters (int).

    Raises:
        ValueError: for an unknown cell name or if D or H is not a positive integer.
    """
    D = check_positive_int(D, "D")
    H = check_positive_int(H, "H")
    formulas = {
        "rnn": simple_rnn_param_count(D, H),
        "lstm": lstm_param_count(D, H),
        "peephole": 4 * H * (D + H + 1) + 3 * H,
        "gru": gru_param_count(D, H, reset_after=True),
        "gru_v1": gru_param_count(D, H, reset_after=False),
        "slstm": 4 * H * (D + H + 1),
    }
    if cell not in formulas:
        raise ValueError(f"`cell` must be one of {sorted(formulas)}. Received: cell={cell!r}")
    return formulas[cell]
