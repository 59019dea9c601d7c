"""The grader's stub inside the student's kernel while autograding: it computes, it never judges.

Loaded as an IPython extension before any student code runs (``--InteractiveShellApp.extra_extensions``).
The trusted checker (:mod:`autograder.judge`) runs ``__lstm_judge__.serve()`` in this kernel with
``allow_stdin``; everything else travels over the kernel's stdin channel as JSON (:mod:`autograder.channel`):

    kernel -> checker   {"op": "ready"}
    checker -> kernel   {"op": "describe", "names": [...]} or {"op": "call", "target": ..., "args": ..., "refs": [...]}
    kernel -> checker   {"op": "callback", ...}      (the student's code called a function the test passed in)
    checker -> kernel   {"op": "return", ...} / {"op": "raise", ...}
    kernel -> checker   {"op": "result", ...} / {"op": "error", ...}
    checker -> kernel   the next {"op": "describe"/"call", ...}, or {"op": "done"} at the end of the test cell

Nothing here decides a grade: the stub only calls the student's functions and sends back what they return,
the arrays they changed in place, what they raised, and whether they called the course's reference for the
exercise being graded (``refs``: those functions' code is swapped for a tripwire during the call). Code in
this process can undo any of it; then it only changes the data the checker judges, and the tampering
report (``autograder.flags``) lists it for a human.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import traceback
import warnings

import numpy as np

from autograder.channel import Codec

NAME = "__lstm_judge__"
_called: list[str] = []  # the tripwires write here (found through sys.modules, not through globals)
_genuine: dict[str, object] = {}  # reference name -> its function object, taken before any student code ran


def preload(refs: list[str]) -> None:
    """Take the course's reference functions now, before student code can replace them in their modules.

    Run by the grader through ``IPKernelApp.exec_lines`` (after the extensions, before the first cell).
    """
    for ref in refs:
        module_name, _, name = ref.rpartition(".")
        try:
            fn = getattr(importlib.import_module(module_name), name)
        except Exception:  # noqa: BLE001 - not importable here: nothing to call, nothing to trip
            continue
        if getattr(fn, "__code__", None) is not None:
            _genuine[ref] = fn


def _user_frames(exc: BaseException, limit: int = 3) -> list[str]:
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if "ipykernel_" in f.filename or f.filename.startswith("<")
    ]
    return [f"line {f.lineno}, in {f.name}: {(f.line or '').strip()[:160]}" for f in frames[-limit:]]


def _error_message(exc: BaseException) -> dict:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a student exception whose __str__ fails
        text = "<the exception's message could not be shown>"
    return {
        "op": "error",
        "types": [c.__name__ for c in type(exc).__mro__],
        "message": text[:1000],
        "where": _user_frames(exc),
    }


class Stub:
    def __init__(self, shell):
        self.shell = shell
        self.kernel = shell.kernel
        self.raw_input = shell.kernel.raw_input
        self.handles: dict[int, object] = {}
        self.codec = Codec(self._export, self._remote, trusted=False)

    # -- the channel -------------------------------------------------------------------------------
    def _ask(self, message: dict) -> dict:
        return Codec.loads(self.raw_input(Codec.dumps(message)))

    def _export(self, fn) -> dict:
        self.handles[len(self.handles) + 1] = fn
        return {"id": len(self.handles)}

    def _remote(self, data: dict):
        if data.get("side") == "kernel":  # one of this kernel's own functions, sent back by the checker
            if "name" in data:
                return self.shell.user_ns[str(data["name"])]
            return self.handles[int(data["id"])]
        handle = int(data["id"])

        def test_function(*args, **kwargs):  # a function of the test: it runs in the checker
            reply = self._ask(
                {
                    "op": "callback",
                    "id": handle,
                    "args": self.codec.encode(list(args)),
                    "kwargs": self.codec.encode(dict(kwargs)),
                }
            )
            if reply.get("op") == "return":
                return self.codec.decode(reply["value"])
            exc_type = next(
                (
                    getattr(builtins, n)
                    for n in reply.get("types", [])
                    if isinstance(getattr(builtins, n, None), type) and issubclass(getattr(builtins, n), BaseException)
                ),
                RuntimeError,
            )
            raise exc_type(reply.get("message", "the test's function raised an error"))

        return test_function

    # -- the student's side of a test ----------------------------------------------------------------
    def serve(self) -> None:
        """Answer the checker's requests until it says it is done with this test cell.

        One ``serve()`` execution serves a whole test cell: each reply goes out as the prompt of the next
        ``input()``, whose answer is the next request (or ``{"op": "done"}``), so a call costs two stdin
        messages, not a kernel execution."""
        request = self._ask({"op": "ready"})
        while isinstance(request, dict) and request.get("op") in ("describe", "call"):
            try:
                if request["op"] == "describe":
                    reply = {"op": "result", "value": self.describe(request["names"])}
                else:
                    reply = self.call(request)
            except BaseException as exc:  # noqa: BLE001 - everything the student's code raises goes to the checker
                reply = _error_message(exc)
            reply["called"] = sorted(set(_called))
            reply["seq"] = request.get("seq")
            _called.clear()
            try:
                text = Codec.dumps(reply)
            except Exception as exc:  # noqa: BLE001 - a result too large, or not plain data
                text = Codec.dumps({**_error_message(exc), "called": reply["called"], "seq": reply["seq"]})
            try:
                request = Codec.loads(self.raw_input(text))
            except ValueError:
                return

    def describe(self, names: list[str]) -> dict:
        ns, out = self.shell.user_ns, {}
        for name in names:
            if name not in ns:
                out[name] = {"kind": "missing"}
            elif callable(ns[name]) and not isinstance(ns[name], type):
                out[name] = {"kind": "function"}
            else:
                try:
                    out[name] = {"kind": "value", "value": self.codec.encode(ns[name])}
                except Exception as exc:  # noqa: BLE001
                    out[name] = {"kind": "unsupported", "message": str(exc)[:300]}
        return out

    def call(self, request: dict) -> dict:
        target = request["target"]
        fn = self.shell.user_ns[target["name"]] if "name" in target else self.handles[int(target["id"])]
        args = self.codec.decode(request["args"])
        kwargs = self.codec.decode(request["kwargs"])
        before = [(path, arr, arr.copy()) for path, arr in _arrays(("args",), args) + _arrays(("kwargs",), kwargs)]
        _called.clear()
        context = request.get("context") if isinstance(request.get("context"), dict) else {}
        stand_ins = self.codec.decode(request.get("stand_ins") or {})
        with (
            _tripwires(request.get("refs", [])),
            _stand_ins(self.shell.user_ns, stand_ins),
            _test_context(context) as seen,
        ):
            value = fn(*args, **kwargs)
        changed = [
            [list(path), self.codec.encode(arr)]
            for path, arr, copy in before
            if arr.shape != copy.shape or not np.array_equal(arr, copy, equal_nan=arr.dtype.kind in "fc")
        ]
        return {"op": "result", "value": self.codec.encode(value), "changed": changed, "warnings": _warned(seen)}


def _arrays(path: tuple, value) -> list:
    """(path, array) of every ndarray inside the arguments, to send back the ones the call changed in place."""
    if isinstance(value, np.ndarray):
        return [(path, value)]
    if isinstance(value, (list, tuple)):
        return [x for i, v in enumerate(value) for x in _arrays((*path, i), v)]
    if isinstance(value, dict):
        return [x for k, v in value.items() if isinstance(k, (str, int)) for x in _arrays((*path, k), v)]
    return []


@contextlib.contextmanager
def _stand_ins(ns: dict, stand_ins: dict):
    """During the call, the test's callables (callbacks to the checker) replace these names in the
    student's namespace: their function for this exercise uses the reference for earlier exercises."""
    missing = object()
    stand_ins = {str(k): v for k, v in stand_ins.items()} if isinstance(stand_ins, dict) else {}
    saved = {name: ns.get(name, missing) for name in stand_ins}
    ns.update(stand_ins)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is missing:
                ns.pop(name, None)
            else:
                ns[name] = old


