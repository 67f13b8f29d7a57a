r"""Weight initializers — chapter "Initialization".

Each initializer is a function ``(fan_out, fan_in, rng) -> W`` returning a float64 matrix
of shape ``(fan_out, fan_in)`` = ``(n[l], n[l-1])`` drawn from ``rng`` (a
:class:`numpy.random.Generator`); :class:`~nnbook.network.MLP` casts it to the model's
dtype. The variances below are those the chapter derives from variance propagation:

* ``zeros``: :math:`W = 0` (every unit of a layer stays identical: symmetry is never broken);
* ``normal(std)``: :math:`W_{jk} \sim \mathcal N(0, \sigma^2)`, variance :math:`\sigma^2`;
* ``xavier_uniform``: :math:`U(-r, r)` with :math:`r = \sqrt{6/(n_{in}+n_{out})}`, variance :math:`2/(n_{in}+n_{out})`;
* ``xavier_normal``: :math:`\mathcal N(0, 2/(n_{in}+n_{out}))`;
* ``kaiming_normal``: :math:`\mathcal N(0, 2/n_{in})`;
* ``kaiming_uniform``: :math:`U(-r, r)` with :math:`r = \sqrt{6/n_{in}}`, variance :math:`2/n_{in}`.

Here :math:`n_{in}` = ``fan_in`` = :math:`n_{l-1}` and :math:`n_{out}` = ``fan_out`` =
:math:`n_l`. Xavier (Glorot and Bengio, 2010) keeps the variance of activations and of
gradients roughly constant through tanh/sigmoid-like layers; Kaiming (He et al., 2015)
doubles the forward variance to make up for ReLU zeroing half of its inputs.
"""
from __future__ import annotations

import math

import numpy as np

from ._checks import as_generator, as_positive_int, as_positive_number

__all__ = [
    "zeros",
    "normal",
    "xavier_uniform",
    "xavier_normal",
    "kaiming_normal",
    "kaiming_uniform",
    "INITIALIZERS",
    "get",
]


def _fans(fan_out, fan_in):
    return as_positive_int(fan_out, "fan_out"), as_positive_int(fan_in, "fan_in")


def zeros(fan_out, fan_in, rng=None):
    r"""All-zero weights :math:`W = 0`: every unit of a layer stays identical (symmetry).

    Chapter "Initialization" uses it to show why weights must be random.

    Parameters
    ----------
    fan_out : int
        :math:`n_l`, the number of rows.
    fan_in : int
        :math:`n_{l-1}`, the number of columns.
    rng : numpy.random.Generator or None
        Accepted for a uniform signature; not used. Default: None.

    Returns
    -------
    ndarray
        Shape ``(n[l], n[l-1])``. Zeros, float64.
    """
    fan_out, fan_in = _fans(fan_out, fan_in)
    if rng is not None:
        as_generator(rng)
    return np.zeros((fan_out, fan_in))


def normal(std):
    r"""Make an initializer drawing :math:`W_{jk} \sim \mathcal N(0, \sigma^2)` with :math:`\sigma` = ``std``.

    Chapter "Initialization" (too small and too large Gaussians, the 3σ rule).

    Parameters
    ----------
    std : float
        The standard deviation :math:`\sigma > 0`.

    Returns
    -------
    callable
        ``init(fan_out, fan_in, rng) -> W`` of shape ``(n[l], n[l-1])``, float64.
    """
    std = as_positive_number(std, "std")

    def init(fan_out, fan_in, rng):
        fan_out, fan_in = _fans(fan_out, fan_in)
        return as_generator(rng).normal(0.0, std, size=(fan_out, fan_in))

    init.__name__ = init.__qualname__ = f"normal({std:g})"
    init.__doc__ = f"Draw W ~ N(0, {std:g}²) of shape (fan_out, fan_in)."
    return init


