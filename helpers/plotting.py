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


def plot_forecasts(times, actual, forecasts: dict, *, title: str, ylabel: str, ax=None):
    """Plot a stretch of the actual series and one or more forecasts of it on shared time axes.

    Args:
        times: the time stamps, shape (S,) (e.g. a pandas DatetimeIndex).
        actual: the observed values, shape (S,).
        forecasts: ``{label: values}``, each of shape (S,), drawn dashed over the actual series.
        title: the axes title.
        ylabel: the y-axis label (say the units).
        ax: optional matplotlib Axes; a new figure is made when None.

    Returns:
        The matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(11, 4.5))
    ax.plot(times, actual, color="black", lw=2.2, label="actual")
    for label, values in forecasts.items():
        ax.plot(times, values, ls="--", lw=1.5, label=label)
    ax.set_title(title)
    ax.set_xlabel("time")
    ax.set_ylabel(ylabel)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax


def plot_error_by_horizon(errors: dict, *, title: str, ylabel: str, ax=None):
    """Plot each model's error against the forecast step h = 1, ..., H.

    Args:
        errors: ``{label: values}``, each of shape (H,) (e.g. from ``helpers.metrics.error_by_horizon``).
        title: the axes title.
        ylabel: the y-axis label (say the metric and units).
        ax: optional matplotlib Axes; a new figure is made when None.

    Returns:
        The matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4))
    for label, values in errors.items():
        values = np.asarray(values)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3, label=label)
    ax.set_title(title)
    ax.set_xlabel("steps ahead h (hours)")
    ax.set_ylabel(ylabel)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax
