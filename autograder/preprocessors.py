"""nbgrader preprocessors of the course (selected in ``autograder/nbgrader_config.py``).

``JudgedExecute``
    nbgrader's ``Execute`` for autograding, where the student's code computes and trusted code judges:
    the student's cells run in a kernel inside the bubblewrap sandbox (:mod:`autograder.sandbox`), the
    graded test cells run in a separate *checker* kernel where no student code ever ran
    (:mod:`autograder.judge`), which calls the student's functions through a plain-data channel
    (:mod:`autograder.channel`, :mod:`autograder.judge_kernel`). A cell that kills the student's kernel
    (``os._exit``, a segfault, the memory limit) or hangs it beyond interrupts is marked failed, the kernel
    is restarted, the cells before it are run again and grading goes on after it. So the offender loses
    that cell's points, not the whole notebook.

``HideHiddenTestTracebacks``
    For feedback: the error output of a test cell that has hidden tests is rebuilt without the test
    cell's own frames (which print the failing hidden line) and without NumPy's dumps of the hidden
    arrays; it says which test cell failed, whether in its visible or its hidden part, the error's
    message (in a hidden part, for an exception raised by the student's code, only its type and the line
    of their code: the message could carry the hidden inputs), and the frames of the student's own code.
    Runs before ``ClearHiddenTests``.
"""

from __future__ import annotations

import atexit
import json
import re
import sys
import tempfile
from pathlib import Path
from queue import Empty
from time import monotonic

from jupyter_client.manager import AsyncKernelManager
from nbclient.client import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Integer, Unicode

from autograder import judge, skipping
from autograder.notebooks import grade_id, hidden_line_numbers, is_grade, is_solution, is_test

STUB_EXTENSION = "autograder.judge_kernel"
CHECKER_ARGS = [
    "--IPKernelApp.capture_fd_output=False",
    "--InteractiveShell.ast_node_interactivity=none",  # a test cell shows no value: no output to forge a score
    "--HistoryManager.hist_file=:memory:",
]


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(
        output_type="error", ename=ename, evalue=evalue, traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]
    )


