"""Numerical gradients for checking derivations — chapters "Activation functions"
and "Gradient checking".

* :func:`numerical_gradient` — centered differences, one entry at a time;
* :func:`relative_error` — the norm-wise relative error used to compare two gradients;
* :func:`check_model` — every parameter gradient of a network against centered differences;
* :func:`directional_check` — a cheap check along random directions, for large arrays.

The centered difference

.. math:: \\frac{\\partial f}{\\partial x_i} \\approx \\frac{f(x + \\varepsilon e_i) - f(x - \\varepsilon e_i)}{2\\varepsilon}

has truncation error O(ε²); with float64 and ε = 1e-5 it is typically accurate to about
1e-10 relative, far below the 1e-7 the book asks of an analytic gradient.
"""
from __future__ import annotations

import copy

import numpy as np

from ._checks import as_generator, as_positive_int, as_positive_number, as_real_array

__all__ = ["numerical_gradient", "relative_error", "check_model", "directional_check"]


def numerical_gradient(f, x, eps=1e-5):
    """Centered-difference gradient of a scalar function ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``; called ``2·x.size`` times with arrays of the shape of ``x``.
    x : array_like
        The point, any shape (e.g. ``W^{[l]}`` of shape ``(n[l], n[l-1])``); finite real values.
        It is never modified: ``f`` receives a private copy that is perturbed one entry at a time.
    eps : float
        The step ε > 0. Default: ``1e-5``.

    Returns
    -------
    ndarray
        ``∂f/∂x`` in gradient (denominator) layout: the shape and float dtype of ``x``.
    """
    # A C-ordered copy, so that reshape(-1) below gives views (a transposed or otherwise
    # non-contiguous argument would otherwise make them copies).
    x = np.array(as_real_array(x, "x"), copy=True, order="C")
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


def relative_error(a, b):
    r"""Norm-wise relative error of two arrays of the same shape.

    .. math:: \mathrm{err}(a, b) = \frac{\lVert a - b \rVert_F}{\max(\lVert a \rVert_F + \lVert b \rVert_F,\ 10^{-12})}

    Frobenius norms of the whole arrays: one number per gradient, dominated by its largest
    entries, so tiny entries that carry only round-off cannot inflate it. It lies in [0, 1];
    the floor :math:`10^{-12}` makes two all-zero arrays agree (error 0). Chapter "Gradient
    checking" (a correct float64 backprop gives < 1e-7, usually about 1e-10).

    Parameters
    ----------
    a, b : array_like
        Same shape, finite real values (e.g. ``dW`` and its numerical estimate, shape
        ``(n[l], n[l-1])``).

    Returns
    -------
    float
        The relative error.
    """
    a = as_real_array(a, "a")
    b = as_real_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got a {a.shape} and b {b.shape}")
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    # Divide by the largest magnitude first, so the squares inside the norms cannot
    # overflow (or underflow to 0): the ratio does not change, only the floor is rescaled.
    s = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    if s == 0.0:
        return 0.0
    a, b = a / s, b / s
    num = float(np.linalg.norm(a - b))
    den = float(np.linalg.norm(a)) + float(np.linalg.norm(b))
    return num / max(den, 1e-12 / s)


def check_model(model, X, Y, *, seed=None, eps=1e-5):
    r"""Compare every parameter gradient of a model with centered differences.

    For each parameter ``P`` (``"W1"``, ``"b1"``, …) this computes
    ``relative_error(grads[P], numerical_gradient(J_of_P, P, eps))`` where ``grads`` come
    from ``model.loss_and_grads(X, Y, rng)`` and ``J_of_P`` is the cost with every other
    parameter held fixed. With a ``seed``, *every* evaluation of the cost (the analytic one
    and each of the :math:`2 \times` (number of entries) numerical ones) receives a fresh
    ``numpy.random.default_rng(seed)``, so all of them drop the same units and dropout is
    checked like any other (fixed) part of the network. Without a seed no unit is
    dropped. The model is not modified (the perturbed costs are computed on a shallow
    copy). Chapter "Gradient checking".

    Use a float64 model: in float32 the differences of ``J`` are mostly round-off.

    Parameters
    ----------
    model : nnbook.network.MLP
        Anything with a ``params`` dict (assignable) and ``loss_and_grads(X, Y, rng)``.
    X : ndarray
        Shape ``(n_0, m)``. Inputs.
    Y : ndarray
        Shape ``(n_L, m)``. Targets.
    seed : int or None
        Seed of the replayed dropout masks. Default: None.
    eps : float
        The step of the centered differences. Default: ``1e-5``.

    Returns
    -------
    dict
        The relative error of each parameter's gradient, keyed like ``model.params``.
    """
    eps = as_positive_number(eps, "eps")

    def fresh_rng():
        return None if seed is None else np.random.default_rng(seed)

    _, grads = model.loss_and_grads(X, Y, rng=fresh_rng())
    params = dict(model.params)
    clone = copy.copy(model)
    errors = {}
    for name, value in params.items():
        def cost(v, name=name):
            clone.params = {**params, name: v}
            return clone.loss_and_grads(X, Y, rng=fresh_rng())[0]

        errors[name] = relative_error(grads[name], numerical_gradient(cost, value, eps))
    return errors


def directional_check(f, grad, x, rng, n=10, *, eps=1e-5):
    r"""Check a gradient along random directions: the worst relative error of ``n`` directional derivatives.

    For unit vectors :math:`v` drawn uniformly on the sphere (normalised Gaussians),

    .. math::

        \mathrm{err}(v) = \frac{\lvert g^\top v - D_v \rvert}{\max(\lvert g^\top v \rvert + \lvert D_v \rvert,\ 10^{-12})},
        \qquad D_v = \frac{f(x + \varepsilon v) - f(x - \varepsilon v)}{2 \varepsilon},

    where :math:`g^\top v` is the sum of ``grad * v`` over all entries. Two evaluations of
    ``f`` per direction instead of two per entry, so it suits large arrays; a wrong gradient
    is caught by almost every random direction. Chapter "Gradient checking".

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``; receives new arrays, ``x`` is never modified.
    grad : array_like
        The gradient to check, the shape of ``x``.
    x : array_like
        The point (any shape, e.g. ``(n[l], n[l-1])``); finite reals.
    rng : numpy.random.Generator
        Draws the directions.
    n : int
        Number of directions. Default: ``10``.
    eps : float
        The step :math:`\varepsilon` (keyword only). Default: ``1e-5``.

    Returns
    -------
    float
        The largest relative error over the ``n`` directions.
    """
    x = as_real_array(x, "x")
    grad = as_real_array(grad, "grad")
    if grad.shape != x.shape:
        raise ValueError(f"grad must have the shape of x, got grad {grad.shape} and x {x.shape}")
    if x.size == 0:
        raise ValueError(f"x must not be empty, got shape {x.shape}")
    rng = as_generator(rng)
    n = as_positive_int(n, "n")
    eps = as_positive_number(eps, "eps")
    worst = 0.0
    for _ in range(n):
        v = rng.standard_normal(x.shape)
        v /= np.linalg.norm(v)
        v = v.astype(x.dtype)
        numeric = (_scalar(f(x + eps * v)) - _scalar(f(x - eps * v))) / (2 * eps)
        analytic = float(np.vdot(grad.astype(np.float64), v.astype(np.float64)))
        err = abs(analytic - numeric) / max(abs(analytic) + abs(numeric), 1e-12)
        worst = max(worst, err)
    return worst
