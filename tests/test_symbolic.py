"""Tests of nnbook.symbolic: every gradient is compared three ways — with the readable form the
contract promises (structurally), entry by entry with sympy.diff on explicit small matrices
(assert_same), and numerically with centered differences at random points."""
import random

import numpy as np
import pytest
import sympy as sp
from sympy import (
    Determinant,
    HadamardPower,
    HadamardProduct,
    Identity,
    KroneckerProduct,
    Lambda,
    MatAdd,
    MatMul,
    MatrixSymbol,
    OneMatrix,
    Rational,
    Symbol,
    Trace,
    Transpose,
    exp,
)

import nnbook.symbolic as sym
from nnbook.symbolic import (
    Derivation,
    Rule,
    assert_same,
    check_numerically,
    derivation,
    elementwise,
    entrywise_gradient,
    explicit,
    gradient,
    normalize,
    same_form,
    softmax_cross_entropy_derivation,
    to_numpy,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

t = Symbol("t")
TOL = 1e-7  # the book's bar for an analytic gradient against centered differences

# Element-wise functions as a reader writes them, and the named derivative they must print as.
SIGMOID = Lambda(t, 1 / (1 + exp(-t)))
TANH = Lambda(t, sp.tanh(t))
RELU = Lambda(t, sp.Piecewise((0, t <= 0), (t, True)))  # = nnbook.activations.relu.expr
SOFTPLUS = Lambda(t, sp.log(1 + exp(t)))
ACTIVATIONS = {
    "sigmoid": (SIGMOID, sym.sigmoid, sym.sigmoid_prime),
    "tanh": (TANH, sp.tanh, sym.tanh_prime),
    "relu": (RELU, sym.relu, sym.relu_prime),
    "softplus": (SOFTPLUS, sym.softplus, sym.sigmoid),
}


def g(F, Z):
    """The canonical element-wise application, for writing expected results."""
    return elementwise(F, Z)


def no_compound_transpose(G):
    """Every Transpose in G is applied to a symbol or an element-wise function application."""
    return all(
        isinstance(n.arg, (MatrixSymbol, ElementwiseApplyFunction))
        for n in sp.preorder_traversal(G)
        if isinstance(n, Transpose)
    )


def check_all(f, X, expected=None, sizes=None, values=None, seed=0):
    """gradient(f, X): readable form, entry-wise equality with sympy.diff, numerical agreement."""
    G = gradient(f, X)
    assert G.shape == X.shape
    if expected is not None:
        assert same_form(G, expected), f"got {sym.text(G)}, expected {sym.text(expected)}"
    assert no_compound_transpose(G), sym.text(G)
    assert_same(G, f, X, sizes=sizes)
    err = check_numerically(f, X, values=values, rng=np.random.default_rng(seed), sizes=sizes, G=G)
    assert err < TOL, (sym.text(G), err)
    return G


# --------------------------------------------------------------------------------------
# The contract's upstream-gradient form: delta^[l] from delta^[l+1] = D
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "softplus"])
def test_upstream_gradient_form(name):
    lam, F, dF = ACTIVATIONS[name]
    Z = MatrixSymbol("Z", 3, 2)  # n_l = 3 units, m = 2 samples
    W = MatrixSymbol("W", 2, 3)
    b = MatrixSymbol("b", 2, 1)
    D = MatrixSymbol("D", 2, 2)  # delta^[l+1]
    f = Trace(D.T * (W * Z.applyfunc(lam) + b * OneMatrix(1, 2)))
    expected = HadamardProduct(W.T * D, g(dF, Z))
    G = check_all(f, Z, expected)
    assert G == expected  # exactly the contract's form, operand order included


def test_upstream_gradient_with_symbolic_batch_size():
    m = Symbol("m", integer=True, positive=True)
    Z, W, b, D = (MatrixSymbol("Z", 3, m), MatrixSymbol("W", 2, 3),
                  MatrixSymbol("b", 2, 1), MatrixSymbol("D", 2, m))
    f = Trace(D.T * (W * Z.applyfunc(SIGMOID) + b * OneMatrix(1, m)))
    assert gradient(f, Z) == HadamardProduct(W.T * D, g(sym.sigmoid_prime, Z))
    check_all(f, Z, sizes={m: 2})
    # The bias gradient sums the upstream gradient over the batch: D 1_m.
    check_all(f, b, D * OneMatrix(m, 1), sizes={m: 3})
    check_all(f, W, D * g(sym.sigmoid, Z).T, sizes={m: 2})


