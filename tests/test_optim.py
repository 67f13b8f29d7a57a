"""Tests of nnbook.optim: hand-computed steps, PyTorch's torch.optim as an oracle on a
convex quadratic, the CS231n velocity form of momentum, Adam's bias correction, dtype and
input handling, and bad input."""
import numpy as np
import pytest

from nnbook import optim, schedules

SHAPES = {"W1": (3, 2), "b1": (4, 1)}  # two arrays of different shapes: 10 numbers
N = sum(int(np.prod(s)) for s in SHAPES.values())


def flatten(params):
    return np.concatenate([params[k].ravel() for k in SHAPES])


def unflatten(x):
    out, start = {}, 0
    for key, shape in SHAPES.items():
        size = int(np.prod(shape))
        out[key] = x[start : start + size].reshape(shape).copy()
        start += size
    return out


class Quadratic:
    """f(x) = ½ xᵀAx − bᵀx with A symmetric positive definite, x the flattened params."""

    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(rng.standard_normal((N, N)))
        self.A = Q @ np.diag(np.linspace(0.5, 5.0, N)) @ Q.T
        self.b = rng.standard_normal(N)
        self.x0 = unflatten(rng.standard_normal(N))

    def f(self, params):
        x = flatten(params)
        return 0.5 * x @ self.A @ x - self.b @ x

    def grads(self, params):
        return unflatten(self.A @ flatten(params) - self.b)


def nnbook_trajectory(opt, problem, steps):
    params, path = problem.x0, [flatten(problem.x0)]
    for _ in range(steps):
        params = opt.step(params, problem.grads(params))
        path.append(flatten(params))
    return np.array(path)


# --- hand-computed steps (no oracle needed) -----------------------------------------

def run_scalar(opt, gradients, x0=0.0):
    """Feed the given gradient sequence to a one-number parameter; return the iterates."""
    params, xs = {"x": np.array([x0])}, []
    for g in gradients:
        params = opt.step(params, {"x": np.array([g])})
        xs.append(params["x"][0])
    return np.array(xs)


def test_sgd_by_hand():
    # x ← x − α g: 0 − 0.1·1 = −0.1, then −0.1 − 0.1·(−3) = 0.2
    np.testing.assert_allclose(run_scalar(optim.SGD(0.1), [1.0, -3.0]), [-0.1, 0.2], rtol=1e-14)


def test_momentum_by_hand():
    # v = 1, x = −0.1·1 = −0.1; v = 0.9·1 + 2 = 2.9, x = −0.1 − 0.29 = −0.39
    np.testing.assert_allclose(run_scalar(optim.Momentum(0.1, mu=0.9), [1.0, 2.0]), [-0.1, -0.39], rtol=1e-14)


def test_nesterov_by_hand():
    # v = 1, step g + μv = 1 + 0.9 = 1.9 → x = −0.19;
    # v = 0.9 + 2 = 2.9, step 2 + 0.9·2.9 = 4.61 → x = −0.19 − 0.461 = −0.651
    np.testing.assert_allclose(run_scalar(optim.Nesterov(0.1, mu=0.9), [1.0, 2.0]), [-0.19, -0.651], rtol=1e-14)


def test_adagrad_by_hand():
    # s = 9, step 3/3 = 1; s = 9 + 16 = 25, step 4/5 = 0.8 (lr = 1, eps negligible)
    np.testing.assert_allclose(run_scalar(optim.AdaGrad(1.0, eps=1e-300), [3.0, 4.0]), [-1.0, -1.8], rtol=1e-14)


def test_rmsprop_by_hand():
    # decay 0.5: s = 0.5·9 = 4.5, step 3/√4.5; s = 2.25 + 0.5·16 = 10.25, step 4/√10.25
    expected = np.cumsum([-3 / np.sqrt(4.5), -4 / np.sqrt(10.25)])
    xs = run_scalar(optim.RMSProp(1.0, decay=0.5, eps=1e-300), [3.0, 4.0])
    np.testing.assert_allclose(xs, expected, rtol=1e-14)


