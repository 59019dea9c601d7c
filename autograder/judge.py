"""The trusted checker: the test cells run here, in a kernel where no student code ever ran.

While autograding, :class:`autograder.preprocessors.JudgedExecute` runs the student's cells in the
sandboxed student kernel and every graded test cell (visible and hidden parts) in a second, *checker*
kernel. Before each test cell the checker's namespace is emptied and rebuilt from trusted parts only:
the lesson's imports (taken from the instructor's notebook, not the submission) and, for each name of a
student function the cell reads, a :class:`StudentFunction` proxy. Calling a proxy sends the arguments,
as plain data (:mod:`autograder.channel`), to the stub in the student's kernel
(:mod:`autograder.judge_kernel`), which calls the student's function and sends back plain data or the
exception's type and message. The test's comparisons, expected values and messages never leave this
process, and nothing the student's kernel displays, configures or hooks reaches the test cell's outputs.

A call that runs past the cell's time limit is interrupted; a student kernel that dies or stops
answering fails the test cell and is restarted by the grader. When the student's function calls the
course's reference for the exercise being graded (:data:`refs`, from the exercise map), the call fails
with :class:`CalledTheReference`: calling the reference earns nothing.

The grading errors below derive from ``BaseException`` so that a test's ``except Exception`` (or
``pytest.raises(ValueError)``) cannot swallow them. The student's own exceptions arrive as the nearest
built-in exception class (a ``numpy.AxisError`` as ``ValueError``), so tests of error handling work.

This module is also the analysis the grader and the tests use: :func:`free_names` (what a test cell
reads) and :func:`plan` (per test cell: which student names to bind, which references to trip).
"""

from __future__ import annotations

import ast
import builtins
import threading
import time
from pathlib import Path
from queue import Empty

from autograder.channel import Codec

# -- grading errors (BaseException: a test's `except Exception` must not hide them) -------------------


class GradingError(BaseException):
    """The checker could not get an answer from the student's code."""


class CalledTheReference(GradingError):
    """The student's function called the course's reference implementation of the exercise."""


class StudentTimeout(GradingError):
    """The student's function ran past the test cell's time limit."""


class StudentKernelDied(GradingError):
    """The student's kernel died while running their function."""


class StudentKernelStuck(GradingError):
    """The student's kernel did not answer after an interrupt."""


class NotPlainData(GradingError):
    """The student's function returned something that cannot cross the channel."""


class StudentError(Exception):
    """An exception from the student's code whose class is not a built-in one."""


YOUR_CODE = "\n    (raised in your code: "  # marks the student's own exceptions in a test's error message
RESTART = ("StudentKernelDied", "StudentKernelStuck")  # error names after which the grader restarts the kernel


# -- analysis (used by the grader and the tests) ------------------------------------------------------
def free_names(source: str) -> set[str]:
    """Names a cell reads that it does not bind itself (nor are builtins), over the whole cell."""
    tree = ast.parse(source)
    bound, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return loaded - bound - set(dir(builtins))


