"""Tests of relative_error, check_model and directional_check (numerical_gradient has its
own tests in test_numerical_gradient.py)."""
import math

import numpy as np
import pytest

from nnbook import losses
from nnbook.gradcheck import check_model, directional_check, relative_error
from nnbook.network import MLP


def test_relative_error_values():
    a = np.array([[3.0, 0.0]])
    b = np.array([[0.0, 4.0]])
    assert relative_error(a, b) == pytest.approx(5 / 7, rel=1e-15)
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    # The floor 1e-12 applies to tiny arrays: ||a - b|| / 1e-12.
    assert relative_error(np.array([1e-15]), np.array([0.0])) == pytest.approx(1e-3, rel=1e-12)
    # Scale invariant above the floor, and no overflow for huge entries.
    assert relative_error(1e300 * a, 1e300 * b) == pytest.approx(5 / 7, rel=1e-14)
    assert relative_error(np.array([1e308, -1e308]), np.array([-1e308, 1e308])) == pytest.approx(1.0)
    assert relative_error(np.float32(1.0), 1.0) == 0.0


def test_relative_error_bad_input():
    with pytest.raises(ValueError, match=r"a and b must have the same shape, got a \(2, 3\) and b \(3, 2\)"):
        relative_error(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="b contains NaN or inf"):
        relative_error(np.ones(2), np.array([1.0, np.nan]))


class BrokenBias(MLP):
    """An MLP whose b1 gradient forgets the sum over samples (a classic bug)."""

    def loss_and_grads(self, X, Y, rng=None):
        J, grads = super().loss_and_grads(X, Y, rng)
        grads["b1"] = grads["b1"] / X.shape[1]
        return J, grads


def test_check_model_catches_a_broken_gradient():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 6))
    Y = losses.one_hot(rng.integers(0, 2, 6), 2)
    args = ([3, 4, 2], ["tanh", "identity"], "softmax_cross_entropy")
    good = MLP(*args, rng=np.random.default_rng(1))
    bad = BrokenBias(*args, rng=np.random.default_rng(1))
    assert max(check_model(good, X, Y).values()) < 1e-8
    errors = check_model(bad, X, Y)
    assert errors["b1"] > 0.1
    assert max(v for k, v in errors.items() if k != "b1") < 1e-8


def test_check_model_needs_the_seed_to_replay_dropout():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((3, 10))
    Y = rng.standard_normal((1, 10))
    model = MLP([3, 6, 1], ["sigmoid", "identity"], "mse", rng=rng, keep_prob=0.5)
    P0 = {k: v.copy() for k, v in model.params.items()}
    assert max(check_model(model, X, Y, seed=5).values()) < 1e-8
    assert max(check_model(model, X, Y).values()) < 1e-8          # no seed: no dropout at all

    class Unreplayed(MLP):
        # Draws a new mask on every call: the numerical gradient becomes noise.
        def loss_and_grads(self, X, Y, rng=None):
            return super().loss_and_grads(X, Y, self._own.spawn(1)[0] if rng is not None else None)

    noisy = Unreplayed([3, 6, 1], ["sigmoid", "identity"], "mse", rng=np.random.default_rng(2), keep_prob=0.5)
    noisy._own = np.random.default_rng(0)
    assert max(check_model(noisy, X, Y, seed=5).values()) > 1e-3
    for k in P0:                                                   # the model was not modified
        np.testing.assert_array_equal(model.params[k], P0[k])


def test_directional_check():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal((4, 3))
    x0 = x.copy()
    f = lambda v: float(np.sum(np.sin(A @ v)))
    grad = A.T @ np.cos(A @ x)
    assert directional_check(f, grad, x, rng) < 1e-8
    assert directional_check(f, grad * 1.01, x, rng, n=3) > 1e-3
    assert directional_check(f, grad.T.reshape(x.shape), x, rng, n=5) > 1e-3
    np.testing.assert_array_equal(x, x0)
    # A float32 point is perturbed in float32; a larger step keeps round-off small.
    x32 = x.astype(np.float32)
    assert directional_check(lambda v: float(np.sum(v.astype(np.float64) ** 2)), 2 * x32, x32, rng, eps=1e-2) < 1e-4


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((np.ones((2, 2)), np.ones((2, 3))), {}, r"grad must have the shape of x, got grad \(2, 2\) and x \(2, 3\)"),
        ((np.ones(2), np.ones(2)), {"n": 0}, "n must be a positive integer, got 0"),
        ((np.ones(2), np.ones(2)), {"eps": 0}, "eps must be a finite number > 0"),
        ((np.ones(2), np.array([np.nan, 1.0])), {}, "x contains NaN or inf"),
    ],
)
def test_directional_check_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        directional_check(lambda v: 0.0, *args, np.random.default_rng(0), **kwargs)
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        directional_check(lambda v: 0.0, np.ones(2), np.ones(2), 0)
