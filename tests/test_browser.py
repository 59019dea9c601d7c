"""The student's path in a real browser: JupyterLab, the first lesson, nbgrader's Validate (issue 8).

One end-to-end test, run by ``make test``. It starts ``jupyter lab`` from the course environment (as
``make lab`` does: ``.venv/bin/jupyter lab`` with ``JUPYTER_CONFIG_PATH=autograder``) on a free
localhost port with a random token, on a *copy* of the course in a temporary directory (so Validate,
saving and the formgrader never touch the committed ``lessons/`` or the real gradebook), and drives
headless Chromium (Debian's ``/usr/bin/chromium``, launched by Playwright; no browser download):

1. Lab answers ``/lab``, ``/formgrader`` and the formgrader's API with 200, and its log shows
   nbgrader's server extensions (formgrader, validate_assignment, assignment_list) loaded.
2. Open the first lesson from ``lessons/`` (untouched) and press nbgrader's **Validate**: the dialog
   must report failures, listing every autograded test cell of the lesson.
3. Type the correct answer into the first exercise's solution cell through the page (the answer is the
   solution cell of ``solutions/`` without its ``### BEGIN/END SOLUTION`` lines, exactly what
   ``generate_assignment`` removed) and Validate again: that exercise's test cells are no longer
   listed; the other exercises' still are (or the dialog says success when there is only one).
4. Type the remaining answers, **Run All** cells, save, and read the notebook back through
   ``/api/contents``: every code cell ran (has an execution count) and none has an error output.
   (Run All on the untouched lesson stops at the first ``raise NotImplementedError()`` stub by design,
   so this step runs the lesson as a student who has done the exercises.)
5. Open the **Assignment List** (the lesson is released into the temporary exchange first: it must be
   listed) and the **Formgrader** (it must list the lesson); neither may log a JavaScript error to the
   console or raise an uncaught exception. Steps 2-4 must not log any either, and the page must not
   request anything outside the local server.

Time (2 cores, lesson 01): 34 s on an idle machine, 43 s beside one autograding test (Lab start 6-12 s,
open 4-8 s, each Validate 4-6 s, Run All 5-7 s, Assignment List 1 s, Formgrader 1-2 s); up to about
2 minutes inside a loaded ``make test -n 2``. Installing Chromium on a fresh machine adds about 35 s.

Every step saves a screenshot into the git-ignored ``artifacts/browser/`` together with
``timings.json`` (seconds per step). Chromium is installed by ``make browser-deps`` (a prerequisite of
``make test``) or, when missing, by this test through ``tests/browser/install_chromium.sh``; the test
skips only when Chromium cannot be installed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from autograder.notebooks import nbgrader_meta, strip_solution_markers

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts" / "browser"
INSTALL_SCRIPT = Path(__file__).resolve().parent / "browser" / "install_chromium.sh"
CHROMIUM = Path(os.environ.get("LSTM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # The machine has no internet: nothing in the background may try to reach it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]
LAB_START_TIMEOUT = 90  # s, until /api/status answers
VALIDATE_TIMEOUT = 300  # s, nbgrader runs the whole lesson in a fresh kernel
RUN_ALL_TIMEOUT = 300  # s


# --------------------------------------------------------------------------------------------------
# Course files: the first lesson, its exercises and their answers


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def first_lesson(repo: Path) -> tuple[str, str]:
    """Return (assignment id, notebook name) of the first lesson in ``repo/lessons``."""
    notebooks = sorted((repo / "lessons").glob("[0-9][0-9]-*/*.ipynb"))
    assert notebooks, f"no lesson notebook found under {repo / 'lessons'} (run `make lessons`)"
    nb = notebooks[0]
    return nb.parent.name, nb.name


def exercises(lesson: dict, solution: dict) -> list[dict]:
    """The autograded exercises of a lesson, in order.

    Each is a dict: ``grade_id`` and ``index`` (position) of the solution cell in the lesson,
    ``answer`` (from the solution notebook) and ``tests`` (sources of its test cells, stripped).
    Test cells belong to an exercise by the naming convention ``test_<solution grade_id>...``; a test
    cell no name claims belongs to the closest solution cell above it.
    """
    answers = {
        nbgrader_meta(c)["grade_id"]: strip_solution_markers(_source(c))
        for c in solution["cells"]
        if c["cell_type"] == "code" and nbgrader_meta(c).get("solution")
    }
    found: list[dict] = []
    for i, cell in enumerate(lesson["cells"]):
        meta = nbgrader_meta(cell)
        if cell["cell_type"] != "code":
            continue
        if meta.get("solution") and not meta.get("grade"):
            gid = meta["grade_id"]
            assert gid in answers, f"solution cell {gid!r} of the lesson is missing from solutions/"
            found.append({"grade_id": gid, "index": i, "answer": answers[gid], "tests": []})
        elif meta.get("grade"):
            gid = meta["grade_id"]
            owner = next((e for e in found if gid.startswith(f"test_{e['grade_id']}")), None)
            if owner is None and found:
                owner = found[-1]
            if owner is not None:
                owner["tests"].append(_source(cell).strip())
    return found


def graded_test_cells(lesson: dict) -> list[str]:
    """Sources (stripped) of every autograded test cell of the lesson."""
    return [_source(c).strip() for c in lesson["cells"] if c["cell_type"] == "code" and nbgrader_meta(c).get("grade")]


# --------------------------------------------------------------------------------------------------
# Chromium, JupyterLab


def ensure_chromium() -> Path:
    """Install Chromium when missing (idempotent); skip the test only when that is impossible."""
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        proc = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=600)
        if proc.returncode != 0 or not CHROMIUM.exists():
            pytest.skip(
                f"Chromium is not installed and could not be installed ({INSTALL_SCRIPT.name} exited "
                f"{proc.returncode}: {proc.stderr.strip()[-400:]}); the browser test needs {CHROMIUM}"
            )
    return CHROMIUM


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter_bin(repo: Path) -> Path:
    """``.venv/bin/jupyter`` as ``make lab`` runs it (the running interpreter's when there is no .venv)."""
    venv = repo / ".venv" / "bin" / "jupyter"
    return venv if venv.exists() else Path(sys.executable).parent / "jupyter"


def make_course_copy(repo: Path, root: Path) -> None:
    """A throw-away course root: lessons/ and solutions/ copied, an empty .course/ (gradebook, exchange)."""
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
    shutil.copytree(repo / "lessons", root / "lessons", ignore=ignore)
    if (repo / "solutions").is_dir():
        shutil.copytree(repo / "solutions", root / "solutions", ignore=ignore)
    (root / ".course" / "exchange").mkdir(parents=True)


def lab_env(repo: Path, tmp: Path) -> dict:
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_PATH=str(repo / "autograder"),  # the course's nbgrader config, as `make lab`
        LSTM_COURSE_ROOT=str(tmp / "course"),  # ... but a throw-away course root and gradebook
        LSTM_COURSE_EXCHANGE=str(tmp / "course" / ".course" / "exchange"),
        TF_CPP_MIN_LOG_LEVEL="3",
        KERAS_BACKEND="tensorflow",
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "lab-workspaces"),
        PYTHONUNBUFFERED="1",
    )
    # The Makefile puts the venv's commands first on PATH (nbgrader runs `alembic` by name when the
    # formgrader creates a new gradebook).
    env["PATH"] = f"{jupyter_bin(repo).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("LSTM_COURSE_DB", None)
    # No news toast (and no request for news: the machine is offline).
    settings = tmp / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    return env