def test_eps_is_outside_the_square_root():
    # One AdaGrad step with g = 1e-4 and eps = 1e-4: s = 1e-8, √s + eps = 2e-4, step 0.5·lr.
    # (Inside the root it would be 1e-4/√(1e-8 + 1e-4) ≈ 0.01.)
    assert run_scalar(optim.AdaGrad(1.0, eps=1e-4), [1e-4])[0] == pytest.approx(-0.5, rel=1e-12)
    assert run_scalar(optim.RMSProp(1.0, decay=0.0, eps=1e-4), [1e-4])[0] == pytest.approx(-0.5, rel=1e-12)
    assert run_scalar(optim.Adam(1.0, eps=1e-4), [1e-4])[0] == pytest.approx(-0.5, rel=1e-12)


def test_adam_by_hand():
    # β1 = 0.5, β2 = 0.75, gradients 1 then 3, lr = 1:
    # step 1: m = 0.5, v = 0.25, m̂ = 0.5/0.5 = 1, v̂ = 0.25/0.25 = 1 → step 1
    # step 2: m = 0.25 + 1.5 = 1.75, v = 0.1875 + 2.25 = 2.4375,
    #         m̂ = 1.75/0.75 = 7/3, v̂ = 2.4375/0.4375 = 39/7 → step (7/3)/√(39/7)
    xs = run_scalar(optim.Adam(1.0, beta1=0.5, beta2=0.75, eps=1e-300), [1.0, 3.0])
    np.testing.assert_allclose(xs, [-1.0, -1.0 - (7 / 3) / np.sqrt(39 / 7)], rtol=1e-14)


@pytest.mark.parametrize("beta1, beta2", [(0.9, 0.999), (0.5, 0.9), (0.99, 0.9999)])
def test_adam_first_step_is_lr_in_every_coordinate(beta1, beta2):
    # Bias correction at t = 1: m̂ = g and v̂ = g², so every coordinate moves by
    # lr·|g|/(|g| + eps) ≈ lr, whatever the size of its gradient.
    rng = np.random.default_rng(3)
    g = rng.standard_normal((5, 4)) * 10.0 ** rng.integers(-3, 4, size=(5, 4))
    x0 = rng.standard_normal((5, 4))
    lr, eps = 0.01, 1e-8
    x1 = optim.Adam(lr, beta1=beta1, beta2=beta2, eps=eps).step({"W": x0}, {"W": g})["W"]
    np.testing.assert_allclose(x1 - x0, -lr * np.sign(g), rtol=eps / np.abs(g).min() * 2)
    np.testing.assert_allclose(np.abs(x1 - x0), lr, rtol=1e-4)


def test_adam_constant_gradient_keeps_step_lr():
    # With a constant gradient the corrected moments stay m̂ = g, v̂ = g²: every step is lr.
    xs = run_scalar(optim.Adam(0.1, eps=1e-12), [2.0] * 5)
    np.testing.assert_allclose(np.diff(np.concatenate([[0.0], xs])), -0.1, rtol=1e-9)


# --- PyTorch as the oracle -------------------------------------------------------------

CASES = {
    "SGD": (lambda lr: optim.SGD(lr), lambda torch, p, lr: torch.optim.SGD(p, lr=lr), 0.1),
    "Momentum": (
        lambda lr: optim.Momentum(lr, mu=0.9),
        lambda torch, p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
        0.03,
    ),
    "Nesterov": (
        lambda lr: optim.Nesterov(lr, mu=0.8),
        lambda torch, p, lr: torch.optim.SGD(p, lr=lr, momentum=0.8, nesterov=True),
        0.03,
    ),
    "AdaGrad": (
        lambda lr: optim.AdaGrad(lr, eps=1e-7),
        lambda torch, p, lr: torch.optim.Adagrad(p, lr=lr, eps=1e-7, initial_accumulator_value=0.0),
        0.5,
    ),
    "RMSProp": (
        lambda lr: optim.RMSProp(lr, decay=0.9, eps=1e-6),
        lambda torch, p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.9, eps=1e-6),
        0.02,
    ),
    "Adam": (
        lambda lr: optim.Adam(lr, beta1=0.8, beta2=0.99, eps=1e-7),
        lambda torch, p, lr: torch.optim.Adam(p, lr=lr, betas=(0.8, 0.99), eps=1e-7),
        0.05,
    ),
    "Adam defaults": (
        lambda lr: optim.Adam(lr),
        lambda torch, p, lr: torch.optim.Adam(p, lr=lr, betas=(0.9, 0.999), eps=1e-8),
        0.05,
    ),
    "RMSProp defaults": (
        lambda lr: optim.RMSProp(lr),
        lambda torch, p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.99, eps=1e-8),
        0.02,
    ),
}


