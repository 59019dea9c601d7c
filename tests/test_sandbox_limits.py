"""Resource caps of the autograding sandbox (``autograder/sandbox``): /tmp, the scratch folder, processes.

Each cap is shown in the real sandbox: the bwrap command the grader builds (``bwrap_command``), or the
real ``SandboxKernelManager`` driven by nbclient as nbgrader drives it. Hitting a cap costs only the cell
that hit it: the write or the fork fails there, the next cells run, the grader's machine is untouched.
Skips (saying why) only where bubblewrap is not installed or is turned off, like the course probe in
``tests/test_bad_submissions.py``; an installed bubblewrap that does not work fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

import autograder.sandbox as sandbox
from autograder.sandbox import (
    LIMITS,
    SandboxKernelManager,
    _open_to_kernel_user,
    _parse_size,
    bwrap_command,
    configure,
    sandbox_status,
)

REPO = Path(__file__).resolve().parent.parent
MiB = 2**20


def _bwrap() -> str:
    ok, why = sandbox_status()
    if not ok:
        if shutil.which("bwrap") is None or "LSTM_SANDBOX" in why:
            pytest.skip(f"bubblewrap is {why}: autograding here runs UNSANDBOXED (`make sandbox` installs it as root)")
        pytest.fail(f"bubblewrap is installed but the sandbox does not work: {why}")
    return why


# A probe run in the sandbox: tries each write and reports what happened, as one JSON line.
PROBE = r"""
import errno, json, os, sys, time
args = json.loads(sys.argv[1])
out = {}

def fill(folder, total, chunk, files):
    # write `total` bytes in `chunk`-sized pieces, a new file every `files` bytes; stop at the first error
    written, n, f = 0, 0, None
    try:
        while written < total:
            if written % files == 0:
                if f: f.close()
                f = open(os.path.join(folder, f"fill-{n}.bin"), "wb"); n += 1
            f.write(os.urandom(16) * (chunk // 16)); f.flush(); written += chunk
        f.close(); f = None
        return {"written": written, "files": n, "error": None}
    except OSError as e:
        return {"written": written, "files": n, "error": errno.errorcode.get(e.errno, str(e))}
    finally:
        if f:
            try: f.close()
            except OSError: pass

def write(path, size=4096):
    try:
        with open(path, "wb") as f:
            f.write(b"x" * size)
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e))

for name, (folder, total, chunk, files) in args["fill"].items():
    out[name + "_small"] = write(os.path.join(folder, name + "-small.txt"), 1 << 20)
    out[name] = fill(folder, total, chunk, files)
out["elsewhere"] = {p: write(p) for p in args["elsewhere"]}
out["cwd"] = sorted(os.listdir("."))
out["copied"] = {p: open(p).read() for p in args["read"]}
if args.get("fork"):
    n, err, deadline = 0, None, time.monotonic() + 20
    while n < args["fork"] and time.monotonic() < deadline:
        try:
            pid = os.fork()
        except OSError as e:
            err = errno.errorcode.get(e.errno); break
        if pid == 0:
            time.sleep(5); os._exit(0)
        n += 1
    out["fork"] = {"forked": n, "error": err}
