"""Autograde a class on Dask distributed: one task per (student, lesson), the PostgreSQL (or SQLite) gradebook.

    python -m autograder.grade_parallel [--workers N | --scheduler tcp://HOST:8786] [--lessons GLOB] [STUDENT ...]

(run from the course root, with the course config: ``JUPYTER_CONFIG_PATH=autograder``.)

Each task runs ``nbgrader autograde LESSON --student STUDENT --force`` as a child process of a Dask worker
(sandboxed kernels, the trusted checker: everything nbgrader does for one notebook folder). Dask's
scheduler hands tasks to free workers and, when a worker dies mid-task, gives its tasks to another one
(``distributed.scheduler.allowed-failures`` times; after that the task is reported lost, and only that
student's lesson misses its grade). Without ``--scheduler`` a ``distributed.LocalCluster`` of N worker
processes runs on this machine; with it the tasks go to an existing cluster (``dask scheduler`` and
``dask worker`` processes, or workers that dask-jobqueue / dask-kubernetes start on Slurm or Kubernetes),
whose workers see the course directory at the same path and reach the same gradebook.

Exactly once, even when a worker dies:

- nbgrader runs in a fork of the worker's fork server (which has imported nbgrader once); it gets
  ``SIGKILL`` when its parent dies (``PR_SET_PDEATHSIG``), and the fork server exits with its worker, so a
  lost worker leaves no grader running behind the scheduler's back;
- a task holds an exclusive lock on ``.course/logs/runs/<run>/<student>/<lesson>.lock`` while it grades and
  writes ``<lesson>.done`` when nbgrader has finished; a task the scheduler runs again (the worker that
  held its result died before the client fetched it) finds the marker and returns the recorded result
  without grading again;
- every attempt is written to ``.course/logs/runs/<run>/ledger.jsonl`` (``start``, ``graded``, ``reused``), the
  audit trail the tests read.

SQLite gradebooks get a 120 s busy timeout (``?timeout=120``) and one retry of a task that still failed on
a locked database; PostgreSQL (``LSTM_COURSE_DB=postgresql+psycopg://...``) is for concurrent writers.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from tqdm import tqdm

BIN = Path(sys.executable).parent
COURSE_KEYS = ("LSTM_COURSE_", "JUPYTER_CONFIG_PATH", "TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND", "PYTHONWARNINGS")


def sqlite_path(db_url: str) -> Path | None:
    u = urlparse(db_url)
    if not u.scheme.startswith("sqlite") or u.path in ("", "/", "/:memory:"):
        return None
    return Path(u.path[1:] if u.path.startswith("//") else u.path)


def with_busy_timeout(db_url: str, seconds: int = 120) -> str:
    if sqlite_path(db_url) is None or "timeout=" in db_url:
        return db_url
    return db_url + ("&" if "?" in db_url else "?") + f"timeout={seconds}"


def integrity_ok(db_url: str) -> bool:
    path = sqlite_path(db_url)
    if path is None:
        return True
    with sqlite3.connect(path) as con:
        return con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@dataclass
class Graded:
    """What one (student, lesson) task did."""

    student: str
    lesson: str
    # "graded" | "failed" (nbgrader exited non-zero) | "timed out" | "lost" (its workers kept dying) |
    # "error" (the task itself raised: a fault of the grader, not of the submission)
    status: str
    returncode: int
    seconds: float
    worker: str = ""
    log: str = ""  # the nbgrader log file of this task
    reused: bool = False  # the scheduler ran the task again after it had finished: the recorded result
    tail: str = field(default="", repr=False)  # the end of the log, for messages

    @property
    def stdout(self) -> str:  # the old per-worker result's name for the log text
        return self.tail


# -- the task (runs on a Dask worker) ------------------------------------------------------------------
def _run_dir(root: Path, run_id: str) -> Path:
    return Path(root) / ".course" / "logs" / "runs" / run_id


def _ledger(run_dir: Path, event: str, **fields) -> None:
    line = json.dumps({"event": event, "time": time.time(), **fields}) + "\n"
    fd = os.open(run_dir / "ledger.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())  # one write of an O_APPEND file: lines from many workers never interleave
    finally:
        os.close(fd)


def _nbgrader_args(lesson, student, timeout, solution_timeout, extra) -> list[str]:
    args = ["autograde", lesson, f"--student={student}", "--force"]
    if timeout:
        args.append(f"--ExecutePreprocessor.timeout={timeout}")
    if solution_timeout:
        args.append(f"--JudgedExecute.solution_timeout={solution_timeout}")
    return args + list(extra)


# nbgrader and the course's preprocessors take about 2 s to import, as long as grading a small notebook
# itself: each worker keeps a fork server that has imported them once (multiprocessing's "forkserver" with
# preloaded modules), and every task is a fresh fork of it running nbgrader's own command-line entry point.
PRELOAD = ["nbgrader.apps.nbgraderapp", "autograder.preprocessors", "autograder.sanitize", "autograder.skipping"]
_FORK = None


def _fork_context():
    global _FORK
    if _FORK is None:
        import multiprocessing

        _FORK = multiprocessing.get_context("forkserver")
        _FORK.set_forkserver_preload(PRELOAD)
    return _FORK


def _nbgrader_child(args: list[str], cwd: str, env: dict, log_path: str) -> None:
    """The forked grader: dies with its parent, leads its own process group, writes its log, runs nbgrader."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: the worker is gone
    os.setsid()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["nbgrader", *args]
    from nbgrader.apps.nbgraderapp import main

    main()


