"""Input validation shared by the public helpers (Keras' message template)."""

from __future__ import annotations

import numpy as np


def _fmt_shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def check_array(value, name: str, shape: tuple, *, dims: str | None = None) -> np.ndarray:
    """Return ``value`` as an array after checking its shape.

    Args:
        value: array-like to check.
        name: the argument's name, used in the message.
        shape: expected shape; an entry of ``None`` matches any size.
        dims: optional letters naming the axes, e.g. ``"(N, T, D)"``, shown in the message.

    Returns:
        ``np.asarray(value)``.

    Raises:
        ValueError: if the number of axes or a fixed size differs, e.g.
            ``ValueError: `x` must have shape (N, T, D) = (N, T, 3). Received: x.shape=(4, 5)``.
    """
    arr = np.asarray(value)
    ok = arr.ndim == len(shape) and all(e is None or e == s for e, s in zip(shape, arr.shape))
    if not ok:
        want = _fmt_shape(["?" if e is None else e for e in shape])
        if dims:
            letters = dims.strip("()").split(",")
            want = dims + " = " + _fmt_shape(
                [l.strip() if e is None else e for l, e in zip(letters, shape)]
            )
        raise ValueError(
            f"`{name}` must have shape {want}. Received: {name}.shape={_fmt_shape(arr.shape)}"
        )
    return arr


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``.

    Raises:
        ValueError: ``\"`window` must be an integer >= 1. Received: window=0\"``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}. Received: {name}={value!r}")
    return int(value)
