"""Tests for helpers.env: seeds and a quiet, deterministic TensorFlow."""

import os
import subprocess
import sys

import numpy as np

from helpers.env import seed_everything


def test_seed_everything_returns_a_seeded_generator():
    a = seed_everything(3).normal(size=4)
    b = seed_everything(3).normal(size=4)
    np.testing.assert_array_equal(a, b)
    seed_everything(5)
    x = np.random.rand()
    seed_everything(5)
    assert np.random.rand() == x


def test_quiet_tensorflow_and_deterministic_keras_in_a_fresh_process():
    """quiet_tensorflow only sets environment variables; deterministic_keras turns on op determinism."""
    code = (
        "import os, sys\n"
        "from helpers.env import quiet_tensorflow, deterministic_keras\n"
        "quiet_tensorflow()\n"
        "assert 'tensorflow' not in sys.modules\n"
        "assert os.environ['KERAS_BACKEND'] == 'tensorflow'\n"
        "deterministic_keras(threads=1)\n"
        "import tensorflow as tf\n"
        "from tensorflow.python.framework import config\n"  # the public API has no getter
        "assert config.is_op_determinism_enabled()\n"
        "assert tf.config.threading.get_intra_op_parallelism_threads() == 1\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
