"""Tests of nnbook.network: dense layers and the MLP, against loops, finite differences
and each other (float32 vs float64)."""
import numpy as np
import pytest

import nnbook
from nnbook import activations, init, losses
from nnbook.gradcheck import check_model, numerical_gradient, relative_error
from nnbook.network import MLP, DenseCache, dense_backward, dense_forward

ACTS = list(activations.ACTIVATIONS)
KINKS = {"relu": (0.0,), "leaky_relu": (0.0,), "hard_tanh": (-1.0, 1.0)}
LOSSES = ["mse", "softmax_cross_entropy"]


# --- helpers: an independent forward pass and kink-free data --------------------------------

def reference_pre_activations(model, X, seed=None):
    """Z[1..L] recomputed from the documented contract (masks drawn layer by layer)."""
    rng = None if seed is None or model.keep_prob == 1 else np.random.default_rng(seed)
    A, Zs = X, []
    for l, act in enumerate(model.activations, start=1):
        Z = model.params[f"W{l}"] @ A + model.params[f"b{l}"]
        Zs.append(Z)
        A = act.f(Z)
        if rng is not None and l < model.L:
            A = A * (rng.random(A.shape) < model.keep_prob) / model.keep_prob
    return Zs


def kink_distance(model, X, seed=None):
    d = np.inf
    for Z, act in zip(reference_pre_activations(model, X, seed), model.activations):
        for k in KINKS.get(act.name, ()):
            d = min(d, float(np.min(np.abs(Z - k))))
    return d


def make_problem(act, loss, hidden, *, l2=0.0, keep_prob=1.0, seed=0, m=5, dtype=np.float64):
    """A small model and a batch whose pre-activations keep >= 1e-3 away from every kink."""
    n0, n_out = 3, (2 if loss == "mse" else 3)
    sizes = [n0] + [4] * hidden + [n_out]
    last = act if loss == "mse" else "identity"
    for attempt in range(200):
        rng = np.random.default_rng([seed, attempt])
        model = MLP(sizes, [act] * hidden + [last], loss, rng=rng, l2=l2, keep_prob=keep_prob, dtype=dtype)
        # Random biases, so a bias gradient is not checked at b = 0 only.
        model.params = {k: (rng.normal(0, 0.5, v.shape) if k[0] == "b" else v) for k, v in model.params.items()}
        X = rng.standard_normal((n0, m))
        if loss == "mse":
            Y = rng.standard_normal((n_out, m))
        else:
            Y = losses.one_hot(rng.integers(0, n_out, m), n_out)
        if kink_distance(model, X, seed=seed) > 1e-3:
            return model, X, Y
    raise AssertionError("could not draw kink-free data")


# --- dense layers ---------------------------------------------------------------------------

def test_dense_forward_matches_loops():
    rng = np.random.default_rng(0)
    A_prev, W, b = rng.standard_normal((4, 6)), rng.standard_normal((3, 4)), rng.standard_normal((3, 1))
    Z, cache = dense_forward(A_prev, W, b)
    expected = np.array([[sum(W[j, k] * A_prev[k, i] for k in range(4)) + b[j, 0] for i in range(6)]
                         for j in range(3)])
    np.testing.assert_allclose(Z, expected, rtol=1e-13)
    assert isinstance(cache, DenseCache)
    assert cache.A_prev is A_prev and cache.W is W


def test_dense_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    A_prev, W, b = rng.standard_normal((4, 6)), rng.standard_normal((3, 4)), rng.standard_normal((3, 1))
    G = rng.standard_normal((3, 6))            # J = sum(G ⊙ Z), so dZ = G
    _, cache = dense_forward(A_prev, W, b)
    dA_prev, dW, db = dense_backward(G, cache)
    J = lambda A_, W_, b_: float(np.sum(G * dense_forward(A_, W_, b_)[0]))
    assert relative_error(dW, numerical_gradient(lambda v: J(A_prev, v, b), W)) < 1e-9
    assert relative_error(db, numerical_gradient(lambda v: J(A_prev, W, v), b)) < 1e-9
    assert relative_error(dA_prev, numerical_gradient(lambda v: J(v, W, b), A_prev)) < 1e-9
    none, dW2, db2 = dense_backward(G, cache, need_dA_prev=False)
    assert none is None
    np.testing.assert_array_equal(dW2, dW)
    np.testing.assert_array_equal(db2, db)


