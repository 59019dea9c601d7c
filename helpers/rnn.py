"""The vanilla (Elman) RNN in NumPy, CS231n style, in the course notation.

One step computes

    h_t = tanh(x_t @ W + h_{t-1} @ U + b)

for a batch of row vectors: ``x_t`` (N, D), ``h_t`` (N, H), ``W`` (D, H) input weights, ``U`` (H, H)
recurrent weights, ``b`` (H,) bias -- the layout of ``keras.layers.SimpleRNN`` (``kernel``,
``recurrent_kernel``, ``bias``). In the maths a single example is a column vector and the same step reads
h_t = tanh(W x_t + U h_{t-1} + b), i.e. the maths' W and U are the transposes of the arrays here.

Letters: N batch, T time steps, D input features, H hidden units.
"""

from __future__ import annotations

import numpy as np

from helpers._checks import check_array
from helpers.gradcheck import spectral_radius


def _check_weights(W, U, b):
    W = check_array(W, "W", (None, None), dims="(D, H)")
    D, H = W.shape
    U = check_array(U, "U", (H, H), dims="(H, H)")
    b = check_array(b, "b", (H,), dims="(H,)")
    return W, U, b


def rnn_step_forward(x_t, h_prev, W, U, b):
    """One step of the vanilla RNN: ``h_t = tanh(x_t @ W + h_prev @ U + b)``.

    Args:
        x_t: input at this step, shape (N, D).
        h_prev: previous hidden state h_{t-1}, shape (N, H).
        W: input weights, shape (D, H).
        U: recurrent weights, shape (H, H).
        b: bias, shape (H,).

    Returns:
        ``(h_t, cache)``: the new hidden state, shape (N, H), and what the backward step needs.

    Raises:
        ValueError: if a shape does not match, e.g.
            ``ValueError: `x_t` must have shape (N, D) = (N, 3). Received: x_t.shape=(4, 5)``.
    """
    W, U, b = _check_weights(W, U, b)
    D, H = W.shape
    x_t = check_array(x_t, "x_t", (None, D), dims="(N, D)")
    h_prev = check_array(h_prev, "h_prev", (x_t.shape[0], H), dims="(N, H)")
    h_t = np.tanh(x_t @ W + h_prev @ U + b)  # (N, H)
    cache = (x_t, h_prev, W, U, h_t)
    return h_t, cache


def rnn_step_backward(dh_t, cache):
    """Backward pass of one RNN step.

    Args:
        dh_t: gradient of the loss with respect to h_t, shape (N, H).
        cache: the cache returned by :func:`rnn_step_forward`.

    Returns:
        ``(dx_t, dh_prev, dW, dU, db)`` with shapes (N, D), (N, H), (D, H), (H, H), (H,).

    Raises:
        ValueError: if ``dh_t`` does not have the shape of h_t.
    """
    x_t, h_prev, W, U, h_t = cache
    dh_t = check_array(dh_t, "dh_t", h_t.shape, dims="(N, H)")
    dz = dh_t * (1.0 - h_t**2)  # through tanh: d tanh(z)/dz = 1 - tanh(z)^2, (N, H)
    dx_t = dz @ W.T  # (N, D)
    dh_prev = dz @ U.T  # (N, H)
    dW = x_t.T @ dz  # (D, H)
    dU = h_prev.T @ dz  # (H, H)
    db = dz.sum(axis=0)  # (H,)
    return dx_t, dh_prev, dW, dU, db


