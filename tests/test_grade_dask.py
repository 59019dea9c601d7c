"""Class grading on a real Dask cluster: the engine's own scheduler and two worker processes on loopback,
20 students x 2 lessons against the PostgreSQL gradebook; then the same class with one worker killed in
the middle of a task. Every (student, lesson) must be graded exactly once, with the right scores.

The lessons are two copies of the tiny lesson (tests/bad_submissions/tiny_lesson.py): what is tested
here is the engine, and each task still runs the course's whole nbgrader autograde (sandbox, checker).
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from autograder import classroom
from autograder.grade_parallel import autograde_students
from autograder.notebooks import REPO

sys.path.insert(0, str(REPO / "tests" / "bad_submissions"))
import tiny_lesson  # noqa: E402

# Not beside the hostile-submission corpus (CPU burners, fork and memory bombs in the sandbox) on the other test
# worker: in one CI run a correct tiny notebook timed out there (184.5 s, against 4-6 s for the other 79).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("tests/test_bad_submissions.py")]
LESSONS = (tiny_lesson.LESSON, "00-tiny-copy")
KINDS = ("correct", "blank", "partial", "correct")
EXPECTED = {
    "correct": {"test_ex1_mean_state": 2.0, "test_ex2_squash": 1.0},
    "blank": {"test_ex1_mean_state": 0.0, "test_ex2_squash": 0.0},
    "partial": {"test_ex1_mean_state": 2.0, "test_ex2_squash": 0.0},
}
STUDENTS = {f"st{i:02d}": KINDS[i % len(KINDS)] for i in range(20)}
DASK = Path(sys.executable).parent / "dask"


def _class(root: Path, db_url: str) -> classroom.Course:
    """A course with the two lessons generated and every student's submission in place."""
    course = classroom.Course(root).create([])  # the course's own time limits, as an instructor grades
    course.env["LSTM_COURSE_DB"] = db_url
    tiny_lesson.write(course.root)
    shutil.copytree(course.root / "solutions" / LESSONS[0], course.root / "solutions" / LESSONS[1])
    name = tiny_lesson.NOTEBOOK
    for lesson in LESSONS:
        course.nbgrader("generate_assignment", lesson, "--force")
        for student, kind in STUDENTS.items():
            nb = classroom.student_notebook(
                kind, course.root / "lessons" / lesson / name, course.root / "solutions" / lesson / name, lesson
            )
            dest = course.root / ".course" / "submitted" / student / lesson
            dest.mkdir(parents=True)
            nbformat.write(nb, dest / name)
    return course


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes (each worker with its nanny, in its own process group
    so that it can be killed as a machine would be lost)."""

    def __init__(self, tmp: Path, workers: int = 2):
        self.file = tmp / "scheduler.json"
        self.logs = tmp
        # workers fork their graders: not daemonic (autograder/grade_parallel.py, autograder/README.md)
        env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
        self.scheduler = self._start(
            [
                str(DASK),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(self.file),
            ],
            "scheduler",
            env,
        )
        for _ in range(300):
            if self.file.exists() and self.file.stat().st_size:
                break
            time.sleep(0.1)
        self.workers = [
            self._start(
                [
                    str(DASK),
                    "worker",
                    "--scheduler-file",
                    str(self.file),
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--no-dashboard",
                    "--memory-limit",
                    "0",
                    "--name",
                    f"w{i}",
                ],
                f"worker{i}",
                env,
            )
            for i in range(workers)
        ]

    def _start(self, cmd, name, env):
        log = open(self.logs / f"{name}.log", "w")
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def client(self, n_workers: int):
        from distributed import Client

        client = Client(scheduler_file=str(self.file), timeout=60)
        client.wait_for_workers(n_workers, timeout=120)
        return client

    def kill(self, proc) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _ledger(course, results) -> list[dict]:
    runs = course.root / ".course" / "logs" / "runs"
    (run,) = list(runs.iterdir())
    return [json.loads(line) for line in (run / "ledger.jsonl").read_text().splitlines()]


def _check_class(course, results, ledger) -> None:
    tasks = {(s, les) for s in STUDENTS for les in LESSONS}
    assert sorted((g.student, g.lesson) for g in results) == sorted(tasks), "one result per (student, lesson)"
    assert [g for g in results if g.status != "graded"] == [], "every notebook folder is graded"
    graded = collections.Counter((e["student"], e["lesson"]) for e in ledger if e["event"] == "graded")
    assert graded == collections.Counter(tasks), {k: v for k, v in graded.items() if v != 1}
    for student, kind in STUDENTS.items():
        for lesson in LESSONS:
            assert course.cell_scores(lesson, student) == EXPECTED[kind], (student, lesson)
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:  # one submission per (student, lesson), one grade per graded cell
        for lesson in LESSONS:
            subs = gb.assignment_submissions(lesson)
            assert sorted(s.student_id for s in subs) == sorted(STUDENTS)
            for sub in subs:
                assert len(sub.notebooks) == 1 and len(sub.notebooks[0].grades) == len(EXPECTED["correct"]) + 1


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


def test_class_on_dask_every_grade_exactly_once(postgres, cluster, tmp_path):
    course = _class(tmp_path / "course", postgres)
    with cluster.client(2) as client:
        t0 = time.monotonic()
        results = autograde_students(course.root, course.env, sorted(STUDENTS), client=client, lessons=list(LESSONS))
        dt = time.monotonic() - t0
    ledger = _ledger(course, results)
    _check_class(course, results, ledger)
    assert [e for e in ledger if e["event"] == "reused"] == []
    assert len({g.worker for g in results}) == 2, "both workers took tasks"
    print(f"20 students x 2 lessons on 2 Dask workers: {dt:.1f} s ({len(STUDENTS) / dt * 60:.1f} students/min)")


def test_class_on_dask_survives_a_killed_worker(postgres, cluster, tmp_path):
    course = _class(tmp_path / "course", postgres)
    victim = cluster.workers[1]
    killed = {}

    def kill_when_busy(client):
        """Kill worker w1 (nanny, worker, and so its nbgrader child) while it is grading, after a few tasks."""
        runs = course.root / ".course" / "logs" / "runs"
        info = client.scheduler_info()["workers"]
        address = next(a for a, w in info.items() if w.get("name") == "w1")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            ledger = [json.loads(x) for f in runs.glob("*/ledger.jsonl") for x in f.read_text().splitlines()]
            mine = [e for e in ledger if e["worker"] == address]
            starts = [e for e in mine if e["event"] == "start"]
            if len(starts) >= 3 and len(starts) > len([e for e in mine if e["event"] == "graded"]):
                time.sleep(1.0)  # well inside nbgrader's run of that notebook
                cluster.kill(victim)
                killed.update(address=address, ledger_before=len(ledger))
                return
            time.sleep(0.2)

    with cluster.client(2) as client:
        killer = threading.Thread(target=kill_when_busy, args=(client,))
        killer.start()
        results = autograde_students(course.root, course.env, sorted(STUDENTS), client=client, lessons=list(LESSONS))
        killer.join()
    assert killed, "the worker was never killed mid-task (it never took three tasks)"
    ledger = _ledger(course, results)
    _check_class(course, results, ledger)
    lost = [e for e in ledger if e["worker"] == killed["address"]]
    started = collections.Counter((e["student"], e["lesson"]) for e in lost if e["event"] == "start")
    finished = collections.Counter((e["student"], e["lesson"]) for e in lost if e["event"] == "graded")
    interrupted = set(started) - set(finished)
    assert interrupted, "the killed worker was in the middle of a task"
    for task in interrupted:  # ... which another worker then graded, once
        others = [e for e in ledger if (e["student"], e["lesson"]) == task and e["event"] == "graded"]
        assert len(others) == 1 and others[0]["worker"] != killed["address"], (task, others)
    time.sleep(1)
    assert _nbgrader_processes_in(course.root) == [], "an nbgrader process outlived its killed worker"


def _nbgrader_processes_in(root: Path) -> list[str]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if Path(os.readlink(proc / "cwd")) == root and b"nbgrader" in (proc / "cmdline").read_bytes():
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return found
