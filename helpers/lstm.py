"""Long short-term memory (LSTM) in NumPy, reproducing ``keras.layers.LSTM`` from its own weights.

Dimension letters: N batch, T time steps, D input features, H hidden units.

Packed weights follow Keras' layout, blocks in the order **i, f, c, o** (input gate, forget gate,
candidate cell value, output gate)::

    W  kernel            (D, 4H)
    U  recurrent_kernel  (H, 4H)
    b  bias              (4H,)

so ``W, U, b = from_keras(layer)`` drops a Keras layer's weights straight in. Equations, one row of
the batch (row vectors, as in the code)::

    a_t = x_t W + h_{t-1} U + b                   # (N, 4H) pre-activations, blocks i, f, c, o
    i_t = sigmoid(a_i)    f_t = sigmoid(a_f)    o_t = sigmoid(a_o)
    g_t = tanh(a_c)                               # candidate cell value, \\tilde c_t in the lessons
    c_t = f_t * c_{t-1} + i_t * g_t               # the cell state: a gated running sum
    h_t = o_t * tanh(c_t)

Functions follow CS231n's layout: ``lstm_step_forward`` / ``lstm_step_backward`` for one step,
``lstm_forward`` / ``lstm_backward`` for a whole sequence. A forward returns its outputs and a
``cache``; a backward takes upstream gradients and the cache and returns gradients in the order of the
forward's inputs. ``lstm_forward`` is the plain loop over ``lstm_step_forward`` that lesson 03 teaches:
it returns ``(h, c, cache)``, the hidden *and* cell states of every step (so ``h[:, -1]`` and
``c[:, -1]`` are the two states Keras returns with ``return_state=True``) and the list of the T step
caches, which ``lstm_backward`` (the plain loop over ``lstm_step_backward`` of lesson 04) consumes.

Everything is vectorised over the batch: one matrix product for the four gates per step. Dtypes follow
the course's one policy (``helpers._checks.float_dtype``): float32 in, float32 out, so results match
Keras to about 1e-6 in float32 and gradients can be checked in float64; integer inputs give float64.
There is one implementation: an earlier fused fast path (one input projection for all steps, a single
``tanh`` per step) was measured no faster than this loop (``bench/lstm_vs_keras.py``) and removed. This
module imports NumPy only.
"""

from __future__ import annotations

import numpy as np

from helpers._checks import as_float, check_array, check_positive_int, float_dtype

__all__ = [
    "sigmoid",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
    "lstm_param_count",
    "split_gates",
    "pack_gates",
    "init_lstm_weights",
    "from_keras",
    "numpy_like_keras",
    "make_memory_cell",
    "survival",
    "GATE_ORDER",
]

#: Order of the four blocks along the last axis of the packed W, U, b (Keras' order).
GATE_ORDER = ("i", "f", "c", "o")