# --------------------------------------------------------------------------------------
# Matrix Cookbook identities
# --------------------------------------------------------------------------------------

A23, X32 = MatrixSymbol("A", 2, 3), MatrixSymbol("X", 3, 2)
A3, X3, B3 = MatrixSymbol("A", 3, 3), MatrixSymbol("X", 3, 3), MatrixSymbol("B", 3, 3)
A2, X2 = MatrixSymbol("A", 2, 2), MatrixSymbol("X", 2, 2)
x3, a3 = MatrixSymbol("x", 3, 1), MatrixSymbol("a", 3, 1)
b2 = MatrixSymbol("b", 2, 1)
A32, B32 = MatrixSymbol("A", 3, 2), MatrixSymbol("B", 3, 2)


COOKBOOK = {
    "tr(AX) = A^T": (Trace(A23 * X32), X32, A23.T),
    "tr(X^T A) = A": (Trace(X32.T * MatrixSymbol("A", 3, 2)), X32, MatrixSymbol("A", 3, 2)),
    "tr(X) = I": (Trace(X3), X3, Identity(3)),
    "x^T A x = (A + A^T) x": (x3.T * A3 * x3, x3, (A3 + A3.T) * x3),
    "a^T X b = a b^T": (a3.T * X32 * b2, X32, a3 * b2.T),
    "||AX - B||^2 = 2 A^T (AX - B)": (Trace((A32 * X2 - B32).T * (A32 * X2 - B32)), X2,
                                      2 * A32.T * (A32 * X2 - B32)),
    "tr(X A X^T B) = B^T X A^T + B X A": (Trace(X3 * A3 * X3.T * B3), X3,
                                          B3.T * X3 * A3.T + B3 * X3 * A3),
    "tr(X^2) = 2 X^T": (Trace(X3 * X3), X3, 2 * X3.T),
    "tr(X^-1 A) = -X^-T A^T X^-T": (Trace(X2.inv() * A2), X2,
                                     -X2.T.inv() * A2.T * X2.T.inv()),
    "x^T x = 2x": (x3.T * x3, x3, 2 * x3),
    "tr(A X^T) = A": (Trace(A32 * X32.T), X32, A32),
}


@pytest.mark.parametrize("name", list(COOKBOOK))
def test_cookbook_identity(name):
    f, X, expected = COOKBOOK[name]
    values = None
    if "X^-1" in name:  # a well-conditioned point for the inverse
        values = {"X": np.array([[2.0, 0.3], [-0.4, 1.5]])}
    check_all(f, X, expected, values=values)


def test_quadratic_form_prints_collected():
    G = gradient(x3.T * A3 * x3, x3)
    assert sym.text(G) == "(A + Aᵀ) x"
    assert sym.latex(G) == r"\left(A + A^{\top}\right) x"


def test_scalar_functions_and_combinations_of_traces():
    lam = Symbol("lambda", positive=True)
    f = Rational(1, 2) * Trace(X3.T * X3) + lam * Trace(A3 * X3)
    G = check_all(f, X3, X3 + lam * A3.T, values={"lambda": 0.7})
    assert G.shape == (3, 3)
    # A scalar factor that depends on X, outside or inside the trace.
    check_all(x3.T * (Trace(X3) * A3) * x3, X3)
    check_all(Trace(Trace(X3) * A3 * X3), X3)
    # A nonlinear function of a trace: d log tr(M) = tr(dM) / tr(M).
    f = sp.log(Trace(A3 * X3 * X3.T)) + Trace(X3) ** 2
    values = {"A": np.eye(3) * 2 + 0.1, "X": np.eye(3) + 0.2}
    check_all(f, X3, values=values)


# --------------------------------------------------------------------------------------
# Network losses: one and two layers, every weight and bias
# --------------------------------------------------------------------------------------

W, b, x, y = MatrixSymbol("W", 2, 3), MatrixSymbol("b", 2, 1), MatrixSymbol("x", 3, 1), MatrixSymbol("y", 2, 1)


def test_linear_least_squares_readable_form():
    r = W * x + b - y
    f = Rational(1, 2) * r.T * r
    G = check_all(f, W, (W * x + b - y) * x.T)
    assert G == MatMul(W * x + b - y, x.T)
    assert sym.text(G) == "(W x + b - y) xᵀ"
    assert sym.latex(G) == r"\left(W x + b - y\right) x^{\top}"
    check_all(f, b, W * x + b - y)
    check_all(f, x, W.T * (W * x + b - y))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "softplus"])
