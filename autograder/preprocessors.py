"""nbgrader preprocessors of the course (selected in ``autograder/nbgrader_config.py``).

``GuardedExecute``
    nbgrader's ``Execute`` for autograding, hardened against bad submissions: each kernel runs in the
    bubblewrap sandbox (:mod:`autograder.sandbox`) with the tamper guard (:mod:`autograder.sandbox.guard`);
    a cell that kills the kernel (``os._exit``, a segfault, the memory limit) or hangs it beyond
    interrupts is marked failed, the kernel is restarted, the cells before it are run again and grading
    goes on after it. So the offender loses that cell's points, not the whole notebook.

``HideHiddenTestTracebacks``
    For feedback: the error output of a test cell that has hidden tests is rebuilt without the test
    cell's own frames (which print the failing hidden line) and without NumPy's dumps of the hidden
    arrays; it says which test cell failed, whether in its visible or its hidden part, the error's
    message, and keeps the frames of the student's own code. Runs before ``ClearHiddenTests``.
"""

from __future__ import annotations

import re
from queue import Empty
from time import monotonic

from nbclient.client import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Integer, Unicode

from autograder.notebooks import grade_id, hidden_line_numbers, is_grade, is_solution

GUARD_EXTENSION = "autograder.sandbox.guard"


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(
        output_type="error", ename=ename, evalue=evalue, traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]
    )


class GuardedExecute(Execute):
    """nbgrader's Execute with the sandboxed kernel, the tamper guard and recovery from dead kernels."""

    sandbox = Bool(True, help="Run kernels in the bubblewrap sandbox (autograder.sandbox).").tag(config=True)
    guard = Bool(True, help=f"Load the tamper guard ({GUARD_EXTENSION}) into each kernel.").tag(config=True)
    max_restarts = Integer(4, help="Kernel restarts allowed per notebook before the rest is failed.").tag(config=True)
    responsive_timeout = Integer(
        30, help="Seconds a kernel may take to answer after a timed-out cell was interrupted."
    ).tag(config=True)
    solution_timeout = Integer(
        0,
        help="Time limit (s) of the cells holding a student's answer (nbgrader solution cells), which only "
        "define functions; 0: the same as `timeout`. Stops an endless loop sooner.",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.sandbox:
            from autograder.sandbox import SandboxKernelManager

            self.kernel_manager_class = SandboxKernelManager

    # -- helpers -------------------------------------------------------------------------------------
    async def _async_responsive(self, timeout: float) -> bool:
        msg_id = self.kc.kernel_info()
        deadline = monotonic() + timeout
        while (remaining := deadline - monotonic()) > 0:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=remaining))
            except Empty:
                return False
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    responsive = run_sync(_async_responsive)

    def _get_timeout(self, cell):
        limit = super()._get_timeout(cell)
        if cell is not None and self.solution_timeout and is_solution(cell):
            return self.solution_timeout if limit is None else min(limit, self.solution_timeout)
        return limit

    def _limits(self) -> str:
        if self.solution_timeout and self.solution_timeout < (self.timeout or 10**9):
            return f"{self.solution_timeout} s for an answer cell, {self.timeout} s for the others"
        return f"{self.timeout} s"

    @staticmethod
    def _timed_out(cell) -> bool:
        return any(
            o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])
        )

    # -- the run -------------------------------------------------------------------------------------
    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)  # (re)loads the config: set our traits after it
        if self.guard and not any(GUARD_EXTENSION in a for a in self.extra_arguments):
            self.extra_arguments = [*self.extra_arguments, f"--InteractiveShellApp.extra_extensions={GUARD_EXTENSION}"]
        self.error_on_timeout = {
            "ename": "CellTimeoutError",
            "evalue": f"this cell ran longer than the time limit ({self._limits()}) and was stopped",
            "traceback": [
                f"\x1b[0;31mCellTimeoutError\x1b[0m: this cell ran longer than the time limit "
                f"({self._limits()}) and was stopped. Look for an endless loop."
            ],
        }
        self._stuck = f"this cell ran longer than the time limit ({self._limits()}) and did not stop when interrupted"
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        cells = self.nb.cells
        skip: set[int] = set()  # cells not to run again after a restart
        start, restarts = 0, 0
        while start < len(cells):
            failed_at, why = None, ""
            with self.setup_kernel():
                info_msg = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
                for j in range(start):  # after a restart: the state the cells before had built
                    if j not in skip and cells[j].cell_type == "code":
                        try:
                            self.preprocess_cell(cells[j], resources, j)
                        except (DeadKernelError, CellTimeoutError):
                            failed_at, why = j, "the kernel died again while re-running the cells before a crash"
                            break
                        if self._timed_out(cells[j]):
                            skip.add(j)
                for index in range(start if failed_at is None else len(cells), len(cells)):
                    try:
                        self.preprocess_cell(cells[index], resources, index)
                    except DeadKernelError:
                        failed_at, why = (
                            index,
                            (
                                "the kernel died while running this cell (it crashed, called os._exit, or went "
                                "over the memory limit)"
                            ),
                        )
                        break
                    except CellTimeoutError:  # no output after the interrupt: the kernel is stuck
                        failed_at, why = index, self._stuck
                        break
                    if self._timed_out(cells[index]):
                        skip.add(index)
                        if not self.responsive(self.responsive_timeout):
                            failed_at, why = index, self._stuck
                            break
            if failed_at is None:
                break
            self.log.warning(
                "Cell %d of %s: %s; restarting the kernel",
                failed_at,
                (resources or {}).get("nbgrader", {}).get("notebook", "?"),
                why,
            )
            cell = cells[failed_at]
            cell.setdefault("outputs", []).append(
                _error(
                    "DeadKernelError",
                    why + ". The kernel was restarted and the rest of the notebook ran without this cell.",
                )
            )
            skip.add(failed_at)
            self.km, self.kc = None, None
            restarts += 1
            if restarts > self.max_restarts:
                for cell in cells[failed_at + 1 :]:
                    if cell.cell_type == "code":
                        cell.outputs = [_error("NotRun", "not run: the kernel died too many times")]
                break
            start = failed_at + 1
        self.set_widgets_metadata()
        return self.nb, self.resources