# --------------------------------------------------------------------------------------------------
# Activations and weight handling
# --------------------------------------------------------------------------------------------------
def sigmoid(z) -> np.ndarray:
    """Numerically stable logistic sigmoid ``1 / (1 + exp(-z))``.

    ``exp`` is only ever evaluated at ``-|z|`` (never overflows), so ``z = ±1000`` gives 0 or 1
    without a RuntimeWarning, even under ``np.errstate(all="raise")``.

    Args:
        z: array-like of any shape.

    Returns:
        ``sigmoid(z)``, same shape, floating dtype (float32 stays float32, integers become float64).

    Defined in lesson 03, Exercise 1 (lessons/03-lstm-cell/lstm_cell.ipynb).
    """
    (z,) = as_float(z)
    if np.iscomplexobj(z):  # complex-step derivative checks: the analytic form, (1 + tanh(z / 2)) / 2
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    with np.errstate(under="ignore"):  # exp(-1000) -> 0 is the right answer, not an error
        e = np.exp(-np.abs(z))  # in [0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def split_gates(a) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split a packed array along its last axis into its four blocks, in the order i, f, c, o.

    Works for ``W`` (D, 4H), ``U`` (H, 4H), ``b`` (4H,) and pre-activations (N, 4H) alike.

    Args:
        a: array of shape (..., 4H): its last axis packs the four blocks.

    Returns:
        ``(a_i, a_f, a_c, a_o)``, views of ``a``, each with last axis H.

    Raises:
        ValueError: if the last axis is not a positive multiple of 4.
    """
    a = np.asarray(a)
    if a.ndim == 0 or a.shape[-1] == 0 or a.shape[-1] % 4:
        raise ValueError(
            f"The last axis of a packed LSTM array must have length 4H (blocks i, f, c, o). Received: shape={a.shape}"
        )
    H = a.shape[-1] // 4
    return a[..., :H], a[..., H : 2 * H], a[..., 2 * H : 3 * H], a[..., 3 * H :]


def pack_gates(a_i, a_f, a_c, a_o) -> np.ndarray:
    """Inverse of :func:`split_gates`: concatenate four blocks along the last axis (order i, f, c, o).

    Args:
        a_i, a_f, a_c, a_o: the blocks, each with last axis H, e.g. (D, H), (H, H), (H,) or (N, H).

    Returns:
        The packed array with last axis 4H, e.g. ``W`` (D, 4H), ``U`` (H, 4H), ``b`` (4H,).
    """
    return np.concatenate([np.asarray(a_i), np.asarray(a_f), np.asarray(a_c), np.asarray(a_o)], axis=-1)


def lstm_param_count(D: int, H: int) -> int:
    """Number of trainable parameters of an LSTM layer: ``4 * (H * (H + D) + H)``.

    Four blocks (i, f, c, o), each with input weights (D, H), recurrent weights (H, H) and a bias (H,);
    equals ``keras.layers.LSTM(H).count_params()`` once built on D features.

    Args:
        D: input features (>= 1).
        H: hidden units (>= 1).

    Returns:
        The parameter count, an int.

    Raises:
        ValueError: if D or H is not a positive integer.

    Defined in lesson 03, Exercise 5 (lessons/03-lstm-cell/lstm_cell.ipynb) and lesson 05, Exercise 1
    (lessons/05-keras-lstm/keras_lstm.ipynb).
    """
    D = check_positive_int(D, "D")
    H = check_positive_int(H, "H")
    return 4 * (H * (H + D) + H)


def init_lstm_weights(D: int, H: int, rng=None, *, forget_bias: float = 1.0, dtype=np.float64):
    """Random LSTM weights initialised as Keras does by default.

    ``W`` Glorot-uniform over the whole (D, 4H) kernel, ``U`` one (H, 4H) matrix with orthonormal rows
    (Keras' ``Orthogonal``), ``b`` zeros except the forget block, set to ``forget_bias`` (Keras'
    ``unit_forget_bias=True`` uses 1).

    Args:
        D: input features.
        H: hidden units.
        rng: a ``np.random.Generator`` or a seed (default: a fresh generator seeded with 0).
        forget_bias: value of the forget-gate block of ``b``.
        dtype: floating dtype of the returned arrays.

    Returns:
        ``(W, U, b)`` with shapes (D, 4H), (H, 4H), (4H,), blocks in the order i, f, c, o.
    """
    D = check_positive_int(D, "D")
    H = check_positive_int(H, "H")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(0 if rng is None else rng)
    limit = np.sqrt(6.0 / (D + 4 * H))  # Glorot uniform on the (D, 4H) kernel
    W = rng.uniform(-limit, limit, size=(D, 4 * H))
    # Orthogonal (H, 4H): rows orthonormal, as keras.initializers.Orthogonal does for a wide matrix.
    q, r = np.linalg.qr(rng.standard_normal((4 * H, H)))
    q = q * np.sign(np.diag(r))
    U = q.T
    b = np.zeros(4 * H)
    b[H : 2 * H] = forget_bias
    return W.astype(dtype), U.astype(dtype), b.astype(dtype)


def from_keras(layer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The packed weights ``(W, U, b)`` of a built ``keras.layers.LSTM`` layer.

    Keras stores ``kernel`` (D, 4H), ``recurrent_kernel`` (H, 4H) and ``bias`` (4H,) with the blocks in
    the order i, f, c, o, which is exactly this module's layout; no reordering or transposing is needed.
    A layer built with ``use_bias=False`` gets a zero bias.

    Args:
        layer: a built ``keras.layers.LSTM`` (call it once, or ``layer.build((None, None, D))``).

    Returns:
        ``(W, U, b)`` as NumPy arrays of shapes (D, 4H), (H, 4H), (4H,).

    Raises:
        ValueError: if ``layer`` is not a built LSTM with the default activations (tanh, sigmoid).
    """
    cell = getattr(layer, "cell", layer)
    units = getattr(cell, "units", None)
    if units is None or "LSTM" not in type(cell).__name__:
        raise ValueError(f"`layer` must be a keras.layers.LSTM (or LSTMCell). Received: a {type(layer).__name__}")
    if not getattr(cell, "built", False):
        raise ValueError(
            "`layer` must be built before its weights can be read: call it on an input or "
            f"`layer.build((None, None, D))` first. Received: an unbuilt layer with units={units}"
        )
    act = getattr(getattr(cell, "activation", None), "__name__", None)
    rec = getattr(getattr(cell, "recurrent_activation", None), "__name__", None)
    if act != "tanh" or rec != "sigmoid":
        raise ValueError(
            "`layer` must use activation='tanh' and recurrent_activation='sigmoid' to be reproduced "
            f"by helpers.lstm. Received: activation={act!r}, recurrent_activation={rec!r}"
        )
    W = np.asarray(cell.kernel.numpy() if hasattr(cell.kernel, "numpy") else cell.kernel)
    U = np.asarray(cell.recurrent_kernel.numpy() if hasattr(cell.recurrent_kernel, "numpy") else cell.recurrent_kernel)
    if getattr(cell, "use_bias", True) and getattr(cell, "bias", None) is not None:
        b = np.asarray(cell.bias.numpy() if hasattr(cell.bias, "numpy") else cell.bias)
    else:
        b = np.zeros(4 * units, dtype=W.dtype)
    return W, U, b


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------
def _check_weights(W, U, b) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    W = check_array(W, "W", (None, None), dims="(D, 4H)")
    D, H4 = W.shape
    if H4 == 0 or H4 % 4:
        raise ValueError(
            f"`W` must have shape (D, 4H): its last axis packs the blocks i, f, c, o. Received: W.shape={W.shape}"
        )
    H = H4 // 4
    U = check_array(U, "U", (H, 4 * H), dims="(H, 4H)")
    b = check_array(b, "b", (4 * H,), dims="(4H)")
    return W, U, b, D, H