def test_one_layer_mse(name):
    lam, F, dF = ACTIVATIONS[name]
    a = (W * x + b).applyfunc(lam)
    f = Rational(1, 2) * (a - y).T * (a - y)
    Z = W * x + b
    delta = HadamardProduct(g(F, Z) - y, g(dF, Z))
    GW = check_all(f, W, delta * x.T, seed=1)
    check_all(f, b, delta, seed=2)
    check_all(f, x, W.T * delta, seed=3)
    prime = {"sigmoid": "σ'", "tanh": "tanh'", "relu": "relu'", "softplus": "σ"}[name]
    assert f"⊙ {prime}(W x + b)) xᵀ" in sym.text(GW)


def test_one_layer_contract_example():
    a = (W * x + b).applyfunc(SIGMOID)
    G = gradient(Rational(1, 2) * (a - y).T * (a - y), W)
    assert sym.text(G) == "((σ(W x + b) - y) ⊙ σ'(W x + b)) xᵀ"
    assert sym.latex(G) == (
        r"\left(\left(\sigma(W x + b) - y\right) \odot \sigma'(W x + b)\right) x^{\top}"
    )


W1, b1 = MatrixSymbol("W1", 3, 2), MatrixSymbol("b1", 3, 1)
W2, b2_ = MatrixSymbol("W2", 2, 3), MatrixSymbol("b2", 2, 1)
x2, y2 = MatrixSymbol("x", 2, 1), MatrixSymbol("y", 2, 1)


@pytest.mark.parametrize("first, second", [("sigmoid", "sigmoid"), ("tanh", "sigmoid"), ("sigmoid", "tanh")])
def test_two_layer_mse(first, second):
    lam1, F1, dF1 = ACTIVATIONS[first]
    lam2, F2, dF2 = ACTIVATIONS[second]
    Z1 = W1 * x2 + b1
    A1 = Z1.applyfunc(lam1)
    Z2 = W2 * g(F1, Z1) + b2_
    A2 = (W2 * A1 + b2_).applyfunc(lam2)
    f = Rational(1, 2) * (A2 - y2).T * (A2 - y2)
    delta2 = HadamardProduct(g(F2, Z2) - y2, g(dF2, Z2))
    delta1 = HadamardProduct(W2.T * delta2, g(dF1, Z1))
    check_all(f, W2, delta2 * g(F1, Z1).T, seed=4)
    check_all(f, b2_, delta2, seed=5)
    check_all(f, W1, delta1 * x2.T, seed=6)
    check_all(f, b1, delta1, seed=7)


def test_batch_mse_with_ones_and_mean():
    m = Symbol("m", integer=True, positive=True)
    Wb, bb = MatrixSymbol("W", 2, 3), MatrixSymbol("b", 2, 1)
    Xb, Yb = MatrixSymbol("X", 3, m), MatrixSymbol("Y", 2, m)
    Z = Wb * Xb + bb * OneMatrix(1, m)
    R = Z.applyfunc(SIGMOID) - Yb
    J = Trace(R.T * R) / (2 * m)
    delta = HadamardProduct(g(sym.sigmoid, Z) - Yb, g(sym.sigmoid_prime, Z)) / m
    GW = check_all(J, Wb, delta * Xb.T, sizes={m: 3})
    Gb = check_all(J, bb, delta * OneMatrix(m, 1), sizes={m: 3})
    assert sym.text(GW) == "(1/m) ((σ(W X + b 1_mᵀ) - Y) ⊙ σ'(W X + b 1_mᵀ)) Xᵀ"
    assert sym.text(Gb).endswith(") 1_m")
    # The mean's 1/m is read from the batch size of the arrays.
    rng = np.random.default_rng(3)
    vals = {"W": rng.standard_normal((2, 3)), "b": rng.standard_normal((2, 1)),
            "X": rng.standard_normal((3, 5)), "Y": rng.standard_normal((2, 5))}
    Zv = vals["W"] @ vals["X"] + vals["b"]
    s = 1 / (1 + np.exp(-Zv))
    want = ((s - vals["Y"]) * s * (1 - s)) @ vals["X"].T / 5
    np.testing.assert_allclose(to_numpy(GW)(vals), want, rtol=1e-12)
    assert to_numpy(J)(vals) == pytest.approx(np.sum((s - vals["Y"]) ** 2) / 10, rel=1e-12)