def torch_trajectory(torch, make, problem, lr, steps, schedule=None):
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in problem.x0.items()}
    opt = make(torch, list(tensors.values()), lr)
    path = [flatten(problem.x0)]
    for t in range(steps):
        current = {k: p.detach().numpy().copy() for k, p in tensors.items()}
        for key, g in problem.grads(current).items():
            tensors[key].grad = torch.from_numpy(g)
        if schedule is not None:
            for group in opt.param_groups:
                group["lr"] = schedule(t)
        opt.step()
        path.append(flatten({k: p.detach().numpy() for k, p in tensors.items()}))
    return np.array(path)


def relative_errors(a, b):
    return np.linalg.norm(a - b, axis=1) / np.linalg.norm(b, axis=1)


@pytest.mark.parametrize("name", list(CASES))
def test_trajectory_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs, lr = CASES[name]
    problem = Quadratic(seed=len(name))
    path = nnbook_trajectory(ours(lr), problem, steps=50)
    reference = torch_trajectory(torch, theirs, problem, lr, steps=50)
    assert relative_errors(path, reference).max() < 1e-10
    # The run really moves downhill (the comparison is not between two standing points).
    assert problem.f(unflatten(path[-1])) < problem.f(problem.x0) - 0.1


@pytest.mark.parametrize("name", ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"])
def test_trajectory_with_schedule_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs, lr = CASES[name]
    schedule = schedules.step_decay(lr, every=7, factor=0.6)
    problem = Quadratic(seed=100 + len(name))
    path = nnbook_trajectory(ours(schedule), problem, steps=50)
    reference = torch_trajectory(torch, theirs, problem, lr, steps=50, schedule=schedule)
    assert relative_errors(path, reference).max() < 1e-10
    # ... and the schedule matters: a constant rate gives another path.
    constant = nnbook_trajectory(ours(lr), problem, steps=50)
    assert relative_errors(constant, reference).max() > 1e-3


def test_nesterov_differs_from_momentum():
    problem = Quadratic(seed=5)
    a = nnbook_trajectory(optim.Momentum(0.03, mu=0.9), problem, 20)
    b = nnbook_trajectory(optim.Nesterov(0.03, mu=0.9), problem, 20)
    assert relative_errors(a[1:], b[1:]).max() > 1e-2


# --- the CS231n velocity form -------------------------------------------------------------

def test_velocity_form_equals_pytorch_form_at_constant_lr():
    # CS231n: v' ← μv' − α g, x ← x + v'. PyTorch (nnbook): v ← μv + g, x ← x − α v.
    # By induction v' = −α v, so the iterates are the same.
    problem = Quadratic(seed=7)
    lr, mu, steps = 0.03, 0.9, 60
    x = flatten(problem.x0)
    v = np.zeros_like(x)
    velocity_path = [x.copy()]
    for _ in range(steps):
        g = flatten(problem.grads(unflatten(x)))
        v = mu * v - lr * g
        x = x + v
        velocity_path.append(x.copy())
    path = nnbook_trajectory(optim.Momentum(lr, mu=mu), problem, steps)
    assert relative_errors(path, np.array(velocity_path)).max() < 1e-12


def test_velocity_form_differs_when_the_rate_changes():
    # With a schedule the velocity form keeps the old rates inside v', so the forms part.
    problem = Quadratic(seed=8)
    schedule, mu, steps = schedules.step_decay(0.03, every=5, factor=0.5), 0.9, 20
    x = flatten(problem.x0)
    v = np.zeros_like(x)
    velocity_path = [x.copy()]
    for t in range(steps):
        g = flatten(problem.grads(unflatten(x)))
        v = mu * v - schedule(t) * g
        x = x + v
        velocity_path.append(x.copy())
    path = nnbook_trajectory(optim.Momentum(schedule, mu=mu), problem, steps)
    assert relative_errors(path[:6], np.array(velocity_path[:6])).max() < 1e-12  # same rate so far
    assert relative_errors(path, np.array(velocity_path)).max() > 1e-4


# --- state, step counter, inputs, dtypes ------------------------------------------------

ALL = [
    lambda: optim.SGD(0.1),
    lambda: optim.Momentum(0.1),
    lambda: optim.Nesterov(0.1),
    lambda: optim.AdaGrad(0.1),
    lambda: optim.RMSProp(0.1),
    lambda: optim.Adam(0.1),
]
IDS = ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"]


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_inputs_untouched_and_not_aliased(make):
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1))}
    grads = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1))}
    saved_p = {k: v.copy() for k, v in params.items()}
    saved_g = {k: v.copy() for k, v in grads.items()}
    opt, twin = make(), make()
    new = opt.step(params, grads)
    twin.step(saved_p, saved_g)
    for key in params:
        np.testing.assert_array_equal(params[key], saved_p[key])
        np.testing.assert_array_equal(grads[key], saved_g[key])
        assert new[key] is not params[key] and not np.shares_memory(new[key], params[key])
        assert not np.array_equal(new[key], params[key])
    # Scribbling on what we passed in or got back must not change the optimizer's state.
    for d in (params, grads, new):
        for v in d.values():
            v[...] = 1e6
    np.testing.assert_array_equal(opt.step(saved_p, saved_g)["W1"], twin.step(saved_p, saved_g)["W1"])


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_float32_stays_float32(make):
    params = {"W": np.ones((2, 3), dtype=np.float32), "b": np.zeros((2, 1), dtype=np.float32)}
    grads = {"W": np.full((2, 3), 0.5), "b": np.ones((2, 1))}  # float64 gradients are cast
    opt = make()
    for _ in range(3):
        params = opt.step(params, grads)
    assert all(v.dtype == np.float32 for v in params.values())
    for name in ("velocity", "sum_sq", "mean_sq", "m", "v"):  # whichever state it keeps
        for v in getattr(opt, name, {}).values():
            assert v.dtype == np.float32


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_float32_agrees_with_float64(make):
    problem = Quadratic(seed=11)
    path64 = nnbook_trajectory(make(), problem, 10)
    opt, params = make(), {k: v.astype(np.float32) for k, v in problem.x0.items()}
    for _ in range(10):
        params = opt.step(params, problem.grads(params))
    assert relative_errors(flatten(params)[None], path64[-1:])[0] < 1e-4