def _gates(a: np.ndarray, H: int) -> np.ndarray:
    """Activations of packed pre-activations a (..., 4H): sigmoid on i, f, o, tanh on c (in place).

    Uses sigmoid(z) = (1 + tanh(z / 2)) / 2, which cannot overflow either, so all four blocks go
    through a single ``tanh`` call (about 5x faster than a separate stable sigmoid on three blocks).
    """
    a[..., : 2 * H] *= 0.5
    a[..., 3 * H :] *= 0.5
    np.tanh(a, out=a)
    for block in (a[..., : 2 * H], a[..., 3 * H :]):
        block *= 0.5
        block += 0.5
    return a


# --------------------------------------------------------------------------------------------------
# One step
# --------------------------------------------------------------------------------------------------
def lstm_step_forward(x_t, h_prev, c_prev, W, U, b):
    """One LSTM step for a batch.

    Args:
        x_t: inputs at step t, (N, D).
        h_prev: previous hidden state h_{t-1}, (N, H).
        c_prev: previous cell state c_{t-1}, (N, H).
        W: input weights (D, 4H), blocks i, f, c, o.
        U: recurrent weights (H, 4H), blocks i, f, c, o.
        b: biases (4H,), blocks i, f, c, o.

    Returns:
        ``(h_t, c_t, cache)``: new hidden state (N, H), new cell state (N, H), and a dict with what
        :func:`lstm_step_backward` needs (keys ``x_t, h_prev, c_prev, W, U, i, f, g, o, tanh_c``; the
        gates ``i, f, g, o`` and ``tanh_c`` are (N, H) each). The lesson's version returns only
        ``(h_t, c_t)``.

    Raises:
        ValueError: if a shape does not match, e.g.
            ``ValueError: `h_prev` must have shape (N, H) = (4, 16). Received: h_prev.shape=(4, 8)``.

    Defined in lesson 03, Exercise 2 (lessons/03-lstm-cell/lstm_cell.ipynb).
    """
    W, U, b, D, H = _check_weights(W, U, b)
    x_t = check_array(x_t, "x_t", (None, D), dims="(N, D)")
    N = x_t.shape[0]
    h_prev = check_array(h_prev, "h_prev", (N, H), dims="(N, H)")
    c_prev = check_array(c_prev, "c_prev", (N, H), dims="(N, H)")
    x_t, h_prev, c_prev, W, U, b = as_float(x_t, h_prev, c_prev, W, U, b)

    a = x_t @ W + h_prev @ U + b  # (N, 4H): all four gates in one product
    gates = _gates(a, H)
    i, f, g, o = split_gates(gates)
    c_t = f * c_prev + i * g  # forget part of the old cell state, write part of the candidate
    tanh_c = np.tanh(c_t)
    h_t = o * tanh_c  # expose part of the squashed cell state
    cache = dict(x_t=x_t, h_prev=h_prev, c_prev=c_prev, W=W, U=U, i=i, f=f, g=g, o=o, tanh_c=tanh_c)
    return h_t, c_t, cache


