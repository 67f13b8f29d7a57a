"""Tests of nnbook.plotting: each function returns the documented matplotlib objects, draws
what it claims (checked against numbers computed here independently), leaves its inputs
untouched and rejects bad input. plot_activations is exercised by its chapter notebook."""
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from mpl_toolkits.mplot3d.art3d import Poly3DCollection  # noqa: E402

from nnbook import MLP, datasets, plotting  # noqa: E402
from nnbook.train import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def bowl(x1, x2):
    return x1**2 + 4 * x2**2


def test_import_draws_nothing_and_changes_no_settings():
    code = (
        "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt\n"
        "before = dict(matplotlib.rcParams)\n"
        "import nnbook.plotting\n"
        "assert plt.get_fignums() == [], plt.get_fignums()\n"
        "assert dict(matplotlib.rcParams) == before\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plot_activations_still_works():
    fig, axes = plotting.plot_activations(["tanh", "relu"])
    assert isinstance(fig, Figure) and axes.shape == (2, 2)


# --- decision boundary ----------------------------------------------------------------------

def spiral_model():
    X, y = datasets.spirals(20, 0.1, np.random.default_rng(0), classes=3)
    model = MLP([2, 16, 3], ["tanh", "identity"], "softmax_cross_entropy", rng=np.random.default_rng(0))
    return model, X, y


def test_decision_boundary_image_is_the_models_prediction_on_the_grid():
    model, X, y = spiral_model()
    X_copy, y_copy = X.copy(), y.copy()
    grids = []

    def predict(G):
        grids.append(G.copy())
        return model.predict(G)

    fig, ax = plotting.plot_decision_boundary(predict, X, y, resolution=40)
    assert isinstance(fig, Figure) and isinstance(ax, Axes) and ax.figure is fig
    (G,) = grids
    assert G.shape == (2, 40 * 40)
    image = np.asarray(ax.images[-1].get_array())
    assert image.shape == (40, 40)
    np.testing.assert_array_equal(image.ravel(), model.predict(G))
    # rows run along x2 (origin lower), columns along x1; the grid covers the data
    xs, ys = G[0].reshape(40, 40), G[1].reshape(40, 40)
    assert np.all(np.diff(xs, axis=1) > 0) and np.all(np.diff(ys, axis=0) > 0)
    x0, x1, y0, y1 = ax.images[-1].get_extent()
    assert (x0, x1, y0, y1) == (xs.min(), xs.max(), ys.min(), ys.max())
    assert x0 < X[0].min() and X[0].max() < x1 and y0 < X[1].min() and X[1].max() < y1
    # one scatter per class, holding exactly that class's samples
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 3
    for k, sc in enumerate(scatters):
        np.testing.assert_array_equal(sc.get_offsets(), X[:, y == k].T)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_decision_boundary_accepts_a_model_and_one_row_scores():
    model, X, y = spiral_model()
    fig, ax = plotting.plot_decision_boundary(model, X, y, resolution=10)
    assert len(ax.images) == 1
    _, ax2 = plotting.plot_decision_boundary(lambda G: G[:1] + G[1:], X, y % 2, resolution=10)
    image = np.asarray(ax2.images[-1].get_array())
    assert set(np.unique(image)) == {0, 1}                 # scores thresholded at 0.5
    fig3, ax3 = plt.subplots()
    fig_out, ax_out = plotting.plot_decision_boundary(model, X, y, ax=ax3, resolution=10, labels=["a", "b", "c"])
    assert fig_out is fig3 and ax_out is ax3
    assert [t.get_text() for t in ax3.get_legend().get_texts()] == ["a", "b", "c"]


def constant_scores(G):
    return np.zeros((G.shape[1], 1))                          # (k, 1): samples as rows, wrong


@pytest.mark.parametrize("predict, X, y, kwargs, match", [
    (None, np.zeros((3, 4)), np.zeros(4, int), {}, r"X must have shape \(2, m\).*got \(3, 4\)"),
    (None, np.zeros((2, 4)), np.zeros(5, int), {}, r"y must have shape \(m,\) = \(4,\) to match X \(2, 4\), got \(5,\)"),
    (None, np.zeros((2, 4)), np.zeros(4), {}, r"y must be integer class labels, got dtype float64"),
    (None, np.zeros((2, 4)), -np.ones(4, int), {}, r"y must hold class labels >= 0"),
    (42, np.zeros((2, 4)), np.zeros(4, int), {}, r"model_or_predict must be a model with a predict method"),
    (constant_scores, np.zeros((2, 4)), np.zeros(4, int), {}, r"must be integer classes of shape \(9,\).*got shape \(9, 1\)"),
    (None, np.zeros((2, 4)), np.zeros(4, int), {"resolution": 1}, r"resolution must be an integer >= 2"),
    (None, np.zeros((2, 4)), np.zeros(4, int), {"padding": -1}, r"padding must be a finite number >= 0"),
    (None, np.zeros((2, 4)), np.zeros(4, int), {"ax": "axes"}, r"ax must be a matplotlib Axes"),
    (None, np.zeros((2, 4)), np.full(4, 10), {}, r"at most 10 classes"),
])
def test_decision_boundary_bad_input(predict, X, y, kwargs, match):
    model, _, _ = spiral_model()
    kwargs = {"resolution": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        plotting.plot_decision_boundary(model if predict is None else predict, X, y, **kwargs)


# --- history ----------------------------------------------------------------------------------

def test_history_panels_and_curves():
    h = History(loss=[1.0, 0.5, 0.25], accuracy=[0.5, 0.75, 1.0], val_loss=[1.1, 0.6, 0.4],
                val_accuracy=[0.4, 0.7, 0.8])
    fig, axes = plotting.plot_history(h, log_scale=True, title="t")
    assert isinstance(fig, Figure) and axes.shape == (2,)
    loss_ax, acc_ax = axes
    assert [len(ax.lines) for ax in axes] == [2, 2]
    np.testing.assert_array_equal(loss_ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(loss_ax.lines[0].get_ydata(), h.loss)
    np.testing.assert_array_equal(loss_ax.lines[1].get_ydata(), h.val_loss)
    np.testing.assert_array_equal(acc_ax.lines[0].get_ydata(), h.accuracy)
    np.testing.assert_array_equal(acc_ax.lines[1].get_ydata(), h.val_accuracy)
    assert loss_ax.get_yscale() == "log" and acc_ax.get_yscale() == "linear"
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["training", "validation"]
    assert h == History(loss=[1.0, 0.5, 0.25], accuracy=[0.5, 0.75, 1.0], val_loss=[1.1, 0.6, 0.4],
                        val_accuracy=[0.4, 0.7, 0.8])      # untouched


def test_history_of_mse_model_without_validation_and_from_a_dict():
    fig, axes = plotting.plot_history(History(loss=[3.0, 2.0], accuracy=None, val_loss=None, val_accuracy=None))
    assert axes.shape == (1,) and len(axes[0].lines) == 1
    fig2, ax = plt.subplots()
    out_fig, out_axes = plotting.plot_history({"loss": [1.0, 0.5], "val_loss": [2.0, 1.0]}, axes=ax)
    assert out_fig is fig2 and out_axes[0] is ax and len(ax.lines) == 2


@pytest.mark.parametrize("history, kwargs, match", [
    (History(loss=[]), {}, r"history.loss must hold at least one epoch"),
    ({"accuracy": [1.0]}, {}, r"history.loss must hold at least one epoch"),
    (History(loss=[1.0, 2.0], accuracy=[0.5]), {}, r"history.accuracy has 1 entries but history.loss has 2"),
    (History(loss=[1.0, 0.0], accuracy=None), {"log_scale": True}, r"log_scale=True needs every loss to be > 0"),
    (History(loss=[1.0, np.nan], accuracy=None), {}, r"history.loss contains NaN"),
    (History(loss=[1.0], accuracy=[1.0]), {"axes": "ax"}, r"axes must be 2 matplotlib Axes"),
])
def test_history_bad_input(history, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.plot_history(history, **kwargs)


# --- trajectories and surfaces ----------------------------------------------------------------

def test_trajectories_one_line_each_over_contours():
    paths = {"SGD": np.array([[2.0, 1.0], [1.0, 0.5], [0.5, 0.2]]), "Adam": np.array([[2.0, 1.0], [1.5, 0.2]]),
             "none": np.array([[-1.0, -1.0]])}
    copies = {k: v.copy() for k, v in paths.items()}
    fig, ax = plotting.plot_trajectories(bowl, paths, levels=12, minimum=[0, 0])
    assert isinstance(fig, Figure) and isinstance(ax, Axes)
    assert len(ax.lines) == len(paths)
    for line, (name, path) in zip(ax.lines, paths.items()):
        assert line.get_label() == name
        np.testing.assert_array_equal(np.column_stack([line.get_xdata(), line.get_ydata()]), path)
        np.testing.assert_array_equal(path, copies[name])
    assert len(ax.collections) == 2                           # the contour set and the star
    assert ax.get_xlim()[0] < -1 < 2 < ax.get_xlim()[1]       # the default limits hold every iterate
    _, ax2 = plotting.plot_trajectories(bowl, paths, levels=np.array([0.5, 1, 2, 4]), xlim=(-3, 3), ylim=(-2, 2))
    assert ax2.get_xlim() == (-3, 3) and ax2.get_ylim() == (-2, 2)


@pytest.mark.parametrize("f, paths, kwargs, match", [
    (bowl, {}, {}, r"trajectories must be a non-empty dict"),
    (bowl, [np.zeros((2, 2))], {}, r"trajectories must be a non-empty dict"),
    (bowl, {"a": np.zeros((3, 3))}, {}, r"trajectories\['a'\] must have shape \(T, 2\) with T >= 1, got \(3, 3\)"),
    (bowl, {"a": np.zeros((0, 2))}, {}, r"got \(0, 2\)"),
    ("f", {"a": np.zeros((2, 2))}, {}, r"f must be a function f\(x1, x2\)"),
    (lambda a, b: 1.0, {"a": np.eye(2)}, {}, r"f\(x1, x2\) must return an array of the grid's shape \(200, 200\)"),
    (bowl, {"a": np.eye(2)}, {"xlim": (1, 0)}, r"xlim must be a pair \(low, high\) with low < high"),
    (bowl, {"a": np.eye(2)}, {"levels": 0}, r"levels must be an integer >= 1"),
    (bowl, {"a": np.eye(2)}, {"levels": [3, 2, 1]}, r"levels must be a positive int or a strictly increasing"),
    (bowl, {"a": np.eye(2)}, {"minimum": [1, 2, 3]}, r"minimum must have shape \(2,\)"),
])
def test_trajectories_bad_input(f, paths, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.plot_trajectories(f, paths, **kwargs)


def test_surface_is_a_3d_plot_of_f():
    fig, ax = plotting.plot_surface(bowl, (-1, 1), (-2, 2), resolution=15)
    assert isinstance(fig, Figure) and ax.name == "3d"
    (surface,) = [c for c in ax.collections if isinstance(c, Poly3DCollection)]
    fig.canvas.draw()
    assert len(surface.get_paths()) == 14 * 14               # one quad per grid cell
    assert ax.get_zlim()[0] <= 0 and ax.get_zlim()[1] >= bowl(1, 2)
    fig2 = plt.figure()
    ax3 = fig2.add_subplot(projection="3d")
    assert plotting.plot_surface(bowl, (0, 1), (0, 1), ax=ax3, resolution=5) == (fig2, ax3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(xlim=(0, 0)), r"xlim must be a pair \(low, high\) with low < high"),
    (dict(ylim=(0, 1, 2)), r"ylim must be a pair"),
    (dict(resolution=1), r"resolution must be an integer >= 2"),
    (dict(f=lambda a, b: np.where(a > 0, np.inf, a)), r"f\(x1, x2\) contains NaN or inf"),
    (dict(ax="2d"), r"ax must be a 3-D Axes"),
])
def test_surface_bad_input(kwargs, match):
    args = {"f": bowl, "xlim": (-1, 1), "ylim": (-1, 1)}
    args.update(kwargs)
    if args.get("ax") == "2d":
        args["ax"] = plt.subplots()[1]
    with pytest.raises(ValueError, match=match):
        plotting.plot_surface(args.pop("f"), args.pop("xlim"), args.pop("ylim"), **args)


# --- layer histograms ---------------------------------------------------------------------------

def test_layer_histograms_counts_and_names():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((4, 50)), 3 * rng.standard_normal(300), rng.uniform(-1, 1, (10, 10))]
    copies = [a.copy() for a in arrays]
    fig, axes = plotting.plot_layer_histograms(arrays, bins=20)
    assert isinstance(fig, Figure) and axes.shape == (3,)
    edges = np.histogram_bin_edges(np.concatenate([a.ravel() for a in arrays]), bins=20)  # shared bins
    for ax, a, name in zip(axes, arrays, ["layer 1", "layer 2", "layer 3"]):
        heights = [p.get_height() for p in ax.patches]
        np.testing.assert_array_equal(heights, np.histogram(a, bins=edges)[0])
        assert ax.get_title().startswith(name)
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c)
    _, axes2 = plotting.plot_layer_histograms({"W1": arrays[0], "W2": arrays[1]}, bins=7, sharex=False)
    assert [ax.get_title().split("\n")[0] for ax in axes2] == ["W1", "W2"]
    assert [len(ax.patches) for ax in axes2] == [7, 7]
    np.testing.assert_array_equal([p.get_height() for p in axes2[1].patches], np.histogram(arrays[1], bins=7)[0])


@pytest.mark.parametrize("arrays, kwargs, match", [
    ([], {}, r"arrays must hold at least one array"),
    (np.zeros((3, 3)), {}, r"arrays must be a list or a dict of arrays, got ndarray"),
    ([np.zeros(3), np.zeros(0)], {}, r"arrays\['layer 2'\] is empty"),
    ([np.array(["a"])], {}, r"must be a real floating-point array"),
    ([np.zeros(3)], {"bins": 0}, r"bins must be an integer >= 1"),
    ([np.zeros(3)], {"axes": [None, None]}, r"axes must be 1 matplotlib Axes, one per array, got 2"),
])
def test_layer_histograms_bad_input(arrays, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.plot_layer_histograms(arrays, **kwargs)


# --- confusion matrix ---------------------------------------------------------------------------

def test_confusion_matrix_shows_the_true_counts():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 4, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.integers(0, 4, 200))
    copies = y_true.copy(), y_pred.copy()
    counts = np.array([[np.sum((y_true == i) & (y_pred == j)) for j in range(4)] for i in range(4)])
    fig, ax = plotting.plot_confusion_matrix(y_true, y_pred)
    assert isinstance(fig, Figure) and isinstance(ax, Axes)
    shown = np.array([int(t.get_text()) for t in ax.texts]).reshape(4, 4)
    np.testing.assert_array_equal(shown, counts)
    np.testing.assert_array_equal(ax.images[-1].get_array(), counts)
    positions = np.array([t.get_position() for t in ax.texts]).reshape(4, 4, 2)
    assert np.all(positions[2, 3] == (3, 2))                 # row = true class, column = prediction
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    np.testing.assert_array_equal(y_true, copies[0])
    np.testing.assert_array_equal(y_pred, copies[1])

    _, ax2 = plotting.plot_confusion_matrix(y_true, y_pred, normalize=True, labels=list("abcde"))
    fractions = np.array([float(t.get_text()) for t in ax2.texts]).reshape(5, 5)
    expected = np.zeros((5, 5))
    expected[:4, :4] = counts / counts.sum(axis=1, keepdims=True)   # class "e" has no samples: zeros
    np.testing.assert_allclose(fractions, expected, atol=0.005)
    assert [t.get_text() for t in ax2.get_xticklabels()] == list("abcde")


@pytest.mark.parametrize("y_true, y_pred, kwargs, match", [
    (np.array([0, 1]), np.array([0, 1, 1]), {}, r"y_true and y_pred must have the same shape \(m,\), got \(2,\) and \(3,\)"),
    (np.array([0.0, 1.0]), np.array([0, 1]), {}, r"y_true must be integer class labels, got dtype float64"),
    (np.array([0, 1]), np.array([[0, 1]]), {}, r"y_pred must be a non-empty 1-D array of shape \(m,\), got shape \(1, 2\)"),
    (np.array([], dtype=int), np.array([], dtype=int), {}, r"y_true must be a non-empty 1-D array"),
    (np.array([0, -1]), np.array([0, 1]), {}, r"y_true must hold class labels >= 0, got -1"),
    (np.array([0, 3]), np.array([0, 1]), {"labels": ["a", "b"]}, r"labels names 2 classes \(0 … 1\), but the labels go up to 3"),
    (np.array([0, 1]), np.array([0, 1]), {"ax": 1}, r"ax must be a matplotlib Axes, got int"),
])
def test_confusion_matrix_bad_input(y_true, y_pred, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.plot_confusion_matrix(y_true, y_pred, **kwargs)


# --- network diagrams ---------------------------------------------------------------------

def test_draw_node_and_edge_stop_at_the_rims():
    fig, ax = plt.subplots()
    circle = plotting.draw_node(ax, (1.0, 2.0), "$a_1$", color="#fde9d9", r=0.4)
    assert circle.center == (1.0, 2.0) and circle.radius == 0.4
    assert [t.get_text() for t in ax.texts] == ["$a_1$"]
    arrow = plotting.draw_edge(ax, (0.0, 0.0), (3.0, 4.0), color="tab:red", lw=2, r=0.5)
    # The arrow runs along p→q, from r past p to r short of q (the line has length 5).
    np.testing.assert_allclose(arrow.xyann, (0.3, 0.4))
    np.testing.assert_allclose(arrow.xy, (2.7, 3.6))
    plt.close(fig)


@pytest.mark.parametrize("p, q, r, message", [
    ((0, 0), (0.5, 0), 0.3, "further apart than 2r"),
    ((1, 1), (1, 1), 0.3, "further apart than 2r"),
    ((0, 0), (2, 0), 0.0, "r must be a finite number > 0"),
])
def test_draw_edge_bad_input(p, q, r, message):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=message):
        plotting.draw_edge(ax, p, q, r=r)
    plt.close(fig)


def test_draw_node_bad_radius():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="r must be a finite number > 0"):
        plotting.draw_node(ax, (0, 0), "x", r=-1)
    plt.close(fig)
