"""Tests of nnbook.losses against per-sample formulas (plain Python math), finite
differences, and extreme logits."""
import math

import numpy as np
import pytest

from nnbook.gradcheck import numerical_gradient, relative_error
from nnbook.losses import cross_entropy, log_softmax, max_margin, mse, one_hot, softmax, softmax_cross_entropy


def columns(M):
    return [list(map(float, M[:, i])) for i in range(M.shape[1])]


# --- mse --------------------------------------------------------------------------------------

def test_mse_value_and_gradient():
    rng = np.random.default_rng(0)
    A, Y = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    J, dA = mse(A, Y)
    per_sample = [0.5 * sum((a - y) ** 2 for a, y in zip(ca, cy)) for ca, cy in zip(columns(A), columns(Y))]
    assert J == pytest.approx(sum(per_sample) / 5, rel=1e-14)
    assert relative_error(dA, numerical_gradient(lambda v: mse(v, Y)[0], A)) < 1e-9
    np.testing.assert_allclose(dA, (A - Y) / 5, rtol=1e-15)


def test_mse_does_not_overflow_when_the_cost_is_representable():
    # (A - Y)**2 = 4e308 overflows, but J = 0.5 * 4e308 / 4 = 5e307 does not.
    A = np.array([[2e154, 0.0, 0.0, 0.0]])
    J, dA = mse(A, np.zeros_like(A))
    assert J == pytest.approx(5e307, rel=1e-12)
    assert np.isfinite(dA).all()


# --- softmax and log_softmax ---------------------------------------------------------------------

def test_softmax_matches_definition_and_is_shift_invariant():
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((4, 6))
    P = softmax(Z)
    for col, p in zip(columns(Z), columns(P)):
        total = sum(math.exp(z) for z in col)
        assert p == pytest.approx([math.exp(z) / total for z in col], rel=1e-14)
    np.testing.assert_allclose(softmax(Z + 123.0), P, rtol=1e-12)
    np.testing.assert_allclose(softmax(Z.T, axis=1), P.T, rtol=1e-15)
    np.testing.assert_allclose(softmax(Z[:, 0]), P[:, 0], rtol=1e-15)   # a single vector
    np.testing.assert_allclose(log_softmax(Z), np.log(P), rtol=1e-13)


