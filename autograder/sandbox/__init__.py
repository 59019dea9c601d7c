"""Run student code in a sandbox while autograding: bubblewrap, size-capped scratch space, resource limits.

nbgrader executes each submission with nbclient, which starts a Jupyter kernel through a *kernel
manager*. The course config (``autograder/nbgrader_config.py``) selects :class:`SandboxKernelManager`,
which launches the usual ``python -m ipykernel_launcher`` inside ``bwrap``:

- the whole file system read-only (``--ro-bind / /``), a private ``/dev`` (read-only) and a new ``/proc``;
- **hidden** (empty read-only folders mounted over them): the course's ``solutions/``, its ``.course/``
  working area (gradebook, submitted/, autograded/, feedback/, exchange/), the exchange and the gradebook
  file when they live elsewhere, the grader's home folder (except the Python installation);
- a cleared environment (only ``PATH``, the locale, ``TF_*``, ``KERAS_*``, ... are passed on); when the
  grader runs as root, the kernel runs as user ``nobody`` without capabilities (``setpriv``);
- no network, no IPC with the host, its own PID namespace (``--unshare-all``), no capabilities,
  killed with the grader (``--die-with-parent``), a new session.

**The only writable places are three size-capped RAM file systems (tmpfs) private to the sandbox**, so
nothing the kernel writes reaches the host's disks:

- ``/tmp`` (also ``HOME``): ``tmp_limit``, default 256 MiB (``LSTM_SANDBOX_TMP``);
- the **scratch folder**: the notebook's folder, as the kernel sees it, is a tmpfs holding a copy of the
  notebook's files (copied in by the sandbox before the kernel starts; thrown away afterwards). Its size
  is the copied files plus ``scratch_limit``, default 256 MiB (``LSTM_SANDBOX_SCRATCH``), for anything the
  student writes there, in as many files as they like (``RLIMIT_FSIZE`` alone caps single files only);
- the kernel's socket folder (1 MiB): the kernel creates its ZeroMQ sockets on a tmpfs inside the
  sandbox and the grader reaches them through ``/proc/<sandbox pid>/root/...``, so no host folder is
  writable by student code.

A write beyond a cap fails in the cell that made it (``OSError: [Errno 28] No space left on device``);
the space stays used until the kernel restarts, the grader and other notebooks are not affected.
Note that a tmpfs caps bytes, not the number of (empty) files: those cost only kernel memory, and the
wall-clock and CPU limits bound how many a cell can make (about 20 000 a second on 2 cores).

**Processes.** ``procs_limit`` (default 512, ``LSTM_SANDBOX_PROCS``) caps the processes *and threads* of
one sandbox. Measured here: ``import tensorflow`` and a small Keras LSTM fit peak at 20 threads on 2
cores, and at 144 with TensorFlow's and OpenBLAS's thread pools sized as on a 64-core machine
(``TF_NUM_INTRAOP_THREADS=64 TF_NUM_INTEROP_THREADS=64 OPENBLAS_NUM_THREADS=64``; the pools grow about two
threads per core); ipykernel adds about 10. 512 leaves room for machines of up to about 200 cores and
stops a fork bomb after 512 processes. How it is enforced:

- with a cgroup ``pids`` controller the grader may use (root, cgroup v1 or a v2 hierarchy with ``pids``
  enabled), each sandbox gets its own cgroup with ``pids.max``: a cap per sandbox;
- otherwise with ``RLIMIT_NPROC``. That limit counts per user: when the grader is not root each sandbox
  is its own user namespace and Linux (5.14 and later) counts a user's processes per namespace, so the
  cap is again per sandbox (checked here); when the grader is root without a usable cgroup all kernels
  run as ``nobody`` and share one budget (two workers: 512 in all, so a fork bomb in one notebook can
  make thread creation fail in the other while it lasts).

A fork that hits the cap fails in that cell (``BlockingIOError: [Errno 11]``). A watchdog thread of the
grader then stops and kills every process of that sandbox except the kernel itself (children are reaped
at once: the kernel runs with ``SIGCHLD`` ignored, so ``subprocess`` return codes read 0 in a graded
kernel), so the next cells run with the process table clean. If the kernel itself still holds nearly
the whole cap (a cell that started hundreds of threads), the watchdog kills the kernel and the
grader's recovery restarts it (the cell running at that moment, usually the one that did it, is marked).

Other limits: address space (``RLIMIT_AS``, ``memory_limit``, default 4 GiB, TensorFlow needs about 3;
``LSTM_SANDBOX_MEMORY``), CPU time (``RLIMIT_CPU``, ``cpu_limit``, 15 min per kernel;
``LSTM_SANDBOX_CPU``), file size (``RLIMIT_FSIZE``, ``fsize_limit``, 1 GiB; ``LSTM_SANDBOX_FSIZE``), no
core dumps; wall-clock time per cell is nbgrader's ``ExecutePreprocessor.timeout``. Memory is capped per
process, not per sandbox: RAM in the tmpfs and in several processes adds up (on a shared server, put the
grader in a cgroup with a memory limit, e.g. systemd's ``MemoryMax=``). :func:`configure` puts these
defaults in the nbgrader config (``c.SandboxKernelManager.*``); sizes take a K/M/G suffix.

The kernel talks to the grader over IPC sockets (TCP is unreachable with ``--unshare-net``), and is
interrupted by message (SIGINT cannot cross the PID namespace), so a looping cell is stopped at the
timeout and the rest of the notebook still runs.

When bubblewrap is missing or cannot create namespaces (a laptop without root, a locked-down
container), grading still works, unsandboxed and without these limits, and a loud warning is logged.
``LSTM_SANDBOX=0`` (never sandbox), ``LSTM_SANDBOX=require`` (fail instead of falling back),
``LSTM_SANDBOX_CGROUP=0`` (cap processes with ``RLIMIT_NPROC`` even where a cgroup could be used).
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, List, Unicode

REPO = Path(__file__).resolve().parents[2]

WARNING = (
    "\n" + "!" * 78 + "\n"
    "!! SANDBOX OFF: bubblewrap is {why}; student code runs UNSANDBOXED with the grader's\n"
    "!! rights (it can read solutions/, the gradebook and other submissions). Install it as root\n"
    "!! (`apt-get install bubblewrap`, `make sandbox`) before grading real submissions.\n" + "!" * 78
)

# The limits: trait of SandboxKernelManager -> (environment override, default). configure() and the
# traits' defaults both read this table.
LIMITS = {
    "memory_limit": ("LSTM_SANDBOX_MEMORY", "4G"),
    "cpu_limit": ("LSTM_SANDBOX_CPU", 900),
    "fsize_limit": ("LSTM_SANDBOX_FSIZE", "1G"),
    "tmp_limit": ("LSTM_SANDBOX_TMP", "256M"),
    "scratch_limit": ("LSTM_SANDBOX_SCRATCH", "256M"),
    "procs_limit": ("LSTM_SANDBOX_PROCS", 512),
}
IPC_SIZE = 2**20  # the tmpfs holding the kernel's five sockets
UNIX_PATH_MAX = 107  # longest path of a Unix socket (sun_path)


def _limit(trait: str):
    var, default = LIMITS[trait]
    value = os.environ.get(var, "").strip()
    return type(default)(value) if value else default


def _parse_size(text: str) -> int:
    text = str(text).strip().upper().removesuffix("IB").removesuffix("B")
    factor = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}.get(text[-1:], 1)
    return int(float(text.rstrip("KMGT")) * factor)


def _tree_bytes(folder: Path) -> int:
    """What copying ``folder`` into a tmpfs takes: every file rounded up to whole pages, one page per entry more."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            try:
                size = os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
            total += (size + page - 1) // page * page + page
    return total


