"""Activation functions g(z) and their derivatives g'(z) — chapter "Activation functions".

Each :class:`Activation` bundles

* ``f(z)``  — the function, applied element-wise, written in a numerically stable form;
* ``df(z)`` — its derivative, **hand-written** (not generated from ``expr``), so that the
  book can check the two against each other;
* ``expr(z)`` — the SymPy expression of the same function of a real symbol ``z``
  (SymPy is imported only when ``expr`` is called).

At kinks the derivatives follow PyTorch's conventions: relu'(0) = 0,
leaky_relu'(0) = k and hard_tanh'(±1) = 0; ``expr`` is written so that its SymPy
derivative agrees at those points. ``f`` and ``df`` return finite values with no
NumPy warnings for every finite input (z = ±1e300 included); integer input is
computed in float64, floating input keeps its dtype.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._checks import as_real_array

__all__ = [
    "Activation",
    "ACTIVATIONS",
    "get",
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "hard_tanh",
    "softsign",
    "softplus",
]


@dataclass(frozen=True)
class Activation:
    """An element-wise activation function g with its derivative and SymPy expression.

    Use the methods :meth:`f` (the function), :meth:`df` (its hand-written derivative)
    and :meth:`expr` (its SymPy expression). Integer input is computed in float64,
    floating input keeps its dtype; outputs have the shape of the input.

    Parameters
    ----------
    name : str
        The key under which it is listed in :data:`ACTIVATIONS`.
    _f, _df : callable
        g and g', each mapping a finite real float array to an array of the same shape
        and dtype (no validation: :meth:`f` and :meth:`df` validate first).
    _expr : callable
        Maps a real SymPy symbol z to the SymPy expression g(z).
    """

    name: str
    _f: Callable[[np.ndarray], np.ndarray]
    _df: Callable[[np.ndarray], np.ndarray]
    _expr: Callable

    def f(self, z):
        """g(z), element-wise; ``z`` of any shape, e.g. Z^[l] of shape ``(n[l], m)``.

        Raises ``ValueError`` for strings, objects, complex numbers, NaN or inf.
        """
        return _apply(self._f, z)

    def df(self, z):
        """g'(z), element-wise; PyTorch's value at kinks."""
        return _apply(self._df, z)

    def expr(self, z):
        """The SymPy expression g(z) of a real symbol ``z``."""
        return self._expr(z)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _apply(fun, z):
    a = as_real_array(z, "z")
    out = fun(a)
    return out[()] if out.ndim == 0 else out


# --- the functions (all assume a finite real float array) ---------------------------

def _exp_neg_abs(z, scale=1):
    """e^{-scale·|z|} ∈ [0, 1]: never overflows.

    |z| is capped at 1000 first (e^{-1000} is already 0 in every float format), so
    ``scale·|z|`` cannot overflow even at the largest float.
    """
    return np.exp(-scale * np.minimum(np.abs(z), 1000))


def _sigmoid(z):
    # σ(z) = 1/(1+e^{-z}) for z ≥ 0 and e^{z}/(1+e^{z}) for z < 0: both use e^{-|z|} ≤ 1.
    e = _exp_neg_abs(z)
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _dsigmoid(z):
    # σ'(z) = e^{-|z|}/(1+e^{-|z|})² (σ' is even); unlike σ(1−σ) it keeps tiny values.
    e = _exp_neg_abs(z)
    return e / (1 + e) ** 2


def _tanh(z):
    return np.tanh(z)


def _dtanh(z):
    # tanh'(z) = sech²(z) = 4e^{-2|z|}/(1+e^{-2|z|})²; 1 − tanh² would round to 0 for |z| > 19.
    e = _exp_neg_abs(z, 2)
    return 4 * e / (1 + e) ** 2


def _relu(z):
    return np.maximum(z, 0)


def _drelu(z):
    return (z > 0).astype(z.dtype)


def _hard_tanh(z):
    return np.clip(z, -1, 1)


def _dhard_tanh(z):
    return ((z > -1) & (z < 1)).astype(z.dtype)


def _softsign(z):
    return z / (1 + np.abs(z))


def _dsoftsign(z):
    # 1/(1+|z|)²; squaring the reciprocal avoids overflowing (1+|z|)² at |z| = 1e300.
    return (1 / (1 + np.abs(z))) ** 2


def _softplus(z):
    # log(1+e^z) = max(z, 0) + log1p(e^{-|z|}).
    return np.maximum(z, 0) + np.log1p(_exp_neg_abs(z))


def _identity(z):
    return z.copy()


def _didentity(z):
    return np.ones_like(z)


# --- SymPy expressions -------------------------------------------------------------

def _sp():
    import sympy

    return sympy


def _expr_sigmoid(z):
    sp = _sp()
    return 1 / (1 + sp.exp(-z))


def _expr_relu(z):
    sp = _sp()
    # Written so that the derivative at 0 is 0 (PyTorch), unlike Max(z, 0) whose
    # derivative Heaviside(z) is 1/2 at 0.
    return sp.Piecewise((0, z <= 0), (z, True))


def _expr_hard_tanh(z):
    sp = _sp()
    # Strict inner interval, so the derivative is 0 at z = ±1 (PyTorch).
    return sp.Piecewise((-1, z <= -1), (z, z < 1), (1, True))


# --- the registry --------------------------------------------------------------------

identity = Activation("identity", _identity, _didentity, lambda z: z)
sigmoid = Activation("sigmoid", _sigmoid, _dsigmoid, _expr_sigmoid)
tanh = Activation("tanh", _tanh, _dtanh, lambda z: _sp().tanh(z))
relu = Activation("relu", _relu, _drelu, _expr_relu)
hard_tanh = Activation("hard_tanh", _hard_tanh, _dhard_tanh, _expr_hard_tanh)
softsign = Activation("softsign", _softsign, _dsoftsign, lambda z: z / (1 + _sp().Abs(z)))
softplus = Activation("softplus", _softplus, _sigmoid, lambda z: _sp().log(1 + _sp().exp(z)))


def leaky_relu(k=0.01) -> Activation:
    """Make a leaky ReLU g(z) = z for z > 0, k·z otherwise, with g'(0) = k (PyTorch).

    ``k`` is the slope for negative inputs, a finite number with 0 ≤ k < 1.
    """
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, float, np.integer, np.floating)):
        raise ValueError(f"leaky_relu slope k must be a real number, got {type(k).__name__}")
    k = float(k)
    if not (0 <= k < 1):
        raise ValueError(f"leaky_relu slope k must satisfy 0 <= k < 1, got {k}")

    def f(z):
        return np.where(z > 0, z, z * z.dtype.type(k))

    def df(z):
        return np.where(z > 0, z.dtype.type(1), z.dtype.type(k))

    def expr(z):
        sp = _sp()
        kk = sp.Rational(str(k)) if k else sp.Integer(0)
        return sp.Piecewise((kk * z, z <= 0), (z, True))

    name = "leaky_relu" if k == 0.01 else f"leaky_relu({k:g})"
    return Activation(name, f, df, expr)


#: Every activation of the book by name (chapter "Activation functions").
ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (identity, sigmoid, tanh, relu, leaky_relu(0.01), hard_tanh, softsign, softplus)
}


def get(activation) -> Activation:
    """Look up an activation by name, or pass an :class:`Activation` through."""
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return ACTIVATIONS[activation]
    raise ValueError(
        f"unknown activation {activation!r}; known names: {', '.join(ACTIVATIONS)}"
    )
