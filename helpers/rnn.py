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

from helpers._checks import as_float, check_array, check_positive_int, float_dtype


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
        ``(h_t, cache)``: the new hidden state, shape (N, H), and what the backward step needs (the tuple
        ``(x_t, h_prev, W, U, h_t)``). Dtype: see ``helpers._checks.float_dtype`` (float32 stays float32,
        integers become float64).

    Raises:
        ValueError: if a shape does not match, e.g.
            ``ValueError: `x_t` must have shape (N, D) = (N, 3). Received: x_t.shape=(4, 5)``.

    Defined in lesson 01, Exercise 2 (lessons/01-sequences/sequences.ipynb).
    """
    W, U, b = _check_weights(W, U, b)
    D, H = W.shape
    x_t = check_array(x_t, "x_t", (None, D), dims="(N, D)")
    h_prev = check_array(h_prev, "h_prev", (x_t.shape[0], H), dims="(N, H)")
    x_t, h_prev, W, U, b = as_float(x_t, h_prev, W, U, b)
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
    dh_t = dh_t.astype(float_dtype(dh_t, h_t), copy=False)
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
        :func:`rnn_backward` (the list of the T step caches of :func:`rnn_step_forward`).

    Raises:
        ValueError: if a shape does not match, e.g.
            ``ValueError: `x` must have shape (N, T, D) = (N, T, 3). Received: x.shape=(4, 3)``.

    Defined in lesson 01, Exercise 3 (lessons/01-sequences/sequences.ipynb).
    """
    W, U, b = _check_weights(W, U, b)
    D, H = W.shape
    x = check_array(x, "x", (None, None, D), dims="(N, T, D)")
    N, T, _ = x.shape
    h0 = check_array(h0, "h0", (N, H), dims="(N, H)")
    x, h0, W, U, b = as_float(x, h0, W, U, b)
    h = np.zeros((N, T, H), dtype=x.dtype)
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
    dh = dh.astype(float_dtype(dh, W), copy=False)
    dx = np.zeros((N, T, D), dtype=dh.dtype)
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

    Raises:
        ValueError: if ``U`` is not square or ``h_t`` does not have shape (H,).
    """
    U = check_array(U, "U", (None, None), dims="(H, H)")
    H = U.shape[0]
    U = check_array(U, "U", (H, H), dims="(H, H)")
    h_t = check_array(h_t, "h_t", (H,), dims="(H,)")
    h_t, U = as_float(h_t, U)
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

    Defined in lesson 02, Exercise 1 (lessons/02-vanishing-gradients/vanishing_gradients.ipynb).
    """
    U = check_array(U, "U", (None, None), dims="(H, H)")
    H = U.shape[0]
    U = check_array(U, "U", (H, H), dims="(H, H)")
    h = check_array(h, "h", (None, H), dims="(T, H)")
    T = h.shape[0]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= T - 1:
        raise ValueError(f"`k` must be an integer with 0 <= k <= T - 1 = {T - 1}. Received: k={k!r}")
    h, U = as_float(h, U)
    J = np.eye(H, dtype=h.dtype)
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

    Raises:
        ValueError: if ``U`` is not square or ``h`` does not have shape (T, H).
    """
    U = check_array(U, "U", (None, None), dims="(H, H)")
    H = U.shape[0]
    U = check_array(U, "U", (H, H), dims="(H, H)")
    h = check_array(h, "h", (None, H), dims="(T, H)")
    T = h.shape[0]
    h, U = as_float(h, U)
    J = np.eye(H, dtype=h.dtype)
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

    Raises:
        ValueError: if ``U`` is not square.

    Defined in lesson 02, Exercise 2 (lessons/02-vanishing-gradients/vanishing_gradients.ipynb).
    """
    rho = spectral_radius(U)
    if rho < 1.0 - tol:
        return "vanish"
    if rho > 1.0 + tol:
        return "explode"
    return "borderline"


def spectral_radius(U) -> float:
    """Largest absolute eigenvalue of a square matrix, ``max |lambda_i(U)|``.

    Args:
        U: shape (H, H), e.g. recurrent weights.

    Returns:
        ``max |lambda_i(U)|`` as a float.

    Raises:
        ValueError: if ``U`` is not square.
    """
    U = check_array(U, "U", (None, None), dims="(H, H)")
    U = check_array(U, "U", (U.shape[0], U.shape[0]), dims="(H, H)")
    return float(np.max(np.abs(np.linalg.eigvals(U))))


def simple_rnn_param_count(D: int, H: int) -> int:
    """Number of trainable parameters of ``keras.layers.SimpleRNN(H)`` on D input features.

    ``W`` (D, H), ``U`` (H, H) and ``b`` (H,): ``H * (D + H + 1)``.

    Args:
        D: input features (>= 1).
        H: hidden units (>= 1).

    Returns:
        The parameter count, an int.

    Raises:
        ValueError: if D or H is not a positive integer.
    """
    D = check_positive_int(D, "D")
    H = check_positive_int(H, "H")
    return H * (D + H + 1)