@functools.cache
def sandbox_status() -> tuple[bool, str]:
    """(True, path of bwrap) when a bubblewrap sandbox works here, else (False, the reason)."""
    if os.environ.get("LSTM_SANDBOX", "1").lower() in ("0", "off", "no", "false"):
        return False, "turned off (LSTM_SANDBOX=0)"
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return False, "not installed"
    try:
        with tempfile.TemporaryDirectory(prefix="lstm-sandbox-probe-") as tmp:
            (Path(tmp) / "ipc").mkdir()
            (Path(tmp) / "work").mkdir()
            _open_to_kernel_user(Path(tmp), Path(tmp) / "work")
            probe = bwrap_command(
                bwrap,
                [sys.executable, "-c", "import os"],
                cwd=Path(tmp) / "work",
                scratch=Path(tmp) / "work",
                rundir=Path(tmp),
                hide=[],
                memory=2**32,
                cpu=60,
                fsize=2**20,
                env={},
            )
            proc = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, f"not working ({err})"
    if proc.returncode != 0:
        return False, f"not working here ({proc.stderr.strip() or proc.returncode})"
    return True, bwrap


def sandbox_available() -> bool:
    return sandbox_status()[0]


def protected_paths(config) -> list[Path]:
    """The course paths student code must not see: solutions/, .course/, the exchange and the gradebook."""
    cd = config.get("CourseDirectory", {}) if config is not None else {}
    ex = config.get("Exchange", {}) if config is not None else {}
    root = Path(cd.get("root", os.getcwd()) or os.getcwd())
    paths = [
        root / cd.get("source_directory", "source"),
        root / ".course",
        root / cd.get("submitted_directory", "submitted"),
        root / cd.get("autograded_directory", "autograded"),
        root / cd.get("feedback_directory", "feedback"),
    ]
    # The repository's own instructor material, whichever course root is graded.
    paths += [REPO / "solutions", REPO / ".course"]
    if ex.get("root"):
        paths.append(Path(ex["root"]))
    db = urlparse(str(cd.get("db_url", "")))
    if db.scheme.startswith("sqlite") and db.path not in ("", "/", "/:memory:"):
        paths.append(Path(db.path[1:] if db.path.startswith("//") else db.path))
    for var in ("LSTM_SANDBOX_HIDE",):  # extra folders, colon separated
        paths += [Path(p) for p in os.environ.get(var, "").split(os.pathsep) if p]
    # Only what exists on the host can be hidden; keep outermost paths, drop duplicates.
    out: list[Path] = []
    for p in sorted({p.resolve() for p in paths if p.exists()}, key=lambda p: len(p.parts)):
        if not any(p == q or q in p.parents for q in out):
            out.append(p)
    return out


