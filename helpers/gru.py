"""Gated recurrent unit (GRU) in NumPy, reproducing ``keras.layers.GRU`` from its own weights.

Dimension letters: N batch, T time steps, D input features, H hidden units.

Packed weights follow Keras' layout, blocks in the order **z, r, h** (update gate, reset gate,
candidate):

    W  kernel            (D, 3H)
    U  recurrent_kernel  (H, 3H)
    b  bias              (2, 3H) when ``reset_after=True``  (row 0: input bias, row 1: recurrent bias)
                         (3H,)   when ``reset_after=False``

Equations (one row of the batch, Keras' convention):

    z_t = sigmoid(x_t W_z + b_z + h_{t-1} U_z + b'_z)          # update gate
    r_t = sigmoid(x_t W_r + b_r + h_{t-1} U_r + b'_r)          # reset gate
    reset_after=True  (Keras' default, the cuDNN variant):
        hh_t = tanh(x_t W_h + b_h + r_t * (h_{t-1} U_h + b'_h))
    reset_after=False (Cho et al., 2014):
        hh_t = tanh(x_t W_h + b_h + (r_t * h_{t-1}) U_h)
    h_t = z_t * h_{t-1} + (1 - z_t) * hh_t

(b' is the recurrent bias, present only when ``reset_after=True``.)

Sign convention: here (as in Keras, PyTorch and Cho et al., 2014) ``z_t`` is the share of the *old*
state that is kept. Some papers and tutorials (e.g. Chung et al., 2014) write
``h_t = (1 - z_t) h_{t-1} + z_t hh_t`` instead: the same model with z relabelled as 1 - z.
"""

from __future__ import annotations

import numpy as np

from helpers._checks import as_float, check_array, check_positive_int
from helpers.lstm import sigmoid as _sigmoid  # one stable sigmoid for every cell


def _check_weights(W, U, b, reset_after: bool):
    W = check_array(W, "W", (None, None), dims="(D, 3H)")
    D, H3 = W.shape
    if H3 % 3 or H3 == 0:
        raise ValueError(
            f"`W` must have shape (D, 3H): its last axis packs the z, r, h blocks. Received: W.shape={W.shape}"
        )
    H = H3 // 3
    U = check_array(U, "U", (H, 3 * H), dims="(H, 3H)")
    if reset_after:
        b = check_array(b, "b", (2, 3 * H), dims="(2, 3H)")
    else:
        b = check_array(b, "b", (3 * H,), dims="(3H)")
    return W, U, b, D, H


