r"""Learning-rate schedules :math:`\alpha(t)` — chapter "Optimizers and schedules".

A schedule is a callable ``lr(t)`` that gives the learning rate of the step taken when
``t`` steps have already been taken (so ``lr(0)`` is the rate of the very first step).
Every optimizer of :mod:`nnbook.optim` accepts one in place of a constant ``lr``:

>>> from nnbook.optim import SGD
>>> from nnbook.schedules import step_decay
>>> opt = SGD(lr=step_decay(0.1, every=100, factor=0.5))

The four schedules of the chapter ("annealing" lowers the rate as training approaches a
minimum, so that early steps are large and late steps fine):

=========================================  =====================================================
``constant(lr0)``                          :math:`\alpha(t) = \alpha_0`
``step_decay(lr0, every, factor)``         :math:`\alpha(t) = \alpha_0 \, f^{\lfloor t / n \rfloor}`
``exponential_decay(lr0, k)``              :math:`\alpha(t) = \alpha_0 \, e^{-k t}`
``inverse_time(lr0, tau)``                 :math:`\alpha(t) = \alpha_0 \, \tau / \max(t, \tau)`
=========================================  =====================================================

``inverse_time`` keeps :math:`\alpha_0` for the first :math:`\tau` steps and then decays
like :math:`1/t`. A schedule also accepts an array of steps (for plotting), e.g.
``lr(np.arange(1000))``, and then returns a float64 array of the same shape.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_int_at_least, as_nonnegative_number, as_positive_number

__all__ = ["Schedule", "constant", "step_decay", "exponential_decay", "inverse_time"]


class Schedule:
    """A learning-rate schedule: a callable ``lr(t)`` made by one of this module's functions.

    Parameters
    ----------
    formula : callable
        ``formula(t) -> learning rate`` for a float64 array ``t`` of steps (already checked).
    description : str
        How the schedule was made, e.g. ``"step_decay(lr0=0.1, every=100, factor=0.5)"``;
        it is also the ``repr``.
    """

    def __init__(self, formula, description: str):
        self._formula = formula
        self.description = description

    def __call__(self, t):
        """The learning rate after ``t`` steps.

        Parameters
        ----------
        t : int or array_like
            Number of steps already taken: a finite number ≥ 0 or an array of them.

        Returns
        -------
        float or ndarray
            A float for a scalar ``t``, a float64 array of the shape of ``t`` otherwise.
        """
        steps = _as_steps(t)
        value = np.asarray(self._formula(steps), dtype=np.float64)
        return float(value) if value.ndim == 0 else value

    def __repr__(self) -> str:
        return self.description


def _as_steps(t) -> np.ndarray:
    if isinstance(t, (bool, np.bool_)):
        raise ValueError(f"t must be a number of steps >= 0, got {t!r}")
    steps = np.asarray(t)
    if steps.dtype.kind not in "iuf":
        raise ValueError(f"t must be a number of steps >= 0 (or an array of them), got dtype {steps.dtype}")
    steps = steps.astype(np.float64)
    if not np.isfinite(steps).all() or (steps < 0).any():
        raise ValueError(f"t must be finite and >= 0, got {t!r} (shape {steps.shape})")
    return steps


def constant(lr0) -> Schedule:
    r"""The constant schedule :math:`\alpha(t) = \alpha_0`.

    Parameters
    ----------
    lr0 : float
        The learning rate :math:`\alpha_0 > 0`.

    Returns
    -------
    Schedule
        ``lr(t)``.
    """
    lr0 = as_positive_number(lr0, "lr0")
    return Schedule(lambda t: np.full_like(t, lr0), f"constant(lr0={lr0!r})")


def step_decay(lr0, every, factor) -> Schedule:
    r"""Annealing in steps: multiply the rate by ``factor`` every ``every`` steps.

    .. math:: \alpha(t) = \alpha_0 \, f^{\lfloor t / n \rfloor}

    with :math:`n` = ``every`` and :math:`f` = ``factor``.

    Parameters
    ----------
    lr0 : float
        The initial learning rate :math:`\alpha_0 > 0`.
    every : int
        The period :math:`n \ge 1` in steps.
    factor : float
        The factor :math:`0 < f \le 1` (e.g. 0.5 halves the rate every ``every`` steps).

    Returns
    -------
    Schedule
        ``lr(t)``.
    """
    lr0 = as_positive_number(lr0, "lr0")
    every = as_int_at_least(every, "every", 1)
    factor = as_positive_number(factor, "factor")
    if factor > 1:
        raise ValueError(f"factor must satisfy 0 < factor <= 1 (a decay), got {factor}")
    return Schedule(
        lambda t: lr0 * factor ** (t // every),
        f"step_decay(lr0={lr0!r}, every={every!r}, factor={factor!r})",
    )


def exponential_decay(lr0, k) -> Schedule:
    r"""Exponential decay :math:`\alpha(t) = \alpha_0 \, e^{-k t}`.

    Parameters
    ----------
    lr0 : float
        The initial learning rate :math:`\alpha_0 > 0`.
    k : float
        The decay rate :math:`k \ge 0` per step (``k = 0`` is a constant rate).

    Returns
    -------
    Schedule
        ``lr(t)``; it underflows to 0 (without a warning) once :math:`k t > 745`.
    """
    lr0 = as_positive_number(lr0, "lr0")
    k = as_nonnegative_number(k, "k")
    return Schedule(lambda t: lr0 * np.exp(-k * t), f"exponential_decay(lr0={lr0!r}, k={k!r})")


def inverse_time(lr0, tau) -> Schedule:
    r"""The 1/t schedule :math:`\alpha(t) = \alpha_0 \, \tau / \max(t, \tau)`.

    The rate stays :math:`\alpha_0` while :math:`t \le \tau` and then decays like
    :math:`1/t`; :math:`\tau` says when the decay starts.

    Parameters
    ----------
    lr0 : float
        The initial learning rate :math:`\alpha_0 > 0`.
    tau : float
        The step :math:`\tau > 0` at which the decay starts.

    Returns
    -------
    Schedule
        ``lr(t)``.
    """
    lr0 = as_positive_number(lr0, "lr0")
    tau = as_positive_number(tau, "tau")
    return Schedule(lambda t: lr0 * tau / np.maximum(t, tau), f"inverse_time(lr0={lr0!r}, tau={tau!r})")