def test_dense_layers_keep_float32_and_cast_to_W():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((3, 4)).astype(np.float32)
    Z, cache = dense_forward(rng.standard_normal((4, 5)), W, np.zeros((3, 1)))
    assert Z.dtype == np.float32 and cache.A_prev.dtype == np.float32
    dA_prev, dW, db = dense_backward(rng.standard_normal((3, 5)), cache)
    assert dA_prev.dtype == dW.dtype == db.dtype == np.float32


def test_dense_layers_leave_inputs_unchanged():
    rng = np.random.default_rng(3)
    args = [rng.standard_normal((4, 5)), rng.standard_normal((3, 4)), rng.standard_normal((3, 1))]
    copies = [a.copy() for a in args]
    Z, cache = dense_forward(*args)
    dZ = rng.standard_normal((3, 5))
    dZ_copy = dZ.copy()
    dense_backward(dZ, cache)
    for a, c in zip(args + [dZ], copies + [dZ_copy]):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize(
    "A_prev, W, b, message",
    [
        (np.ones((5, 2)), np.ones((3, 4)), np.ones((3, 1)), r"A_prev must have 4 rows, but A_prev has shape \(5, 2\)"),
        (np.ones((4, 2)), np.ones((3, 4)), np.ones((2, 1)), r"b must have shape \(n\[l\], 1\) = \(3, 1\).*got b \(2, 1\)"),
        (np.ones((4, 2)), np.ones((3, 4)), np.ones(3), r"b must be a 2-D array, got 1-D with shape \(3,\)"),
        (np.ones(4), np.ones((3, 4)), np.ones((3, 1)), r"A_prev must be a 2-D array, got 1-D with shape \(4,\)"),
        (np.ones((4, 0)), np.ones((3, 4)), np.ones((3, 1)), r"A_prev has an empty batch \(m = 0 columns\): shape \(4, 0\)"),
        (np.ones((4, 2)), np.ones((3, 4), dtype=int), np.ones((3, 1)), r"W must be a floating-point array, got dtype int64"),
        (np.full((4, 2), np.nan), np.ones((3, 4)), np.ones((3, 1)), r"A_prev contains NaN or inf \(shape \(4, 2\)\)"),
        (np.ones((4, 2)), np.full((3, 4), np.inf), np.ones((3, 1)), r"W contains NaN or inf \(shape \(3, 4\)\)"),
    ],
)
def test_dense_forward_bad_input(A_prev, W, b, message):
    with pytest.raises(ValueError, match=message):
        dense_forward(A_prev, W, b)


def test_dense_backward_bad_input():
    _, cache = dense_forward(np.ones((4, 2)), np.ones((3, 4)), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"dZ must have shape \(n\[l\], m\) = \(3, 2\).*got dZ \(3, 5\)"):
        dense_backward(np.ones((3, 5)), cache)
    with pytest.raises(ValueError, match=r"dZ must be a 2-D array, got 1-D with shape \(3,\)"):
        dense_backward(np.ones(3), cache)
    with pytest.raises(ValueError, match="cache must be the DenseCache returned by dense_forward, got dict"):
        dense_backward(np.ones((3, 2)), {"A_prev": 1})


# --- MLP gradients ----------------------------------------------------------------------------

@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("hidden", [1, 2, 3])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("act", ACTS)
def test_gradients_match_finite_differences(act, loss, hidden, l2):
    model, X, Y = make_problem(act, loss, hidden, l2=l2)
    errors = check_model(model, X, Y)
    assert set(errors) == set(model.params)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("hidden", [1, 2, 3])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("act", ACTS)
def test_gradients_with_replayed_dropout(act, loss, hidden):
    seed = 7
    model, X, Y = make_problem(act, loss, hidden, l2=0.1, keep_prob=0.6, seed=seed, m=8)
    errors = check_model(model, X, Y, seed=seed)
    assert max(errors.values()) < 1e-7, errors
    # The mask really is active: the cost differs from the cost without dropout.
    J_drop = model.loss_and_grads(X, Y, rng=np.random.default_rng(seed))[0]
    assert J_drop != model.loss_and_grads(X, Y)[0]


