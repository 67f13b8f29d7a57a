r"""Loss functions and their gradients — chapter "Loss functions".

Every loss takes a batch whose ``m`` samples are the **columns** and returns the cost

.. math:: J = \frac{1}{m} \sum_{i=1}^{m} \ell^{(i)}

together with its gradient in the denominator layout (the shape of the input). The
factor :math:`1/m` lives in these gradients, once; backpropagation never divides by ``m``
again. Inputs must be finite floating-point arrays; ``Y`` is cast to the dtype of the
prediction, so float32 stays float32. ``J`` is returned as a Python float.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_float_array, as_nonnegative_number, as_positive_int

__all__ = [
    "mse",
    "softmax_cross_entropy",
    "cross_entropy",
    "max_margin",
    "softmax",
    "log_softmax",
    "one_hot",
    "LOSSES",
]


def _pair(A, Y, a_name, y_name="Y"):
    """Validate a prediction and its target: equal shapes ``(n, m)``, Y cast to A's dtype."""
    A = as_float_array(A, a_name)
    Y = as_float_array(Y, y_name, dtype=A.dtype)
    if A.shape != Y.shape:
        raise ValueError(
            f"{a_name} and {y_name} must have the same shape (n[L], m), got {a_name} {A.shape} "
            f"and {y_name} {Y.shape}"
        )
    return A, Y


# --- mean squared error ----------------------------------------------------------------

def mse(A, Y):
    r"""Mean squared error and its gradient.

    .. math::

        J = \frac{1}{m} \sum_{i=1}^{m} \tfrac12 \lVert a^{(i)} - y^{(i)} \rVert^2,
        \qquad \frac{\partial J}{\partial A} = \frac{1}{m} (A - Y).

    Used in chapter "Loss functions" and as the regression loss of
    :class:`nnbook.network.MLP`.

    Parameters
    ----------
    A : ndarray
        Shape ``(n[L], m)``. Predictions, one column per sample; finite floats.
    Y : ndarray
        Shape ``(n[L], m)``. Targets; cast to the dtype of ``A``.

    Returns
    -------
    J : float
        The cost. The squares are summed with a scale factor, so ``J`` is finite whenever
        its true value is representable (even when ``(A - Y)**2`` alone would overflow).
    dA : ndarray
        Shape ``(n[L], m)``. :math:`\partial J / \partial A`, dtype of ``A``.
    """
    A, Y = _pair(A, Y, "A")
    return _mse(A, Y)


def _mse(A, Y):
    m = A.shape[1]
    D = A - Y
    return _half_mean_square(D, m), D / m


def _half_mean_square(D, m):
    """(1/m)·½·Σ D², computed as s·(½·Σ(D/s)²/m)·s with s = max|D| so no square overflows."""
    s = float(np.max(np.abs(D)))
    if s == 0.0:
        return 0.0
    if s * s * D.size < float(np.finfo(D.dtype).max):  # the common case: Σ D² cannot overflow
        return float(np.vdot(D, D)) / (2 * m)
    q = float(np.sum(np.square(D / s)))
    return (0.5 * s * (q / m)) * s


# --- softmax and cross-entropy ---------------------------------------------------------

def _shifted(Z, axis):
    """Z − max(Z): every entry ≤ 0, so exp never overflows (softmax is shift invariant)."""
    return Z - Z.max(axis=axis, keepdims=True)


def softmax(Z, axis=0):
    r"""Softmax probabilities along ``axis`` (no gradient).

    .. math:: \mathrm{softmax}(z)_k = \frac{e^{z_k - \max_j z_j}}{\sum_{j} e^{z_j - \max_j z_j}}

    Subtracting the maximum changes nothing mathematically (softmax is invariant to
    adding a constant to every logit) and keeps every exponential in (0, 1], so the result
    is finite for all finite logits. Chapter "Loss functions".

    Parameters
    ----------
    Z : ndarray
        Shape ``(n[L], m)``. Logits; any non-empty floating array, normalised along
        ``axis`` (by default each column is a sample).
    axis : int
        The axis of the classes. Default: ``0``.

    Returns
    -------
    ndarray
        Probabilities, the shape and dtype of ``Z``; they sum to 1 along ``axis``.
    """
    Z = as_float_array(Z, "Z", ndim=None)
    _check_axis(Z, axis)
    E = np.exp(_shifted(Z, axis))
    E /= E.sum(axis=axis, keepdims=True)
    return E


