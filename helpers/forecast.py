"""Multi-step forecasting with a one-step model: the recursive forecast loop (lesson 05).

NumPy only: importing this module does not import TensorFlow (``predict_fn`` may be a Keras model's
``predict``, but the model brings Keras along).
"""

from __future__ import annotations

import numpy as np

from helpers._checks import check_positive_int


def recursive_forecast(predict_fn, history, steps: int) -> np.ndarray:
    """Forecast ``steps`` values by feeding each prediction back in as the newest input.

    The window slides: after each prediction, the oldest value drops out and the prediction is appended,
    so the window keeps its length W. No true future values are used (no teacher forcing).

    Args:
        predict_fn: maps a batch of one window, array of shape (1, W, 1), to the next value (anything with
            one element, e.g. shape (1, 1) from ``model.predict`` or a float).
        history: the last W observed values, shape (W,) or (W, 1).
        steps: S, the number of values to forecast, an integer >= 0.

    Returns:
        Float array of shape (S,).

    Raises:
        ValueError: if ``steps`` is not an integer >= 0 or ``history`` is empty.

    Defined in lesson 05, Exercise 4 (lessons/05-keras-lstm/keras_lstm.ipynb).
    """
    window = np.asarray(history, dtype=float).reshape(-1)
    steps = check_positive_int(steps, "steps", minimum=0)
    if window.size == 0:
        raise ValueError(
            "`history` must hold at least one value, shape (W,) with W >= 1. "
            f"Received: history.shape={np.shape(history)}"
        )
    out = np.empty(steps)
    for s in range(steps):
        nxt = float(np.asarray(predict_fn(window[None, :, None])).reshape(-1)[0])
        out[s] = nxt
        window = np.append(window[1:], nxt)
    return out