def _step_backward_core(dh_t, dc_t, i, f, g, o, tanh_c, c_prev):
    """Gradient w.r.t. the packed pre-activations (N, 4H) and the part of dc_prev through the cell path."""
    do = dh_t * tanh_c
    dc = dc_t + dh_t * o * (1.0 - tanh_c**2)  # total gradient reaching c_t
    da = np.concatenate(
        [
            dc * g * i * (1.0 - i),  # through i_t = sigmoid(a_i)
            dc * c_prev * f * (1.0 - f),  # through f_t = sigmoid(a_f)
            dc * i * (1.0 - g**2),  # through g_t = tanh(a_c)
            do * o * (1.0 - o),  # through o_t = sigmoid(a_o)
        ],
        axis=-1,
    )
    return da, dc * f  # dc_prev: the cell path (the constant error carousel) multiplies by f_t only


def lstm_step_backward(dh_t, dc_t, cache):
    """Backward pass of one LSTM step.

    Args:
        dh_t: upstream gradient of the loss w.r.t. h_t, (N, H).
        dc_t: upstream gradient w.r.t. c_t, (N, H) (from step t + 1; zeros at the last step).
        cache: the cache returned by :func:`lstm_step_forward`.

    Returns:
        ``(dx_t, dh_prev, dc_prev, dW, dU, db)`` with shapes (N, D), (N, H), (N, H), (D, 4H), (H, 4H),
        (4H,); packed gradients in the order i, f, c, o.

    Raises:
        ValueError: if dh_t or dc_t does not have the shape of h_t.

    Defined in lesson 04, Exercise 1 (lessons/04-lstm-backprop/lstm_backprop.ipynb).
    """
    N, H = cache["h_prev"].shape
    dh_t = check_array(dh_t, "dh_t", (N, H), dims="(N, H)")
    dc_t = check_array(dc_t, "dc_t", (N, H), dims="(N, H)")
    dh_t, dc_t, _ = as_float(dh_t, dc_t, cache["W"][:0])  # the forward's dtype (an empty slice: no copy)
    da, dc_prev = _step_backward_core(
        dh_t, dc_t, cache["i"], cache["f"], cache["g"], cache["o"], cache["tanh_c"], cache["c_prev"]
    )
    dx_t = da @ cache["W"].T  # (N, D)
    dh_prev = da @ cache["U"].T  # (N, H)
    dW = cache["x_t"].T @ da  # (D, 4H)
    dU = cache["h_prev"].T @ da  # (H, 4H)
    db = da.sum(axis=0)  # (4H,)
    return dx_t, dh_prev, dc_prev, dW, dU, db


# --------------------------------------------------------------------------------------------------
# A whole sequence: the plain loops over the steps (what lessons 03 and 04 teach)
# --------------------------------------------------------------------------------------------------
def lstm_forward(x, h0, c0, W, U, b):
    """Run an LSTM over whole sequences (batch-first, as Keras): a loop over :func:`lstm_step_forward`.

    Args:
        x: inputs, (N, T, D).
        h0: initial hidden state, (N, H) (Keras uses zeros).
        c0: initial cell state, (N, H) (Keras uses zeros).
        W: input weights (D, 4H), blocks i, f, c, o.
        U: recurrent weights (H, 4H), blocks i, f, c, o.
        b: biases (4H,), blocks i, f, c, o.

    Returns:
        ``(h, c, cache)``: hidden states (N, T, H) and cell states (N, T, H) of every step, and the list
        of the T step caches of :func:`lstm_step_forward` (``cache[t]["f"]`` is the forget gate f_t,
        (N, H)), for :func:`lstm_backward`. ``h`` is Keras' output with ``return_sequences=True``;
        ``h[:, -1]`` and ``c[:, -1]`` are the states Keras returns with ``return_state=True``. The
        lesson's version returns only ``(h, c)``.

    Raises:
        ValueError: if a shape does not match, e.g.
            ``ValueError: `x` must have shape (N, T, D) = (N, T, 3). Received: x.shape=(4, 5)``.

    Defined in lesson 03, Exercise 3 (lessons/03-lstm-cell/lstm_cell.ipynb).
    """
    W, U, b, D, H = _check_weights(W, U, b)
    x = check_array(x, "x", (None, None, D), dims="(N, T, D)")
    N, T, _ = x.shape
    h0 = check_array(h0, "h0", (N, H), dims="(N, H)")
    c0 = check_array(c0, "c0", (N, H), dims="(N, H)")
    x, h0, c0, W, U, b = as_float(x, h0, c0, W, U, b)
    h = np.empty((N, T, H), dtype=x.dtype)
    c = np.empty((N, T, H), dtype=x.dtype)
    cache = []
    h_t, c_t = h0, c0  # the state carried through time
    for t in range(T):
        h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_t, c_t, W, U, b)
        h[:, t], c[:, t] = h_t, c_t
        cache.append(step_cache)
    return h, c, cache


