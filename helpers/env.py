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