def rnn_forward(x, h0, W, U, b):
    """Run the vanilla RNN over a whole sequence (a loop over :func:`rnn_step_forward`).

    Args:
        x: input sequence, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        W: input weights, shape (D, H).
        U: recurrent weights, shape (H, H).
        b: bias, shape (H,).

    Returns:
        ``(h, cache)``: the hidden states of every step, shape (N, T, H) (``h[:, -1]`` is the last
        one, what ``keras.layers.SimpleRNN`` returns by default), and the cache for
        :func:`rnn_backward`.

    Raises:
        ValueError: if a shape does not match, e.g.
            ``ValueError: `x` must have shape (N, T, D) = (N, T, 3). Received: x.shape=(4, 3)``.
    """
    W, U, b = _check_weights(W, U, b)
    D, H = W.shape
    x = check_array(x, "x", (None, None, D), dims="(N, T, D)")
    N, T, _ = x.shape
    h0 = check_array(h0, "h0", (N, H), dims="(N, H)")
    h = np.zeros((N, T, H), dtype=np.result_type(x, h0, W, U, b, np.float32))
    caches = []
    h_t = h0
    for t in range(T):
        h_t, step_cache = rnn_step_forward(x[:, t], h_t, W, U, b)
        h[:, t] = h_t
        caches.append(step_cache)
    return h, caches


def rnn_backward(dh, cache):
    """Backpropagation through time for :func:`rnn_forward`.

    Args:
        dh: gradient of the loss with respect to every hidden state, shape (N, T, H) (zeros where
            the loss does not look at a step, e.g. everywhere except ``dh[:, -1]``).
        cache: the cache returned by :func:`rnn_forward`.

    Returns:
        ``(dx, dh0, dW, dU, db)`` with shapes (N, T, D), (N, H), (D, H), (H, H), (H,); the weight
        gradients are summed over the time steps (the same W, U, b are used at every step).

    Raises:
        ValueError: if ``dh`` does not have shape (N, T, H).
    """
    x_0, h_prev0, W, U, _ = cache[0]
    N, D = x_0.shape
    H = W.shape[1]
    T = len(cache)
    dh = check_array(dh, "dh", (N, T, H), dims="(N, T, H)")
    dx = np.zeros((N, T, D), dtype=np.result_type(dh, W))
    dW = np.zeros_like(W, dtype=dx.dtype)
    dU = np.zeros_like(U, dtype=dx.dtype)
    db = np.zeros(H, dtype=dx.dtype)
    dh_next = np.zeros((N, H), dtype=dx.dtype)  # gradient flowing back from step t + 1
    for t in reversed(range(T)):
        # h_t gets gradient from the loss at step t and from h_{t+1} through the recurrence.
        dx[:, t], dh_next, dW_t, dU_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dW += dW_t
        dU += dU_t
        db += db_t
    return dx, dh_next, dW, dU, db


def step_jacobian(h_t, U):
    """Jacobian of one step, ``dh_t / dh_{t-1} = diag(1 - h_t^2) @ U.T``, for one example.

    Entry ``[i, j]`` is ``d h_t[i] / d h_{t-1}[j]``. (With column vectors and the maths' U, which is
    the transpose of the code's, this is the familiar diag(1 - h_t^2) U.)

    Args:
        h_t: hidden state after the step, shape (H,).
        U: recurrent weights, shape (H, H).

    Returns:
        The Jacobian, shape (H, H).
    """
    U = check_array(U, "U", (None, None), dims="(H, H)")
    H = U.shape[0]
    U = check_array(U, "U", (H, H), dims="(H, H)")
    h_t = check_array(h_t, "h_t", (H,), dims="(H,)")
    return (1.0 - h_t**2)[:, None] * U.T


def jacobian_product(h, U, k):
    """``dh_{T-1} / dh_k`` for one sequence: the product of the step Jacobians from k + 1 to T - 1.

    ``dh_{T-1}/dh_k = J_{T-1} @ J_{T-2} @ ... @ J_{k+1}`` with ``J_t = diag(1 - h_t^2) @ U.T``
    (the identity when k = T - 1). The lag is ``T - 1 - k``.

    Args:
        h: hidden states of one sequence, shape (T, H) (``h[t]`` is h_t).
        U: recurrent weights, shape (H, H).
        k: the earlier step, an integer with 0 <= k <= T - 1.

    Returns:
        The (H, H) matrix ``dh_{T-1} / dh_k``.

    Raises:
        ValueError: on a shape mismatch or ``k`` out of range.
    """
    U = check_array(U, "U", (None, None), dims="(H, H)")
    H = U.shape[0]
    U = check_array(U, "U", (H, H), dims="(H, H)")
    h = check_array(h, "h", (None, H), dims="(T, H)")
    T = h.shape[0]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= T - 1:
        raise ValueError(f"`k` must be an integer with 0 <= k <= T - 1 = {T - 1}. Received: k={k!r}")
    J = np.eye(H, dtype=np.result_type(h, U, np.float32))
    for t in range(T - 1, k, -1):  # multiply on the right: J_{T-1} ... J_t
        J = J @ ((1.0 - h[t] ** 2)[:, None] * U.T)
    return J


