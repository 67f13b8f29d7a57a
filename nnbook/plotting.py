"""The plotting style module of "Neural Networks, Derived".

One module, one look: the figures that chapters reuse are drawn here rather than
styled in each notebook, so that they share colours, line widths, labels and legends.
Each function returns the matplotlib objects it drew on (so a chapter can add to them),
and nothing is drawn when the module is imported. The style lives in a few module
constants (:data:`COLORS`, :data:`TRAIN_COLOR`, …) rather than in global matplotlib
settings, so importing the module changes nothing else.

* :func:`plot_activations` — activation functions and their derivatives (chapter
  "Activation functions");
* :func:`plot_decision_boundary` — the regions a 2-D classifier assigns to each class;
* :func:`plot_history` — loss and accuracy per epoch, training and validation;
* :func:`plot_trajectories` — optimizer paths over the contour lines of a 2-D function;
* :func:`plot_surface` — a 2-D function as a 3-D surface;
* :func:`plot_layer_histograms` — one histogram per layer (activations, gradients, weights);
* :func:`plot_confusion_matrix` — counts of (true class, predicted class) pairs.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap, to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ._checks import as_int_at_least, as_positive_number, as_real_array
from .activations import get

__all__ = [
    "plot_activations",
    "plot_decision_boundary",
    "plot_history",
    "plot_trajectories",
    "plot_surface",
    "plot_layer_histograms",
    "plot_confusion_matrix",
    "draw_node",
    "draw_edge",
    "COLORS",
    "FUNCTION_COLOR",
    "DERIVATIVE_COLOR",
    "SATURATION_COLOR",
    "TRAIN_COLOR",
    "VALIDATION_COLOR",
    "HISTOGRAM_COLOR",
    "CONTOUR_CMAP",
    "MATRIX_CMAP",
]

#: Colour of a function g(z).
FUNCTION_COLOR = "tab:blue"
#: Colour of a derivative g'(z).
DERIVATIVE_COLOR = "tab:orange"
#: Colour of the shading that marks where a derivative is nearly zero.
SATURATION_COLOR = "0.85"
#: Colours of classes (class ``k`` gets ``COLORS[k]``) and of the curves of one plot, in
#: order: matplotlib's ten "tab" colours.
COLORS = (
    "tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
    "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan",
)
#: Colour of curves measured on the training set.
TRAIN_COLOR = "tab:blue"
#: Colour of curves measured on the validation set.
VALIDATION_COLOR = "tab:orange"
#: Colour of histogram bars.
HISTOGRAM_COLOR = "tab:blue"
#: Colour map of contour lines and surfaces (values of a function).
CONTOUR_CMAP = "viridis"
#: Colour map of matrices of counts (confusion matrices).
MATRIX_CMAP = "Blues"

_LINE_WIDTH = 2        # curves
_GRID_ALPHA = 0.3      # background grid
_REGION_TINT = 0.35    # decision regions: this much of the class colour, the rest white


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
    activations : list
        Activations or their names, or a dict such as ``ACTIVATIONS``, to plot in order (names are looked up with
        :func:`nnbook.activations.get`); a dict such as ``ACTIVATIONS`` contributes its
        values. Call their number ``n``.
    z : ndarray, optional
        Shape ``(k,)``. Increasing grid of pre-activations; default ``np.linspace(-6, 6, 1201)``.
    axes : ndarray, optional
        Shape ``(2, n)``, of matplotlib axes. Where to draw: ``axes[0, j]`` receives g and ``axes[1, j]`` receives g' of the
        ``j``-th activation. By default a new figure is made, with the activations laid
        out in rows of ``ncols`` (each row of activations is two rows of panels).
    threshold : float, optional
        Shade where ``|g'(z)| < threshold``. Default: 0.01.
    ncols : int, optional
        Activations per row when a new figure is made. Default: 2.
    title : str, optional
        Title of the figure (``fig.suptitle``).

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : ndarray
        Shape ``(2, n)``, of matplotlib axes: ``axes[0, j]`` shows g, ``axes[1, j]`` shows g' of the ``j``-th activation.
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


# --- decision boundaries --------------------------------------------------------------------

def plot_decision_boundary(model_or_predict, X, y, *, ax=None, resolution=200, padding=0.1,
                           threshold=0.5, labels=None, title=None):
    """Colour the plane by the class a 2-D classifier predicts, and scatter the data on top.

    The classifier is evaluated on a ``resolution`` × ``resolution`` grid of points evenly
    spaced over the range of the data, extended by ``padding`` times that range on each
    side; each grid point is drawn in a light tint of its predicted class's colour
    (``COLORS[k]`` for class ``k``), each sample as a dot in the full colour of its true
    class. The regions are an image of the grid's predictions (``ax.images[-1]``, row
    ``i`` at the ``i``-th grid value of the second coordinate), so nothing is
    interpolated between classes.

    Parameters
    ----------
    model_or_predict : nnbook.network.MLP or callable
        A model (its ``predict`` method is used) or a function taking the grid points as
        the columns of a ``(2, k)`` array. Its output may be integer class indices of
        shape ``(k,)``; one row of scores of shape ``(1, k)``, read as class 1 where the
        score exceeds ``threshold`` and class 0 elsewhere (a single sigmoid or ``"mse"``
        output); or one row per class, shape ``(K, k)``, read by the largest entry of each
        column.
    X : ndarray
        Shape ``(2, m)``. The samples, one column each.
    y : ndarray
        Shape ``(m,)``. Their integer class labels, 0 … K−1 with K at most 10.
    ax : Axes or None
        Where to draw; by default a new figure. Default: None.
    resolution : int
        Grid points along each axis, at least 2. Default: ``200``.
    padding : float
        Margin around the data as a fraction of its range, at least 0. Default: ``0.1``.
    threshold : float
        Decision threshold of a one-row output. Default: ``0.5``.
    labels : list of str or None
        Legend names of the classes 0 … K−1; by default ``"class 0"``, ``"class 1"``, ….
        Default: None.
    title : str or None
        Title of the axes. Default: None.

    Returns
    -------
    fig : Figure
        The figure of ``ax``.
    ax : Axes
        The axes drawn on.
    """
    if hasattr(model_or_predict, "predict") and callable(model_or_predict.predict):
        predict = model_or_predict.predict
    elif callable(model_or_predict):
        predict = model_or_predict
    else:
        raise ValueError(
            "model_or_predict must be a model with a predict method or a function of a (2, k) "
            f"array, got {type(model_or_predict).__name__}"
        )
    X = as_real_array(X, "X")
    if X.ndim != 2 or X.shape[0] != 2 or X.shape[1] == 0:
        raise ValueError(f"X must have shape (2, m) with m >= 1 (2-D samples as columns), got {X.shape}")
    y = _labels(y, "y")
    if y.shape != (X.shape[1],):
        raise ValueError(f"y must have shape (m,) = ({X.shape[1]},) to match X {X.shape}, got {y.shape}")
    resolution = as_int_at_least(resolution, "resolution", 2)
    padding = _nonnegative(padding, "padding")
    fig, ax = _figure_and_axes(ax, (5, 4.2))

    (x0, x1), (y0, y1) = (_padded_range(row, padding) for row in X)
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    xx, yy = np.meshgrid(xs, ys)                        # (resolution, resolution); rows follow ys
    grid = np.vstack([xx.ravel(), yy.ravel()])          # (2, k): the grid points as columns
    predicted = _predicted_classes(predict(grid), grid.shape[1], threshold)
    n_classes = int(max(y.max(), predicted.max())) + 1
    if n_classes > len(COLORS):
        raise ValueError(f"plot_decision_boundary draws at most {len(COLORS)} classes, got class labels up to {n_classes - 1}")
    names = _class_names(labels, n_classes)

    tints = [_tint(c, _REGION_TINT) for c in COLORS[:n_classes]]
    ax.imshow(
        predicted.reshape(xx.shape), origin="lower", extent=(x0, x1, y0, y1), aspect="auto",
        interpolation="nearest", cmap=ListedColormap(tints),
        norm=BoundaryNorm(np.arange(n_classes + 1) - 0.5, n_classes),
    )
    for k in np.unique(y):
        ax.scatter(X[0, y == k], X[1, y == k], s=18, color=COLORS[k], edgecolors="white",
                   linewidths=0.5, label=names[k])
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="$x_1$", ylabel="$x_2$")
    ax.legend(loc="best", fontsize="small", framealpha=0.8)
    if title is not None:
        ax.set_title(title)
    return fig, ax


def _predicted_classes(out, k, threshold):
    """The (k,) integer classes of a predict output; see plot_decision_boundary."""
    out = np.asarray(out)
    if out.shape == (k,) and out.dtype.kind in "biu":
        classes = out.astype(np.int64)
    elif out.shape == (1, k) and out.dtype.kind in "fiu":
        classes = (out[0] > threshold).astype(np.int64)
    elif out.ndim == 2 and out.shape[0] > 1 and out.shape[1] == k and out.dtype.kind in "fiu":
        classes = out.argmax(axis=0)
    else:
        raise ValueError(
            f"the classifier's output for {k} grid points must be integer classes of shape "
            f"({k},), scores of shape (1, {k}) or (K, {k}); got shape {out.shape} with dtype {out.dtype}"
        )
    if classes.min() < 0:
        raise ValueError(f"predicted classes must be >= 0, got {classes.min()}")
    return classes


# --- training curves --------------------------------------------------------------------------

def plot_history(history, *, axes=None, log_scale=False, title=None):
    """Loss and accuracy per epoch, for the training and (if measured) the validation set.

    The left panel shows the loss, the right panel the accuracy; a history without
    accuracies (an ``"mse"`` model) gets the loss panel only. Training curves are drawn in
    :data:`TRAIN_COLOR`, validation curves in :data:`VALIDATION_COLOR`; epochs are counted
    from 1.

    Parameters
    ----------
    history : nnbook.train.History or dict
        What :func:`nnbook.train.train` returned, or a dict with the same keys:
        ``"loss"`` (required) and optionally ``"accuracy"``, ``"val_loss"``,
        ``"val_accuracy"``, each a list with one number per epoch (or None).
    axes : Axes or list of Axes or None
        Where to draw: one Axes per panel (two with accuracies, else one). By default a
        new figure. Default: None.
    log_scale : bool
        Draw the loss on a logarithmic scale (every loss must then be positive).
        Default: ``False``.
    title : str or None
        Title of the figure. Default: None.

    Returns
    -------
    fig : Figure
        The figure.
    axes : ndarray
        The Axes of the panels, shape ``(2,)`` (loss, accuracy) or ``(1,)`` (loss).
    """
    curves = {}
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        value = history.get(key) if isinstance(history, Mapping) else getattr(history, key, None)
        if value is not None:
            value = as_real_array(value, f"history.{key}")
            if value.ndim != 1:
                raise ValueError(f"history.{key} must be a list of numbers, one per epoch, got shape {value.shape}")
        curves[key] = value
    loss = curves["loss"]
    if loss is None or loss.size == 0:
        raise ValueError("history.loss must hold at least one epoch")
    n_epochs = loss.size
    for key in ("accuracy", "val_loss", "val_accuracy"):
        value = curves[key]
        if value is not None and value.size == 0:      # an empty list: not measured
            curves[key] = None
        elif value is not None and value.size != n_epochs:
            raise ValueError(f"history.{key} has {value.size} entries but history.loss has {n_epochs}")
    if log_scale and not all(v is None or np.all(v > 0) for v in (loss, curves["val_loss"])):
        raise ValueError("log_scale=True needs every loss to be > 0")

    panels = [("loss", "val_loss", "loss $J$")]
    if curves["accuracy"] is not None:
        panels.append(("accuracy", "val_accuracy", "accuracy"))
    if axes is None:
        fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.4), layout="constrained", squeeze=False)
        axes = axes[0]
    else:
        axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
        if axes.size != len(panels) or not all(isinstance(a, Axes) for a in axes):
            raise ValueError(f"axes must be {len(panels)} matplotlib Axes for this history ({', '.join(p[0] for p in panels)}), got {axes.size} object(s)")
        fig = axes[0].figure

    epochs = np.arange(1, n_epochs + 1)
    marker = "o" if n_epochs <= 20 else None
    for ax, (train_key, val_key, ylabel) in zip(axes, panels):
        ax.plot(epochs, curves[train_key], color=TRAIN_COLOR, lw=_LINE_WIDTH, marker=marker, ms=4, label="training")
        if curves[val_key] is not None:
            ax.plot(epochs, curves[val_key], color=VALIDATION_COLOR, lw=_LINE_WIDTH, marker=marker, ms=4, label="validation")
        ax.set(xlabel="epoch", ylabel=ylabel)
        ax.grid(alpha=_GRID_ALPHA)
        ax.legend(loc="best")
    if log_scale:
        axes[0].set_yscale("log")
    if title is not None:
        fig.suptitle(title)
    return fig, axes


# --- functions of two variables -------------------------------------------------------------

def plot_trajectories(f, trajectories, *, ax=None, levels=30, xlim=None, ylim=None, resolution=200,
                      minimum=None, title=None):
    """Paths of optimizers drawn over the contour lines of a function of two variables.

    Each trajectory is one line with a dot at every iterate, in the colours of
    :data:`COLORS` in order, named in the legend; the contour lines of ``f`` are drawn in
    :data:`CONTOUR_CMAP` on a ``resolution`` × ``resolution`` grid.

    Parameters
    ----------
    f : callable
        ``f(x1, x2)``, called once with two arrays of the same shape (the grid) and
        returning the values at those points, an array of that shape; e.g.
        ``lambda x1, x2: x1**2 + 10 * x2**2``.
    trajectories : dict
        Maps a name (the legend entry) to an array of shape ``(T, 2)``: the iterates
        :math:`x_0, …, x_{T-1}` as rows.
    ax : Axes or None
        Where to draw; by default a new figure. Default: None.
    levels : int or ndarray
        The number of contour levels, or the levels themselves (increasing; e.g.
        ``np.logspace(-2, 3, 20)`` for a function with a wide range). Default: ``30``.
    xlim : tuple of float or None
        ``(low, high)`` of the first coordinate; by default the range of all iterates,
        extended by 10 % on each side. Default: None.
    ylim : tuple of float or None
        The same for the second coordinate. Default: None.
    resolution : int
        Grid points along each axis, at least 2. Default: ``200``.
    minimum : ndarray or None
        Shape ``(2,)``. A point to mark with a black star (e.g. the minimizer). Default:
        None.
    title : str or None
        Title of the axes. Default: None.

    Returns
    -------
    fig : Figure
        The figure of ``ax``.
    ax : Axes
        The axes drawn on: its ``lines`` are the trajectories, in order.
    """
    if not callable(f):
        raise ValueError(f"f must be a function f(x1, x2), got {type(f).__name__}")
    if not isinstance(trajectories, Mapping) or not trajectories:
        raise ValueError("trajectories must be a non-empty dict {name: array of shape (T, 2)}")
    paths = {}
    for name, path in trajectories.items():
        path = as_real_array(path, f"trajectories[{name!r}]")
        if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] == 0:
            raise ValueError(f"trajectories[{name!r}] must have shape (T, 2) with T >= 1, got {path.shape}")
        paths[str(name)] = path
    resolution = as_int_at_least(resolution, "resolution", 2)
    points = np.concatenate(list(paths.values()))
    xlim = _limits(xlim, "xlim", points[:, 0])
    ylim = _limits(ylim, "ylim", points[:, 1])
    levels = _levels(levels)
    if minimum is not None:
        minimum = as_real_array(minimum, "minimum")
        if minimum.shape != (2,):
            raise ValueError(f"minimum must have shape (2,), got {minimum.shape}")
    xx, yy, Z = _grid_values(f, xlim, ylim, resolution)
    fig, ax = _figure_and_axes(ax, (5.5, 4.5))

    ax.contour(xx, yy, Z, levels=levels, cmap=CONTOUR_CMAP, linewidths=0.8)
    for i, (name, path) in enumerate(paths.items()):
        ax.plot(path[:, 0], path[:, 1], color=COLORS[i % len(COLORS)], lw=1.5, marker="o", ms=3, label=name)
    if minimum is not None:
        ax.scatter(*minimum, marker="*", s=160, color="black", zorder=3, label="minimum")
    ax.set(xlim=xlim, ylim=ylim, xlabel="$x_1$", ylabel="$x_2$")
    ax.legend(loc="best", fontsize="small")
    if title is not None:
        ax.set_title(title)
    return fig, ax


def plot_surface(f, xlim, ylim, *, ax=None, resolution=80, elev=30, azim=-60, title=None):
    """A function of two variables as a 3-D surface, coloured by height.

    Parameters
    ----------
    f : callable
        ``f(x1, x2)``, called once with two arrays of the same shape (the grid) and
        returning an array of that shape.
    xlim : tuple of float
        ``(low, high)`` of the first coordinate.
    ylim : tuple of float
        ``(low, high)`` of the second coordinate.
    ax : Axes or None
        A 3-D Axes (``projection="3d"``) to draw on; by default a new figure. Default:
        None.
    resolution : int
        Grid points along each axis, at least 2. Default: ``80``.
    elev : float
        Elevation of the viewpoint, in degrees. Default: ``30``.
    azim : float
        Azimuth of the viewpoint, in degrees. Default: ``-60``.
    title : str or None
        Title of the axes. Default: None.

    Returns
    -------
    fig : Figure
        The figure of ``ax``.
    ax : Axes
        The 3-D axes drawn on (its ``collections`` hold the surface).
    """
    if not callable(f):
        raise ValueError(f"f must be a function f(x1, x2), got {type(f).__name__}")
    xlim = _limits(xlim, "xlim")
    ylim = _limits(ylim, "ylim")
    resolution = as_int_at_least(resolution, "resolution", 2)
    if ax is not None and getattr(ax, "name", None) != "3d":
        raise ValueError("ax must be a 3-D Axes, e.g. fig.add_subplot(projection='3d')")
    xx, yy, Z = _grid_values(f, xlim, ylim, resolution)
    fig, ax = _figure_and_axes(ax, (6, 4.8), projection="3d")

    ax.plot_surface(xx, yy, Z, cmap=CONTOUR_CMAP, rcount=resolution, ccount=resolution,
                    linewidth=0, antialiased=False)
    ax.view_init(elev=elev, azim=azim)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", zlabel="$f$")
    if title is not None:
        ax.set_title(title)
    return fig, ax


# --- histograms and matrices ------------------------------------------------------------------

def plot_layer_histograms(arrays, *, axes=None, bins=50, sharex=True, ncols=4, xlabel="value", title=None):
    """One histogram per layer, e.g. of the activations, gradients or weights of each layer.

    Each panel is titled with the layer's name and the mean and standard deviation of its
    values. With ``sharex`` all panels use the same bins (over the range of all values),
    so a distribution that shrinks or spreads from layer to layer is seen at a glance.

    Parameters
    ----------
    arrays : list or dict
        The arrays (any shapes; every entry counts), one per layer, in order. A list names
        them ``"layer 1"``, ``"layer 2"``, …; a dict names them by its keys.
    axes : list of Axes or None
        One Axes per array; by default a new figure with ``ncols`` panels per row.
        Default: None.
    bins : int or ndarray
        The number of bins, or the bin edges (increasing). Default: ``50``.
    sharex : bool
        Use the same bins and horizontal range in every panel. Default: ``True``.
    ncols : int
        Panels per row of a new figure. Default: ``4``.
    xlabel : str
        Label of the horizontal axes. Default: ``"value"``.
    title : str or None
        Title of the figure. Default: None.

    Returns
    -------
    fig : Figure
        The figure.
    axes : ndarray
        Shape ``(n,)``: the Axes of the ``n`` histograms, in order.
    """
    if isinstance(arrays, Mapping):
        items = [(str(k), v) for k, v in arrays.items()]
    elif isinstance(arrays, (list, tuple)):
        items = [(f"layer {i}", v) for i, v in enumerate(arrays, start=1)]
    else:
        raise ValueError(f"arrays must be a list or a dict of arrays, got {type(arrays).__name__}")
    if not items:
        raise ValueError("arrays must hold at least one array")
    values = []
    for name, a in items:
        a = as_real_array(a, f"arrays[{name!r}]").ravel()
        if a.size == 0:
            raise ValueError(f"arrays[{name!r}] is empty")
        values.append(a)
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        bins = as_int_at_least(bins, "bins", 1)
    else:
        bins = _levels(bins, "bins")
    ncols = as_int_at_least(ncols, "ncols", 1)
    if sharex:
        bins = np.histogram_bin_edges(np.concatenate(values), bins=bins)
    n = len(items)
    if axes is None:
        cols = min(ncols, n)
        rows = math.ceil(n / cols)
        fig, grid = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.7 * rows), layout="constrained",
                                 squeeze=False, sharex=bool(sharex))
        grid = grid.ravel()
        for extra in grid[n:]:
            extra.set_visible(False)
        axes = grid[:n]
    else:
        axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
        if axes.size != n or not all(isinstance(a, Axes) for a in axes):
            raise ValueError(f"axes must be {n} matplotlib Axes, one per array, got {axes.size} object(s)")
        fig = axes[0].figure

    for ax, (name, _), a in zip(axes, items, values):
        ax.hist(a, bins=bins, color=HISTOGRAM_COLOR, edgecolor="white", linewidth=0.3)
        ax.set_title(f"{name}\nmean {a.mean():.3g}, std {a.std():.3g}", fontsize="medium")
        ax.set_xlabel(xlabel)
        ax.grid(alpha=_GRID_ALPHA)
        ax.tick_params(labelbottom=True)
    axes[0].set_ylabel("count")
    if title is not None:
        fig.suptitle(title)
    return fig, axes


def plot_confusion_matrix(y_true, y_pred, *, labels=None, ax=None, normalize=False, title=None):
    """The confusion matrix of a classifier, as an image with the numbers written in.

    Entry :math:`C_{ij}` counts the samples of true class :math:`i` predicted as class
    :math:`j` (rows: true classes, columns: predictions, as in scikit-learn), so the
    diagonal holds the correct predictions.

    Parameters
    ----------
    y_true : ndarray
        Shape ``(m,)``. True integer class labels, 0 … K−1.
    y_pred : ndarray
        Shape ``(m,)``. Predicted integer class labels, e.g. ``model.predict(X)``.
    labels : list of str or None
        Names of the classes 0 … K−1 (their number fixes K); by default K is one more
        than the largest label seen and the classes are named by their indices.
        Default: None.
    ax : Axes or None
        Where to draw; by default a new figure. Default: None.
    normalize : bool
        Divide each row by its total, so that entry :math:`(i, j)` is the fraction of
        class :math:`i` predicted as :math:`j` (a row without samples stays 0).
        Default: ``False``.
    title : str or None
        Title of the axes. Default: None.

    Returns
    -------
    fig : Figure
        The figure of ``ax``.
    ax : Axes
        The axes drawn on; ``ax.images[-1]`` holds the (possibly normalized) matrix and
        ``ax.texts`` the numbers, row by row.
    """
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape (m,), got {y_true.shape} and {y_pred.shape}")
    largest = int(max(y_true.max(), y_pred.max()))
    if labels is None:
        n_classes = largest + 1
        names = [str(k) for k in range(n_classes)]
    else:
        names = [str(name) for name in labels]
        n_classes = len(names)
        if largest >= n_classes:
            raise ValueError(f"labels names {n_classes} classes (0 … {n_classes - 1}), but the labels go up to {largest}")

    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        shown = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
        vmax, text = 1.0, [[f"{v:.2f}" for v in row] for row in shown]
    else:
        shown = counts
        vmax, text = max(int(counts.max()), 1), [[str(v) for v in row] for row in counts]
    size = max(3.5, 0.45 * n_classes + 1.5)
    fig, ax = _figure_and_axes(ax, (size + 0.4, size))

    ax.imshow(shown, cmap=MATRIX_CMAP, vmin=0, vmax=vmax, interpolation="nearest")
    fontsize = "medium" if n_classes <= 6 else "small" if n_classes <= 12 else "x-small"
    for i in range(n_classes):
        for j in range(n_classes):
            dark = shown[i, j] > 0.5 * vmax
            ax.text(j, i, text[i][j], ha="center", va="center", fontsize=fontsize,
                    color="white" if dark else "black")
    ticks = np.arange(n_classes)
    ax.set(xticks=ticks, yticks=ticks, xticklabels=names, yticklabels=names,
           xlabel="predicted class", ylabel="true class")
    if title is not None:
        ax.set_title(title)
    return fig, ax


# --- network diagrams -------------------------------------------------------------------------

def draw_node(ax, xy, label, *, color="white", r=0.3):
    """Draw one unit of a network diagram: a circle of radius ``r`` at ``xy`` with a label.

    Chapters draw small networks (units and the weights between them) with this and
    :func:`draw_edge`; use an Axes with ``aspect="equal"`` so that circles stay round.

    Parameters
    ----------
    ax : Axes
        Where to draw.
    xy : tuple of float
        The centre ``(x, y)`` in data coordinates.
    label : str
        Text in the circle (may be ``$...$`` mathtext), e.g. ``"$a_1$"``.
    color : str
        Fill colour. Default: ``"white"``.
    r : float
        Radius in data units, > 0. Default: ``0.3``.

    Returns
    -------
    matplotlib.patches.Circle
        The circle added to ``ax``.
    """
    r = as_positive_number(r, "r")
    circle = plt.Circle(xy, r, facecolor=color, edgecolor="black", lw=1.2, zorder=3)
    ax.add_patch(circle)
    ax.text(*xy, label, ha="center", va="center", fontsize=13, zorder=4)
    return circle


def draw_edge(ax, p, q, *, color="0.75", lw=1.0, r=0.3):
    """Draw an arrow from unit ``p`` to unit ``q``, stopping at the rims of their circles.

    Parameters
    ----------
    ax : Axes
        Where to draw.
    p, q : tuple of float
        The centres of the two units (distinct points); the arrow points to ``q``.
    color : str
        Arrow colour. Default: ``"0.75"`` (light grey).
    lw : float
        Line width. Default: ``1.0``.
    r : float
        The radius of the units' circles (as given to :func:`draw_node`). Default: ``0.3``.

    Returns
    -------
    matplotlib.text.Annotation
        The arrow.
    """
    r = as_positive_number(r, "r")
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    length = np.linalg.norm(q - p)
    if not length > 2 * r:
        raise ValueError(f"draw_edge needs units further apart than 2r = {2 * r:g}, got p {tuple(p)} and q {tuple(q)}")
    u = (q - p) / length
    return ax.annotate("", xy=q - r * u, xytext=p + r * u, zorder=2,
                       arrowprops=dict(arrowstyle="-|>", color=color, lw=lw))


# --- helpers ----------------------------------------------------------------------------------

def _figure_and_axes(ax, figsize, projection=None):
    """A new (figure, axes) of the book's style, or ``ax`` (checked) and its figure."""
    if ax is None:
        fig = plt.figure(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot(projection=projection)
    if not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    return ax.figure, ax


def _labels(y, name):
    """A 1-D, non-empty, non-negative integer array of class labels."""
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise ValueError(f"{name} must be integer class labels, got dtype {y.dtype} with shape {y.shape}")
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of shape (m,), got shape {y.shape}")
    if y.min() < 0:
        raise ValueError(f"{name} must hold class labels >= 0, got {y.min()}")
    return y.astype(np.int64)


def _class_names(labels, n_classes):
    if labels is None:
        return [f"class {k}" for k in range(n_classes)]
    names = [str(name) for name in labels]
    if len(names) < n_classes:
        raise ValueError(f"labels names {len(names)} classes, but the classes go up to {n_classes - 1}")
    return names


def _nonnegative(x, name):
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)) or not np.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")
    return float(x)


