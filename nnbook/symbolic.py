r"""Matrix calculus in SymPy: gradients of scalar matrix expressions derived with matrix
differentials and trace tricks — chapters "Matrix calculus for backprop" and
"Backpropagation, derived".

.. rubric:: The method

For a scalar :math:`f` of a matrix :math:`X`, the differential is linear in :math:`dX`, and
every linear scalar function of :math:`dX` can be written :math:`\operatorname{tr}(G^\top dX)`
for exactly one matrix :math:`G` of the shape of :math:`X`; that :math:`G` is the gradient
:math:`\partial f/\partial X` in the denominator (gradient) layout, since
:math:`\operatorname{tr}(G^\top dX) = \sum_{ij} G_{ij}\, dX_{ij}`. :func:`gradient` computes
:math:`dF` by the product, transpose and element-wise rules and moves :math:`dX` to the right
of the trace with :math:`\operatorname{tr}(AB) = \operatorname{tr}(BA)`,
:math:`\operatorname{tr}(A^\top) = \operatorname{tr}(A)` and
:math:`\operatorname{tr}(A^\top (B \odot C)) = \operatorname{tr}((A \odot B)^\top C)`, one node of the
expression tree at a time (reverse accumulation). :func:`derivation` records those steps.

.. rubric:: The grammar

``f`` is a 1×1 matrix expression, a ``Trace``, or a sum / scalar multiple of those, built from
``MatrixSymbol``, ``OneMatrix`` (a bias broadcast over a batch is ``b·1ᵀ`` with
``OneMatrix(1, m)``), ``Identity``, sums, products with scalar coefficients, ``Transpose``,
``HadamardProduct``, ``HadamardPower``, ``Inverse``, integer ``MatPow`` and element-wise
functions written ``Z.applyfunc(sympy.Lambda(t, expr))`` or :func:`elementwise`. Recognised
element-wise functions print by name: the sigmoid :class:`sigmoid` (``1/(1 + exp(-t))``), ``tanh``,
:class:`relu` (``Piecewise((0, t <= 0), (t, True))`` as ``nnbook.activations.relu``),
:class:`softplus` (``log(1 + exp(t))``), ``exp``, ``log`` and powers; their derivatives print
as :class:`sigmoid_prime` (:math:`\sigma'`), :class:`tanh_prime`, :class:`relu_prime`, … . Other
bodies are differentiated by SymPy and shown as lambdas (``Max(t, 0)`` gives SymPy's
``Heaviside(t)``, which is 1/2 at 0, unlike nnbook's relu' (0) = 0).

An upstream gradient is a symbol: with :math:`D = \delta^{[l+1]}`,
``gradient(Trace(D.T*(W*sigma(Z) + b*OneMatrix(1, m))), Z)`` is
:math:`(W^\top D) \odot \sigma'(Z) = \delta^{[l]}`.

.. rubric:: Checking

:func:`explicit` writes a matrix symbol (or expression) with scalar entries
(:math:`w_{ij}`), :func:`entrywise_gradient` differentiates entry by entry with
``sympy.diff``, :func:`assert_same` compares a matrix formula with it, :func:`to_numpy` turns
an expression into a NumPy function and :func:`check_numerically` compares a gradient with
:func:`nnbook.gradcheck.numerical_gradient`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp
from sympy import (
    Add,
    Eq,
    HadamardPower,
    HadamardProduct,
    Identity,
    ImmutableMatrix,
    Inverse,
    MatAdd,
    MatMul,
    MatPow,
    MatrixExpr,
    MatrixSymbol,
    Mul,
    OneMatrix,
    S,
    Symbol,
    Trace,
    Transpose,
    ZeroMatrix,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from . import _matdiff as md
from ._checks import as_real_array
from ._matdiff import (
    Differential,
    Elementwise,
    NamedFunction,
    Softmax,
    expand_definitions,
    relu,
    relu_prime,
    sigmoid,
    sigmoid_prime,
    softplus,
    tanh_prime,
)
from .gradcheck import numerical_gradient, relative_error

__all__ = [
    "gradient",
    "derivation",
    "Derivation",
    "Rule",
    "softmax_cross_entropy_derivation",
    "explicit",
    "entrywise_gradient",
    "agrees",
    "assert_same",
    "to_numpy",
    "check_numerically",
    "normalize",
    "same_form",
    "elementwise",
    "softmax",
    "latex",
    "text",
    "sigmoid",
    "sigmoid_prime",
    "tanh_prime",
    "relu",
    "relu_prime",
    "softplus",
    "NamedFunction",
    "Softmax",
    "Differential",
]


# =====================================================================================
# Validation
# =====================================================================================

def _validate(f, X):
    if not isinstance(X, MatrixSymbol):
        raise ValueError(
            f"X must be a sympy MatrixSymbol, got {type(X).__name__} {X!s}; to differentiate "
            "with respect to a sub-expression, write f in terms of a symbol standing for it"
        )
    if isinstance(f, sp.MatrixBase):
        raise ValueError(
            f"f must be a matrix expression built from MatrixSymbols, got an explicit "
            f"{type(f).__name__} of shape {f.shape}; use entrywise_gradient for explicit entries"
        )
    try:
        f = sp.sympify(f, strict=True)
    except sp.SympifyError:
        raise ValueError(f"f must be a SymPy expression, got {type(f).__name__} {f!r}") from None
    if isinstance(f, MatrixExpr):
        if f.shape != (1, 1):
            raise ValueError(
                f"f must be a scalar: a 1×1 matrix expression, a Trace, or sums and scalar "
                f"multiples of those; got a matrix expression of shape {f.shape}: {f}"
            )
    elif not isinstance(f, sp.Expr):
        raise ValueError(f"f must be a scalar SymPy expression, got {type(f).__name__} {f}")
    if not f.has(X):
        raise ValueError(f"X = {X} (shape {X.shape}) does not appear in f = {f}")
    for M in f.atoms(MatrixSymbol):
        if M.name == X.name and M != X:
            raise ValueError(
                f"f contains {M.name} with shape {M.shape} but X = {X.name} has shape {X.shape}"
            )
    return f


# =====================================================================================
# Public construction helpers
# =====================================================================================

def elementwise(g, Z):
    r"""The element-wise application :math:`g(Z)` in the canonical form gradients use.

    Parameters
    ----------
    g : sympy.Lambda or callable
        ``Lambda(t, expr)`` of one variable, a SymPy function class (``sympy.tanh``,
        ``sympy.exp``) or a named function of this module (:class:`sigmoid`, :class:`relu`, …).
    Z : sympy.MatrixExpr
        The argument, e.g. the pre-activation :math:`W x + b`.

    Returns
    -------
    sympy.MatrixExpr
        ``g`` applied entry by entry. Recognised bodies become named functions
        (``Lambda(t, 1/(1 + exp(-t)))`` becomes :math:`\sigma(Z)`); unlike
        ``Z.applyfunc`` this also works for 1×1 ``Z`` with ``Piecewise`` or ``Max`` bodies.
    """
    Z = sp.sympify(Z)
    if not isinstance(Z, MatrixExpr):
        raise ValueError(f"Z must be a matrix expression, got {type(Z).__name__} {Z}")
    fn = md.canonical_lambda(g)
    return md.build(md.scalar_to_terms(fn.expr, md.normal_form(Z)), Z.shape)


def softmax(Z):
    r"""Column-wise softmax :math:`\operatorname{softmax}(Z)_{ij} = e^{Z_{ij}}/\sum_k e^{Z_{kj}}`
    as a SymPy matrix expression (for :func:`softmax_cross_entropy_derivation`, :func:`to_numpy`
    and :func:`explicit`; it is outside the element-wise grammar of :func:`gradient`)."""
    return Softmax(Z)


def normalize(expr):
    r"""The readable normal form of a matrix expression.

    Transposes are pushed down to symbols (:math:`(AB)^\top = B^\top A^\top`,
    :math:`(A + B)^\top = A^\top + B^\top`, :math:`(A \odot B)^\top = A^\top \odot B^\top`; an
    element-wise function keeps its transpose outside, :math:`\sigma(Z)^\top`), scalar factors
    are pulled to the front, identity factors and all-ones Hadamard operands are dropped, like
    terms are merged and recognised element-wise functions are named. Results of
    :func:`gradient` are in this form, with like terms also collected.
    """
    expr = sp.sympify(expr)
    if not isinstance(expr, MatrixExpr):
        raise ValueError(f"normalize needs a matrix expression, got {type(expr).__name__} {expr}")
    return md.fully_pushed(expr, collect=False)


def _sorted_form(e):
    """Normal form with the operands of sums and Hadamard products sorted (for comparisons
    up to commutativity)."""

    def canon(x):
        if not isinstance(x, MatrixExpr) or not x.args:
            return x
        args = [canon(a) for a in x.args]
        if isinstance(x, (HadamardProduct, MatAdd)):
            args.sort(key=sp.default_sort_key)
        return x.func(*args)

    return canon(md.fully_pushed(e, collect=False))


def same_form(a, b):
    """True when two matrix expressions have the same normal form up to the order of the terms of
    sums and of the operands of Hadamard products (a structural comparison, not a proof of
    equality: use :func:`assert_same` for that)."""
    a, b = sp.sympify(a), sp.sympify(b)
    if not (isinstance(a, MatrixExpr) and isinstance(b, MatrixExpr)):
        raise ValueError("same_form compares two matrix expressions")
    return _sorted_form(a) == _sorted_form(b)


# =====================================================================================
# gradient
# =====================================================================================

def gradient(f, X):
    r"""The gradient :math:`G = \partial f/\partial X` of a scalar matrix expression, in readable form.

    Parameters
    ----------
    f : sympy.Expr or sympy.MatrixExpr
        A scalar: a 1×1 matrix expression (``x.T*A*x``), a ``Trace``, or sums and scalar multiples
        of those (``Rational(1, 2)*Trace(R.T*R) + lam*Trace(W.T*W)``), in the grammar of this
        module (see the module docstring).
    X : sympy.MatrixSymbol
        The variable; it must appear in ``f``. To differentiate with respect to a pre-activation,
        write ``f`` in terms of a symbol standing for it.

    Returns
    -------
    sympy.MatrixExpr
        :math:`G` of the shape of ``X`` with :math:`df = \operatorname{tr}(G^\top dX)` (denominator
        layout): like terms collected (:math:`(A + A^\top)X`), transposes pushed to symbols,
        scalar factors in front, derivatives of element-wise functions named
        (:math:`((\sigma(Wx+b) - y) \odot \sigma'(Wx+b))\,x^\top`).

    Raises
    ------
    ValueError
        ``f`` is not a scalar, ``X`` is not a ``MatrixSymbol`` or does not appear in ``f``.
    NotImplementedError
        ``f`` is well formed but uses a node outside the grammar (the message names it).

    Examples
    --------
    >>> from sympy import MatrixSymbol, Trace
    >>> A, X = MatrixSymbol("A", 3, 3), MatrixSymbol("X", 3, 3)
    >>> gradient(Trace(A*X), X)
    A.T
    """
    f = _validate(f, X)
    return md.backprop(f, X).gradient


# =====================================================================================
# Printing
# =====================================================================================

_FUNCTION_LATEX = {
    "exp": r"\exp", "log": r"\log", "tanh": r"\tanh", "sin": r"\sin", "cos": r"\cos",
    "sinh": r"\sinh", "cosh": r"\cosh", "Heaviside": "H", "Abs": r"\operatorname{abs}",
}


def _level(e):
    """Binding strength: 1 sum, 2 Hadamard product, 3 matrix product, 4 atom."""
    if isinstance(e, MatAdd):
        return 1
    if isinstance(e, HadamardProduct):
        return 2
    if isinstance(e, MatMul):
        c, _ = e.as_coeff_matrices()
        return 1 if c.could_extract_minus_sign() else 3
    return 4


def _function_name(F, latex):
    if isinstance(F, type) and issubclass(F, NamedFunction):
        return F.latex_name if latex else F.text_name
    name = F.__name__
    if latex:
        return _FUNCTION_LATEX.get(name, r"\operatorname{" + name + "}")
    return {"Heaviside": "H"}.get(name, name)


def _call(arg):
    """The parentheses of a function application: plain, or stretched around a fraction."""
    if r"\frac" in arg:
        return r"\left(" + arg + r"\right)"
    return "(" + arg + ")"


class _MatrixPrinting:
    """Shared rules of the LaTeX and text printers of matrix expressions."""

    latex = False

    def _paren(self, e, level):
        s = self._print(e)
        if _level(e) <= level:
            return (r"\left(" + s + r"\right)") if self.latex else "(" + s + ")"
        return s

    def _coeff(self, c):
        s = self._print(c)
        if isinstance(c, Add) or (not self.latex and not (c.is_Integer or c.is_Symbol)):
            return (r"\left(" + s + r"\right)") if self.latex else "(" + s + ")"
        return s

    def _print_MatMul(self, expr):
        c, ms = expr.as_coeff_matrices()
        body = " ".join(self._paren(m, 2) for m in ms)
        sign = ""
        if c.could_extract_minus_sign():
            sign, c = "-", -c
        if c == 1:
            return (sign + " " + body) if (sign and self.latex) else sign + body
        out = self._coeff(c) + " " + body
        return (sign + " " + out) if (sign and self.latex) else sign + out

    def _print_HadamardProduct(self, expr):
        op = r" \odot " if self.latex else " ⊙ "
        return op.join(self._paren(a, 3) for a in expr.args)

    def _atomic(self, e):
        return _level(e) == 4 and not isinstance(e, (HadamardPower, Inverse, Transpose, MatPow))

    def _base(self, a, simple=False):
        """The printed base of a superscript: parenthesised when compound, braced when it
        already carries a superscript (``{W^{[1]}}^{\top}``: no double exponent in TeX)."""
        s = self._print(a)
        if not (simple or self._atomic(a)):
            return (r"\left(" + s + r"\right)") if self.latex else "(" + s + ")"
        if self.latex and "^" in s and not s.endswith(r"\right)"):
            return "{" + s + "}"
        return s

    def _print_Transpose(self, expr):
        a = expr.arg
        s = self._base(a, isinstance(a, Differential) and a._is_simple())
        return s + (r"^{\top}" if self.latex else "ᵀ")

    def _print_Inverse(self, expr):
        s = self._base(expr.arg)
        return s + ("^{-1}" if self.latex else "⁻¹")

    def _print_HadamardPower(self, expr):
        s = self._base(expr.base)
        p = self._print(expr.exp)
        if self.latex:
            return s + r"^{\circ " + p + "}"
        return s + "^∘" + (p if expr.exp.is_Integer and expr.exp >= 0 else "(" + p + ")")

    def _print_MatPow(self, expr):
        s = self._base(expr.base)
        p = self._print(expr.exp)
        return s + ("^{" + p + "}" if self.latex else "^" + p)

    def _print_OneMatrix(self, expr):
        n, m = expr.shape
        if (n, m) == (1, 1):
            return "1"
        if self.latex:
            if m == 1:
                return r"\mathbf{1}_{" + self._print(n) + "}"
            if n == 1:
                return r"\mathbf{1}_{" + self._print(m) + r"}^{\top}"
            return r"\mathbf{1}_{" + self._print(n) + r" \times " + self._print(m) + "}"
        if m == 1:
            return "1_" + self._print(n)
        if n == 1:
            return "1_" + self._print(m) + "ᵀ"
        return "1_(" + self._print(n) + "×" + self._print(m) + ")"

    def _print_Identity(self, expr):
        return "I"

    def _print_ZeroMatrix(self, expr):
        return "0"

    def _print_DiagMatrix(self, expr):
        inner = self._print(expr.args[0])
        return (r"\operatorname{diag}" + _call(inner)) if self.latex else "diag(" + inner + ")"

    def _print_ElementwiseApplyFunction(self, expr):
        fn = md.canonical_lambda(expr.function)
        arg = self._print(expr.expr)
        F = md._recognize(fn.expr)
        body = fn.expr
        if F is None and isinstance(body, sp.Heaviside) and body.args[0] == md._T:
            F = sp.Heaviside  # H(Z), whatever its value at 0
        if F is not None:
            name = _function_name(F, self.latex)
            return (name + _call(arg)) if self.latex else name + "(" + arg + ")"
        if isinstance(body, sp.Max) and set(body.args) == {md._T, S.Zero}:
            return (r"\max" + _call(arg + ", 0")) if self.latex else "max(" + arg + ", 0)"
        body = self._print(fn.expr)
        if self.latex:
            return r"\left(t \mapsto " + body + r"\right)" + _call(arg)
        return "(t ↦ " + body + ")(" + arg + ")"

    def _print_Trace(self, expr):
        inner = self._print(expr.arg)
        return (r"\operatorname{tr}" + _call(inner)) if self.latex else "tr(" + inner + ")"

    def _print_Dummy(self, expr):
        return expr.name

    def _print_MatAdd(self, expr):
        # SymPy's order, then the terms with a minus sign last: W x + b - y, softmax(z) - y.
        terms = list(self._as_ordered_terms(expr))
        terms = [t for t in terms if not t.could_extract_minus_sign()] + [
            t for t in terms if t.could_extract_minus_sign()
        ]
        out = self._print(terms[0])
        for t in terms[1:]:
            if t.could_extract_minus_sign():
                out += " - " + self._print(-t)
            else:
                out += " + " + self._print(t)
        return out

    def _print_Mul(self, expr, *args, **kwargs):
        traces = [a for a in expr.args if isinstance(a, Trace)]
        if not traces:
            return super()._print_Mul(expr, *args, **kwargs)
        c = Mul(*[a for a in expr.args if not isinstance(a, Trace)])
        body = " ".join(self._print(t) for t in traces)
        sign = ""
        if c.could_extract_minus_sign():
            sign, c = "-", -c
        out = body if c == 1 else self._coeff(c) + " " + body
        return (sign + " " + out) if (sign and self.latex) else sign + out


class _LatexPrinter(_MatrixPrinting, LatexPrinter):
    latex = True

    def _print_Equality(self, expr):
        return self._print(expr.lhs) + " = " + self._print(expr.rhs)


class _TextPrinter(_MatrixPrinting, StrPrinter):
    latex = False

    def _print_Equality(self, expr):
        return self._print(expr.lhs) + " = " + self._print(expr.rhs)


def latex(expr):
    r"""LaTeX of an expression as the book prints it: :math:`\odot`, :math:`^\top`, named
    element-wise functions (:math:`\sigma'(Z)`), :math:`\mathbf{1}_m` for ``OneMatrix``."""
    return _LatexPrinter().doprint(expr)


def text(expr):
    """Plain-text (Unicode) form of an expression, e.g. ``((σ(W x + b) - y) ⊙ σ'(W x + b)) xᵀ``."""
    return _TextPrinter().doprint(expr)


# =====================================================================================
# Derivations
# =====================================================================================

class Rule(str):
    """The rule that justifies a step: a plain-text ``str`` with a LaTeX form in ``.latex``."""

    def __new__(cls, text_form, latex_form=None):
        obj = super().__new__(cls, text_form)
        obj.latex = latex_form if latex_form is not None else r"\text{" + text_form + "}"
        return obj


class _Label(Symbol):
    """A scalar name with its own LaTeX (``df`` prints as d f with an upright d)."""

    def _latex(self, printer):
        return _LABEL_LATEX.get(self.name, self.name)

    def _sympystr(self, printer):
        return self.name


_LABEL_LATEX: dict = {}


def _label(text_form, latex_form):
    _LABEL_LATEX[text_form] = latex_form
    return _Label(text_form)


class _Partial(MatrixSymbol):
    """The gradient's name, ∂f/∂X, as a matrix symbol of the shape of X."""

    def _latex(self, printer):
        f, x = self.name.split("|", 1)
        return (r"\frac{\partial " + _LABEL_LATEX.get(f, f) + r"}{\partial "
                + printer._print(Symbol(x)) + "}")

    def _sympystr(self, printer):
        f, x = self.name.split("|", 1)
        return f"∂{f}/∂{x}"


@dataclass
class Derivation:
    r"""A step-by-step derivation: equations, each with the rule that justifies it.

    Attributes
    ----------
    steps : list of (sympy.Basic, Rule)
        Each equation is a SymPy ``Eq`` (``df = tr(...)``, ``∂f/∂X = G``); each rule a
        :class:`Rule` (a ``str`` with a ``.latex`` form).
    result : sympy.MatrixExpr
        The gradient (for :func:`derivation`, equal to ``gradient(f, X)``).
    f : sympy.Expr or sympy.MatrixExpr or None
        The differentiated scalar.
    X : sympy.MatrixSymbol or None
        The variable.
    where : dict
        Abbreviations used in the display (symbol → the expression it stands for).

    Notes
    -----
    In a notebook the derivation shows as one LaTeX ``aligned`` block (``_repr_latex_``); in a
    terminal ``print(d)`` gives the same steps as text.
    """

    steps: list
    result: object
    f: object = None
    X: object = None
    where: dict = field(default_factory=dict)

    def _display(self, e):
        return _abbreviate(e, self.where) if self.where else e

    def latex(self, stacked=True):
        r"""The ``\begin{aligned} … \end{aligned}`` block (without ``$$``).

        Parameters
        ----------
        stacked : bool, optional
            True (the default): each rule stands in small grey type on its own line, above
            the equation it justifies, so that long derivations fit a page column. False:
            the rules form a second column to the right of the equations.
        """
        p = _LatexPrinter()
        lines = []
        prev_lhs = None
        for eq, rule in self.steps:
            lhs, rhs = (eq.lhs, eq.rhs) if isinstance(eq, sp.Equality) else (None, eq)
            show = (lambda e: e) if rule is _RULES["abbrev"] else self._display
            left = "" if (lhs is None or lhs == prev_lhs) else p.doprint(lhs)
            equation = left + " &= " + p.doprint(show(rhs))
            if stacked:
                lines.append(r"& \qquad {\small\color{gray}" + rule.latex + "}")
                lines.append(equation)
            else:
                lines.append(equation + r" && " + rule.latex)
            prev_lhs = lhs
        return r"\begin{aligned}" + " \\\\\n".join(lines) + r"\end{aligned}"

    def _repr_latex_(self):
        return "$$" + self.latex() + "$$"

    def __str__(self):
        p = _TextPrinter()
        out = []
        prev_lhs = None
        for eq, rule in self.steps:
            lhs, rhs = (eq.lhs, eq.rhs) if isinstance(eq, sp.Equality) else (None, eq)
            show = (lambda e: e) if rule is _RULES["abbrev"] else self._display
            left = "" if (lhs is None or lhs == prev_lhs) else p.doprint(lhs)
            prev_lhs = lhs
            out.append(f"{left:>8} = {p.doprint(show(rhs))}")
            out.append(f"{'':>10}[{rule}]")
        return "\n".join(out)

    def __repr__(self):
        return f"<Derivation: {len(self.steps)} steps, result {text(self.result)}>"


def _abbreviate(e, where):
    return e.xreplace(_abbreviation_map(tuple(where.items())))


@lru_cache(maxsize=64)
def _abbreviation_map(items):
    mapping = {}
    full = {}
    for s, e in items:
        e_full = sp.sympify(e).xreplace(full) if full else sp.sympify(e)
        full[s] = e_full
        nf = md.normal_form(e_full)
        mapping[nf] = s
        if s.shape != (1, 1):
            mapping[md.normal_form(Transpose(nf))] = Transpose(s)
    return mapping


# ---- rules ------------------------------------------------------------------------

def _rules():
    d = r"\mathrm{d}"
    return {
        "trace": Rule("a 1×1 matrix is its own trace", r"\text{a } 1\times 1 \text{ matrix is its own trace}"),
        "given": Rule("f, written with traces", r"\text{the scalar, written with traces}"),
        "abbrev": Rule("abbreviation", r"\text{abbreviation}"),
        "dtrace": Rule("d tr(M) = tr(dM): the trace is linear",
                       d + r"\operatorname{tr}(M) = \operatorname{tr}(" + d + r"M)"),
        "dtrace_chain": Rule("chain rule for the scalar function, d tr(M) = tr(dM)",
                             r"\text{scalar chain rule, }" + d + r"\operatorname{tr}(M) = \operatorname{tr}(" + d + "M)"),
        "sum": Rule("d(A + B) = dA + dB; dC = 0 for a constant C",
                    d + "(A + B) = " + d + "A + " + d + r"B,\; " + d + r"C = 0"),
        "sum_after": Rule("the trace is linear", r"\operatorname{tr}(A + B) = \operatorname{tr}(A) + \operatorname{tr}(B)"),
        "product": Rule("product rule d(AB) = dA B + A dB; dC = 0 for a constant C",
                        r"\text{product rule } " + d + "(AB) = " + d + r"A\,B + A\," + d + "B"),
        "product_after": Rule("tr(AB) = tr(BA) and (AB)ᵀ = BᵀAᵀ move the differential to the right",
                              r"\operatorname{tr}(AB) = \operatorname{tr}(BA),\; (AB)^{\top} = B^{\top}A^{\top}"),
        "transpose": Rule("d(Aᵀ) = (dA)ᵀ and tr(Aᵀ) = tr(A)",
                          d + r"(A^{\top}) = (" + d + r"A)^{\top},\; \operatorname{tr}(A^{\top}) = \operatorname{tr}(A)"),
        "hadamard": Rule("d(A ⊙ B) = dA ⊙ B + A ⊙ dB",
                         d + r"(A \odot B) = " + d + r"A \odot B + A \odot " + d + "B"),
        "hadamard_after": Rule("tr(Aᵀ(B ⊙ C)) = tr((A ⊙ B)ᵀ C)",
                               r"\operatorname{tr}(A^{\top}(B \odot C)) = \operatorname{tr}((A \odot B)^{\top} C)"),
        "power": Rule("d(A^∘p) = p A^∘(p-1) ⊙ dA",
                      d + r"(A^{\circ p}) = p\, A^{\circ (p-1)} \odot " + d + "A"),
        "inverse": Rule("d(A⁻¹) = -A⁻¹ dA A⁻¹", d + r"(A^{-1}) = -A^{-1}\," + d + r"A\,A^{-1}"),
        "read": Rule("df = tr(Gᵀ dX) for all dX exactly when ∂f/∂X = G",
                     d + r"f = \operatorname{tr}(G^{\top}" + d + r"X) \;\Longleftrightarrow\; \frac{\partial f}{\partial X} = G"),
        "collect": Rule("written as tr(Gᵀ dX), (AB)ᵀ = BᵀAᵀ", r"\text{written as } \operatorname{tr}(G^{\top}" + d + r"X)"),
    }


_RULES = _rules()
_MERGED = Rule("; like terms collected", r",\; \text{like terms collected}")


def _with_merge(rule, merged):
    if not merged:
        return rule
    return Rule(str(rule) + str(_MERGED), rule.latex + _MERGED.latex)


_NOTES = {
    sigmoid: ("σ'(t) = σ(t)(1 - σ(t))", r"\sigma'(t) = \sigma(t)(1 - \sigma(t))"),
    sp.tanh: ("tanh'(t) = 1 - tanh²(t)", r"\tanh'(t) = 1 - \tanh^2(t)"),
    relu: ("relu'(t) = 1 for t > 0, 0 for t ≤ 0", r"\operatorname{relu}'(t) = [t > 0]"),
    softplus: ("softplus'(t) = σ(t)", r"\operatorname{softplus}'(t) = \sigma(t)"),
}


def _elementwise_rule(node):
    A = MatrixSymbol("Z", *node.expr.shape)
    g = Elementwise(node.function, A)
    dg = md.build(md.elementwise_derivative(g), A.shape)
    dA = Differential(A)
    lhs_t, lhs_l = text(Differential(g)), latex(Differential(g))
    rhs = HadamardProduct(dg, dA) if not (isinstance(dg, OneMatrix)) else dA
    t = f"element-wise rule {lhs_t} = {text(rhs)}"
    lt = r"\text{element-wise rule } " + lhs_l + " = " + latex(rhs)
    F = md._recognize(node.body)
    if F in _NOTES:
        t += f", {_NOTES[F][0]}"
        lt += r",\; " + _NOTES[F][1]
    return Rule(t, lt)


# ---- display of frontier terms ----------------------------------------------------

def _disp_T(C):
    """Cᵀ for display: products reversed, sums and Hadamard products kept whole."""
    if isinstance(C, MatMul):
        c, ms = C.as_coeff_matrices()
        fs = [_disp_T(m) for m in reversed(ms)]
        flat = []
        for f in fs:
            if isinstance(f, MatMul):
                c2, m2 = f.as_coeff_matrices()
                c = c * c2
                flat.extend(m2)
            else:
                flat.append(f)
        flat = [f for f in flat if not isinstance(f, Identity)] or flat[:1]
        return MatMul(c, *flat) if c != 1 else (flat[0] if len(flat) == 1 else MatMul(*flat))
    if isinstance(C, (MatrixSymbol, Transpose, OneMatrix, Identity, ZeroMatrix, Elementwise, Inverse,
                      HadamardPower)):
        return md.build(md.transpose_factor(C), (C.shape[1], C.shape[0]))
    if C.shape == (1, 1) and not isinstance(C, (MatAdd, HadamardProduct)):
        return C
    if isinstance(C, MatAdd):
        pushed = md.build(md.transpose_terms(md.terms_of(C)), (C.shape[1], C.shape[0]))
        if md._count_transposes(pushed) < 1 + md._count_transposes(C):
            return pushed
    return Transpose(C)


def _trace_term(C, dexpr):
    """c·tr(L dexpr) with L = Cᵀ (for display)."""
    L = _disp_T(C)
    c = S.One
    if isinstance(L, MatMul):
        c, ms = L.as_coeff_matrices()
        ms = list(ms)
    else:
        ms = [L]
    ms = [m for m in ms if not (isinstance(m, Identity) or (m.shape == (1, 1) and isinstance(m, OneMatrix)))]
    if isinstance(dexpr, MatMul):
        c2, rest = dexpr.as_coeff_matrices()
        c = c * c2
        ms = ms + list(rest)
    else:
        ms = ms + [dexpr]
    body = MatMul(*ms) if len(ms) > 1 else ms[0]
    return Mul(c, Trace(body), evaluate=False) if c != 1 else Trace(body)


def _sum_traces(terms):
    if not terms:
        return S.Zero
    return terms[0] if len(terms) == 1 else Add(*terms, evaluate=False)


def _same_sum(a, b):
    return Add(*Add.make_args(a)) == Add(*Add.make_args(b))


def _expand_differential(N, X):
    """dN expanded one level, with the differentials of children as Differential atoms."""
    if isinstance(N, MatAdd):
        ds = [Differential(a) for a in N.args if a.has(X)]
        return ds[0] if len(ds) == 1 else MatAdd(*ds)
    if isinstance(N, MatMul):
        c, ms = N.as_coeff_matrices()
        terms = []
        for i, m in enumerate(ms):
            if m.has(X):
                fs = list(ms[:i]) + [Differential(m)] + list(ms[i + 1:])
                terms.append(MatMul(*fs) if len(fs) > 1 else fs[0])
        inner = terms[0] if len(terms) == 1 else MatAdd(*terms)
        if c == 1:
            return inner
        if isinstance(inner, MatMul):
            return MatMul(c, *inner.args)
        return MatMul(c, inner)
    if isinstance(N, Transpose):
        return Transpose(Differential(N.arg))
    if isinstance(N, HadamardProduct):
        terms = []
        for i, a in enumerate(N.args):
            if a.has(X):
                ops = list(N.args)
                ops[i] = Differential(a)
                terms.append(HadamardProduct(*ops))
        return terms[0] if len(terms) == 1 else MatAdd(*terms)
    if isinstance(N, HadamardPower):
        p = N.exp
        base_pow = md.build(md.hadamard_power(md.terms_of(N.base), p - 1, N.shape), N.shape)
        dB = Differential(N.base)
        core = dB if isinstance(base_pow, OneMatrix) else HadamardProduct(base_pow, dB)
        return MatMul(p, core)
    if isinstance(N, Elementwise):
        dg = md.build(md.elementwise_derivative(N), N.shape)
        dA = Differential(N.expr)
        if isinstance(dg, MatMul):
            c, ms = dg.as_coeff_matrices()
            if c != 1:
                rest = ms[0] if len(ms) == 1 else MatMul(*ms)
                return MatMul(c, HadamardProduct(rest, dA)) if not isinstance(rest, OneMatrix) else MatMul(c, dA)
        if isinstance(dg, OneMatrix):
            return dA
        return HadamardProduct(dg, dA)
    if isinstance(N, Inverse):
        return MatMul(S.NegativeOne, N, Differential(N.arg), N)
    return Differential(N)  # pragma: no cover - every supported node is handled above


def derivation(f, X, *, name="f", where=None):
    r"""Derive :math:`\partial f/\partial X` step by step with matrix differentials and trace tricks.

    The steps: :math:`f` written as a trace; :math:`df = \operatorname{tr}(dM)`; then, node by
    node of the expression tree from the outside in, the differential of the node by the sum,
    product, transpose, Hadamard or element-wise rule (:math:`d\sigma(Z) = \sigma'(Z) \odot dZ`)
    followed by the trace identity that moves the differential of the child to the right
    (:math:`\operatorname{tr}(AB) = \operatorname{tr}(BA)`,
    :math:`\operatorname{tr}(A^\top) = \operatorname{tr}(A)`,
    :math:`\operatorname{tr}(A^\top(B \odot C)) = \operatorname{tr}((A \odot B)^\top C)`); finally
    :math:`df = \operatorname{tr}(G^\top dX)` and the gradient read off. Each intermediate
    :math:`\operatorname{tr}(C^\top dN)` shows the adjoint :math:`C` of a node — the quantity
    backpropagation passes down (for a pre-activation, :math:`C = \delta`).

    Parameters
    ----------
    f, X
        As for :func:`gradient`.
    name : str, optional
        The name of the scalar in the display, ``"f"`` by default (``"J"``, ``"ℓ"``; LaTeX for
        ``"ℓ"`` is ``\ell``).
    where : dict, optional
        Abbreviations for the display, ``{Z1: W1*x + b1, Z2: W2*sigma(Z1) + b2}`` (symbol →
        the expression it stands for, later ones may use earlier symbols). They are listed first
        and replace their expressions in every step (the ``result`` stays unabbreviated).

    Returns
    -------
    Derivation
        ``.steps`` (``(equation, rule)`` pairs), ``.result`` (``== gradient(f, X)``).
    """
    f = _validate(f, X)
    where = dict(where or {})
    for s, e in where.items():
        if not isinstance(s, MatrixSymbol) or not isinstance(sp.sympify(e), MatrixExpr):
            raise ValueError(f"where maps MatrixSymbols to matrix expressions, got {s!r}: {e!r}")
        if s.shape != sp.sympify(e).shape:
            raise ValueError(f"where: {s} has shape {s.shape} but {e} has shape {sp.sympify(e).shape}")
    res = md.backprop(f, X, record=True)
    R = _RULES
    latex_name = {"ℓ": r"\ell"}.get(name, name)
    fl = _label(name, latex_name)
    dfl = _label("d" + name, r"\mathrm{d}" + latex_name)
    steps = []
    for s, e in where.items():
        steps.append((Eq(s, sp.sympify(e), evaluate=False), R["abbrev"]))

    # 1. f as a trace
    if isinstance(f, MatrixExpr):
        c, tr = res.roots[0].coeff, Trace(res.roots[0].matrix)
        steps.append((Eq(fl, Mul(c, tr, evaluate=False) if c != 1 else tr, evaluate=False), R["trace"]))
    else:
        shown = f.xreplace({a: Trace(md.normal_form(a.arg)) for a in f.atoms(Trace)})
        steps.append((Eq(fl, shown, evaluate=False), R["given"]))

    # 2. df = Σ c tr(dM)
    start = [_trace_term(C, Differential(n)) for n, C in res.start]
    linear = all(r.coeff.free_symbols.isdisjoint(X.free_symbols) and not r.coeff.has(Trace) for r in res.roots)
    steps.append((Eq(dfl, _sum_traces(start), evaluate=False), R["dtrace"] if linear else R["dtrace_chain"]))

    # 3. node by node
    for ev in res.events:
        N = ev.node
        others_before = [(n, C) for n, C in ev.before]
        expanded = [_trace_term(ev.adjoint, _expand_differential(N, X))] + [
            _trace_term(C, Differential(n)) for n, C in others_before
        ]
        after = [_trace_term(C, Differential(n)) for n, C in ev.after]
        e_expanded = _sum_traces(expanded)
        e_after = _sum_traces(after)
        kind = ev.kind
        if kind == "sum":
            first, second = R["sum"], R["sum_after"]
        elif kind == "product":
            first, second = R["product"], R["product_after"]
        elif kind == "transpose":
            first, second = R["transpose"], R["transpose"]
        elif kind == "hadamard":
            first, second = R["hadamard"], R["hadamard_after"]
        elif kind == "power":
            first, second = R["power"], R["hadamard_after"]
        elif kind == "elementwise":
            first, second = _elementwise_rule(N), R["hadamard_after"]
        else:  # inverse
            first, second = R["inverse"], R["product_after"]
        if kind == "transpose":
            steps.append((Eq(dfl, e_after, evaluate=False), _with_merge(first, ev.merged)))
            continue
        steps.append((Eq(dfl, e_expanded, evaluate=False), first))
        if not _same_sum(e_after, e_expanded) or ev.merged:
            steps.append((Eq(dfl, e_after, evaluate=False), _with_merge(second, ev.merged)))

    # 4. read off
    G = res.gradient
    final = Trace(MatMul(Transpose(G), Differential(X)))
    if not _same_sum(final, steps[-1][0].rhs):
        steps.append((Eq(dfl, final, evaluate=False), R["collect"]))
    steps.append((Eq(_Partial(f"{name}|{X.name}", *X.shape), G, evaluate=False), R["read"]))
    return Derivation(steps, G, f, X, where)


# =====================================================================================
# Softmax + cross-entropy
# =====================================================================================

def softmax_cross_entropy_derivation(n=None):
    r"""The gradient of the cross-entropy of a softmax, derived through the softmax Jacobian.

    For logits :math:`z \in \mathbb{R}^n`, :math:`p = \operatorname{softmax}(z)` and a target
    :math:`y` with :math:`\mathbf{1}^\top y = 1` (one-hot or any distribution),
    :math:`\ell = -y^\top \log p` has

    .. math:: dp = (\operatorname{diag}(p) - p p^\top)\, dz, \qquad
              \frac{\partial \ell}{\partial z} = p - y = \operatorname{softmax}(z) - y.

    Softmax couples the entries of :math:`z`, so this is outside the element-wise grammar of
    :func:`gradient`; the steps are written out here and verified entry-wise (``sympy.diff`` for
    n = 3, 4) and numerically in the tests. Chapter "Backpropagation, derived".

    Parameters
    ----------
    n : int or sympy.Symbol, optional
        The number of classes (default: a symbol ``n``).

    Returns
    -------
    Derivation
        ``.result`` is ``softmax(z) - y``; ``.f`` is :math:`\ell = -y^\top \log\operatorname{softmax}(z)`
        and ``.X`` is ``z``, so ``assert_same(d.result, d.f, d.X, sizes={n: 3}, subs=…)`` and
        :func:`check_numerically` apply.
    """
    n = Symbol("n", integer=True, positive=True) if n is None else sp.sympify(n)
    z = MatrixSymbol("z", n, 1)
    y = MatrixSymbol("y", n, 1)
    p = MatrixSymbol("p", n, 1)
    one = OneMatrix(n, 1)
    dz, dp = Differential(z), Differential(p)
    ell = _label("ℓ", r"\ell")
    dell = _label("dℓ", r"\mathrm{d}\ell")
    logp = md.elementwise_of(sp.log, p)
    p_inv = HadamardPower(p, -1)
    J = MatAdd(DiagMatrix(p), MatMul(-1, p, Transpose(p)))
    yp = HadamardProduct(y, p_inv)
    steps = [
        (Eq(ell, MatMul(-1, Transpose(y), logp), evaluate=False),
         Rule("cross-entropy of p = softmax(z), p_i = exp(z_i) / Σ_k exp(z_k)",
              r"p = \operatorname{softmax}(z),\; p_i = e^{z_i} / \textstyle\sum_k e^{z_k}")),
        (Eq(dp, MatAdd(HadamardProduct(p, dz), MatMul(-1, p, Transpose(p), dz)), evaluate=False),
         Rule("quotient rule: dp_i = p_i dz_i - p_i Σ_k p_k dz_k",
              r"\text{quotient rule: } \mathrm{d}p_i = p_i\,\mathrm{d}z_i - p_i \textstyle\sum_k p_k\,\mathrm{d}z_k")),
        (Eq(dp, MatMul(J, dz), evaluate=False),
         Rule("a ⊙ b = diag(a) b: the Jacobian of softmax is diag(p) - p pᵀ (symmetric)",
              r"a \odot b = \operatorname{diag}(a)\, b:\; \text{the Jacobian is } \operatorname{diag}(p) - p p^{\top}")),
        (Eq(dell, MatMul(-1, Transpose(y), HadamardProduct(p_inv, dp)), evaluate=False),
         Rule("element-wise rule d log(p) = p^∘(-1) ⊙ dp",
              r"\text{element-wise rule } \mathrm{d}\log(p) = p^{\circ -1} \odot \mathrm{d}p")),
        (Eq(dell, MatMul(-1, Transpose(yp), dp), evaluate=False),
         Rule("aᵀ(b ⊙ c) = (a ⊙ b)ᵀ c", r"a^{\top}(b \odot c) = (a \odot b)^{\top} c")),
        (Eq(dell, MatMul(-1, Transpose(yp), J, dz), evaluate=False),
         Rule("substitute dp = (diag(p) - p pᵀ) dz", r"\text{substitute } \mathrm{d}p")),
        (Eq(dell, MatMul(-1, MatAdd(Transpose(y), MatMul(-1, Transpose(one), y, Transpose(p))), dz), evaluate=False),
         Rule("(y ⊙ p^∘(-1))ᵀ diag(p) = yᵀ and (y ⊙ p^∘(-1))ᵀ p = 1ᵀ y",
              r"(y \odot p^{\circ -1})^{\top} \operatorname{diag}(p) = y^{\top},\; (y \odot p^{\circ -1})^{\top} p = \mathbf{1}^{\top} y")),
        (Eq(dell, MatMul(Transpose(MatAdd(p, MatMul(-1, y))), dz), evaluate=False),
         Rule("1ᵀ y = Σ_i y_i = 1", r"\mathbf{1}^{\top} y = \textstyle\sum_i y_i = 1")),
    ]
    result = MatAdd(Softmax(z), MatMul(-1, y))
    steps.append((Eq(_Partial("ℓ|z", n, 1), result, evaluate=False),
                  Rule("read off: dℓ = (∂ℓ/∂z)ᵀ dz", r"\mathrm{d}\ell = \left(\frac{\partial \ell}{\partial z}\right)^{\top} \mathrm{d}z")))
    f = MatMul(-1, Transpose(y), md.elementwise_of(sp.log, Softmax(z)))
    return Derivation(steps, result, f, z)


# =====================================================================================
# Explicit matrices and entry-wise checks
# =====================================================================================

def _dims(shape, sizes):
    out = []
    for d in shape:
        d = sp.sympify(d).xreplace(sizes) if sizes else sp.sympify(d)
        if not d.is_Integer:
            raise ValueError(
                f"explicit entries need integer sizes, got dimension {d} in shape {shape}; "
                "pass sizes={symbol: int}"
            )
        out.append(int(d))
    return tuple(out)


def _sizes(sizes):
    if sizes is None:
        return {}
    out = {}
    for k, v in dict(sizes).items():
        k = Symbol(k, integer=True, positive=True) if isinstance(k, str) else k
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"sizes must map dimension symbols to positive integers, got {k}: {v!r}")
        out[k] = sp.Integer(int(v))
    return out


