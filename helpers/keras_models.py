"""Small Keras models for lessons 05 and 06: a stacked LSTM forecaster, a seeded sequence classifier.

Keras is imported inside the functions, so importing this module does not import TensorFlow.
Weight layout reminder: ``keras.layers.LSTM`` packs its four blocks in the order **i, f, c, o**
(kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,)); ``keras.layers.GRU`` packs **z, r, h**.
Parameter counts of the recurrent layers live with their cells: ``helpers.rnn.simple_rnn_param_count``,
``helpers.lstm.lstm_param_count``, ``helpers.gru.gru_param_count`` (all with arguments (D, H)).
"""

from __future__ import annotations

import time

from helpers._checks import check_array, check_positive_int


def dense_param_count(D: int, H: int) -> int:
    """Number of parameters of ``keras.layers.Dense(H)`` on inputs of shape (N, D): ``D * H + H``.

    Args:
        D: inputs per sample (>= 1).
        H: units, the outputs of the layer (>= 1).

    Returns:
        The count, an int.

    Raises:
        ValueError: if D or H is not a positive integer.
    """
    D = check_positive_int(D, "D")
    H = check_positive_int(H, "H")
    return D * H + H


def build_stacked_lstm(timesteps, features: int, units=(32, 16), horizon: int = 1):
    """Build (do not train) a stack of LSTM layers with a Dense head.

    Every LSTM but the last returns its whole sequence (``return_sequences=True``) so that the next LSTM
    gets an input of shape (N, T, units); the last one returns only h_T, which ``Dense(horizon)`` maps
    to the forecast.

    Args:
        timesteps: T, or ``None`` for any length.
        features: D, input features per step (>= 1).
        units: hidden units of each LSTM layer, bottom to top (at least one).
        horizon: outputs of the Dense head (>= 1).

    Returns:
        An uncompiled ``keras.Model`` from inputs of shape (N, T, D) to outputs of shape (N, horizon).

    Raises:
        ValueError: if ``units`` is empty or ``features`` / ``horizon`` is not a positive integer.

    Defined in lesson 05, Exercise 2 (lessons/05-keras-lstm/keras_lstm.ipynb).
    """
    features = check_positive_int(features, "features")
    horizon = check_positive_int(horizon, "horizon")
    units = tuple(units)
    if len(units) < 1:
        raise ValueError(f"`units` must list at least one layer size. Received: units={units}")
    import keras

    inputs = keras.Input(shape=(timesteps, features))
    h = inputs
    for k, u in enumerate(units):
        h = keras.layers.LSTM(u, return_sequences=k < len(units) - 1)(h)
    outputs = keras.layers.Dense(horizon)(h)
    return keras.Model(inputs, outputs)


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
        epochs: the largest number of training epochs (Adam).
        batch_size: examples per gradient step.
        learning_rate: Adam's learning rate.
        seed: passed to ``keras.utils.set_random_seed`` before building the model.
        stop_at_accuracy: if given, stop after the first epoch whose training accuracy reaches it
            (``epochs`` is then the maximum budget; a model that has solved the task stops early).
        **cell_kwargs: extra arguments of the recurrent layer, e.g. ``unit_forget_bias=False``.

    Returns:
        ``(model, history, seconds)``: the trained model, the Keras ``History`` and the training time.

    Raises:
        ValueError: if ``tokens`` is not (N, T) or ``labels`` is not (N,).
    """
    tokens = check_array(tokens, "tokens", (None, None), dims="(N, T)")
    labels = check_array(labels, "labels", (tokens.shape[0],), dims="(N,)")
    import keras

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
