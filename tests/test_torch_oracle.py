"""nnbook's gradients against PyTorch autograd, an independent implementation, in float64
(relative error < 1e-10). Skipped when torch is not installed."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from nnbook import activations, losses  # noqa: E402
from nnbook.gradcheck import relative_error  # noqa: E402
from nnbook.network import MLP, dense_backward, dense_forward  # noqa: E402

TOL = 1e-10
TORCH_ACTS = {
    "identity": lambda z: z,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "hard_tanh": F.hardtanh,
    "softsign": F.softsign,
    "softplus": lambda z: F.softplus(z, beta=1.0, threshold=50.0),  # exact log(1 + e^z) below 50
}
KINKS = {"relu": (0.0,), "leaky_relu": (0.0,), "hard_tanh": (-1.0, 1.0)}


def t(x, grad=False):
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


def torch_cost(model, X, Y, seed):
    """The model's cost written in PyTorch from the documented contract; returns (J, params, Zs)."""
    params = {k: t(v, True) for k, v in model.params.items()}
    rng = np.random.default_rng(seed) if seed is not None and model.keep_prob < 1 else None
    A, Zs = t(X), []
    for l, act in enumerate(model.activations, start=1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        Zs.append(Z.detach().numpy())
        A = TORCH_ACTS[act.name](Z)
        if rng is not None and l < model.L:
            mask = rng.random(tuple(A.shape)) < model.keep_prob
            A = A * t(mask.astype(float)) / model.keep_prob
    m = X.shape[1]
    if model.loss == "mse":
        J = 0.5 * ((A - t(Y)) ** 2).sum() / m
    else:
        J = F.cross_entropy(A.T, torch.tensor(Y.argmax(axis=0)))
    J = J + 0.5 * model.l2 * sum((params[f"W{l}"] ** 2).sum() for l in range(1, model.L + 1))
    J.backward()
    return J.item(), params, Zs


@pytest.mark.parametrize("l2", [0.0, 0.2])
@pytest.mark.parametrize("dropout", [False, True])
@pytest.mark.parametrize("hidden", [1, 2, 3])
@pytest.mark.parametrize("loss", ["mse", "softmax_cross_entropy"])
@pytest.mark.parametrize("act", list(activations.ACTIVATIONS))
def test_mlp_gradients_match_autograd(act, loss, hidden, dropout, l2):
    n_out = 2 if loss == "mse" else 3
    sizes = [4] + [5] * hidden + [n_out]
    acts = [act] * hidden + [act if loss == "mse" else "identity"]
    seed = 13 if dropout else None
    for attempt in range(100):
        rng = np.random.default_rng([hidden, attempt])
        model = MLP(sizes, acts, loss, rng=rng, l2=l2, keep_prob=0.6 if dropout else 1.0)
        model.params = {k: (rng.normal(0, 0.5, v.shape) if k[0] == "b" else v) for k, v in model.params.items()}
        X = rng.standard_normal((4, 7))
        Y = rng.standard_normal((n_out, 7)) if loss == "mse" else losses.one_hot(rng.integers(0, n_out, 7), n_out)
        J_ref, params, Zs = torch_cost(model, X, Y, seed)
        # Kinks are where the two conventions could legitimately differ: redraw near them.
        if all(np.min(np.abs(Z - k)) > 1e-6 for Z, a in zip(Zs, acts) for k in KINKS.get(a, ())):
            break
    else:
        raise AssertionError("could not draw kink-free data")
    J, grads = model.loss_and_grads(X, Y, rng=None if seed is None else np.random.default_rng(seed))
    assert abs(J - J_ref) <= TOL * abs(J_ref)
    for name, p in params.items():
        assert relative_error(grads[name], p.grad.numpy()) < TOL, name


def test_dense_layer_matches_autograd():
    rng = np.random.default_rng(0)
    A_prev, W, b, G = (rng.standard_normal(s) for s in [(4, 6), (3, 4), (3, 1), (3, 6)])
    Z, cache = dense_forward(A_prev, W, b)
    dA_prev, dW, db = dense_backward(G, cache)
    tA, tW, tb = t(A_prev, True), t(W, True), t(b, True)
    tZ = tW @ tA + tb
    (tZ * t(G)).sum().backward()
    assert relative_error(Z, tZ.detach().numpy()) < TOL
    for mine, ref in [(dA_prev, tA), (dW, tW), (db, tb)]:
        assert relative_error(mine, ref.grad.numpy()) < TOL


def test_losses_match_autograd():
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((4, 9)) * 3
    Y_soft = losses.softmax(rng.standard_normal((4, 9)))
    Y_hot = losses.one_hot(rng.integers(0, 4, 9), 4)
    for Y in (Y_soft, Y_hot):
        tZ = t(Z, True)
        ref = F.cross_entropy(tZ.T, t(Y.T))                    # probability targets
        ref.backward()
        J, dZ = losses.softmax_cross_entropy(Z, Y)
        assert abs(J - ref.item()) <= TOL * ref.item()
        assert relative_error(dZ, tZ.grad.numpy()) < TOL

    P = losses.softmax(Z)
    tP = t(P, True)
    ref = -(t(Y_soft) * torch.log(tP)).sum() / 9
    ref.backward()
    J, dP = losses.cross_entropy(P, Y_soft)
    assert abs(J - ref.item()) <= TOL * ref.item() and relative_error(dP, tP.grad.numpy()) < TOL

    A, Yr = rng.standard_normal((3, 9)), rng.standard_normal((3, 9))
    tA = t(A, True)
    ref = F.mse_loss(tA, t(Yr), reduction="sum") / (2 * 9)
    ref.backward()
    J, dA = losses.mse(A, Yr)
    assert abs(J - ref.item()) <= TOL * ref.item() and relative_error(dA, tA.grad.numpy()) < TOL

    s, s_c = rng.standard_normal((1, 9)), rng.standard_normal((1, 9))
    ts, ts_c = t(s, True), t(s_c, True)
    ref = torch.relu(1.0 + ts_c - ts).mean()
    ref.backward()
    J, ds, ds_c = losses.max_margin(s, s_c)
    assert abs(J - ref.item()) <= TOL * ref.item()
    assert relative_error(ds, ts.grad.numpy()) < TOL and relative_error(ds_c, ts_c.grad.numpy()) < TOL


def test_extreme_logits_match_torch():
    Z = np.array([[1e4, -1e4, 3.0], [-1e4, 1e4, -2.0], [0.0, 5e3, 1.0]])
    Y = losses.one_hot(np.array([1, 0, 2]), 3)
    tZ = t(Z, True)
    ref = F.cross_entropy(tZ.T, torch.tensor([1, 0, 2]))
    ref.backward()
    J, dZ = losses.softmax_cross_entropy(Z, Y)
    assert abs(J - ref.item()) <= TOL * ref.item()
    assert relative_error(dZ, tZ.grad.numpy()) < TOL
    np.testing.assert_allclose(losses.log_softmax(Z), torch.log_softmax(t(Z), dim=0).numpy(), rtol=1e-14)