def _entry_name(base, i, j, rows, cols):
    if cols == 1 or rows == 1:
        idx = str((i if cols == 1 else j) + 1)
    elif rows < 10 and cols < 10:
        idx = f"{i + 1}{j + 1}"
    else:
        idx = f"{i + 1},{j + 1}"
    return f"{base}_{{{idx}}}"


def _explicit_symbol(M, sizes, base=None):
    rows, cols = _dims(M.shape, sizes)
    base = base if base is not None else M.name[:1].lower() + M.name[1:]
    return ImmutableMatrix(rows, cols, lambda i, j: Symbol(_entry_name(base, i, j, rows, cols), real=True))


def _explicit_env(symbols, sizes):
    """Explicit matrices for several symbols, with entry names that never collide."""
    symbols = sorted(set(symbols), key=lambda s: s.name)
    bases = {}
    lower = {}
    for s in symbols:
        lower.setdefault(s.name[:1].lower() + s.name[1:], []).append(s)
    for b, ss in lower.items():
        for s in ss:
            bases[s] = b if len(ss) == 1 else s.name
    env = {s: _explicit_symbol(s, sizes, bases[s]) for s in symbols}
    names = {}
    for s, m in env.items():
        for e in m:
            if e in names and names[e] != s:
                raise ValueError(f"entries of {s} and {names[e]} would share the name {e}; rename one")
            names[e] = s
    return env


