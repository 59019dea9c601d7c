"""Small Keras utilities for lessons 05 and 06: parameter counts, windows, recursive forecasts, models.

The parameter-count formulas and the windowing/forecast functions are NumPy/Python only; the
functions that build or train models import Keras inside the function, so importing this module does
not import TensorFlow.

Weight layout reminder: ``keras.layers.LSTM`` packs its four blocks in the order **i, f, c, o**
(kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,)); ``keras.layers.GRU`` packs **z, r, h**.
"""

from __future__ import annotations

import time

import numpy as np

from helpers._checks import check_array, check_positive_int

# ---------------------------------------------------------------------------------------------------
# Parameter counts
# ---------------------------------------------------------------------------------------------------


def lstm_param_count(units: int, features: int) -> int:
    """Number of trainable parameters of ``keras.layers.LSTM(units)`` on inputs with ``features`` features.

    Four blocks (i, f, c, o), each with W (D, H), U (H, H) and b (H,):
    ``4 * (H * (H + D) + H)``.

    Args:
        units: H, hidden units (>= 1).
        features: D, input features per step (>= 1).

    Returns:
        The count, an int.
    """
    from helpers.lstm import lstm_param_count as count

    return count(check_positive_int(features, "features"), check_positive_int(units, "units"))


def gru_param_count(units: int, features: int, reset_after: bool = True) -> int:
    """Number of parameters of ``keras.layers.GRU(units)``: three blocks (z, r, h).

    Keras' default ``reset_after=True`` keeps two bias vectors per block (input and recurrent):
    ``3 * (H * (H + D) + 2H)``; with ``reset_after=False`` one: ``3 * (H * (H + D) + H)``.

    Args:
        units: H, hidden units (>= 1).
        features: D, input features per step (>= 1).
        reset_after: Keras' ``reset_after`` argument of the GRU layer.

    Returns:
        The count, an int.
    """
    from helpers.gru import gru_param_count as count

    return count(check_positive_int(features, "features"), check_positive_int(units, "units"), reset_after)


def simple_rnn_param_count(units: int, features: int) -> int:
    """Number of parameters of ``keras.layers.SimpleRNN(units)``: ``H * (H + D) + H``.

    Args:
        units: H, hidden units (>= 1).
        features: D, input features per step (>= 1).

    Returns:
        The count, an int.
    """
    H = check_positive_int(units, "units")
    D = check_positive_int(features, "features")
    return H * (H + D) + H


def dense_param_count(units: int, features: int) -> int:
    """Number of parameters of ``keras.layers.Dense(units)`` on inputs of shape (N, D): ``D * units + units``.

    Args:
        units: outputs of the layer (>= 1).
        features: D, inputs per sample (>= 1).

    Returns:
        The count, an int.
    """
    H = check_positive_int(units, "units")
    D = check_positive_int(features, "features")
    return D * H + H


# ---------------------------------------------------------------------------------------------------
# Windows and recursive forecasts
# ---------------------------------------------------------------------------------------------------


def window_series(series, window: int, horizon: int = 1):
    """Cut a 1-D series into (input window, target) pairs for one-step (or h-step-ahead) forecasting.

    Window ``j`` holds ``series[j : j + window]``; its target is the value ``horizon`` steps after the
    window's last value, ``series[j + window - 1 + horizon]``. Same pairs as
    ``keras.utils.timeseries_dataset_from_array(series[:-horizon], series[window - 1 + horizon:], window)``.

    Args:
        series: array of shape (L,).
        window: W, steps per input window (>= 1).
        horizon: how many steps after the window's end the target is (>= 1).

    Returns:
        ``(X, y)``: ``X`` float array of shape (N, W, 1) with ``N = L - W - horizon + 1``, ``y`` of shape (N,).

    Raises:
        ValueError: if ``series`` is not 1-D or is too short for a single window.
    """
    series = check_array(series, "series", (None,), dims="(L,)")
    window = check_positive_int(window, "window")
    horizon = check_positive_int(horizon, "horizon")
    n = len(series) - window - horizon + 1
    if n < 1:
        raise ValueError(
            f"`series` must have at least window + horizon = {window + horizon} values. "
            f"Received: series.shape={series.shape}"
        )
    idx = np.arange(n)[:, None] + np.arange(window)[None, :]
    X = series[idx][..., None].astype(float)
    y = series[window - 1 + horizon : window - 1 + horizon + n].astype(float)
    return X, y