def _run(args, root, env, log_path, task_timeout) -> tuple[str, int]:
    import multiprocessing

    if multiprocessing.current_process().daemon:  # a worker started with distributed.worker.daemon = True
        return _run_subprocess(args, root, env, log_path, task_timeout)
    proc = _fork_context().Process(target=_nbgrader_child, args=(args, str(root), env, str(log_path)), daemon=False)
    proc.start()
    try:
        proc.join(task_timeout)
        if proc.exitcode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.join()
            with open(log_path, "a") as log:
                log.write(f"\n[grade_parallel] nbgrader still running after {task_timeout:.0f} s: killed\n")
            return "timed out", -9
        return ("graded" if proc.exitcode == 0 else "failed"), proc.exitcode
    finally:
        if proc.exitcode is None:  # the task was cancelled: take nbgrader down with it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def grade_task(
    root: str,
    env_overrides: dict,
    env_unset: list,
    student: str,
    lesson: str,
    run_id: str,
    timeout: int | None = None,
    solution_timeout: int | None = None,
    extra: tuple = (),
    task_timeout: float = 3600.0,
) -> dict:
    """Autograde one student's lesson with nbgrader; returns :class:`Graded` as a dict. Never raises for a
    submission's sake: a failing or hanging notebook is a result, not an exception."""
    root = Path(root)
    run_dir = _run_dir(root, run_id)
    folder = run_dir / student
    folder.mkdir(parents=True, exist_ok=True)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        from distributed import get_worker

        worker = get_worker().address
    except (ImportError, ValueError):
        pass
    done = folder / f"{lesson}.done"
    with open(folder / f"{lesson}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second copy of this task waits here, then finds the marker
        if done.exists():
            result = json.loads(done.read_text())
            result["reused"] = True
            _ledger(run_dir, "reused", student=student, lesson=lesson, worker=worker)
            return result
        env = {k: v for k, v in os.environ.items() if k not in env_unset}
        env.update(env_overrides)
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        log_path = root / ".course" / "logs" / "autograde" / student / f"{lesson}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        args = _nbgrader_args(lesson, student, timeout, solution_timeout, extra)
        t0 = time.monotonic()
        for attempt in (1, 2):
            _ledger(run_dir, "start", student=student, lesson=lesson, worker=worker, attempt=attempt)
            status, code = _run(args, root, env, log_path, task_timeout)
            tail = log_path.read_text(errors="replace")[-4000:]
            if not (code != 0 and "database is locked" in tail and attempt == 1):
                break
        result = Graded(student, lesson, status, code, time.monotonic() - t0, worker, str(log_path), tail=tail)
        _ledger(run_dir, "graded", student=student, lesson=lesson, worker=worker, status=status, code=code)
        tmp = done.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(asdict(result)))
        os.replace(tmp, done)
        return asdict(result)


