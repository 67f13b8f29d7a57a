r"""Penalties and dropout — chapter "Regularization".

The penalties act on a parameter dictionary like :attr:`nnbook.network.MLP.params`:
entries whose name starts with ``"W"`` are weights and are penalised; every other entry
(the biases ``"b1"``, ``"b2"``, …) is not, and gets a zero gradient.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_float_array, as_generator, as_keep_prob, as_nonnegative_number

__all__ = ["l2_penalty", "l1_penalty", "dropout"]


def _weights(params):
    if not isinstance(params, dict) or not params:
        raise ValueError(f"params must be a non-empty dict of arrays such as {{'W1': W, 'b1': b}}, got {type(params).__name__}")
    return {name: as_float_array(value, f"params[{name!r}]", ndim=None) for name, value in params.items()}


def _is_weight(name):
    return isinstance(name, str) and name.startswith("W")


def _l2_value(weights, lam):
    """(lam/2)·Σ‖W‖²_F over an iterable of weight matrices (no gradients allocated)."""
    return 0.5 * lam * sum(float(np.vdot(W, W)) for W in weights) if lam else 0.0


def l2_penalty(params, lam):
    r"""The L2 penalty (weight decay) and its gradient.

    .. math::

        R = \frac{\lambda}{2} \sum_{l} \lVert W^{[l]} \rVert_F^2, \qquad
        \frac{\partial R}{\partial W^{[l]}} = \lambda W^{[l]}, \qquad
        \frac{\partial R}{\partial b^{[l]}} = 0.

    A gradient step on :math:`J + R` multiplies every weight by :math:`1 - \alpha\lambda`
    before the usual update — hence "weight decay". Chapter "Regularization".

    Parameters
    ----------
    params : dict
        ``{"W1": W1, "b1": b1, …}``; names starting with ``"W"`` are penalised.
    lam : float
        :math:`\lambda \ge 0`.

    Returns
    -------
    value : float
        :math:`R`.
    grads : dict
        Keyed like ``params``: :math:`\lambda W` for weights, zeros for the rest (each the
        shape and dtype of its parameter).
    """
    params = _weights(params)
    lam = as_nonnegative_number(lam, "lam")
    grads = {name: lam * P if _is_weight(name) else np.zeros_like(P) for name, P in params.items()}
    value = _l2_value((P for name, P in params.items() if _is_weight(name)), lam)
    return value, grads


def l1_penalty(params, lam):
    r"""The L1 penalty and its subgradient.

    .. math::

        R = \lambda \sum_{l} \sum_{j,k} \lvert W^{[l]}_{jk} \rvert, \qquad
        \frac{\partial R}{\partial W^{[l]}} = \lambda \operatorname{sign}(W^{[l]}),

    with :math:`\operatorname{sign}(0) = 0` (a valid subgradient at the kink). The constant
    pull towards zero is what makes L1 solutions sparse. Chapter "Regularization".

    Parameters
    ----------
    params : dict
        ``{"W1": W1, "b1": b1, …}``; names starting with ``"W"`` are penalised.
    lam : float
        :math:`\lambda \ge 0`.

    Returns
    -------
    value : float
        :math:`R`.
    grads : dict
        Keyed like ``params``: :math:`\lambda \operatorname{sign}(W)` for weights, zeros for
        the rest.
    """
    params = _weights(params)
    lam = as_nonnegative_number(lam, "lam")
    value = 0.0
    grads = {}
    for name, P in params.items():
        if _is_weight(name):
            value += float(np.sum(np.abs(P)))
            grads[name] = lam * np.sign(P)
        else:
            grads[name] = np.zeros_like(P)
    return lam * value, grads


def _keep_mask(shape, keep_prob, rng):
    """The kept units: independent Bernoulli(keep_prob) draws, ``rng.random(shape) < keep_prob``.

    Always drawn in float64, so float32 and float64 networks given equal seeds drop the
    same units.
    """
    return rng.random(shape) < keep_prob


def _apply_mask(A, mask, keep_prob):
    """Inverted dropout of ``A`` (or of its gradient): A ⊙ mask / keep_prob, dtype of ``A``."""
    out = A * mask
    out /= keep_prob
    return out


def dropout(A, keep_prob, rng):
    r"""Inverted dropout: keep each unit with probability :math:`p`, scale the kept ones by :math:`1/p`.

    .. math::

        M_{ji} \sim \mathrm{Bernoulli}(p) \text{ independently}, \qquad
        \tilde A = \frac{1}{p}\, A \odot M, \qquad
        E[\tilde A] = A.

    Because the expectation is unchanged, nothing needs rescaling at test time (the
    network simply runs without dropout). Backpropagation through it multiplies the
    incoming gradient by the same :math:`M / p`. The mask is ``rng.random(A.shape) <
    keep_prob``, so equal seeds give equal masks. Chapter "Regularization".

    Parameters
    ----------
    A : ndarray
        Shape ``(n[l], m)``. Activations of a hidden layer (any shape is accepted).
    keep_prob : float
        :math:`p \in (0, 1]`; 1 keeps everything and draws nothing from ``rng``.
    rng : numpy.random.Generator
        The source of the mask.

    Returns
    -------
    A_dropped : ndarray
        Shape ``(n[l], m)``. :math:`\tilde A`, dtype of ``A``.
    mask : ndarray
        Shape ``(n[l], m)``. ``True`` for the kept units.
    """
    A = as_float_array(A, "A", ndim=None)
    keep_prob = as_keep_prob(keep_prob)
    rng = as_generator(rng)
    if keep_prob == 1.0:
        return A.copy(), np.ones(A.shape, dtype=bool)
    mask = _keep_mask(A.shape, keep_prob, rng)
    return _apply_mask(A, mask, keep_prob), mask