def test_l2_regularised_loss():
    lam = Symbol("lambda", positive=True)
    r = W * x + b - y
    f = Rational(1, 2) * Trace(r * r.T) + lam / 2 * Trace(W.T * W)
    check_all(f, W, (W * x + b - y) * x.T + lam * W, values={"lambda": 0.1})


def test_relu_away_from_the_kink_and_pytorch_convention():
    a = (W * x + b).applyfunc(RELU)
    f = Rational(1, 2) * (a - y).T * (a - y)
    check_all(f, W, seed=11)
    # relu'(0) = 0, as nnbook.activations and PyTorch.
    z = MatrixSymbol("z", 3, 1)
    d = to_numpy(g(sym.relu_prime, z))({"z": np.array([[-1.0], [0.0], [2.0]])})
    np.testing.assert_array_equal(d, [[0.0], [0.0], [1.0]])
    assert sym.relu_prime(0) == 0 and sym.relu(0) == 0
    # Max(t, 0) is differentiated by SymPy: Heaviside(t), printed H, value 1/2 at 0.
    G = gradient(Trace(z.applyfunc(Lambda(t, sp.Max(t, 0))).T * OneMatrix(3, 1)), z)
    assert sym.text(G) == "H(z)"


@pytest.mark.parametrize(
    "body, shown",
    [
        (exp(t), "exp(z)"),
        (sp.log(t), "z^∘(-1)"),
        (t ** 3, "3 z^∘2"),
        (sp.sin(t), "cos(z)"),
        (1 / (1 + exp(-t)), "σ'(z)"),
        (exp(-t ** 2), "-2 (exp(-z^∘2) ⊙ z)"),
    ],
)
def test_elementwise_functions(body, shown):
    z = MatrixSymbol("z", 3, 1)
    f = Trace(z.applyfunc(Lambda(t, body)).T * OneMatrix(3, 1))  # sum of g(z_i)
    values = {"z": np.array([[0.5], [1.2], [2.0]])}
    G = check_all(f, z, values=values)
    assert sym.text(G) == shown


def test_hadamard_products_and_powers():
    z, w = MatrixSymbol("z", 3, 1), MatrixSymbol("w", 3, 1)
    check_all(Trace(HadamardProduct(z, w).T * HadamardProduct(z, z)), z)
    check_all(Trace(HadamardPower(z, 3).T * w), z, 3 * HadamardProduct(w, HadamardPower(z, 2)))


def test_one_by_one_shapes():
    # A single output unit: z, y are 1×1 and SymPy's own applyfunc would rewrite g(z).
    w1, bb, xx, yy = MatrixSymbol("w", 1, 3), MatrixSymbol("b", 1, 1), MatrixSymbol("x", 3, 1), MatrixSymbol("y", 1, 1)
    a = elementwise(SIGMOID, w1 * xx + bb)
    f = Rational(1, 2) * (a - yy).T * (a - yy)
    delta = HadamardProduct(g(sym.sigmoid, w1 * xx + bb) - yy, g(sym.sigmoid_prime, w1 * xx + bb))
    check_all(f, w1, delta * xx.T)
    check_all(f, bb, delta)
    zz = MatrixSymbol("z", 1, 1)
    check_all(Trace(elementwise(RELU, zz)), zz, g(sym.relu_prime, zz))


# --------------------------------------------------------------------------------------
# Random expressions of the grammar (a small fuzzer, seeded)
# --------------------------------------------------------------------------------------

def _random_expression(rnd, X, symbols, depth):
    if depth == 0:
        return rnd.choice(symbols + [X, X])
    op = rnd.choice(["mul", "add", "T", "had", "fn", "scale", "pow"])
    sub = lambda: _random_expression(rnd, X, symbols, depth - 1)  # noqa: E731
    if op == "mul":
        return sub() * sub()
    if op == "add":
        return sub() + sub()
    if op == "T":
        return sub().T
    if op == "had":
        return HadamardProduct(sub(), sub())
    if op == "fn":
        return sub().applyfunc(rnd.choice([SIGMOID, TANH, Lambda(t, t ** 2), SOFTPLUS]))
    if op == "pow":
        return HadamardPower(sub(), 2)
    return rnd.choice([2, -3, Rational(1, 2)]) * sub()