ENV_KEEP = (
    "PATH",
    "LANG",
    "LC_",
    "TZ",
    "TF_",
    "KERAS_",
    "CUDA_",
    "PYTHON",
    "OMP_",
    "MKL_",
    "OPENBLAS_",
    "MPLBACKEND",
    "NBGRADER_",
    "JPY_SESSION_NAME",
    "PYDEVD_",
)
NOBODY = 65534
SCRATCH_SOURCE = ".scratch-source"  # inside the socket tmpfs: the read-only copy the scratch folder starts from
# Runs in the sandbox as the kernel's user, in the (empty) scratch tmpfs: copy the notebook's files in, start
# the kernel. A notebook folder larger than the room is copied as far as it fits (the manager sizes the
# tmpfs to fit it).
COPY_IN = (
    'for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do'
    ' if [ -e "$f" ] || [ -L "$f" ]; then cp -R -P --preserve=mode,timestamps,links -- "$f" . || failed=1; fi;'
    " done;"
    ' [ -z "$failed" ] || echo "lstm-sandbox: the notebook folder did not fit in the scratch folder" >&2;'
    ' shift; exec "$@"'
)


def _reveal(hidden: Path, path: Path) -> list[str]:
    """bwrap args that make ``path`` (inside the hidden folder ``hidden``) visible again, read-only."""
    args, cur = [], hidden
    for part in path.relative_to(hidden).parts[:-1]:
        cur = cur / part
        args += ["--perms", "0755", "--dir", str(cur)]
    return args + ["--ro-bind", str(path), str(path)]


def _parents(target: Path, tmpfs: list[Path], binds: tuple[Path, ...] = ()) -> list[str]:
    """bwrap args creating ``target``'s parents in a tmpfs of ours as 0755 (bwrap makes them 0700).

    Parents inside one of ``binds`` (host folders mounted as they are) exist already.
    """
    inside = [b for b in [*tmpfs, *binds] if b in target.parents]
    if not inside:
        return []
    base, args = max(inside, key=lambda b: len(b.parts)), []
    if base in binds:
        return []
    for parent in reversed(target.parents):
        if base in parent.parents:
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


@functools.cache
def _env_ignores_signals() -> bool:
    """GNU env >= 8.31 can start a program with a signal ignored (``--ignore-signal``)."""
    try:
        return subprocess.run(["env", "--ignore-signal=CHLD", "true"], capture_output=True).returncode == 0
    except OSError:
        return False


