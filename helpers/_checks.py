"""Input validation and the one dtype policy shared by the public helpers (Keras' message template)."""

from __future__ import annotations

import numpy as np


def _fmt_shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def check_array(value, name: str, shape: tuple, *, dims: str | None = None) -> np.ndarray:
    """Return ``value`` as an array after checking its shape.

    Args:
        value: array-like to check, any shape.
        name: the argument's name, used in the message.
        shape: expected shape; an entry of ``None`` matches any size.
        dims: optional letters naming the axes, e.g. ``"(N, T, D)"``, shown in the message.

    Returns:
        ``np.asarray(value)``, of the checked shape.

    Raises:
        ValueError: if the number of axes or a fixed size differs, e.g.
            ``ValueError: `x` must have shape (N, T, D) = (N, T, 3). Received: x.shape=(4, 5)``.
    """
    arr = np.asarray(value)
    ok = arr.ndim == len(shape) and all(e is None or e == s for e, s in zip(shape, arr.shape, strict=False))
    if not ok:
        want = _fmt_shape(["?" if e is None else e for e in shape])
        if dims:
            letters = dims.strip("()").split(",")
            want = (
                dims + " = " + _fmt_shape([x.strip() if e is None else e for x, e in zip(letters, shape, strict=False)])
            )
        raise ValueError(f"`{name}` must have shape {want}. Received: {name}.shape={_fmt_shape(arr.shape)}")
    return arr


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``.

    Args:
        value: the number to check.
        name: the argument's name, used in the message.
        minimum: the smallest allowed value.

    Returns:
        ``int(value)``.

    Raises:
        ValueError: ``\"`window` must be an integer >= 1. Received: window=0\"``.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}. Received: {name}={value!r}")
    return int(value)


def float_dtype(*arrays) -> np.dtype:
    """The dtype every NumPy cell helper computes and returns in (the course's one dtype policy).

    Each argument counts with its own dtype if that is floating (or complex, so that complex-step
    derivative checks work); integers and bools count as float64. The result is NumPy's
    ``np.result_type`` of those dtypes. So float32 inputs give float32, float64 inputs (or a mix of
    float32 and float64) give float64, and integer inputs give float64, never an integer array.

    Args:
        *arrays: the array arguments of the helper, any shapes (array-likes and Python numbers).

    Returns:
        The floating (or complex) ``np.dtype`` of the result.
    """
    dts = []
    for a in arrays:
        dt = np.asarray(a).dtype
        dts.append(dt if np.issubdtype(dt, np.inexact) else np.dtype(np.float64))
    return np.result_type(*dts) if dts else np.dtype(np.float64)


def as_float(*arrays) -> tuple[np.ndarray, ...]:
    """Cast the arrays to their common :func:`float_dtype` (no copy where the dtype already fits).

    Args:
        *arrays: array-likes, any shapes.

    Returns:
        A tuple of arrays with the same shapes, all of dtype ``float_dtype(*arrays)``.
    """
    dt = float_dtype(*arrays)
    return tuple(np.asarray(a).astype(dt, copy=False) for a in arrays)
