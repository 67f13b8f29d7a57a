r"""Gradient-descent optimizers — chapters "Optimizers and schedules" and "Training an MLP".

An optimizer turns parameters and their gradients into new parameters::

    opt = Adam(lr=1e-3)
    for X_batch, Y_batch in batches:
        J, grads = model.loss_and_grads(X_batch, Y_batch)
        model.params = opt.step(model.params, grads)

``params`` and ``grads`` are dicts of arrays with the same keys and shapes
(``{"W1": (n[1], n[0]), "b1": (n[1], 1), …}``, as ``nnbook.MLP`` gives them).
:meth:`Optimizer.step` never modifies them: it returns a new dict of new arrays, in the
dtype of the parameters (float32 stays float32). Whatever the method remembers between
steps (velocities, running averages of squared gradients, moments) lives inside the
optimizer, one array per key, starting at zero; :attr:`Optimizer.t` counts the steps taken.

The learning rate ``lr`` is a number or a schedule ``lr(t)`` from :mod:`nnbook.schedules`
(any callable works), where ``t`` is the number of steps taken *before* this one: the
first step uses ``lr(0)``.

The update rules, for one parameter array :math:`x` with gradient :math:`g` on the step
that follows :math:`t` earlier steps (:math:`\alpha = \mathrm{lr}(t)`; products, squares,
square roots and divisions are element-wise):

=============  =====================================================================================
SGD            :math:`x \leftarrow x - \alpha g`
Momentum       :math:`v \leftarrow \mu v + g,\quad x \leftarrow x - \alpha v`
Nesterov       :math:`v \leftarrow \mu v + g,\quad x \leftarrow x - \alpha (g + \mu v)`
AdaGrad        :math:`s \leftarrow s + g^2,\quad x \leftarrow x - \alpha\, g / (\sqrt{s} + \epsilon)`
RMSProp        :math:`s \leftarrow \rho s + (1 - \rho) g^2,\quad x \leftarrow x - \alpha\, g / (\sqrt{s} + \epsilon)`
Adam           :math:`m \leftarrow \beta_1 m + (1 - \beta_1) g,\quad v \leftarrow \beta_2 v + (1 - \beta_2) g^2,`
               :math:`\hat m = m / (1 - \beta_1^{t+1}),\quad \hat v = v / (1 - \beta_2^{t+1}),\quad
               x \leftarrow x - \alpha\, \hat m / (\sqrt{\hat v} + \epsilon)`
=============  =====================================================================================

These are PyTorch's forms (``torch.optim``), and the tests check that the trajectories
agree with it: momentum accumulates raw gradients (:math:`v \leftarrow \mu v + g`) and the
learning rate multiplies the velocity when it is used; :math:`\epsilon` is added *outside*
the square root. The velocity form of CS231n, :math:`v' \leftarrow \mu v' - \alpha g,\ x
\leftarrow x + v'`, is the same method: with a constant :math:`\alpha`, :math:`v' = -\alpha
v` at every step and the trajectories are equal (with a schedule they differ slightly,
because :math:`v'` keeps the old rates inside it). Adam's bias correction counts steps from
1, so on the first step :math:`\hat m = g` and :math:`\hat v = g^2`: each coordinate moves
by :math:`\alpha\,|g|/(|g| + \epsilon) \approx \alpha`.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._checks import as_positive_number, as_real_array, as_unit_interval_number

__all__ = ["Optimizer", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"]


class Optimizer:
    """Base class of the optimizers: the step counter, the learning rate and the checks.

    A subclass implements one update rule in ``_update(key, x, g, lr)``, which returns the
    new value of one parameter array and stores that array's state on ``self``.

    Parameters
    ----------
    lr : float or callable
        The learning rate: a number > 0, or a schedule ``lr(t)`` (see
        :mod:`nnbook.schedules`) returning a number ≥ 0 for ``t`` = 0, 1, 2, …

    Attributes
    ----------
    t : int
        The number of steps taken so far.
    """

    _state_names = ()  # the dicts of per-parameter state that reset() empties

    def __init__(self, lr):
        if callable(lr):
            self.lr = lr
        elif isinstance(lr, (int, float, np.integer, np.floating)) and not isinstance(lr, (bool, np.bool_)):
            self.lr = as_positive_number(lr, "lr")
        else:
            raise ValueError(f"lr must be a number > 0 or a schedule lr(t), got {type(lr).__name__}")
        self.t = 0
        self._shapes = None  # {key: shape} of the parameters the state was built for

    @property
    def current_lr(self) -> float:
        """The learning rate of the next step (``lr``, or ``lr(t)`` for a schedule)."""
        if not callable(self.lr):
            return self.lr
        value = np.asarray(self.lr(self.t))
        if value.ndim != 0 or value.dtype.kind not in "iuf" or not np.isfinite(value) or value < 0:
            raise ValueError(
                f"the schedule lr(t) must return a finite number >= 0, got {value!r} at t = {self.t}"
            )
        return float(value)

    def step(self, params, grads):
        """Take one step: return new parameters; ``params`` and ``grads`` are not modified.

        Parameters
        ----------
        params : dict
            Parameter arrays by name, e.g. ``{"W1": W1, "b1": b1, …}`` with ``W1`` of shape
            ``(n[1], n[0])``; finite real values.
        grads : dict
            The gradients ∂J/∂(parameter): the same keys, each array of the shape of its
            parameter (gradient layout). They are cast to the parameter's dtype.

        Returns
        -------
        dict
            The new parameters, same keys (in the order of ``params``), shapes and dtypes.
        """
        params, grads = self._check(params, grads)
        lr = self.current_lr
        new_params = {key: self._update(key, params[key], grads[key], lr) for key in params}
        self.t += 1
        return new_params

    def reset(self) -> None:
        """Forget the state and the step count, as if the optimizer were new."""
        for name in self._state_names:
            getattr(self, name).clear()
        self.t = 0
        self._shapes = None

    def _update(self, key, x, g, lr):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _check(self, params, grads):
        for name, value in (("params", params), ("grads", grads)):
            if not isinstance(value, Mapping):
                raise ValueError(f"{name} must be a dict of arrays keyed like {{'W1', 'b1', ...}}, got {type(value).__name__}")
        if set(params) != set(grads):
            missing = sorted(map(str, set(params) - set(grads)))
            extra = sorted(map(str, set(grads) - set(params)))
            raise ValueError(
                f"params and grads must have the same keys; missing from grads: {missing}, "
                f"not in params: {extra}"
            )
        checked_params, checked_grads = {}, {}
        for key in params:
            x = as_real_array(params[key], f"params[{key!r}]")
            g = as_real_array(grads[key], f"grads[{key!r}]")
            if g.shape != x.shape:
                raise ValueError(
                    f"grads[{key!r}] has shape {g.shape} but params[{key!r}] has shape {x.shape}"
                )
            checked_params[key] = x
            checked_grads[key] = g.astype(x.dtype, copy=False)
        shapes = {key: x.shape for key, x in checked_params.items()}
        if self._shapes is None:
            self._shapes = shapes
        elif shapes != self._shapes:
            raise ValueError(
                f"this optimizer's state belongs to parameters with shapes {self._shapes}, "
                f"got {shapes}; use a new optimizer (or reset()) for other parameters"
            )
        return checked_params, checked_grads

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value!r}" for name, value in self._settings().items())
        return f"{type(self).__name__}({settings})"

    def _settings(self) -> dict:
        return {"lr": self.lr}


class SGD(Optimizer):
    r"""Plain (stochastic) gradient descent :math:`x \leftarrow x - \alpha g`.

    Parameters
    ----------
    lr : float or callable
        The learning rate :math:`\alpha > 0`, or a schedule ``lr(t)``.
    """

    def _update(self, key, x, g, lr):
        return x - lr * g


class Momentum(Optimizer):
    r"""Gradient descent with momentum, PyTorch's form.

    .. math:: v \leftarrow \mu v + g, \qquad x \leftarrow x - \alpha v

    with :math:`v = 0` before the first step (so the first step is a plain SGD step).

    Parameters
    ----------
    lr : float or callable
        The learning rate :math:`\alpha > 0`, or a schedule ``lr(t)``.
    mu : float
        The momentum :math:`0 \le \mu < 1` (default 0.9); ``mu=0`` is plain SGD.

    Attributes
    ----------
    velocity : dict
        :math:`v` per parameter name (empty before the first step).
    """

    _state_names = ("velocity",)

    def __init__(self, lr, mu=0.9):
        super().__init__(lr)
        self.mu = as_unit_interval_number(mu, "mu")
        self.velocity = {}

    def _update(self, key, x, g, lr):
        v = self.mu * self.velocity.get(key, 0.0) + g
        self.velocity[key] = v
        return x - lr * v

    def _settings(self):
        return {"lr": self.lr, "mu": self.mu}


class Nesterov(Momentum):
    r"""Nesterov's accelerated gradient, PyTorch's form (``SGD(nesterov=True)``).

    .. math:: v \leftarrow \mu v + g, \qquad x \leftarrow x - \alpha (g + \mu v)

    Compared with :class:`Momentum`, the fresh gradient enters the step once more:
    :math:`g + \mu v = (1 + \mu) g + \mu^2 v_{\text{old}}`. This is Nesterov's "gradient
    at the look-ahead point :math:`x + \mu v'`" of the velocity form, rewritten so that
    the parameters it stores *are* the look-ahead points.

    Parameters
    ----------
    lr : float or callable
        The learning rate :math:`\alpha > 0`, or a schedule ``lr(t)``.
    mu : float
        The momentum :math:`0 \le \mu < 1` (default 0.9).

    Attributes
    ----------
    velocity : dict
        :math:`v` per parameter name (empty before the first step).
    """

    def _update(self, key, x, g, lr):
        v = self.mu * self.velocity.get(key, 0.0) + g
        self.velocity[key] = v
        return x - lr * (g + self.mu * v)


class AdaGrad(Optimizer):
    r"""AdaGrad: a per-coordinate rate that shrinks with the sum of squared gradients.

    .. math:: s \leftarrow s + g^2, \qquad x \leftarrow x - \alpha\, \frac{g}{\sqrt{s} + \epsilon}

    element-wise, with :math:`s = 0` before the first step. Coordinates with a small
    gradient history take large steps. This is ``torch.optim.Adagrad`` with
    ``initial_accumulator_value=0`` and ``lr_decay=0`` (PyTorch's default ``eps`` is 1e-10).

    Parameters
    ----------
    lr : float or callable
        The learning rate :math:`\alpha > 0`, or a schedule ``lr(t)``.
    eps : float
        :math:`\epsilon > 0`, added outside the square root (default 1e-8).

    Attributes
    ----------
    sum_sq : dict
        :math:`s` per parameter name (empty before the first step).
    """

    _state_names = ("sum_sq",)

    def __init__(self, lr, eps=1e-8):
        super().__init__(lr)
        self.eps = as_positive_number(eps, "eps")
        self.sum_sq = {}

    def _update(self, key, x, g, lr):
        s = self.sum_sq.get(key, 0.0) + g * g
        self.sum_sq[key] = s
        return x - lr * g / (np.sqrt(s) + self.eps)

    def _settings(self):
        return {"lr": self.lr, "eps": self.eps}


class RMSProp(Optimizer):
    r"""RMSProp: AdaGrad with a running average of squared gradients instead of a sum.

    .. math:: s \leftarrow \rho s + (1 - \rho) g^2, \qquad
              x \leftarrow x - \alpha\, \frac{g}{\sqrt{s} + \epsilon}

    element-wise, with :math:`s = 0` before the first step and :math:`\rho` = ``decay``.
    Unlike AdaGrad's, the step size does not shrink for ever. This is
    ``torch.optim.RMSprop`` with ``alpha=decay`` (no momentum, not centered).

    Parameters
    ----------
    lr : float or callable
        The learning rate :math:`\alpha > 0`, or a schedule ``lr(t)``.
    decay : float
        :math:`0 \le \rho < 1` (default 0.99).
    eps : float
        :math:`\epsilon > 0`, added outside the square root (default 1e-8).

    Attributes
    ----------
    mean_sq : dict
        :math:`s` per parameter name (empty before the first step).
    """

    _state_names = ("mean_sq",)

    def __init__(self, lr, decay=0.99, eps=1e-8):
        super().__init__(lr)
        self.decay = as_unit_interval_number(decay, "decay")
        self.eps = as_positive_number(eps, "eps")
        self.mean_sq = {}

    def _update(self, key, x, g, lr):
        s = self.decay * self.mean_sq.get(key, 0.0) + (1 - self.decay) * g * g
        self.mean_sq[key] = s
        return x - lr * g / (np.sqrt(s) + self.eps)

    def _settings(self):
        return {"lr": self.lr, "decay": self.decay, "eps": self.eps}


class Adam(Optimizer):
    r"""Adam: momentum on the gradient and RMSProp's scaling, both bias-corrected.

    On step number :math:`k = t + 1` (:math:`t` earlier steps), element-wise:

    .. math::

        m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \\
        \hat m &= \frac{m}{1 - \beta_1^{k}}, \qquad \hat v = \frac{v}{1 - \beta_2^{k}}, \qquad
        x \leftarrow x - \alpha\, \frac{\hat m}{\sqrt{\hat v} + \epsilon},

    with :math:`m = v = 0` before the first step. Because the moments start at zero they are
    biased towards it: after :math:`k` steps of a constant gradient
    :math:`m = (1 - \beta_1^k) g` and :math:`v = (1 - \beta_2^k) g^2`, which the correction
    undoes. Without it a step would be off by the factor
    :math:`(1 - \beta_1^k)/\sqrt{1 - \beta_2^k}`: with the default betas, too long at first
    (3.2 lr on the first step, up to 6.6 lr around step 12).
    This is ``torch.optim.Adam`` (``amsgrad=False``, no weight decay).

    Parameters
    ----------
    lr : float or callable
        The learning rate :math:`\alpha > 0`, or a schedule ``lr(t)``.
    beta1 : float
        Decay of the first moment, :math:`0 \le \beta_1 < 1` (default 0.9).
    beta2 : float
        Decay of the second moment, :math:`0 \le \beta_2 < 1` (default 0.999).
    eps : float
        :math:`\epsilon > 0`, added outside the square root (default 1e-8).

    Attributes
    ----------
    m : dict
        The first moment (running mean of :math:`g`) per parameter name.
    v : dict
        The second moment (running mean of :math:`g^2`) per parameter name.
    """

    _state_names = ("m", "v")

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1 = as_unit_interval_number(beta1, "beta1")
        self.beta2 = as_unit_interval_number(beta2, "beta2")
        self.eps = as_positive_number(eps, "eps")
        self.m = {}
        self.v = {}

    def _update(self, key, x, g, lr):
        k = self.t + 1  # this step's number: bias correction counts from 1
        if key not in self.m:
            self.m[key], self.v[key] = np.zeros_like(x), np.zeros_like(x)
        # The moments are the optimizer's own arrays, so they are updated in place (Adam
        # runs on every step of every model: fewer temporaries make training faster).
        m, v = self.m[key], self.v[key]
        m *= self.beta1
        m += (1 - self.beta1) * g                  # m ← β₁ m + (1 − β₁) g
        v *= self.beta2
        v += (1 - self.beta2) * np.square(g)       # v ← β₂ v + (1 − β₂) g²
        # m̂ / (√v̂ + ε) with the corrections applied to scalars, in PyTorch's order:
        # m̂ = m / (1 − β₁ᵏ) and √v̂ = √v / √(1 − β₂ᵏ).
        denom = np.sqrt(v)
        denom /= np.sqrt(1 - self.beta2**k)
        denom += self.eps
        step = m * (lr / (1 - self.beta1**k))
        step /= denom
        return x - step

    def _settings(self):
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}
