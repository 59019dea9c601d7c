"""Run student code in a sandbox while autograding: bubblewrap, a scratch folder, time and memory limits.

nbgrader executes each submission with nbclient, which starts a Jupyter kernel through a *kernel
manager*. The course config (``autograder/nbgrader_config.py``) selects :class:`SandboxKernelManager`,
which launches the usual ``python -m ipykernel_launcher`` inside ``bwrap``:

- the whole file system read-only (``--ro-bind / /``), a private ``/tmp`` and ``/dev``, a new ``/proc``;
- **hidden** (empty folders mounted over them): the course's ``solutions/``, its ``.course/`` working
  area (gradebook, submitted/, autograded/, feedback/, exchange/), the exchange and the gradebook file
  when they live elsewhere, the grader's home folder (except the Python installation) and ``/tmp``;
- a cleared environment (only ``PATH``, the locale, ``TF_*``, ``KERAS_*``, ... are passed on); when the
  grader runs as root, the kernel runs as user ``nobody`` without capabilities (``setpriv``);
- the notebook's folder replaced by a **scratch copy** (read-write, thrown away afterwards): the student
  can write files next to the notebook, but not into anybody's submission;
- no network, no IPC with the host, its own PID namespace (``--unshare-all``), no capabilities,
  killed with the grader (``--die-with-parent``), a new session;
- limits: address space (``RLIMIT_AS``, default 4 GiB, TensorFlow needs about 3), CPU time
  (``RLIMIT_CPU``, default 15 min per kernel), file size (``RLIMIT_FSIZE``, 1 GiB); wall-clock time per
  cell is nbgrader's ``ExecutePreprocessor.timeout``.

The kernel talks to the grader over IPC sockets in a private folder bound into the sandbox (TCP is
unreachable with ``--unshare-net``), and is interrupted by message (SIGINT cannot cross the PID
namespace), so a looping cell is stopped at the timeout and the rest of the notebook still runs.

When bubblewrap is missing or cannot create namespaces (a laptop without root, a locked-down
container), grading still works, unsandboxed, and a loud warning is logged. Environment overrides:
``LSTM_SANDBOX=0`` (never sandbox), ``LSTM_SANDBOX=require`` (fail instead of falling back),
``LSTM_SANDBOX_MEMORY`` (bytes, or with a K/M/G suffix), ``LSTM_SANDBOX_CPU`` (seconds).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
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


def _parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B")
    factor = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * factor)


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
            _open_to_kernel_user(Path(tmp), Path(tmp))
            probe = bwrap_command(
                bwrap,
                [sys.executable, "-c", "import os"],
                cwd=Path(tmp),
                scratch=Path(tmp),
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


def _reveal(hidden: Path, path: Path) -> list[str]:
    """bwrap args that make ``path`` (inside the hidden folder ``hidden``) visible again, read-only."""
    args, cur = [], hidden
    for part in path.relative_to(hidden).parts[:-1]:
        cur = cur / part
        args += ["--perms", "0755", "--dir", str(cur)]
    return args + ["--ro-bind", str(path), str(path)]


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
) -> list[str]:
    """The bwrap argv that runs ``inner`` with ``scratch`` mounted at ``cwd`` and ``hide`` masked.

    As root the kernel then drops to user ``nobody`` without capabilities (``setpriv``); otherwise
    bwrap's unprivileged user namespace already leaves it without any.
    """
    root = os.geteuid() == 0
    cmd = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp"]
    if root:  # no user namespace: the kernel becomes `nobody`, which needs the host's uid table
        cmd += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    else:
        cmd += ["--unshare-all"]
    cmd += ["--die-with-parent", "--new-session", "--clearenv"]
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
    for keep in sorted(needed):
        if tmp in keep.parents and keep.exists():
            cmd += _reveal(tmp, keep)
    for path in [*hide, home]:
        if path.is_dir():
            cmd += ["--perms", "0755", "--tmpfs", str(path)]
            for keep in sorted(needed):
                if path in keep.parents and keep.exists():
                    cmd += _reveal(path, keep)
        elif path.exists():
            cmd += ["--ro-bind", "/dev/null", str(path)]
    cmd += ["--bind", str(rundir), str(rundir), "--bind", str(scratch), str(cwd), "--chdir", str(cwd), "--"]
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
    limits = ["prlimit", f"--as={memory}", f"--cpu={cpu}", f"--fsize={fsize}", "--core=0", "--"]
    return cmd + [*limits, *inner]


def _open_to_kernel_user(rundir: Path, scratch: Path) -> None:
    """As root the kernel runs as `nobody`: let it reach its connection file, sockets and scratch folder."""
    if os.geteuid() != 0:
        return
    os.chmod(rundir, 0o711)
    os.chmod(rundir / "ipc", 0o777)
    for dirpath, _dirnames, filenames in os.walk(scratch):
        os.chmod(dirpath, 0o777)
        for f in filenames:
            p = os.path.join(dirpath, f)
            if not os.path.islink(p):
                os.chmod(p, 0o666)


class SandboxKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernels run in a bubblewrap sandbox (or unsandboxed, with a warning)."""

    memory_limit = Unicode(
        os.environ.get("LSTM_SANDBOX_MEMORY", "4G"), help="Address-space limit of the kernel (RLIMIT_AS), e.g. '4G'."
    ).tag(config=True)
    cpu_limit = Integer(
        int(os.environ.get("LSTM_SANDBOX_CPU", "900")), help="CPU seconds a kernel may use in all (RLIMIT_CPU)."
    ).tag(config=True)
    fsize_limit = Unicode("1G", help="Largest file the kernel may write (RLIMIT_FSIZE).").tag(config=True)
    hide = List(Unicode(), help="Extra host paths to hide from the kernel.").tag(config=True)
    require = Bool(
        os.environ.get("LSTM_SANDBOX", "").lower() == "require",
        help="Fail instead of running unsandboxed when bubblewrap does not work.",
    ).tag(config=True)

    _rundir: Path | None = None
    _warned = False

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None and sandbox_available():
            spec.interrupt_mode = "message"  # SIGINT does not cross the PID namespace
        return spec

    async def _async_pre_start_kernel(self, **kw):
        ok, why = sandbox_status()
        if ok:
            if self._rundir is None:
                self._rundir = Path(tempfile.mkdtemp(prefix="lstm-sandbox-"))
                (self._rundir / "ipc").mkdir()
            self.transport = "ipc"
            self.ip = str(self._rundir / "ipc" / "kernel")
            self.connection_file = str(self._rundir / "ipc" / "connection.json")
        elif self.require:
            raise RuntimeError(f"The autograding sandbox is required but bubblewrap is {why}.")
        elif not SandboxKernelManager._warned:
            SandboxKernelManager._warned = True
            self.log.warning(WARNING.format(why=why))
            print(WARNING.format(why=why), file=sys.stderr, flush=True)
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        ok, bwrap = sandbox_status()
        if ok:
            cwd = Path(kw.get("cwd") or os.getcwd()).resolve()
            scratch = self._rundir / "work"
            if scratch.exists():
                shutil.rmtree(scratch)
            shutil.copytree(cwd, scratch, symlinks=True, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
            hide = protected_paths(self.config) + [Path(p) for p in self.hide if Path(p).exists()]
            _open_to_kernel_user(self._rundir, scratch)
            conn = Path(self.connection_file)
            if conn.exists():
                conn.chmod(0o644)
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
            )
            self.log.debug("Sandboxed kernel: %s", " ".join(kernel_cmd))
            kw.setdefault("stdout", subprocess.DEVNULL)  # the launcher's banner, not cell output
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._rundir is not None:
            shutil.rmtree(self._rundir, ignore_errors=True)
            self._rundir = None

    # AsyncKernelManager binds the public name to the base class's coroutine: route it through ours, so
    # that the private folder also goes when the kernel had died (nbclient then only cleans up).
    cleanup_resources = _async_cleanup_resources


def configure(c) -> None:
    """Defaults of the sandbox's limits in the nbgrader config ``c`` (called from ``nbgrader_config.py``)."""
