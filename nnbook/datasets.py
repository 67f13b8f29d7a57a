r"""Small data sets for the book, made on the spot — no downloads, no data files.

Every function returns ``(X, y)`` with ``X`` of shape ``(n[0], m)`` (one **column** per
sample, float64) and either ``y`` integer class labels of shape ``(m,)`` (int64; use
``nnbook.losses.one_hot`` for a one-hot ``Y``) or, for regression, targets ``Y`` of shape
``(n_out, m)`` (float64). Random data sets take a ``numpy.random.Generator`` ``rng`` and
are the same for the same seed on every machine.

* ``xor()`` and ``logic_gate(name)``: X (2, 4), y (4,) — chapter "Neurons and the perceptron";
* ``spirals(n, noise, rng)``: X (2, K·n), y (K·n,) — chapter "Training an MLP";
* ``circles(n, noise, rng)``: X (2, 2n), y (2n,) — chapter "Training an MLP";
* ``blobs(n, centers, std, rng)``: X (d, K·n), y (K·n,) — chapters "Loss functions" and
  "Training an MLP";
* ``regression_1d(m, noise, rng)``: X (1, m), Y (1, m), and ``regression_2d(m, noise,
  rng)``: X (2, m), Y (1, m) — chapter "Universal approximation by towers";
* ``word_windows(m, rng)``: X (5·d, 2m), y (2m,) — chapter "Case study — a window
  classifier with a max-margin loss";
* ``digits(seed=0)``: training, validation and test sets with X (64, ·), y (·,) —
  chapter "Training an MLP".

``digits`` is real data: the 1797 8×8 handwritten digits that ship inside scikit-learn
(``sklearn.datasets.load_digits``, read from the installed package, never downloaded),
split into fixed training, validation and test sets.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import as_generator, as_int_at_least, as_nonnegative_number, as_positive_number, as_real_array

__all__ = [
    "GATES",
    "logic_gate",
    "xor",
    "spirals",
    "circles",
    "blobs",
    "target_1d",
    "target_2d",
    "regression_1d",
    "regression_2d",
    "word_windows",
    "Split",
    "Digits",
    "digits",
]

#: The truth table of each logic gate by name, as the outputs for the inputs
#: (0, 0), (0, 1), (1, 0) and (1, 1) in that order.
GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "xor": (0, 1, 1, 0),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
    "xnor": (1, 0, 0, 1),
}


def logic_gate(name):
    """The truth table of a two-input logic gate as a data set.

    Parameters
    ----------
    name : str
        One of ``"and"``, ``"or"``, ``"xor"``, ``"nand"``, ``"nor"``, ``"xnor"`` (any case).

    Returns
    -------
    X : ndarray
        The four input pairs as columns, shape ``(2, 4)``:
        ``[[0, 0, 1, 1], [0, 1, 0, 1]]`` (float64).
    y : ndarray
        The gate's output for each column, shape ``(4,)``, values in {0, 1} (int64).
    """
    key = name.lower() if isinstance(name, str) else None
    if key not in GATES:
        raise ValueError(f"unknown gate name {name!r}; known gates: {', '.join(GATES)}")
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=np.float64)
    y = np.array(GATES[key], dtype=np.int64)
    return X, y


def xor():
    """The XOR truth table, ``logic_gate("xor")``: y = 1 where exactly one input is 1.

    No line separates its two classes, so no single neuron (perceptron) can learn it.

    Returns
    -------
    X : ndarray
        Shape ``(2, 4)``, the input pairs as columns (float64).
    y : ndarray
        Shape ``(4,)``, ``[0, 1, 1, 0]`` (int64).
    """
    return logic_gate("xor")


def spirals(n, noise, rng, *, classes=2, turns=1.0):
    r"""Interleaved spirals, one arm per class, in the plane.

    Arm :math:`c` holds :math:`n` points at radii :math:`r` evenly spaced in [0.05, 1] and
    angles :math:`\theta = 2\pi (\text{turns} \cdot r + c / K)`, i.e. the points
    :math:`r (\cos\theta, \sin\theta)`, plus Gaussian noise of standard deviation
    ``noise`` on each coordinate. No line (and no single neuron) separates them.

    Parameters
    ----------
    n : int
        Points per class, ≥ 1.
    noise : float
        Standard deviation of the noise, ≥ 0.
    rng : numpy.random.Generator
        The source of the noise and of the order of the columns.
    classes : int
        The number of arms :math:`K` ≥ 2 (default 2).
    turns : float
        How many full turns each arm makes, > 0 (default 1).

    Returns
    -------
    X : ndarray
        Shape ``(2, K·n)``, float64, columns in random order.
    y : ndarray
        Shape ``(K·n,)``, labels 0 … K−1, exactly ``n`` of each (int64).
    """
    n = as_int_at_least(n, "n", 1)
    noise = as_nonnegative_number(noise, "noise")
    rng = as_generator(rng)
    classes = as_int_at_least(classes, "classes", 2)
    turns = as_positive_number(turns, "turns")
    r = np.tile(np.linspace(0.05, 1, n), classes)
    y = np.repeat(np.arange(classes), n)
    theta = 2 * np.pi * (turns * r + y / classes)
    X = r * np.stack([np.cos(theta), np.sin(theta)]) + noise * rng.standard_normal((2, classes * n))
    return _shuffled(X, y, rng)


def circles(n, noise, rng, *, factor=0.5):
    r"""Two concentric circles: class 0 on the unit circle, class 1 on radius ``factor``.

    Each class has :math:`n` points at angles drawn uniformly from :math:`[0, 2\pi)`, plus
    Gaussian noise of standard deviation ``noise`` on each coordinate.

    Parameters
    ----------
    n : int
        Points per class, ≥ 1.
    noise : float
        Standard deviation of the noise, ≥ 0.
    rng : numpy.random.Generator
        The source of the angles, the noise and the order of the columns.
    factor : float
        Radius of the inner circle, 0 < factor < 1 (default 0.5).

    Returns
    -------
    X : ndarray
        Shape ``(2, 2n)``, float64, columns in random order.
    y : ndarray
        Shape ``(2n,)``: 0 for the outer circle, 1 for the inner one, ``n`` of each (int64).
    """
    n = as_int_at_least(n, "n", 1)
    noise = as_nonnegative_number(noise, "noise")
    rng = as_generator(rng)
    factor = as_positive_number(factor, "factor")
    if factor >= 1:
        raise ValueError(f"factor (the inner radius) must satisfy 0 < factor < 1, got {factor}")
    y = np.repeat([0, 1], n)
    radius = np.where(y == 0, 1.0, factor)
    theta = rng.uniform(0, 2 * np.pi, 2 * n)
    X = radius * np.stack([np.cos(theta), np.sin(theta)]) + noise * rng.standard_normal((2, 2 * n))
    return _shuffled(X, y, rng)


def blobs(n, centers, std, rng):
    """Gaussian blobs: ``n`` points around each centre, one class per centre.

    Parameters
    ----------
    n : int
        Points per class, ≥ 1.
    centers : int or array_like
        Either the number of classes K ≥ 1, whose centres are then drawn uniformly from
        the square [−5, 5]², or the centres themselves as the columns of an array of shape
        ``(d, K)``.
    std : float
        Standard deviation of each coordinate around its centre, ≥ 0.
    rng : numpy.random.Generator
        The source of the centres (when drawn), the points and the order of the columns.

    Returns
    -------
    X : ndarray
        Shape ``(d, K·n)`` (``d = 2`` when ``centers`` is a number), float64, columns in
        random order; class ``c`` is spread around centre ``c``.
    y : ndarray
        Shape ``(K·n,)``, labels 0 … K−1, exactly ``n`` of each (int64).
    """
    n = as_int_at_least(n, "n", 1)
    std = as_nonnegative_number(std, "std")
    rng = as_generator(rng)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, (bool, np.bool_)):
        k = as_int_at_least(centers, "centers", 1)
        centers = rng.uniform(-5, 5, size=(2, k))
    else:
        centers = as_real_array(centers, "centers")
        if centers.ndim != 2 or centers.shape[1] < 1 or centers.shape[0] < 1:
            raise ValueError(
                f"centers must be a number of classes or an array of shape (d, K) with the "
                f"centres as columns, got shape {centers.shape}"
            )
        centers = centers.astype(np.float64)
    d, k = centers.shape
    y = np.repeat(np.arange(k), n)
    X = centers[:, y] + std * rng.standard_normal((d, k * n))
    return _shuffled(X, y, rng)


def target_1d(X):
    r"""The default target of :func:`regression_1d`: :math:`G(x) = \sin(\pi x)`.

    Parameters
    ----------
    X : ndarray
        Inputs of shape ``(1, m)``.

    Returns
    -------
    ndarray
        :math:`G(X)`, shape ``(1, m)``.
    """
    return np.sin(np.pi * X)


def target_2d(X):
    r"""The default target of :func:`regression_2d`: a bump on a ridge.

    .. math:: G(x_1, x_2) = e^{-4 (x_1^2 + x_2^2)} + \tfrac12 \sin(\pi x_1)

    Parameters
    ----------
    X : ndarray
        Inputs of shape ``(2, m)``.

    Returns
    -------
    ndarray
        :math:`G(X)`, shape ``(1, m)``.
    """
    x1, x2 = X[0:1], X[1:2]
    return np.exp(-4 * (x1**2 + x2**2)) + 0.5 * np.sin(np.pi * x1)


def regression_1d(m, noise, rng, *, target=None, low=-1.0, high=1.0):
    r"""Noisy samples :math:`y = G(x) + \varepsilon` of a function of one variable.

    :math:`x` is drawn uniformly from ``[low, high]`` and
    :math:`\varepsilon \sim \mathcal N(0, \text{noise}^2)`.

    Parameters
    ----------
    m : int
        Number of samples, ≥ 1.
    noise : float
        Standard deviation of the noise, ≥ 0 (0 gives exact values of :math:`G`).
    rng : numpy.random.Generator
        The source of the inputs and the noise.
    target : callable
        :math:`G`, mapping inputs ``(1, m)`` to outputs ``(n_out, m)`` (or ``(m,)``,
        read as ``(1, m)``); ``None`` (the default) means :func:`target_1d`,
        :math:`\sin(\pi x)`.
    low, high : float
        The input interval, ``low < high`` (default [−1, 1]).

    Returns
    -------
    X : ndarray
        Shape ``(1, m)``, float64, in random order (sort it for line plots).
    Y : ndarray
        Shape ``(n_out, m)``, float64.
    """
    return _regression(m, noise, rng, target_1d if target is None else target, low, high, n_in=1)


def regression_2d(m, noise, rng, *, target=None, low=-1.0, high=1.0):
    r"""Noisy samples :math:`y = G(x_1, x_2) + \varepsilon` of a function on a square.

    :math:`(x_1, x_2)` is drawn uniformly from ``[low, high]²`` and
    :math:`\varepsilon \sim \mathcal N(0, \text{noise}^2)`.

    Parameters
    ----------
    m : int
        Number of samples, ≥ 1.
    noise : float
        Standard deviation of the noise, ≥ 0.
    rng : numpy.random.Generator
        The source of the inputs and the noise.
    target : callable
        :math:`G`, mapping inputs ``(2, m)`` to outputs ``(n_out, m)`` (or ``(m,)``);
        ``None`` (the default) means :func:`target_2d`.
    low, high : float
        The interval of each input coordinate, ``low < high`` (default [−1, 1]).

    Returns
    -------
    X : ndarray
        Shape ``(2, m)``, float64.
    Y : ndarray
        Shape ``(n_out, m)``, float64.
    """
    return _regression(m, noise, rng, target_2d if target is None else target, low, high, n_in=2)


def _regression(m, noise, rng, target, low, high, *, n_in):
    m = as_int_at_least(m, "m", 1)
    noise = as_nonnegative_number(noise, "noise")
    rng = as_generator(rng)
    if not callable(target):
        raise ValueError(f"target must be a callable G(X), got {type(target).__name__}")
    low, high = (float(as_real_array(v, name)) for v, name in ((low, "low"), (high, "high")))
    if not low < high:
        raise ValueError(f"the input interval needs low < high, got low={low}, high={high}")
    X = rng.uniform(low, high, size=(n_in, m))
    Y = as_real_array(target(X.copy()), "target(X)").astype(np.float64)
    if Y.shape == (m,):
        Y = Y.reshape(1, m)
    if Y.ndim != 2 or Y.shape[1] != m:
        raise ValueError(f"target(X) must return shape (n_out, {m}) for X of shape {X.shape}, got {Y.shape}")
    Y = Y + noise * rng.standard_normal(Y.shape)
    return X, Y


def word_windows(m, rng, *, vectors=None, vocab_size=None, n_entities=10, dim=None, window=5, return_ids=False):
    r"""A synthetic corpus of word windows for the max-margin window classifier.

    A vocabulary of ``vocab_size`` words gets random word vectors, the columns of
    ``vectors`` of shape ``(d, V)`` with independent :math:`\mathcal N(0, 1)` entries.
    Words ``0 … n_entities−1`` are named entities (think "Paris"); the others are ordinary
    words. A **true** window has an entity in its centre and ordinary words around it; its
    **corrupted** copy keeps the context and replaces the centre by a random ordinary
    word. A window becomes one column by stacking its word vectors in order, so a window
    of 5 words and ``d = 4`` is a column of 20 numbers (CS224n's dimension analysis).

    The first ``m`` columns are true windows and column ``m + j`` is the corrupted copy
    of column ``j``, so a scorer gives ``s = score(X[:, :m])`` and
    ``s_c = score(X[:, m:])`` for the max-margin loss :math:`\max(0, 1 + s_c - s)`.

    Each call draws new word vectors unless it is given some: for a test set over the
    same vocabulary, pass the ``vectors`` of the training set (``return_ids=True``
    returns them), e.g. ``word_windows(500, rng, vectors=vectors)``.

    Parameters
    ----------
    m : int
        Number of true windows (and of corrupted ones), ≥ 1.
    rng : numpy.random.Generator
        The source of the word vectors (unless given) and the words.
    vectors : array_like, optional
        Word vectors to use, the columns of an array of shape ``(d, V)``; by default
        they are drawn from ``rng``.
    vocab_size : int, optional
        :math:`V`, greater than ``n_entities``: 50 by default, or the number of columns
        of ``vectors``.
    n_entities : int
        How many of the words are entities, ≥ 1 (default 10).
    dim : int, optional
        :math:`d`, the length of a word vector, ≥ 1: 4 by default, or the number of
        rows of ``vectors``.
    window : int
        Words per window, odd, ≥ 1 (default 5); the centre is word ``window // 2``.
    return_ids : bool
        Also return the word indices and the word vectors (default False).

    Returns
    -------
    X : ndarray
        Shape ``(window·d, 2m)``, float64: rows ``k·d … (k+1)·d − 1`` of a column hold
        the vector of the window's ``k``-th word.
    y : ndarray
        Shape ``(2m,)``, int64: 1 for the ``m`` true windows, then 0 for the ``m``
        corrupted ones.
    ids : ndarray
        Only with ``return_ids``: shape ``(window, 2m)``, int64, the word index at each
        position of each window.
    vectors : ndarray
        Only with ``return_ids``: shape ``(d, V)``, float64, the word vectors as columns.
    """
    m = as_int_at_least(m, "m", 1)
    rng = as_generator(rng)
    n_entities = as_int_at_least(n_entities, "n_entities", 1)
    if vectors is not None:
        vectors = as_real_array(vectors, "vectors").astype(np.float64)  # a new array
        if vectors.ndim != 2:
            raise ValueError(f"vectors must have shape (d, V), one word vector per column, got {vectors.shape}")
        for name, given, actual in (("dim", dim, vectors.shape[0]), ("vocab_size", vocab_size, vectors.shape[1])):
            if given is not None and given != actual:
                raise ValueError(f"{name}={given!r} does not match vectors of shape {vectors.shape}")
        dim, vocab_size = vectors.shape
    vocab_size = as_int_at_least(50 if vocab_size is None else vocab_size, "vocab_size", n_entities + 1)
    dim = as_int_at_least(4 if dim is None else dim, "dim", 1)
    window = as_int_at_least(window, "window", 1)
    if window % 2 == 0:
        raise ValueError(f"window must be odd (a centre word with as many words on each side), got {window}")
    centre = window // 2

    if vectors is None:
        vectors = rng.standard_normal((dim, vocab_size))
    true_ids = rng.integers(n_entities, vocab_size, size=(window, m))  # ordinary context words
    true_ids[centre] = rng.integers(0, n_entities, size=m)  # an entity in the centre
    corrupted_ids = true_ids.copy()
    corrupted_ids[centre] = rng.integers(n_entities, vocab_size, size=m)  # an ordinary centre
    ids = np.concatenate([true_ids, corrupted_ids], axis=1)

    # vectors[:, ids] has shape (d, window, 2m); stack the window's vectors into one column.
    X = vectors[:, ids].transpose(1, 0, 2).reshape(window * dim, 2 * m)
    y = np.repeat(np.array([1, 0], dtype=np.int64), m)
    if return_ids:
        return X, y, ids.astype(np.int64), vectors
    return X, y


class Split(NamedTuple):
    """One part of a data set: inputs and labels, unpackable as ``X, y = split``."""

    #: Inputs, shape ``(n[0], m)``.
    X: np.ndarray
    #: Integer labels, shape ``(m,)``.
    y: np.ndarray


class Digits(NamedTuple):
    """The digits split three ways; unpackable as ``train, validation, test = digits()``."""

    #: The training set (1265 samples).
    train: Split
    #: The validation set (266 samples).
    validation: Split
    #: The test set (266 samples).
    test: Split


def digits(seed=0):
    """The 1797 handwritten digits of scikit-learn, split into training, validation and test.

    Each sample is an 8×8 grey-level image (pixel values 0 … 16 in the original, divided
    by 16 here) flattened row by row into a column of 64 features in [0, 1]; the label is
    the digit 0 … 9. The data come from the copy that ships inside scikit-learn
    (``sklearn.datasets.load_digits``): nothing is downloaded.

    The split is stratified: within each digit, the samples are shuffled with
    ``numpy.random.default_rng(seed)``, the first ⌊15 %⌋ go to the test set, the next
    ⌊15 %⌋ to the validation set and the rest to the training set; the columns of each
    set are then shuffled. For every seed the sizes are 1265 (training), 266 (validation)
    and 266 (test); the three sets are disjoint and together hold all 1797 samples.
    Reshape a column with ``x.reshape(8, 8)`` to see the image.

    Parameters
    ----------
    seed : int
        Seed of the split (default 0); the same seed gives the same split everywhere.

    Returns
    -------
    Digits
        ``(train, validation, test)``, each a :class:`Split` ``(X, y)`` with ``X`` of
        shape ``(64, m)`` (float64, in [0, 1]) and ``y`` of shape ``(m,)`` (int64, 0 … 9).
    """
    seed = as_int_at_least(seed, "seed", 0)
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - scikit-learn is a requirement of the book
        raise ImportError("nnbook.datasets.digits needs scikit-learn: pip install scikit-learn") from exc
    images, labels = load_digits(return_X_y=True)  # (1797, 64) in 0 … 16, (1797,)
    X = (images.T / 16.0).astype(np.float64)  # samples as columns, features in [0, 1]
    y = labels.astype(np.int64)

    rng = np.random.default_rng(seed)
    parts = {"train": [], "validation": [], "test": []}
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(y == digit))
        n_hold = 15 * len(idx) // 100  # ⌊15 %⌋ of this digit's samples
        parts["test"].append(idx[:n_hold])
        parts["validation"].append(idx[n_hold : 2 * n_hold])
        parts["train"].append(idx[2 * n_hold :])
    splits = {}
    for name, pieces in parts.items():
        idx = rng.permutation(np.concatenate(pieces))
        splits[name] = Split(X[:, idx], y[idx])
    return Digits(**splits)


def _shuffled(X, y, rng):
    """The columns of ``X`` and the entries of ``y`` in one random order."""
    order = rng.permutation(y.shape[0])
    return X[:, order], y[order].astype(np.int64)
