"""Benchmark: helpers.lstm (the plain loop lessons 03 and 04 teach) vs keras.layers.LSTM, same weights.

Not a test. Run: ``.venv/bin/python bench/lstm_vs_keras.py [--batch 64 --steps 100 --units 64 --features 32
--repeats 15]``. Prints median and min wall-clock times (after warm-up) of the forward pass over a whole batch
of sequences, side by side, as ratios to the fastest Keras call, and checks that all give the same outputs:

- ``helpers.lstm.lstm_forward``: the plain loop over ``lstm_step_forward`` that lesson 03 teaches (it keeps
  the list of step caches for ``lstm_backward``);
- Keras, timed two ways: ``layer(x)`` (eager call, what a notebook does) and a ``tf.function``-compiled call
  (what ``model.predict`` uses internally), so the ratio is not flattered by eager overhead alone.

It also times ``lstm_backward`` (Keras' backward is not comparable without a loss and a tape). A fused
variant (one input projection for all steps, one ``tanh`` per step) used to live beside the loop; measured
here side by side it was no faster (forward min 28.4 vs 23.1 ms, backward 36.1 vs 33.7 ms), so it was removed.

OpenBLAS is pinned to one thread (``OPENBLAS_NUM_THREADS=1``, set before NumPy is imported unless already
set): for these small (64, 64) @ (64, 256) products threads only add overhead, and next to TensorFlow's
own thread pool on 2 cores a multi-threaded OpenBLAS was measured 10-30x slower.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import platform
import statistics
import time

import numpy as np


def run_times(fn, repeats: int, warmup: int = 3) -> tuple[float, float]:
    """(median, min) wall-clock seconds of fn() over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--units", type=int, default=64)
    ap.add_argument("--features", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    N, T, H, D = args.batch, args.steps, args.units, args.features

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import tensorflow as tf

    from helpers.lstm import from_keras, lstm_backward, lstm_forward

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, D)).astype("float32")
    layer = keras.layers.LSTM(H, return_sequences=True)
    layer.build((None, T, D))
    W, U, b = from_keras(layer)
    h0 = np.zeros((N, H), np.float32)
    x_tf = tf.constant(x)

    compiled = tf.function(lambda inp: layer(inp))
    ref = np.asarray(layer(x_tf))
    plain, _, cache = lstm_forward(x, h0, h0, W, U, b)
    diff_plain = float(np.max(np.abs(plain - ref)))
    dh = rng.standard_normal((N, T, H)).astype("float32")

    forward = [
        ("helpers.lstm.lstm_forward (plain loop)", run_times(lambda: lstm_forward(x, h0, h0, W, U, b), args.repeats)),
        ("keras LSTM, eager layer(x)", run_times(lambda: np.asarray(layer(x_tf)), args.repeats)),
        ("keras LSTM, tf.function", run_times(lambda: np.asarray(compiled(x_tf)), args.repeats)),
    ]
    backward = [
        ("helpers.lstm.lstm_backward (plain loop)", run_times(lambda: lstm_backward(dh, cache), args.repeats)),
    ]

    print(f"LSTM, batch N={N}, steps T={T}, features D={D}, units H={H}, float32, CPU")
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"numpy {np.__version__}, keras {keras.__version__}, tensorflow {tf.__version__}"
    )
    print(
        f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}; {args.repeats} runs after 3 warm-up runs; "
        f"load average {os.getloadavg()[0]:.1f}; max |h - h_keras| {diff_plain:.1e}\n"
    )
    keras_best = tuple(min(forward[1][1][k], forward[2][1][k]) for k in (0, 1))
    header = f"{'forward pass':<42}{'median ms':>10}{'min ms':>9}{'/ fastest Keras (median)':>26}{'(min)':>7}"
    print(header)
    print("-" * len(header))
    for name, (med, low) in forward:
        print(f"{name:<42}{med * 1e3:>10.2f}{low * 1e3:>9.2f}{med / keras_best[0]:>26.2f}{low / keras_best[1]:>7.2f}")
    plain_bwd = backward[0][1]
    header = f"\n{'backward pass':<42}{'median ms':>10}{'min ms':>9}{'/ plain loop (median)':>26}{'(min)':>7}"
    print(header)
    print("-" * (len(header) - 1))
    for name, (med, low) in backward:
        print(f"{name:<42}{med * 1e3:>10.2f}{low * 1e3:>9.2f}{med / plain_bwd[0]:>26.2f}{low / plain_bwd[1]:>7.2f}")
    print(
        "\nRatios > 1 are slower than the reference of the column. On a busy machine the NumPy loops "
        "(T Python-level steps) suffer more than Keras' compiled loop; the min is the less disturbed estimate."
    )


if __name__ == "__main__":
    main()
