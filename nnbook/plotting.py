"""The plotting style module of "Neural Networks, Derived".

One module, one look: the figures that chapters reuse are drawn here rather than
styled in each notebook, so that they share colours, line widths, labels and legends.
Each function returns the matplotlib objects it drew on (so a chapter can add to them),
and nothing is drawn when the module is imported.

So far it holds :func:`plot_activations` (chapter "Activation functions"); the plots of
decision boundaries, training histories, optimizer trajectories, loss surfaces, layer
histograms and confusion matrices join it in the chapters that need them.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .activations import get

__all__ = ["plot_activations", "FUNCTION_COLOR", "DERIVATIVE_COLOR", "SATURATION_COLOR"]

#: Colour of a function g(z).
FUNCTION_COLOR = "tab:blue"
#: Colour of a derivative g'(z).
DERIVATIVE_COLOR = "tab:orange"
#: Colour of the shading that marks where a derivative is nearly zero.
SATURATION_COLOR = "0.85"


def plot_activations(activations, z=None, *, axes=None, threshold=0.01, ncols=2, title=None):
    """Plot activation functions g(z) and their derivatives g'(z), saturation shaded.

    Each activation gets two panels, one above the other: g(z) on top, g'(z) below,
    both drawn with ``Activation.f`` and ``Activation.df`` (nnbook's implementations).
    In both panels the grey bands mark where ``|g'(z)| < threshold``, i.e. where less
    than that fraction of an incoming gradient flows back through the unit (saturation).
    Jumps of g' (at kinks) are drawn as gaps, not as vertical lines.

    Used by the chapter "Activation functions".

    Parameters
    ----------
    activations : iterable of Activation or str, or dict
        The activations to plot, in order (names are looked up with
        :func:`nnbook.activations.get`); a dict such as ``ACTIVATIONS`` contributes its
        values. Call the number of activations ``n``.
    z : array_like, shape (k,), optional
        Increasing grid of pre-activations; default ``np.linspace(-6, 6, 1201)``.
    axes : ndarray of matplotlib Axes, shape (2, n), optional
        Where to draw: ``axes[0, j]`` receives g and ``axes[1, j]`` receives g' of the
        ``j``-th activation. By default a new figure is made, with the activations laid
        out in rows of ``ncols`` (each row of activations is two rows of panels).
    threshold : float, default 0.01
        Shade where ``|g'(z)| < threshold``.
    ncols : int, default 2
        Activations per row when a new figure is made.
    title : str, optional
        Title of the figure (``fig.suptitle``).

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : ndarray of matplotlib Axes, shape (2, n)
        ``axes[0, j]`` shows g, ``axes[1, j]`` shows g' of the ``j``-th activation.
    """
    if isinstance(activations, dict):
        activations = activations.values()
    acts = [get(a) for a in activations]
    if not acts:
        raise ValueError("plot_activations needs at least one activation")
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}")
    z = np.linspace(-6.0, 6.0, 1201) if z is None else np.asarray(z, dtype=float)
    if z.ndim != 1 or z.size < 2 or not np.all(np.diff(z) > 0):
        raise ValueError(f"z must be an increasing 1-D grid, got shape {z.shape}")

    n = len(acts)
    created = axes is None
    if created:
        ncols = min(ncols, n)
        nrows = math.ceil(n / ncols)
        fig, grid = plt.subplots(
            2 * nrows, ncols, figsize=(3.4 * ncols, 4.2 * nrows), sharex=True,
            squeeze=False, layout="constrained",
        )
        axes = np.empty((2, n), dtype=object)
        for j in range(n):
            r, c = divmod(j, ncols)
            axes[0, j], axes[1, j] = grid[2 * r, c], grid[2 * r + 1, c]
        for j in range(n, nrows * ncols):  # empty slots of the last row
            r, c = divmod(j, ncols)
            grid[2 * r, c].set_visible(False)
            grid[2 * r + 1, c].set_visible(False)
    else:
        axes = np.asarray(axes, dtype=object)
        if axes.shape != (2, n):
            raise ValueError(
                f"axes must have shape (2, {n}) for {n} activations, got {axes.shape}"
            )
        fig = axes[0, 0].figure

    for j, act in enumerate(acts):
        g, dg = act.f(z), act.df(z)
        flat = np.abs(dg) < threshold
        for ax in axes[:, j]:
            _shade(ax, z, flat)
            ax.axhline(0, color="0.6", lw=0.6, zorder=0)
            ax.axvline(0, color="0.6", lw=0.6, zorder=0)
            ax.grid(alpha=0.3)
        top, bottom = axes[0, j], axes[1, j]
        top.plot(z, g, color=FUNCTION_COLOR, lw=2, label="$g(z)$")
        bottom.plot(*_break_jumps(z, dg), color=DERIVATIVE_COLOR, lw=2, label="$g'(z)$")
        top.set_title(act.name)
        top.set_ylabel("$g(z)$")
        bottom.set_ylabel("$g'(z)$")
        bottom.set_xlabel("$z$")
        bottom.set_ymargin(0.1)
        top.tick_params(labelbottom=True)
        bottom.tick_params(labelbottom=True)
    handles = [
        Line2D([], [], color=FUNCTION_COLOR, lw=2, label="$g(z)$"),
        Line2D([], [], color=DERIVATIVE_COLOR, lw=2, label="$g'(z)$"),
        Patch(color=SATURATION_COLOR, label=f"saturated: $|g'(z)| < {threshold:g}$"),
    ]
    if created:
        fig.legend(handles=handles, loc="outside lower center", ncols=3)
    else:
        axes[0, 0].legend(handles=handles, fontsize="small")
    if title is not None:
        fig.suptitle(title)
    return fig, axes


def _shade(ax, z, mask):
    """Grey bands over the runs of ``z`` where ``mask`` is true."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    for start, stop in zip(edges[::2], edges[1::2]):
        ax.axvspan(z[start], z[stop - 1], color=SATURATION_COLOR, lw=0, zorder=-1)


def _break_jumps(x, y, tol=0.2):
    """``(x, y)`` with a NaN point inserted inside every jump of ``y`` larger than ``tol``.

    Matplotlib leaves a gap at NaN, so a discontinuity is not drawn as a vertical line.
    """
    y = np.asarray(y, dtype=float)
    at = np.flatnonzero(np.abs(np.diff(y)) > tol) + 1
    return np.insert(x, at, (x[at - 1] + x[at]) / 2), np.insert(y, at, np.nan)
