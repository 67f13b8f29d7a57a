r"""Dense layers and the multilayer perceptron — chapters "Backpropagation, derived" and
"Training an MLP".

Samples are columns. Layer :math:`l` computes

.. math:: Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}, \qquad A^{[l]} = g^{[l]}(Z^{[l]}),
    \qquad A^{[0]} = X,

and backpropagation runs the same layers in reverse with :math:`\delta^{[l]} =
\partial J / \partial Z^{[l]}` (written ``dZ``):

.. math::

    \frac{\partial J}{\partial W^{[l]}} = \delta^{[l]} A^{[l-1]\top}, \qquad
    \frac{\partial J}{\partial b^{[l]}} = \delta^{[l]} \mathbf 1, \qquad
    \delta^{[l-1]} = \bigl(W^{[l]\top} \delta^{[l]}\bigr) \odot g^{[l-1]\prime}(Z^{[l-1]}).

The :math:`1/m` of the cost is already inside the loss gradient, so none of these
divides by ``m``. :func:`dense_forward` and :func:`dense_backward` are the two halves of one
layer; :class:`MLP` chains them (with a few in-place operations for speed, computing
exactly the same numbers).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import activations as _activations
from . import init as _init
from . import losses as _losses
from ._checks import (
    as_float_array,
    as_generator,
    as_keep_prob,
    as_nonnegative_number,
    as_positive_int,
)
from .regularization import _apply_mask, _keep_mask, _l2_value

__all__ = ["DenseCache", "dense_forward", "dense_backward", "MLP"]


class DenseCache(NamedTuple):
    """What the backward pass of a dense layer needs from its forward pass.

    Two fields: ``A_prev``, the layer's input :math:`A^{[l-1]}` of shape ``(n[l-1], m)``,
    and ``W``, its weights :math:`W^{[l]}` of shape ``(n[l], n[l-1])``.
    """

    A_prev: np.ndarray
    W: np.ndarray


def _check_layer(A_prev, W, b):
    W = as_float_array(W, "W")
    A_prev = as_float_array(A_prev, "A_prev", dtype=W.dtype)
    b = as_float_array(b, "b", dtype=W.dtype)
    if A_prev.shape[0] != W.shape[1]:
        raise ValueError(
            f"W has shape (n[l], n[l-1]) = {W.shape}, so A_prev must have {W.shape[1]} rows, "
            f"but A_prev has shape {A_prev.shape}"
        )
    if b.shape != (W.shape[0], 1):
        raise ValueError(f"b must have shape (n[l], 1) = {(W.shape[0], 1)} to match W {W.shape}, got b {b.shape}")
    return A_prev, W, b


def dense_forward(A_prev, W, b):
    r"""Forward pass of a dense (fully connected) layer: :math:`Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}`.

    The bias column is broadcast over the ``m`` columns (samples). Chapter
    "Backpropagation, derived".

    Parameters
    ----------
    A_prev : ndarray
        Shape ``(n[l-1], m)``. The layer input :math:`A^{[l-1]}`; cast to the dtype of ``W``.
    W : ndarray
        Shape ``(n[l], n[l-1])``. Weights; their dtype is the layer's precision.
    b : ndarray
        Shape ``(n[l], 1)``. Biases; cast to the dtype of ``W``.

    Returns
    -------
    Z : ndarray
        Shape ``(n[l], m)``. The pre-activation :math:`Z^{[l]}`, a new array.
    cache : DenseCache
        ``(A_prev, W)`` for :func:`dense_backward`.
    """
    A_prev, W, b = _check_layer(A_prev, W, b)
    Z = W @ A_prev
    Z += b
    return Z, DenseCache(A_prev, W)


def dense_backward(dZ, cache, need_dA_prev=True):
    r"""Backward pass of a dense layer.

    .. math::

        dW = \delta^{[l]} A^{[l-1]\top}, \qquad
        db = \sum_{i=1}^{m} \delta^{[l](i)} = \delta^{[l]} \mathbf 1, \qquad
        dA_{prev} = W^{[l]\top} \delta^{[l]},

    where :math:`\delta^{[l]}` = ``dZ`` :math:`= \partial J / \partial Z^{[l]}` already
    carries the :math:`1/m` of the cost. ``dA_prev`` is :math:`\partial J / \partial
    A^{[l-1]}`; multiplied element-wise by :math:`g^{[l-1]\prime}(Z^{[l-1]})` it becomes
    :math:`\delta^{[l-1]}`. The first layer needs no ``dA_prev`` (its input is the data),
    so that product can be skipped. Chapter "Backpropagation, derived".

    Parameters
    ----------
    dZ : ndarray
        Shape ``(n[l], m)``. :math:`\delta^{[l]}`; cast to the dtype of ``cache.W``.
    cache : DenseCache
        From :func:`dense_forward`.
    need_dA_prev : bool
        Compute ``dA_prev``; pass False for the first layer. Default: ``True``.

    Returns
    -------
    dA_prev : ndarray or None
        Shape ``(n[l-1], m)``. :math:`\partial J / \partial A^{[l-1]}`; None when
        ``need_dA_prev`` is false.
    dW : ndarray
        Shape ``(n[l], n[l-1])``. :math:`\partial J / \partial W^{[l]}`.
    db : ndarray
        Shape ``(n[l], 1)``. :math:`\partial J / \partial b^{[l]}`.
    """
    if not (isinstance(cache, tuple) and hasattr(cache, "A_prev") and hasattr(cache, "W")):
        raise ValueError(f"cache must be the DenseCache returned by dense_forward, got {type(cache).__name__}")
    W = as_float_array(cache.W, "cache.W")
    A_prev = as_float_array(cache.A_prev, "cache.A_prev", dtype=W.dtype)
    dZ = as_float_array(dZ, "dZ", dtype=W.dtype)
    expected = (W.shape[0], A_prev.shape[1])
    if dZ.shape != expected or A_prev.shape[0] != W.shape[1]:
        raise ValueError(
            f"dZ must have shape (n[l], m) = {expected} for W {W.shape} and A_prev {A_prev.shape}, "
            f"got dZ {dZ.shape}"
        )
    dW = dZ @ A_prev.T
    db = dZ.sum(axis=1, keepdims=True)
    dA_prev = W.T @ dZ if need_dA_prev else None
    return dA_prev, dW, db


# --- the multilayer perceptron ------------------------------------------------------------

_RELU_FAMILY = ("relu", "leaky_relu")


def _activate(Z, act):
    """A = g(Z) for a fresh Z the caller owns: ReLU overwrites Z, the identity returns it."""
    if act is _activations.relu:
        return np.maximum(Z, 0, out=Z)   # g'(Z) = [Z > 0] = [A > 0]: Z itself is not needed
    if act is _activations.identity:
        return Z
    return act._f(Z)


def _default_init(activation):
    """Kaiming for the ReLU family, Xavier otherwise (chapter "Initialization")."""
    if activation.name.startswith(_RELU_FAMILY):
        return _init.kaiming_normal
    return _init.xavier_uniform


class MLP:
    r"""A fully connected feed-forward network trained by backpropagation.

    Layer :math:`l = 1 … L` computes :math:`A^{[l]} = g^{[l]}(W^{[l]} A^{[l-1]} + b^{[l]})`
    with :math:`A^{[0]} = X`; the cost is the loss of :math:`A^{[L]}` plus, optionally, the
    L2 penalty :math:`\frac{\lambda}{2}\sum_l \lVert W^{[l]} \rVert_F^2`. Chapters
    "Backpropagation, derived" and "Training an MLP".

    Parameters
    ----------
    layer_sizes : list of int
        :math:`[n_0, n_1, …, n_L]`, the input size included (at least two entries).
    activations : list of str or nnbook.activations.Activation
        :math:`L` activations :math:`g^{[1]}, …, g^{[L]}`, names from
        ``nnbook.activations.ACTIVATIONS`` or :class:`~nnbook.activations.Activation`
        objects.
    loss : str
        With ``"softmax_cross_entropy"`` the last activation must be ``"identity"``:
        :math:`A^{[L]}` are the logits and the softmax belongs to the loss.
    rng : numpy.random.Generator
        Draws the initial weights (layer 1 first).
    init : str or callable or None
        A name from :mod:`nnbook.init` or a callable ``(fan_out, fan_in, rng) -> W``.
        The default (None) is Kaiming normal for ReLU and leaky ReLU layers, Xavier uniform
        for the others. Biases start at zero.
    l2 : float
        :math:`\lambda \ge 0`; the biases are not penalised. Default: ``0.0``.
    keep_prob : float
        Inverted-dropout keep probability of the hidden layers, in (0, 1]; dropout is active
        only in :meth:`loss_and_grads` and only when it is given an ``rng``. Default: ``1.0``.
    dtype : dtype
        The precision of the parameters and of every computation; inputs of another float
        dtype are cast to it. Default: ``numpy.float64``.

    Attributes
    ----------
    layer_sizes : tuple of int
        :math:`(n_0, …, n_L)`.
    activations : tuple of nnbook.activations.Activation
        :math:`g^{[1]}, …, g^{[L]}`.
    loss : str
        The loss name.
    L : int
        The number of layers (depth).
    dtype : dtype
        The model's precision.
    """

    def __init__(self, layer_sizes, activations, loss, *, rng, init=None, l2=0.0, keep_prob=1.0,
                 dtype=np.float64):
        try:
            sizes = list(layer_sizes)
        except TypeError:
            raise ValueError(f"layer_sizes must be a sequence of positive integers, got {layer_sizes!r}") from None
        if len(sizes) < 2:
            raise ValueError(f"layer_sizes needs at least [n_0, n_1] (input and output sizes), got {sizes}")
        self.layer_sizes = tuple(as_positive_int(n, f"layer_sizes[{i}]") for i, n in enumerate(sizes))
        self.L = len(self.layer_sizes) - 1
        if isinstance(activations, (str, _activations.Activation)):
            activations = [activations]
        activations = list(activations)
        if len(activations) != self.L:
            raise ValueError(
                f"layer_sizes {list(self.layer_sizes)} describe {self.L} layer(s), so {self.L} "
                f"activation(s) are needed, got {len(activations)}: {activations}"
            )
        self.activations = tuple(_activations.get(a) for a in activations)
        if loss not in _losses.LOSSES:
            raise ValueError(f"unknown loss {loss!r}; known names: {', '.join(_losses.LOSSES)}")
        if loss == "softmax_cross_entropy" and self.activations[-1].name != "identity":
            raise ValueError(
                "loss 'softmax_cross_entropy' works on logits, so the last activation must be "
                f"'identity', got {self.activations[-1].name!r} (the softmax is part of the loss)"
            )
        self.loss = loss
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise ValueError(f"dtype must be a floating dtype such as np.float32 or np.float64, got {dtype!r}") from None
        if dtype.kind != "f":
            raise ValueError(f"dtype must be a floating dtype such as np.float32 or np.float64, got {dtype}")
        self.dtype = dtype
        self.l2 = l2
        self.keep_prob = keep_prob
        rng = as_generator(rng)
        initializer = None if init is None else _init.get(init)

        self._names = [(f"W{l}", f"b{l}") for l in range(1, self.L + 1)]
        params = {}
        for l, (w_name, b_name) in enumerate(self._names, start=1):
            fan_in, fan_out = self.layer_sizes[l - 1], self.layer_sizes[l]
            make = initializer or _default_init(self.activations[l - 1])
            params[w_name] = make(fan_out, fan_in, rng)
            params[b_name] = np.zeros((fan_out, 1))
        self.params = params

    # --- settings -------------------------------------------------------------------------

    @property
    def l2(self):
        r"""The L2 strength :math:`\lambda \ge 0` (a Python float)."""
        return self._l2

    @l2.setter
    def l2(self, value):
        self._l2 = as_nonnegative_number(value, "l2")

    @property
    def keep_prob(self):
        """The dropout keep probability of the hidden layers, in (0, 1]."""
        return self._keep_prob

    @keep_prob.setter
    def keep_prob(self, value):
        self._keep_prob = as_keep_prob(value)

    @property
    def params(self):
        """The live parameter dict ``{"W1": W1, "b1": b1, …, "WL": WL, "bL": bL}``.

        ``W{l}`` has shape ``(n[l], n[l-1])`` and ``b{l}`` shape ``(n[l], 1)``, all of the
        model's dtype. Updating its arrays in place updates the model; assigning a dict
        (``model.params = new``) checks it (names, shapes, finite floats, cast to the
        model's dtype) and replaces the parameters.
        """
        return self._params

    @params.setter
    def params(self, new):
        if not isinstance(new, dict):
            raise ValueError(f"params must be a dict like {{'W1': W1, 'b1': b1, ...}}, got {type(new).__name__}")
        expected = {name for pair in self._names for name in pair}
        if set(new) != expected:
            missing, extra = sorted(expected - set(new)), sorted(set(new) - expected, key=str)
            raise ValueError(f"params must have exactly the keys {sorted(expected)}; missing {missing}, unexpected {extra}")
        checked = {}
        for l, (w_name, b_name) in enumerate(self._names, start=1):
            n, n_prev = self.layer_sizes[l], self.layer_sizes[l - 1]
            for name, shape in ((w_name, (n, n_prev)), (b_name, (n, 1))):
                value = as_float_array(new[name], f"params[{name!r}]", dtype=self.dtype, ndim=None)
                if value.shape != shape:
                    raise ValueError(
                        f"params[{name!r}] must have shape {shape} for layer_sizes {list(self.layer_sizes)}, "
                        f"got {value.shape}"
                    )
                checked[name] = value
        self._params = checked

    def __repr__(self):
        acts = ", ".join(a.name for a in self.activations)
        return (f"MLP({list(self.layer_sizes)}, [{acts}], {self.loss!r}, l2={self.l2:g}, "
                f"keep_prob={self.keep_prob:g}, dtype={self.dtype.name})")

    # --- helpers --------------------------------------------------------------------------

    def _layers(self):
        """(W, b) per layer from the live dict; cheap checks only (shape and dtype)."""
        params = self._params
        try:
            layers = [(params[w], params[b]) for w, b in self._names]
        except KeyError as exc:
            raise ValueError(f"params is missing {exc.args[0]!r}; it must hold W1, b1, …, W{self.L}, b{self.L}") from None
        for l, (W, b) in enumerate(layers, start=1):
            n, n_prev = self.layer_sizes[l], self.layer_sizes[l - 1]
            if not (isinstance(W, np.ndarray) and isinstance(b, np.ndarray) and W.dtype == self.dtype
                    and b.dtype == self.dtype and W.shape == (n, n_prev) and b.shape == (n, 1)):
                # Someone put a foreign array into the live dict: run the full check once
                # (it casts floats to the model's dtype and rejects anything else).
                self.params = dict(params)
                return self._layers()
        return layers

    def _input(self, X, name="X", n_rows=None):
        X = as_float_array(X, name, dtype=self.dtype)
        if X.shape[0] != n_rows:
            raise ValueError(
                f"{name} must have shape ({'n_0' if name == 'X' else 'n_L'}, m) with {n_rows} rows, got {X.shape}"
            )
        return X

    # --- forward ----------------------------------------------------------------------------

    def forward(self, X):
        r"""The network output :math:`A^{[L]}` (no dropout, ever).

        Parameters
        ----------
        X : ndarray
            Shape ``(n_0, m)``. Inputs, one column per sample; finite floats (cast to the
            model's dtype).

        Returns
        -------
        ndarray
            Shape ``(n_L, m)``. :math:`A^{[L]}`: the logits for
            ``"softmax_cross_entropy"``, the predictions for ``"mse"``.
        """
        A = self._input(X, "X", self.layer_sizes[0])
        for (W, b), act in zip(self._layers(), self.activations):
            Z = W @ A
            Z += b
            A = _activate(Z, act)
        return A

    def predict(self, X):
        """Predictions: class indices for a classifier, :math:`A^{[L]}` for regression.

        Parameters
        ----------
        X : ndarray
            Shape ``(n_0, m)``. Inputs.

        Returns
        -------
        ndarray
            For ``"softmax_cross_entropy"`` the integer class indices
            :math:`\\arg\\max_k A^{[L]}_{ki}`, shape ``(m,)``; for ``"mse"`` the outputs
            :math:`A^{[L]}`, shape ``(n_L, m)``.
        """
        A = self.forward(X)
        return A.argmax(axis=0) if self.loss == "softmax_cross_entropy" else A

    def predict_proba(self, X):
        r"""Class probabilities :math:`\mathrm{softmax}(A^{[L]})`, column by column.

        Only for models with the ``"softmax_cross_entropy"`` loss.

        Parameters
        ----------
        X : ndarray
            Shape ``(n_0, m)``. Inputs.

        Returns
        -------
        ndarray
            Shape ``(n_L, m)``. Each column sums to 1.
        """
        if self.loss != "softmax_cross_entropy":
            raise ValueError(f"predict_proba needs a model with loss 'softmax_cross_entropy', this one uses {self.loss!r}")
        return _losses.softmax(self.forward(X))

    # --- loss and gradients -------------------------------------------------------------------

    def loss_and_grads(self, X, Y, rng=None):
        r"""The cost :math:`J` and its gradient with respect to every parameter (backprop).

        .. math::

            J = \frac{1}{m}\sum_{i=1}^{m} \ell\bigl(a^{[L](i)}, y^{(i)}\bigr)
              + \frac{\lambda}{2} \sum_{l=1}^{L} \lVert W^{[l]} \rVert_F^2 ,

        with gradients :math:`\partial J/\partial W^{[l]} = \delta^{[l]} A^{[l-1]\top} +
        \lambda W^{[l]}` and :math:`\partial J/\partial b^{[l]} = \delta^{[l]} \mathbf 1`
        (see the module docstring for the :math:`\delta` recursion).

        Dropout: when ``keep_prob < 1`` **and** ``rng`` is given, every hidden layer
        :math:`l = 1 … L-1`, in that order, draws the mask ``rng.random((n[l], m)) <
        keep_prob`` and uses :math:`A^{[l]} \odot M^{[l]} / p` (inverted dropout, as
        :func:`nnbook.regularization.dropout`); the gradient flows back through the same
        mask. Two calls given generators with equal seeds therefore drop the same units,
        which is how :func:`nnbook.gradcheck.check_model` replays a mask. Without ``rng``
        no unit is dropped.

        Parameters
        ----------
        X : ndarray
            Shape ``(n_0, m)``. Inputs, one column per sample.
        Y : ndarray
            Shape ``(n_L, m)``. Targets: one-hot columns for ``"softmax_cross_entropy"``
            (:func:`nnbook.losses.one_hot`), values for ``"mse"``.
        rng : numpy.random.Generator or None
            Source of the dropout masks. Default: None.

        Returns
        -------
        J : float
            The cost, penalty included.
        grads : dict
            Keyed like :attr:`params` (``"W1"``, ``"b1"``, …), each the shape and dtype of
            its parameter; new arrays.
        """
        X = self._input(X, "X", self.layer_sizes[0])
        Y = self._input(Y, "Y", self.layer_sizes[-1])
        if X.shape[1] != Y.shape[1]:
            raise ValueError(f"X and Y must have the same number of columns m, got X {X.shape} and Y {Y.shape}")
        if rng is not None:
            as_generator(rng)
        dropout = self._keep_prob < 1.0 and rng is not None
        keep_prob, l2, L = self._keep_prob, self._l2, self.L
        layers = self._layers()
        relu, identity = _activations.relu, _activations.identity

        # Forward: keep what backprop needs. For ReLU, Z is overwritten by A = max(Z, 0)
        # (g'(Z) = [Z > 0] = [A > 0]); for the identity A is Z itself.
        A = X
        caches = []                              # per layer: (A_prev, Z or A, act, mask)
        for l, ((W, b), act) in enumerate(zip(layers, self.activations), start=1):
            A_prev = A
            Z = W @ A_prev
            Z += b
            A = _activate(Z, act)
            mask = None
            if dropout and l < L:
                mask = _keep_mask(A.shape, keep_prob, rng)
                A = _apply_mask(A, mask, keep_prob)
            caches.append((A_prev, Z, act, mask))

        # Loss: J and the gradient of the loss with respect to A[L] (mse) or Z[L] (softmax CE).
        if self.loss == "softmax_cross_entropy":
            J, dZ = _losses._softmax_cross_entropy(A, Y)
        else:
            J, dA = _losses._mse(A, Y)

        # Backward, layer L down to 1.
        grads = {}
        ones = np.ones((X.shape[1], 1), dtype=self.dtype)
        for l in range(L, 0, -1):
            A_prev, Z, act, mask = caches[l - 1]
            W = layers[l - 1][0]
            if l < L or self.loss == "mse":      # dZ = dA ⊙ g'(Z); dA is a fresh array we own
                if mask is not None:
                    dA = _apply_mask(dA, mask, keep_prob)
                if act is relu:
                    dZ = np.multiply(dA, Z > 0, out=dA)
                elif act is identity:
                    dZ = dA
                else:
                    dA *= act._df(Z)
                    dZ = dA
            dW = dZ @ A_prev.T
            if l2:
                dW += l2 * W
            w_name, b_name = self._names[l - 1]
            grads[w_name] = dW
            grads[b_name] = dZ @ ones              # δ𝟏: a matrix-vector product, faster than dZ.sum(axis=1)
            if l > 1:                             # the first layer skips dA_prev = Wᵀ δ
                dA = W.T @ dZ

        J += _l2_value((W for W, _ in layers), l2)
        return J, {name: grads[name] for pair in self._names for name in pair}