def gru_step_forward(x_t, h_prev, W, U, b, reset_after: bool = True):
    """Run one GRU time step for a batch, exactly as ``keras.layers.GRU`` does.

    Args:
        x_t: input at step t, shape (N, D).
        h_prev: previous hidden state h_{t-1}, shape (N, H).
        W: input weights (Keras ``kernel``), shape (D, 3H), blocks z, r, h.
        U: recurrent weights (Keras ``recurrent_kernel``), shape (H, 3H), blocks z, r, h.
        b: biases (Keras ``bias``): shape (2, 3H) if ``reset_after`` (row 0 input bias, row 1
            recurrent bias), else (3H,). Blocks z, r, h.
        reset_after: apply the reset gate after the recurrent matrix product (Keras' default and
            the cuDNN variant) instead of before it (Cho et al., 2014).

    Returns:
        ``(h_t, cache)``: the next hidden state, shape (N, H) (float dtype: float32 stays float32,
        integers become float64), and the tuple ``(x_t, h_prev, W, U, b, z_t, r_t, hh_t, reset_after)``
        for a backward pass; z_t, r_t, hh_t have shape (N, H). The lesson's version returns only h_t.

    Raises:
        ValueError: if a shape does not match.

    Defined in lesson 08, Exercise 1 (lessons/08-variants/variants.ipynb).
    """
    W, U, b, D, H = _check_weights(W, U, b, reset_after)
    x_t = check_array(x_t, "x_t", (None, D), dims="(N, D)")
    N = x_t.shape[0]
    h_prev = check_array(h_prev, "h_prev", (N, H), dims="(N, H)")
    x_t, h_prev, W, U, b = as_float(x_t, h_prev, W, U, b)

    b_in = b[0] if reset_after else b
    a_x = x_t @ W + b_in  # (N, 3H) input part of z, r, h
    if reset_after:
        a_h = h_prev @ U + b[1]  # (N, 3H) recurrent part, bias inside
        z_t = _sigmoid(a_x[:, :H] + a_h[:, :H])
        r_t = _sigmoid(a_x[:, H : 2 * H] + a_h[:, H : 2 * H])
        hh_t = np.tanh(a_x[:, 2 * H :] + r_t * a_h[:, 2 * H :])  # reset AFTER the matmul
    else:
        a_h = h_prev @ U[:, : 2 * H]  # (N, 2H) recurrent part of z, r
        z_t = _sigmoid(a_x[:, :H] + a_h[:, :H])
        r_t = _sigmoid(a_x[:, H : 2 * H] + a_h[:, H:])
        hh_t = np.tanh(a_x[:, 2 * H :] + (r_t * h_prev) @ U[:, 2 * H :])  # reset BEFORE
    h_t = z_t * h_prev + (1.0 - z_t) * hh_t  # z keeps the old state (Keras)
    cache = (x_t, h_prev, W, U, b, z_t, r_t, hh_t, reset_after)
    return h_t, cache


def gru_forward(x, h0, W, U, b, reset_after: bool = True):
    """Run a GRU over whole sequences, like ``keras.layers.GRU(return_sequences=True)``.

    Args:
        x: input sequences, shape (N, T, D).
        h0: initial hidden state, shape (N, H) (Keras starts from zeros).
        W: input weights, shape (D, 3H), blocks z, r, h.
        U: recurrent weights, shape (H, 3H), blocks z, r, h.
        b: biases, shape (2, 3H) if ``reset_after`` else (3H,), blocks z, r, h.
        reset_after: see :func:`gru_step_forward`.

    Returns:
        ``(h, cache)``: the hidden states of every step, shape (N, T, H) (float dtype, as
        :func:`gru_step_forward`), and the list of the T step caches.

    Raises:
        ValueError: if a shape does not match.
    """
    W, U, b, D, H = _check_weights(W, U, b, reset_after)
    x = check_array(x, "x", (None, None, D), dims="(N, T, D)")
    N, T, _ = x.shape
    h0 = check_array(h0, "h0", (N, H), dims="(N, H)")
    x, h0, W, U, b = as_float(x, h0, W, U, b)
    h = np.empty((N, T, H), dtype=x.dtype)
    caches = []
    h_t = h0
    for t in range(T):
        h_t, cache = gru_step_forward(x[:, t], h_t, W, U, b, reset_after)
        h[:, t] = h_t
        caches.append(cache)
    return h, caches


def gru_param_count(D: int, H: int, reset_after: bool = True) -> int:
    """Number of trainable parameters of ``keras.layers.GRU(H)`` on D input features.

    Three blocks (z, r, h), each with input weights (D x H), recurrent weights (H x H) and one bias
    vector (H) -- two bias vectors with ``reset_after=True`` (input and recurrent):
    ``3 H (D + H + 2)`` if ``reset_after`` else ``3 H (D + H + 1)``.

    Args:
        D: input features (>= 1).
        H: hidden units (>= 1).
        reset_after: Keras' ``reset_after`` flag.

    Returns:
        The parameter count.

    Raises:
        ValueError: if D or H is not a positive integer.

    Defined in lesson 08, Exercise 2 (lessons/08-variants/variants.ipynb).
    """
    D = check_positive_int(D, "D")
    H = check_positive_int(H, "H")
    n_bias = 2 if reset_after else 1
    return 3 * H * (D + H + n_bias)