def bwrap_command(
    bwrap: str,
    inner: list[str],
    *,
    cwd: Path,
    scratch: Path,
    rundir: Path,
    hide: list[Path],
    memory: int,
    cpu: int,
    fsize: int,
    env: dict | None = None,
    tmp_size: int | None = None,
    scratch_size: int | None = None,
    nproc: int | None = None,
    info_fd: int | None = None,
) -> list[str]:
    """The bwrap argv that runs ``inner`` in ``cwd``, a tmpfs holding a copy of ``scratch``, with ``hide`` masked.

    ``tmp_size``: bytes of the sandbox's ``/tmp``; ``scratch_size``: bytes the kernel may add to the copy
    of ``scratch`` (both default to the module's defaults); ``nproc``: ``RLIMIT_NPROC`` (None: not set);
    ``info_fd``: bwrap writes the sandbox's pid and namespaces to it as JSON. ``rundir`` (the connection
    file) is visible read-only; ``rundir/ipc`` is a private tmpfs for the kernel's sockets.
    As root the kernel drops to user ``nobody`` without capabilities (``setpriv``); otherwise bwrap's
    unprivileged user namespace already leaves it without any.
    """
    tmp_size = _parse_size(_limit("tmp_limit")) if tmp_size is None else tmp_size
    scratch_size = _parse_size(_limit("scratch_limit")) if scratch_size is None else scratch_size
    root = os.geteuid() == 0
    cmd = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    cmd += ["--perms", "1777", "--size", str(tmp_size), "--tmpfs", "/tmp"]
    if root:  # no user namespace: the kernel becomes `nobody`, which needs the host's uid table
        cmd += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    else:
        cmd += ["--unshare-all"]
    cmd += ["--die-with-parent", "--new-session", "--clearenv"]
    if info_fd is not None:
        cmd += ["--info-fd", str(info_fd)]
    for key, value in (env if env is not None else os.environ).items():
        if key.startswith(ENV_KEEP):
            cmd += ["--setenv", key, value]
    cmd += [
        "--setenv",
        "HOME",
        "/tmp",
        "--setenv",
        "MPLCONFIGDIR",
        "/tmp/matplotlib",
        "--setenv",
        "IPYTHONDIR",
        "/tmp/ipython",
        "--setenv",
        "LSTM_SANDBOXED",
        "1",
    ]
    # The grader's home folder (keys, tokens, caches) goes too, except the Python that runs the kernel
    # and the course's own code; the same holds for a checkout (and its .venv) that lives under /tmp.
    home = Path(os.path.expanduser("~")).resolve()
    roots = (sys.base_prefix, sys.prefix, Path(sys.executable).resolve().parent.parent, REPO)
    needed = {Path(p).resolve() for p in roots}
    tmp = Path("/tmp").resolve()
    revealed: list[Path] = []  # host folders bound back (read-only) inside a tmpfs of ours
    for keep in sorted(needed):
        if tmp in keep.parents and keep.exists():
            cmd += _reveal(tmp, keep)
            revealed.append(keep)
    masked: list[Path] = []  # tmpfs mounted over hidden folders: made read-only once everything is mounted
    for path in [*hide, *([home] if home != Path("/") else [])]:
        if path.is_dir():
            cmd += ["--perms", "0755", "--tmpfs", str(path)]
            masked.append(path)
            for keep in sorted(needed):
                if path in keep.parents and keep.exists():
                    cmd += _reveal(path, keep)
                    revealed.append(keep)
        elif path.exists():
            cmd += ["--ro-bind", "/dev/null", str(path)]
    # The private folder read-only (the connection file), its socket folder a small tmpfs; the scratch
    # folder a size-capped tmpfs at the notebook's folder, filled from a read-only view of the host copy.
    bases = [tmp, *masked]
    room = _tree_bytes(scratch) + scratch_size
    ipc = rundir / "ipc"
    cmd += [*_parents(rundir, bases, tuple(revealed)), "--ro-bind", str(rundir), str(rundir)]
    cmd += ["--perms", "1777", "--size", str(IPC_SIZE), "--tmpfs", str(ipc)]
    cmd += ["--ro-bind", str(scratch), str(ipc / SCRATCH_SOURCE)]
    cmd += [*_parents(cwd, bases, (rundir, *revealed)), "--perms", "0777", "--size", str(room), "--tmpfs", str(cwd)]
    for i, path in enumerate(masked):  # a folder masked again by a later tmpfs is gone: nothing to remount
        if not any(q == path or q in path.parents for q in [*masked[i + 1 :], cwd]):
            cmd += ["--remount-ro", str(path)]
    cmd += ["--remount-ro", "/dev", "--chdir", str(cwd), "--"]
    if root:
        cmd += [
            "setpriv",
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--",
        ]
    limits = ["prlimit", f"--as={memory}", f"--cpu={cpu}", f"--fsize={fsize}", "--core=0"]
    if nproc is not None:
        limits.append(f"--nproc={nproc}")
    reap = ["env", "--ignore-signal=CHLD", "--"] if _env_ignores_signals() else []
    return cmd + [*limits, "--", "sh", "-c", COPY_IN, "lstm-sandbox", str(ipc / SCRATCH_SOURCE), *reap, *inner]


