"""Tests of nnbook.init: shapes, and sample moments against the variance formulas within
sampling error (4 standard errors)."""
import math

import numpy as np
import pytest

from nnbook import init

# name -> (variance formula, distribution)
FORMULAS = {
    "xavier_uniform": (lambda fo, fi: 2 / (fi + fo), "uniform"),
    "xavier_normal": (lambda fo, fi: 2 / (fi + fo), "normal"),
    "kaiming_normal": (lambda fo, fi: 2 / fi, "normal"),
    "kaiming_uniform": (lambda fo, fi: 2 / fi, "uniform"),
}


def check_moments(W, var, dist):
    N = W.size
    w = W.ravel()
    assert abs(w.mean()) < 4 * math.sqrt(var / N)
    # Standard error of the sample variance: sqrt((E w^4 - var^2) / N), with
    # E w^4 = 3 var^2 (normal) or 9/5 var^2 (uniform on [-r, r], var = r^2/3).
    fourth = 3 * var**2 if dist == "normal" else 9 / 5 * var**2
    se = math.sqrt((fourth - var**2) / N)
    assert abs(np.mean(w**2) - var) < 4 * se, (np.mean(w**2), var, se)
    sigma = math.sqrt(var)
    if dist == "uniform":
        r = math.sqrt(3 * var)
        assert np.max(np.abs(w)) <= r and np.max(np.abs(w)) > 0.99 * r
    else:
        # A Gaussian has 0.27% of its mass beyond 3 sigma; a uniform of this variance has none.
        p = math.erfc(3 / math.sqrt(2))
        frac = np.mean(np.abs(w) > 3 * sigma)
        assert abs(frac - p) < 4 * math.sqrt(p * (1 - p) / N)


@pytest.mark.parametrize("fan_out, fan_in", [(300, 400), (40, 3000), (2000, 60)])
@pytest.mark.parametrize("name", list(FORMULAS))
def test_variance_matches_formula(name, fan_out, fan_in):
    fn = init.get(name)
    W = fn(fan_out, fan_in, np.random.default_rng([fan_out, fan_in, list(FORMULAS).index(name)]))
    assert W.shape == (fan_out, fan_in) and W.dtype == np.float64
    var, dist = FORMULAS[name]
    check_moments(W, var(fan_out, fan_in), dist)


def test_normal_factory_and_zeros():
    W = init.normal(0.05)(300, 400, np.random.default_rng(0))
    check_moments(W, 0.05**2, "normal")
    assert init.normal(0.05).__name__ == "normal(0.05)"
    Z = init.zeros(3, 4)
    np.testing.assert_array_equal(Z, np.zeros((3, 4)))
    np.testing.assert_array_equal(init.zeros(3, 4, np.random.default_rng(0)), Z)


def test_same_seed_same_weights_and_rng_advances():
    a = init.xavier_uniform(5, 7, np.random.default_rng(3))
    np.testing.assert_array_equal(a, init.xavier_uniform(5, 7, np.random.default_rng(3)))
    rng = np.random.default_rng(3)
    first, second = init.kaiming_normal(5, 7, rng), init.kaiming_normal(5, 7, rng)
    assert not np.array_equal(first, second)


def test_get():
    assert init.get("kaiming_normal") is init.kaiming_normal
    custom = lambda fan_out, fan_in, rng: np.ones((fan_out, fan_in))
    assert init.get(custom) is custom
    assert set(init.INITIALIZERS) == {"zeros", "xavier_uniform", "xavier_normal", "kaiming_normal", "kaiming_uniform"}


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: init.get("he"), "unknown init 'he'; known names: zeros, xavier_uniform"),
        (lambda: init.get(3), "init must be a name or a callable"),
        (lambda: init.xavier_normal(0, 3, np.random.default_rng()), "fan_out must be a positive integer, got 0"),
        (lambda: init.kaiming_uniform(3, 2.5, np.random.default_rng()), r"fan_in must be a positive integer, got 2.5 \(float\)"),
        (lambda: init.kaiming_normal(3, 3, 0), "rng must be a numpy.random.Generator"),
        (lambda: init.normal(0.0), "std must be a finite number > 0, got 0.0"),
        (lambda: init.normal(-1)(2, 2, np.random.default_rng()), "std must be a finite number > 0, got -1.0"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