def explicit(M, sizes=None):
    r"""The explicit matrix of scalar entries of a matrix symbol or expression.

    Parameters
    ----------
    M : sympy.MatrixExpr
        A ``MatrixSymbol`` ``W`` gives the matrix of real symbols :math:`w_{ij}` (the first letter
        lower-cased; a vector has one index, :math:`b_i`); ``OneMatrix``, ``Identity`` and
        ``ZeroMatrix`` give ones, the identity and zeros; any other expression of the grammar is
        evaluated with explicit entries for its symbols (``explicit(W*x + b)``).
    sizes : dict, optional
        Integer values of symbolic dimensions, ``{n: 3}``.

    Returns
    -------
    sympy.ImmutableMatrix

    Examples
    --------
    >>> from sympy import MatrixSymbol
    >>> explicit(MatrixSymbol("W", 2, 2))
    Matrix([
    [w_{11}, w_{12}],
    [w_{21}, w_{22}]])
    """
    sizes = _sizes(sizes)
    M = sp.sympify(M)
    if isinstance(M, MatrixSymbol):
        return _explicit_symbol(M, sizes)
    if not isinstance(M, MatrixExpr):
        raise ValueError(f"explicit needs a matrix expression, got {type(M).__name__} {M}")
    env = _explicit_env(M.atoms(MatrixSymbol), sizes)
    return _evaluate(M, env, sizes, numeric=False)