def _run_subprocess(args, root, env, log_path, task_timeout) -> tuple[str, int]:
    """The same as a new process (slower start): for workers that may not fork (daemonic ones)."""
    cmd = [str(Path(sys.executable).parent / "nbgrader"), *args]
    if shutil.which("setpriv"):  # killed with its worker (Linux, util-linux)
        cmd = ["setpriv", "--pdeathsig", "KILL", "--", *cmd]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        try:
            code = proc.wait(timeout=task_timeout)
            return ("graded" if code == 0 else "failed"), code
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            log.write(f"\n[grade_parallel] nbgrader still running after {task_timeout:.0f} s: killed\n")
            return "timed out", -9
        finally:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)


# -- the client ---------------------------------------------------------------------------------------
def submitted_tasks(root: Path, students: list[str], lessons: str | list[str] = "*") -> list[tuple[str, str]]:
    """(student, lesson) for every lesson folder matching ``lessons`` (globs) that ``students`` submitted."""
    submitted = Path(root) / ".course" / "submitted"
    globs = [lessons] if isinstance(lessons, str) else list(lessons)
    found = {
        (s, d.name)
        for s in students
        for g in globs
        for d in (submitted / s).glob(g)
        if d.is_dir() and any(d.glob("*.ipynb"))
    }
    return sorted(found, key=lambda t: (t[1], students.index(t[0])))


