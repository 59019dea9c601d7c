"""The course's checks for graded test cells: one way to compare, one message template.

Every graded test cell judges with :func:`exercise`::

    ex = grading.exercise(2, "lstm_step_forward")
    h, c = lstm_step_forward(x, h0, c0, W, U, b)
    ex.close(c, c0, "c_t with f = 1 and i = 0", atol=1e-8,
             hint="the forget term looks missing: with f = 1 and i = 0 the cell state should not change")

What the student's function returned is first turned into plain data (:func:`plain`: a base-class NumPy
array of numbers, or a Python ``int``/``float``/``bool``/``str``/``tuple``), so neither an object whose
``==`` lies nor an array subclass can pass a check. Messages follow one template::

    Exercise 2 (lstm_step_forward), c_t with f = 1 and i = 0: expected shape (3, 4) within atol=1e-08;
    got shape (3, 4), 12 of 12 values off, largest difference 0.53 at index (0, 2) (got -0.2, expected 0.33).
    Likely mistake: the forget term looks missing: ...

Each exercise is graded on its own: :meth:`Exercise.alone` calls the student's function with the course's
reference standing in for what earlier exercises built, so a mistake in Exercise 2 does not cost Exercise 3
(autograder/README.md, "Each exercise on its own"). In the autograder the test cell runs in the trusted
checker and the student's function in another kernel; there the stand-ins are sent as callbacks
(:mod:`autograder.judge`), here (a student running the visible tests) they are put in the function's
globals for the duration of the call.
"""

from __future__ import annotations

import sys
from numbers import Number

import numpy as np

__all__ = ["Exercise", "exercise", "plain"]


class NotPlain(TypeError):
    """The value is not plain data that a check can compare."""