def test_schedule_sees_the_steps_taken_before():
    seen = []

    def lr(t):
        seen.append(t)
        return 0.1

    opt = optim.SGD(lr)
    params = {"x": np.zeros(2)}
    assert opt.t == 0 and opt.current_lr == 0.1
    for _ in range(3):
        params = opt.step(params, {"x": np.ones(2)})
    assert seen[-3:] == [0, 1, 2] and seen[0] == 0
    assert opt.t == 3
    # One counter per call, however many arrays there are.
    opt2 = optim.Adam(0.1)
    opt2.step({"a": np.ones(1), "b": np.ones(2), "c": np.ones(3)}, {"a": np.ones(1), "b": np.ones(2), "c": np.ones(3)})
    assert opt2.t == 1


def test_reset_forgets_state():
    opt = optim.Adam(0.1)
    params = {"x": np.zeros(3)}
    first = opt.step(params, {"x": np.ones(3)})
    opt.step(first, {"x": -np.ones(3)})
    opt.reset()
    assert opt.t == 0 and opt.m == {} and opt.v == {}
    np.testing.assert_array_equal(opt.step(params, {"x": np.ones(3)})["x"], first["x"])
    opt.reset()
    opt.step({"y": np.zeros((2, 2))}, {"y": np.ones((2, 2))})  # other parameters are fine now
    assert list(opt.m) == ["y"]