@contextlib.contextmanager
def cluster_client(workers: int = 2, scheduler: str | None = None):
    """A Dask client: of ``scheduler`` (an address) if given, else of a LocalCluster of ``workers`` processes
    with one thread each (a task is a child process: the worker only waits for it)."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with (
        dask.config.set({"distributed.worker.daemon": False}),  # a worker forks its graders (see _run)
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=0,  # the notebooks run in sandboxed kernels with their own limits
            dashboard_address=":0",  # a free port (the scheduler's HTTP server would take 8787 even without one)
            silence_logs=40,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def autograde_students(
    root: Path,
    env: dict,
    students: list[str],
    everybody: list[str] | None = None,
    *,
    workers: int = 2,
    lessons: str | list[str] = "*",
    timeout: int | None = None,
    extra: list[str] = (),
    solution_timeout: int | None = None,
    scheduler: str | None = None,
    client=None,
    run_id: str | None = None,
    task_timeout: float = 3600.0,
    progress: bool = True,
) -> list[Graded]:
    """Autograde every submitted lesson of ``students`` (``lessons``: an assignment id or a glob) as Dask tasks;
    returns one :class:`Graded` per (student, lesson), in the order they finished. ``everybody`` is unused
    (kept for callers of the per-worker version)."""
    root = Path(root)
    env = dict(env)
    env["LSTM_COURSE_DB"] = with_busy_timeout(
        env.get("LSTM_COURSE_DB", f"sqlite:///{root / '.course' / 'gradebook.db'}")
    )
    overrides = {k: v for k, v in env.items() if os.environ.get(k) != v or k.startswith(COURSE_KEYS)}
    overrides.pop("PATH", None)
    unset = [k for k in os.environ if k not in env]
    run_id = run_id or time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    _run_dir(root, run_id).mkdir(parents=True, exist_ok=True)
    tasks = submitted_tasks(root, students, lessons)
    if not tasks:
        return []
    with contextlib.ExitStack() as stack:
        if client is None:
            client = stack.enter_context(cluster_client(workers, scheduler))
        return _gather(
            client, tasks, root, overrides, unset, run_id, timeout, solution_timeout, extra, task_timeout, progress
        )


def _gather(client, tasks, root, overrides, unset, run_id, timeout, solution_timeout, extra, task_timeout, progress):
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    futures = {}
    for student, lesson in tasks:
        fut = client.submit(
            grade_task,
            str(root),
            overrides,
            unset,
            student,
            lesson,
            run_id,
            timeout,
            solution_timeout,
            tuple(extra),
            task_timeout,
            key=f"autograde-{run_id}-{student}-{lesson}",
            pure=False,
        )
        futures[fut] = (student, lesson)
    results = []
    t0 = time.monotonic()
    with tqdm(
        total=len(futures),
        desc="autograding",
        unit="notebook folder",
        file=sys.stderr,
        mininterval=1,
        disable=None if progress else True,
    ) as bar:
        for fut in as_completed(futures):
            student, lesson = futures[fut]
            try:
                g = Graded(**fut.result())
            except KilledWorker as e:  # the workers running it kept dying: this lesson of this student only
                g = Graded(student, lesson, "lost", -1, time.monotonic() - t0, tail=f"{type(e).__name__}: {e}")
            except Exception as e:  # a fault of the grader itself, not of a submission: say so loudly
                g = Graded(student, lesson, "error", -1, time.monotonic() - t0, tail=f"{type(e).__name__}: {e}")
            fut.release()  # fetched: the scheduler need not keep (or recompute) it
            results.append(g)
            bar.update()
            if progress:
                bar.write(
                    f"[autograde] {g.student} / {g.lesson}: {g.status} in {g.seconds:.1f} s"
                    + (f" (exit code {g.returncode}; log {g.log})" if g.status != "graded" else "")
                )
    return results


def autograde_parallel(course, lessons: list[str], students: list[str], workers: int = 2) -> list[Graded]:
    """Autograde ``lessons`` x ``students`` of an :class:`autograder.classroom.Course`."""
    results = autograde_students(
        course.root,
        course.env,
        students,
        workers=workers,
        lessons=lessons,
        timeout=course.timeout,
        solution_timeout=getattr(course, "solution_timeout", None),
    )
    for g in results:
        if g.status != "graded":
            # nbgrader exits 1 when one notebook could not be graded (e.g. malformed JSON); the others are.
            print(f"[grade-parallel] {g.student} / {g.lesson}: {g.status}; see {g.log}", file=sys.stderr)
    if not integrity_ok(course.db_url):
        raise RuntimeError("the gradebook failed PRAGMA integrity_check")
    return results


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("students", nargs="*", help="student ids (default: every folder in submitted/)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="local worker processes")
    p.add_argument("--scheduler", default=None, help="a Dask scheduler's address (default: a local cluster)")
    p.add_argument("--lessons", default="*", help="an assignment id or a glob (default '*')")
    p.add_argument("--timeout", type=int, default=None, help="seconds per cell (default: the course's)")
    p.add_argument("--task-timeout", type=float, default=3600.0, help="seconds per (student, lesson)")
    a = p.parse_args(argv)
    root = Path(os.environ.get("LSTM_COURSE_ROOT", os.getcwd()))
    submitted = root / ".course" / "submitted"
    students = a.students or sorted(d.name for d in submitted.iterdir() if d.is_dir())
    t0 = time.monotonic()
    results = autograde_students(
        root,
        dict(os.environ),
        students,
        workers=a.workers,
        scheduler=a.scheduler,
        lessons=a.lessons,
        timeout=a.timeout,
        task_timeout=a.task_timeout,
    )
    dt = time.monotonic() - t0
    db = os.environ.get("LSTM_COURSE_DB", f"sqlite:///{root / '.course' / 'gradebook.db'}")
    bad = [g for g in results if g.status != "graded"]
    print(
        f"{len(students)} students, {len(results)} notebook folders in {dt:.1f} s "
        f"({len(students) / dt * 60:.1f} students/min); not graded: {len(bad)}; gradebook integrity "
        f"{'ok' if integrity_ok(db) else 'FAILED'}"
    )
    for g in bad:
        print(f"  {g.student} / {g.lesson}: {g.status} (exit code {g.returncode}); log {g.log}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
