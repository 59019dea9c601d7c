"""nbgrader configuration for the LSTM course.

Made active by the Makefile (``JUPYTER_CONFIG_PATH=autograder``) for every nbgrader command and for
JupyterLab's formgrader, assignment list and validate button. Paths are relative to the repository root:

    solutions/<lesson>/   instructor source (nbgrader "source")
    lessons/<lesson>/     student release   (nbgrader "release", committed)
    .course/              git-ignored: gradebook.db, submitted/, autograded/, feedback/, exchange/

Override any of these with environment variables (used by the tests and by ``make grade-demo``):
``LSTM_COURSE_ROOT`` (course root), ``LSTM_COURSE_DB`` (SQLAlchemy URL of the gradebook, e.g. a
PostgreSQL one for a large class), ``LSTM_COURSE_EXCHANGE`` (exchange folder).
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

REPO = Path(__file__).resolve().parent.parent
ROOT = Path(os.environ.get("LSTM_COURSE_ROOT", REPO))
WORK = ROOT / ".course"

# nbgrader runs `alembic` by name when it creates a new gradebook: make the course environment's
# commands found however nbgrader was started (make, .venv/bin/nbgrader by hand, JupyterLab).
_bin = str(Path(sys.executable).parent)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

c.CourseDirectory.course_id = "lstm-course"
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "lessons"
c.CourseDirectory.submitted_directory = ".course/submitted"
c.CourseDirectory.autograded_directory = ".course/autograded"
c.CourseDirectory.feedback_directory = ".course/feedback"
c.CourseDirectory.db_url = os.environ.get("LSTM_COURSE_DB", f"sqlite:///{WORK / 'gradebook.db'}")
if c.CourseDirectory.db_url.startswith("sqlite:///"):
    # SQLite cannot create the gradebook's folder: a fresh clone has no .course/ yet.
    Path(c.CourseDirectory.db_url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
# Never copied from solutions/ into lessons/: the lesson's paired text source (it holds the answers and
# the hidden tests) and the answer catalogues that sit beside it.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "*.h5",
    "*.keras",
    "*.py",
    "*.yaml",
    "jupytext.toml",
]

c.Exchange.root = os.environ.get("LSTM_COURSE_EXCHANGE", str(WORK / "exchange"))
c.Exchange.path_includes_course = True
# One machine, one OS user for every student in a demo or a laptop install.
c.CollectApp.check_owner = False

# Stubs students see in place of the solution regions.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Executing notebooks (validate, autograde): a lesson cell may train a small model.
c.ExecutePreprocessor.timeout = 180
c.ExecutePreprocessor.interrupt_on_timeout = True
# TensorFlow's C++ runtime writes to the process's stderr; keep it out of cell outputs.
c.ExecutePreprocessor.extra_arguments = ["--IPKernelApp.capture_fd_output=False"]
# When the notebook has run, its kernel is killed rather than asked to shut down: every output is already
# collected, and a kernel that imported TensorFlow took 1-6 s to exit gracefully (bench: lesson 03 autograded
# in 12.7 s instead of 18.7 s, 05 in 16.7 s instead of 18.0 s, measured side by side).
c.ExecutePreprocessor.shutdown_kernel = "immediate"

# Autograding survives bad submissions (autograder/README.md, "Bad submissions and the sandbox"):
# student code runs in a bubblewrap sandbox with time and memory limits; the graded test cells run in a
# trusted checker kernel that calls the student's functions over a plain-data channel; a cell that
# kills or hangs the kernel loses its own points only; deleted test cells are put back and graded.
c.Autograde.autograde_preprocessors = [
    "autograder.preprocessors.JudgedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.sanitize.ReadableTestOutputs",  # an unreadable test output scores 0 for its cell, with a note
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.OverwriteCells.add_missing_cells = True

# Grading skips what no grade needs (autograder/skipping.py): cells a lesson tags `demo` are not re-run
# when nothing that runs needs them. Validate reads the student's tags through this hook; autograde
# (JudgedExecute) decides from the instructor's notebook instead, and keeps the student's outputs.
import autograder.skipping  # noqa: E402

c.Execute.skip_cells_with_tag = autograder.skipping.SKIP_NOW
c.Execute.on_notebook_start = autograder.skipping.mark_for_validate

# Feedback never shows hidden tests: neither their source nor their lines in tracebacks.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.preprocessors.HideHiddenTestTracebacks",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Each part below configures itself in its own module (autograder/README.md explains them):
# the sandbox's limits, the refusal of anything but the student's own regular files, and the repair
# of honest mistakes (duplicate grade_ids, marker strings, changed metadata) before grading.
import autograder.sandbox  # noqa: E402
import autograder.sanitize  # noqa: E402
import autograder.submission_files  # noqa: E402

autograder.sandbox.configure(c)
autograder.submission_files.configure(c)
autograder.sanitize.configure(c)
