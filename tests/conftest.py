"""pytest configuration shared by the whole suite."""

import os
from pathlib import Path

import pytest

# Keep TensorFlow quiet and on the CPU in every test process and the kernels they start.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups into the test ids
def pytest_collection_modifyitems(config, items):
    """Tests that share a module-scoped fixture run on one xdist worker (`make test` passes
    ``--dist loadgroup``): each worker would otherwise build the fixture again (the graded corpus of
    tests/test_bad_submissions.py takes minutes). The other tests spread over the workers as usual."""
    for item in items:
        defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {}) or {}
        if any(d.scope == "module" for fixturedefs in defs.values() for d in fixturedefs):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


# -- a PostgreSQL gradebook (db_url), for large classes: tests/test_grade_demo.py, tests/test_grade_dask.py ---
def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


@pytest.fixture
def postgres(tmp_path):
    """A throw-away PostgreSQL server on a Unix socket; yields the SQLAlchemy URL of an empty database."""
    import os
    import pwd
    import subprocess

    bindir = _pg_bin()
    if bindir is None:
        pytest.skip(
            "PostgreSQL is not installed and `make postgres-deps` could not install it (needs root and "
            "apt-get: Debian's postgresql package)"
        )
    import psycopg  # noqa: F401  - a required test dependency (pyproject's test extra): no skip when missing

    user = []
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip(
                "running as root and there is no `postgres` user to run the server as (Debian's "
                "postgresql package creates it)"
            )
        user = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", "--"]
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="lstm-pg-"))  # pytest's tmp_path is 0700: not for `postgres`
    base.chmod(0o777)
    data, sock = base / "pgdata", base / "pgsock"
    sock.mkdir()
    sock.chmod(0o777)
    env = {**os.environ, "LC_ALL": "C"}
    subprocess.run(
        [*user, str(bindir / "initdb"), "-D", str(data), "-U", "grader", "--auth=trust", "-E", "UTF8", "--locale=C"],
        check=True,
        capture_output=True,
        env=env,
    )
    subprocess.run(
        [
            *user,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(base / "pg.log"),
            "-o",
            f"-k {sock} -c listen_addresses=''",
            "start",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        subprocess.run(
            [*user, str(bindir / "createdb"), "-h", str(sock), "-U", "grader", "gradebook"],
            check=True,
            capture_output=True,
            env=env,
        )
        yield f"postgresql+psycopg://grader@/gradebook?host={sock}"
    finally:
        subprocess.run(
            [*user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True, env=env
        )
        shutil.rmtree(base, ignore_errors=True)