def _open_to_kernel_user(rundir: Path, scratch: Path) -> None:
    """As root the kernel runs as `nobody`: let it reach its connection file and the notebook's files."""
    if os.geteuid() != 0:
        return
    os.chmod(rundir, 0o711)
    for dirpath, _dirnames, filenames in os.walk(scratch):
        os.chmod(dirpath, 0o777)
        for f in filenames:
            p = os.path.join(dirpath, f)
            if not os.path.islink(p):
                os.chmod(p, 0o666)


# -- the process cap ----------------------------------------------------------------------------------
def _cgroup_candidates() -> list[Path]:
    """Folders of the cgroup hierarchies with a pids controller: this process's own cgroup, then the root."""
    try:
        mounts = Path("/proc/self/mountinfo").read_text().splitlines()
        own = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    paths: dict[str, str] = {}  # controller list ("" for v2) -> this process's path in it
    for line in own:
        _, controllers, path = line.split(":", 2)
        for c in controllers.split(",") or [""]:
            paths[c] = path
    out = []
    for line in mounts:
        left, _, right = line.partition(" - ")
        fields, (fstype, _source, options) = left.split(), right.split()[:3]
        root, mountpoint = fields[3], fields[4]
        if fstype == "cgroup" and "pids" in options.split(","):
            mine = paths.get("pids")
        elif fstype == "cgroup2":
            mine = paths.get("")
        else:
            continue
        if mine is not None and (mine == root or mine.startswith(root.rstrip("/") + "/")):
            out.append(Path(mountpoint) / os.path.relpath(mine, root))
        out.append(Path(mountpoint))
    return list(dict.fromkeys(out))


@functools.cache
def pids_cgroup_parent() -> Path | None:
    """A cgroup folder where this grader may create sandboxes' cgroups with a ``pids.max``, if any."""
    if os.environ.get("LSTM_SANDBOX_CGROUP", "1").lower() in ("0", "off", "no", "false"):
        return None
    for parent in _cgroup_candidates():
        probe = parent / f"lstm-sandbox-probe-{os.getpid()}-{secrets.token_hex(3)}"
        try:
            probe.mkdir()
        except OSError:
            continue
        try:
            (probe / "pids.max").write_text("max\n")
            ok = (probe / "cgroup.procs").exists()
        except OSError:
            ok = False
        finally:
            try:
                probe.rmdir()
            except OSError:
                pass
        if ok:
            return parent
    return None


def _new_pids_cgroup(limit: int) -> Path | None:
    """A fresh cgroup capped at ``limit`` tasks (removing those left by graders that died), or None."""
    parent = pids_cgroup_parent()
    if parent is None:
        return None
    for stale in parent.glob("lstm-sandbox-*-*"):
        try:
            pid = int(stale.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not Path(f"/proc/{pid}").exists():
            try:
                stale.rmdir()
            except OSError:
                pass
    group = parent / f"lstm-sandbox-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        group.mkdir()
        (group / "pids.max").write_text(f"{limit}\n")
    except OSError:
        _remove_cgroup(group, wait=0)
        return None
    return group


def _remove_cgroup(group: Path | None, wait: float = 2.0) -> None:
    if group is None:
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:  # busy: its last processes are still exiting
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)