def _scalar_value(f, env, sizes):
    if isinstance(f, MatrixExpr):
        return _evaluate(f, env, sizes, numeric=False)[0, 0]
    return _evaluate_scalar(f, env, sizes, numeric=False)


def entrywise_gradient(f, X, sizes=None):
    r"""The gradient of a scalar by plain ``sympy.diff``, entry by entry, on explicit matrices.

    Every matrix symbol of ``f`` is replaced by its explicit matrix (:func:`explicit`), ``f``
    becomes an ordinary scalar expression of the entries, and entry :math:`(i, j)` of the result
    is :math:`\partial f/\partial x_{ij}` — the independent check of :func:`gradient`.

    Parameters
    ----------
    f, X
        As for :func:`gradient`; dimensions must be integers or given in ``sizes``.
    sizes : dict, optional
        ``{n: 3}`` for symbolic dimensions.

    Returns
    -------
    sympy.ImmutableMatrix
        The shape of ``X``.
    """
    f = _validate(f, X)
    sizes = _sizes(sizes)
    env = _explicit_env(f.atoms(MatrixSymbol) | {X}, sizes)
    F = _scalar_value(f, env, sizes)
    Xe = env[X]
    return ImmutableMatrix(Xe.rows, Xe.cols, lambda i, j: sp.diff(F, Xe[i, j]))


