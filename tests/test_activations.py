"""Tests of nnbook.activations (chapter "Activation functions").

Three independent sources are compared: the hand-written ``df``, the SymPy derivative of
``expr`` (lambdified), and high-precision values from mpmath or centered differences.
"""
import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnbook import activations
from nnbook.activations import ACTIVATIONS, leaky_relu

NAMES = list(ACTIVATIONS)
KINKS = {"relu": [0.0], "leaky_relu": [0.0], "hard_tanh": [-1.0, 1.0], "softsign": [0.0]}
z_sym = sp.Symbol("z", real=True)


def grid_away_from_kinks(name, lo=-6.0, hi=6.0, n=241, gap=1e-3):
    z = np.linspace(lo, hi, n)
    for k in KINKS.get(name, []):
        z = z[np.abs(z - k) > gap]
    return z


def sympy_derivative(name):
    d = sp.diff(ACTIVATIONS[name].expr(z_sym), z_sym)
    return sp.lambdify(z_sym, d, "numpy")


def rel_err(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def test_registry_has_the_books_activations():
    assert set(NAMES) == {
        "identity", "sigmoid", "tanh", "relu", "leaky_relu", "hard_tanh", "softsign", "softplus"
    }
    for name, act in ACTIVATIONS.items():
        assert act.name == name


@pytest.mark.parametrize("name", NAMES)
def test_df_matches_sympy_derivative_of_expr(name):
    act = ACTIVATIONS[name]
    z = grid_away_from_kinks(name)
    expected = np.broadcast_to(sympy_derivative(name)(z), z.shape).astype(float)
    assert rel_err(act.df(z), expected) < 1e-13


@pytest.mark.parametrize("name", NAMES)
def test_f_matches_sympy_expr(name):
    act = ACTIVATIONS[name]
    z = grid_away_from_kinks(name)
    f_sym = sp.lambdify(z_sym, act.expr(z_sym), "numpy")
    assert rel_err(act.f(z), np.broadcast_to(f_sym(z), z.shape)) < 1e-13


@pytest.mark.parametrize("name", NAMES)
def test_df_matches_centered_differences(name):
    act = ACTIVATIONS[name]
    z = grid_away_from_kinks(name)
    h = 1e-6
    fd = (act.f(z + h) - act.f(z - h)) / (2 * h)
    assert rel_err(act.df(z), fd) < 1e-8


# PyTorch's conventions at the kinks, and the SymPy expression must agree with them.
KINK_VALUES = [
    ("relu", 0.0, 0.0),
    ("leaky_relu", 0.0, 0.01),
    ("hard_tanh", -1.0, 0.0),
    ("hard_tanh", 1.0, 0.0),
]


@pytest.mark.parametrize("name,z0,expected", KINK_VALUES)
def test_derivative_at_kinks_follows_pytorch(name, z0, expected):
    act = ACTIVATIONS[name]
    assert act.df(np.array([z0]))[0] == expected
    d = sp.diff(act.expr(z_sym), z_sym)
    assert float(d.subs(z_sym, sp.nsimplify(z0))) == pytest.approx(expected, abs=0)


def test_leaky_relu_factory_slope_and_kink():
    act = leaky_relu(0.2)
    z = np.array([-3.0, -1.0, 0.0, 2.0])
    np.testing.assert_allclose(act.f(z), [-0.6, -0.2, 0.0, 2.0], rtol=1e-15)
    np.testing.assert_array_equal(act.df(z), [0.2, 0.2, 0.2, 1.0])
    d = sp.diff(act.expr(z_sym), z_sym)
    assert d.subs(z_sym, 0) == sp.Rational(1, 5)


@pytest.mark.parametrize("k", [-0.1, 1.0, float("nan"), "0.1", True])
def test_leaky_relu_rejects_bad_slope(k):
    with pytest.raises(ValueError, match="slope k"):
        leaky_relu(k)


# High-precision reference values from mpmath, independent of numpy's formulas.
mpmath.mp.dps = 50
MP = {
    "sigmoid": (lambda z: 1 / (1 + mpmath.exp(-z)), lambda z: mpmath.exp(-z) / (1 + mpmath.exp(-z)) ** 2),
    "tanh": (mpmath.tanh, lambda z: mpmath.sech(z) ** 2),
    "softplus": (lambda z: mpmath.log1p(mpmath.exp(z)), lambda z: 1 / (1 + mpmath.exp(-z))),
    "softsign": (lambda z: z / (1 + abs(z)), lambda z: 1 / (1 + abs(z)) ** 2),
}
WIDE = np.array([-1e300, -1e10, -700.0, -300.0, -40.0, -20.0, -3.0, -1e-8, 1e-8, 0.5, 3.0, 20.0, 40.0, 300.0, 700.0, 1e10, 1e300])


@pytest.mark.parametrize("name", list(MP))
def test_smooth_activations_accurate_over_a_wide_range(name):
    """Relative accuracy ~1e-14 wherever the true value is a normal float64."""
    act = ACTIVATIONS[name]
    f_mp, df_mp = MP[name]
    for fun, ref in ((act.f, f_mp), (act.df, df_mp)):
        got = fun(WIDE)
        for zi, gi in zip(WIDE, got):
            true = float(ref(mpmath.mpf(zi)))
            if true == 0.0 or abs(true) < 1e-300:
                assert abs(gi) <= 1e-300, (name, zi, gi, true)
            else:
                assert abs(gi - true) <= 1e-14 * abs(true), (name, zi, gi, true)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extremes_are_finite_without_warnings(name, dtype):
    # pyproject turns every warning into an error, so an overflow warning fails the test.
    big = np.finfo(dtype).max
    z = np.array([-big, -1e4, -100.0, 0.0, 100.0, 1e4, big], dtype=dtype)
    act = ACTIVATIONS[name]
    for out in (act.f(z), act.df(z)):
        assert out.dtype == dtype and out.shape == z.shape
        assert np.all(np.isfinite(out))


def test_limits_at_plus_minus_1e300():
    z = np.array([-1e300, 1e300])
    np.testing.assert_array_equal(activations.sigmoid.f(z), [0.0, 1.0])
    np.testing.assert_array_equal(activations.tanh.f(z), [-1.0, 1.0])
    np.testing.assert_array_equal(activations.softsign.f(z), [-1.0, 1.0])
    np.testing.assert_array_equal(activations.softplus.f(z), [0.0, 1e300])
    np.testing.assert_array_equal(activations.relu.f(z), [0.0, 1e300])
    for name in ("sigmoid", "tanh", "softsign"):
        np.testing.assert_array_equal(ACTIVATIONS[name].df(z), [0.0, 0.0])


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_modified_and_outputs_are_new_arrays(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-3, 3, 13).reshape(13, 1)
    before = z.copy()
    f, df = act.f(z), act.df(z)
    np.testing.assert_array_equal(z, before)
    assert not np.shares_memory(f, z) and not np.shares_memory(df, z)


def test_integer_input_is_computed_in_float64_and_scalars_stay_scalars():
    assert activations.relu.f(np.array([-2, 3])).dtype == np.float64
    s = activations.sigmoid.f(0)
    assert np.ndim(s) == 0 and s == 0.5
    assert activations.tanh.df(0.0) == 1.0


@pytest.mark.parametrize(
    "bad, message",
    [
        ("1.0", "dtype <U3"),
        (np.array([1.0, "a"], dtype=object), "object"),
        (np.array([1 + 2j]), "complex"),
        (np.array([[0.0, np.nan]]), r"NaN or inf \(shape \(1, 2\)\)"),
        (np.array([np.inf]), "NaN or inf"),
    ],
)
@pytest.mark.parametrize("name", ["sigmoid", "relu", "softplus"])
def test_bad_input_raises_value_error(name, bad, message):
    act = ACTIVATIONS[name]
    with pytest.raises(ValueError, match=message):
        act.f(bad)
    with pytest.raises(ValueError, match=message):
        act.df(bad)


def test_unknown_name_raises():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*known names: identity"):
        activations.get("swish")
    assert activations.get(activations.tanh) is activations.tanh
    assert activations.get("tanh") is activations.tanh


@st.composite
def real_arrays(draw):
    """Finite float32/float64 arrays of 1-50 rows/columns with values up to 1e300 (float64)."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    width, lim = (32, float(np.float32(3e38))) if dtype == np.float32 else (64, 1e300)
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=50))
    elements = st.floats(-lim, lim, allow_nan=False, allow_infinity=False, width=width)
    return draw(hnp.arrays(dtype=dtype, shape=shape, elements=elements))


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(NAMES), z=real_arrays())
def test_property_shapes_dtypes_finite_and_unchanged(name, z):
    act = ACTIVATIONS[name]
    before = z.copy()
    for out in (act.f(z), act.df(z)):
        assert out.shape == z.shape and out.dtype == z.dtype
        assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(z, before)
