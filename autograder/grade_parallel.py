"""Autograde a class with several nbgrader processes at once, without corrupting the gradebook.

    python -m autograder.grade_parallel [--workers N] [--lessons A,B] [STUDENT ...]

(run from the course root, with the course config: ``JUPYTER_CONFIG_PATH=autograder``.)

The students are dealt round-robin to N workers; each worker is one ``nbgrader autograde '*'`` process
that grades every lesson of its own students (``--CourseDirectory.student_id_exclude`` = everybody
else), so workers never write the same rows. They share one gradebook:

- SQLite (the default): each connection waits up to 120 s for the write lock (``?timeout=120`` on the
  URL) instead of failing with "database is locked"; nbgrader's writes are short transactions (the
  submission row, then the grades), the long part (running the notebook) holds no lock. A worker whose
  run still fails on a locked database is retried once, for its students only.
- PostgreSQL (``LSTM_COURSE_DB=postgresql://...``): concurrent writers are what it is made for.

Afterwards the gradebook is checked (``PRAGMA integrity_check`` for SQLite) and every (student, lesson)
that was submitted must have a graded submission.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from tqdm import tqdm

BIN = Path(sys.executable).parent


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


def deal(students: list[str], workers: int) -> list[list[str]]:
    groups = [students[i::workers] for i in range(max(1, min(workers, len(students))))]
    return [g for g in groups if g]


def _command(
    lesson_glob: str, exclude: list[str], timeout: int | None, extra: list[str], solution_timeout: int | None = None
) -> list[str]:
    cmd = [str(BIN / "nbgrader"), "autograde", lesson_glob, "--force"]
    if exclude:
        cmd.append("--CourseDirectory.student_id_exclude=" + ",".join(exclude))
    if timeout:
        cmd.append(f"--ExecutePreprocessor.timeout={timeout}")
    if solution_timeout:
        cmd.append(f"--JudgedExecute.solution_timeout={solution_timeout}")
    return cmd + list(extra)


def autograde_students(
    root: Path,
    env: dict,
    students: list[str],
    everybody: list[str],
    *,
    workers: int = 2,
    lessons: str = "*",
    timeout: int | None = None,
    extra: list[str] = (),
    log_dir: Path | None = None,
    solution_timeout: int | None = None,
) -> list[subprocess.CompletedProcess]:
    """Run the workers in ``root`` with ``env``; returns their finished processes (logs in ``log_dir``)."""
    env = dict(env)
    submitted = root / ".course" / "submitted"
    everybody = set(everybody) | ({d.name for d in submitted.iterdir() if d.is_dir()} if submitted.is_dir() else set())
    env["LSTM_COURSE_DB"] = with_busy_timeout(
        env.get("LSTM_COURSE_DB", f"sqlite:///{root / '.course' / 'gradebook.db'}")
    )
    log_dir = Path(log_dir or root / ".course" / "logs")
    log_dir.mkdir(parents=True, exist_ok=True)

    def start(i, group):
        exclude = sorted(set(everybody) - set(group))
        log = open(log_dir / f"autograde-worker{i}.log", "a")
        return (
            subprocess.Popen(
                _command(lessons, exclude, timeout, extra, solution_timeout),
                cwd=root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            ),
            log,
            group,
        )

    running = [start(i, g) for i, g in enumerate(deal(students, workers))]
    total = _count_submitted(submitted, students, lessons)
    done, retried, seen = [], False, {}
    offsets = {log.name: log.tell() for _, log, _ in running}  # the logs append: read this run's part only
    with tqdm(total=total, desc="autograding", unit="notebook", file=sys.stderr, mininterval=2, disable=None) as bar:
        while running:
            time.sleep(0.5)
            codes = [p.poll() for p, _, _ in running]
            _progress(bar, seen, offsets, [log.name for _, log, _ in running], codes)
            for item in [r for r, code in zip(running, codes, strict=True) if code is not None]:
                running.remove(item)
                proc, log, group = item
                log.close()
                text = (log_dir / Path(log.name).name).read_text(errors="replace")
                if proc.returncode != 0 and "database is locked" in text and not retried:
                    retried = True
                    running.append(start(len(done) + 100, group))
                    offsets[running[-1][1].name] = running[-1][1].tell()
                    continue
                done.append(subprocess.CompletedProcess(proc.args, proc.returncode, text, ""))
        bar.n = max(bar.n, min(total, sum(len(v) for v in seen.values())))
        bar.refresh()
    return done


_STARTED = re.compile(r"\] Autograding (\S+\.ipynb)")


def _count_submitted(submitted: Path, students: list[str], lessons: str) -> int:
    return sum(len(list((submitted / s).glob(f"{lessons}/*.ipynb"))) for s in students)


def _progress(bar, seen: dict, offsets: dict, logs: list[str], codes: list) -> None:
    """Count the notebooks each worker has finished (it logs "Autograding <notebook>" as it starts the next
    one, and is done with all it started once it exits), and print one line per finished notebook."""
    for path, code in zip(logs, codes, strict=True):
        try:
            with open(path, errors="replace") as f:
                f.seek(offsets.get(path, 0))
                started = _STARTED.findall(f.read())
        except OSError:
            continue
        finished = started if code is not None else started[:-1]
        for nb in finished[len(seen.get(path, [])) :]:
            parts = Path(nb).parts
            bar.write(f"[autograde] {parts[-3]} / {parts[-2]} / {parts[-1]}: graded" if len(parts) >= 3 else nb)
        if len(finished) > len(seen.get(path, [])):
            seen[path] = finished
    bar.n = min(bar.total or 0, sum(len(v) for v in seen.values()))
    bar.refresh()


def autograde_parallel(course, lessons: list[str], students: list[str], workers: int = 2) -> None:
    """Autograde ``lessons`` x ``students`` of an :class:`autograder.classroom.Course`."""
    lesson_glob = lessons[0] if len(lessons) == 1 else "*"
    procs = autograde_students(
        course.root,
        course.env,
        students,
        students,
        workers=workers,
        lessons=lesson_glob,
        timeout=course.timeout,
        solution_timeout=getattr(course, "solution_timeout", None),
    )
    for p in procs:
        if p.returncode != 0:
            # nbgrader exits 1 when one notebook could not be graded (e.g. malformed JSON); the others are.
            print(
                f"[grade-parallel] a worker exited with {p.returncode}; see {course.root / '.course' / 'logs'}",
                file=sys.stderr,
            )
    if not integrity_ok(course.db_url):
        raise RuntimeError("the gradebook failed PRAGMA integrity_check")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("students", nargs="*", help="student ids (default: every folder in submitted/)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    p.add_argument("--lessons", default="*", help="an assignment id or a glob (default '*')")
    p.add_argument("--timeout", type=int, default=None)
    a = p.parse_args(argv)
    root = Path(os.environ.get("LSTM_COURSE_ROOT", os.getcwd()))
    submitted = root / ".course" / "submitted"
    everybody = sorted(d.name for d in submitted.iterdir() if d.is_dir())
    students = a.students or everybody
    t0 = time.monotonic()
    procs = autograde_students(
        root, dict(os.environ), students, everybody, workers=a.workers, lessons=a.lessons, timeout=a.timeout
    )
    db = os.environ.get("LSTM_COURSE_DB", f"sqlite:///{root / '.course' / 'gradebook.db'}")
    print(
        f"{len(students)} students, {a.workers} workers: {time.monotonic() - t0:.1f} s; "
        f"exit codes {[pr.returncode for pr in procs]}; gradebook integrity "
        f"{'ok' if integrity_ok(db) else 'FAILED'}"
    )
    return max(pr.returncode for pr in procs)


if __name__ == "__main__":
    raise SystemExit(main())
