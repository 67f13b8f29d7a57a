r"""Two small helpers every chapter uses to show a result and to state a verdict.

A chapter derives a formula with SymPy, then *shows* it as an equation and *checks* it.
The checks print machine-independent verdicts (``claim: True``), never raw floating-point
numbers, so that a chapter's stored outputs are the same on every machine and ``pytest
--nbval`` can compare them; a failed check stops the notebook with an ``AssertionError``.

Import them in a chapter with ``from nnbook.display import show, verdict``. This module
needs IPython (installed with Jupyter) only when :func:`show` is called.
"""
from __future__ import annotations

__all__ = ["show", "verdict"]


def show(lhs, rhs):
    r"""Display the equation ``lhs = rhs`` in a notebook.

    Parameters
    ----------
    lhs : str
        The left-hand side as LaTeX text, e.g. ``r"\partial J/\partial W"``.
    rhs : sympy.Basic
        The right-hand side: any SymPy object, printed by the book's printer
        :func:`nnbook.symbolic.latex` (``sympy.latex`` with :math:`\odot`,
        :math:`^\top` and named derivatives such as :math:`\sigma'(Z)`).

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z")
    >>> show(r"\frac{d}{dz}\tanh z", sp.diff(sp.tanh(z), z))  # doctest: +SKIP
    """
    from IPython.display import Math, display

    from .symbolic import latex

    display(Math(f"{lhs} = {latex(rhs)}"))


def verdict(claim, ok):
    """Assert a check and print ``claim: True``.

    Parameters
    ----------
    claim : str
        What was checked, in words that stay true on every machine, e.g.
        ``"agrees with finite differences (rel. err < 1e-7)"``.
    ok : bool
        The outcome of the check (anything ``bool`` accepts, e.g. a NumPy boolean).

    Raises
    ------
    AssertionError
        If ``ok`` is false; the message is the claim. A chapter whose check fails stops
        there instead of printing a wrong verdict.
    """
    ok = bool(ok)
    if not ok:
        raise AssertionError(f"check failed: {claim}")
    print(f"{claim}: {ok}")
