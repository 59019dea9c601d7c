"""Plotting helpers: one light, readable style for every lesson's figures."""

from __future__ import annotations


def use_course_style() -> None:
    """Apply the course's matplotlib style (light background, grid, readable fonts)."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (8, 4),
            "figure.dpi": 100,
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 13,
            "axes.labelsize": 11,
            "legend.fontsize": 10,
            "legend.frameon": False,
            "lines.linewidth": 1.8,
        }
    )
