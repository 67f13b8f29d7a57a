"""nnbook.display: the chapters' show/verdict helpers."""
import pytest
import sympy as sp

from nnbook import symbolic
from nnbook.display import show, verdict


def test_verdict_prints_claim_and_true(capsys):
    import numpy as np

    verdict("two equals two", np.float64(2.0) == 2)
    assert capsys.readouterr().out == "two equals two: True\n"


def test_verdict_raises_with_the_claim_and_prints_nothing(capsys):
    with pytest.raises(AssertionError, match="check failed: one equals two"):
        verdict("one equals two", 1 == 2)
    assert capsys.readouterr().out == ""


def test_show_prints_scalars_as_sympy_does(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    z = sp.Symbol("z")
    show("f'(z)", sp.cos(z) / (1 + z**2))
    assert shown == ["f'(z) = " + sp.latex(sp.cos(z) / (1 + z**2))]


def test_show_uses_the_engine_printer_for_matrix_expressions(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    A, B = sp.MatrixSymbol("A", 2, 2), sp.MatrixSymbol("B", 2, 2)
    expr = sp.hadamard_product(A, B)
    show("C", expr)
    assert shown == ["C = " + symbolic.latex(expr)]
    assert r"\odot" in shown[0]


def test_show_prints_inequalities_with_their_own_sign(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    a = sp.Symbol("alpha")
    for rel, sign in ((a < sp.Rational(1, 4), "<"), (a <= 1, r"\leq"), (a > 0, ">"),
                      (a >= 2, r"\geq"), (sp.Ne(a, 3), r"\neq")):
        show("c", rel)
        assert sign in shown[-1] and shown[-1].count("=") == 1, shown[-1]
    assert symbolic.text(a < 1) == "alpha < 1"
    show("c", sp.Eq(a, 2))
    assert shown[-1] == r"c = \alpha = 2"
