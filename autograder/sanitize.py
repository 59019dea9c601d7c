"""Honest mistakes never cost a whole notebook: repair what would stop nbgrader, and say so.

(Issue 12, item 6; filled in by its own change.)
"""


def configure(c) -> None:
    """Install the sanitizing preprocessors into the nbgrader config ``c`` (called from ``nbgrader_config.py``)."""
