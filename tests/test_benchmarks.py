"""The correctness claims the benchmark scripts rest on (nothing here is timed).

The scripts in benchmarks/ print ratios; what they compare must be the same computation on
both sides, and their helpers must do what their docstrings say. These tests check that on
small sizes, so that a change to nnbook cannot silently turn a benchmark into a comparison
of different things.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import digits_vs_sklearn as digits_bench  # noqa: E402
import vectorization as vec_bench  # noqa: E402

from nnbook.gradcheck import relative_error  # noqa: E402


@pytest.mark.parametrize("k, n", [(257, 266), (256, 266), (0, 10), (10, 10), (37, 100)])
def test_wilson_interval_matches_scipy(k, n):
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(method="wilson")
    low, high = digits_bench.wilson_interval(k / n, n)
    assert low == pytest.approx(ci.low, abs=1e-8)
    assert high == pytest.approx(ci.high, abs=1e-8)


def test_folds_are_stratified_disjoint_and_deterministic():
    _, y = digits_bench.load()["dev"]
    folds = digits_bench.stratified_folds(y)
    assert folds.shape == y.shape and set(np.unique(folds)) == set(range(digits_bench.N_FOLDS))
    for digit in range(10):
        counts = np.bincount(folds[y == digit], minlength=digits_bench.N_FOLDS)
        assert counts.max() - counts.min() <= 1, (digit, counts)
    np.testing.assert_array_equal(folds, digits_bench.stratified_folds(y))
    assert not np.array_equal(folds, digits_bench.stratified_folds(y, seed=1))


def test_development_and_test_sets_are_disjoint_and_complete():
    data = digits_bench.load()
    X_dev, y_dev = data["dev"]
    X_test, y_test = data["test"]
    assert X_dev.shape == (64, 1531) and X_test.shape == (64, 266)
    # The 1797 images are all different, so disjoint sets share no image.
    dev_images = {x.tobytes() for x in X_dev.T}
    assert len(dev_images) == 1531
    assert not any(x.tobytes() in dev_images for x in X_test.T)
    assert y_dev.size + y_test.size == 1797


def test_scaling_uses_the_fitted_set_only():
    data = digits_bench.load()
    X_dev, X_test = data["dev"][0], data["test"][0]
    S_dev, S_test = digits_bench.scaled("standardize", X_dev, X_test)
    varying = X_dev.std(axis=1) > 0
    np.testing.assert_allclose(S_dev.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(S_dev[varying].std(axis=1), 1, rtol=1e-12)
    expected = (X_test - X_dev.mean(axis=1, keepdims=True)) / np.where(
        varying, X_dev.std(axis=1), 1.0)[:, None]
    np.testing.assert_allclose(S_test, expected, rtol=1e-12, atol=1e-12)
    assert digits_bench.scaled("unit", X_dev, X_test)[1] is X_test


def test_bare_loop_trains_the_same_parameters_as_train():
    # The benchmark's "bare loop" row claims to train exactly what train() trains.
    X, y = digits_bench.load()["dev"]
    model, history = digits_bench.fit_nnbook(X, y, hidden=16, epochs=3, alpha=0.1, seed=4)
    twin, loss_curve = digits_bench.fit_nnbook_loop(X, y, hidden=16, epochs=3, alpha=0.1, seed=4)
    for name, value in model.params.items():
        np.testing.assert_array_equal(value, twin.params[name])
    assert len(loss_curve) == history.epochs == 3


def test_sklearn_contender_runs_the_stated_settings():
    pytest.importorskip("sklearn")
    X, y = digits_bench.load()["dev"]
    clf = digits_bench.fit_sklearn(X, y, hidden=16, epochs=2, alpha=0.1, seed=0)
    assert clf.n_iter_ == 2 and clf.hidden_layer_sizes == (16,)
    assert clf.batch_size == digits_bench.BATCH_SIZE and clf.solver == "adam"
    assert [W.shape for W in clf.coefs_] == [(64, 16), (16, 10)]


@pytest.mark.parametrize("sizes, acts, loss", [
    ([20, 8, 1], ["tanh", "identity"], "mse"),
    ([30, 12, 9, 5], ["relu", "relu", "identity"], "softmax_cross_entropy"),
])
def test_per_sample_loop_computes_the_vectorized_gradients(sizes, acts, loss):
    model, X, Y = vec_bench.setup(sizes, acts, loss)     # float32, as benchmarked
    # Compared in float64, so that only a different computation could show a difference.
    X, Y = X.astype(np.float64), Y.astype(np.float64)
    model64 = type(model)(sizes, acts, loss, rng=np.random.default_rng(0))
    model64.params = {k: v.astype(np.float64) for k, v in model.params.items()}
    J, grads = model64.loss_and_grads(X, Y)
    params = {k: v.copy() for k, v in model64.params.items()}
    J_loop, grads_loop = vec_bench.per_sample_step(params, acts, loss, X, Y)
    assert J_loop == pytest.approx(J, rel=1e-12)
    for name in grads:
        assert relative_error(grads_loop[name], grads[name]) < 1e-12, name
    # ... and it takes the SGD step it claims.
    for name in params:
        np.testing.assert_allclose(params[name], model64.params[name] - vec_bench.LR * grads[name],
                                   rtol=1e-12, atol=1e-15)