class Lab:
    """A running ``jupyter lab`` on 127.0.0.1:port with a token."""

    def __init__(self, repo: Path, tmp: Path):
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = tmp / "course"
        self.log_path = tmp / "jupyter-lab.log"
        self.env = lab_env(repo, tmp)
        cmd = [
            str(jupyter_bin(repo)), "lab", "--no-browser",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.default_url=/lab/tree/lessons",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
        ]  # fmt: skip
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            cmd, cwd=self.root, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        req = urllib.request.Request(self.url + path, headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + LAB_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if self.get("/api/status", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"jupyter lab did not answer in {LAB_START_TIMEOUT} s:\n{self.log_tail()}")

    def model(self, path: str, content: bool = False) -> dict:
        status, body = self.get(f"/api/contents/{path}?content={int(content)}&type=notebook")
        assert status == 200, f"GET /api/contents/{path} answered {status}: {body[:300]!r}"
        return json.loads(body)

    def notebook(self, path: str) -> dict:
        return self.model(path, content=True)["content"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # Lab shuts its kernels down on SIGTERM
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own process group (start_new_session)
                self.proc.wait(timeout=5)
        self._log.close()


# --------------------------------------------------------------------------------------------------
# The page


class Student:
    """Drives one JupyterLab page; records console errors per step and a screenshot per step."""

    def __init__(self, page, lab: Lab, shots: Path):
        self.page = page
        self.lab = lab
        self.shots = shots
        self.step = "start"
        self.console_errors: list[tuple[str, str]] = []
        self.outside_requests: list[str] = []
        self.timings: dict[str, float] = {}
        page.on("console", lambda m: m.type == "error" and self.console_errors.append((self.step, m.text)))
        page.on("pageerror", lambda e: self.console_errors.append((self.step, f"uncaught: {e}")))
        page.on("request", self._on_request)

    def _on_request(self, request) -> None:
        url = request.url
        if url.startswith(("http://", "https://", "ws://", "wss://")) and not url.split("/")[2].startswith(
            (f"127.0.0.1:{self.lab.port}", f"localhost:{self.lab.port}")
        ):
            self.outside_requests.append(url)

    def begin(self, step: str) -> float:
        self.step = step
        return time.monotonic()

    def end(self, step: str, t0: float, shot: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{shot}.png"))
        self.timings[step] = round(time.monotonic() - t0, 1)

    def errors_in(self, *steps: str) -> list[str]:
        return [f"[{s}] {text}" for s, text in self.console_errors if s in steps]

    # -- notebook ------------------------------------------------------------------------------------

    def open_notebook(self, path: str) -> None:
        self.page.goto(f"{self.lab.url}/lab/tree/{path}?reset&token={self.lab.token}")
        self.page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        self.wait_kernel_idle()

    def wait_kernel_idle(self, timeout: float = 60_000) -> None:
        self.page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=timeout)

    def cell(self, index: int):
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def type_into_cell(self, index: int, text: str) -> None:
        """Replace a code cell's text as a student would (click, select all, type)."""
        cell = self.cell(index)
        cell.scroll_into_view_if_needed()
        editor = cell.locator(".cm-content")
        editor.click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.press("Delete")
        # insert_text types the exact text; keyboard.type would add CodeMirror's auto-indent on top.
        self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")  # back to command mode

    def menu(self, title: str, command: str) -> None:
        self.page.locator(f'.lm-MenuBar-itemLabel:text-is("{title}")').click()
        self.page.locator(f'.lm-Menu-item[data-command="{command}"]').click()

    def save(self, path: str) -> None:
        """File > Save, then wait until the file on the server is newer than before."""
        before = self.lab.model(path)["last_modified"]
        self.menu("File", "docmanager:save")
        deadline = time.monotonic() + 30
        while self.lab.model(path)["last_modified"] == before:
            assert time.monotonic() < deadline, f"{path} was not saved within 30 s"
            time.sleep(0.2)

    def run_all(self) -> None:
        """Run > Run All Cells, then wait until no cell is queued or running and the kernel is idle."""
        self.menu("Run", "runmenu:run-all")
        self.page.wait_for_function(
            """() => {
                const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
                    .map(p => p.textContent.trim());
                const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
                return prompts.length > 0 && !prompts.some(p => p.includes('*'))
                    && !prompts.every(p => p === '[ ]:' || p === '')
                    && indicator && indicator.dataset.status === 'idle';
            }""",
            timeout=RUN_ALL_TIMEOUT * 1000,
            polling=250,
        )

    def validate(self) -> dict:
        """Press Validate; return {"status": success|failed|..., "failed": [test sources], "text": ...}."""
        self.page.locator("jp-button.validate-button").click()
        message = self.page.wait_for_selector("#validation-message", timeout=VALIDATE_TIMEOUT * 1000)
        result = self.page.evaluate(
            """(m) => ({
                classes: [...m.classList],
                text: m.innerText,
                blocks: [...m.querySelectorAll(':scope > .jp-RenderedText')].map(d => d.innerText),
            })""",
            message,
        )
        status = next((c.split("-", 1)[1] for c in result["classes"] if c.startswith("validation-")), "error")
        # A failed cell is two blocks: its source, then the error nbgrader extracted.
        failed = [b.strip() for b in result["blocks"][0::2]]
        return {"status": status, "failed": failed, "text": result["text"]}

    def close_dialog(self) -> None:
        self.page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()
        self.page.wait_for_selector(".jp-Dialog", state="detached", timeout=10_000)


def _short(source: str) -> str:
    first = source.strip().splitlines()[0] if source.strip() else ""
    return first[:90]


# --------------------------------------------------------------------------------------------------
# The test


def run_student_path(repo: Path, tmp: Path, shots: Path, chromium: Path) -> dict:
    """Drive the whole path; return the seconds each step took. Raises AssertionError on failure."""
    from playwright.sync_api import sync_playwright

    t_start = time.monotonic()
    assignment, name = first_lesson(repo)
    nb_path = f"lessons/{assignment}/{name}"
    make_course_copy(repo, tmp / "course")
    lesson = json.loads((tmp / "course" / nb_path).read_text())
    solution_file = repo / "solutions" / assignment / name
    assert solution_file.exists(), f"{solution_file} is missing: the answers come from the solution notebook"
    solution = json.loads(solution_file.read_text())
    exs = exercises(lesson, solution)
    assert exs, f"{nb_path} has no autograded exercise (solution cell) to answer"
    all_tests = graded_test_cells(lesson)
    assert all(e["tests"] for e in exs[:1]), f"exercise {exs[0]['grade_id']} has no test cell"

    lab = Lab(repo, tmp)
    env = lab.env
    # While Lab starts: release the lesson into the throw-away exchange (for the Assignment List).
    nbgrader = jupyter_bin(repo).parent / "nbgrader"
    release = subprocess.Popen(
        [str(nbgrader), "release_assignment", assignment, "--log-level=WARN"],
        cwd=tmp / "course", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    timings: dict[str, float] = {}
    warm = {}
    try:
        t0 = time.monotonic()
        lab.wait_ready()
        for path in ("/lab", "/formgrader"):
            status, body = lab.get(path)
            assert status == 200, f"GET {path} answered {status}; the server log:\n{lab.log_tail()}"
        # nbgrader's server extensions are enabled in the course environment and loaded by this Lab
        # (the server's own log; `jupyter server extension list` says the same but costs seconds).
        log = lab.log_path.read_text(errors="replace")
        for ext in ("formgrader", "validate_assignment", "assignment_list"):
            assert f"nbgrader.server_extensions.{ext} | extension was successfully loaded" in log, (
                f"nbgrader's {ext} server extension was not loaded by jupyter lab:\n{lab.log_tail()}"
            )
        # The formgrader's first API call creates the gradebook (slow: nbgrader runs `alembic`); let
        # it happen while the browser works on the lesson, and check it answered.
        warm_up = threading.Thread(
            target=lambda: warm.update(status=lab.get("/formgrader/api/assignments", timeout=120)), daemon=True
        )
        warm_up.start()
        rel_out = release.communicate(timeout=120)[0]
        assert release.returncode == 0, f"nbgrader release_assignment {assignment} failed:\n{rel_out}"
        timings["start lab"] = round(time.monotonic() - t0, 1)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
            page = s = None
            try:
                page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
                page.set_default_timeout(30_000)
                s = Student(page, lab, shots)

                # 1. Open the untouched lesson.
                t0 = s.begin("open lesson")
                s.open_notebook(nb_path)
                s.end("open lesson", t0, "01-lesson-open")

                # 2. Validate the untouched lesson: every test cell fails.
                t0 = s.begin("validate untouched")
                result = s.validate()
                s.end("validate untouched", t0, "02-validate-untouched")
                assert result["status"] == "failed", (
                    f"Validate on the untouched lesson should report failing tests; it said "
                    f"{result['status']}:\n{result['text'][:1500]}"
                )
                missing = [_short(t) for t in all_tests if t not in result["failed"]]
                assert not missing, (
                    f"Validate on the untouched lesson did not report these test cells as failing: {missing}"
                )
                s.close_dialog()

                # 3. Answer the first exercise through the page; Validate again.
                ex = exs[0]
                t0 = s.begin("answer + validate")
                s.type_into_cell(ex["index"], ex["answer"])
                s.page.screenshot(path=str(shots / "03-answer-typed.png"))
                result = s.validate()
                s.end("answer + validate", t0, "04-validate-answered")
                saved = lab.notebook(nb_path)["cells"][ex["index"]]
                assert _source(saved) == ex["answer"], (
                    f"the answer typed into {ex['grade_id']} was not saved as typed:\n{_source(saved)!r}\n"
                    f"expected:\n{ex['answer']!r}"
                )
                still = [_short(t) for t in ex["tests"] if t in result["failed"]]
                assert not still, (
                    f"after answering {ex['grade_id']} correctly, Validate still reports its tests as "
                    f"failing: {still}\n{result['text'][:1500]}"
                )
                others = [t for t in all_tests if t not in ex["tests"]]
                if others:
                    assert result["status"] == "failed" and set(others) <= set(result["failed"]), (
                        "Validate should still report the other, unanswered exercises' tests as failing; "
                        f"it said {result['status']}:\n{result['text'][:1500]}"
                    )
                else:
                    assert result["status"] == "success", result["text"][:1500]
                s.close_dialog()

                # 4. Answer the other exercises, Run All, check every cell ran without error.
                t0 = s.begin("run all")
                for other in exs[1:]:
                    s.type_into_cell(other["index"], other["answer"])
                s.run_all()
                s.save(nb_path)
                s.cell(len(lesson["cells"]) - 1).scroll_into_view_if_needed()
                s.end("run all", t0, "05-run-all")
                ran = lab.notebook(nb_path)
                code = [(i, c) for i, c in enumerate(ran["cells"]) if c["cell_type"] == "code"]
                not_run = [i for i, c in code if c.get("execution_count") is None]
                errors = [
                    f"cell {i}: {o.get('ename')}: {o.get('evalue')}"
                    for i, c in code
                    for o in c.get("outputs", [])
                    if o.get("output_type") == "error"
                ]
                assert not errors, f"Run All: cells raised errors: {errors}"
                assert not not_run, f"Run All: these code cells did not run: {not_run}"

                # 5. The Assignment List and the Formgrader, without JavaScript errors.
                t0 = s.begin("assignment list")
                s.menu("Nbgrader", "nbgrader:open-assignment-list")
                s.page.wait_for_selector(
                    f'#released_assignments_list > .list_item:has-text("{assignment}")', timeout=30_000
                )
                s.page.wait_for_timeout(500)  # let late requests finish and report
                s.end("assignment list", t0, "06-assignment-list")

                t0 = s.begin("formgrader")
                warm_up.join(timeout=120)
                code, body = warm.get("status", (None, b""))
                assert code == 200, f"GET /formgrader/api/assignments answered {code}: {body[:300]!r}"
                s.menu("Nbgrader", "nbgrader:open-formgrader")
                frame = s.page.frame_locator("iframe[src*='formgrader']")
                frame.locator(f'td:has-text("{assignment}")').first.wait_for(timeout=30_000)
                s.page.wait_for_timeout(500)
                s.end("formgrader", t0, "07-formgrader")

                errs = s.errors_in("assignment list", "formgrader")
                assert not errs, "JavaScript errors in the Assignment List / Formgrader:\n" + "\n".join(errs)
                other_errs = s.errors_in("start", "open lesson", "validate untouched", "answer + validate", "run all")
                assert not other_errs, "JavaScript errors while working on the lesson:\n" + "\n".join(other_errs)
                assert not s.outside_requests, f"the page tried to reach the internet: {s.outside_requests[:5]}"
                timings.update(s.timings)
            except BaseException as e:
                if page is not None:
                    page.screenshot(path=str(shots / "99-failure.png"))
                    seen = [f"[{step}] {text}" for step, text in s.console_errors] if s else []
                    if seen:
                        e.add_note("JavaScript console errors seen:\n" + "\n".join(seen[:20]))
                raise
            finally:
                browser.close()
    except Exception as e:
        notes = "\n".join(getattr(e, "__notes__", []))
        raise AssertionError(
            f"{type(e).__name__}: {e}\n{notes}\n\n(screenshots in {shots}; the jupyter lab log ends:)\n"
            f"{lab.log_tail(25)}"
        ) from e
    finally:
        if release.poll() is None:
            release.kill()
            release.wait()
        lab.stop()
    timings["total"] = round(time.monotonic() - t_start, 1)
    return timings


def _snapshot(folders: list[Path]) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file under the folders: what the test must leave alone."""
    return {
        str(f): (f.stat().st_size, f.stat().st_mtime_ns)
        for folder in folders
        if folder.is_dir()
        for f in folder.rglob("*")
        if f.is_file()
    }


def test_student_path_in_jupyterlab(tmp_path):
    """Open lesson 01 in JupyterLab, Validate, answer an exercise, Run All, Assignment List, Formgrader."""
    chromium = ensure_chromium()
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    # Validate and Save work on a copy: the committed lesson stays as it is.
    untouched = [REPO / "lessons" / first_lesson(REPO)[0]]
    before = _snapshot(untouched)
    timings = run_student_path(REPO, tmp_path, ARTIFACTS, chromium)
    changed = sorted(set(before.items()) ^ set(_snapshot(untouched).items()))
    assert not changed, f"the browser test changed the repository's own files: {changed[:5]}"
    (ARTIFACTS / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")
    print("browser test timings (s):", json.dumps(timings))
