"""nnbook — the companion package of the book "Neural Networks, Derived".

Readable, vectorized NumPy implementations of what the chapters derive. Modules:

* :mod:`nnbook.activations` — activation functions, their derivatives and SymPy expressions;
* :mod:`nnbook.gradcheck` — numerical gradients for checking derivations.
"""
from . import activations, gradcheck

__version__ = "0.1.0"

__all__ = ["activations", "gradcheck", "__version__"]