@pytest.mark.parametrize("seed", range(25))
def test_random_expressions(seed):
    rnd = random.Random(seed)
    X = MatrixSymbol("X", 2, 2)
    symbols = [MatrixSymbol(n, 2, 2) for n in "ABC"]
    E = _random_expression(rnd, X, symbols, 3)
    while not E.has(X):
        E = _random_expression(rnd, X, symbols, 3)
    D = MatrixSymbol("D", 2, 2)
    f = Trace(D.T * E)
    G = gradient(f, X)
    assert no_compound_transpose(G)
    err = check_numerically(f, X, rng=np.random.default_rng(seed), G=G)
    assert err < 1e-6, (sym.text(E), sym.text(G), err)
    if seed < 6:  # the symbolic check is slower; a few suffice
        assert_same(G, f, X)


# --------------------------------------------------------------------------------------
# Derivations
# --------------------------------------------------------------------------------------

def test_derivation_steps_and_result():
    a = (W * x + b).applyfunc(SIGMOID)
    f = Rational(1, 2) * (a - y).T * (a - y)
    d = derivation(f, W)
    assert isinstance(d, Derivation)
    assert d.result == gradient(f, W)
    assert d.f == f and d.X == W
    for eq, rule in d.steps:
        assert isinstance(eq, sp.Equality) and isinstance(rule, Rule) and isinstance(rule, str)
        assert isinstance(rule.latex, str) and rule.latex
    assert str(d.steps[0][0].lhs) == "f"
    assert d.steps[-1][0].rhs == d.result
    rules = " | ".join(r for _, r in d.steps)
    for needed in ("own trace", "product rule", "tr(AB) = tr(BA)", "tr(Aᵀ) = tr(A)",
                   "element-wise rule dσ(Z) = σ'(Z) ⊙ dZ", "tr(Aᵀ(B ⊙ C)) = tr((A ⊙ B)ᵀ C)",
                   "∂f/∂X = G"):
        assert needed in rules, needed
    s = str(d)
    assert "∂f/∂W = ((σ(W x + b) - y) ⊙ σ'(W x + b)) xᵀ" in s
    assert "tr((σ(W x + b) - y)ᵀ (σ'(W x + b) ⊙ d(W x + b)))" in s


def test_derivation_latex_is_one_aligned_block():
    Z, Wd, bd, D = MatrixSymbol("Z", 3, 2), MatrixSymbol("W", 2, 3), MatrixSymbol("b", 2, 1), MatrixSymbol("D", 2, 2)
    d = derivation(Trace(D.T * (Wd * Z.applyfunc(SIGMOID) + bd * OneMatrix(1, 2))), Z)
    tex = d._repr_latex_()
    assert tex.startswith(r"$$\begin{aligned}") and tex.endswith(r"\end{aligned}$$")
    assert "\n\n" not in tex  # Sphinx splits display math at blank lines
    assert tex.count("{") == tex.count("}")
    assert tex.count(r"\left") == tex.count(r"\right")
    assert "&=" in tex and r"\odot" in tex and r"^{\top}" in tex
    assert r"\frac{\partial f}{\partial Z} &= \left(W^{\top} D\right) \odot \sigma'(Z)" in tex
    assert "_{\\circ}" not in tex and "Lambda" not in tex and "mapsto" not in tex
    # Steps of the δ recursion, in order.
    text_steps = [sym.text(eq.rhs) for eq, _ in d.steps]
    assert "tr(Dᵀ W (σ'(Z) ⊙ dZ))" in text_steps
    assert text_steps.index("tr(Dᵀ W (σ'(Z) ⊙ dZ))") < text_steps.index("tr(((Wᵀ D) ⊙ σ'(Z))ᵀ dZ)")


def test_derivation_with_abbreviations():
    Z1s, Z2s = MatrixSymbol("Z1", 3, 1), MatrixSymbol("Z2", 2, 1)
    A1 = (W1 * x2 + b1).applyfunc(SIGMOID)
    A2 = (W2 * A1 + b2_).applyfunc(SIGMOID)
    f = Rational(1, 2) * (A2 - y2).T * (A2 - y2)
    d = derivation(f, W1, name="J", where={Z1s: W1 * x2 + b1, Z2s: W2 * g(SIGMOID, Z1s) + b2_})
    s = str(d)
    assert "∂J/∂W1 = ((W2ᵀ ((σ(Z2) - y) ⊙ σ'(Z2))) ⊙ σ'(Z1)) xᵀ" in s
    assert "Z2 = W2 σ(Z1) + b2" in s
    assert d.result == gradient(f, W1)  # the result itself is not abbreviated
    assert r"\frac{\partial J}{\partial W_{1}}" in d.latex()
    with pytest.raises(ValueError, match="where: Z1 has shape"):
        derivation(f, W1, where={Z1s: W2 * g(SIGMOID, Z1s)})


