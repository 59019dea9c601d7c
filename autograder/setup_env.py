"""The steps after installing the course into an environment (a venv or a conda environment), in one place.

    python -m autograder.setup_env [--prefix PREFIX]

- ``PREFIX/etc/ipython/ipython_kernel_config.py``: kernels started from the environment keep TensorFlow's
  C++ stderr out of cell outputs (``autograder/ipython_kernel_config.py``);
- removes ``rfc3987-syntax`` when present: jsonschema imports it only for its optional "iri" format check,
  and it builds a lark grammar at import, 1.7 s more for every process that imports nbformat (each nbgrader
  command, each grading task; python-jsonschema/jsonschema#1392);
- in a conda environment (``PREFIX/conda-meta`` exists), activation scripts
  ``PREFIX/etc/conda/activate.d/lstm-course.sh`` and ``deactivate.d/lstm-course.sh`` that set and unset what
  ``make`` exports for every command: ``JUPYTER_CONFIG_PATH`` (the course's nbgrader and JupyterLab
  configuration, this repository's ``autograder/``), ``TF_CPP_MIN_LOG_LEVEL=3``, ``KERAS_BACKEND=tensorflow``.

``make`` runs it for ``.venv``; conda users run it once after ``conda env create -f environment.yml``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def settings() -> dict[str, str]:
    """The environment ``make`` exports for every command (Makefile, top)."""
    return {
        "JUPYTER_CONFIG_PATH": str(REPO / "autograder"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "KERAS_BACKEND": "tensorflow",
    }


def setup(prefix: Path, uninstall: bool = True) -> list[Path]:
    prefix = Path(prefix)
    written = []
    ipython = prefix / "etc" / "ipython"
    ipython.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "autograder" / "ipython_kernel_config.py", ipython / "ipython_kernel_config.py")
    written.append(ipython / "ipython_kernel_config.py")
    if (prefix / "conda-meta").is_dir():
        on, off = prefix / "etc" / "conda" / "activate.d", prefix / "etc" / "conda" / "deactivate.d"
        on.mkdir(parents=True, exist_ok=True)
        off.mkdir(parents=True, exist_ok=True)
        values = settings()
        lines = ["# the LSTM course (autograder/setup_env.py): what `make` exports"]
        for k, v in values.items():
            lines += [f'export _LSTM_OLD_{k}="${{{k}-}}"', f'export {k}="{v}"']
        (on / "lstm-course.sh").write_text("\n".join(lines) + "\n")
        undo = ["# the LSTM course (autograder/setup_env.py)"]
        for k in values:
            undo += [f'if [ -n "${{_LSTM_OLD_{k}}}" ]; then export {k}="${{_LSTM_OLD_{k}}}"; else unset {k}; fi',
                     f"unset _LSTM_OLD_{k}"]  # fmt: skip
        (off / "lstm-course.sh").write_text("\n".join(undo) + "\n")
        written += [on / "lstm-course.sh", off / "lstm-course.sh"]
    if uninstall:
        python = prefix / "bin" / "python"
        python = python if python.exists() else Path(sys.executable)
        subprocess.run(
            [str(python), "-m", "pip", "uninstall", "--quiet", "--yes", "rfc3987-syntax"],
            capture_output=True,
            check=False,
        )
    return written


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--prefix", default=sys.prefix, help="the environment (default: this Python's)")
    a = p.parse_args(argv)
    for path in setup(Path(a.prefix)):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
