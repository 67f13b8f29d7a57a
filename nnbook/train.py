r"""The training loop — chapter "Training an MLP".

Mini-batch gradient descent, written once so that the chapters can call it::

    history = train(model, X, Y, Adam(lr=1e-3), epochs=100, batch_size=32,
                    rng=np.random.default_rng(0), X_val=X_val, Y_val=Y_val)

Each epoch draws a random permutation of the :math:`m` columns of ``X`` and walks through
it in mini-batches of ``batch_size`` columns (the last one smaller when ``batch_size`` does
not divide :math:`m`). Each mini-batch is one step::

    J, grads = model.loss_and_grads(X[:, batch], Y[:, batch], rng=rng)
    model.params = optimizer.step(model.params, grads)

After the last step of the epoch, :func:`evaluate` measures the model on the whole
training set and, when given, on the validation set, and :class:`History` records the
numbers: one entry per epoch.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import losses as _losses
from ._checks import as_float_array, as_generator, as_positive_int
from .regularization import _l2_value

__all__ = ["History", "train", "evaluate"]

_EVAL_BATCH = 256  # columns per forward pass when train measures a data set


@dataclass
class History:
    """What :func:`train` measured, one list entry per epoch (epoch ``e`` is entry ``e``).

    An attribute is None when that quantity is not measured at all: the accuracies of a
    model with the ``"mse"`` loss, and the validation numbers when no validation set is
    given. Otherwise it is a list of floats with one entry per completed epoch.

    All four numbers come from :func:`evaluate` at the end of the epoch, with the
    parameters reached at that point and **without dropout**, so training and validation
    curves are measured the same way and can be compared directly.

    Attributes
    ----------
    loss : list of float
        The cost :math:`J` on the whole training set, L2 penalty included (the quantity
        the optimizer minimises, without dropout).
    accuracy : list of float or None
        The fraction of training samples classified correctly; None for ``"mse"`` models.
    val_loss : list of float or None
        :math:`J` on the validation set, L2 penalty included; None without a validation
        set.
    val_accuracy : list of float or None
        The validation accuracy; None for ``"mse"`` models or without a validation set.
    """

    loss: list = field(default_factory=list)
    accuracy: list | None = field(default_factory=list)
    val_loss: list | None = field(default_factory=list)
    val_accuracy: list | None = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """The number of epochs recorded so far."""
        return len(self.loss)


def evaluate(model, X, Y, *, batch_size=256):
    r"""The cost and the accuracy of a model on a data set, without dropout.

    The cost is the mean loss over the :math:`m` columns plus the L2 penalty
    :math:`\frac{\lambda}{2}\sum_l \lVert W^{[l]} \rVert_F^2` of the model, the same
    :math:`J` that ``model.loss_and_grads(X, Y)`` returns (without an ``rng``, so no
    unit is dropped). The accuracy is the fraction of columns where ``model.predict(X)``
    equals the index of the largest entry of ``Y`` (the class of a one-hot column).
    The columns are processed ``batch_size`` at a time, which keeps the intermediate
    arrays small (and in the CPU's cache); the result does not depend on it beyond
    rounding.

    Parameters
    ----------
    model : nnbook.network.MLP
        The model, with loss ``"softmax_cross_entropy"`` or ``"mse"``.
    X : ndarray
        Shape ``(n_0, m)``. Inputs, one column per sample.
    Y : ndarray
        Shape ``(n_L, m)``. Targets: one-hot columns for a classifier
        (:func:`nnbook.losses.one_hot`), values for regression.
    batch_size : int
        Columns per forward pass. Default: ``256``.

    Returns
    -------
    loss : float
        The cost :math:`J`, penalty included.
    accuracy : float or None
        The fraction of correctly classified columns; None for an ``"mse"`` model.
    """
    _check_model(model)
    X, Y = _check_data(model, X, Y, "X", "Y")
    batch_size = as_positive_int(batch_size, "batch_size")
    return _evaluate(model, X, Y, batch_size)


def train(model, X, Y, optimizer, *, epochs, batch_size, rng, X_val=None, Y_val=None,
          callback=None, progress=False):
    """Train a model by mini-batch gradient descent; the model's parameters are updated.

    For each epoch:

    1. ``order = rng.permutation(m)`` shuffles the columns;
    2. for each run of ``batch_size`` entries of ``order`` (the last run may be shorter),
       ``J, grads = model.loss_and_grads(X[:, batch], Y[:, batch], rng=rng)`` and then
       ``model.params = optimizer.step(model.params, grads)``. Passing ``rng`` makes
       dropout active during training when the model has ``keep_prob < 1``;
    3. :func:`evaluate` measures the loss and accuracy on the whole training set and on
       the validation set (no dropout) and appends them to the :class:`History`;
    4. ``callback(epoch, model, history)`` is called, if given.

    Everything random (the shuffles, then the dropout masks of each step) is drawn from
    ``rng`` in that order, so equal seeds give equal runs.

    Parameters
    ----------
    model : nnbook.network.MLP
        The model to train, with loss ``"softmax_cross_entropy"`` or ``"mse"``; its
        ``params`` are replaced after every step.
    X : ndarray
        Shape ``(n_0, m)``. Training inputs, one column per sample (cast to the model's
        dtype).
    Y : ndarray
        Shape ``(n_L, m)``. Training targets: one-hot columns for a classifier
        (``nnbook.losses.one_hot(y, n_L)``), values for regression.
    optimizer : nnbook.optim.Optimizer
        Anything with ``step(params, grads) -> new params``, e.g.
        ``nnbook.optim.Adam(lr=1e-3)``. Its state carries over between calls of ``train``.
    epochs : int
        The number of passes over the training set, at least 1.
    batch_size : int
        Columns per mini-batch, at least 1; a value of :math:`m` or more gives full-batch
        gradient descent.
    rng : Generator
        A ``numpy.random.Generator``: the source of the shuffles and of the dropout
        masks.
    X_val : ndarray or None
        Shape ``(n_0, m_val)``. Validation inputs, given together with ``Y_val``; only
        measured, never trained on. Default: None.
    Y_val : ndarray or None
        Shape ``(n_L, m_val)``. Validation targets. Default: None.
    callback : callable or None
        Called as ``callback(epoch, model, history)`` after each epoch has been recorded,
        with ``epoch`` = 0, 1, …, ``epochs - 1`` (so ``history.loss[epoch]`` is this
        epoch's loss). If it returns a true value, training stops after this epoch (early
        stopping). Default: None.
    progress : bool
        Show a progress bar over the epochs (needs the ``tqdm`` package). Off by default,
        so that stored notebook outputs stay deterministic. Default: ``False``.

    Returns
    -------
    History
        The per-epoch losses and accuracies (see :class:`History` for when an attribute
        is None).
    """
    _check_model(model)
    if not callable(getattr(optimizer, "step", None)):
        raise ValueError(
            f"optimizer must have a method step(params, grads) -> new params (e.g. "
            f"nnbook.optim.Adam), got {type(optimizer).__name__}"
        )
    epochs = as_positive_int(epochs, "epochs")
    batch_size = as_positive_int(batch_size, "batch_size")
    rng = as_generator(rng)
    X, Y = _check_data(model, X, Y, "X", "Y")
    if (X_val is None) != (Y_val is None):
        given, missing = ("X_val", "Y_val") if Y_val is None else ("Y_val", "X_val")
        raise ValueError(f"X_val and Y_val must be given together: got {given} but {missing} is None")
    validate = X_val is not None
    if validate:
        X_val, Y_val = _check_data(model, X_val, Y_val, "X_val", "Y_val")
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable as callback(epoch, model, history), got {type(callback).__name__}")

    classifier = model.loss == "softmax_cross_entropy"
    history = History(
        accuracy=[] if classifier else None,
        val_loss=[] if validate else None,
        val_accuracy=[] if classifier and validate else None,
    )
    m = X.shape[1]
    bar = _progress_bar(epochs) if progress else None
    try:
        for epoch in range(epochs):
            order = rng.permutation(m)
            for start in range(0, m, batch_size):
                batch = order[start:start + batch_size]
                _, grads = model.loss_and_grads(X[:, batch], Y[:, batch], rng=rng)
                model.params = optimizer.step(model.params, grads)

            loss, accuracy = _evaluate(model, X, Y, _EVAL_BATCH)
            history.loss.append(loss)
            if classifier:
                history.accuracy.append(accuracy)
            if validate:
                val_loss, val_accuracy = _evaluate(model, X_val, Y_val, _EVAL_BATCH)
                history.val_loss.append(val_loss)
                if classifier:
                    history.val_accuracy.append(val_accuracy)
            if bar is not None:
                bar.set_postfix(loss=f"{loss:.4g}")
                bar.update()
            if callback is not None and callback(epoch, model, history):
                break
    finally:
        if bar is not None:
            bar.close()
    return history


# --- helpers ------------------------------------------------------------------------------

def _progress_bar(epochs):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("train(..., progress=True) needs the tqdm package: pip install tqdm") from None
    return tqdm(total=epochs, desc="training", unit="epoch")


def _check_model(model):
    missing = [name for name in ("loss_and_grads", "forward", "params", "loss", "layer_sizes")
               if not hasattr(model, name)]
    if missing:
        raise ValueError(
            f"model must be an nnbook.network.MLP (or have the same methods); "
            f"{type(model).__name__} has no {', '.join(missing)}"
        )
    if model.loss not in _losses.LOSSES:
        raise ValueError(f"model.loss must be one of {_losses.LOSSES}, got {model.loss!r}")


def _check_data(model, X, Y, x_name, y_name):
    """X (n_0, m) and Y (n_L, m) as float arrays of the model's dtype; ValueError otherwise."""
    n_0, n_L = model.layer_sizes[0], model.layer_sizes[-1]
    dtype = getattr(model, "dtype", None)
    Y_arr = np.asarray(Y)
    if Y_arr.ndim == 1:
        hint = (f"; for class labels pass nnbook.losses.one_hot({y_name[0].lower() + y_name[1:]}, {n_L})"
                if Y_arr.dtype.kind in "iu" else "")
        raise ValueError(f"{y_name} must have shape (n_L, m) = ({n_L}, m), got shape {Y_arr.shape}{hint}")
    X = as_float_array(X, x_name, dtype=dtype)
    Y = as_float_array(Y, y_name, dtype=dtype)
    if X.shape[0] != n_0:
        raise ValueError(
            f"{x_name} must have shape (n_0, m) with n_0 = {n_0} rows for layer_sizes "
            f"{list(model.layer_sizes)}, got {x_name} {X.shape}"
        )
    if Y.shape[0] != n_L:
        raise ValueError(
            f"{y_name} must have shape (n_L, m) with n_L = {n_L} rows for layer_sizes "
            f"{list(model.layer_sizes)}, got {y_name} {Y.shape}"
        )
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"{x_name} and {y_name} must have the same number of columns m, got {x_name} "
            f"{X.shape} and {y_name} {Y.shape}"
        )
    return X, Y


def _evaluate(model, X, Y, batch_size):
    """(cost, accuracy or None) of checked arrays, ``batch_size`` columns at a time."""
    classifier = model.loss == "softmax_cross_entropy"
    # The arrays are checked already: the loss functions' unchecked cores suffice.
    loss_fn = _losses._softmax_cross_entropy if classifier else _losses._mse
    m = X.shape[1]
    total, correct = 0.0, 0
    for start in range(0, m, batch_size):
        Xb, Yb = X[:, start:start + batch_size], Y[:, start:start + batch_size]
        out = model.forward(Xb)                   # logits (classifier) or predictions (mse)
        J, _ = loss_fn(out, Yb)                   # the mean over these columns
        total += J * Xb.shape[1]
        if classifier:                            # predict(X) is the argmax of the logits
            correct += int(np.count_nonzero(out.argmax(axis=0) == Yb.argmax(axis=0)))
    weights = (W for name, W in model.params.items() if name.startswith("W"))
    loss = total / m + _l2_value(weights, model.l2)
    return float(loss), (correct / m if classifier else None)