def _join_cgroup(group: Path, cmd: list[str]) -> list[str]:
    """``cmd`` started inside ``group`` (a shell moves itself in, then becomes ``cmd``)."""
    script = (
        '{ echo $$ > "$1"; } 2>/dev/null || echo "lstm-sandbox: could not join the cgroup $1" >&2; shift; exec "$@"'
    )
    return ["sh", "-c", script, "lstm-sandbox", str(group / "cgroup.procs"), *cmd]


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _signal(fd: int | None, pid: int, sig: int) -> None:
    try:
        if fd is not None:
            signal.pidfd_send_signal(fd, sig)
        else:
            os.kill(pid, sig)
    except (AttributeError, OSError):
        pass


class ProcessCap(threading.Thread):
    """Watches one sandbox; when it hits its process cap, removes everything but the kernel.

    ``init`` is the sandbox's first process (PID 1 of its PID namespace ``pidns``, an inode number), the
    kernel is PID 2 there. ``cgroup``: the sandbox's pids cgroup (its ``pids.events`` counts refused
    forks), or None (``RLIMIT_NPROC``: the cap is hit when the sandbox holds ``limit`` tasks).
    ``kill_sandbox`` is called when the kernel itself keeps nearly the whole cap.
    """

    def __init__(self, *, init: int, pidns: int, limit: int, cgroup: Path | None, kill_sandbox, log, interval=0.1):
        super().__init__(name=f"lstm-sandbox-proc-cap-{init}", daemon=True)
        self.init, self.pidns, self.limit, self.cgroup = init, pidns, limit, cgroup
        self.kill_sandbox, self.log, self.interval = kill_sandbox, log, interval
        self.stopped = threading.Event()
        self.enforced = 0  # times the cap was hit (for the log and the tests)

    def stop(self) -> None:
        self.stopped.set()

    def tasks(self) -> list[tuple[int, int, int]]:
        """(host pid, pid in the sandbox, threads) of every process of the sandbox."""
        out, todo, seen = [], [self.init], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            try:
                if os.stat(f"/proc/{pid}/ns/pid").st_ino != self.pidns:
                    continue
                status = dict(
                    line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
                )
                inner, threads = int(status["NSpid"].split()[-1]), int(status["Threads"])
                for tid in os.listdir(f"/proc/{pid}/task"):
                    todo += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
            except (OSError, KeyError, ValueError):
                continue
            out.append((pid, inner, threads))
        return out

    def _refused(self) -> int:
        try:
            for line in (self.cgroup / "pids.events").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "max":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def run(self) -> None:
        refused = self._refused() if self.cgroup else 0
        while not self.stopped.wait(self.interval):
            if self.cgroup is not None:
                now = self._refused()
                hit, refused = now > refused, now
                if not hit and not Path(f"/proc/{self.init}").exists():
                    return
            else:
                tasks = self.tasks()
                if not tasks:
                    return
                hit = sum(t[2] for t in tasks) >= self.limit
            if hit:
                self.enforce()
                refused = self._refused() if self.cgroup else 0

    def enforce(self) -> None:
        self.enforced += 1
        stopped: dict[int, int | None] = {}
        for _ in range(100):  # stop first (a stopped process cannot fork), then kill
            new = [pid for pid, inner, _ in self.tasks() if inner > 2 and pid not in stopped]
            if not new:
                break
            for pid in new:
                fd = _pidfd(pid)
                try:  # the pid still names a process of this sandbox (not a new one that reused it)
                    if os.stat(f"/proc/{pid}/ns/pid").st_ino != self.pidns:
                        raise OSError
                except OSError:
                    if fd is not None:
                        os.close(fd)
                    continue
                _signal(fd, pid, signal.SIGSTOP)
                stopped[pid] = fd
        for pid, fd in stopped.items():
            _signal(fd, pid, signal.SIGKILL)
            if fd is not None:
                os.close(fd)
        deadline = time.monotonic() + 2  # until the killed processes are gone
        while True:
            tasks = self.tasks()
            if not any(inner > 2 for _, inner, _ in tasks) or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        left = sum(t[2] for t in tasks)
        self.log.warning(
            "Sandbox %d hit its process cap (%d): removed %d processes besides the kernel; %d tasks left",
            self.init,
            self.limit,
            len(stopped),
            left,
        )
        if left >= self.limit * 9 // 10:
            self.log.warning("The kernel itself holds %d of %d tasks: killing it", left, self.limit)
            self.kill_sandbox()


