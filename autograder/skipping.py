"""Grading skips what no grade needs: demonstration cells are not re-run by autograde or Validate.

A lesson marks the ordinary code cells that only train demonstration models, plot or print with the cell
tag ``demo`` (``# %% tags=["demo"]`` in the lesson's text source; CONTRIBUTING.md). When a notebook is
graded or validated, such a cell is not run, unless something that does run may need it:

- **which cells may be skipped** is decided from the instructor's notebook, never from the submission:
  in autograde, a student's cell is a candidate only if its source is exactly the source of a ``demo``
  cell of the instructor's notebook (a cell the student edited runs, whatever its tags say; nbgrader's
  own cells, answers and tests, are never candidates). In Validate, which runs in the student's own
  server and decides nothing, the student's tags are used.
- **what must run anyway** (:func:`cells_to_skip`): a candidate runs when a cell that runs reads a name
  it binds, or a name it reads (it may change that object: ``model.fit(...)``, ``rng.normal()``,
  ``x[0] = ...``); module names do not count. The rule is applied until nothing changes, over the names of
  whole cells (function bodies included), so it errs on the side of running. So a student's answer that
  uses a model trained in a demonstration cell (``lstm_all.predict``) gets that cell, and the cells it
  needs, run. A cell that does not parse reads every name: nothing is skipped for it.

What the rule cannot see: changes through module state (``np.random.seed``, Keras' seed and layer-name
counters). Graded code draws from its own seeded generators, and ``tests/test_skipping.py`` shows, for
every lesson, that no cell that grading runs reads what only a demonstration cell makes, and that scores
with and without skipping agree for the solution, the blank lesson, and every wrong and right answer.

A skipped cell keeps the student's own outputs, reduced to text and PNG images (no HTML or scripts
reach the formgrader), under a label saying they were not re-run (:func:`label_kept_outputs`).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Iterable

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearOutput

TAG = "demo"  # the lesson's mark: a demonstration cell that no grade needs
SKIP_NOW = "autograder-skip-now"  # set on the cells a run skips (nbclient's ``skip_cells_with_tag``)
LABEL = (
    "[grader: this demonstration cell was not re-run when grading; the output below is from the student's own run]\n"
)
KEPT_MIMES = ("text/plain", "image/png")
_BUILTINS = set(dir(builtins))


# -- the names of a cell -------------------------------------------------------------------------------
class Names:
    """What one cell binds, reads before binding it, and imports (``unknown``: it could not be read, so it
    may read anything). Statements are followed in order, into loops, branches and ``with`` blocks; names a
    function body reads count as reads of the cell (they are looked up when it is called)."""

    def __init__(self, source: str):
        self.binds: set[str] = set()
        self.reads: set[str] = set()
        self.modules: set[str] = set()
        self.functions: set[str] = set()  # the functions and classes it defines at its top level
        code = _python(source)
        self.unknown = code is None
        if code is None:
            return
        self._block(ast.parse(code).body)
        self.reads -= _BUILTINS

    def _expr(self, *nodes) -> None:
        for node in nodes:
            if node is not None:
                loads, binds, nested = _scan(node)
                self.reads |= (loads | nested) - self.binds
                self.binds |= binds

    def _block(self, stmts) -> None:
        for stmt in stmts:
            if isinstance(stmt, (ast.For, ast.AsyncFor)):
                self._expr(stmt.iter, stmt.target)
                self._block(stmt.body + stmt.orelse)
            elif isinstance(stmt, (ast.While, ast.If)):
                self._expr(stmt.test)
                self._block(stmt.body + stmt.orelse)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    self._expr(item.context_expr, item.optional_vars)
                self._block(stmt.body)
            elif isinstance(stmt, ast.Try):
                self._block(stmt.body)
                for handler in stmt.handlers:
                    self._expr(handler.type)
                    if handler.name:
                        self.binds.add(handler.name)
                    self._block(handler.body)
                self._block(stmt.orelse + stmt.finalbody)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                loads, binds, nested = _scan(stmt)
                self.reads |= (loads | nested) - binds - self.binds
                self.binds.add(stmt.name)
                self.functions.add(stmt.name)
            else:
                if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    self.modules.update((a.asname or a.name).split(".")[0] for a in stmt.names)
                self._expr(stmt)


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_SCOPES = (*_FUNCTIONS, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _scan(node) -> tuple[set[str], set[str], set[str]]:
    """(names loaded in ``node``'s scope, names bound in it, free names of the scopes nested in it).

    For a function, class or comprehension ``node``, its own scope; for any other node, the scope it is in.
    """
    loads, binds, nested = set(), set(), set()
    if isinstance(node, _FUNCTIONS):
        args = node.args
        binds |= {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a}
        todo = list(node.body) if isinstance(node.body, list) else [node.body]
        outer = [*args.defaults, *(d for d in args.kw_defaults if d is not None), *getattr(node, "decorator_list", [])]
    elif isinstance(node, ast.ClassDef):
        todo, outer = list(node.body), [*node.bases, *node.decorator_list, *(k.value for k in node.keywords)]
    elif isinstance(node, _SCOPES):  # a comprehension: its loop targets are its own
        todo, outer = list(ast.iter_child_nodes(node)), []
    else:
        todo, outer = [node], []
    for expr in outer:  # evaluated in the enclosing scope: count them as its reads
        inner_loads, _, inner_nested = _scan(expr)
        nested |= inner_loads | inner_nested
    while todo:
        n = todo.pop()
        if n is not node and isinstance(n, _SCOPES):
            inner_loads, inner_binds, inner_nested = _scan(n)
            nested |= (inner_loads | inner_nested) - inner_binds
            if hasattr(n, "name"):
                binds.add(n.name)
            continue
        if isinstance(n, ast.Name):
            (loads if isinstance(n.ctx, ast.Load) else binds).add(n.id)
        elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
            loads.add(n.target.id)  # x += 1 reads x
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            binds.update((a.asname or a.name).split(".")[0] for a in n.names)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            binds.update(n.names)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            binds.add(n.name)
        todo += list(ast.iter_child_nodes(n))
    return loads, binds, nested


# Magics whose argument is Python code (read as such); those in QUIET_MAGICS change nothing a cell reads.
CODE_MAGICS = {"time", "timeit", "prun", "capture"}
QUIET_MAGICS = {"matplotlib", "config", "load_ext", "reload_ext", "autoreload", "precision", "pylab", "env"}


def _python(source: str) -> str | None:
    """The cell as Python, as the kernel runs it: IPython's magics become calls, and the code a ``%time``
    or ``%%capture`` runs is read as code. ``None`` when the cell holds code we cannot read (a syntax
    error, ``%run``, ``%load``, any other magic): it may read anything."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        code = TransformerManager().transform_cell(source)
        tree = ast.parse(code)
    except Exception:  # noqa: BLE001 - a cell IPython cannot read is a cell we cannot analyse
        return None
    extra = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr in ("run_line_magic", "run_cell_magic"):
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            if args and args[0] in QUIET_MAGICS:
                continue
            if not args or args[0] not in CODE_MAGICS or any(not isinstance(a, str) for a in args):
                return None
            extra += [a for a in args[1:] if a.strip()]
    inner = [_python(e) for e in extra]
    if any(i is None for i in inner):
        return None
    return "\n".join([code, *inner])


# -- which cells a run skips --------------------------------------------------------------------------------
def cells_to_skip(cells: list, candidate: Callable[[NotebookNode], bool]) -> set[int]:
    """Indices of the code cells to skip: candidates (never an nbgrader cell) that nothing run may need."""
    from autograder.notebooks import nbgrader_meta

    code = [(i, c) for i, c in enumerate(cells) if c.cell_type == "code"]
    names = {i: Names(c.source) for i, c in code}
    # Calling a module's or a function's name does not change what it is: those reads are not effects.
    inert = set().union(*(n.modules | n.functions for n in names.values())) if names else set()
    skip = {i for i, c in code if not nbgrader_meta(c) and candidate(c)}
    if any(names[i].unknown for i, _ in code if i not in skip):
        return set()  # a cell that runs may read anything
    while True:
        needed = set().union(*(names[i].reads for i, _ in code if i not in skip))
        run = {i for i in skip if names[i].unknown or (names[i].binds | (names[i].reads - inert)) & needed}
        if not run:
            return skip
        skip -= run


def demo_sources(cells: Iterable) -> set[str]:
    """The sources of the instructor notebook's ``demo`` cells (what a student's unchanged cell holds)."""
    from autograder.notebooks import nbgrader_meta

    return {
        c.source.strip()
        for c in cells
        if c.cell_type == "code" and TAG in c.metadata.get("tags", []) and not nbgrader_meta(c)
    }


def mark(cells: list, skip: set[int]) -> None:
    """Tag exactly the cells in ``skip`` with :data:`SKIP_NOW` (whatever tags the submission carried)."""
    for i, cell in enumerate(cells):
        tags = [t for t in cell.metadata.get("tags", []) if t != SKIP_NOW]
        if i in skip:
            tags.append(SKIP_NOW)
        if tags or "tags" in cell.metadata:
            cell.metadata["tags"] = tags


def mark_for_validate(notebook) -> None:
    """``Execute.on_notebook_start`` hook for Validate: skip the student's ``demo`` cells nothing needs."""
    mark(notebook.cells, cells_to_skip(notebook.cells, lambda c: TAG in c.metadata.get("tags", [])))


# -- what a skipped cell shows -------------------------------------------------------------------------------
def kept_outputs(outputs: list) -> list:
    """The student's outputs of a skipped cell, reduced to what cannot run in a reader's browser."""
    kept = []
    for out in outputs or []:
        kind = out.get("output_type")
        if kind == "stream" and isinstance(out.get("text"), str):
            kept.append(NotebookNode(output_type="stream", name="stdout", text=out["text"]))
        elif kind in ("execute_result", "display_data"):
            data = {m: v for m, v in (out.get("data") or {}).items() if m in KEPT_MIMES and isinstance(v, str)}
            if data:
                kept.append(NotebookNode(output_type="display_data", data=data, metadata={}))
        elif kind == "error":
            text = f"{out.get('ename', '')}: {out.get('evalue', '')}\n"
            kept.append(NotebookNode(output_type="stream", name="stdout", text=text))
    return kept


def label_kept_outputs(cell) -> None:
    """Put the label on a skipped cell's kept outputs (its outputs were reduced by ``ClearOutputKeepDemos``)."""
    cell.outputs = [NotebookNode(output_type="stream", name="stdout", text=LABEL), *cell.get("outputs", [])]


# -- in the grader -------------------------------------------------------------------------------------------
def instructor_notebook(config, resources):
    """The instructor's copy of the notebook being graded (``source/<assignment>/<notebook>.ipynb``), or None."""
    from pathlib import Path

    from nbgrader.coursedir import CourseDirectory

    info = (resources or {}).get("nbgrader", {})
    assignment, notebook = info.get("assignment"), info.get("notebook")
    if not assignment or not notebook:
        return None
    coursedir = CourseDirectory(config=config)
    path = Path(coursedir.format_path(coursedir.source_directory, ".", assignment)) / f"{notebook}.ipynb"
    return path if path.exists() else None


def instructor_demos(config, resources) -> set[str]:
    """The sources of the ``demo`` cells of the instructor's notebook (none when it is not found)."""
    from autograder.notebooks import read

    path = instructor_notebook(config, resources)
    return demo_sources(read(path).cells) if path is not None else set()


class ClearOutputKeepDemos(ClearOutput):
    """nbgrader's ClearOutput (the first step of autograde), except that a cell the grader may skip (its
    source is a ``demo`` cell of the instructor's notebook) keeps the student's outputs, as text and PNG
    images only (:func:`kept_outputs`). If the cell is run after all, running it replaces them."""

    def preprocess(self, nb, resources):
        self._demos = instructor_demos(self.config, resources)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.source.strip() in self._demos:
            cell.outputs = kept_outputs(cell.get("outputs", []))
            return cell, resources
        return super().preprocess_cell(cell, resources, index)