def _is_zero_expr(d):
    if d == 0:
        return True
    if d.has(sp.Piecewise):
        pf = sp.piecewise_fold(d)
        if isinstance(pf, sp.Piecewise) and all(
            not e.has(sp.Piecewise) and _is_zero_expr(e) for e, _ in pf.args
        ):
            return True  # zero on every branch
    for attempt in (
        lambda e: sp.cancel(sp.together(e)),  # rational functions of the entries and of exp(·)
        lambda e: sp.expand(e),
        lambda e: sp.simplify(e),
        lambda e: sp.simplify(sp.piecewise_fold(e).rewrite(sp.exp)),
    ):
        try:
            if attempt(d) == 0:
                return True
        except (TypeError, ValueError, NotImplementedError):  # pragma: no cover - defensive
            continue
    return False


def assert_same(G, f, X, sizes=None, subs=None):
    r"""Assert that the matrix formula ``G`` equals :math:`\partial f/\partial X` entry by entry.

    ``G`` is evaluated on explicit matrices (:func:`explicit`) and compared with
    :func:`entrywise_gradient`: each difference must simplify to 0 (named functions are expanded
    to their definitions first). Chapters "Matrix calculus for backprop" and "Backpropagation,
    derived" use it to prove each rule on small matrices.

    Parameters
    ----------
    G : sympy.MatrixExpr
        The claimed gradient (shape of ``X``).
    f, X
        As for :func:`gradient`.
    sizes : dict, optional
        ``{n: 3}`` for symbolic dimensions.
    subs : dict, optional
        Substitutions of explicit entries applied to both sides before comparing, for
        constraints such as :math:`y_3 = 1 - y_1 - y_2`.

    Raises
    ------
    AssertionError
        Naming the first entry that differs and both values.
    """
    f = _validate(f, X)
    G = sp.sympify(G)
    if not isinstance(G, MatrixExpr):
        raise ValueError(f"G must be a matrix expression, got {type(G).__name__} {G}")
    if G.shape != X.shape:
        raise AssertionError(f"G has shape {G.shape} but X = {X.name} has shape {X.shape}")
    sizes = _sizes(sizes)
    env = _explicit_env(f.atoms(MatrixSymbol) | G.atoms(MatrixSymbol) | {X}, sizes)
    F = _scalar_value(f, env, sizes)
    Xe = env[X]
    Gv = _evaluate(G, env, sizes, numeric=False)
    subs = dict(subs or {})
    for i in range(Xe.rows):
        for j in range(Xe.cols):
            want = sp.diff(F, Xe[i, j])
            got = Gv[i, j]
            # Fast path: with the named functions kept (SymPy knows σ' = σ(1−σ) through
            # them), a plain expansion usually cancels; rewriting σ into exponentials and
            # simplifying is much slower, so it is only the fallback.
            d = (got - want).subs(subs) if subs else got - want
            if sp.expand(d) == 0:
                continue
            # A difference that is clearly nonzero at a random point is a counterexample:
            # report it without the (slow) attempt to simplify it to 0.
            if _clearly_nonzero(expand_definitions(d)):
                raise AssertionError(
                    f"entry ({i}, {j}) of ∂f/∂{X.name} differs: the matrix formula gives {got}, "
                    f"entry-wise differentiation gives {want}"
                )
            d = expand_definitions(got - want)
            if subs:
                d = d.subs(subs)
            if not _is_zero_expr(d):
                raise AssertionError(
                    f"entry ({i}, {j}) of ∂f/∂{X.name} differs: the matrix formula gives {got}, "
                    f"entry-wise differentiation gives {want}"
                )


