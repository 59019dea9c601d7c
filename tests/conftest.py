"""pytest configuration shared by the whole suite."""

import os

# Keep TensorFlow quiet and on the CPU in every test process and the kernels they start.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