def lstm_backward(dh, cache, dc_last=None):
    """Backpropagation through time for :func:`lstm_forward`: a loop over :func:`lstm_step_backward`.

    Walking the steps backwards, h_t receives the loss's own ``dh[:, t]`` plus the ``dh_prev`` of step
    t + 1, c_t receives the ``dc_prev`` of step t + 1 (``dc_last`` at the last step), and the weight
    gradients of the steps add up (the same W, U, b are used at every step).

    Args:
        dh: gradient of the loss w.r.t. every hidden state, (N, T, H) (zeros where the loss ignores h_t).
        cache: the list of T step caches returned by :func:`lstm_forward`.
        dc_last: optional gradient w.r.t. the last cell state c_T, (N, H) (when the loss uses the cell
            state Keras returns with ``return_state=True``); default zeros.

    Returns:
        ``(dx, dh0, dc0, dW, dU, db)`` with shapes (N, T, D), (N, H), (N, H), (D, 4H), (H, 4H), (4H,).
        Parameter gradients are summed over all T steps; packed gradients in the order i, f, c, o.

    Raises:
        ValueError: if ``cache`` is not a non-empty list of step caches, or ``dh`` / ``dc_last`` does not
            have the shape of the forward's h / c_T.

    Defined in lesson 04, Exercise 2 (lessons/04-lstm-backprop/lstm_backprop.ipynb).
    """
    if not isinstance(cache, list | tuple) or not cache or not isinstance(cache[0], dict):
        raise ValueError(
            "`cache` must be the non-empty list of step caches returned by lstm_forward. "
            f"Received: cache of type {type(cache).__name__}"
            + (f" and length {len(cache)}" if hasattr(cache, "__len__") else "")
        )
    N, H = cache[0]["h_prev"].shape
    D = cache[0]["x_t"].shape[1]
    T = len(cache)
    dh = check_array(dh, "dh", (N, T, H), dims="(N, T, H)")
    if dc_last is None:
        (dh, _) = as_float(dh, cache[0]["W"][:0])  # the forward's dtype (an empty slice: no copy)
        dc_next = np.zeros((N, H), dtype=dh.dtype)
    else:
        dc_next = check_array(dc_last, "dc_last", (N, H), dims="(N, H)")
        dh, dc_next, _ = as_float(dh, dc_next, cache[0]["W"][:0])
    dx = np.zeros((N, T, D), dtype=dh.dtype)  # one gradient per input step
    dW = np.zeros((D, 4 * H), dtype=dh.dtype)  # accumulators for the shared weights
    dU = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dh_next = np.zeros((N, H), dtype=dh.dtype)  # gradient reaching h_t from step t + 1
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, dW_t, dU_t, db_t = lstm_step_backward(dh[:, t] + dh_next, dc_next, cache[t])
        dW += dW_t
        dU += dU_t
        db += db_t
    return dx, dh_next, dc_next, dW, dU, db