def steps_to_forget(keep, fraction=0.01) -> int:
    """How long a fixed gate remembers: the smallest whole number k >= 0 with ``keep ** k < fraction``.

    A memory with a fixed gate ``keep`` (``m_t = keep * m_{t-1} + ...``) still holds ``keep ** k`` of an
    input after k steps. "Strictly less": ``steps_to_forget(0.5, 0.25) == 3`` because 0.5**2 == 0.25.
    The same loop as the lesson's: raise k until ``keep ** k < fraction`` holds exactly in floating point
    (no logarithm, so exact powers are never miscounted).

    Args:
        keep: the fixed gate, a number with 0 < keep < 1.
        fraction: the threshold, a number > 0 (``fraction > 1`` gives 0).

    Returns:
        k, a Python int.

    Raises:
        ValueError: if ``keep`` is not in (0, 1) or ``fraction`` is not > 0.

    Defined in lesson 01, Exercise 4 (lessons/01-sequences/sequences.ipynb).
    """
    if isinstance(keep, bool) or not np.isscalar(keep) or not 0.0 < keep < 1.0:
        raise ValueError(f"`keep` must be a number with 0 < keep < 1. Received: keep={keep!r}")
    if isinstance(fraction, bool) or not np.isscalar(fraction) or not fraction > 0.0:
        raise ValueError(f"`fraction` must be a number > 0. Received: fraction={fraction!r}")
    keep, fraction = float(keep), float(fraction)
    k = 0
    while keep**k >= fraction:  # still holds at least `fraction` of the input after k steps
        k += 1
    return k


def gated_memory(values, gates, m0=0.0):
    """Memory with an input-dependent gate: ``m_t = (1 - g_t) * m_{t-1} + g_t * x_t`` with ``m_{-1} = m0``.

    Gate 0 keeps the memory unchanged, gate 1 overwrites it with the input; a constant gate
    ``1 - keep`` is :func:`decay_memory`. An LSTM's forget and input gates generalise this, with the gate
    computed from ``x_t`` and ``h_{t-1}``.

    Args:
        values: the inputs x_0, ..., x_{T-1}, shape (T,) or (T, ...) (time first).
        gates: the gates g_t in [0, 1], shape (T,) or (T, ...) broadcastable to ``values``.
        m0: the memory before the first step, a scalar or shape ``values.shape[1:]``.

    Returns:
        The memories m_0, ..., m_{T-1} (each after its update), the shape of ``values``, float dtype
        (float32 stays float32, integers become float64).

    Raises:
        ValueError: if ``values`` has no time axis, ``gates`` does not broadcast to its shape or a gate
            is outside [0, 1].

    Defined in lesson 01, Exercise 5 (lessons/01-sequences/sequences.ipynb).
    """
    x, g = as_float(values, gates)
    if x.ndim < 1:
        raise ValueError(f"`values` must have a time axis, shape (T, ...). Received: values.shape={x.shape}")
    try:
        g = np.broadcast_to(g, x.shape)
    except ValueError:
        raise ValueError(
            f"`gates` must have the shape of `values`, {x.shape}. Received: gates.shape={g.shape}"
        ) from None
    if np.any(g < 0) or np.any(g > 1):
        raise ValueError(f"`gates` must lie in [0, 1]. Received: gates with min {g.min():.4g} and max {g.max():.4g}")
    out = np.empty_like(x)
    m = np.broadcast_to(np.asarray(m0, dtype=x.dtype), x.shape[1:]).copy()
    for t in range(x.shape[0]):
        m = (1.0 - g[t]) * m + g[t] * x[t]
        out[t] = m
    return out


def decay_memory(values, keep=0.95, m0=0.0):
    """Memory as decay: ``m_t = keep * m_{t-1} + (1 - keep) * x_t`` (an exponential moving average).

    The simplest recurrence: one fixed "forget gate" ``keep`` for every step and every input, i.e.
    :func:`gated_memory` with the constant gate ``1 - keep``. After k steps a value still carries weight
    ``(1 - keep) * keep**k``.

    Args:
        values: the inputs x_t, shape (T,) or (T, ...) (time first).
        keep: the fixed decay factor in [0, 1].
        m0: the memory before the first step (scalar or shape ``values.shape[1:]``).

    Returns:
        The memories m_1, ..., m_T, same shape as ``values``.

    Raises:
        ValueError: if ``keep`` is not in [0, 1] or ``values`` has no time axis.
    """
    if isinstance(keep, bool) or not np.isscalar(keep) or not 0.0 <= keep <= 1.0:
        raise ValueError(f"`keep` must be in [0, 1]. Received: keep={keep!r}")
    x = np.asarray(values)
    return gated_memory(x, np.full(x.shape, 1.0 - keep, dtype=float_dtype(x)), m0)