class JudgedExecute(Execute):
    """nbgrader's Execute: student cells in the sandboxed kernel, test cells in the trusted checker."""

    sandbox = Bool(True, help="Run the student's kernel in the bubblewrap sandbox (autograder.sandbox).").tag(
        config=True
    )
    judge = Bool(
        True,
        help="Run graded test cells in the trusted checker kernel (autograder.judge); False runs them in the "
        "student's kernel, as nbgrader does (only for comparisons and benchmarks).",
    ).tag(config=True)
    skip_demos = Bool(
        True,
        help="Skip the demonstration cells no grade needs (autograder.skipping); False runs every cell.",
    ).tag(config=True)
    max_restarts = Integer(4, help="Kernel restarts allowed per notebook before the rest is failed.").tag(config=True)
    responsive_timeout = Integer(
        30, help="Seconds a kernel may take to answer after a timed-out cell or test call was interrupted."
    ).tag(config=True)
    solution_timeout = Integer(
        0,
        help="Time limit (s) of the cells holding a student's answer (nbgrader solution cells), which only "
        "define functions; 0: the same as `timeout`. Stops an endless loop sooner.",
    ).tag(config=True)

    notebook_timeout = Integer(
        1800,
        help="Wall-clock limit (s) for one notebook: its student cells and its test cells (whose calls run the "
        "student's code), each counted once; after it, the remaining student cells are not run (noted in "
        "each) and each test cell gets `late_test_timeout` s. 0: no limit.",
    ).tag(config=True)
    late_test_timeout = Integer(10, help="Time limit (s) of a test cell once the notebook's limit is reached.").tag(
        config=True
    )
    max_output_per_cell = Integer(
        200_000, help="Characters of output kept per cell; the rest is dropped with a visible note."
    ).tag(config=True)
    max_output_per_notebook = Integer(
        2_000_000, help="Characters of output kept per notebook; later outputs are dropped with a visible note."
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
        if getattr(self, "_judging", False):  # the checker stops the student's code first, at `timeout`
            return None if limit is None else limit + 60
        if cell is not None and self.solution_timeout and is_solution(cell):
            limit = self.solution_timeout if limit is None else min(limit, self.solution_timeout)
        if self.notebook_timeout and getattr(self, "_used", None) is not None and not self._replaying:
            remaining = max(1, int(self.notebook_timeout - self._used) + 1)
            limit = remaining if limit is None else min(limit, remaining)
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

    def _judged(self, cell) -> bool:
        return self.judge and cell.cell_type == "code" and is_test(cell)

    def _run_cells(self, resources) -> None:
        cells = self.nb.cells
        skip: set[int] = set()  # cells not to run again after a restart
        start, restarts = 0, 0
        while start < len(cells):
            failed_at, why = None, ""
            with self.setup_kernel():
                info_msg = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
                if self.judge:
                    self._connect_checker()
                for j in range(start):  # after a restart: the state the cells before had built
                    if j not in skip and cells[j].cell_type == "code" and not self._judged(cells[j]):
                        try:
                            self._replaying = 1
                            self.preprocess_cell(cells[j], resources, j)
                        except (DeadKernelError, CellTimeoutError):
                            failed_at, why = j, "the kernel died again while re-running the cells before a crash"
                            break
                        finally:
                            self._replaying = 0
                        if self._timed_out(cells[j]):
                            skip.add(j)
                for index in range(start if failed_at is None else len(cells), len(cells)):
                    if self._past_deadline() and cells[index].cell_type == "code" and not self._judged(cells[index]):
                        self._not_run(cells[index])
                        skip.add(index)
                        continue
                    try:
                        if self._judged(cells[index]):
                            began = monotonic()
                            try:
                                lost = self._judge_cell(cells[index], resources, index)
                            finally:  # a test's calls run the student's code: they count against the budget too
                                self._used += monotonic() - began
                            if lost:
                                failed_at, why = index, lost
                                break
                            continue
                        began = monotonic()
                        try:
                            self.preprocess_cell(cells[index], resources, index)
                        finally:  # the notebook's budget counts each student cell once (not replays, not restarts)
                            self._used += monotonic() - began
                            self._cap(cells[index])
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

    # -- bounds ------------------------------------------------------------------------------------
    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        size += sum(len(str(t)) for t in content.get("traceback", []) or [])
        used = self._output_used.get(cell_index, 0)
        if used + size > self.max_output_per_cell or self._output_total + size > self.max_output_per_notebook:
            if cell_index not in self._output_capped:
                self._output_capped.add(cell_index)
                which = (
                    f"{self.max_output_per_cell:,} characters per cell"
                    if used + size > self.max_output_per_cell
                    else f"{self.max_output_per_notebook:,} characters per notebook"
                )
                outs.append(
                    NotebookNode(
                        output_type="stream",
                        name="stderr",
                        text=f"[grader: output cut here: more than {which} were printed]\n",
                    )
                )
            return None
        self._output_used[cell_index] = used + size
        self._output_total += size
        return super().output(outs, msg, display_id, cell_index)

    def _cap(self, cell) -> None:
        """Cut any single output field longer than the per-cell cap (an error's message, a traceback)."""
        limit = self.max_output_per_cell
        note = f"\n[grader: cut here: more than {limit:,} characters]"
        for output in cell.get("outputs", []):
            for key in ("text", "evalue"):
                if isinstance(output.get(key), str) and len(output[key]) > limit:
                    output[key] = output[key][:limit] + note
            if isinstance(output.get("traceback"), list):
                output["traceback"] = [t[:limit] + note if len(t) > limit else t for t in output["traceback"][:200]]
            for mime, value in list(output.get("data", {}).items()):
                if isinstance(value, str) and len(value) > limit:
                    output["data"][mime] = value[:limit] + note

    def _past_deadline(self) -> bool:
        return bool(self.notebook_timeout) and self._used >= self.notebook_timeout

    def _not_run(self, cell) -> None:
        cell.outputs = [
            _error(
                "NotRun",
                f"not run: the notebook's time limit ({self.notebook_timeout} s for all cells) was reached",
            )
        ]
        cell.execution_count = None

    # -- the trusted checker -----------------------------------------------------------------------
    def _load_plan(self, resources) -> dict | None:
        path = skipping.instructor_notebook(self.config, resources)
        if path is None:
            info = (resources or {}).get("nbgrader", {})
            if info.get("assignment") and info.get("notebook"):
                self.log.warning(
                    "No instructor notebook for %s/%s: the checker binds the names each test cell reads",
                    info["assignment"],
                    info["notebook"],
                )
            return None
        return judge.plan(path)

    async def _async_start_checker(self) -> None:
        """Take the grading process's checker (or start one) and warm it with this lesson's imports.

        One checker serves every notebook an ``nbgrader autograde`` process grades, one after the other: its
        namespace is rebuilt for each test cell and no student code ever runs in it, so nothing carries from
        one student to the next, and each notebook saves a kernel start. A checker that timed out or died
        is not reused (``_checker_dirty``)."""
        self._checker_dirty = False
        pooled = _CHECKER_POOL.get("checker")
        if pooled is not None and not await pooled[0].is_alive():
            _CHECKER_POOL.clear()
            await _async_shutdown_checker(pooled)
            pooled = None
        if pooled is None:
            folder = tempfile.TemporaryDirectory(prefix="lstm-checker-")
            # IPC sockets in a private folder: nothing on the network can talk to the checker.
            km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(Path(folder.name) / "k"))
            km.connection_file = str(Path(folder.name) / "kernel.json")
            km.kernel_spec.argv[0] = sys.executable  # the grader's own Python, whatever the kernelspec says
            await km.start_kernel(extra_arguments=CHECKER_ARGS, cwd=folder.name)
            kc = km.client()
            kc.start_channels()
            pooled = _CHECKER_POOL["checker"] = (km, kc, folder)
        self._checker_km, self._checker_kc, _ = pooled
        # Not waiting for it: the kernel starts and imports the lesson's modules (NumPy, Keras...) while the
        # student's kernel starts and runs; the requests wait in the socket's queue. `_ensure_connected`
        # waits for it before the first test cell.
        setup = (self._plan or {}).get("setup", "")
        self._checker_kc.execute(
            f"import autograder.judge\nautograder.judge.install()\n{setup}", silent=True, store_history=False
        )

    _start_checker = run_sync(_async_start_checker)

    async def _async_stop_checker(self) -> None:
        """Give the checker back for the next notebook; shut it down if it timed out or died."""
        if self._checker_dirty and "checker" in _CHECKER_POOL:
            await _async_shutdown_checker(_CHECKER_POOL.pop("checker"))
        self._checker_km = self._checker_kc = None

    _stop_checker = run_sync(_async_stop_checker)

    async def _async_checker_run(self, code: str, timeout: float) -> dict:
        kc = self._checker_kc
        msg_id = kc.execute(code, silent=True, store_history=False)
        deadline = monotonic() + timeout
        while (remaining := deadline - monotonic()) > 0:
            try:
                msg = await ensure_async(kc.shell_channel.get_msg(timeout=remaining))
            except Empty:
                break
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]
        self._checker_dirty = True
        return {"status": "error", "ename": "CheckerTimeout", "evalue": "the checker did not answer in time"}

    checker_run = run_sync(_async_checker_run)

    def _connect_checker(self) -> None:
        """Point the checker at the (new) student kernel, before the first test cell that needs it.

        Not at the kernel's start: the checker is still importing the lesson's modules then, and waiting
        for it would hold up the student's cells."""
        self._checker_connected = False

    def _ensure_connected(self) -> None:
        if self._checker_connected:
            return
        if not run_sync(self._checker_km.is_alive)():
            self._fresh_checker("it died")
        info = dict(self.km.get_connection_info())
        info = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in info.items()}
        connect = f"autograder.judge.CHECKER.connect(__import__('json').loads({json.dumps(info)!r}))"
        reply = self.checker_run("import autograder.judge\n" + connect, self.startup_timeout + 120)
        if reply.get("status") != "ok":  # a checker stuck in a call to a dead kernel: start a fresh one
            self._fresh_checker(str(reply.get("evalue")))
            reply = self.checker_run("import autograder.judge\n" + connect, 120)
        if reply.get("status") != "ok":
            raise RuntimeError(f"the checker could not connect to the student's kernel: {reply.get('evalue')}")
        self._checker_connected = True
        # The test cells' outputs come on IOPub: make sure its subscription is live (the status message of
        # the request just answered arrives there), else wait as jupyter_client does.
        try:
            self._iopub_msg(1.0)
        except Empty:
            self._checker_ready()

    def _fresh_checker(self, why: str) -> None:
        self.log.warning("Starting a fresh checker: %s", why)
        self._checker_dirty = True
        self._stop_checker()
        self._start_checker()

    async def _async_iopub_msg(self, timeout: float) -> dict:
        return await ensure_async(self._checker_kc.iopub_channel.get_msg(timeout=timeout))

    _iopub_msg = run_sync(_async_iopub_msg)

    async def _async_checker_ready(self) -> None:
        await self._checker_kc.wait_for_ready(timeout=self.startup_timeout)

    _checker_ready = run_sync(_async_checker_ready)

    def _judge_cell(self, cell, resources, index) -> str | None:
        """Run one graded test cell in the checker; the reason to restart the student's kernel, if any."""
        names = sorted(judge.free_names_safe(cell.source) & set((self._plan or {}).get("answers", []) or []))
        spec = (self._plan or {}).get("cells", {}).get(grade_id(cell)) or {"names": names, "refs": []}
        setup = (self._plan or {}).get("setup", "import numpy as np")
        limit = self.timeout or 600
        if self.notebook_timeout:  # what is left of the notebook's budget, and at least late_test_timeout
            limit = min(limit, max(self.late_test_timeout, int(self.notebook_timeout - self._used) + 1))
        began = monotonic()
        self._ensure_connected()
        reply = self.checker_run(
            f"import autograder.judge\nautograder.judge.prepare(globals(), {setup!r}, {spec['names']!r}, "
            f"{spec['refs']!r}, {limit!r}, {self.responsive_timeout!r})",
            limit + 30,
        )
        if reply.get("status") != "ok":
            cell.outputs = [_error(str(reply.get("ename")), str(reply.get("evalue"))[:2000])]
            cell.execution_count = None
            return self._restart_reason(cell)
        student_kc, prepared = self.kc, monotonic()
        self.kc, self._judging = self._checker_kc, True
        try:
            self.preprocess_cell(cell, resources, index)
        except BaseException:
            self._checker_dirty = True
            raise
        finally:
            self.kc, self._judging = student_kc, False
            self.log.debug(
                "checker: %s prepared in %.2f s, ran in %.2f s",
                grade_id(cell),
                prepared - began,
                monotonic() - prepared,
            )
        if self._timed_out(cell):  # the checker itself ran past the limit: a fresh one for the next notebook
            self._checker_dirty = True
        cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") in ("stream", "error")]
        return self._restart_reason(cell)

    def _restart_reason(self, cell) -> str | None:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") in judge.RESTART:
                return "the kernel running the student's code died or stopped answering while this test called it"
        return None

    # -- the run -------------------------------------------------------------------------------------
    def _skip_demonstrations(self, resources) -> None:
        """Mark the cells this run skips (autograder.skipping): decided from the instructor's notebook, never
        from the submission's tags (Validate's hook, which reads them, is switched off here)."""
        self.on_notebook_start = None
        self.skip_cells_with_tag = skipping.SKIP_NOW
        demos = skipping.instructor_demos(self.config, resources) if self.skip_demos else set()
        skip = skipping.cells_to_skip(self.nb.cells, lambda c: c.source.strip() in demos)
        skipping.mark(self.nb.cells, skip)
        for i in sorted(skip):
            skipping.label_kept_outputs(self.nb.cells[i])
        if demos:
            self.log.info("Not re-running %d of %d demonstration cells", len(skip), len(demos))

    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)  # (re)loads the config: set our traits after it
        self._skip_demonstrations(resources)
        if self.judge and not any(STUB_EXTENSION in a for a in self.extra_arguments):
            self.extra_arguments = [*self.extra_arguments, f"--InteractiveShellApp.extra_extensions={STUB_EXTENSION}"]
        self._plan = self._load_plan(resources) if self.judge else None
        refs = sorted({r for spec in (self._plan or {}).get("cells", {}).values() for r in spec["refs"]})
        self.extra_arguments = [a for a in self.extra_arguments if not a.startswith("--IPKernelApp.exec_lines=")]
        if self.judge and refs:  # the genuine references, taken before any student code can replace them
            self.extra_arguments.append(
                f'--IPKernelApp.exec_lines=["import autograder.judge_kernel as _j; _j.preload({refs!r}); del _j"]'
            )
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
        self._output_used, self._output_total, self._output_capped = {}, 0, set()
        self._used, self._replaying = 0.0, 0  # seconds the notebook's cells have run (first runs only)
        if self.judge:
            self._start_checker()
        try:
            self._run_cells(resources)
        finally:
            if self.judge:
                self._stop_checker()
        self.set_widgets_metadata()
        return self.nb, self.resources


# -- the checker kernel, kept for the next notebook the process grades ---------------------------------
_CHECKER_POOL: dict = {}


async def _async_shutdown_checker(pooled) -> None:
    km, kc, folder = pooled
    try:
        if kc is not None:
            kc.stop_channels()
        await km.shutdown_kernel(now=True)
    finally:
        if folder is not None:
            folder.cleanup()


@atexit.register
def _shutdown_pooled_checker() -> None:
    pooled = _CHECKER_POOL.pop("checker", None)
    if pooled is None:
        return
    try:
        run_sync(_async_shutdown_checker)(pooled)
    except Exception:  # noqa: BLE001 - at exit: make sure the process is gone, whatever the event loop says
        process = getattr(getattr(pooled[0], "provisioner", None), "process", None)
        if process is not None:
            process.kill()
        pooled[2].cleanup()


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
            if judge.YOUR_CODE in evalue:  # the student's own exception: its message could carry hidden inputs
                place = evalue[evalue.index(judge.YOUR_CODE) + len(judge.YOUR_CODE) :]
                place = place[:-1] if place.endswith(")") else place
                evalue = f"raised in your code: {place} (the message is not shown for hidden tests)"
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