# --------------------------------------------------------------------------------------------------
# Lesson 03: Keras, a memory cell, survival
# --------------------------------------------------------------------------------------------------
def numpy_like_keras(layer, x):
    """Reproduce ``keras.layers.LSTM(H, return_sequences=True, return_state=True)(x)`` with :func:`lstm_forward`.

    The layer's weights are read with :func:`from_keras` (no reordering: Keras' layout is this module's)
    and the LSTM runs from zero initial states, as Keras does. TensorFlow is never imported here: the
    layer brings it along.

    Args:
        layer: a built ``keras.layers.LSTM`` (or ``LSTMCell``) with the default activations.
        x: inputs, shape (N, T, D) with T >= 1 and D the layer's input features.

    Returns:
        ``(h_all, h_last, c_last)``: all hidden states (N, T, H), the last hidden state (N, H) and the
        last cell state (N, H).

    Raises:
        ValueError: if ``layer`` is not a built LSTM with the default activations, or ``x`` does not have
            shape (N, T, D) with T >= 1.

    Defined in lesson 03, Exercise 4 (lessons/03-lstm-cell/lstm_cell.ipynb).
    """
    W, U, b = from_keras(layer)
    D, H = W.shape[0], U.shape[0]
    x = check_array(x, "x", (None, None, D), dims="(N, T, D)")
    if x.shape[1] < 1:
        raise ValueError(
            f"`x` must have at least one time step, shape (N, T, D) with T >= 1. Received: x.shape={x.shape}"
        )
    zeros = np.zeros((x.shape[0], H), dtype=float_dtype(x, W))  # Keras starts from h_0 = c_0 = 0
    h, c, _ = lstm_forward(x, zeros, zeros, W, U, b)
    return h, h[:, -1], c[:, -1]


def make_memory_cell(W, U, b, strength=20.0):
    """Copies of packed LSTM weights that make the cell keep c_0 and show it on h, whatever the inputs.

    The input, forget and output blocks get zero input and recurrent weights and the biases
    ``-strength`` (i ~ 0: write nothing), ``+strength`` (f ~ 1: keep everything) and ``+strength``
    (o ~ 1: ``h_t = tanh(c_t)``); the candidate block (c) is left unchanged, so the cell *ignores* the
    candidate rather than switching it off. Then ``c_t = c_{t-1}`` to about ``sigmoid(-strength)`` per step.

    Args:
        W: input weights (D, 4H), blocks i, f, c, o.
        U: recurrent weights (H, 4H), blocks i, f, c, o.
        b: biases (4H,), blocks i, f, c, o.
        strength: size of the gate biases, a number > 0; ``sigmoid(strength)`` is the gate value aimed at.

    Returns:
        ``(W2, U2, b2)``: new arrays of shapes (D, 4H), (H, 4H), (4H,) (float dtype); the inputs are
        not modified.

    Raises:
        ValueError: if a shape does not match or ``strength`` is not a number > 0.

    Defined in lesson 03, Exercise 6 (lessons/03-lstm-cell/lstm_cell.ipynb).
    """
    W, U, b, _, H = _check_weights(W, U, b)
    if isinstance(strength, bool) or not np.isscalar(strength) or not strength > 0:
        raise ValueError(f"`strength` must be a number > 0. Received: strength={strength!r}")
    W2, U2, b2 = (a.copy() for a in as_float(W, U, b))
    for block in (slice(0, H), slice(H, 2 * H), slice(3 * H, 4 * H)):  # i, f, o; not the candidate
        W2[:, block] = 0.0  # the gates ignore the input ...
        U2[:, block] = 0.0  # ... and the previous output
    b2[:H] = -strength  # i ~ 0
    b2[H : 2 * H] = strength  # f ~ 1
    b2[3 * H :] = strength  # o ~ 1
    return W2, U2, b2


def survival(f_seq):
    """Share of c_0 left after each step when the input gate is closed: the running product of forget gates.

    With ``i_t = 0``, ``c_k = f_k * ... * f_1 * c_0`` (element-wise), so ``s_k = prod_{t <= k} f_t``.

    Args:
        f_seq: forget gate values f_1, ..., f_T, shape (N, T, H).

    Returns:
        ``s``, shape (N, T, H) (float dtype), with ``s[:, k - 1] = f_1 * f_2 * ... * f_k``.

    Raises:
        ValueError: if ``f_seq`` does not have shape (N, T, H).

    Defined in lesson 03, Exercise 7 (lessons/03-lstm-cell/lstm_cell.ipynb).
    """
    (f_seq,) = as_float(check_array(f_seq, "f_seq", (None, None, None), dims="(N, T, H)"))
    return np.cumprod(f_seq, axis=1)  # running product over the time axis
