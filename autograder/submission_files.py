"""Only the student's own regular files move: refuse symlinks, hard links, devices, FIFOs, oversized files.

(Issue 12, item 4; filled in by its own change.)
"""


def configure(c) -> None:
    """Install the checks into the nbgrader config ``c`` (called from ``nbgrader_config.py``)."""
