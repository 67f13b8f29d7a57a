r"""The engine behind :mod:`nnbook.symbolic`: a readable normal form for SymPy matrix
expressions and reverse accumulation of the matrix differential.

Nothing here is public API; :mod:`nnbook.symbolic` re-exports what readers use.

Normal form
-----------
An expression is kept as a sum of *terms* ``c · F1 F2 … Fk``: a scalar coefficient ``c``
(free of matrices) times an ordered product of *factors*. A factor is a symbol, a transposed
symbol, ``OneMatrix``, ``Identity``, an element-wise function application ``g(Z)`` (or its
transpose), a Hadamard product or power, an inverse, or a parenthesised sum. Building the
normal form pushes transposes down to those factors (``(AB)ᵀ = BᵀAᵀ``,
``(A + B)ᵀ = Aᵀ + Bᵀ``, ``(A ⊙ B)ᵀ = Aᵀ ⊙ Bᵀ``; ``g(Z)ᵀ`` stays unless ``g(Zᵀ)`` has fewer
transposes), pulls scalar factors to the front (also out of Hadamard products), drops
identity factors and all-ones Hadamard operands, merges like terms, and sorts the terms of a
sum (so equal sums are equal objects). Adjoints are further *collected*: terms sharing a
leftmost or rightmost factor are factored (``AX + AᵀX → (A + Aᵀ)X``) and a common numeric
coefficient is pulled out of a sum.

Reverse accumulation
--------------------
For a scalar ``f = Σ_i c_i tr(M_i)`` the differential is ``df = Σ_i c_i tr(dM_i)``. Every
sub-expression ``N`` of the (canonical) expression tree that contains ``X`` is a node of a
DAG (equal sub-expressions are one node). Each node carries an adjoint ``C_N`` with
``df = Σ_{frontier} tr(C_Nᵀ dN)``; processing nodes parents-first replaces ``tr(C_Nᵀ dN)`` by
terms ``tr(C_childᵀ d child)`` using one differential rule and one trace identity:

==============  ==========================  ==================================
node N          differential                adjoint passed to the child
==============  ==========================  ==================================
A + B           dA + dB                     C (each summand)
c · F1 … Fk     c · F1 … dFi … Fk           c · (F1…F(i−1))ᵀ C (F(i+1)…Fk)ᵀ
Aᵀ              (dA)ᵀ                       Cᵀ
A ⊙ B           dA ⊙ B + A ⊙ dB             C ⊙ B  (resp. C ⊙ A)
A^∘p            p A^∘(p−1) ⊙ dA             p · C ⊙ A^∘(p−1)
g(A)            g'(A) ⊙ dA                  C ⊙ g'(A)
A⁻¹             −A⁻¹ dA A⁻¹                 −A⁻ᵀ C A⁻ᵀ
==============  ==========================  ==================================

When every node is processed the frontier is ``tr(Gᵀ dX)`` and ``G = ∂f/∂X``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp
from sympy import (
    Add,
    Dummy,
    Expr,
    Function,
    HadamardPower,
    HadamardProduct,
    Identity,
    Inverse,
    Lambda,
    MatAdd,
    MatMul,
    MatPow,
    MatrixExpr,
    MatrixSymbol,
    Mul,
    OneMatrix,
    Pow,
    S,
    Trace,
    Transpose,
    ZeroMatrix,
)
from sympy.core.function import FunctionClass
from sympy.core.sorting import default_sort_key
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

#: The bound variable of every canonical element-wise function ``Lambda(_T, body)``.
_T = Dummy("t")


# =====================================================================================
# Named element-wise functions
# =====================================================================================

class NamedFunction(Function):
    """A scalar function with a name, a printed symbol and an elementary definition.

    Subclasses set ``latex_name`` and ``text_name`` and implement ``definition`` (an
    elementary SymPy expression) and ``derivative`` (the derivative, preferably through
    another named function, so that gradients print as ``σ'(Z)`` rather than as a lambda).
    Numbers evaluate through the definition (``sigmoid(0) = 1/2``).
    """

    nargs = 1
    latex_name = ""
    text_name = ""

    @classmethod
    def definition(cls, t):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def derivative(cls, t):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def eval(cls, arg):
        if arg.is_Number:
            return cls.definition(arg)
        return None

    def fdiff(self, argindex=1):
        return type(self).derivative(self.args[0])

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_evalf(self, prec):
        return type(self).definition(self.args[0])._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        s = rf"{self.latex_name}\left({printer._print(self.args[0])}\right)"
        return s if exp is None else rf"{s}^{{{exp}}}"

    def _sympystr(self, printer):
        return f"{self.text_name}({printer._print(self.args[0])})"


class sigmoid(NamedFunction):
    r"""The logistic sigmoid :math:`\sigma(t) = 1/(1 + e^{-t})`; :math:`\sigma' = \sigma(1-\sigma)`."""

    latex_name = r"\sigma"
    text_name = "σ"

    @classmethod
    def definition(cls, t):
        return 1 / (1 + sp.exp(-t))

    @classmethod
    def derivative(cls, t):
        return sigmoid_prime(t)


class sigmoid_prime(NamedFunction):
    r"""The derivative of the sigmoid, :math:`\sigma'(t) = e^{-t}/(1 + e^{-t})^2 = \sigma(t)(1 - \sigma(t))`."""

    latex_name = r"\sigma'"
    text_name = "σ'"

    @classmethod
    def definition(cls, t):
        return sp.exp(-t) / (1 + sp.exp(-t)) ** 2

    @classmethod
    def derivative(cls, t):
        # σ'' = σ(1 − σ)(1 − 2σ) = σ'·(1 − 2σ)
        return sigmoid_prime(t) * (1 - 2 * sigmoid(t))


class tanh_prime(NamedFunction):
    r"""The derivative of tanh, :math:`\tanh'(t) = 1 - \tanh^2(t)`."""

    latex_name = r"\tanh'"
    text_name = "tanh'"

    @classmethod
    def definition(cls, t):
        return 1 - sp.tanh(t) ** 2

    @classmethod
    def derivative(cls, t):
        return -2 * sp.tanh(t) * tanh_prime(t)


class relu(NamedFunction):
    r"""The rectifier :math:`\operatorname{relu}(t) = \max(t, 0)`, written as a ``Piecewise`` whose
    derivative is 0 at the kink (PyTorch's convention, as ``nnbook.activations.relu``)."""

    latex_name = r"\operatorname{relu}"
    text_name = "relu"

    @classmethod
    def definition(cls, t):
        return sp.Piecewise((0, t <= 0), (t, True))

    @classmethod
    def derivative(cls, t):
        return relu_prime(t)


class relu_prime(NamedFunction):
    r"""The derivative of relu: 1 for :math:`t > 0`, 0 for :math:`t \le 0` (also at the kink)."""

    latex_name = r"\operatorname{relu}'"
    text_name = "relu'"

    @classmethod
    def definition(cls, t):
        return sp.Piecewise((0, t <= 0), (1, True))

    @classmethod
    def derivative(cls, t):
        return S.Zero


class softplus(NamedFunction):
    r"""The softplus :math:`\log(1 + e^{t})`, whose derivative is the sigmoid."""

    latex_name = r"\operatorname{softplus}"
    text_name = "softplus"

    @classmethod
    def definition(cls, t):
        return sp.log(1 + sp.exp(t))

    @classmethod
    def derivative(cls, t):
        return sigmoid(t)


NAMED_FUNCTIONS = (sigmoid, sigmoid_prime, tanh_prime, relu, relu_prime, softplus)

# Derivatives of SymPy's own functions that print better through a named function.
_DERIVATIVES = {sp.tanh: tanh_prime}


def _variants():
    t = _T
    return [
        (1 / (1 + sp.exp(-t)), sigmoid),
        (sp.exp(t) / (sp.exp(t) + 1), sigmoid),
        (sp.Piecewise((0, t <= 0), (t, True)), relu),
        (sp.Piecewise((t, t > 0), (0, True)), relu),
        (sp.log(1 + sp.exp(t)), softplus),
        (sp.exp(-t) / (1 + sp.exp(-t)) ** 2, sigmoid_prime),
        (1 - sp.tanh(t) ** 2, tanh_prime),
    ]


_VARIANTS = _variants()


def expand_definitions(expr):
    """Replace every named function by its elementary definition."""
    return expr.replace(
        lambda e: isinstance(e, NamedFunction), lambda e: type(e).definition(e.args[0])
    )


def _recognize(body):
    """The single-argument function class F with ``body == F(_T)``, or None."""
    for pattern, cls in _VARIANTS:
        if body == pattern:
            return cls
    if isinstance(body, sp.Function) and len(body.args) == 1 and body.args[0] == _T:
        F = type(body)
        if isinstance(F, FunctionClass):
            return F
    return None


def scalar_derivative(F):
    """d/dt F(t) for a single-argument function class F, as an expression of ``_T``."""
    if F in _DERIVATIVES:
        return _DERIVATIVES[F](_T)
    if isinstance(F, type) and issubclass(F, NamedFunction):
        return F.derivative(_T)
    return sp.diff(F(_T), _T)


# =====================================================================================
# Special matrix expressions
# =====================================================================================

class Elementwise(ElementwiseApplyFunction):
    """``g(Z)`` applied entry by entry, in canonical form.

    The function is always ``Lambda(_T, body)`` with one shared bound variable, so two
    applications of the same function are equal objects; unlike SymPy's constructor this one
    never rewrites a 1×1 argument (``Z.applyfunc`` turns ``g(z)`` for a 1×1 ``z`` into a
    matrix function or fails for ``Max``/``Piecewise``).
    """

    def __new__(cls, function, expr):
        return MatrixExpr.__new__(cls, function, expr)

    @property
    def body(self):
        return self.function.expr

    @property
    def named(self):
        """The function class F when the body is ``F(t)``, else None."""
        return _recognize(self.body)


def elementwise_of(F, A):
    """Canonical ``F(A)`` for a single-argument function class ``F``."""
    return Elementwise(Lambda(_T, F(_T)), A)


class Differential(MatrixExpr):
    """``dA``: the differential of a matrix expression (printed ``dA``, ``d(A + B)``)."""

    def __new__(cls, expr):
        return MatrixExpr.__new__(cls, expr)

    @property
    def expr(self):
        return self.args[0]

    @property
    def shape(self):
        return self.args[0].shape

    def _is_simple(self):
        e = self.expr
        return isinstance(e, (MatrixSymbol, Elementwise)) or _is_symbolic_atom(e)

    def _latex(self, printer):
        inner = printer._print(self.expr)
        if self._is_simple():
            return r"\mathrm{d}" + inner
        if r"\frac" in inner:
            return r"\mathrm{d}\left(" + inner + r"\right)"
        return r"\mathrm{d}(" + inner + ")"

    def _sympystr(self, printer):
        inner = printer._print(self.expr)
        return "d" + inner if self._is_simple() else "d(" + inner + ")"


class Softmax(MatrixExpr):
    r"""Column-wise softmax: entry :math:`(i, j)` is :math:`e^{Z_{ij}} / \sum_k e^{Z_{kj}}`."""

    def __new__(cls, arg):
        arg = sp.sympify(arg)
        if not isinstance(arg, MatrixExpr):
            raise ValueError(f"softmax needs a matrix expression, got {type(arg).__name__} {arg}")
        return MatrixExpr.__new__(cls, arg)

    @property
    def arg(self):
        return self.args[0]

    @property
    def shape(self):
        return self.args[0].shape

    def _latex(self, printer):
        return r"\operatorname{softmax}(" + printer._print(self.arg) + ")"

    def _sympystr(self, printer):
        return "softmax(" + printer._print(self.arg) + ")"


def _is_symbolic_atom(e):
    return isinstance(e, Transpose) and isinstance(e.arg, MatrixSymbol)


# =====================================================================================
# Normal form
# =====================================================================================

# A term is (coefficient, factors): coefficient a scalar Expr, factors a tuple of MatrixExpr.

def _is_zero(c):
    return c == 0 or c.is_zero is True


def _merge_key(fs):
    """Factors up to the order of Hadamard operands (A ⊙ B and B ⊙ A are like terms)."""
    return tuple(
        (HadamardProduct, tuple(sorted(f.args, key=default_sort_key)))
        if isinstance(f, HadamardProduct) else f
        for f in fs
    )


def combine(terms):
    """Merge like terms (adding coefficients; the first spelling is kept) and drop zeros."""
    acc = {}
    first = {}
    for c, fs in terms:
        k = _merge_key(fs)
        first.setdefault(k, fs)
        acc[k] = acc.get(k, S.Zero) + c
    return [(c, first[k]) for k, c in acc.items() if not _is_zero(c)]


def _product_expr(fs):
    return fs[0] if len(fs) == 1 else MatMul(*fs)


def term_expr(c, fs):
    p = _product_expr(fs)
    if c == 1:
        return p
    if isinstance(p, MatMul):
        return MatMul(c, *p.args)
    return MatMul(c, p)


def build(terms, shape, collect=False):
    """The MatrixExpr of a list of terms (sorted; collected when asked)."""
    terms = combine(terms)
    if not terms:
        return ZeroMatrix(*shape)
    if collect:
        terms = _collect(terms, shape)
    exprs = [term_expr(c, fs) for c, fs in terms]
    if len(exprs) == 1:
        return exprs[0]
    exprs.sort(key=default_sort_key)
    return MatAdd(*exprs)


def _clean_factors(c, fs):
    """Drop identities, merge adjacent all-ones matrices: 1ₐₖ 1ₖᵦ = k 1ₐᵦ."""
    out = []
    for f in fs:
        if out and isinstance(f, OneMatrix) and isinstance(out[-1], OneMatrix):
            prev = out.pop()
            c = c * prev.shape[1]
            f = OneMatrix(prev.shape[0], f.shape[1])
        out.append(f)
    if len(out) > 1:
        kept = [f for f in out if not isinstance(f, Identity)]
        out = kept if kept else out[:1]
    return c, tuple(out)


def multiply(coeff, parts):
    """The product ``coeff · P1 P2 …`` of expressions given as term lists."""
    if any(not p for p in parts):
        return []
    if len(parts) == 1 and len(parts[0]) > 1:
        return combine([(coeff * c, fs) for c, fs in parts[0]])
    c = coeff
    fs = []
    for p in parts:
        if len(p) == 1:
            c = c * p[0][0]
            fs.extend(p[0][1])
        else:
            g, inner = _pull_coefficient(p)
            c = c * g
            fs.append(_sum_factor(inner))
    if not _PUSH_ALL[0]:
        fs = [_whole_transposed_sum(f) if isinstance(f, (MatAdd, HadamardProduct)) else f for f in fs]
    c, fs = _clean_factors(c, fs)
    if _is_zero(c):
        return []
    if len(fs) == 1 and isinstance(fs[0], MatAdd):
        return scale(c, terms_of(fs[0]))  # a lone sum is distributed: c·(A + B) = cA + cB
    if len(fs) == 1 and isinstance(fs[0], Transpose) and isinstance(fs[0].arg, MatAdd):
        return scale(c, transpose_terms(terms_of(fs[0].arg)))
    return [(c, fs)]


def _whole_transposed_sum(f):
    """A sum (or Hadamard) factor written as ``Sᵀ`` when ``S`` has fewer transposes
    (``σ(Z)ᵀ − yᵀ`` → ``(σ(Z) − y)ᵀ``, ``wᵀ ⊙ zᵀ`` → ``(w ⊙ z)ᵀ``)."""
    if not _count_transposes(f):
        return f
    old, _PUSH_ALL[0] = _PUSH_ALL[0], True  # fᵀ fully pushed (this never comes back here)
    try:
        St = build(transpose_terms(terms_of(f)), (f.shape[1], f.shape[0]))
    finally:
        _PUSH_ALL[0] = old
    if not isinstance(St, type(f)) or _count_transposes(St) >= _count_transposes(f):
        return f
    St = normal_form(St)  # the canonical spelling of the (smaller) transposed expression
    if f.shape == (1, 1):  # a 1×1 expression equals its transpose
        return St
    if 1 + _count_transposes(St) < _count_transposes(f):
        return Transpose(St)
    return f


def _sum_factor(terms):
    shape = _terms_shape(terms)
    return build(terms, shape)


def _terms_shape(terms):
    c, fs = terms[0]
    return (fs[0].shape[0], fs[-1].shape[1])


def scale(c, terms):
    return combine([(c * ci, fs) for ci, fs in terms])


def add(*term_lists):
    out = []
    for t in term_lists:
        out.extend(t)
    return combine(out)


#: When true, transposes are pushed all the way down to symbols (the final form of a
#: gradient); otherwise a transposed sum stays whole when that needs fewer transposes
#: (``(σ(Z) − y)ᵀ`` rather than ``σ(Z)ᵀ − yᵀ``), which keeps shared sub-expressions shared.
_PUSH_ALL = [False]


def terms_of(E):
    """The normal form of a matrix expression, as a list of terms."""
    return list(_terms_cached(sp.sympify(E), _PUSH_ALL[0]))


@lru_cache(maxsize=8192)
def _terms_cached(E, push_all):
    return tuple(_terms_of(E))


def fully_pushed(E, collect=True):
    """E with every transpose pushed down to symbols and element-wise functions."""
    old, _PUSH_ALL[0] = _PUSH_ALL[0], True
    try:
        return build(terms_of(E), E.shape, collect=collect)
    finally:
        _PUSH_ALL[0] = old


def _fewer_transposes(whole, pushed_terms, shape):
    """Transpose(whole) or the pushed terms, whichever has fewer transposes (ties: pushed)."""
    if _PUSH_ALL[0]:
        return pushed_terms
    pushed = build(pushed_terms, shape)
    if 1 + _count_transposes(whole) < _count_transposes(pushed):
        return [(S.One, (Transpose(whole),))]
    return pushed_terms


def _terms_of(E):
    if isinstance(E, ZeroMatrix):
        return []
    if isinstance(E, (MatrixSymbol, OneMatrix, Identity, Differential)):
        return [(S.One, (E,))]
    if isinstance(E, ElementwiseApplyFunction):
        return _elementwise_terms(E)
    if isinstance(E, MatAdd):
        return add(*(terms_of(a) for a in E.args))
    if isinstance(E, MatMul):
        c, ms = E.as_coeff_matrices()
        return multiply(c, [terms_of(m) for m in ms])
    if isinstance(E, Transpose):
        return transpose_terms(terms_of(E.arg))
    if isinstance(E, HadamardProduct):
        return hadamard([terms_of(a) for a in E.args], E.shape)
    if isinstance(E, HadamardPower):
        return hadamard_power(terms_of(E.base), E.exp, E.shape)
    if isinstance(E, MatPow):
        return _matpow_terms(E)
    if isinstance(E, Inverse):
        return inverse_terms(terms_of(E.arg), E.shape)
    if isinstance(E, Softmax):
        return [(S.One, (Softmax(build(terms_of(E.arg), E.shape)),))]
    if isinstance(E, MatrixExpr):
        return [(S.One, (E,))]  # an opaque factor: a constant, or rejected by the engine
    raise ValueError(f"expected a matrix expression, got {type(E).__name__} {E}")


def normal_form(E, collect=False):
    """The readable normal form of a matrix expression (a MatrixExpr)."""
    E = sp.sympify(E)
    return build(terms_of(E), E.shape, collect=collect)


# ---- transposes ---------------------------------------------------------------------

def _count_transposes(e):
    return sum(1 for n in sp.preorder_traversal(e) if isinstance(n, Transpose))


def transpose_factor(f):
    """Terms of ``fᵀ`` for one normal-form factor ``f``."""
    if f.shape == (1, 1) and not isinstance(f, (MatAdd, MatMul)):
        return [(S.One, (f,))]  # a 1×1 matrix is its own transpose
    if isinstance(f, Transpose):
        return terms_of(f.arg)
    if isinstance(f, OneMatrix):
        return [(S.One, (OneMatrix(f.shape[1], f.shape[0]),))]
    if isinstance(f, (Identity, ZeroMatrix)):
        return [(S.One, (f,))]
    if isinstance(f, MatAdd):
        return _fewer_transposes(f, transpose_terms(terms_of(f)), (f.shape[1], f.shape[0]))
    if isinstance(f, MatMul):
        return transpose_terms(terms_of(f))
    if isinstance(f, HadamardProduct):
        return hadamard([transpose_terms(terms_of(a)) for a in f.args], (f.shape[1], f.shape[0]))
    if isinstance(f, HadamardPower):
        return hadamard_power(transpose_terms(terms_of(f.base)), f.exp, (f.shape[1], f.shape[0]))
    if isinstance(f, Inverse):
        inner = build(transpose_terms(terms_of(f.arg)), (f.shape[1], f.shape[0]))
        return [(S.One, (Inverse(inner),))]
    if isinstance(f, Elementwise):
        A = f.expr
        At = build(transpose_terms(terms_of(A)), (A.shape[1], A.shape[0]))
        if _count_transposes(At) < _count_transposes(A):
            return [(S.One, (Elementwise(f.function, At),))]
        return [(S.One, (Transpose(f),))]
    return [(S.One, (Transpose(f),))]


def transpose_terms(terms):
    out = []
    for c, fs in terms:
        out.extend(multiply(c, [transpose_factor(f) for f in reversed(fs)]))
    return combine(out)


# ---- Hadamard products and powers ------------------------------------------------------

def _is_ones(op, shape):
    if isinstance(op, OneMatrix):
        return True
    return shape == (1, 1) and isinstance(op, Identity)


def hadamard(parts, shape):
    """Terms of ``P1 ⊙ P2 ⊙ …`` for operands given as term lists."""
    coeff = S.One
    ops = []
    for p in parts:
        if not p:
            return []
        if len(p) == 1:
            c, fs = p[0]
            coeff = coeff * c
            op = _product_expr(fs)
            if isinstance(op, HadamardProduct):
                ops.extend(op.args)
            else:
                ops.append(op)
        else:
            g, inner = _pull_coefficient(p)
            coeff = coeff * g
            ops.append(build(inner, shape))
    ops = [op for op in ops if not _is_ones(op, shape)]
    # A ⊙ A = A^∘2, A^∘p ⊙ A = A^∘(p+1)
    merged = []
    for op in ops:
        base, e = (op.base, op.exp) if isinstance(op, HadamardPower) else (op, S.One)
        for i, m in enumerate(merged):
            mb, me = (m.base, m.exp) if isinstance(m, HadamardPower) else (m, S.One)
            if mb == base:
                merged[i] = HadamardPower(base, me + e)
                break
        else:
            merged.append(op)
    if not merged:
        return [(coeff, (OneMatrix(*shape),))]
    if len(merged) == 1:
        return scale(coeff, terms_of(merged[0]))
    return [(coeff, (HadamardProduct(*merged),))]


def hadamard_power(base_terms, p, shape):
    p = sp.sympify(p)
    if p == 0:
        return [(S.One, (OneMatrix(*shape),))]
    if not base_terms:
        return []
    if p == 1:
        return base_terms
    if len(base_terms) == 1:
        c, fs = base_terms[0]
        op = _product_expr(fs)
        if isinstance(op, OneMatrix):
            return [(c ** p, (op,))]
        if isinstance(op, HadamardPower):
            return scale(c ** p, hadamard_power(terms_of(op.base), op.exp * p, shape))
        return [(c ** p, (HadamardPower(op, p),))]
    return [(S.One, (HadamardPower(build(base_terms, shape), p),))]


# ---- powers and inverses ---------------------------------------------------------------

def _matpow_terms(E):
    base, p = E.base, E.exp
    if base.shape == (1, 1):
        return hadamard_power(terms_of(base), p, (1, 1))
    if p.is_Integer and p > 0:
        return multiply(S.One, [terms_of(base)] * int(p))
    if p.is_Integer and p < 0:
        inv = inverse_terms(terms_of(base), base.shape)
        return multiply(S.One, [inv] * int(-p))
    if p == 0:
        return [(S.One, (Identity(base.shape[0]),))]
    return [(S.One, (E,))]  # opaque: rejected by the engine if it holds X


def inverse_terms(terms, shape):
    if not terms:
        raise ValueError("the inverse of a zero matrix does not exist")
    if len(terms) == 1:
        c, fs = terms[0]
        if len(fs) == 1:
            f = fs[0]
            if isinstance(f, Identity):
                return [(1 / c, (f,))]
            if isinstance(f, Inverse):
                return scale(1 / c, terms_of(f.arg))
            return [(1 / c, (Inverse(f),))]
        # (c A B)⁻¹ = c⁻¹ B⁻¹ A⁻¹ holds only for square factors; keep it whole otherwise.
        return [(1 / c, (Inverse(_product_expr(fs)),))]
    return [(S.One, (Inverse(build(terms, shape)),))]


# ---- element-wise functions ------------------------------------------------------------

def canonical_lambda(function):
    """``Lambda(_T, body)`` for a Lambda of one variable or a single-argument function class."""
    if isinstance(function, Lambda):
        if len(function.variables) != 1:
            raise ValueError(
                f"element-wise functions take one argument, got {function} with "
                f"{len(function.variables)} variables"
            )
        return Lambda(_T, function.expr.xreplace({function.variables[0]: _T}))
    if isinstance(function, FunctionClass):
        return Lambda(_T, function(_T))
    raise ValueError(f"expected a SymPy Lambda or function class, got {type(function).__name__} {function}")


def _elementwise_terms(E):
    fn = canonical_lambda(E.function)
    A = build(terms_of(E.expr), E.expr.shape)
    return scalar_to_terms(fn.expr, A)


def scalar_to_terms(body, A):
    """Terms of the element-wise application of ``t ↦ body`` to ``A``, decomposed into
    named functions, Hadamard products and powers where the body allows it."""
    shape = A.shape
    if body == _T:
        return terms_of(A)
    if not body.has(_T):
        return [(body, (OneMatrix(*shape),))]
    F = _recognize(body)
    if F is not None:
        return _apply_terms(Lambda(_T, F(_T)), A)
    if isinstance(body, Add):
        return add(*(scalar_to_terms(a, A) for a in body.args))
    if isinstance(body, Mul):
        const = Mul(*[a for a in body.args if not a.has(_T)])
        rest = [a for a in body.args if a.has(_T)]
        return scale(const, hadamard([scalar_to_terms(a, A) for a in rest], shape))
    if isinstance(body, Pow) and not body.exp.has(_T):
        return hadamard_power(scalar_to_terms(body.base, A), body.exp, shape)
    if (isinstance(body, sp.Function) and len(body.args) == 1
            and isinstance(type(body), FunctionClass)):
        inner = build(scalar_to_terms(body.args[0], A), shape)
        return _apply_terms(Lambda(_T, type(body)(_T)), inner)
    return _apply_terms(Lambda(_T, body), A)


def _apply_terms(fn, A):
    """``g(A)``, or ``g(Aᵀ)ᵀ`` when that needs fewer transposes (``σ(Zᵀ)`` → ``σ(Z)ᵀ``)."""
    if _count_transposes(A):
        At = build(transpose_terms(terms_of(A)), (A.shape[1], A.shape[0]))
        if _count_transposes(At) < _count_transposes(A):
            if A.shape == (1, 1):  # g(a) = g(aᵀ) for a 1×1 argument
                return [(S.One, (Elementwise(fn, At),))]
            return [(S.One, (Transpose(Elementwise(fn, At)),))]
    return [(S.One, (Elementwise(fn, A),))]


def elementwise_derivative(E):
    """Terms of ``g'(A)`` for a canonical ``E = g(A)``."""
    body = E.body
    F = _recognize(body)
    dbody = scalar_derivative(F) if F is not None else sp.diff(body, _T)
    return scalar_to_terms(dbody, E.expr)


# =====================================================================================
# Collecting like terms (adjoints only)
# =====================================================================================

def _collect(terms, shape):
    terms = combine(terms)
    if len(terms) < 2:
        return terms
    best = None  # (size, side, factor)
    for side in ("right", "left"):
        groups = defaultdict(list)
        for i, (c, fs) in enumerate(terms):
            if len(fs) >= 2:
                groups[fs[-1] if side == "right" else fs[0]].append(i)
        for f, idx in groups.items():
            if len(idx) >= 2 and (best is None or len(idx) > best[0]):
                best = (len(idx), side, f, idx)
    if best is None:
        return _common_coefficient(terms)
    _, side, f, idx = best
    inner = [(terms[i][0], terms[i][1][:-1] if side == "right" else terms[i][1][1:]) for i in idx]
    inner_shape = (shape[0], f.shape[0]) if side == "right" else (f.shape[1], shape[1])
    inner = _collect(inner, inner_shape)
    rest = [t for i, t in enumerate(terms) if i not in idx]
    if len(inner) == 1:
        c, fs = inner[0]
        new = (c, fs + (f,)) if side == "right" else (c, (f,) + fs)
    else:
        c, inner = _pull_coefficient(inner)
        s = build(inner, inner_shape)
        new = (c, (s, f)) if side == "right" else (c, (f, s))
    return _collect(rest + [new], shape) if rest else [new]


def _pull_coefficient(terms):
    """(g, terms/g): g is the common content of the coefficients — the gcd of their rational
    parts times the factors they all share (``1/m``), negative when every coefficient is."""
    coeffs = [sp.sympify(c) for c, _ in terms]
    nums, rests = zip(*(c.as_coeff_Mul() for c in coeffs))
    g = abs(nums[0])
    for n in nums[1:]:
        g = sp.gcd(g, n)
    common = None
    for r in rests:
        counts = {}
        for f in Mul.make_args(r):
            counts[f] = counts.get(f, 0) + 1
        if common is None:
            common = counts
        else:
            common = {f: min(k, counts[f]) for f, k in common.items() if f in counts}
    g = g * Mul(*[f ** k for f, k in (common or {}).items()])
    if all(n < 0 for n in nums):
        g = -g
    if g == 1 or g == 0:
        return S.One, terms
    return g, [(c / g, fs) for c, fs in terms]


def _common_coefficient(terms):
    if len(terms) < 2:
        return terms
    g, inner = _pull_coefficient(terms)
    if g == 1:
        return terms
    shape = _terms_shape(inner)
    return [(g, (build(inner, shape),))]


# =====================================================================================
# Reverse accumulation
# =====================================================================================

_SUPPORTED = (
    "MatrixSymbol, OneMatrix, Identity, ZeroMatrix, sums, products with scalar "
    "coefficients, Transpose, HadamardProduct, HadamardPower, element-wise functions "
    "(ElementwiseApplyFunction), Inverse, integer MatPow and Trace"
)


def unsupported(node, why):
    return NotImplementedError(
        f"{type(node).__name__} node {node} is not supported because {why} "
        f"(the grammar of nnbook.symbolic: {_SUPPORTED})"
    )


@dataclass
class Event:
    """One processed node: its adjoint and the frontier before and after."""

    node: MatrixExpr
    kind: str
    adjoint: MatrixExpr
    before: list  # [(node, adjoint)] other frontier entries, in order
    after: list   # [(node, adjoint)] frontier after processing
    merged: bool = False  # a child already had an adjoint (like terms collected)


@dataclass
class Root:
    coeff: Expr
    matrix: MatrixExpr
    atom: Expr  # the Trace / MatrixElement of f (or f itself when f is 1×1)


@dataclass
class Result:
    gradient: MatrixExpr
    roots: list
    scalar: Expr  # f with every root replaced: the scalar skeleton g(t1, …)
    events: list = field(default_factory=list)
    start: list = field(default_factory=list)


def _scalar_atoms(f, X):
    """Top-level Trace / 1×1 MatrixElement atoms of a scalar expression."""
    found = []

    def walk(e):
        if isinstance(e, Trace):
            found.append(e)
            return
        if isinstance(e, MatrixElement):
            if e.parent.shape == (1, 1):
                found.append(e)
                return
            if e.has(X):
                raise unsupported(
                    e, "an entry of a matrix expression is outside the grammar; write f "
                       "with traces or 1×1 products"
                )
            return
        if isinstance(e, MatrixExpr):
            return
        if not e.has(X):
            return
        if not e.args:
            return
        if not isinstance(e, (Add, Mul, Pow, sp.Function)):
            raise unsupported(e, "this scalar operation has no rule in nnbook.symbolic")
        for a in e.args:
            walk(a)

    walk(f)
    return list(dict.fromkeys(found))


def _roots(f, X):
    if isinstance(f, MatrixExpr):
        c, M = _split_coefficient(normal_form(f))
        if not c.has(X):
            return [Root(c, M, f)], sp.Symbol("u0")
        f = c * Trace(M)  # a scalar factor holding X: the scalar chain rule handles it
    atoms = _scalar_atoms(f, X)
    for a in atoms:
        c, M = _split_coefficient(normal_form(a.arg if isinstance(a, Trace) else a.parent))
        if c.has(X):  # tr(c(X)·M) = c(X)·tr(M)
            return _roots(f.xreplace({a: c * Trace(M)}), X)
    dummies = [Dummy(f"u{i}") for i in range(len(atoms))]
    g = f.xreplace(dict(zip(atoms, dummies)))
    if g.has(X):
        culprit = next(
            n for n in sp.postorder_traversal(g) if n.has(X) and not isinstance(n, MatrixSymbol)
        )
        raise unsupported(culprit, "X enters f outside a trace or a 1×1 product")
    roots = []
    back = dict(zip(dummies, atoms))
    for a, u in zip(atoms, dummies):
        if not a.has(X):
            continue
        c = sp.diff(g, u).xreplace(back)  # df = Σ ∂g/∂t_i · tr(dM_i): c may depend on X
        M = a.arg if isinstance(a, Trace) else a.parent
        c2, M = _split_coefficient(normal_form(M))
        roots.append(Root(c * c2, M, a))
    merged = {}
    for r in roots:  # equal matrices under different atoms: one root
        if r.matrix in merged:
            merged[r.matrix].coeff += r.coeff
        else:
            merged[r.matrix] = r
    return list(merged.values()), g


def _split_coefficient(M):
    if isinstance(M, MatMul):
        c, ms = M.as_coeff_matrices()
        if c != 1:
            return c, (ms[0] if len(ms) == 1 else MatMul(*ms))
    return S.One, M


def _children(N, X):
    """(child, rule) pairs of a node holding X; raises for unsupported nodes."""
    if isinstance(N, MatAdd):
        return [a for a in N.args if a.has(X)]
    if isinstance(N, MatMul):
        c, ms = N.as_coeff_matrices()
        if c.has(X):
            raise unsupported(N, f"its scalar factor {c} depends on X")
        return [m for m in ms if m.has(X)]
    if isinstance(N, Transpose):
        return [N.arg]
    if isinstance(N, HadamardProduct):
        return [a for a in N.args if a.has(X)]
    if isinstance(N, HadamardPower):
        if N.exp.has(X):
            raise unsupported(N, "its exponent depends on X")
        return [N.base]
    if isinstance(N, Elementwise):
        return [N.expr]
    if isinstance(N, Inverse):
        return [N.arg]
    if isinstance(N, MatPow):
        raise unsupported(N, "matrix powers are supported only with integer exponents "
                             "(or for 1×1 matrices)")
    if isinstance(N, Softmax):
        raise unsupported(N, "softmax couples the entries of a column, so it is not an "
                             "element-wise function; see softmax_cross_entropy_derivation()")
    if isinstance(N, (MatrixSymbol,)):
        return []
    raise unsupported(N, "there is no differential rule for it in nnbook.symbolic")


def _product_terms(ms):
    return multiply(S.One, [terms_of(m) for m in ms])


def _rule(N, C, X):
    """[(child, terms of the child's adjoint contribution)] for node N with adjoint C."""
    Ct = terms_of(C)
    out = []
    if isinstance(N, MatAdd):
        for a in N.args:
            if a.has(X):
                out.append((a, Ct))
    elif isinstance(N, MatMul):
        c, ms = N.as_coeff_matrices()
        for i, m in enumerate(ms):
            if not m.has(X):
                continue
            left = [transpose_terms(_product_terms(ms[:i]))] if i > 0 else []
            right = [transpose_terms(_product_terms(ms[i + 1:]))] if i + 1 < len(ms) else []
            out.append((m, multiply(c, left + [Ct] + right)))
    elif isinstance(N, Transpose):
        out.append((N.arg, transpose_terms(Ct)))
    elif isinstance(N, HadamardProduct):
        for i, a in enumerate(N.args):
            if a.has(X):
                others = [terms_of(b) for j, b in enumerate(N.args) if j != i]
                out.append((a, hadamard([Ct] + others, N.shape)))
    elif isinstance(N, HadamardPower):
        p = N.exp
        out.append((N.base, scale(p, hadamard([Ct, hadamard_power(terms_of(N.base), p - 1, N.shape)], N.shape))))
    elif isinstance(N, Elementwise):
        out.append((N.expr, hadamard([Ct, elementwise_derivative(N)], N.shape)))
    elif isinstance(N, Inverse):
        NT = transpose_terms(terms_of(N))
        out.append((N.arg, multiply(S.NegativeOne, [NT, Ct, NT])))
    return out


KINDS = {
    MatAdd: "sum",
    MatMul: "product",
    Transpose: "transpose",
    HadamardProduct: "hadamard",
    HadamardPower: "power",
    Elementwise: "elementwise",
    Inverse: "inverse",
}


def backprop(f, X, record=False):
    """Reverse accumulation of ``df`` for a validated scalar ``f`` and symbol ``X``."""
    roots, g = _roots(f, X)
    adj = defaultdict(list)
    order_roots = []
    for r in roots:
        if not r.matrix.has(X):
            continue
        n = r.matrix.shape[0]
        adj[r.matrix].extend(scale(r.coeff, [(S.One, (Identity(n),))]))
        order_roots.append(r.matrix)

    # Topological order (parents before children) of the nodes holding X.
    children = {}
    post = []
    visited = set()
    for root in order_roots:
        if root in visited:
            continue
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                post.append(node)
                continue
            if node in visited:
                continue
            visited.add(node)
            if node == X:
                kids = []
            else:
                kids = _children(node, X)
            children[node] = kids
            stack.append((node, True))
            for k in reversed(kids):
                if k not in visited:
                    stack.append((k, False))
    order = list(reversed(post))
    position = {n: i for i, n in enumerate(order)}

    processed = set()

    def frontier(exclude=None):
        items = [(n, build(adj[n], n.shape, collect=True)) for n in order
                 if adj.get(n) and n is not exclude and n not in processed]
        items.sort(key=lambda it: position[it[0]])
        return items

    events = []
    start = frontier() if record else []
    for node in order:
        if node == X:
            continue
        C = build(adj[node], node.shape, collect=True)
        before = frontier(exclude=node) if record else []
        contributions = _rule(node, C, X)
        merged = False
        for child, t in contributions:
            if adj.get(child):
                merged = True
            adj[child].extend(t)
        processed.add(node)
        if record:
            events.append(Event(node, KINDS.get(type(node), "node"), C, before, frontier(), merged))
    G = fully_pushed(build(adj[X], X.shape, collect=True))
    return Result(G, roots, g, events, start)
