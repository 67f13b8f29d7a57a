"""Property tests (hypothesis): for random shapes (1–50) and random finite values as large as
the true results allow (up to 1e300), every function returns the right shapes and dtypes,
finite values, and leaves its inputs unchanged."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnbook import activations, losses, regularization
from nnbook.gradcheck import relative_error
from nnbook.network import MLP, dense_backward, dense_forward

SETTINGS = settings(max_examples=30, deadline=None)
dims = st.integers(1, 50)


def matrices(shape, bound, dtype=np.float64):
    """Finite floats in [-bound, bound] (zeros and subnormals included)."""
    bound = float(np.dtype(dtype).type(bound))       # the nearest value of the dtype
    return hnp.arrays(dtype, shape, elements=st.floats(-bound, bound, allow_nan=False, allow_infinity=False,
                                                       width=np.dtype(dtype).itemsize * 8))


def labels(draw, n, m):
    return losses.one_hot(np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))), n)


def assert_unchanged(before, after):
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


def finite(x):
    return np.all(np.isfinite(x))


# --- losses -------------------------------------------------------------------------------------

@SETTINGS
@given(st.data(), dims, dims, st.sampled_from([np.float32, np.float64]))
def test_softmax_family(data, n, m, dtype):
    bound = 1e300 if dtype == np.float64 else 1e38
    Z = data.draw(matrices((n, m), bound, dtype))
    Y = labels(data.draw, n, m)
    Z0, Y0 = Z.copy(), Y.copy()
    P = losses.softmax(Z)
    logP = losses.log_softmax(Z)
    J, dZ = losses.softmax_cross_entropy(Z, Y)
    assert P.shape == logP.shape == dZ.shape == (n, m)
    assert P.dtype == logP.dtype == dZ.dtype == dtype
    assert finite(P) and finite(logP) and finite(dZ) and np.isfinite(J)
    assert np.all((P >= 0) & (P <= 1)) and np.all(logP <= 0) and J >= 0
    np.testing.assert_allclose(P.sum(axis=0), 1, rtol=1e-5 if dtype == np.float32 else 1e-13)
    # Each gradient column is (p - y)/m: it sums to 0.
    np.testing.assert_allclose(dZ.sum(axis=0), 0, atol=(1e-6 if dtype == np.float32 else 1e-15) * n / m)
    assert_unchanged([Z, Y], [Z0, Y0])


@SETTINGS
@given(st.data(), dims, dims)
def test_cross_entropy(data, n, m):
    P = data.draw(hnp.arrays(np.float64, (n, m), elements=st.floats(0, 1)))
    Y = labels(data.draw, n, m)
    P0, Y0 = P.copy(), Y.copy()
    J, dP = losses.cross_entropy(P, Y)
    assert dP.shape == (n, m) and np.isfinite(J) and finite(dP) and J >= 0
    assert np.all(dP <= 0)
    assert_unchanged([P, Y], [P0, Y0])


@SETTINGS
@given(st.data(), dims, dims)
def test_mse(data, n, m):
    # |A - Y| <= 2e152, so J <= 2e304 · n: representable for every shape here.
    A = data.draw(matrices((n, m), 1e152))
    Y = data.draw(matrices((n, m), 1e152))
    A0, Y0 = A.copy(), Y.copy()
    J, dA = losses.mse(A, Y)
    assert dA.shape == (n, m) and np.isfinite(J) and finite(dA) and J >= 0
    assert_unchanged([A, Y], [A0, Y0])


@SETTINGS
@given(st.data(), dims, st.floats(0, 1e300))
def test_max_margin(data, m, margin):
    s = data.draw(matrices((1, m), 1e300))
    s_c = data.draw(matrices((1, m), 1e300))
    s0, s_c0 = s.copy(), s_c.copy()
    J, ds, ds_c = losses.max_margin(s, s_c, margin)
    assert ds.shape == ds_c.shape == (1, m) and np.isfinite(J) and J >= 0
    assert set(np.unique(ds_c).tolist()) <= {0.0, 1 / m}
    np.testing.assert_array_equal(ds, -ds_c)
    assert_unchanged([s, s_c], [s0, s_c0])


# --- dense layers and the MLP ------------------------------------------------------------------------

@SETTINGS
@given(st.data(), dims, dims, dims)
def test_dense_layer(data, n, n_prev, m):
    # |Z| <= n_prev · 1e148 · 1e150 + 1e300 and the gradients are bounded alike: all representable.
    A_prev = data.draw(matrices((n_prev, m), 1e150))
    W = data.draw(matrices((n, n_prev), 1e148))
    b = data.draw(matrices((n, 1), 1e300))
    dZ = data.draw(matrices((n, m), 1e150))
    before = [x.copy() for x in (A_prev, W, b, dZ)]
    Z, cache = dense_forward(A_prev, W, b)
    dA_prev, dW, db = dense_backward(dZ, cache)
    assert Z.shape == dZ.shape and dA_prev.shape == A_prev.shape and dW.shape == W.shape and db.shape == b.shape
    assert all(finite(x) for x in (Z, dA_prev, dW, db))
    assert_unchanged([A_prev, W, b, dZ], before)


@st.composite
def models(draw):
    depth = draw(st.integers(1, 3))
    sizes = [draw(dims) for _ in range(depth + 1)]
    loss = draw(st.sampled_from(losses.LOSSES))
    acts = [draw(st.sampled_from(list(activations.ACTIVATIONS))) for _ in range(depth)]
    if loss == "softmax_cross_entropy":
        acts[-1] = "identity"
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    keep_prob = draw(st.sampled_from([1.0, 0.5, 0.9]))
    l2 = draw(st.sampled_from([0.0, 0.01]))
    seed = draw(st.integers(0, 2**32 - 1))
    return MLP(sizes, acts, loss, rng=np.random.default_rng(seed), l2=l2, keep_prob=keep_prob, dtype=dtype)


@settings(max_examples=40, deadline=None)
@given(st.data(), models(), st.integers(1, 50))
def test_mlp(data, model, m):
    # Inputs up to 1e5 (1e100 in float64): through at most three layers of weights of
    # order 1 and widths <= 50, every intermediate value and gradient stays representable.
    bound = 1e100 if model.dtype == np.float64 else 1e5
    X = data.draw(matrices((model.layer_sizes[0], m), bound))
    n_L = model.layer_sizes[-1]
    Y = labels(data.draw, n_L, m) if model.loss == "softmax_cross_entropy" else data.draw(matrices((n_L, m), bound))
    X0, Y0 = X.copy(), Y.copy()
    P0 = {k: v.copy() for k, v in model.params.items()}
    J, grads = model.loss_and_grads(X, Y, rng=np.random.default_rng(0))
    assert np.isfinite(J)
    for name, P in model.params.items():
        assert grads[name].shape == P.shape and grads[name].dtype == model.dtype and finite(grads[name])
    out = model.forward(X)
    assert out.shape == (n_L, m) and out.dtype == model.dtype and finite(out)
    if model.loss == "softmax_cross_entropy":
        assert model.predict(X).shape == (m,)
        assert finite(model.predict_proba(X))
    assert_unchanged([X, Y], [X0, Y0])
    assert_unchanged([model.params[k] for k in P0], P0.values())


# --- regularization and gradcheck --------------------------------------------------------------------

@SETTINGS
@given(st.data(), dims, dims, st.floats(0, 1e3))
def test_penalties(data, n, n_prev, lam):
    params = {"W1": data.draw(matrices((n, n_prev), 1e150)), "b1": data.draw(matrices((n, 1), 1e300))}
    before = {k: v.copy() for k, v in params.items()}
    for fn in (regularization.l2_penalty, regularization.l1_penalty):
        value, grads = fn(params, lam)
        assert np.isfinite(value) and value >= 0
        assert all(grads[k].shape == params[k].shape and finite(grads[k]) for k in params)
        assert not grads["b1"].any()
    assert_unchanged(params.values(), before.values())


@SETTINGS
@given(st.data(), dims, dims, st.floats(0.01, 1.0))
def test_dropout(data, n, m, keep_prob):
    A = data.draw(matrices((n, m), 1e300))
    A0 = A.copy()
    A_dropped, mask = regularization.dropout(A, keep_prob, np.random.default_rng(1))
    assert A_dropped.shape == mask.shape == (n, m) and mask.dtype == bool and finite(A_dropped)
    assert np.all(A_dropped[~mask] == 0)
    assert_unchanged([A], [A0])


@SETTINGS
@given(st.data(), dims, dims)
def test_relative_error(data, n, m):
    a = data.draw(matrices((n, m), 1.7e308))
    b = data.draw(matrices((n, m), 1.7e308))
    err = relative_error(a, b)
    assert 0 <= err <= 1 + 1e-12 and np.isfinite(err)
    assert relative_error(a, a) == 0
