"""Normalise notebooks for git: no outputs, no execution counts, no per-run metadata.

Usage: python -m autograder.strip PATH [PATH ...]   (files or folders, recursively)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def strip_notebook(path: Path) -> bool:
    """Strip one notebook in place; return True if it changed."""
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    after = nbformat.writes(nb)
    if after != before:
        path.write_text(after + ("" if after.endswith("\n") else "\n"))
        return True
    return False


def main(argv: list[str]) -> int:
    changed = 0
    for arg in argv or ["solutions", "lessons"]:
        p = Path(arg)
        files = [p] if p.suffix == ".ipynb" else sorted(p.rglob("*.ipynb"))
        for f in files:
            if ".ipynb_checkpoints" in f.parts:
                continue
            changed += strip_notebook(f)
    print(f"stripped {changed} notebook(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
