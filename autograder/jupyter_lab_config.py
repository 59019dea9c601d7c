"""JupyterLab settings of the course (read through JUPYTER_CONFIG_PATH=autograder, as `make lab` sets it).

The course runs offline: no news feed fetched from the internet and no pop-up asking to enable it, and no
check for a newer JupyterLab (the versions are pinned in constraints.txt).
"""

c = get_config()  # noqa: F821 - provided by traitlets when the file is loaded

c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
