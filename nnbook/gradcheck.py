"""Numerical gradients for checking derivations — chapters "Activation functions"
and "Gradient checking".

The centered difference

.. math:: \\frac{\\partial f}{\\partial x_i} \\approx \\frac{f(x + \\varepsilon e_i) - f(x - \\varepsilon e_i)}{2\\varepsilon}

has truncation error O(ε²); with float64 and ε = 1e-5 it is typically accurate to about
1e-10 relative, far below the 1e-7 the book asks of an analytic gradient.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_positive_number, as_real_array

__all__ = ["numerical_gradient"]


def numerical_gradient(f, x, eps=1e-5):
    """Centered-difference gradient of a scalar function ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``; called ``2·x.size`` times with arrays of the shape of ``x``.
    x : array_like
        The point, any shape (e.g. ``W^{[l]}`` of shape ``(n[l], n[l-1])``); finite real values.
        It is never modified: ``f`` receives a private copy that is perturbed one entry at a time.
    eps : float, default 1e-5
        The step ε > 0.

    Returns
    -------
    ndarray
        ``∂f/∂x`` in gradient (denominator) layout: the shape and float dtype of ``x``.
    """
    x = np.array(as_real_array(x, "x"), copy=True)
    eps = as_positive_number(eps, "eps")
    grad = np.empty_like(x)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)  # views of the copies
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + eps
        f_plus = _scalar(f(x))
        flat_x[i] = old - eps
        f_minus = _scalar(f(x))
        flat_x[i] = old
        flat_g[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def _scalar(value) -> float:
    v = np.asarray(value)
    if v.size != 1 or v.dtype.kind not in "biuf":
        raise ValueError(
            f"f must return a real scalar, got dtype {v.dtype} with shape {v.shape}"
        )
    return float(v.reshape(()))