@pytest.mark.parametrize("keep_prob", [1.0, 0.7])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("act", ACTS)
def test_float32_gradients_match_float64(act, loss, keep_prob):
    model64, X, Y = make_problem(act, loss, 2, l2=0.05, keep_prob=keep_prob, seed=11, m=16)
    model32 = MLP(model64.layer_sizes, model64.activations, loss, rng=np.random.default_rng(0),
                  l2=0.05, keep_prob=keep_prob, dtype=np.float32)
    model32.params = {k: v.astype(np.float32) for k, v in model64.params.items()}
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    J64, g64 = model64.loss_and_grads(X, Y, rng=np.random.default_rng(11))
    J32, g32 = model32.loss_and_grads(X32, Y32, rng=np.random.default_rng(11))
    assert abs(J32 - J64) <= 1e-5 * abs(J64)
    for name in g64:
        assert g32[name].dtype == np.float32, name
        assert relative_error(g32[name], g64[name]) < 1e-4, name
    for name, value in model32.params.items():
        assert value.dtype == np.float32
    assert model32.forward(X32).dtype == np.float32
    assert model32.forward(X).dtype == np.float32     # float64 input is cast to the model's dtype
    if loss == "softmax_cross_entropy":
        assert model32.predict_proba(X32).dtype == np.float32


def test_l2_term_in_cost_and_gradient():
    model, X, Y = make_problem("tanh", "mse", 2, l2=0.0, seed=5)
    J0, g0 = model.loss_and_grads(X, Y)
    model.l2 = 0.25
    J1, g1 = model.loss_and_grads(X, Y)
    W_norms = sum(np.sum(model.params[f"W{l}"] ** 2) for l in range(1, model.L + 1))
    assert J1 == pytest.approx(J0 + 0.125 * W_norms, rel=1e-13)
    for name in g0:
        extra = 0.25 * model.params[name] if name[0] == "W" else 0.0
        np.testing.assert_allclose(g1[name], g0[name] + extra, rtol=1e-12, atol=1e-15)


def test_loss_matches_the_loss_functions():
    for loss, fn in [("mse", losses.mse), ("softmax_cross_entropy", losses.softmax_cross_entropy)]:
        model, X, Y = make_problem("sigmoid", loss, 2, seed=9)
        J, _ = model.loss_and_grads(X, Y)
        assert J == pytest.approx(fn(model.forward(X), Y)[0], rel=1e-14)


def test_dropout_needs_an_rng_and_is_inverted():
    model, X, Y = make_problem("sigmoid", "mse", 1, keep_prob=0.5, seed=4, m=6)
    no_drop = MLP(model.layer_sizes, model.activations, "mse", rng=np.random.default_rng(0))
    no_drop.params = model.params
    # Without an rng nothing is dropped: same cost as the model without dropout.
    assert model.loss_and_grads(X, Y)[0] == no_drop.loss_and_grads(X, Y)[0]
    # With an rng: the hidden layer is A ⊙ M / p with M drawn as documented.
    rng = np.random.default_rng(21)
    W1, b1, W2, b2 = (model.params[k] for k in ("W1", "b1", "W2", "b2"))
    A1 = activations.sigmoid.f(W1 @ X + b1)
    M = rng.random(A1.shape) < 0.5
    A2 = activations.sigmoid.f(W2 @ (A1 * M / 0.5) + b2)
    expected = 0.5 * np.sum((A2 - Y) ** 2) / X.shape[1]
    assert model.loss_and_grads(X, Y, rng=np.random.default_rng(21))[0] == pytest.approx(expected, rel=1e-13)
    # Equal seeds replay the mask; forward never drops.
    J1, g1 = model.loss_and_grads(X, Y, rng=np.random.default_rng(3))
    J2, g2 = model.loss_and_grads(X, Y, rng=np.random.default_rng(3))
    assert J1 == J2 and all(np.array_equal(g1[k], g2[k]) for k in g1)
    np.testing.assert_array_equal(model.forward(X), no_drop.forward(X))


def test_inputs_and_params_unchanged():
    model, X, Y = make_problem("relu", "softmax_cross_entropy", 2, l2=0.1, keep_prob=0.8, seed=6)
    X0, Y0 = X.copy(), Y.copy()
    P0 = {k: v.copy() for k, v in model.params.items()}
    for _ in range(2):
        model.loss_and_grads(X, Y, rng=np.random.default_rng(1))
        model.forward(X), model.predict(X), model.predict_proba(X)
        check_model(model, X, Y, seed=2)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    for k in P0:
        np.testing.assert_array_equal(model.params[k], P0[k])


def test_grads_are_new_arrays_each_call():
    model, X, Y = make_problem("relu", "softmax_cross_entropy", 1, seed=8)
    _, g1 = model.loss_and_grads(X, Y)
    saved = {k: v.copy() for k, v in g1.items()}
    _, g2 = model.loss_and_grads(2 * X, Y)
    for k in g1:
        assert g1[k] is not g2[k] and not np.shares_memory(g1[k], g2[k])
        np.testing.assert_array_equal(g1[k], saved[k])


