"""Benchmark: how long each lesson takes to run top to bottom, headless, as the autograder runs it.

Usage: python bench/run_lessons.py [LESSON ...]      (default: every lesson in solutions/)

Each solution notebook is executed in a fresh kernel of the course environment (nbclient, the same
kernel arguments as nbgrader's), and the wall time, including kernel start and imports, is reported.
The course's budget: NumPy lessons <= 30 s, Keras lessons <= 60-90 s on 2 cores.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from tqdm import tqdm

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def run(path: Path) -> tuple[float, int]:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        resources={"metadata": {"path": str(path.parent)}},
    )
    t0 = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - t0
    errors = sum(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    return elapsed, errors


def main(argv: list[str]) -> int:
    lessons = argv or sorted(p.name for p in (REPO / "solutions").glob("[0-9][0-9]-*") if p.is_dir())
    rows = []
    print(f"{'lesson':<26}{'notebook':<28}{'seconds':>9}{'errors':>8}")
    paths = [(lesson, p) for lesson in lessons for p in sorted((REPO / "solutions" / lesson).glob("*.ipynb"))]
    with tqdm(paths, desc="running lessons", unit="notebook", file=sys.stderr, disable=None) as bar:
        for lesson, path in bar:
            secs, errors = run(path)
            rows.append({"lesson": lesson, "notebook": path.name, "seconds": round(secs, 1), "errors": errors})
            bar.write(f"{lesson:<26}{path.name:<28}{secs:>9.1f}{errors:>8}", file=sys.stdout)
    total = sum(r["seconds"] for r in rows)
    print(f"{'total':<54}{total:>9.1f}")
    out = REPO / "artifacts" / "bench_lessons.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"cores": os.cpu_count(), "rows": rows, "total_seconds": round(total, 1)}, indent=1))
    print(f"written {out.relative_to(REPO)}")
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
