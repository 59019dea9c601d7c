"""pytest configuration shared by the whole suite."""

import os

import pytest

# Keep TensorFlow quiet and on the CPU in every test process and the kernels they start.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups into the test ids
def pytest_collection_modifyitems(config, items):
    """Tests that share a module-scoped fixture run on one xdist worker (`make test` passes
    ``--dist loadgroup``): each worker would otherwise build the fixture again (the graded corpus of
    tests/test_bad_submissions.py takes minutes). The other tests spread over the workers as usual."""
    for item in items:
        defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {}) or {}
        if any(d.scope == "module" for fixturedefs in defs.values() for d in fixturedefs):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