def test_derivation_of_a_linear_trace():
    d = derivation(Trace(A23 * X32), X32)
    assert d.result == A23.T
    assert "tr(A dX)" in str(d)


# --------------------------------------------------------------------------------------
# Softmax + cross-entropy
# --------------------------------------------------------------------------------------

def test_softmax_cross_entropy_derivation_steps():
    d = softmax_cross_entropy_derivation()
    assert sym.text(d.result) == "softmax(z) - y"
    s = str(d)
    assert "(diag(p) - p pᵀ) dz" in s
    assert "∂ℓ/∂z = softmax(z) - y" in s
    tex = d._repr_latex_()
    assert r"\operatorname{diag}(p) - p p^{\top}" in tex
    assert tex.count("{") == tex.count("}")


@pytest.mark.parametrize("n", [3, 4])
def test_softmax_cross_entropy_entrywise(n):
    d = softmax_cross_entropy_derivation()
    N = d.X.shape[0]
    ye = explicit(MatrixSymbol("y", n, 1))
    # Only with 1ᵀy = 1: substitute the last entry.
    assert_same(d.result, d.f, d.X, sizes={N: n}, subs={ye[n - 1]: 1 - sum(ye[:n - 1])})
    with pytest.raises(AssertionError, match="differs"):
        assert_same(d.result, d.f, d.X, sizes={N: n})  # false for a general y
    # The Jacobian of softmax is diag(p) - p pᵀ.
    z = explicit(MatrixSymbol("z", n, 1))
    p = explicit(sym.softmax(MatrixSymbol("z", n, 1)))
    J = p.jacobian(z)
    assert sp.simplify(J - (sp.diag(*p) - p * p.T)) == sp.zeros(n, n)


def test_softmax_cross_entropy_numerically():
    d = softmax_cross_entropy_derivation()
    rng = np.random.default_rng(5)
    for y in (rng.dirichlet(np.ones(4)), np.eye(4)[2]):
        err = check_numerically(d.f, d.X, values={"y": y.reshape(4, 1)}, rng=rng, G=d.result)
        assert err < TOL
    # Large logits: the NumPy softmax is stable.
    z = np.array([[1000.0], [0.0], [-1000.0]])
    p = to_numpy(d.result)({"z": z, "y": np.zeros((3, 1))})
    np.testing.assert_allclose(p, [[1.0], [0.0], [0.0]])


def test_softmax_is_outside_the_elementwise_grammar():
    z, yv = MatrixSymbol("z", 3, 1), MatrixSymbol("y", 3, 1)
    f = -yv.T * elementwise(sp.log, sym.softmax(z))
    with pytest.raises(NotImplementedError, match="Softmax node .* not an element-wise function"):
        gradient(f, z)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------

def test_explicit_entries():
    Wm = explicit(MatrixSymbol("W", 2, 3))
    assert Wm.shape == (2, 3) and str(Wm[0, 1]) == "w_{12}" and Wm[0, 1].is_real
    assert [str(e) for e in explicit(MatrixSymbol("b", 2, 1))] == ["b_{1}", "b_{2}"]
    assert explicit(OneMatrix(2, 3)) == sp.ones(2, 3)
    n = Symbol("n", integer=True, positive=True)
    assert explicit(MatrixSymbol("v", n, 1), sizes={n: 4}).shape == (4, 1)
    e = explicit(MatrixSymbol("W", 2, 3) * MatrixSymbol("x", 3, 1) + MatrixSymbol("b", 2, 1))
    w11, x1, b1s = (Symbol(s, real=True) for s in ("w_{11}", "x_{1}", "b_{1}"))
    assert e[0].coeff(w11) == x1 and b1s in e[0].free_symbols
    with pytest.raises(ValueError, match="integer sizes"):
        explicit(MatrixSymbol("v", n, 1))


def test_explicit_names_never_collide():
    Wm, wv = MatrixSymbol("W", 2, 2), MatrixSymbol("w", 2, 1)
    f = wv.T * Wm * wv
    E = entrywise_gradient(f, Wm)
    assert E.shape == (2, 2)
    assert_same(gradient(f, Wm), f, Wm)


def test_entrywise_gradient_and_a_failing_assert_same():
    f = Trace(A23 * X32)
    E = entrywise_gradient(f, X32)
    assert E == explicit(A23).T
    with pytest.raises(AssertionError, match=r"entry \(0, 0\) of ∂f/∂X differs"):
        assert_same(A23.T * 2, f, X32)
    with pytest.raises(AssertionError, match="shape"):
        assert_same(A23, f, X32)