# --- MLP API ----------------------------------------------------------------------------------

def test_params_live_dict_and_assignment():
    model = MLP([2, 3, 1], ["tanh", "identity"], "mse", rng=np.random.default_rng(0))
    assert list(model.params) == ["W1", "b1", "W2", "b2"]
    assert model.params["W1"].shape == (3, 2) and model.params["b2"].shape == (1, 1)
    np.testing.assert_array_equal(model.params["b1"], 0)
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    out0 = model.forward(X)
    model.params["W2"] *= 2          # live: the model sees in-place changes
    np.testing.assert_allclose(model.forward(X), 2 * out0)
    new = {k: np.zeros_like(v) for k, v in model.params.items()}
    model.params = new
    np.testing.assert_array_equal(model.forward(X), np.zeros((1, 2)))
    # A foreign float32 array put into the live dict is cast back to the model's dtype.
    model.params["W1"] = np.ones((3, 2), dtype=np.float32)
    model.forward(X)
    assert model.params["W1"].dtype == np.float64


def test_predict_and_predict_proba():
    rng = np.random.default_rng(0)
    model = MLP([2, 4, 3], ["tanh", "identity"], "softmax_cross_entropy", rng=rng)
    X = rng.standard_normal((2, 7))
    logits = model.forward(X)
    P = model.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=0), 1, rtol=1e-14)
    np.testing.assert_allclose(P, np.exp(logits) / np.exp(logits).sum(axis=0), rtol=1e-13)
    labels = model.predict(X)
    assert labels.shape == (7,) and labels.dtype.kind == "i"
    np.testing.assert_array_equal(labels, np.argmax(logits, axis=0))
    reg = MLP([2, 4, 2], ["tanh", "sigmoid"], "mse", rng=rng)
    assert reg.predict(X).shape == (2, 7)
    with pytest.raises(ValueError, match="predict_proba needs a model with loss 'softmax_cross_entropy'"):
        reg.predict_proba(X)


def test_default_init_kaiming_for_relu_xavier_otherwise():
    sizes = [5, 6, 4, 3]
    model = MLP(sizes, ["relu", "tanh", "identity"], "softmax_cross_entropy", rng=np.random.default_rng(42))
    rng = np.random.default_rng(42)
    np.testing.assert_array_equal(model.params["W1"], init.kaiming_normal(6, 5, rng))
    np.testing.assert_array_equal(model.params["W2"], init.xavier_uniform(4, 6, rng))
    np.testing.assert_array_equal(model.params["W3"], init.xavier_uniform(3, 4, rng))
    leaky = MLP([5, 6, 1], ["leaky_relu", "identity"], "mse", rng=np.random.default_rng(1))
    np.testing.assert_array_equal(leaky.params["W1"], init.kaiming_normal(6, 5, np.random.default_rng(1)))
    named = MLP([5, 6, 1], ["relu", "identity"], "mse", rng=np.random.default_rng(1), init="xavier_normal")
    rng = np.random.default_rng(1)
    np.testing.assert_array_equal(named.params["W1"], init.xavier_normal(6, 5, rng))
    custom = MLP([5, 6, 1], ["relu", "identity"], "mse", rng=np.random.default_rng(1), init=init.normal(0.1))
    assert np.std(custom.params["W1"]) < 0.2


def test_training_with_sgd_solves_xor():
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
    Y = losses.one_hot(np.array([0, 1, 1, 0]), 2)
    model = MLP([2, 8, 2], ["tanh", "identity"], "softmax_cross_entropy", rng=np.random.default_rng(0))
    J_start = model.loss_and_grads(X, Y)[0]
    for _ in range(500):
        J, grads = model.loss_and_grads(X, Y)
        model.params = {k: v - 0.5 * grads[k] for k, v in model.params.items()}
    assert J < 0.05 < J_start
    np.testing.assert_array_equal(model.predict(X), [0, 1, 1, 0])