def log_softmax(Z, axis=0):
    r"""Log-probabilities of the softmax along ``axis`` (no gradient), via log-sum-exp.

    .. math:: \log \mathrm{softmax}(z)_k = (z_k - c) - \log \sum_j e^{z_j - c},
        \quad c = \max_j z_j

    Accurate where ``np.log(softmax(Z))`` would return ``-inf`` (a probability that
    underflows to 0 still has a finite logarithm). Chapter "Loss functions".

    Parameters
    ----------
    Z : ndarray
        Shape ``(n[L], m)``. Logits; any non-empty floating array.
    axis : int
        The axis of the classes. Default: ``0``.

    Returns
    -------
    ndarray
        :math:`\log p`, the shape and dtype of ``Z``.
    """
    Z = as_float_array(Z, "Z", ndim=None)
    _check_axis(Z, axis)
    Zs = _shifted(Z, axis)
    Zs -= np.log(np.exp(Zs).sum(axis=axis, keepdims=True))
    return Zs


def _check_axis(Z, axis):
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"axis must be an integer, got {axis!r}")
    if not -Z.ndim <= axis < Z.ndim:
        raise ValueError(f"axis {axis} is out of range for Z of shape {Z.shape}")
    if Z.ndim == 0 or Z.size == 0:
        raise ValueError(f"Z must be a non-empty array with at least one axis, got shape {Z.shape}")


def softmax_cross_entropy(Z, Y):
    r"""Cross-entropy of the softmax of logits, and its gradient with respect to the logits.

    With :math:`P = \mathrm{softmax}(Z)` column by column,

    .. math::

        J = -\frac{1}{m} \sum_{i=1}^{m} \sum_k Y_{ki} \log P_{ki}, \qquad
        \frac{\partial J}{\partial Z} = \frac{1}{m}\bigl(P \,\mathrm{diag}(\mathbf{1}^\top Y) - Y\bigr),

    which is the familiar :math:`(P - Y)/m` when every column of ``Y`` sums to 1 (one-hot
    labels or probability vectors). :math:`\log P` is computed by log-sum-exp, never as the
    log of a rounded probability, so ``J`` and the gradient are finite and warning-free for
    any finite logits (e.g. ±1e4, where a naive softmax overflows). Chapter "Loss
    functions" (the gradient :math:`p - y`) and the output layer of
    :class:`nnbook.network.MLP`.

    Parameters
    ----------
    Z : ndarray
        Shape ``(n[L], m)``. Logits :math:`Z^{[L]}`, one column per sample.
    Y : ndarray
        Shape ``(n[L], m)``. Targets, one-hot columns (see :func:`one_hot`) or
        probability vectors; cast to the dtype of ``Z``.

    Returns
    -------
    J : float
        The mean cross-entropy.
    dZ : ndarray
        Shape ``(n[L], m)``. :math:`\partial J / \partial Z^{[L]}`, dtype of ``Z``.
    """
    Z, Y = _pair(Z, Y, "Z")
    return _softmax_cross_entropy(Z, Y)


def _softmax_cross_entropy(Z, Y):
    m = Z.shape[1]
    Zs = _shifted(Z, 0)                              # (n, m), every entry <= 0
    E = np.exp(Zs)
    S = E.sum(axis=0, keepdims=True)                 # (1, m), in [1, n]
    y_sum = Y.sum(axis=0, keepdims=True)             # (1, m), 1 for one-hot columns
    # ℓ⁽ⁱ⁾ = −Σ_k Y_ki (Zs_ki − log S_i) = y_sum_i log S_i − Σ_k Y_ki Zs_ki, each >= 0;
    # dividing by m before summing keeps J finite whenever it is representable.
    ell = y_sum * np.log(S)
    ell -= (Y * Zs).sum(axis=0, keepdims=True)
    ell /= m
    J = float(ell.sum())
    E *= y_sum / S                                   # P·diag(1ᵀY), with P = E / S = softmax(Z)
    E -= Y
    E /= m                                           # dZ = (P·diag(1ᵀY) − Y)/m
    return J, E


