"""The contributors' pre-commit hooks (.pre-commit-config.yaml): local, offline, and the ones CONTRIBUTING names."""

from __future__ import annotations

import subprocess

import yaml

from autograder.notebooks import REPO

CONFIG = REPO / ".pre-commit-config.yaml"
HOOKS = {  # id -> (the command it runs, a path it must apply to)
    "jupytext-sync": (".venv/bin/jupytext --sync", "solutions/03-lstm-cell/lstm_cell.py"),
    "nbstripout": (".venv/bin/nbstripout --keep-id", "lessons/03-lstm-cell/lstm_cell.ipynb"),
    "ruff-check": (".venv/bin/ruff check", None),
    "ruff-format": (".venv/bin/ruff format", None),
}


def test_config_is_valid_for_pre_commit():
    proc = subprocess.run(
        [str(REPO / ".venv" / "bin" / "pre-commit"), "validate-config", str(CONFIG)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hooks_are_local_and_named():
    """Every hook runs a tool of the course venv (no download); the four hooks are there, on the right files."""
    import re

    config = yaml.safe_load(CONFIG.read_text())
    hooks = {}
    for repo in config["repos"]:
        assert repo["repo"] == "local", f"{repo['repo']}: hooks are local, they run the venv's pinned tools"
        for hook in repo["hooks"]:
            assert hook["language"] == "system", hook["id"]
            assert hook["entry"].startswith(".venv/bin/"), f"{hook['id']}: {hook['entry']}"
            hooks[hook["id"]] = hook
    assert set(hooks) == set(HOOKS)
    for hid, (entry, path) in HOOKS.items():
        assert hooks[hid]["entry"].startswith(entry), f"{hid}: runs {hooks[hid]['entry']!r}, want {entry!r}"
        if path:
            assert re.search(hooks[hid]["files"], path), f"{hid} does not apply to {path}"
    assert not re.search(hooks["jupytext-sync"]["files"], "lessons/03-lstm-cell/lstm_cell.ipynb"), (
        "never pair lessons/: jupytext would write the answers into the student release"
    )
    assert "--keep-id" in hooks["nbstripout"]["entry"], "without --keep-id nbstripout renumbers the cell ids"
