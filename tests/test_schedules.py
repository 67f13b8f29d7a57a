"""Tests of nnbook.schedules: values at chosen steps, worked out by hand from the formulas."""
import math

import numpy as np
import pytest

from nnbook import schedules


def test_constant():
    lr = schedules.constant(0.3)
    assert [lr(t) for t in (0, 1, 10, 10**6)] == [0.3, 0.3, 0.3, 0.3]


@pytest.mark.parametrize(
    "t, expected",
    # lr0·factor^⌊t/every⌋ with lr0 = 0.2, every = 10, factor = 0.5
    [(0, 0.2), (1, 0.2), (9, 0.2), (10, 0.1), (19, 0.1), (20, 0.05), (35, 0.025), (100, 0.2 / 1024)],
)
def test_step_decay(t, expected):
    assert schedules.step_decay(0.2, every=10, factor=0.5)(t) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    "t, expected",
    # lr0·e^{−kt} with lr0 = 2, k = 0.1: e^{-1} at t = 10, e^{-2.5} at t = 25
    [(0, 2.0), (10, 2 * math.exp(-1)), (25, 2 * math.exp(-2.5)), (1, 2 * 0.9048374180359595)],
)
def test_exponential_decay(t, expected):
    assert schedules.exponential_decay(2.0, k=0.1)(t) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(
    "t, expected",
    # lr0·τ/max(t, τ) with lr0 = 0.3, τ = 5: flat until t = 5, then 1.5/t
    [(0, 0.3), (3, 0.3), (5, 0.3), (6, 0.25), (10, 0.15), (30, 0.05), (150, 0.01)],
)
def test_inverse_time(t, expected):
    assert schedules.inverse_time(0.3, tau=5)(t) == pytest.approx(expected, rel=1e-14)


def test_arrays_of_steps_for_plots():
    t = np.arange(40).reshape(4, 10)
    values = schedules.step_decay(1.0, every=10, factor=0.1)(t)
    assert isinstance(values, np.ndarray) and values.shape == (4, 10) and values.dtype == np.float64
    np.testing.assert_allclose(values, np.array([1.0, 0.1, 0.01, 0.001])[:, None] * np.ones((1, 10)), rtol=1e-14)
    decay = schedules.exponential_decay(1.0, k=0.5)(np.array([0, 2, 4]))
    np.testing.assert_allclose(decay, [1.0, math.exp(-1), math.exp(-2)], rtol=1e-14)
    assert isinstance(schedules.inverse_time(1.0, tau=2)(np.int64(4)), float)


def test_exponential_decay_underflows_quietly():
    assert schedules.exponential_decay(1.0, k=1.0)(10_000) == 0.0  # warnings are errors here


def test_repr():
    assert repr(schedules.step_decay(0.1, every=100, factor=0.5)) == "step_decay(lr0=0.1, every=100, factor=0.5)"
    assert repr(schedules.inverse_time(1, tau=2)) == "inverse_time(lr0=1.0, tau=2.0)"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: schedules.constant(0), "lr0 must be a finite number > 0, got 0.0"),
        (lambda: schedules.constant(-1.0), "lr0 must be a finite number > 0"),
        (lambda: schedules.step_decay(0.1, every=0, factor=0.5), "every must be an integer >= 1, got 0"),
        (lambda: schedules.step_decay(0.1, every=2.5, factor=0.5), "every must be an integer >= 1, got float 2.5"),
        (lambda: schedules.step_decay(0.1, every=10, factor=0), "factor must be a finite number > 0"),
        (lambda: schedules.step_decay(0.1, every=10, factor=1.5), r"factor must satisfy 0 < factor <= 1 \(a decay\), got 1.5"),
        (lambda: schedules.exponential_decay(0.1, k=-0.1), "k must be a finite number >= 0, got -0.1"),
        (lambda: schedules.inverse_time(0.1, tau=0), "tau must be a finite number > 0, got 0.0"),
        (lambda: schedules.inverse_time(float("inf"), tau=1), "lr0 must be a finite number > 0, got inf"),
    ],
)
def test_bad_settings(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "t, message",
    [
        (-1, "t must be finite and >= 0"),
        (float("nan"), "t must be finite and >= 0"),
        (np.array([0, -3]), r"t must be finite and >= 0, got .* \(shape \(2,\)\)"),
        ("3", "t must be a number of steps >= 0 .* got dtype <U1"),
        (True, "t must be a number of steps >= 0, got True"),
    ],
)
def test_bad_steps(t, message):
    with pytest.raises(ValueError, match=message):
        schedules.constant(0.1)(t)