def test_repr_names_the_settings():
    assert repr(optim.Adam(0.01)) == "Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-08)"
    assert repr(optim.Momentum(schedules.constant(0.5), mu=0.5)) == "Momentum(lr=constant(lr0=0.5), mu=0.5)"


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: optim.SGD(0.0), "lr must be a finite number > 0, got 0.0"),
        (lambda: optim.SGD(-0.1), "lr must be a finite number > 0, got -0.1"),
        (lambda: optim.Adam(float("nan")), "lr must be a finite number > 0"),
        (lambda: optim.SGD("0.1"), "lr must be a number > 0 or a schedule lr\\(t\\), got str"),
        (lambda: optim.SGD(True), "lr must be a number > 0 or a schedule"),
        (lambda: optim.Momentum(0.1, mu=1.0), "mu must satisfy 0 <= mu < 1, got 1.0"),
        (lambda: optim.Nesterov(0.1, mu=-0.1), "mu must satisfy 0 <= mu < 1, got -0.1"),
        (lambda: optim.Adam(0.1, beta1=1.0), "beta1 must satisfy 0 <= beta1 < 1, got 1.0"),
        (lambda: optim.Adam(0.1, beta2=-0.5), "beta2 must satisfy 0 <= beta2 < 1, got -0.5"),
        (lambda: optim.Adam(0.1, beta2=1.5), "beta2 must satisfy 0 <= beta2 < 1"),
        (lambda: optim.RMSProp(0.1, decay=1), "decay must satisfy 0 <= decay < 1, got 1.0"),
        (lambda: optim.AdaGrad(0.1, eps=0), "eps must be a finite number > 0, got 0.0"),
        (lambda: optim.RMSProp(0.1, eps=-1e-8), "eps must be a finite number > 0"),
        (lambda: optim.Adam(0.1, eps=0.0), "eps must be a finite number > 0"),
    ],
)
def test_bad_settings(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "params, grads, message",
    [
        ({"W1": np.ones((2, 3))}, {"W1": np.ones((3, 2))},
         r"grads\['W1'\] has shape \(3, 2\) but params\['W1'\] has shape \(2, 3\)"),
        ({"W1": np.ones(2), "b1": np.ones(1)}, {"W1": np.ones(2)},
         r"params and grads must have the same keys; missing from grads: \['b1'\]"),
        ({"W1": np.ones(2)}, {"W1": np.ones(2), "W2": np.ones(2)}, r"not in params: \['W2'\]"),
        ({"W1": np.ones(2)}, {"W1": np.array([1.0, np.nan])}, r"grads\['W1'\] contains NaN or inf \(shape \(2,\)\)"),
        ({"W1": np.array(["a"])}, {"W1": np.ones(1)}, r"params\['W1'\] must be a real floating-point array"),
        ([np.ones(2)], {"W1": np.ones(2)}, "params must be a dict of arrays"),
        ({"W1": np.ones(2)}, np.ones(2), "grads must be a dict of arrays"),
    ],
)
@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_bad_step_input(make, params, grads, message):
    opt = make()
    with pytest.raises(ValueError, match=message):
        opt.step(params, grads)
    assert opt.t == 0


def test_other_parameters_after_the_first_step():
    opt = optim.Momentum(0.1)
    opt.step({"W1": np.ones((2, 2))}, {"W1": np.ones((2, 2))})
    with pytest.raises(ValueError, match=r"state belongs to parameters with shapes \{'W1': \(2, 2\)\}, got \{'W1': \(3, 2\)\}"):
        opt.step({"W1": np.ones((3, 2))}, {"W1": np.ones((3, 2))})
    with pytest.raises(ValueError, match="state belongs to parameters"):
        opt.step({"W2": np.ones((2, 2))}, {"W2": np.ones((2, 2))})


@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf"), "fast", np.ones(2)])
def test_schedule_returning_a_bad_rate(value):
    opt = optim.SGD(lambda t: value)
    with pytest.raises(ValueError, match="the schedule lr\\(t\\) must return a finite number >= 0, got .* at t = 0"):
        opt.step({"x": np.ones(1)}, {"x": np.ones(1)})