def xavier_uniform(fan_out, fan_in, rng):
    r"""Xavier/Glorot uniform: :math:`W_{jk} \sim U(-r, r)`, :math:`r = \sqrt{6 / (n_{l-1} + n_l)}`.

    Its variance is :math:`r^2/3 = 2/(n_{l-1} + n_l)`, the compromise between keeping the
    forward variance (:math:`1/n_{l-1}`) and the backward variance (:math:`1/n_l`)
    constant. Chapter "Initialization"; the default of :class:`~nnbook.network.MLP` for
    layers that are not ReLU-like.

    Parameters
    ----------
    fan_out : int
        :math:`n_l`.
    fan_in : int
        :math:`n_{l-1}`.
    rng : numpy.random.Generator
        The source of randomness.

    Returns
    -------
    ndarray
        Shape ``(n[l], n[l-1])``. The weights, float64.
    """
    fan_out, fan_in = _fans(fan_out, fan_in)
    r = math.sqrt(6.0 / (fan_in + fan_out))
    return as_generator(rng).uniform(-r, r, size=(fan_out, fan_in))


def xavier_normal(fan_out, fan_in, rng):
    r"""Xavier/Glorot normal: :math:`W_{jk} \sim \mathcal N\bigl(0,\ 2/(n_{l-1} + n_l)\bigr)`.

    Chapter "Initialization".

    Parameters
    ----------
    fan_out : int
        :math:`n_l`.
    fan_in : int
        :math:`n_{l-1}`.
    rng : numpy.random.Generator
        The source of randomness.

    Returns
    -------
    ndarray
        Shape ``(n[l], n[l-1])``. The weights, float64.
    """
    fan_out, fan_in = _fans(fan_out, fan_in)
    return as_generator(rng).normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=(fan_out, fan_in))


def kaiming_normal(fan_out, fan_in, rng):
    r"""Kaiming/He normal: :math:`W_{jk} \sim \mathcal N(0,\ 2/n_{l-1})`.

    With ReLU, :math:`E[(a^{[l-1]})^2] = \tfrac12 \operatorname{Var} z^{[l-1]}`, so
    :math:`\operatorname{Var} z^{[l]} = \tfrac12 n_{l-1} \operatorname{Var}(W)
    \operatorname{Var} z^{[l-1]}` stays constant when :math:`\operatorname{Var}(W) = 2/n_{l-1}`.
    Chapter "Initialization"; the default of :class:`~nnbook.network.MLP` for ReLU and
    leaky ReLU layers.

    Parameters
    ----------
    fan_out : int
        :math:`n_l`.
    fan_in : int
        :math:`n_{l-1}`.
    rng : numpy.random.Generator
        The source of randomness.

    Returns
    -------
    ndarray
        Shape ``(n[l], n[l-1])``. The weights, float64.
    """
    fan_out, fan_in = _fans(fan_out, fan_in)
    return as_generator(rng).normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_out, fan_in))


def kaiming_uniform(fan_out, fan_in, rng):
    r"""Kaiming/He uniform: :math:`W_{jk} \sim U(-r, r)`, :math:`r = \sqrt{6 / n_{l-1}}` (variance :math:`2/n_{l-1}`).

    Chapter "Initialization".

    Parameters
    ----------
    fan_out : int
        :math:`n_l`.
    fan_in : int
        :math:`n_{l-1}`.
    rng : numpy.random.Generator
        The source of randomness.

    Returns
    -------
    ndarray
        Shape ``(n[l], n[l-1])``. The weights, float64.
    """
    fan_out, fan_in = _fans(fan_out, fan_in)
    r = math.sqrt(6.0 / fan_in)
    return as_generator(rng).uniform(-r, r, size=(fan_out, fan_in))


#: The initializers that need no parameter, by name (``normal(std)`` is a factory).
INITIALIZERS = {
    f.__name__: f for f in (zeros, xavier_uniform, xavier_normal, kaiming_normal, kaiming_uniform)
}


def get(init):
    """Look up an initializer by name, or pass a callable ``(fan_out, fan_in, rng) -> W`` through.

    Parameters
    ----------
    init : str or callable
        One of the names in :data:`INITIALIZERS`, or an initializer.

    Returns
    -------
    callable
        The initializer.
    """
    if isinstance(init, str):
        if init in INITIALIZERS:
            return INITIALIZERS[init]
        hint = "; normal needs a standard deviation: pass normal(std)" if init == "normal" else ""
        raise ValueError(f"unknown init {init!r}; known names: {', '.join(INITIALIZERS)}{hint}")
    if callable(init):
        return init
    raise ValueError(f"init must be a name or a callable (fan_out, fan_in, rng) -> W, got {init!r}")