def plain(value, *, numeric: bool = False):
    """``value`` as plain data: the thing a check compares, never the student's own object.

    Args:
        value: what a function returned: an array (any shape), a pandas Series or DataFrame, a list or
            tuple (nested), a NumPy or Python scalar, a string, ``None`` or a dict of these.
        numeric: return a float64 ``np.ndarray`` (any shape) of the numbers, whatever the container.

    Returns:
        A base-class ``np.ndarray`` for arrays and pandas objects (their values; an index is dropped), a
        ``tuple`` for lists and tuples, a ``dict`` for dicts, ``int``/``float``/``complex``/``bool``/``str``/
        ``None`` for scalars. With ``numeric=True``, always a float64 ``np.ndarray``.

    Raises:
        NotPlain: for anything else (an object of the student's own class, a generator, an object array).
    """
    if numeric:
        out = _to_array(value)
        if out.dtype.kind not in "biuf":
            raise NotPlain(f"expected numbers, got {_describe(value)}")
        return out.astype(np.float64)
    if value is None or type(value) in (bool, int, float, complex, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return value.item()
    if isinstance(value, dict) and type(value) is dict:
        return {plain(k): plain(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return tuple(plain(v) for v in value)
    return _to_array(value)


def _to_array(value) -> np.ndarray:
    module = type(value).__module__ or ""
    if module.startswith("pandas"):
        value = value.to_numpy()
    if isinstance(value, np.ndarray):
        arr = np.array(value.view(np.ndarray), copy=True)  # the data itself, not a subclass's idea of it
    elif type(value) in (list, tuple):
        arr = np.array([_to_array(v) if not _scalar(v) else v for v in value])
    elif _scalar(value):
        arr = np.array(value)
    else:
        raise NotPlain(f"expected an array, a list or a number, got {_describe(value)}")
    if arr.dtype.kind == "O":
        raise NotPlain(f"expected an array of numbers, got {_describe(value)} holding objects")
    return arr


def _scalar(value) -> bool:
    return type(value) in (bool, int, float, complex) or (isinstance(value, np.generic) and value.dtype.kind in "biufc")


def _describe(value) -> str:
    """What arrived, in a few words: its type and, for arrays, shape and dtype."""
    if isinstance(value, np.ndarray):
        kind = "an array" if type(value) is np.ndarray else f"a {type(value).__name__} (an ndarray subclass)"
        return f"{kind} of shape {_shape(value.shape)} and dtype {value.dtype}"
    if type(value) in (list, tuple):
        return f"a {type(value).__name__} of length {len(value)}"
    if value is None:
        return "None"
    if isinstance(value, Number) or isinstance(value, np.generic):
        return f"the {type(value).__name__} {value!r}"
    return f"a {type(value).__module__}.{type(value).__qualname__}"


def _shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _num(x) -> str:
    return f"{x:.6g}" if isinstance(x, (float, np.floating)) else repr(x)


class Exercise:
    """The checks of one exercise's test cell; every failure message names the exercise and the function."""

    def __init__(self, number: int | str, function: str):
        self.number, self.function = number, function

    def _fail(self, what: str, expected: str, got: str, hint: str | None):
        __tracebackhide__ = True
        message = f"Exercise {self.number} ({self.function}), {what}: expected {expected}; got {got}."
        if hint:
            message += f"\nLikely mistake: {hint}"
        raise AssertionError(message)

    # -- the checks ------------------------------------------------------------------------------------
    def close(self, got, want, what: str, *, atol: float = 0.0, rtol: float = 0.0, hint: str | None = None):
        """Numbers within ``|got - want| <= atol + rtol * |want|``, element-wise (NaN only where ``want`` has NaN).

        ``got`` may be any container of numbers (array, list, tuple, pandas object, scalar); its shape must be
        ``want``'s shape exactly (a scalar ``want`` stands for an array of ``got``'s shape).

        Returns:
            ``got`` as a float64 array, for further checks.
        """
        __tracebackhide__ = True
        tol = " and ".join(p for p in (f"atol={atol:g}" if atol else "", f"rtol={rtol:g}" if rtol else "") if p)
        tol = tol or "exactly"
        expected_arr = plain(want, numeric=True)
        try:
            got_arr = plain(got, numeric=True)
        except NotPlain as exc:
            self._fail(what, f"numbers of shape {_shape(expected_arr.shape)}", str(exc).removeprefix("expected "), hint)
        if expected_arr.ndim == 0 and got_arr.ndim:
            expected_arr = np.broadcast_to(expected_arr, got_arr.shape)
        expected = f"shape {_shape(expected_arr.shape)} within {tol}"
        if got_arr.shape != expected_arr.shape:
            self._fail(what, expected, f"shape {_shape(got_arr.shape)}", hint)
        nan_ok = np.isnan(expected_arr) & np.isnan(got_arr)
        diff = np.where(nan_ok, 0.0, np.abs(got_arr - expected_arr))
        bad = ~(diff <= atol + rtol * np.abs(expected_arr))  # NaN differences are bad
        if bad.any():
            worst = np.unravel_index(int(np.argmax(np.where(bad, np.nan_to_num(diff, nan=np.inf), -1.0))), bad.shape)
            where = f" at index {tuple(int(i) for i in worst)}" if got_arr.ndim else ""
            detail = (
                f"{int(bad.sum())} of {bad.size} values off, largest difference {_num(diff[worst])}{where} "
                f"(got {_num(got_arr[worst])}, expected {_num(expected_arr[worst])})"
            )
            self._fail(what, expected, f"shape {_shape(got_arr.shape)}, {detail}", hint)
        return got_arr

    def equal(self, got, want, what: str, *, hint: str | None = None):
        """Exactly equal as plain data (ints, strings, bools, tuples, dicts, integer arrays); ``got`` converted."""
        __tracebackhide__ = True
        try:
            got_plain = plain(got)
        except NotPlain as exc:
            self._fail(what, repr(plain(want)), str(exc).removeprefix("expected "), hint)
        want_plain = plain(want)
        if isinstance(want_plain, np.ndarray) or isinstance(got_plain, np.ndarray):
            g, w = np.asarray(got_plain), np.asarray(want_plain)
            if g.shape != w.shape or not np.array_equal(g, w):
                self._fail(what, f"the array {_short(w)}", f"{_short(g)}", hint)
            return got_plain
        if type(want_plain) is bool or type(got_plain) is bool:
            ok = type(got_plain) is type(want_plain) and got_plain == want_plain
        elif isinstance(want_plain, (int, float)) and isinstance(got_plain, (int, float)):
            ok = got_plain == want_plain
        else:
            ok = type(got_plain) is type(want_plain) and got_plain == want_plain
        if not ok:
            self._fail(what, repr(want_plain), repr(got_plain), hint)
        return got_plain

    def shape(self, got, shape: tuple, what: str, *, hint: str | None = None):
        """An array-like of exactly this shape (``None`` in ``shape`` matches any size)."""
        __tracebackhide__ = True
        try:
            arr = plain(got, numeric=True)
        except NotPlain as exc:
            self._fail(what, f"an array of shape {_shape(shape)}", str(exc).removeprefix("expected "), hint)
        ok = arr.ndim == len(shape) and all(e is None or e == s for e, s in zip(shape, arr.shape, strict=False))
        if not ok:
            self._fail(
                what, f"shape {_shape(['?' if e is None else e for e in shape])}", f"shape {_shape(arr.shape)}", hint
            )
        return arr

    def true(
        self, condition, what: str, *, hint: str | None = None, expected: str = "it to hold", got: str = "it does not"
    ):
        """A property the test computed itself (a plain ``bool``) holds."""
        __tracebackhide__ = True
        if not bool(plain(condition) if not isinstance(condition, (bool, np.bool_)) else condition):
            self._fail(what, expected, got, hint)

    def raises(self, error: type[BaseException], fn, *args, what: str, hint: str | None = None, **kwargs):
        """``fn(*args, **kwargs)`` raises ``error`` (or a subclass); returns the exception."""
        __tracebackhide__ = True
        try:
            fn(*args, **kwargs)
        except error as exc:
            return exc
        except Exception as exc:  # noqa: BLE001 - the wrong kind of error is the failure being reported
            self._fail(what, f"a {error.__name__}", f"a {type(exc).__name__}: {str(exc)[:200]}", hint)
        self._fail(what, f"a {error.__name__}", "no error", hint)

    # -- each exercise on its own -------------------------------------------------------------------
    def alone(self, fn, **stand_ins):
        """``fn`` with the course's reference standing in for the functions of earlier exercises.

        Args:
            fn: the student's function for this exercise.
            stand_ins: name -> callable: during each call, the name ``fn``'s code looks up (for example
                ``lstm_step_forward``) is this callable, whatever the student wrote for that exercise.

        Returns:
            A function taking ``fn``'s arguments.
        """
        judge = sys.modules.get("autograder.judge")
        if judge is not None and getattr(judge, "is_student_function", lambda f: False)(fn):
            return judge.with_stand_ins(fn, stand_ins)

        def call(*args, **kwargs):
            ns = getattr(fn, "__globals__", None)
            if ns is None:
                return fn(*args, **kwargs)
            missing = object()
            saved = {name: ns.get(name, missing) for name in stand_ins}
            ns.update(stand_ins)
            try:
                return fn(*args, **kwargs)
            finally:
                for name, old in saved.items():
                    if old is missing:
                        ns.pop(name, None)
                    else:
                        ns[name] = old

        call.__name__ = getattr(fn, "__name__", "function")
        return call


def _short(arr: np.ndarray) -> str:
    text = np.array2string(np.asarray(arr), threshold=12, precision=4)
    return text if len(text) < 200 else text[:200] + "..."


def exercise(number: int | str, function: str) -> Exercise:
    """The checks for one exercise's test cell.

    Args:
        number: the exercise's number in its lesson (``2``), shown in every message.
        function: the name of the student's function the exercise asks for, shown in every message.

    Returns:
        An :class:`Exercise`; each of its checks raises ``AssertionError`` in the course's message template.
    """
    return Exercise(number, function)
