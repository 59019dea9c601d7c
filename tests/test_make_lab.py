"""`make lab` serves JupyterLab on lessons/ with nbgrader's server extensions and the course config active."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from course import REPO


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


@pytest.mark.slow
def test_make_lab_serves_lab_and_nbgrader(tmp_path):
    port, token = _free_port(), "lstm-course-test"
    env = dict(
        os.environ,
        LSTM_COURSE_ROOT=str(tmp_path),
        LSTM_COURSE_EXCHANGE=str(tmp_path / "exchange"),
        LSTM_COURSE_DB=f"sqlite:///{tmp_path / 'gradebook.db'}",
    )
    (tmp_path / "exchange").mkdir()
    proc = subprocess.Popen(
        ["make", "-s", "lab", f"PORT={port}", f"LAB_ARGS=--no-browser --IdentityProvider.token={token}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if _get(f"{base}/api/status?token={token}")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, "make lab exited early"
            time.sleep(1)
        else:
            pytest.fail("JupyterLab did not answer /api/status within 120 s")
        status, html = _get(f"{base}/lab?token={token}")
        assert status == 200 and "JupyterLab" in html
        # The default page is the lessons folder.
        status, _ = _get(f"{base}/api/contents/lessons?token={token}")
        assert status == 200
        # nbgrader's server extensions answer: formgrader (course config found) and the assignment list.
        status, html = _get(f"{base}/formgrader?token={token}")
        assert status == 200 and "formgrader" in html.lower(), f"/formgrader answered {status}"
        status, body = _get(f"{base}/assignments?course_id=lstm-course&token={token}")
        assert status == 200, f"nbgrader's assignment_list extension answered {status}: {body[:200]}"
        # Validate uses the course's configuration from JUPYTER_CONFIG_PATH.
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
    assert "nbgrader.server_extensions.formgrader | extension was successfully loaded" in out, out[-3000:]
    assert "nbgrader.server_extensions.assignment_list | extension was successfully loaded" in out