print(json.dumps(out))
"""


def _rundir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="lstm-limits-test-")  # short: socket paths live in it


def _scratch(rundir: Path) -> Path:
    (rundir / "ipc").mkdir()
    scratch = rundir / "work"
    (scratch / "sub").mkdir(parents=True)
    (scratch / "notebook.ipynb").write_text('{"cells": []}\n' + " " * 100_000)
    (scratch / "sub" / "data.txt").write_text("the student's data\n")
    return scratch


def _tree(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*"))}


def _run(cmd: list[str], prefix: list[str] = ()) -> dict:
    proc = subprocess.run([*prefix, *cmd], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"the probe failed in the sandbox: {proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _probe_args(rundir: Path, cwd: Path, tmp_cap: int, scratch_cap: int, **more) -> dict:
    return {
        "fill": {
            # 2x the cap into /tmp and 2x the room into the scratch folder, in 1 MiB files (under RLIMIT_FSIZE)
            "tmp": ["/tmp", 2 * tmp_cap, MiB, MiB],
            "scratch": [str(cwd), 2 * scratch_cap, MiB, MiB],
            "ipc": [str(rundir / "ipc"), 4 * MiB, 64 * 1024, 4 * MiB],
        },
        "read": ["notebook.ipynb", "sub/data.txt"],
        **more,
    }


def _check_caps(seen: dict, tmp_cap: int, scratch_cap: int, scratch: Path, before: dict) -> None:
    assert seen["tmp_small"] == "ok", seen
    assert seen["tmp"]["error"] == "ENOSPC", f"/tmp is not capped: {seen['tmp']}"
    assert tmp_cap - 2 * MiB <= seen["tmp"]["written"] <= tmp_cap, seen["tmp"]
    assert seen["scratch_small"] == "ok", seen
    assert seen["scratch"]["error"] == "ENOSPC", f"the scratch folder is not capped: {seen['scratch']}"
    assert seen["scratch"]["files"] > 4, "the cap must hold for many files, each under RLIMIT_FSIZE"
    assert scratch_cap - 2 * MiB <= seen["scratch"]["written"] <= scratch_cap, seen["scratch"]
    assert seen["ipc"]["error"] == "ENOSPC" and seen["ipc"]["written"] <= MiB, f"socket folder: {seen['ipc']}"
    assert "notebook.ipynb" in seen["cwd"] and "sub" in seen["cwd"], seen["cwd"]
    assert seen["copied"]["sub/data.txt"] == "the student's data\n"
    assert seen["copied"]["notebook.ipynb"] == (scratch / "notebook.ipynb").read_text()
    bad = {p: r for p, r in seen["elsewhere"].items() if r == "ok"}
    assert not bad, f"writable outside /tmp and the scratch folder: {bad}"
    assert _tree(scratch) == before, "the kernel's writes reached the host copy of the notebook's folder"


def test_configure_puts_the_documented_defaults(monkeypatch):
    """configure(c) sets every limit on SandboxKernelManager; the environment overrides each; the course
    config calls it; bwrap gets the sizes."""
    for var, _ in LIMITS.values():
        monkeypatch.delenv(var, raising=False)
    c = Config()
    configure(c)
    expected = {
        "memory_limit": "4G",
        "cpu_limit": 900,
        "fsize_limit": "1G",
        "tmp_limit": "256M",
        "scratch_limit": "256M",
        "procs_limit": 512,
    }
    assert dict(c.SandboxKernelManager) == expected
    for trait in expected:
        assert SandboxKernelManager.class_traits()[trait].help, f"{trait} needs a help text"
        assert trait in sandbox.__doc__ or LIMITS[trait][0] in sandbox.__doc__, f"{trait} is not documented"
    monkeypatch.setenv("LSTM_SANDBOX_TMP", "64M")
    monkeypatch.setenv("LSTM_SANDBOX_SCRATCH", "1G")
    monkeypatch.setenv("LSTM_SANDBOX_PROCS", "300")
    c = Config()
    configure(c)
    km = SandboxKernelManager(config=c)
    assert (km.tmp_limit, km.scratch_limit, km.procs_limit) == ("64M", "1G", 300)
    monkeypatch.delenv("LSTM_SANDBOX_TMP")

    from traitlets.config.loader import PyFileConfigLoader

    course = PyFileConfigLoader("nbgrader_config.py", path=str(REPO / "autograder")).load_config()
    assert course.SandboxKernelManager.tmp_limit == "256M" and course.SandboxKernelManager.procs_limit == 300

    with _rundir() as rundir:
        rundir = Path(rundir)
        scratch = _scratch(rundir)
        cmd = bwrap_command(
            "bwrap", ["true"], cwd=scratch, scratch=scratch, rundir=rundir, hide=[], memory=1, cpu=1, fsize=1, env={}
        )
        tmp = cmd.index("/tmp", cmd.index("--size"))
        assert cmd[tmp - 3 : tmp + 1] == ["--size", str(256 * MiB), "--tmpfs", "/tmp"]
        room = next(cmd[i - 1] for i in range(len(cmd) - 1) if cmd[i : i + 2] == ["--tmpfs", str(scratch)])
        assert int(room) >= 256 * MiB + 100_000, "the scratch tmpfs holds the notebook's files plus the room"
        assert _parse_size("1.5G") == 3 * 2**29 and _parse_size("256MiB") == 256 * MiB


def test_tmp_and_scratch_folder_are_capped():
    """In the grader's sandbox: a small write to /tmp and to the scratch folder works; twice the cap fails
    with ENOSPC (the scratch folder in 1 MiB files: a total cap, not RLIMIT_FSIZE); the socket folder is
    capped too; nothing else is writable; the host copy of the notebook's folder is untouched."""
    bwrap = _bwrap()
    tmp_cap, scratch_cap = 8 * MiB, 8 * MiB
    with _rundir() as rundir:
        rundir = Path(rundir)
        scratch = _scratch(rundir)
        cwd = rundir / "notebook-folder"  # where the kernel sees its notebook (autograded/<student>/<lesson>)
        cwd.mkdir()
        _open_to_kernel_user(rundir, scratch)
        before = _tree(scratch)
        elsewhere = ["/dev/x", "/dev/shm/x", str(rundir / "x"), str(scratch / "x"), str(REPO / "x")]
        elsewhere += [str(Path.home() / "x"), str(REPO / "helpers" / "x")]
        args = _probe_args(rundir, cwd, tmp_cap, scratch_cap, elsewhere=elsewhere)
        cmd = bwrap_command(
            bwrap,
            [sys.executable, "-c", PROBE, json.dumps(args)],
            cwd=cwd,
            scratch=scratch,
            rundir=rundir,
            hide=[],
            memory=2**32,
            cpu=60,
            fsize=2 * MiB,  # each file stays under RLIMIT_FSIZE: only the total cap can stop them
            env={},
            tmp_size=tmp_cap,
            scratch_size=scratch_cap,
        )
        seen = _run(cmd)
        _check_caps(seen, tmp_cap, scratch_cap, scratch, before)
        assert sorted(p.name for p in rundir.iterdir()) == ["ipc", "notebook-folder", "work"]
        assert not any((rundir / "ipc").iterdir()) and not any(cwd.iterdir()), "writes reached the host"