def _padded_range(values, padding):
    """(low, high) of the values, widened by ``padding`` times their range on each side."""
    low, high = float(values.min()), float(values.max())
    margin = padding * (high - low) if high > low else 1.0
    return low - margin, high + margin


def _limits(lim, name, values=None):
    """``lim`` as a checked (low, high), or the padded range of ``values`` when it is None."""
    if lim is None and values is not None:
        return _padded_range(values, 0.1)
    lim = as_real_array(lim, name) if lim is not None else None
    if lim is None or lim.shape != (2,) or not lim[0] < lim[1]:
        raise ValueError(f"{name} must be a pair (low, high) with low < high, got {lim!r}")
    return float(lim[0]), float(lim[1])


def _levels(levels, name="levels"):
    """A positive int, or a 1-D strictly increasing array of finite values."""
    if isinstance(levels, (int, np.integer)) and not isinstance(levels, bool):
        return as_int_at_least(levels, name, 1)
    levels = as_real_array(levels, name)
    if levels.ndim != 1 or levels.size < 2 or not np.all(np.diff(levels) > 0):
        raise ValueError(f"{name} must be a positive int or a strictly increasing 1-D array, got shape {levels.shape}")
    return levels


def _grid_values(f, xlim, ylim, resolution):
    """The grid (xx, yy) over xlim × ylim and the finite values f(xx, yy)."""
    xx, yy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    Z = np.asarray(f(xx, yy))
    if Z.shape != xx.shape:
        raise ValueError(f"f(x1, x2) must return an array of the grid's shape {xx.shape}, got shape {Z.shape}")
    return xx, yy, as_real_array(Z, "f(x1, x2)").astype(np.float64, copy=False)


def _tint(color, amount):
    """``color`` mixed with white: ``amount`` of the colour, ``1 - amount`` of white."""
    return tuple(amount * c + (1 - amount) for c in to_rgb(color))
