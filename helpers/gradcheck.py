"""Gradient checking (CS231n style): numerical gradients by centred differences and the relative error.

NumPy only: importing this module does not import TensorFlow. Clipping lives in :mod:`helpers.optim`,
the spectral radius in :mod:`helpers.rnn`.
"""

from __future__ import annotations

import numpy as np


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
        raise ValueError(f"`a` and `b` must have the same shape. Received: a.shape={a.shape}, b.shape={b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
