"""nnbook — the companion package of the book "Neural Networks, Derived".

Readable, vectorized NumPy implementations of what the chapters derive. Modules:

* :mod:`nnbook.activations` — activation functions, their derivatives and SymPy expressions;
* :mod:`nnbook.losses` — losses with their gradients, softmax, one-hot targets;
* :mod:`nnbook.network` — dense layers (forward and backward) and the :class:`~nnbook.network.MLP`;
* :mod:`nnbook.init` — weight initializers (Xavier, Kaiming, …);
* :mod:`nnbook.regularization` — L2 and L1 penalties, inverted dropout;
* :mod:`nnbook.gradcheck` — numerical gradients and gradient checks;
* :mod:`nnbook.optim` — SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam;
* :mod:`nnbook.schedules` — learning-rate schedules;
* :mod:`nnbook.preprocessing` — centering, standardizing, PCA and ZCA whitening;
* :mod:`nnbook.datasets` — generated toy data and scikit-learn's bundled digits.

* :mod:`nnbook.train` — the mini-batch training loop and its :class:`~nnbook.train.History`.

Imported only when asked for, because they pull in large libraries:
``from nnbook import plotting`` (matplotlib) and ``from nnbook import symbolic`` (SymPy).
The chapters' display helpers are in :mod:`nnbook.display` (``show``, ``verdict``).
"""
from . import (
    activations,
    datasets,
    gradcheck,
    init,
    losses,
    network,
    optim,
    preprocessing,
    regularization,
    schedules,
    train,
)
from .network import MLP

__version__ = "0.1.0"

__all__ = [
    "activations",
    "datasets",
    "gradcheck",
    "init",
    "losses",
    "network",
    "optim",
    "preprocessing",
    "regularization",
    "schedules",
    "train",
    "MLP",
    "__version__",
]
