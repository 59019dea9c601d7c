"""IPython extension loaded into every autograding kernel before any student code runs.

Before each cell it puts back what a student's cell may have tampered with to make tests pass:

- the ``builtins`` (``AssertionError``, ``isinstance``, ``print`` ...),
- the checking functions of ``numpy.testing`` / ``numpy`` (``assert_allclose``, ``allclose``, ...),
  of ``math`` and of ``unittest``,
- names in the notebook's namespace that were bound to those functions or modules (``np``,
  ``assert_allclose`` imported by the setup cell, ...) and have been redefined since,
- IPython's error display (``showtraceback``, custom exception handlers) and ``sys.excepthook``.

So a monkeypatch in a solution cell lasts until the end of that cell, and the test cells run with the
real functions. This is a guard against the common tricks, not a security boundary: code that runs in
the same process can always find and undo it (e.g. by patching from inside a function that the test
cell calls). The grader also scores a cell as failed whenever the kernel reports an error for it, even
if nothing was displayed (nbgrader's ``Execute.on_cell_executed``).
"""

from __future__ import annotations

import builtins
import sys
import types

_GUARDED_MODULES = ("numpy", "numpy.testing", "numpy.testing._private.utils", "math", "unittest", "unittest.case")
_SHELL_ATTRS = (
    "showtraceback",
    "_showtraceback",
    "showsyntaxerror",
    "run_cell",
    "run_cell_async",
    "run_code",
    "run_ast_nodes",
    "CustomTB",
    "custom_exceptions",
    "InteractiveTB",
    "SyntaxTB",
    "events",
)


class Guard:
    def __init__(self, shell):
        self.shell = shell
        self.builtins = dict(vars(builtins))
        self.modules = {}
        for name in _GUARDED_MODULES:
            try:
                module = __import__(name, fromlist=["_"])
            except Exception:  # noqa: BLE001 - a module that is not installed needs no guard
                continue
            self.modules[name] = (module, dict(vars(module)))
        self.sys_attrs = {k: getattr(sys, k) for k in ("excepthook", "displayhook", "modules", "meta_path")}
        self.shell_attrs = {k: shell.__dict__[k] for k in _SHELL_ATTRS if k in shell.__dict__}
        self.shell_class_attrs = {
            cls: dict(vars(cls)) for cls in type(shell).__mro__ if cls.__module__.startswith(("IPython", "ipykernel"))
        }
        self.callbacks = list(shell.events.callbacks["pre_run_cell"])
        # Objects that names in the user namespace may be bound to and that must stay what they are.
        self.trusted = {id(m): m for m, _ in self.modules.values()}
        for _, snap in self.modules.values():
            for value in snap.values():
                if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type, types.ModuleType)):
                    self.trusted[id(value)] = value
        self.bindings: dict[str, object] = {}

    def _restore_dict(self, target: dict, snapshot: dict) -> None:
        for key, value in snapshot.items():
            if target.get(key, _MISSING) is not value:
                target[key] = value

    def restore(self, *args, **kwargs) -> None:
        shell = self.shell
        self._restore_dict(vars(builtins), self.builtins)
        for module, snap in self.modules.values():
            self._restore_dict(vars(module), snap)
            sys.modules.setdefault(module.__name__, module)
            if sys.modules.get(module.__name__) is not module:
                sys.modules[module.__name__] = module
        for key, value in self.sys_attrs.items():
            if getattr(sys, key) is not value:
                setattr(sys, key, value)
        for cls, snap in self.shell_class_attrs.items():
            for key, value in snap.items():
                if key.startswith("__") and key.endswith("__"):
                    continue
                if cls.__dict__.get(key, _MISSING) is not value:
                    setattr(cls, key, value)
        for key in _SHELL_ATTRS:
            if key in self.shell_attrs:
                if shell.__dict__.get(key, _MISSING) is not self.shell_attrs[key]:
                    shell.__dict__[key] = self.shell_attrs[key]
            elif key in shell.__dict__ and key not in ("events",):
                del shell.__dict__[key]
        shell.custom_exceptions = ()
        cbs = shell.events.callbacks["pre_run_cell"]
        for cb in self.callbacks:
            if cb not in cbs:
                cbs.insert(0, cb)
        # Names bound to trusted objects after an earlier cell and rebound since: put them back.
        ns = shell.user_ns
        for name, value in self.bindings.items():
            if ns.get(name, _MISSING) is not value:
                ns[name] = value

    def record(self, *args, **kwargs) -> None:
        """After a cell: remember the names now bound to trusted objects (imports by the lesson)."""
        for name, value in list(self.shell.user_ns.items()):
            if not name.startswith("_") and id(value) in self.trusted and self.trusted[id(value)] is value:
                self.bindings.setdefault(name, value)


_MISSING = object()


def load_ipython_extension(shell) -> None:
    guard = Guard(shell)
    shell.events.register("pre_run_cell", guard.restore)
    shell.events.register("post_run_cell", guard.record)
    guard.callbacks = list(shell.events.callbacks["pre_run_cell"])
    guard.post_callbacks = list(shell.events.callbacks["post_run_cell"])