def hidden_jacobian_norms(h, U, ord=2):
    """Norms of ``dh_{T-1} / dh_{T-1-lag}`` for every lag 0, ..., T - 1 of one sequence.

    Args:
        h: hidden states of one sequence, shape (T, H).
        U: recurrent weights, shape (H, H).
        ord: matrix norm passed to ``np.linalg.norm`` (2: spectral norm, the largest factor by which
            the Jacobian can stretch a gradient; ``'fro'``: Frobenius).

    Returns:
        Array of shape (T,): entry ``lag`` is ``||dh_{T-1} / dh_{T-1-lag}||`` (entry 0 is the norm of
        the identity).
    """
    U = check_array(U, "U", (None, None), dims="(H, H)")
    H = U.shape[0]
    U = check_array(U, "U", (H, H), dims="(H, H)")
    h = check_array(h, "h", (None, H), dims="(T, H)")
    T = h.shape[0]
    J = np.eye(H, dtype=np.result_type(h, U, np.float32))
    norms = np.empty(T)
    norms[0] = np.linalg.norm(J, ord)
    for lag in range(1, T):
        t = T - lag  # append J_t on the right
        J = J @ ((1.0 - h[t] ** 2)[:, None] * U.T)
        norms[lag] = np.linalg.norm(J, ord)
    return norms


def gradient_regime(U, tol=0.05):
    """Predict from the spectral radius of U whether gradients through time vanish or may explode.

    With ``rho = max |eigenvalue of U|``: for a linear RNN the product U.T ** lag shrinks geometrically
    when rho < 1 and grows when rho > 1. With tanh, the factors diag(1 - h^2) are <= 1: vanishing is
    guaranteed when the largest singular value of U is < 1 (equal to rho for a symmetric U), and typical
    when only rho < 1. When rho > 1 gradients *may* explode -- the states can also saturate, and then
    the diag(1 - h^2) factors make them vanish after all. This is a long-lag, linear-regime prediction.

    Args:
        U: recurrent weights, shape (H, H).
        tol: half-width of the band around 1 called ``'borderline'``.

    Returns:
        ``'vanish'`` if rho < 1 - tol, ``'explode'`` if rho > 1 + tol, else ``'borderline'``.
    """
    rho = spectral_radius(U)
    if rho < 1.0 - tol:
        return "vanish"
    if rho > 1.0 + tol:
        return "explode"
    return "borderline"


def decay_memory(values, keep=0.95, m0=0.0):
    """Memory as decay: ``m_t = keep * m_{t-1} + (1 - keep) * x_t`` (an exponential moving average).

    The simplest recurrence: one fixed "forget gate" ``keep`` for every step and every input.
    After k steps a value still carries weight ``(1 - keep) * keep**k``.

    Args:
        values: the inputs x_t, shape (T,) or (T, ...) (time first).
        keep: the fixed decay factor in [0, 1].
        m0: the memory before the first step (scalar or shape ``values.shape[1:]``).

    Returns:
        The memories m_1, ..., m_T, same shape as ``values``.

    Raises:
        ValueError: if ``keep`` is not in [0, 1] or ``values`` has no time axis.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim < 1:
        raise ValueError(f"`values` must have a time axis, shape (T, ...). Received: values.shape={x.shape}")
    if not 0.0 <= keep <= 1.0:
        raise ValueError(f"`keep` must be in [0, 1]. Received: keep={keep!r}")
    out = np.empty_like(x)
    m = np.broadcast_to(np.asarray(m0, dtype=float), x.shape[1:]).copy()
    for t in range(x.shape[0]):
        m = keep * m + (1.0 - keep) * x[t]
        out[t] = m
    return out
