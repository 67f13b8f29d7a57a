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