def agrees(G, f, X, sizes=None, subs=None):
    """:func:`assert_same` as a yes/no answer: True when ``G`` equals :math:`\\partial f/\\partial X`
    entry by entry on explicit matrices, False when some entry differs.

    Chapters "Matrix calculus for backprop" and "Backpropagation, derived" print it as a
    verdict (and show with it that a formula fails without its assumptions).
    """
    try:
        assert_same(G, f, X, sizes=sizes, subs=subs)
    except AssertionError:
        return False
    return True


def _clearly_nonzero(d, tol=1e-6):
    """True when the scalar expression ``d`` is far from 0 at a fixed pseudo-random point."""
    symbols = sorted(d.free_symbols, key=sp.default_sort_key)
    values = np.random.default_rng(12345).uniform(0.3, 0.9, len(symbols))
    try:
        # lambdify (mpmath) evaluates a large expression in milliseconds; evalf(subs=...)
        # can take minutes on the same expression.
        value = complex(sp.lambdify(symbols, d, modules="mpmath")(*values))
    except Exception:  # not a number at this point (e.g. a kink): leave it to simplification
        return False
    return abs(value) > tol


# =====================================================================================
# Evaluation (explicit SymPy matrices or NumPy arrays)
# =====================================================================================

def _numpy_functions():
    from . import activations as act

    return {
        "sigmoid": act.sigmoid.f,
        "sigmoid_prime": act.sigmoid.df,
        "tanh_prime": act.tanh.df,
        "relu": act.relu.f,
        "relu_prime": act.relu.df,
        "softplus": act.softplus.f,
    }