# -- feedback ----------------------------------------------------------------------------------------
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FRAME = re.compile(r"^(?:Cell In\s*\[(\d+)\]|Input In \[(\d+)\]), line (\d+)")
_DUMP = re.compile(r"^\s*(x|y|ACTUAL|DESIRED):\s")


def _plain(text: str) -> str:
    return _ANSI.sub("", text)


class HideHiddenTestTracebacks(NbGraderPreprocessor):
    """Rebuild the error output of test cells with hidden tests so feedback never shows hidden code."""

    begin = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end = Unicode("END HIDDEN TESTS").tag(config=True)

    def _hidden_lines(self, source: str) -> set[int]:
        try:
            return hidden_line_numbers(source, self.begin, self.end)
        except ValueError:  # malformed markers: treat the whole cell as hidden
            return set(range(1, source.count("\n") + 2))

    def _rebuild(self, cell, output) -> None:
        hidden = self._hidden_lines(cell.source)
        gid = grade_id(cell) or "?"
        count = cell.get("execution_count")
        lines = cell.source.split("\n")
        kept, where = [], None
        for frame in output.get("traceback", [])[:-1]:
            match = _FRAME.match(_plain(frame).strip())
            if match:
                frame_count = int(match.group(1) or match.group(2))
                if frame_count == count or count is None:
                    if where is None:
                        where = int(match.group(3))
                    continue
                kept.append(frame)  # the student's own code, in another cell
            # library frames, headers and "[... skipping hidden frame]" lines are left out
        in_hidden = where is None or where in hidden
        evalue = str(output.get("evalue", ""))
        if in_hidden:  # NumPy's messages end with dumps of both arrays: the hidden inputs' results
            lines_ = evalue.split("\n")
            cut = next((i for i, line in enumerate(lines_) if _DUMP.match(line)), len(lines_))
            evalue = "\n".join(lines_[:cut]).strip()
        if where is not None and not in_hidden and 0 < where <= len(lines):
            head = (
                f"\x1b[0;31mTest `{gid}` failed\x1b[0m at this visible check (line {where}):\n"
                f"    {lines[where - 1].strip()}"
            )
        else:
            head = (
                f"\x1b[0;31mTest `{gid}` failed\x1b[0m in one of its hidden tests (their code is not "
                "shown). Check your answer on other shapes and edge cases (batch of 1, one time step, ...)."
            )
        body = ["Your code on the way to the error:", *kept] if kept else []
        output["traceback"] = [head, *body, f"\x1b[0;31m{output.get('ename', 'Error')}\x1b[0m: {evalue}"]
        output["evalue"] = evalue

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell) and self.begin in cell.source:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    self._rebuild(cell, output)
        return cell, resources