def test_to_numpy_values_and_errors():
    G = gradient(x3.T * A3 * x3, x3)
    fn = to_numpy(G)
    rng = np.random.default_rng(0)
    A, xv = rng.standard_normal((3, 3)), rng.standard_normal((3, 1))
    np.testing.assert_allclose(fn({"A": A, "x": xv}), (A + A.T) @ xv, rtol=1e-13)
    np.testing.assert_allclose(fn(A=A, x=xv), (A + A.T) @ xv, rtol=1e-13)
    np.testing.assert_allclose(fn({A3: A, x3: xv}), (A + A.T) @ xv, rtol=1e-13)
    assert isinstance(to_numpy(x3.T * A3 * x3)(A=A, x=xv), np.ndarray)
    assert isinstance(to_numpy(Trace(A3))(A=A), float)
    with pytest.raises(ValueError, match="no value for x"):
        fn(A=A)
    with pytest.raises(ValueError, match=r"x must have shape \(3, 1\), got \(1, 3\)"):
        fn(A=A, x=xv.T)
    with pytest.raises(ValueError, match="2-D array"):
        fn(A=A, x=xv.ravel())
    with pytest.raises(ValueError, match="no value for the scalar symbol lambda"):
        to_numpy(Symbol("lambda") * A3)(A=A)
    before = A.copy()
    fn(A=A, x=xv)
    np.testing.assert_array_equal(A, before)


def test_check_numerically_needs_values_or_rng():
    with pytest.raises(ValueError, match="pass rng"):
        check_numerically(Trace(A23 * X32), X32)
    err = check_numerically(Trace(A23 * X32), X32, values={"A": np.ones((2, 3)), "X": np.ones((3, 2))})
    assert err < TOL


def test_normalize_pushes_transposes():
    A, B = MatrixSymbol("A", 2, 2), MatrixSymbol("B", 2, 2)
    assert normalize(Transpose(A * B)) == B.T * A.T
    assert normalize(Transpose(A + B)) == MatAdd(A.T, B.T) or same_form(normalize(Transpose(A + B)), A.T + B.T)
    assert normalize(Transpose(HadamardProduct(A, B))) == HadamardProduct(A.T, B.T)
    assert normalize(2 * A * Identity(2) * B) == 2 * A * B
    assert normalize(HadamardProduct(2 * A, OneMatrix(2, 2))) == 2 * A
    assert same_form(HadamardProduct(A, B), HadamardProduct(B, A))
    assert same_form(HadamardProduct(A, B) * A + B, B + HadamardProduct(B, A) * A)
    assert not same_form(A * B, B * A)


def test_named_functions_match_their_definitions():
    for F in (sym.sigmoid, sym.sigmoid_prime, sym.tanh_prime, sym.relu, sym.relu_prime, sym.softplus):
        deriv = sp.diff(F(t), t)
        want = sp.diff(F.definition(t), t)
        got = deriv.replace(lambda e: isinstance(e, sym.NamedFunction), lambda e: type(e).definition(e.args[0]))
        assert sp.simplify(sp.piecewise_fold(got - want).rewrite(exp)) == 0, F
    assert sym.sigmoid(0) == Rational(1, 2)
    # NumPy versions agree with the definitions.
    z = MatrixSymbol("z", 4, 1)
    pts = np.array([[-2.0], [-0.5], [0.3], [3.0]])
    for F in (sym.sigmoid, sym.sigmoid_prime, sym.tanh_prime, sym.relu, sym.relu_prime, sym.softplus):
        got = to_numpy(g(F, z))(z=pts)
        want = np.array([[float(F.definition(sp.Float(v)))] for v in pts.ravel()])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_latex_is_safe_for_mathjax():
    # A symbol named with a superscript gets braces before another one (no double exponent),
    # and no control space "\ " (MathJax expands it as a macro, which fails in long blocks).
    W1s = MatrixSymbol("W^{[1]}", 2, 2)
    assert sym.latex(W1s.T) == r"{W^{[1]}}^{\top}"
    assert sym.latex(HadamardPower(W1s, 2)) == r"{W^{[1]}}^{\circ 2}"
    a = (W * x + b).applyfunc(SIGMOID)
    for d in (derivation(Rational(1, 2) * (a - y).T * (a - y), W), softmax_cross_entropy_derivation(),
              derivation(Trace(W1s * W1s.T), W1s)):
        tex = d.latex()
        assert "\\ " not in tex.replace("\\\\", "")
        assert "^{\\top}^" not in tex and "}^{\\top}^" not in tex


