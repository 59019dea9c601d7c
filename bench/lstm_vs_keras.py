"""Benchmark: helpers.lstm.lstm_forward (NumPy) vs keras.layers.LSTM on the CPU, same weights.

Not a test. Run: ``.venv/bin/python bench/lstm_vs_keras.py [--batch 64 --steps 100 --units 64 --features 32
--repeats 15]``. Prints a small table of median wall-clock times (after warm-up) and the ratio NumPy / Keras
for the forward pass over a whole batch of sequences, and checks that both give the same outputs.

Keras is timed two ways: ``layer(x)`` (eager call, what a notebook does) and a ``tf.function``-compiled
call (what ``model.predict`` uses internally), so the ratio is not flattered by eager overhead alone.

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

    from helpers.lstm import from_keras, lstm_forward

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
    ours, _, _ = lstm_forward(x, h0, h0, W, U, b)
    max_diff = float(np.max(np.abs(ours - ref)))

    t_np = run_times(lambda: lstm_forward(x, h0, h0, W, U, b), args.repeats)
    t_eager = run_times(lambda: np.asarray(layer(x_tf)), args.repeats)
    t_graph = run_times(lambda: np.asarray(compiled(x_tf)), args.repeats)

    print(f"LSTM forward, batch N={N}, steps T={T}, features D={D}, units H={H}, float32, CPU")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"numpy {np.__version__}, keras {keras.__version__}, tensorflow {tf.__version__}")
    print(f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}; {args.repeats} runs after 3 warm-up runs; "
          f"load average {os.getloadavg()[0]:.1f}; max |h_numpy - h_keras| = {max_diff:.1e}\n")
    rows = [
        ("helpers.lstm.lstm_forward (NumPy)", t_np),
        ("keras LSTM, eager layer(x)", t_eager),
        ("keras LSTM, tf.function", t_graph),
    ]
    print(f"{'implementation':<36}{'median ms':>10}{'min ms':>9}{'NumPy/this (median)':>21}{'(min)':>7}")
    print("-" * 83)
    for name, (med, low) in rows:
        print(f"{name:<36}{med * 1e3:>10.2f}{low * 1e3:>9.2f}{t_np[0] / med:>21.2f}{t_np[1] / low:>7.2f}")
    for k, label in [(0, "median"), (1, "min")]:
        best = min(t_eager[k], t_graph[k])
        verdict = "within" if t_np[k] <= 2 * best else "NOT within"
        print(f"NumPy / fastest Keras ({label}) = {t_np[k] / best:.2f}  ({verdict} the 2x target)")
    print("On a busy machine the NumPy loop (100 Python-level steps) suffers more than Keras' compiled loop; "
          "the min is the less disturbed estimate.")


if __name__ == "__main__":
    main()