def test_softmax_and_log_softmax_extreme_logits():
    Z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e300], [0.0, 0.0, -1e300]])
    P = softmax(Z)
    np.testing.assert_array_equal(P[:, 0], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(P[:, 2], [0.0, 1.0, 0.0])
    logP = log_softmax(Z)
    assert np.isfinite(logP).all()
    # log softmax = z - logsumexp(z); here the largest logit dominates exactly.
    assert logP[1, 0] == -2e4 and logP[0, 0] == 0.0
    assert logP[2, 2] == -2e300


# --- softmax cross-entropy ------------------------------------------------------------------------

def test_softmax_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(2)
    Z = rng.standard_normal((4, 6))
    labels = rng.integers(0, 4, 6)
    Y = one_hot(labels, 4)
    J, dZ = softmax_cross_entropy(Z, Y)
    expected = [-(col[k] - math.log(sum(math.exp(z) for z in col))) for col, k in zip(columns(Z), labels)]
    assert J == pytest.approx(sum(expected) / 6, rel=1e-14)
    assert relative_error(dZ, numerical_gradient(lambda v: softmax_cross_entropy(v, Y)[0], Z)) < 1e-9
    np.testing.assert_allclose(dZ, (softmax(Z) - Y) / 6, rtol=1e-13, atol=1e-17)


def test_softmax_cross_entropy_with_soft_or_unnormalised_targets():
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((3, 4))
    for Y in (softmax(rng.standard_normal((3, 4))), rng.uniform(0, 2, (3, 4))):
        J, dZ = softmax_cross_entropy(Z, Y)
        assert J == pytest.approx(-np.sum(Y * log_softmax(Z)) / 4, rel=1e-13)
        assert relative_error(dZ, numerical_gradient(lambda v: softmax_cross_entropy(v, Y)[0], Z)) < 1e-9


@pytest.mark.filterwarnings("error")
def test_softmax_cross_entropy_extreme_logits_are_exact():
    Z = np.array([[1e4, -1e4], [-1e4, 1e4]])
    Y = np.array([[0.0, 0.0], [1.0, 1.0]])
    J, dZ = softmax_cross_entropy(Z, Y)
    # Sample 1 is wrong by 2e4 nats, sample 2 is right (loss e^{-2e4}, i.e. 0 in floats).
    assert J == 1e4
    np.testing.assert_array_equal(dZ, [[0.5, 0.0], [-0.5, 0.0]])
    for dtype in (np.float32, np.float64):
        J, dZ = softmax_cross_entropy(Z.astype(dtype), Y)
        assert np.isfinite(J) and np.isfinite(dZ).all() and dZ.dtype == dtype


# --- cross-entropy on probabilities -------------------------------------------------------------

def test_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(4)
    P = softmax(rng.standard_normal((3, 5)))
    Y = one_hot(rng.integers(0, 3, 5), 3)
    J, dP = cross_entropy(P, Y)
    assert J == pytest.approx(-sum(math.log(P[k, i]) for i, k in enumerate(Y.argmax(axis=0))) / 5, rel=1e-14)
    assert relative_error(dP, numerical_gradient(lambda v: cross_entropy(v, Y)[0], P, eps=1e-7)) < 1e-7
    # The composition with softmax gives the softmax cross-entropy gradient (chain rule).
    Z = rng.standard_normal((3, 5))
    J1, dZ = softmax_cross_entropy(Z, Y)
    J2, dP = cross_entropy(softmax(Z), Y)
    assert J1 == pytest.approx(J2, rel=1e-13)
    S = softmax(Z)
    chain = S * (dP - np.sum(S * dP, axis=0, keepdims=True))    # softmax Jacobian, column by column
    np.testing.assert_allclose(chain, dZ, rtol=1e-12, atol=1e-16)


def test_cross_entropy_clamps_zero_probabilities():
    P = np.array([[0.0, 1.0], [1.0, 0.0]])
    Y = np.array([[1.0, 1.0], [0.0, 0.0]])
    J, dP = cross_entropy(P, Y)
    tiny = np.finfo(np.float64).tiny
    assert J == pytest.approx(-math.log(tiny) / 2, rel=1e-15)       # about 354.2
    assert dP[0, 0] == pytest.approx(-1 / tiny / 2, rel=1e-15)
    assert dP[1, 0] == 0.0 and dP[1, 1] == 0.0 and dP[0, 1] == -0.5
    J32, dP32 = cross_entropy(P.astype(np.float32), Y)
    assert np.isfinite(J32) and np.isfinite(dP32).all() and dP32.dtype == np.float32


# --- max-margin -----------------------------------------------------------------------------------

def test_max_margin_value_and_gradients():
    s = np.array([[3.0, 0.5, 1.0, 2.0]])
    s_c = np.array([[1.0, 1.0, 0.2, 1.5]])
    J, ds, ds_c = max_margin(s, s_c)
    # hinge terms max(0, 1 + s_c - s): 0 (inactive: 1 + s_c - s = -1), 1.5, 0.2, 0.5
    assert J == pytest.approx((0 + 1.5 + 0.2 + 0.5) / 4, rel=1e-15)
    np.testing.assert_array_equal(ds, [[0, -0.25, -0.25, -0.25]])
    np.testing.assert_array_equal(ds_c, [[0, 0.25, 0.25, 0.25]])
    J2, ds2, _ = max_margin(s, s_c, margin=0.5)
    assert J2 == pytest.approx((0 + 1.0 + 0.0 + 0.0) / 4)    # 0.5 + 0.2 - 1 < 0, 0.5 + 1.5 - 2 = 0
    np.testing.assert_array_equal(ds2, [[0, -0.25, 0, 0]])


def test_max_margin_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    s, s_c = rng.standard_normal((1, 8)), rng.standard_normal((1, 8))
    assert np.min(np.abs(1 + s_c - s)) > 1e-3     # away from the kink
    J, ds, ds_c = max_margin(s, s_c)
    assert relative_error(ds, numerical_gradient(lambda v: max_margin(v, s_c)[0], s)) < 1e-9
    assert relative_error(ds_c, numerical_gradient(lambda v: max_margin(s, v)[0], s_c)) < 1e-9


# --- one_hot, dtypes, inputs untouched --------------------------------------------------------------

def test_one_hot():
    Y = one_hot([2, 0, 1, 2], 3)
    np.testing.assert_array_equal(Y, [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]])
    assert Y.dtype == np.float64
    assert one_hot(np.array([1]), 2, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("fn", [mse, softmax_cross_entropy, cross_entropy])
def test_float32_kept_and_inputs_unchanged(fn):
    rng = np.random.default_rng(6)
    A = rng.uniform(0.1, 1, (3, 4)).astype(np.float32)
    Y = one_hot(rng.integers(0, 3, 4), 3)          # float64 target is cast to float32
    A0, Y0 = A.copy(), Y.copy()
    J, dA = fn(A, Y)
    assert isinstance(J, float) and dA.dtype == np.float32
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(Y, Y0)
    s = A[:1]
    _, ds, ds_c = max_margin(s, s[:, ::-1].copy())
    assert ds.dtype == ds_c.dtype == np.float32


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: mse(np.ones((2, 3)), np.ones((3, 2))), r"A and Y must have the same shape \(n\[L\], m\), got A \(2, 3\) and Y \(3, 2\)"),
        (lambda: mse(np.ones(3), np.ones(3)), r"A must be a 2-D array, got 1-D with shape \(3,\)"),
        (lambda: mse(np.ones((2, 0)), np.ones((2, 0))), r"A has an empty batch \(m = 0 columns\): shape \(2, 0\)"),
        (lambda: mse(np.ones((2, 2), dtype=int), np.ones((2, 2))), r"A must be a floating-point array, got dtype int64"),
        (lambda: mse(np.ones((2, 2)), np.full((2, 2), np.nan)), r"Y contains NaN or inf \(shape \(2, 2\)\)"),
        (lambda: softmax_cross_entropy(np.ones((3, 2)), np.ones((2, 2))), r"Z and Y must have the same shape .*Z \(3, 2\) and Y \(2, 2\)"),
        (lambda: softmax_cross_entropy(np.array([[np.inf]]), np.ones((1, 1))), "Z contains NaN or inf"),
        (lambda: cross_entropy(np.array([[-0.1, 1.1]]), np.ones((1, 2))), r"P must hold probabilities >= 0, got a minimum of -0.1 \(shape \(1, 2\)\)"),
        (lambda: cross_entropy(np.ones((2, 2)), np.ones((2, 2), dtype=np.int8)), "Y must be a floating-point array, got dtype int8"),
        (lambda: max_margin(np.ones((2, 3)), np.ones((2, 3))), r"s and s_c must both have shape \(1, m\), got s \(2, 3\) and s_c \(2, 3\)"),
        (lambda: max_margin(np.ones((1, 3)), np.ones((1, 4))), r"got s \(1, 3\) and s_c \(1, 4\)"),
        (lambda: max_margin(np.ones((1, 3)), np.ones((1, 3)), margin=-1), "margin must be a finite number >= 0, got -1.0"),
        (lambda: softmax(np.ones((2, 2)), axis=2), r"axis 2 is out of range for Z of shape \(2, 2\)"),
        (lambda: softmax(np.zeros((0,))), r"Z must be a non-empty array .* got shape \(0,\)"),
        (lambda: log_softmax(np.array([1, 2])), "Z must be a floating-point array, got dtype int64"),
        (lambda: one_hot([0, 3], 3), "labels must lie in 0 … 2 for n = 3 classes, got values from 0 to 3"),
        (lambda: one_hot([0.0, 1.0], 3), "labels must be integers, got dtype float64"),
        (lambda: one_hot([[0, 1]], 3), r"labels must be a non-empty 1-D array of shape \(m,\), got shape \(1, 2\)"),
        (lambda: one_hot([0], 0), "n must be a positive integer, got 0"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
