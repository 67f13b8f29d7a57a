"""Input validation shared by the public functions of :mod:`nnbook`.

Every public function converts its inputs with these helpers, so bad input fails
early with a :class:`ValueError` that names the argument, the problem and the shape.
"""
from __future__ import annotations

import numpy as np


def as_real_array(x, name: str, *, allow_int: bool = True) -> np.ndarray:
    """Return ``x`` as a finite real floating-point array (never a view the caller owns).

    Integers and booleans become ``float64`` when ``allow_int`` is true; floating
    dtypes are kept. Strings, objects, complex numbers and NaN/inf are rejected.
    """
    try:
        a = np.asarray(x)
    except Exception as exc:  # ragged nested lists and the like
        raise ValueError(f"{name} cannot be converted to an array: {exc}") from None
    if a.dtype.kind in "biu" and allow_int:
        a = a.astype(np.float64)
    elif a.dtype.kind != "f":
        kind = {"c": "complex", "O": "object", "U": "string", "S": "bytes"}.get(a.dtype.kind, str(a.dtype))
        raise ValueError(
            f"{name} must be a real floating-point array, got dtype {a.dtype} ({kind}) with shape {a.shape}"
        )
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or inf (shape {a.shape}); only finite values are accepted")
    return a


def as_positive_number(x, name: str) -> float:
    """Return ``x`` as a finite float greater than zero."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number, got {type(x).__name__}")
    x = float(x)
    if not np.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {x}")
    return x


def as_unit_interval_number(x, name: str) -> float:
    """Return ``x`` as a float in the half-open interval [0, 1) (momenta, decay rates, betas)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number, got {type(x).__name__}")
    x = float(x)
    if not (0 <= x < 1):
        raise ValueError(f"{name} must satisfy 0 <= {name} < 1, got {x}")
    return x


def as_int_at_least(x, name: str, minimum: int) -> int:
    """Return ``x`` as a Python int that is at least ``minimum`` (sizes, counts, periods)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {type(x).__name__} {x!r}")
    x = int(x)
    if x < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {x}")
    return x


def as_float_array(x, name: str, *, dtype=None, ndim: int | None = 2) -> np.ndarray:
    """Return ``x`` as a finite floating-point array, without copying when possible.

    Unlike :func:`as_real_array`, integer and boolean arrays are rejected (the networks
    never guess a precision). ``ndim=2`` (the default) demands a matrix with at least one
    row and one column, e.g. a batch ``(n[l], m)`` with ``m >= 1``. With ``dtype`` a float
    array of another precision is cast to it (a new array); the caller's array is never
    returned for writing.
    """
    try:
        a = np.asarray(x)
    except Exception as exc:  # ragged nested lists and the like
        raise ValueError(f"{name} cannot be converted to an array: {exc}") from None
    if a.dtype.kind != "f":
        kind = {"b": "boolean", "i": "integer", "u": "unsigned integer", "c": "complex",
                "O": "object", "U": "string", "S": "bytes"}.get(a.dtype.kind, str(a.dtype))
        raise ValueError(
            f"{name} must be a floating-point array, got dtype {a.dtype} ({kind}) with shape "
            f"{a.shape}; convert it with .astype(float) first"
        )
    if ndim is not None and a.ndim != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-D array, got {a.ndim}-D with shape {a.shape}"
            + ("; samples are columns, so a single sample x is x.reshape(-1, 1)" if ndim == 2 else "")
        )
    if ndim == 2 and 0 in a.shape:
        what = "an empty batch (m = 0 columns)" if a.shape[1] == 0 else "no rows"
        raise ValueError(f"{name} has {what}: shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or inf (shape {a.shape}); only finite values are accepted")
    if dtype is not None and a.dtype != dtype:
        with np.errstate(over="ignore"):
            a = a.astype(dtype)
        if not np.isfinite(a).all():
            raise ValueError(
                f"{name} (shape {a.shape}) has values too large for {np.dtype(dtype).name}"
            )
    return a


def as_nonnegative_number(x, name: str) -> float:
    """Return ``x`` as a finite Python float ``>= 0`` (a Python float never promotes float32)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number, got {type(x).__name__}")
    x = float(x)
    if not np.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {x}")
    return x


def as_keep_prob(x, name: str = "keep_prob") -> float:
    """Return a keep probability as a Python float in (0, 1]."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number in (0, 1], got {type(x).__name__}")
    x = float(x)
    if not (0 < x <= 1):
        raise ValueError(f"{name} must lie in (0, 1], got {x}")
    return x


def as_positive_int(x, name: str) -> int:
    """Return ``x`` as a Python int ``>= 1``."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise ValueError(f"{name} must be a positive integer, got {x!r} ({type(x).__name__})")
    if x < 1:
        raise ValueError(f"{name} must be a positive integer, got {x}")
    return int(x)


def as_generator(rng, name: str = "rng") -> np.random.Generator:
    """Check that ``rng`` is a :class:`numpy.random.Generator` (e.g. ``np.random.default_rng(0)``)."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"{name} must be a numpy.random.Generator such as np.random.default_rng(0), "
            f"got {type(rng).__name__}"
        )
    return rng
