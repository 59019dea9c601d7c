"""Optimisation utilities: the global norm of a list of gradients and clipping by it (lesson 02).

NumPy only: importing this module does not import TensorFlow.
"""

from __future__ import annotations

import numpy as np


def global_norm(grads) -> float:
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
        ``(clipped, g)``: a new list of new arrays (each the shape of its input), and the global norm
        ``g`` *before* clipping.

    Raises:
        ValueError: if ``max_norm`` is not a positive number or ``grads`` is not a list/tuple.

    Defined in lesson 02, Exercise 3 (lessons/02-vanishing-gradients/vanishing_gradients.ipynb).
    """
    if isinstance(grads, np.ndarray) or not isinstance(grads, list | tuple):
        raise ValueError(f"`grads` must be a list of arrays. Received: grads of type {type(grads).__name__}")
    if isinstance(max_norm, bool) or not np.isscalar(max_norm) or not max_norm > 0:
        raise ValueError(f"`max_norm` must be a number > 0. Received: max_norm={max_norm!r}")
    g = global_norm(grads)
    scale = max_norm / max(g, max_norm) if np.isfinite(g) else np.nan
    clipped = [None if x is None else np.asarray(x) * scale for x in grads]
    return clipped, g
