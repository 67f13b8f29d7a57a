"""Wall time of the symbolic derivations the chapters "Matrix calculus for backprop" and
"Backpropagation, derived" run (target: at most 2 s each).

For each derivation: ``derivation(f, X)`` (which also computes the gradient), the entry-wise
check ``assert_same`` on small explicit matrices, and the numerical check against centered
differences. Every call is *cold*: SymPy's and the engine's caches are cleared first, as in a
fresh notebook kernel. Reported: the median and the maximum over ``--rounds`` runs.

Run: ``python benchmarks/symbolic_derivations.py [--rounds 5]``.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import sympy as sp
from sympy import Lambda, MatrixSymbol, OneMatrix, Rational, Symbol, Trace, exp

import nnbook.symbolic as sym
from nnbook import _matdiff

t = Symbol("t")
SIGMOID = Lambda(t, 1 / (1 + exp(-t)))
TANH = Lambda(t, sp.tanh(t))
RELU = Lambda(t, sp.Piecewise((0, t <= 0), (t, True)))
m = Symbol("m", integer=True, positive=True)


def delta_recursion(act):
    Z, W, b, D = MatrixSymbol("Z", 3, m), MatrixSymbol("W", 2, 3), MatrixSymbol("b", 2, 1), MatrixSymbol("D", 2, m)
    return Trace(D.T * (W * Z.applyfunc(act) + b * OneMatrix(1, m))), Z, {}, {m: 2}


def layer_params(which):
    A, W, b, D = MatrixSymbol("A", 3, m), MatrixSymbol("W", 2, 3), MatrixSymbol("b", 2, 1), MatrixSymbol("D", 2, m)
    return Trace(D.T * (W * A + b * OneMatrix(1, m))), {"W": W, "b": b}[which], {}, {m: 2}


def output_layer(which):
    W, b, x, y = MatrixSymbol("W", 2, 3), MatrixSymbol("b", 2, 1), MatrixSymbol("x", 3, 1), MatrixSymbol("y", 2, 1)
    a = (W * x + b).applyfunc(SIGMOID)
    return Rational(1, 2) * (a - y).T * (a - y), {"W": W, "b": b}[which], {}, {}


def batch_mse(which):
    W, b = MatrixSymbol("W", 2, 3), MatrixSymbol("b", 2, 1)
    X, Y = MatrixSymbol("X", 3, m), MatrixSymbol("Y", 2, m)
    R = (W * X + b * OneMatrix(1, m)).applyfunc(SIGMOID) - Y
    return Trace(R.T * R) / (2 * m), {"W": W, "b": b}[which], {}, {m: 3}


def two_layer_w1():
    W1, b1 = MatrixSymbol("W1", 3, 2), MatrixSymbol("b1", 3, 1)
    W2, b2 = MatrixSymbol("W2", 2, 3), MatrixSymbol("b2", 2, 1)
    x, y = MatrixSymbol("x", 2, 1), MatrixSymbol("y", 2, 1)
    Z1, Z2 = MatrixSymbol("Z1", 3, 1), MatrixSymbol("Z2", 2, 1)
    A2 = (W2 * (W1 * x + b1).applyfunc(SIGMOID) + b2).applyfunc(SIGMOID)
    where = {Z1: W1 * x + b1, Z2: W2 * sym.elementwise(SIGMOID, Z1) + b2}
    return Rational(1, 2) * (A2 - y).T * (A2 - y), W1, where, {}


def least_squares():
    A, X, B = MatrixSymbol("A", 3, 2), MatrixSymbol("X", 2, 2), MatrixSymbol("B", 3, 2)
    return Trace((A * X - B).T * (A * X - B)), X, {}, {}


def trace_xaxtb():
    X, A, B = MatrixSymbol("X", 3, 3), MatrixSymbol("A", 3, 3), MatrixSymbol("B", 3, 3)
    return Trace(X * A * X.T * B), X, {}, {}


CASES = {
    "delta recursion, sigmoid  (dZ of tr(D^T(W s(Z) + b 1^T)))": lambda: delta_recursion(SIGMOID),
    "delta recursion, tanh": lambda: delta_recursion(TANH),
    "delta recursion, relu": lambda: delta_recursion(RELU),
    "layer weights from delta  (dW of tr(D^T(W A + b 1^T)))": lambda: layer_params("W"),
    "layer bias from delta     (db, sums over the batch)": lambda: layer_params("b"),
    "output layer, MSE + sigmoid, dW": lambda: output_layer("W"),
    "output layer, MSE + sigmoid, db": lambda: output_layer("b"),
    "batch MSE + sigmoid, b 1^T and 1/m, dW": lambda: batch_mse("W"),
    "batch MSE + sigmoid, b 1^T and 1/m, db": lambda: batch_mse("b"),
    "two layers, MSE + sigmoid, dW1 (abbreviated)": two_layer_w1,
    "||AX - B||_F^2, dX": least_squares,
    "tr(X A X^T B), dX": trace_xaxtb,
}


def clear_caches():
    sp.core.cache.clear_cache()  # SymPy's own memo tables too: a fresh kernel
    _matdiff._terms_cached.cache_clear()
    sym._numpy_function.cache_clear()
    sym._abbreviation_map.cache_clear()


def timed(fn):
    clear_caches()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    rows = []
    for name, make in CASES.items():
        f, X, where, sizes = make()
        times = {"derivation": [], "assert_same": [], "numeric": []}
        for r in range(args.rounds):
            times["derivation"].append(timed(lambda: sym.derivation(f, X, where=where)))
            G = sym.gradient(f, X)
            times["assert_same"].append(timed(lambda: sym.assert_same(G, f, X, sizes=sizes)))
            rng = np.random.default_rng(r)
            times["numeric"].append(timed(lambda: sym.check_numerically(f, X, rng=rng, sizes=sizes, G=G)))
        rows.append((name, times))

    def softmax_case():
        d = sym.softmax_cross_entropy_derivation()
        n = d.X.shape[0]
        ye = sym.explicit(MatrixSymbol("y", 3, 1))
        return d, n, ye

    times = {"derivation": [], "assert_same": [], "numeric": []}
    for r in range(args.rounds):
        times["derivation"].append(timed(sym.softmax_cross_entropy_derivation))
        d, n, ye = softmax_case()
        times["assert_same"].append(timed(
            lambda: sym.assert_same(d.result, d.f, d.X, sizes={n: 3}, subs={ye[2]: 1 - ye[0] - ye[1]})))
        y = np.random.default_rng(r).dirichlet(np.ones(4)).reshape(4, 1)
        times["numeric"].append(timed(
            lambda: sym.check_numerically(d.f, d.X, values={"y": y}, rng=np.random.default_rng(r), G=d.result)))
    rows.append(("softmax + cross-entropy (n = 3 entry-wise)", times))

    width = max(len(n) for n, _ in rows)
    head = f"{'derivation':<{width}}  {'derivation s':>14}  {'assert_same s':>14}  {'numeric s':>12}  {'<= 2 s':>6}"
    print(f"cold wall time, median (max) of {args.rounds} rounds; sympy {sp.__version__}")
    print(head)
    print("-" * len(head))
    for name, times in rows:
        cells = [f"{statistics.median(v):6.3f} ({max(v):5.3f})" for v in times.values()]
        ok = max(times["derivation"]) <= 2.0
        print(f"{name:<{width}}  {cells[0]:>14}  {cells[1]:>14}  {cells[2]:>12}  {'yes' if ok else 'NO':>6}")


if __name__ == "__main__":
    main()
