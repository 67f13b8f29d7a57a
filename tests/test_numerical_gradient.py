"""Tests of nnbook.gradcheck.numerical_gradient against exact gradients."""
import numpy as np
import pytest

from nnbook.gradcheck import numerical_gradient


def test_quadratic_form_gradient():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal((4, 1))
    f = lambda v: (v.T @ A @ v).item()
    exact = (A + A.T) @ x
    g = numerical_gradient(f, x)
    assert g.shape == x.shape
    # f is quadratic: the centered difference is exact up to round-off.
    np.testing.assert_allclose(g, exact, rtol=1e-8, atol=1e-9)


def test_matrix_argument_uses_denominator_layout():
    rng = np.random.default_rng(1)
    W = rng.standard_normal((3, 5))
    x = rng.standard_normal((5, 1))
    f = lambda M: np.sum(np.sin(M @ x))
    exact = np.cos(W @ x) @ x.T  # d/dW sum(sin(Wx)) = cos(Wx) x^T
    np.testing.assert_allclose(numerical_gradient(f, W), exact, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("view", ["transpose", "strided"])
def test_non_contiguous_arguments(view):
    rng = np.random.default_rng(2)
    base = rng.standard_normal((4, 6))
    x = base.T if view == "transpose" else base[:, ::2]
    assert not x.flags.c_contiguous
    g = numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-8)


def test_truncation_error_is_second_order():
    f = lambda v: np.exp(v).sum()
    x = np.array([0.3])
    errors = [abs(numerical_gradient(f, x, eps=h)[0] - np.exp(0.3)) for h in (1e-2, 1e-3)]
    # O(eps^2): ten times smaller eps, about a hundred times smaller error.
    assert 70 < errors[0] / errors[1] < 130


def test_argument_untouched_and_float32_kept():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    before = x.copy()
    seen = []
    g = numerical_gradient(lambda v: (seen.append(v is x), float(np.sum(v * v)))[1], x, eps=1e-2)
    np.testing.assert_array_equal(x, before)
    assert not any(seen)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * x, rtol=1e-3)


@pytest.mark.parametrize(
    "f, x, eps, message",
    [
        (lambda v: v, np.ones(3), 1e-5, r"f must return a real scalar, got dtype float64 with shape \(3,\)"),
        (lambda v: 0.0, np.array(["a"]), 1e-5, "x must be a real floating-point array"),
        (lambda v: 0.0, np.array([np.nan]), 1e-5, "x contains NaN or inf"),
        (lambda v: 0.0, np.ones(2), 0.0, "eps must be a finite number > 0"),
        (lambda v: 0.0, np.ones(2), -1e-3, "eps must be a finite number > 0"),
    ],
)
def test_bad_input(f, x, eps, message):
    with pytest.raises(ValueError, match=message):
        numerical_gradient(f, x, eps=eps)