@lru_cache(maxsize=256)
def _numpy_function(fn):
    fn = md.canonical_lambda(fn)
    return sp.lambdify(fn.variables[0], fn.expr, modules=[_numpy_functions(), "numpy"])


def _evaluate(e, env, sizes, numeric):
    """Evaluate a matrix expression: env maps MatrixSymbols (and scalar Symbols) to values."""
    ev = lambda a: _evaluate(a, env, sizes, numeric)  # noqa: E731
    if isinstance(e, MatrixSymbol):
        if e not in env:
            raise ValueError(f"no value for {e.name} (shape {e.shape})")
        return env[e]
    if isinstance(e, (OneMatrix, ZeroMatrix, Identity)):
        shape = _dims(e.shape, sizes)
        if isinstance(e, Identity):
            return np.eye(shape[0]) if numeric else sp.eye(shape[0])
        fill = 1 if isinstance(e, OneMatrix) else 0
        return np.full(shape, float(fill)) if numeric else ImmutableMatrix(*shape, [fill] * (shape[0] * shape[1]))
    if isinstance(e, MatAdd):
        vals = [ev(a) for a in e.args]
        out = vals[0]
        for v in vals[1:]:
            out = out + v
        return out
    if isinstance(e, MatMul):
        c, ms = e.as_coeff_matrices()
        out = ev(ms[0])
        for m in ms[1:]:
            out = out @ ev(m) if numeric else out * ev(m)
        cv = _evaluate_scalar(c, env, sizes, numeric)
        return out * cv if numeric else out * cv
    if isinstance(e, Transpose):
        return ev(e.arg).T
    if isinstance(e, HadamardProduct):
        vals = [ev(a) for a in e.args]
        out = vals[0]
        for v in vals[1:]:
            out = out * v if numeric else out.multiply_elementwise(v)
        return out
    if isinstance(e, HadamardPower):
        b = ev(e.base)
        p = _evaluate_scalar(e.exp, env, sizes, numeric)
        return b ** p if numeric else b.applyfunc(lambda v: v ** p)
    if isinstance(e, ElementwiseApplyFunction):
        a = ev(e.expr)
        if numeric:
            out = np.asarray(_numpy_function(e.function)(a), dtype=float)
            return np.broadcast_to(out, a.shape).copy()
        fn = md.canonical_lambda(e.function)
        return a.applyfunc(lambda v: fn.expr.xreplace({fn.variables[0]: v}))
    if isinstance(e, Inverse):
        a = ev(e.arg)
        return np.linalg.inv(a) if numeric else a.inv()
    if isinstance(e, MatPow):
        a = ev(e.base)
        p = int(e.exp)
        if a.shape == (1, 1):
            return a ** p if numeric else a.applyfunc(lambda v: v ** p)
        return np.linalg.matrix_power(a, p) if numeric else a ** p
    if isinstance(e, Softmax):
        a = ev(e.arg)
        if numeric:
            s = np.exp(a - a.max(axis=0, keepdims=True))
            return s / s.sum(axis=0, keepdims=True)
        ex = a.applyfunc(sp.exp)
        cols = [sum(ex[:, j]) for j in range(ex.cols)]
        return ImmutableMatrix(ex.rows, ex.cols, lambda i, j: ex[i, j] / cols[j])
    if isinstance(e, DiagMatrix):
        v = ev(e.args[0])
        return np.diag(np.ravel(v)) if numeric else sp.diag(*list(v))
    raise NotImplementedError(f"cannot evaluate {type(e).__name__} node {e}")