def test_caps_hold_for_an_unprivileged_grader(monkeypatch, tmp_path):
    """The sandbox as a grader account that is not root builds it (its own user namespace, where /dev and
    the masked home folder would be writable tmpfs without the remount): the same caps, nothing else
    writable, and RLIMIT_NPROC counts the sandbox's processes only, not the same user's outside it."""
    bwrap = _bwrap()
    if os.geteuid() != 0:
        pytest.skip("needs root to run the probe as another user (this grader is itself unprivileged)")
    python = "/usr/bin/python3"
    if not os.access(python, os.X_OK):
        pytest.skip(f"{python} (readable by user nobody) is not installed")
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    check = subprocess.run([*nobody, bwrap, "--ro-bind", "/", "/", "--unshare-all", "true"], capture_output=True)
    if check.returncode != 0:
        pytest.skip(f"unprivileged user namespaces are not available: {check.stderr.decode()[-300:]}")
    tmp_cap, scratch_cap, nproc = 8 * MiB, 8 * MiB, 32
    with _rundir() as rundir, tempfile.TemporaryDirectory(prefix="lstm-limits-home-") as home:
        rundir, home = Path(rundir), Path(home)  # home: the grader account's home folder, masked in the sandbox
        scratch = _scratch(rundir)
        for p in [home, rundir, *rundir.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        before = _tree(scratch)
        cwd = scratch
        args = _probe_args(rundir, cwd, tmp_cap, scratch_cap, fork=4 * nproc)
        args["elsewhere"] = ["/dev/x", "/dev/shm/x", str(home / "x"), str(rundir / "x"), str(REPO / "x")]
        monkeypatch.setattr(os, "geteuid", lambda: 1000)
        monkeypatch.setenv("HOME", str(home))
        cmd = bwrap_command(
            bwrap,
            [python, "-I", "-c", PROBE, json.dumps(args)],
            cwd=cwd,
            scratch=scratch,
            rundir=rundir,
            hide=[],
            memory=2**32,
            cpu=60,
            fsize=2 * MiB,
            env={},
            tmp_size=tmp_cap,
            scratch_size=scratch_cap,
            nproc=nproc,
        )
        monkeypatch.undo()
        assert "setpriv" not in cmd and "--unshare-all" in cmd
        # 40 processes of the same user outside the sandbox: they must not count against its cap
        outside = subprocess.Popen(
            [*nobody, "sh", "-c", "for i in $(seq 40); do sleep 30 & done; wait"], start_new_session=True
        )
        try:
            time.sleep(0.5)
            seen = _run(cmd, prefix=nobody)
        finally:
            os.killpg(outside.pid, signal.SIGKILL)
            outside.wait()
        _check_caps(seen, tmp_cap, scratch_cap, scratch, before)
    assert seen["fork"]["error"] == "EAGAIN", seen["fork"]
    assert nproc - 6 <= seen["fork"]["forked"] < nproc, f"RLIMIT_NPROC is not per sandbox: {seen['fork']}"


def _notebook(*cells: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in cells])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _execute(nb, folder: Path, config: Config, timeout: int = 60) -> list[list[dict]]:
    client = NotebookClient(
        nb,
        config=config,
        kernel_manager_class=SandboxKernelManager,
        kernel_name="python3",
        timeout=timeout,
        allow_errors=True,
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return [cell.outputs for cell in nb.cells]


def _text(outputs: list[dict]) -> str:
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def _nobody_processes(marker: str | None = None, uid: int = 65534) -> int:
    """Processes of user ``uid`` (nobody: the sandboxed kernels' user when the grader is root); with
    ``marker``, only those whose command line contains it."""
    n = 0
    for p in Path("/proc").iterdir():
        try:
            if not (p.name.isdigit() and p.stat().st_uid == uid):
                continue
            if marker is not None and marker not in (p / "cmdline").read_bytes().decode(errors="replace"):
                continue
            n += 1
        except OSError:
            pass
    return n


BOMB_MARK = "61.5"  # the fork bomb's children exec `sleep 61.5`: found on the host by that argument


FORK_BOMB = """
import errno, os, time
forked, error, deadline = 0, None, time.monotonic() + 20
while forked < 2000 and time.monotonic() < deadline:   # a fork bomb, bounded for the test
    try:
        pid = os.fork()
    except OSError as e:
        error = errno.errorcode.get(e.errno); break
    if pid == 0:
        try:
            os.execv("/bin/sleep", ["sleep", "61.5"])
        finally:
            os._exit(0)
    forked += 1
print(forked, error)
"""
AFTER = """
import os, time
deadline = time.monotonic() + 10   # the grader's watchdog removes the bomb's processes
while (pids := sorted(int(p) for p in os.listdir("/proc") if p.isdigit())) != [1, 2] and time.monotonic() < deadline:
    time.sleep(0.1)
print(pids)
"""
STILL_WORKS = """
import os, threading
threads = [threading.Thread(target=sum, args=(range(1000),)) for _ in range(20)]
[t.start() for t in threads]; [t.join() for t in threads]
pid = os.fork()
if pid == 0:
    os._exit(0)
print("threads and a fork work")
"""
FILL_TMP = """
with open("/tmp/big", "wb") as f:
    for _ in range(64):
        f.write(bytes(1 << 20))   # 64 MiB into the 8 MiB /tmp
"""


@pytest.mark.parametrize("mechanism", ["cgroup", "rlimit"])
def test_fork_bomb_and_full_tmp_cost_only_their_cell(mechanism, monkeypatch, tmp_path):
    """The real SandboxKernelManager with a cap of 64 tasks: a fork bomb's fork fails with EAGAIN at the
    cap (a cgroup's pids.max, or RLIMIT_NPROC); the grader's watchdog then removes the bomb's processes,
    so the next cells can start threads and fork; a cell that fills /tmp fails with ENOSPC and the next
    one runs. Afterwards no sandbox process is left on the host."""
    _bwrap()
    if mechanism == "cgroup" and sandbox.pids_cgroup_parent() is None:
        pytest.skip("no cgroup pids controller this grader may use (the RLIMIT_NPROC case runs instead)")
    uid = sandbox.NOBODY
    if mechanism == "rlimit":
        monkeypatch.setattr(sandbox, "pids_cgroup_parent", lambda: None)
        # As root, RLIMIT_NPROC counts every task of the kernel's user, and all sandboxed kernels are
        # `nobody` (autograder/README: they share the cap): this kernel gets a user of its own, so the other
        # tests' kernels do not count against its cap.
        uid = 64999
        monkeypatch.setattr(sandbox, "NOBODY", uid)
    c = Config()
    limit = 64
    c.SandboxKernelManager.procs_limit = limit
    c.SandboxKernelManager.tmp_limit = "8M"
    (tmp_path / "notes.txt").write_text("notes")
    nb = _notebook(FORK_BOMB, AFTER, STILL_WORKS, FILL_TMP, "print(open('notes.txt').read(), sum(range(10)))")
    bomb, after, works, fill, last = _execute(nb, tmp_path, c)
    forked, error = _text(bomb).split()
    assert error == "EAGAIN" and 0 < int(forked) < limit, f"the fork bomb was not stopped at the cap: {_text(bomb)}"
    assert _text(after).strip() == "[1, 2]", f"the bomb's processes were left running: {_text(after)}"
    assert "threads and a fork work" in _text(works), works
    assert [o["ename"] for o in fill if o["output_type"] == "error"] == ["OSError"], fill
    assert "No space left on device" in fill[-1]["evalue"], fill
    assert _text(last).strip() == "notes 45", last
    deadline = time.monotonic() + 5
    while _nobody_processes(BOMB_MARK, uid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _nobody_processes(BOMB_MARK, uid), "the bomb's processes outlived the kernel"
    assert subprocess.run(["true"]).returncode == 0, "the host can still start processes"
    parent = sandbox.pids_cgroup_parent()
    if parent is not None:
        assert not list(parent.glob(f"lstm-sandbox-{os.getpid()}-*")), "the sandbox's cgroup was not removed"


TENSORFLOW = """
import os, time
t0 = time.monotonic()
import numpy as np
import keras
x = np.random.default_rng(0).random((256, 20, 1), dtype=np.float32)
y = x.sum(axis=1)
model = keras.Sequential([keras.Input((20, 1)), keras.layers.LSTM(16), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
loss = model.fit(x, y, epochs=2, batch_size=32, verbose=0).history["loss"][-1]
threads = sum(len(os.listdir(f"/proc/{p}/task")) for p in os.listdir("/proc") if p.isdigit())
print(f"loss {loss:.4f} tasks {threads} seconds {time.monotonic() - t0:.1f}")
"""


@pytest.mark.slow
def test_tensorflow_keras_lstm_fit_works_under_the_default_caps(tmp_path):
    """import TensorFlow + a tiny Keras LSTM fit inside the sandbox with the course's defaults (4 GiB
    address space, 256 MiB /tmp and scratch, 512 tasks) succeeds, with under 128 tasks. 16-36 s here (2 cores,
    load 4-5)."""
    _bwrap()
    c = Config()
    configure(c)
    outputs = _execute(_notebook(TENSORFLOW), tmp_path, c, timeout=170)[0]
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert not errors, errors
    words = _text(outputs).split()
    loss, tasks = float(words[words.index("loss") + 1]), int(words[words.index("tasks") + 1])
    assert loss == loss and tasks < c.SandboxKernelManager.procs_limit // 4, _text(outputs)
    print(_text(outputs))