# -- the kernel manager ---------------------------------------------------------------------------------
class SandboxKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernels run in a bubblewrap sandbox (or unsandboxed, with a warning)."""

    memory_limit = Unicode(
        _limit("memory_limit"), help="Address-space limit of each kernel process (RLIMIT_AS), e.g. '4G'."
    ).tag(config=True)
    cpu_limit = Integer(_limit("cpu_limit"), help="CPU seconds a kernel may use in all (RLIMIT_CPU).").tag(config=True)
    fsize_limit = Unicode(_limit("fsize_limit"), help="Largest file the kernel may write (RLIMIT_FSIZE).").tag(
        config=True
    )
    tmp_limit = Unicode(
        _limit("tmp_limit"),
        help="Size of the sandbox's /tmp, a private RAM file system (tmpfs); a write beyond it fails with "
        "ENOSPC in that cell. Environment: LSTM_SANDBOX_TMP.",
    ).tag(config=True)
    scratch_limit = Unicode(
        _limit("scratch_limit"),
        help="What the kernel may write in all into its scratch folder (the copy of the notebook's folder, a "
        "private RAM file system sized to the notebook's files plus this); beyond it writes fail with ENOSPC. "
        "Environment: LSTM_SANDBOX_SCRATCH.",
    ).tag(config=True)
    procs_limit = Integer(
        _limit("procs_limit"),
        help="Processes and threads one sandbox may hold (a cgroup's pids.max where the grader may create "
        "one, else RLIMIT_NPROC); hitting it fails that fork and the sandbox's other processes are removed. "
        "TensorFlow with Keras needs about 20 + 2 per core. Environment: LSTM_SANDBOX_PROCS.",
    ).tag(config=True)
    hide = List(Unicode(), help="Extra host paths to hide from the kernel.").tag(config=True)
    require = Bool(
        os.environ.get("LSTM_SANDBOX", "").lower() == "require",
        help="Fail instead of running unsandboxed when bubblewrap does not work.",
    ).tag(config=True)

    _rundir: Path | None = None
    _warned = False
    _watchdog: ProcessCap | None = None
    _cgroup: Path | None = None
    sandbox_pid: int | None = None  # PID 1 of the running sandbox, as the host sees it

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None and sandbox_available():
            spec.interrupt_mode = "message"  # SIGINT does not cross the PID namespace
        return spec

    @property
    def _inner_ip(self) -> str:
        return str(self._rundir / "ipc" / "kernel")

    async def _async_pre_start_kernel(self, **kw):
        ok, why = sandbox_status()
        if ok:
            if self._rundir is None:
                self._rundir = Path(tempfile.mkdtemp(prefix="lstm-sandbox-"))
                (self._rundir / "ipc").mkdir()
            self.transport = "ipc"
            self.ip = self._inner_ip  # where the kernel binds, inside the sandbox (the connection file says so)
            self.connection_file = str(self._rundir / "connection.json")
        elif self.require:
            raise RuntimeError(f"The autograding sandbox is required but bubblewrap is {why}.")
        elif not SandboxKernelManager._warned:
            SandboxKernelManager._warned = True
            self.log.warning(WARNING.format(why=why))
            print(WARNING.format(why=why), file=sys.stderr, flush=True)
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        ok, bwrap = sandbox_status()
        if not ok:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        cwd = Path(kw.get("cwd") or os.getcwd()).resolve()
        scratch = self._rundir / "work"
        if scratch.exists():
            shutil.rmtree(scratch)
        # No notebook enters the sandbox: nbgrader writes the notebook being graded, hidden tests included, into
        # this folder before running it (the kernel gets its cells through the protocol, never from the file).
        ignore = shutil.ignore_patterns(".ipynb_checkpoints", "*.ipynb")
        shutil.copytree(cwd, scratch, symlinks=True, ignore=ignore)
        hide = protected_paths(self.config) + [Path(p) for p in self.hide if Path(p).exists()]
        _open_to_kernel_user(self._rundir, scratch)
        conn = Path(self.connection_file)
        if conn.exists():
            conn.chmod(0o644)
        self._stop_watchdog()
        self._cgroup = _new_pids_cgroup(self.procs_limit)
        read_end, write_end = os.pipe()
        kernel_cmd = bwrap_command(
            bwrap,
            list(kernel_cmd),
            cwd=cwd,
            scratch=scratch,
            rundir=self._rundir,
            hide=hide,
            memory=_parse_size(self.memory_limit),
            cpu=self.cpu_limit,
            fsize=_parse_size(self.fsize_limit),
            env=kw.get("env"),
            tmp_size=_parse_size(self.tmp_limit),
            scratch_size=_parse_size(self.scratch_limit),
            nproc=None if self._cgroup else self.procs_limit,
            info_fd=write_end,
        )
        if self._cgroup is not None:
            kernel_cmd = _join_cgroup(self._cgroup, kernel_cmd)
        self.log.debug("Sandboxed kernel: %s", " ".join(kernel_cmd))
        kw.setdefault("stdout", subprocess.DEVNULL)  # the launcher's banner, not cell output
        kw["pass_fds"] = (*kw.get("pass_fds", ()), write_end)
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            os.close(write_end)
        try:
            info = await self._read_info(read_end)
        finally:
            os.close(read_end)
        if not info:
            self.log.error("The sandbox did not start (bwrap reported nothing); the kernel will not answer")
            return
        self.sandbox_pid = int(info["child-pid"])
        # The grader (and the trusted checker) reach the kernel's sockets through the sandbox's root.
        self.ip = f"/proc/{self.sandbox_pid}/root{self._inner_ip}"
        if len(self.ip) + 8 > UNIX_PATH_MAX:
            raise RuntimeError(f"socket path too long for a Unix socket: {self.ip} (set TMPDIR to a shorter folder)")
        outer = _pidfd(self.provisioner.pid)
        init = _pidfd(self.sandbox_pid)

        def kill_sandbox(outer=outer, init=init, pids=(self.provisioner.pid, self.sandbox_pid)):
            _signal(init, pids[1], signal.SIGKILL)
            _signal(outer, pids[0], signal.SIGKILL)

        self._pidfds = [fd for fd in (outer, init) if fd is not None]
        self._watchdog = ProcessCap(
            init=self.sandbox_pid,
            pidns=int(info["pid-namespace"]),
            limit=self.procs_limit,
            cgroup=self._cgroup,
            kill_sandbox=kill_sandbox,
            log=self.log,
        )
        self._watchdog.start()

    @staticmethod
    async def _read_info(fd: int, timeout: float = 30) -> dict | None:
        """bwrap's --info-fd JSON (the sandbox's pid and namespaces), or None when bwrap failed."""
        import asyncio

        os.set_blocking(fd, False)
        data, deadline = b"", time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 4096)
            except BlockingIOError:
                await asyncio.sleep(0.005)
                continue
            if not chunk:
                break
            data += chunk
            try:
                return json.loads(data)
            except ValueError:
                continue
        try:
            return json.loads(data) if data else None
        except ValueError:
            return None

    def _stop_watchdog(self) -> None:
        if self._watchdog is not None:
            self._watchdog.stop()
            self._watchdog.join(timeout=5)
            self._watchdog = None
        for fd in getattr(self, "_pidfds", []):
            os.close(fd)
        self._pidfds = []
        _remove_cgroup(self._cgroup)
        self._cgroup = None

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        self._stop_watchdog()
        self.sandbox_pid = None
        if self._rundir is not None:
            self.ip = self._inner_ip  # a restart writes and binds the same inner path again
        if not restart and self._rundir is not None:
            shutil.rmtree(self._rundir, ignore_errors=True)
            self._rundir = None

    # AsyncKernelManager binds the public name to the base class's coroutine: route it through ours, so
    # that the private folder also goes when the kernel had died (nbclient then only cleans up).
    cleanup_resources = _async_cleanup_resources


def configure(c) -> None:
    """The sandbox's limits in the nbgrader config ``c`` (called from ``nbgrader_config.py``).

    Each is ``c.SandboxKernelManager.<trait>``, from its environment variable when set (LIMITS above):
    memory_limit 4G (RLIMIT_AS per process), cpu_limit 900 s (RLIMIT_CPU per kernel), fsize_limit 1G
    (RLIMIT_FSIZE), tmp_limit 256M (/tmp), scratch_limit 256M (room in the scratch folder), procs_limit 512
    (processes and threads per sandbox). Set any of them after ``configure(c)`` to override.
    """
    for trait in LIMITS:
        setattr(c.SandboxKernelManager, trait, _limit(trait))