def cross_entropy(P, Y):
    r"""Cross-entropy of predicted probabilities, and its gradient with respect to them.

    .. math::

        J = -\frac{1}{m} \sum_{i=1}^{m} \sum_k Y_{ki} \log \hat P_{ki}, \qquad
        \frac{\partial J}{\partial P} = -\frac{1}{m} \, Y \oslash \hat P,
        \qquad \hat P = \max(P, \texttt{tiny}),

    where ``tiny`` is the smallest normal number of the dtype (``np.finfo(P.dtype).tiny``,
    about 2.2e-308 in float64). The clamp only changes probabilities that are 0 or
    subnormal: their log would be ``-inf`` (or lose all precision) and the division would
    overflow; with it ``J`` and the gradient stay finite for targets in [0, 1]. Prefer
    :func:`softmax_cross_entropy` when the probabilities come from a softmax: it never forms
    :math:`\log P` from a rounded ``P``. Chapter "Loss functions".

    Parameters
    ----------
    P : ndarray
        Shape ``(n[L], m)``. Predicted probabilities, each >= 0 (one column per sample).
    Y : ndarray
        Shape ``(n[L], m)``. Targets (one-hot or probability vectors); cast to the dtype of
        ``P``.

    Returns
    -------
    J : float
        The mean cross-entropy.
    dP : ndarray
        Shape ``(n[L], m)``. :math:`\partial J / \partial P`, dtype of ``P``.
    """
    P, Y = _pair(P, Y, "P")
    if (P < 0).any():
        raise ValueError(f"P must hold probabilities >= 0, got a minimum of {P.min()} (shape {P.shape})")
    m = P.shape[1]
    P_hat = np.maximum(P, np.finfo(P.dtype).tiny)
    J = -float(np.vdot(Y, np.log(P_hat))) / m
    dP = Y / P_hat
    dP /= -m
    return J, dP


# --- max-margin ----------------------------------------------------------------------

def max_margin(s, s_c, margin=1):
    r"""Max-margin (hinge) loss of true scores against corrupt scores, and its gradients.

    .. math::

        J = \frac{1}{m} \sum_{i=1}^{m} \max\bigl(0,\ \Delta + s_c^{(i)} - s^{(i)}\bigr),
        \qquad
        \frac{\partial J}{\partial s^{(i)}} = -\frac{1}{m}\,[\Delta + s_c^{(i)} - s^{(i)} > 0],
        \qquad
        \frac{\partial J}{\partial s_c^{(i)}} = \frac{1}{m}\,[\Delta + s_c^{(i)} - s^{(i)} > 0],

    with :math:`\Delta` = ``margin``. The loss is zero, and so is its gradient, once the true
    window outscores the corrupt one by at least the margin; at the kink
    (:math:`\Delta + s_c - s = 0`) the gradient is taken as 0. Chapters "Loss functions" and
    the window-classifier case study.

    Parameters
    ----------
    s : ndarray
        Shape ``(1, m)``. Scores of the true windows.
    s_c : ndarray
        Shape ``(1, m)``. Scores of the corrupt windows; cast to the dtype of ``s``.
    margin : float
        The margin :math:`\Delta \ge 0`. Default: ``1``.

    Returns
    -------
    J : float
        The mean hinge loss.
    ds : ndarray
        Shape ``(1, m)``. :math:`\partial J / \partial s`.
    ds_c : ndarray
        Shape ``(1, m)``. :math:`\partial J / \partial s_c`.
    """
    s = as_float_array(s, "s")
    s_c = as_float_array(s_c, "s_c", dtype=s.dtype)
    if s.shape[0] != 1 or s.shape != s_c.shape:
        raise ValueError(f"s and s_c must both have shape (1, m), got s {s.shape} and s_c {s_c.shape}")
    margin = as_nonnegative_number(margin, "margin")
    m = s.shape[1]
    H = margin + s_c - s                              # (1, m)
    active = (H > 0).astype(s.dtype)                  # 1 where the loss is positive
    J = float(np.sum(active * H / m))
    ds_c = active / m
    return J, -ds_c, ds_c


# --- helpers ----------------------------------------------------------------------------

def one_hot(labels, n, dtype=np.float64):
    r"""One-hot columns of integer class labels: :math:`Y_{ki} = [\,y^{(i)} = k\,]`.

    Chapter "Loss functions" (targets of :func:`softmax_cross_entropy`).

    Parameters
    ----------
    labels : array_like
        Shape ``(m,)``. Class indices in ``0 … n-1``.
    n : int
        The number of classes :math:`n_L`.
    dtype : dtype
        The dtype of the result (``np.float32`` for a float32 model). Default: ``float64``.

    Returns
    -------
    ndarray
        Shape ``(n, m)``. Column ``i`` is the standard basis vector :math:`e_{y^{(i)}}`.
    """
    n = as_positive_int(n, "n")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers, got dtype {labels.dtype} with shape {labels.shape}")
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array of shape (m,), got shape {labels.shape}")
    if labels.min() < 0 or labels.max() >= n:
        raise ValueError(
            f"labels must lie in 0 … {n - 1} for n = {n} classes, got values from "
            f"{labels.min()} to {labels.max()}"
        )
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a floating dtype, got {dtype}")
    Y = np.zeros((n, labels.size), dtype=dtype)
    Y[labels, np.arange(labels.size)] = 1
    return Y


#: The losses an :class:`~nnbook.network.MLP` can be trained with, by name.
LOSSES = ("mse", "softmax_cross_entropy")
