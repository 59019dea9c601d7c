"""Numerical gradients (centred differences, CS231n style), relative error, clipping, spectral radius.

NumPy only: importing this module does not import TensorFlow.
"""

from __future__ import annotations

import numpy as np

from helpers._checks import check_array


def eval_numerical_gradient(f, x, h=1e-5):
    """Numerical gradient of a scalar function ``f`` at ``x`` by centred differences.

    ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)``. ``x`` is perturbed in place and restored.
    Use float64 arrays: in float32 the differences drown in rounding error.

    Args:
        f: function of one argument (an array shaped like ``x``) returning a scalar.
        x: float array, any shape; modified during the call and restored.
        h: step size.

    Returns:
        Array shaped like ``x``: the numerical gradient df/dx.
    """
    x = np.asarray(x)
    grad = np.zeros(x.shape, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = float(f(x))
        x[ix] = old - h
        fxmh = float(f(x))
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of ``sum(f(x) * df)`` at ``x``: backprop ``df`` through an array function.

    Args:
        f: function of one argument (an array shaped like ``x``) returning an array shaped like
            ``df``.
        x: float array, any shape; modified during the call and restored.
        df: upstream gradient, the shape of ``f(x)``.
        h: step size.

    Returns:
        Array shaped like ``x``: ``d sum(f(x) * df) / dx``.
    """
    x = np.asarray(x)
    df = np.asarray(df)
    grad = np.zeros(x.shape, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), dtype=float)  # copy: f may return a view
        x[ix] = old - h
        neg = np.array(f(x), dtype=float)
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def rel_error(a, b):
    """Largest relative error ``|a - b| / max(1e-8, |a| + |b|)`` over all entries.

    Around 1e-7 or below: the analytic gradient is right (float64); 1e-2 or above: it is wrong.

    Args:
        a: array, any shape (e.g. an analytic gradient).
        b: array of the same shape (e.g. the numerical gradient).

    Returns:
        The largest entry-wise relative error, a float (0.0 for empty arrays).

    Raises:
        ValueError: if the shapes differ.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(
            f"`a` and `b` must have the same shape. Received: a.shape={a.shape}, b.shape={b.shape}"
        )
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def global_norm(grads):
    """The global norm of a list of arrays: ``sqrt(sum of squares of every entry of every array)``.

    Args:
        grads: list of arrays (any shapes) or ``None`` entries, which are skipped.

    Returns:
        The global norm, a float.
    """
    return float(np.sqrt(sum(float(np.sum(np.square(np.asarray(g, dtype=float)))) for g in grads if g is not None)))


def clip_by_global_norm(grads, max_norm):
    """Rescale a list of gradients so that their global norm is at most ``max_norm``.

    Same semantics as ``tf.clip_by_global_norm``: with ``g = sqrt(sum_k ||grads[k]||^2)``, every array
    is multiplied by the same factor ``max_norm / max(g, max_norm)`` -- nothing changes when
    ``g <= max_norm``, and the direction of the whole update is kept. ``None`` entries stay ``None``.

    Args:
        grads: list of arrays (any shapes), e.g. ``[dW, dU, db]``. Not modified.
        max_norm: the largest allowed global norm, > 0.

    Returns:
        ``(clipped, g)``: a new list of new arrays, and the global norm ``g`` *before* clipping.

    Raises:
        ValueError: if ``max_norm`` is not a positive number or ``grads`` is not a list/tuple.
    """
    if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
        raise ValueError(
            f"`grads` must be a list of arrays. Received: grads of type {type(grads).__name__}"
        )
    if isinstance(max_norm, bool) or not np.isscalar(max_norm) or not max_norm > 0:
        raise ValueError(f"`max_norm` must be a number > 0. Received: max_norm={max_norm!r}")
    g = global_norm(grads)
    scale = max_norm / max(g, max_norm) if np.isfinite(g) else np.nan
    clipped = [None if x is None else np.asarray(x) * scale for x in grads]
    return clipped, g


def spectral_radius(U):
    """Largest absolute eigenvalue of a square matrix.

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
