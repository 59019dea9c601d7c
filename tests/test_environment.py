"""environment.yml, pyproject.toml and constraints.txt describe the same, installed, environment."""

from __future__ import annotations

import tomllib
from importlib import metadata

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
        if line.startswith("-e"):
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