_ERRSTATE = {"divide", "over", "under", "invalid"}


@contextlib.contextmanager
def _test_context(context: dict):
    """Run the call under the test's ``np.errstate``; record warnings when the test watches them."""
    errstate = context.get("errstate") if isinstance(context.get("errstate"), dict) else {}
    state = {k: v for k, v in errstate.items() if k in _ERRSTATE and v in ("ignore", "warn", "raise", "print")}
    with np.errstate(**state):
        if not context.get("warnings"):
            yield []
            return
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield caught


def _warned(seen) -> list:
    return [[[c.__name__ for c in w.category.__mro__], str(w.message)[:500]] for w in list(seen)[:50]]


class _tripwires:
    """Swap the code of the course's reference functions for code that records the call and raises."""

    def __init__(self, refs: list[str]):
        self.refs, self.saved = refs, []

    def __enter__(self):
        for ref in self.refs:
            fn = _genuine.get(ref)
            if fn is None:  # not preloaded (a notebook graded without a plan): look it up now
                module_name, _, name = ref.rpartition(".")
                try:
                    fn = getattr(importlib.import_module(module_name), name)
                except Exception:  # noqa: BLE001 - not importable here: nothing to call
                    continue
            code = getattr(fn, "__code__", None)
            if code is None:
                continue
            source = (
                "def tripwire(*args, **kwargs):\n"
                "    import sys\n"
                f"    sys.modules[{__name__!r}]._called.append({ref!r})\n"
                f"    raise RuntimeError({ref + ' is the reference of this exercise: grading does not call it'!r})\n"
            )
            scope: dict = {}
            exec(compile(source, "<grader tripwire>", "exec"), scope)  # noqa: S102 - our own constant code
            try:
                fn.__code__ = scope["tripwire"].__code__.replace(co_name=code.co_name)
            except ValueError:  # a closure: replace the module attribute instead
                continue
            self.saved.append((fn, code))
        return self

    def __exit__(self, *exc):
        for fn, code in self.saved:
            fn.__code__ = code
        return False


def load_ipython_extension(shell) -> None:
    stub = Stub(shell)
    shell.user_ns[NAME] = stub
    shell.user_ns_hidden[NAME] = stub

    def ask_exit():  # `exit()` / `quit()` in a lesson cell would end grading of the rest of the notebook
        print("exit() is ignored while the notebook is graded")

    shell.ask_exit = ask_exit