def _evaluate_scalar(c, env, sizes, numeric):
    c = sp.sympify(c)
    if c.is_Number:
        return float(c) if numeric else c
    reps = {}
    for node in sp.preorder_traversal(c):
        if isinstance(node, Trace):
            v = _evaluate(node.arg, env, sizes, numeric)
            reps[node] = sp.Float(np.trace(v)) if numeric else v.trace()
        elif isinstance(node, MatrixElement):
            v = _evaluate(node.parent, env, sizes, numeric)
            reps[node] = sp.Float(v[int(node.i), int(node.j)]) if numeric else v[int(node.i), int(node.j)]
    c = c.xreplace(reps) if reps else c
    scal = {s: v for s, v in env.items() if isinstance(s, Symbol) and not isinstance(s, MatrixSymbol)}
    c = c.xreplace({**sizes, **scal})
    if numeric:
        free = c.free_symbols
        if free:
            raise ValueError(f"no value for the scalar symbol(s) {', '.join(sorted(map(str, free)))}")
        return float(c)
    return c


def to_numpy(expr):
    r"""A NumPy function that evaluates a SymPy matrix (or scalar) expression.

    The expression tree is evaluated directly with NumPy (matrix products, Hadamard products,
    element-wise functions through :mod:`nnbook.activations` where they exist), so it is fast at
    any size. Symbolic dimensions are read from the shapes of the arrays passed; a scalar symbol
    equal to a dimension (the :math:`1/m` of a batch mean) takes its value too.

    Parameters
    ----------
    expr : sympy.MatrixExpr or sympy.Expr
        A gradient from :func:`gradient`, a loss ``f``, or any expression of the grammar.

    Returns
    -------
    callable
        ``fn(values=None, **kwargs)``: values of the symbols by name (``{"W": W, "x": x}`` or
        ``fn(W=W, x=x)``), arrays of the symbols' shapes. Returns an ``ndarray`` (float64) for a
        matrix expression and a ``float`` for a scalar one. A missing symbol or a wrong shape
        is a ``ValueError``.
    """
    expr = sp.sympify(expr)
    if not isinstance(expr, (MatrixExpr, sp.Expr)):
        raise ValueError(f"to_numpy needs a SymPy expression, got {type(expr).__name__} {expr}")
    symbols = sorted(expr.atoms(MatrixSymbol), key=lambda s: s.name)
    matrix_names = {s.name for s in symbols}
    scalars = sorted(
        (s for s in expr.free_symbols if isinstance(s, Symbol) and s.name not in matrix_names),
        key=lambda s: s.name,
    )

    def fn(values=None, **kwargs):
        vals = {}
        for k, v in dict(values or {}).items():
            vals[k.name if isinstance(k, (Symbol, MatrixSymbol)) else str(k)] = v
        vals.update(kwargs)
        env, sizes = {}, {}
        for s in symbols:
            if s.name not in vals:
                raise ValueError(f"no value for {s.name} (shape {s.shape})")
            a = np.asarray(as_real_array(vals[s.name], s.name), dtype=np.float64)
            if a.ndim != 2:
                raise ValueError(f"{s.name} must be a 2-D array of shape {s.shape}, got shape {a.shape}")
            for d, n in zip(s.shape, a.shape):
                d = sp.sympify(d)
                if d.is_Integer:
                    if int(d) != n:
                        raise ValueError(f"{s.name} must have shape {s.shape}, got {a.shape}")
                elif isinstance(d, Symbol):
                    if d in sizes and int(sizes[d]) != n:
                        raise ValueError(
                            f"{s.name} has shape {a.shape} but {d} = {sizes[d]} from another symbol"
                        )
                    sizes[d] = sp.Integer(n)
            env[s] = a
        for s in scalars:
            if s.name in vals:
                env[s] = sp.sympify(float(vals[s.name]))
            elif s not in sizes:
                raise ValueError(f"no value for the scalar symbol {s.name}")
        if isinstance(expr, MatrixExpr):
            return np.asarray(_evaluate(expr, env, sizes, numeric=True), dtype=np.float64)
        return float(_evaluate_scalar(expr, env, sizes, numeric=True))

    fn.__doc__ = f"NumPy evaluation of {text(expr) if isinstance(expr, MatrixExpr) else expr}."
    return fn


def check_numerically(f, X, values=None, *, rng=None, sizes=None, G=None, eps=1e-5):
    r"""Compare a symbolic gradient with centered differences at a (random) point.

    Evaluates :math:`G` (default ``gradient(f, X)``) with :func:`to_numpy` and compares it with
    :func:`nnbook.gradcheck.numerical_gradient` of ``to_numpy(f)`` with respect to ``X``.

    Parameters
    ----------
    f, X
        As for :func:`gradient`.
    values : dict, optional
        Values of some symbols by name; the others are drawn from ``rng.standard_normal``.
    rng : numpy.random.Generator, optional
        Needed when a value is missing.
    sizes : dict, optional
        ``{n: 3}`` for symbolic dimensions not fixed by ``values``.
    G : sympy.MatrixExpr, optional
        The gradient to check (default: ``gradient(f, X)``).
    eps : float, default 1e-5
        The finite-difference step.

    Returns
    -------
    float
        The relative error :math:`\lVert a - b\rVert / \max(\lVert a\rVert + \lVert b\rVert, 10^{-12})`
        (around 1e-10 for a correct gradient of a smooth ``f`` in float64).
    """
    f = _validate(f, X)
    G = gradient(f, X) if G is None else sp.sympify(G)
    sizes = _sizes(sizes)
    vals = {}
    for k, v in dict(values or {}).items():
        vals[k.name if isinstance(k, (Symbol, MatrixSymbol)) else str(k)] = np.asarray(
            as_real_array(v, str(k)), dtype=np.float64
        )
    symbols = sorted(f.atoms(MatrixSymbol) | G.atoms(MatrixSymbol), key=lambda s: s.name)
    # Dimensions fixed by the given values.
    for s in symbols:
        if s.name in vals and vals[s.name].ndim == 2:
            for d, n in zip(s.shape, vals[s.name].shape):
                if isinstance(sp.sympify(d), Symbol):
                    sizes.setdefault(d, sp.Integer(n))
    for s in symbols:
        if s.name not in vals:
            if rng is None:
                raise ValueError(f"no value for {s.name}: pass it in values or pass rng to draw it")
            vals[s.name] = rng.standard_normal(_dims(s.shape, sizes))
    fx, gx = to_numpy(f), to_numpy(G)
    analytic = gx(vals)
    x0 = vals[X.name]
    numeric = numerical_gradient(lambda v: fx({**vals, X.name: v}), x0, eps)
    return float(relative_error(analytic, numeric))