def test_exported_at_top_level():
    assert nnbook.MLP is MLP
    for name in ("losses", "network", "init", "regularization", "gradcheck", "activations"):
        assert hasattr(nnbook, name)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(layer_sizes=[2, 3, 1], activations=["tanh"]),
         r"layer_sizes \[2, 3, 1\] describe 2 layer\(s\), so 2 activation\(s\) are needed, got 1"),
        (dict(activations=["tanh", "swish"]), "unknown activation 'swish'; known names: identity"),
        (dict(loss="hinge"), "unknown loss 'hinge'; known names: mse, softmax_cross_entropy"),
        (dict(loss="softmax_cross_entropy", activations=["tanh", "sigmoid"]),
         "the last activation must be 'identity', got 'sigmoid'"),
        (dict(init="glorot"), "unknown init 'glorot'; known names: zeros"),
        (dict(init="normal"), "normal needs a standard deviation"),
        (dict(keep_prob=0.0), r"keep_prob must lie in \(0, 1\], got 0.0"),
        (dict(keep_prob=1.5), r"keep_prob must lie in \(0, 1\], got 1.5"),
        (dict(l2=-1.0), "l2 must be a finite number >= 0, got -1.0"),
        (dict(layer_sizes=[2]), r"layer_sizes needs at least \[n_0, n_1\]"),
        (dict(layer_sizes=[2, 0, 1]), "layer_sizes\\[1\\] must be a positive integer, got 0"),
        (dict(dtype=np.int32), "dtype must be a floating dtype"),
        (dict(rng=0), "rng must be a numpy.random.Generator"),
        (dict(init=lambda fan_out, fan_in, rng: np.ones((fan_in, fan_out))),
         r"params\['W1'\] must have shape \(3, 2\) for layer_sizes \[2, 3, 1\], got \(2, 3\)"),
    ],
)
def test_mlp_bad_construction(kwargs, message):
    args = dict(layer_sizes=[2, 3, 1], activations=["tanh", "identity"], loss="mse", rng=np.random.default_rng(0))
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        MLP(args.pop("layer_sizes"), args.pop("activations"), args.pop("loss"), **args)


@pytest.mark.parametrize(
    "X, Y, message",
    [
        (np.ones((3, 4)), np.ones((1, 4)), r"X must have shape \(n_0, m\) with 2 rows, got \(3, 4\)"),
        (np.ones((2, 4)), np.ones((2, 4)), r"Y must have shape \(n_L, m\) with 1 rows, got \(2, 4\)"),
        (np.ones((2, 4)), np.ones((1, 3)), r"X and Y must have the same number of columns m, got X \(2, 4\) and Y \(1, 3\)"),
        (np.ones(2), np.ones((1, 1)), r"X must be a 2-D array, got 1-D with shape \(2,\)"),
        (np.ones((2, 0)), np.ones((1, 0)), r"X has an empty batch \(m = 0 columns\): shape \(2, 0\)"),
        (np.ones((2, 4), dtype=int), np.ones((1, 4)), "X must be a floating-point array, got dtype int64"),
        (np.ones((2, 4)), np.ones((1, 4), dtype=bool), "Y must be a floating-point array, got dtype bool"),
        (np.array([[1.0, np.nan], [0, 0]]), np.ones((1, 2)), r"X contains NaN or inf \(shape \(2, 2\)\)"),
        (np.ones((2, 2)), np.array([[np.inf, 0]]), r"Y contains NaN or inf \(shape \(1, 2\)\)"),
    ],
)
def test_mlp_bad_batches(X, Y, message):
    model = MLP([2, 3, 1], ["tanh", "identity"], "mse", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=message):
        model.loss_and_grads(X, Y)


def test_mlp_bad_params_and_rng():
    model = MLP([2, 3, 1], ["tanh", "identity"], "mse", rng=np.random.default_rng(0))
    X, Y = np.ones((2, 4)), np.ones((1, 4))
    with pytest.raises(ValueError, match=r"params must have exactly the keys .*missing \['b2'\]"):
        model.params = {k: v for k, v in model.params.items() if k != "b2"}
    with pytest.raises(ValueError, match=r"params\['b1'\] must have shape \(3, 1\) for layer_sizes \[2, 3, 1\], got \(3,\)"):
        model.params = {**model.params, "b1": np.zeros(3)}
    with pytest.raises(ValueError, match=r"params\['W2'\] contains NaN or inf"):
        model.params = {**model.params, "W2": np.full((1, 3), np.nan)}
    with pytest.raises(ValueError, match=r"params\['W1'\] must be a floating-point array, got dtype int64"):
        model.params["W1"] = np.ones((3, 2), dtype=int)
        model.forward(X)
    model.params["W1"] = np.ones((3, 2))
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        model.loss_and_grads(X, Y, rng=42)
    with pytest.raises(ValueError, match=r"keep_prob must lie in \(0, 1\], got -0.5"):
        model.keep_prob = -0.5
    with pytest.raises(ValueError, match=r"X must have shape \(n_0, m\) with 2 rows, got \(5, 1\)"):
        model.predict(np.ones((5, 1)))