def test_printing_of_special_matrices():
    m = Symbol("m")
    assert sym.latex(MatrixSymbol("b", 2, 1) * OneMatrix(1, m)) == r"b \mathbf{1}_{m}^{\top}"
    assert sym.text(MatrixSymbol("b", 2, 1) * OneMatrix(1, m)) == "b 1_mᵀ"
    assert sym.text(-Rational(1, 2) * A3 * X3) == "-(1/2) A X"
    assert sym.latex(Rational(1, 2) * A3 * X3) == r"\frac{1}{2} A X"
    assert sym.text(HadamardPower(X3, 2)) == "X^∘2"


# --------------------------------------------------------------------------------------
# Malformed input
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "f, X, message",
    [
        (W * x, W, r"f must be a scalar.*shape \(2, 1\)"),
        (Trace(A3 * X3), A3 * X3, "X must be a sympy MatrixSymbol, got MatMul"),
        (Trace(A3), X3, r"X = X \(shape \(3, 3\)\) does not appear in f"),
        (sp.Matrix([[1]]), X3, "explicit MutableDenseMatrix"),
        ("not an expression", X3, "f must be a SymPy expression"),
        (Trace(MatrixSymbol("X", 2, 2)) + Trace(X3), X3, r"f contains X with shape \(2, 2\)"),
    ],
)
def test_bad_input_is_a_value_error(f, X, message):
    with pytest.raises(ValueError, match=message):
        gradient(f, X)
    with pytest.raises(ValueError, match=message):
        derivation(f, X)


@pytest.mark.parametrize(
    "f, message",
    [
        (Determinant(X2), "Determinant node Determinant.X. is not supported because"),
        (Trace(KroneckerProduct(X2, A2)), "KroneckerProduct node .* no differential rule"),
        (Trace(A2 * (Trace(X2) * X2 + A2)), "MatMul node .* its scalar factor Trace.X. depends on X"),
        (X2[0, 1], r"MatrixElement node X\[0, 1\] is not supported because an entry"),
        (Trace(sp.MatPow(X2, Rational(1, 2))), "MatPow node .* integer exponents"),
    ],
)
def test_outside_the_grammar_is_not_implemented(f, message):
    with pytest.raises(NotImplementedError, match=message):
        gradient(f, X2)


def test_derivation_layouts():
    d = softmax_cross_entropy_derivation()
    stacked, columns = d.latex(), d.latex(stacked=False)
    rows = lambda tex: tex.count(" \\\\\n") + 1
    assert rows(stacked) == 2 * len(d.steps) and rows(columns) == len(d.steps)
    assert stacked.count(r"\color{gray}") == len(d.steps) and "&&" not in stacked
    assert columns.count("&&") == len(d.steps) and r"\color{gray}" not in columns
    assert d._repr_latex_() == "$$" + stacked + "$$"


def test_assert_same_two_layer_batch_network_and_rejects_a_wrong_formula():
    m_ = 2
    Xb, Yb = MatrixSymbol("X", 2, m_), MatrixSymbol("Y", 1, m_)
    W1, b1 = MatrixSymbol("W1", 2, 2), MatrixSymbol("b1", 2, 1)
    W2, b2 = MatrixSymbol("W2", 1, 2), MatrixSymbol("b2", 1, 1)
    A1 = sym.elementwise(sym.sigmoid, W1 * Xb + b1 * OneMatrix(1, m_))
    A2 = sym.elementwise(sym.sigmoid, W2 * A1 + b2 * OneMatrix(1, m_))
    J = Rational(1, 2 * m_) * Trace((A2 - Yb).T * (A2 - Yb))
    for V in (W1, b1, W2, b2):
        assert_same(gradient(J, V), J, V)
    with pytest.raises(AssertionError, match=r"entry \(0, 0\) of ∂f/∂W1 differs"):
        assert_same(2 * gradient(J, W1), J, W1)


def test_agrees_is_assert_same_as_a_boolean():
    d = softmax_cross_entropy_derivation()
    N = d.X.shape[0]
    ye = explicit(MatrixSymbol("y", 3, 1))
    assert sym.agrees(d.result, d.f, d.X, sizes={N: 3}, subs={ye[2]: 1 - ye[0] - ye[1]})
    assert not sym.agrees(d.result, d.f, d.X, sizes={N: 3})  # needs sum(y) = 1