def _code(source: str) -> str:
    from autograder.notebooks import strip_solution_markers

    lines = strip_solution_markers(source).split("\n")
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def plan(solution_notebook: Path) -> dict:
    """What the checker needs for one notebook, read from the instructor's copy (never the submission).

    Returns ``{"setup": <the import statements of the lesson's own cells>, "answers": [names the answer
    cells define], "cells": {test grade_id: {"names": [...], "refs": [...], "exercise": ...}}}``.
    """
    from autograder.exercise_map import helper_index, lesson_exercises
    from autograder.notebooks import grade_id, is_answer, is_test, read

    nb = read(solution_notebook)
    setup, answers = [], set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(_code(cell.source))
        if is_answer(cell):
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    answers.add(node.name)
                elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                    for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                        answers.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif not is_test(cell):
            setup += [ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    lesson = solution_notebook.parent
    exercises = {t: ex for ex in lesson_exercises(lesson.name, lesson.parent) for t in ex.tests}
    index = helper_index()  # the course's helpers: the reference of an exercise has its function's name
    for ex in exercises.values():
        ex.references = {n: [f"{m}.{n}" for m, _ in index.get(n, [])] for n in ex.functions}
    cells = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and is_test(cell):
            ex = exercises.get(grade_id(cell))
            cells[grade_id(cell)] = {
                "names": sorted(free_names(_code(cell.source)) & answers),
                "refs": sorted({r for refs in (ex.references.values() if ex else []) for r in refs}),
                "exercise": f"Exercise {ex.number}" if ex else None,
            }
    # Only the imports some test cell needs (a lesson's matplotlib costs the checker seconds, for nothing).
    needed = set().union(*[free_names(_code(c.source)) for c in nb.cells if c.cell_type == "code" and is_test(c)])
    setup = [line for line in dict.fromkeys(setup) if imported_names(line) & needed]
    return {"setup": "\n".join(setup), "answers": sorted(answers), "cells": cells}


def imported_names(statements: str) -> set[str]:
    """The names import statements bind (``import numpy as np`` binds ``np``, ``import a.b`` binds ``a``)."""
    return {
        (a.asname or a.name).split(".")[0]
        for node in ast.parse(statements).body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for a in node.names
    }


# -- the checker's side of the channel (runs in the checker kernel) -----------------------------------
class _Checker:
    def __init__(self):
        self.kc = None
        self.exported: dict[int, object] = {}
        self.deadline = float("inf")
        self.patience = 10.0  # seconds the student's kernel gets to stop after an interrupt
        self.refs: list[str] = []
        self.codec = Codec(self._export, self._remote, trusted=True)
        self.serving: str | None = None  # msg_id of the stub's serve() for the current test cell
        self.awaiting = False  # the stub is waiting in input() for the next request
        self.seq = 0  # number of the last request sent

    def connect(self, info: dict) -> None:
        from jupyter_client.blocking import BlockingKernelClient

        if self.kc is not None:  # the previous student's kernel: its heartbeat thread takes up to 1 s to stop
            threading.Thread(target=self.kc.stop_channels, daemon=True).start()
        kc = BlockingKernelClient()
        kc.load_connection_info(info)
        kc.start_channels(shell=True, iopub=False, stdin=True, hb=True, control=True)
        self.kc = kc
        self.serving, self.awaiting = None, False

    def _export(self, fn) -> dict:
        if isinstance(fn, StudentFunction):
            return {"side": "kernel", **({"name": fn.name} if fn.name else {"id": fn.handle})}
        self.exported[len(self.exported) + 1] = fn
        return {"id": len(self.exported)}

    def _remote(self, data: dict):
        return StudentFunction(handle=int(data["id"]))

    # -- one round trip ----------------------------------------------------------------------------
    def rpc(self, request: dict) -> dict:
        """Send one request to the stub; its reply. The stub's ``serve()`` stays open for the next one."""
        __tracebackhide__ = True
        import zmq

        kc = self.kc
        if kc is None:
            raise GradingError("the checker is not connected to the student's kernel")
        self.seq += 1  # the stub echoes it: a reply to anything else (a forged "result") is not the answer
        pending = [Codec.dumps({**request, "seq": self.seq})]
        if self.serving is None:  # the first request of this test cell: start serving, send it when ready
            self.serving = kc.execute("__lstm_judge__.serve()", silent=True, store_history=False, allow_stdin=True)
        elif self.awaiting:  # the stub waits in input() for the next request
            self.awaiting = False
            kc.input(pending.pop())
        msg_id = self.serving
        poller = zmq.Poller()
        poller.register(kc.stdin_channel.socket, zmq.POLLIN)
        poller.register(kc.shell_channel.socket, zmq.POLLIN)
        last_beat = time.monotonic()
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self._interrupt(msg_id)
            events = dict(poller.poll(timeout=min(max(remaining, 0.001), 2.0) * 1000))
            if not events:
                if time.monotonic() - last_beat > 2 and not kc.is_alive():
                    self.serving = None
                    raise StudentKernelDied("the kernel running your code died (it crashed, or went over a limit)")
                last_beat = time.monotonic()
                continue
            while kc.stdin_channel.msg_ready():
                msg = kc.stdin_channel.get_msg(timeout=0)
                if msg["parent_header"].get("msg_id") != msg_id or msg["msg_type"] != "input_request":
                    continue
                try:
                    message = Codec.loads(msg["content"]["prompt"])
                except ValueError:  # the student's own input() call: not part of the protocol
                    message = None
                op = message.get("op") if isinstance(message, dict) else None
                if op == "ready" and pending:
                    kc.input(pending.pop())
                elif op == "callback":
                    kc.input(Codec.dumps(self._callback(message)))
                elif op in ("result", "error") and not pending and message.get("seq") == self.seq:
                    self.awaiting = True  # answered with the next request, or "done" by finish()
                    return message
                else:
                    kc.input(Codec.dumps({"op": "raise", "types": ["RuntimeError"], "message": "unexpected request"}))
            while kc.shell_channel.msg_ready():
                msg = kc.shell_channel.get_msg(timeout=0)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                self.serving, self.awaiting = None, False  # serve() ended without answering
                content = msg["content"]
                return {
                    "op": "error",
                    "types": [str(content.get("ename", "RuntimeError")), "Exception"],
                    "message": str(content.get("evalue", "the grader's stub in your kernel failed"))[:1000],
                    "where": [],
                    "called": [],
                }

    def finish(self, timeout: float = 10.0) -> bool:
        """End the stub's ``serve()`` (the test cell is over): the student's kernel is free again.

        True when it ended; False when the kernel did not come back in ``timeout`` s (the grader's next
        cell then times out and the kernel is restarted, as for any stuck kernel)."""
        kc, msg_id = self.kc, self.serving
        if kc is None or msg_id is None:
            return True
        if self.awaiting:
            kc.input(Codec.dumps({"op": "done"}))
        else:  # a request is still running (the test cell was stopped while calling): interrupt it
            kc.control_channel.send(kc.session.msg("interrupt_request", {}))
        self.serving, self.awaiting = None, False
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            while kc.stdin_channel.msg_ready():  # a late request of the stub: the answer is "done"
                kc.stdin_channel.get_msg(timeout=0)
                kc.input(Codec.dumps({"op": "done"}))
            try:
                msg = kc.shell_channel.get_msg(timeout=0.05)
            except Empty:
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    def _interrupt(self, msg_id: str) -> None:
        __tracebackhide__ = True
        kc = self.kc
        self.serving, self.awaiting = None, False
        kc.control_channel.send(kc.session.msg("interrupt_request", {}))
        end = time.monotonic() + self.patience
        while time.monotonic() < end:
            if kc.shell_channel.msg_ready():
                msg = kc.shell_channel.get_msg(timeout=0)
                if msg["parent_header"].get("msg_id") == msg_id:
                    raise StudentTimeout("your code ran longer than the time limit of this test and was stopped")
            while kc.stdin_channel.msg_ready():
                kc.stdin_channel.get_msg(timeout=0)
                kc.input(Codec.dumps({"op": "raise", "types": ["KeyboardInterrupt"], "message": "time limit"}))
            time.sleep(0.05)
        raise StudentKernelStuck("your code ran past the time limit and did not stop when interrupted")

    def _callback(self, message: dict) -> dict:
        try:
            fn = self.exported[int(message["id"])]
            args = self.codec.decode(message["args"])
            kwargs = self.codec.decode(message["kwargs"])
            return {"op": "return", "value": self.codec.encode(fn(*args, **kwargs))}
        except Exception as exc:  # noqa: BLE001 - the test's function raised: tell the student's code
            return {"op": "raise", "types": [c.__name__ for c in type(exc).__mro__], "message": str(exc)[:1000]}


CHECKER = _Checker()


def install() -> None:
    """In the checker kernel: end the stub's ``serve()`` as soon as a test cell has run (``post_run_cell``
    fires for the grader's non-silent executions, that is the test cells, error or not)."""
    import warnings

    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None and not getattr(shell, "_lstm_checker_installed", False):
        shell.events.register("post_run_cell", lambda result: CHECKER.finish())
        shell._lstm_checker_installed = True
    # Warnings are not errors: nbgrader gives 0 to a test cell with any stderr output, so a warning (the
    # student's, replayed here, or a library's notice) is shown on stdout. A test that forbids warnings
    # says so and turns them into errors (``warnings.simplefilter("error")``), as lesson 03's sigmoid does.
    warnings.showwarning = _show_warning_on_stdout


def _show_warning_on_stdout(message, category, filename, lineno, file=None, line=None):
    import sys

    print(f"[warning, not an error] {category.__name__}: {message}", file=sys.stdout)


def _builtin_class(types: list[str], base: type, default: type) -> type:
    """The first of the class names ``types`` (a class's MRO, sent by the stub) that is a builtin subclass
    of ``base``; else ``default``."""
    for name in types:
        cls = getattr(builtins, str(name), None)
        if isinstance(cls, type) and issubclass(cls, base):
            return cls
    return default


def _builtin_exception(types: list[str]) -> type[BaseException]:
    return _builtin_class(types, Exception, StudentError)


def _raise_student_error(reply: dict, what: str):
    __tracebackhide__ = True
    types = [str(t) for t in reply.get("types", [])][:30]
    cls = _builtin_exception(types)
    shown = types[0] if types else "Exception"
    message = str(reply.get("message", ""))[:1000]
    where = [str(w)[:200] for w in reply.get("where", [])][:3]
    text = message if cls.__name__ == shown else f"{shown}: {message}"
    if where:
        text += YOUR_CODE + "; ".join(where) + ")"
    if shown in ("KeyboardInterrupt",):
        raise StudentTimeout(f"{what} was interrupted: it ran longer than the time limit")
    raise cls(text)


def _check_called(reply: dict, what: str):
    __tracebackhide__ = True
    called = [str(c) for c in reply.get("called", []) if str(c) in CHECKER.refs]
    if called:
        raise CalledTheReference(
            f"{what} called {', '.join(called)}, the course's own reference for this exercise: "
            "it earns no points. Write the computation yourself."
        )


class StudentFunction:
    """Stands for a function that lives in the student's kernel: calls cross the channel."""

    def __init__(self, name: str | None = None, handle: int | None = None):
        self.name, self.handle = name, handle
        self.__name__ = name or f"<function #{handle} of your code>"

    def __repr__(self):
        return f"<your function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        __tracebackhide__ = True
        return self.call_with({}, args, kwargs)

    def call_with(self, stand_ins: dict, args: tuple, kwargs: dict):
        """Call the student's function; during the call, each name of ``stand_ins`` in its namespace is the
        test's callable (run here, in the checker, as a callback): see :func:`with_stand_ins`."""
        __tracebackhide__ = True
        what = f"your {self.name}()" if self.name else "a function your code returned"
        codec = CHECKER.codec
        try:
            request = {
                "op": "call",
                "target": {"name": self.name} if self.name else {"id": self.handle},
                "args": codec.encode(list(args)),
                "kwargs": codec.encode(dict(kwargs)),
                "refs": CHECKER.refs,
                "context": _test_context(),
                "stand_ins": codec.encode({str(k): v for k, v in stand_ins.items()}),
            }
        except TypeError as exc:
            raise GradingError(f"the test cannot send its arguments to {what}: {exc}") from None
        reply = CHECKER.rpc(request)
        _check_called(reply, what)
        _replay_warnings(reply, what)
        if reply.get("op") == "error":
            _raise_student_error(reply, what)
        try:
            value = codec.decode(reply.get("value"))
            changed = [(path, codec.decode(v)) for path, v in reply.get("changed", [])]
        except Exception as exc:  # noqa: BLE001 - anything malformed from the student's side
            raise NotPlainData(f"{what} returned a value the grader cannot check: {exc}") from None
        for path, new in changed:  # the arrays the call changed in place: change the test's copies too
            _write_back((args, kwargs), path, new)
        return value


def is_student_function(fn) -> bool:
    """Is ``fn`` a proxy for a function in the student's kernel (the test cell runs in the checker)?"""
    return isinstance(fn, StudentFunction)


def with_stand_ins(fn: StudentFunction, stand_ins: dict):
    """``fn`` called with the course's reference standing in for earlier exercises' functions.

    Used by :meth:`helpers.grading.Exercise.alone`: while the student's function runs, the names in
    ``stand_ins`` (``lstm_step_forward``...) are, in the student's namespace, callbacks to the test's
    callables, which run here. A mistake in an earlier exercise then costs only that exercise."""

    def call(*args, **kwargs):
        __tracebackhide__ = True
        return fn.call_with(stand_ins, args, kwargs)

    call.__name__ = fn.__name__
    return call


# -- the test's context around a call: NumPy's error state and the warnings the test watches -----------
_BASE_WARNINGS: tuple = ()


def _warnings_watched() -> bool:
    """Has the test cell changed how warnings are handled (``catch_warnings``, ``simplefilter``)?"""
    import warnings

    if not _BASE_WARNINGS:
        return False
    filters, show, impl = _BASE_WARNINGS
    return (
        warnings.filters != filters
        or warnings.showwarning is not show
        or getattr(warnings, "_showwarnmsg_impl", None) is not impl
    )


def _test_context() -> dict:
    """What the student's function must run under: the test's ``np.errstate``, and whether to record warnings.

    A test such as ``with np.errstate(over="raise"): sigmoid(z)`` or ``with warnings.catch_warnings(): ...``
    sets this in the checker; the call must see it in the student's kernel, or an overflowing answer passes.
    """
    import numpy as np

    return {"errstate": dict(np.geterr()), "warnings": _warnings_watched()}


def _replay_warnings(reply: dict, what: str) -> None:
    """Warn here, under the test's filters, what the student's function warned during the call."""
    __tracebackhide__ = True
    import warnings

    for entry in list(reply.get("warnings", []) or [])[:50]:
        try:
            types, message = [str(t) for t in entry[0]][:30], str(entry[1])[:500]
        except (TypeError, IndexError, KeyError):
            continue
        warnings.warn(f"{message} (in {what})", _builtin_class(types, Warning, UserWarning), stacklevel=3)


def _write_back(roots, path, new) -> None:
    import numpy as np

    try:
        node = roots[0] if path[0] == "args" else roots[1]
        for key in path[1:-1] if len(path) > 1 else []:
            node = node[key]
        target = node[path[-1]] if len(path) > 1 else None
        if isinstance(target, np.ndarray) and target.shape == np.shape(new) and target.flags.writeable:
            np.copyto(target, np.asarray(new, dtype=target.dtype), casting="unsafe")
    except (KeyError, IndexError, TypeError, ValueError):
        pass


def prepare(ns: dict, setup: str, names: list[str], refs: list[str], timeout: float, patience: float = 10) -> None:
    """Rebuild the checker's namespace for the next test cell: the lesson's imports and the proxies."""
    keep = {k: v for k, v in ns.items() if k.startswith("__") or k in ("In", "Out", "get_ipython", "exit", "quit")}
    ns.clear()
    ns.update(keep)
    CHECKER.finish()
    CHECKER.exported.clear()
    CHECKER.refs = list(refs)
    CHECKER.deadline = time.monotonic() + timeout
    CHECKER.patience = float(patience)
    import warnings

    global _BASE_WARNINGS
    _BASE_WARNINGS = (list(warnings.filters), warnings.showwarning, getattr(warnings, "_showwarnmsg_impl", None))
    exec(compile(setup, "<lesson imports>", "exec"), ns)  # noqa: S102 - the instructor's import statements
    if not names:
        return
    reply = CHECKER.rpc({"op": "describe", "names": list(names)})
    kinds = reply.get("value", {}) if reply.get("op") == "result" else {}
    for name in names:
        kind = kinds.get(name, {}).get("kind") if isinstance(kinds.get(name), dict) else None
        if kind == "function":
            ns[name] = StudentFunction(name)
        elif kind == "value":
            try:
                ns[name] = CHECKER.codec.decode(kinds[name]["value"])
            except Exception:  # noqa: BLE001 - left undefined: the test fails with a NameError
                pass


def free_names_safe(source: str) -> set[str]:
    """:func:`free_names`, or no names for a cell that does not parse."""
    try:
        return free_names(_code(source))
    except SyntaxError:
        return set()
