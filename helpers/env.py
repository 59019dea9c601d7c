"""Reproducibility and a quiet TensorFlow, for the first cell of every lesson."""

from __future__ import annotations

import os
import random

import numpy as np


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ logging and pin Keras to the TensorFlow backend.

    Call before the first ``import keras`` / ``import tensorflow``.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    # No GPU on the course machines; hiding it avoids CUDA probing messages.
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Fix the seeds of Python, NumPy and (if it is already imported) Keras.

    Args:
        seed: the seed.

    Returns:
        A fresh ``np.random.Generator`` seeded with ``seed`` for the lesson's own draws.
    """
    random.seed(seed)
    np.random.seed(seed)
    import sys

    if "keras" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)
    return np.random.default_rng(seed)


def deterministic_keras(threads: int | None = None) -> None:
    """Make Keras/TensorFlow training repeatable: deterministic ops and (optionally) fixed thread counts.

    Call once after importing Keras, before building any model; then ``keras.utils.set_random_seed``
    (or :func:`seed_everything`) before each training run.

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