def recursive_forecast(predict_fn, history, steps: int) -> np.ndarray:
    """Forecast ``steps`` values by feeding each prediction back in as the newest input.

    The window slides: after each prediction, the oldest value drops out and the prediction is appended,
    so the window keeps its length W. No true future values are used (no teacher forcing).

    Args:
        predict_fn: maps a batch of one window, array of shape (1, W, 1), to the next value (anything with
            one element, e.g. shape (1, 1) from ``model.predict`` or a float).
        history: the last W observed values, shape (W,) or (W, 1).
        steps: number of values to forecast (>= 0).

    Returns:
        float array of shape (steps,).
    """
    window = np.asarray(history, dtype=float).reshape(-1)
    steps = check_positive_int(steps, "steps", minimum=0)
    out = np.empty(steps)
    for s in range(steps):
        nxt = float(np.asarray(predict_fn(window[None, :, None])).reshape(-1)[0])
        out[s] = nxt
        window = np.append(window[1:], nxt)
    return out


# ---------------------------------------------------------------------------------------------------
# Models (Keras imported inside)
# ---------------------------------------------------------------------------------------------------


def build_stacked_lstm(timesteps, features: int, units=(32, 16), horizon: int = 1):
    """Build (do not train) a stack of LSTM layers with a Dense head.

    Every LSTM but the last returns its whole sequence (``return_sequences=True``) so that the next LSTM
    gets an input of shape (N, T, units); the last one returns only h_T, which ``Dense(horizon)`` maps
    to the forecast.

    Args:
        timesteps: T, or ``None`` for any length.
        features: D, input features per step.
        units: hidden units of each LSTM layer, bottom to top (at least one).
        horizon: outputs of the Dense head.

    Returns:
        An uncompiled ``keras.Model`` from (N, T, D) to (N, horizon).
    """
    import keras

    units = tuple(units)
    if len(units) < 1:
        raise ValueError(f"`units` must list at least one layer size. Received: units={units}")
    inputs = keras.Input(shape=(timesteps, features))
    h = inputs
    for k, u in enumerate(units):
        h = keras.layers.LSTM(u, return_sequences=k < len(units) - 1)(h)
    outputs = keras.layers.Dense(horizon)(h)
    return keras.Model(inputs, outputs)


def deterministic_keras(threads: int | None = None) -> None:
    """Make Keras/TensorFlow training repeatable: deterministic ops and (optionally) fixed thread counts.

    Call once after importing Keras, before building any model; then ``keras.utils.set_random_seed``
    before each training run.

    Args:
        threads: if given, the number of TensorFlow inter- and intra-op threads (ignored once
            TensorFlow has started running ops).
    """
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    if threads is not None:
        try:
            tf.config.threading.set_inter_op_parallelism_threads(threads)
            tf.config.threading.set_intra_op_parallelism_threads(threads)
        except RuntimeError:  # already initialised: keep what is there
            pass


def train_sequence_classifier(
    cell: str,
    tokens,
    labels,
    *,
    vocab_size: int,
    units: int = 16,
    embed_dim: int = 8,
    epochs: int = 12,
    batch_size: int = 128,
    learning_rate: float = 0.01,
    seed: int = 0,
    stop_at_accuracy: float | None = None,
    **cell_kwargs,
):
    """Train Embedding -> ``cell`` -> Dense(1, sigmoid) on token sequences, with a fixed seed.

    Args:
        cell: ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"`` (a ``keras.layers`` class name).
        tokens: int array of shape (N, T).
        labels: 0/1 array of shape (N,).
        vocab_size: number of token ids.
        units: H, hidden units of the recurrent layer.
        embed_dim: size of the token embedding.
        epochs, batch_size, learning_rate: the training budget (Adam).
        seed: passed to ``keras.utils.set_random_seed`` before building the model.
        stop_at_accuracy: if given, stop after the first epoch whose training accuracy reaches it
            (``epochs`` is then the maximum budget; a model that has solved the task stops early).
        **cell_kwargs: extra arguments of the recurrent layer, e.g. ``unit_forget_bias=False``.

    Returns:
        ``(model, history, seconds)``: the trained model, the Keras ``History`` and the training time.
    """
    import keras

    tokens = check_array(tokens, "tokens", (None, None), dims="(N, T)")
    labels = check_array(labels, "labels", (tokens.shape[0],), dims="(N,)")
    keras.utils.set_random_seed(seed)
    layer = getattr(keras.layers, cell)
    model = keras.Sequential(
        [
            keras.Input(shape=(tokens.shape[1],), dtype="int32"),
            keras.layers.Embedding(vocab_size, embed_dim),
            layer(units, **cell_kwargs),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(keras.optimizers.Adam(learning_rate), "binary_crossentropy", metrics=["accuracy"])
    callbacks = []
    if stop_at_accuracy is not None:

        class _StopWhenSolved(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if (logs or {}).get("accuracy", 0.0) >= stop_at_accuracy:
                    self.model.stop_training = True

        callbacks.append(_StopWhenSolved())
    t0 = time.perf_counter()
    history = model.fit(
        tokens, labels, epochs=epochs, batch_size=batch_size, verbose=0, shuffle=True, callbacks=callbacks
    )
    return model, history, time.perf_counter() - t0
