"""Tests of nnbook.regularization: penalties against explicit sums and finite
differences; dropout statistics within 4 standard errors."""
import math

import numpy as np
import pytest

from nnbook.gradcheck import numerical_gradient, relative_error
from nnbook.regularization import dropout, l1_penalty, l2_penalty


def make_params(rng, dtype=np.float64):
    return {
        "W1": rng.standard_normal((3, 2)).astype(dtype),
        "b1": rng.standard_normal((3, 1)).astype(dtype),
        "W2": rng.standard_normal((1, 3)).astype(dtype),
        "b2": rng.standard_normal((1, 1)).astype(dtype),
    }


def test_l2_penalty_value_and_gradient():
    params = make_params(np.random.default_rng(0))
    value, grads = l2_penalty(params, 0.3)
    squares = sum(float(x) ** 2 for k in ("W1", "W2") for x in params[k].ravel())
    assert value == pytest.approx(0.15 * squares, rel=1e-14)
    for name in ("W1", "W2"):
        numeric = numerical_gradient(lambda v: l2_penalty({**params, name: v}, 0.3)[0], params[name])
        assert relative_error(grads[name], numeric) < 1e-9
    for name in ("b1", "b2"):
        np.testing.assert_array_equal(grads[name], np.zeros_like(params[name]))


def test_l1_penalty_value_and_subgradient():
    params = make_params(np.random.default_rng(1))
    params["W1"][0, 0] = 0.0
    value, grads = l1_penalty(params, 0.5)
    assert value == pytest.approx(0.5 * sum(abs(float(x)) for k in ("W1", "W2") for x in params[k].ravel()), rel=1e-14)
    assert grads["W1"][0, 0] == 0.0                    # sign(0) = 0
    np.testing.assert_array_equal(grads["W2"], 0.5 * np.where(params["W2"] > 0, 1.0, -1.0))
    np.testing.assert_array_equal(grads["b1"], 0.0)
    # Away from 0 it is the true gradient.
    W2 = params["W2"]
    assert relative_error(grads["W2"], numerical_gradient(lambda v: l1_penalty({**params, "W2": v}, 0.5)[0], W2)) < 1e-9


def test_penalties_keep_dtype_and_leave_params_unchanged():
    params = make_params(np.random.default_rng(2), np.float32)
    before = {k: v.copy() for k, v in params.items()}
    for fn in (l1_penalty, l2_penalty):
        value, grads = fn(params, 0.1)
        assert isinstance(value, float)
        assert all(grads[k].dtype == np.float32 and grads[k].shape == params[k].shape for k in params)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.9])
def test_dropout_statistics(keep_prob):
    rng = np.random.default_rng(3)
    A = rng.uniform(0.5, 2.0, (200, 500))
    A_dropped, mask = dropout(A, keep_prob, np.random.default_rng(int(keep_prob * 10)))
    N = A.size
    assert mask.dtype == bool and mask.shape == A.shape
    # Keep rate: Bernoulli(p), standard error sqrt(p(1-p)/N).
    assert abs(mask.mean() - keep_prob) < 4 * math.sqrt(keep_prob * (1 - keep_prob) / N)
    # Inverted dropout is unbiased: E[A M / p] = A; Var of entry j is A_j^2 (1-p)/p.
    se = math.sqrt(np.sum(A**2) * (1 - keep_prob) / keep_prob) / N
    assert abs(A_dropped.mean() - A.mean()) < 4 * se
    # Exactly A / p where kept, 0 elsewhere.
    np.testing.assert_allclose(A_dropped[mask], A[mask] / keep_prob, rtol=1e-15)
    assert np.all(A_dropped[~mask] == 0)


def test_dropout_replays_and_keeps_dtype():
    A = np.random.default_rng(4).standard_normal((6, 8)).astype(np.float32)
    A0 = A.copy()
    d1, m1 = dropout(A, 0.5, np.random.default_rng(9))
    d2, m2 = dropout(A, 0.5, np.random.default_rng(9))
    np.testing.assert_array_equal(m1, m2)
    np.testing.assert_array_equal(d1, d2)
    assert d1.dtype == np.float32
    # The documented mask: rng.random(A.shape) < keep_prob.
    np.testing.assert_array_equal(m1, np.random.default_rng(9).random(A.shape) < 0.5)
    np.testing.assert_array_equal(A, A0)
    full, mask = dropout(A, 1.0, np.random.default_rng(0))
    np.testing.assert_array_equal(full, A)
    assert mask.all() and full is not A


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dropout(np.ones((2, 2)), 0.0, np.random.default_rng()), r"keep_prob must lie in \(0, 1\], got 0.0"),
        (lambda: dropout(np.ones((2, 2)), 1.01, np.random.default_rng()), r"keep_prob must lie in \(0, 1\], got 1.01"),
        (lambda: dropout(np.ones((2, 2)), float("nan"), np.random.default_rng()), r"keep_prob must lie in \(0, 1\], got nan"),
        (lambda: dropout(np.ones((2, 2)), 0.5, None), "rng must be a numpy.random.Generator"),
        (lambda: dropout(np.ones((2, 2), dtype=int), 0.5, np.random.default_rng()), "A must be a floating-point array, got dtype int64"),
        (lambda: dropout(np.array([[np.nan]]), 0.5, np.random.default_rng()), "A contains NaN or inf"),
        (lambda: l2_penalty({"W1": np.ones((2, 2))}, -0.1), "lam must be a finite number >= 0, got -0.1"),
        (lambda: l2_penalty([np.ones((2, 2))], 0.1), "params must be a non-empty dict"),
        (lambda: l1_penalty({"W1": np.array([[np.inf]])}, 0.1), r"params\['W1'\] contains NaN or inf"),
        (lambda: l1_penalty({"W1": np.ones((2, 2), dtype=int)}, 0.1), r"params\['W1'\] must be a floating-point array"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
