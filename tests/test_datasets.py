"""Tests of nnbook.datasets: exact truth tables, documented shapes, dtypes and label
ranges, balance, determinism per seed, the word-window corpus and the digits split."""
import numpy as np
import pytest

from nnbook import datasets


def rng(seed=0):
    return np.random.default_rng(seed)


# --- logic gates -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name, rule",
    [
        ("and", lambda a, b: a and b),
        ("or", lambda a, b: a or b),
        ("xor", lambda a, b: a != b),
        ("nand", lambda a, b: not (a and b)),
        ("nor", lambda a, b: not (a or b)),
        ("xnor", lambda a, b: a == b),
    ],
)
def test_truth_tables(name, rule):
    X, y = datasets.logic_gate(name)
    assert X.shape == (2, 4) and X.dtype == np.float64
    assert y.shape == (4,) and y.dtype == np.int64
    # Every input pair appears once, and the label is the rule applied to it.
    assert sorted(map(tuple, X.T.tolist())) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [int(rule(bool(a), bool(b))) for a, b in X.T] == y.tolist()
    X_upper, y_upper = datasets.logic_gate(name.upper())
    np.testing.assert_array_equal(y_upper, y)


def test_xor_table_exact():
    X, y = datasets.xor()
    np.testing.assert_array_equal(X, [[0, 0, 1, 1], [0, 1, 0, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    np.testing.assert_array_equal(datasets.logic_gate("and")[1], [0, 0, 0, 1])
    np.testing.assert_array_equal(datasets.logic_gate("or")[1], [0, 1, 1, 1])


@pytest.mark.parametrize("name", ["xand", "", None, 3])
def test_unknown_gate(name):
    with pytest.raises(ValueError, match=f"unknown gate name {name!r}; known gates: and, or, xor"):
        datasets.logic_gate(name)


# --- 2-D classification sets ---------------------------------------------------------------

CLASSIFICATION = {
    "spirals": lambda r: datasets.spirals(60, 0.1, r),
    "spirals, 3 arms": lambda r: datasets.spirals(40, 0.05, r, classes=3, turns=1.5),
    "circles": lambda r: datasets.circles(70, 0.05, r),
    "blobs": lambda r: datasets.blobs(30, 4, 0.5, r),
    "blobs in 3-D": lambda r: datasets.blobs(25, np.array([[0, 5], [0, 5], [1, -1]]), 1.0, r),
}
EXPECTED = {  # (n_features, classes, points per class) as documented
    "spirals": (2, 2, 60),
    "spirals, 3 arms": (2, 3, 40),
    "circles": (2, 2, 70),
    "blobs": (2, 4, 30),
    "blobs in 3-D": (3, 2, 25),
}


@pytest.mark.parametrize("name", list(CLASSIFICATION))
def test_classification_shapes_balance_and_determinism(name):
    d, k, n = EXPECTED[name]
    X, y = CLASSIFICATION[name](rng(1))
    assert X.shape == (d, k * n) and X.dtype == np.float64 and np.isfinite(X).all()
    assert y.shape == (k * n,) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [n] * k)  # labels 0 … K−1, balanced
    X2, y2 = CLASSIFICATION[name](rng(1))
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = CLASSIFICATION[name](rng(2))
    assert not np.allclose(X, X3)
    assert not np.array_equal(y, np.sort(y))  # columns in random order, not class blocks


def test_spirals_without_noise_follow_the_formula():
    n, k, turns = 50, 2, 1.0
    X, y = datasets.spirals(n, 0.0, rng(), classes=k, turns=turns)
    r = np.hypot(X[0], X[1])
    assert r.min() == pytest.approx(0.05) and r.max() == pytest.approx(1.0)
    theta = np.arctan2(X[1], X[0])
    expected = 2 * np.pi * (turns * r + y / k)
    # Angles agree modulo 2π.
    np.testing.assert_allclose(np.angle(np.exp(1j * (theta - expected))), 0, atol=1e-9)
    # With two arms, arm 1 is arm 0 turned by π: the same radii, opposite points.
    a0 = X[:, y == 0][:, np.argsort(r[y == 0])]
    a1 = X[:, y == 1][:, np.argsort(r[y == 1])]
    np.testing.assert_allclose(a1, -a0, atol=1e-12)


def test_circles_without_noise_lie_on_the_circles():
    X, y = datasets.circles(40, 0.0, rng(), factor=0.3)
    r = np.hypot(X[0], X[1])
    np.testing.assert_allclose(r[y == 0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(r[y == 1], 0.3, rtol=1e-12)


def test_blobs_sit_on_their_centres():
    centers = np.array([[0.0, 4.0, -3.0], [1.0, -2.0, 5.0]])
    X, y = datasets.blobs(5, centers, 0.0, rng())
    np.testing.assert_array_equal(X, centers[:, y])
    X, y = datasets.blobs(4000, centers, 0.5, rng())
    for c in range(3):
        np.testing.assert_allclose(X[:, y == c].mean(axis=1), centers[:, c], atol=0.05)
        np.testing.assert_allclose(X[:, y == c].std(axis=1), 0.5, rtol=0.05)
    X, _ = datasets.blobs(3, 6, 0.0, rng())
    assert X.shape == (2, 18) and np.all(np.abs(X) <= 5)  # drawn centres in [−5, 5]²


# --- regression ------------------------------------------------------------------------------

def test_regression_1d():
    X, Y = datasets.regression_1d(200, 0.0, rng())
    assert X.shape == (1, 200) and Y.shape == (1, 200) and X.dtype == Y.dtype == np.float64
    assert X.min() >= -1 and X.max() <= 1
    np.testing.assert_allclose(Y, np.sin(np.pi * X), rtol=1e-15)
    X, Y = datasets.regression_1d(20_000, 0.2, rng(), low=0.0, high=3.0)
    assert X.min() >= 0 and X.max() <= 3
    assert np.std(Y - np.sin(np.pi * X)) == pytest.approx(0.2, rel=0.03)
    X2, Y2 = datasets.regression_1d(20_000, 0.2, rng(), low=0.0, high=3.0)
    np.testing.assert_array_equal(Y, Y2)


def test_regression_2d():
    X, Y = datasets.regression_2d(300, 0.0, rng())
    assert X.shape == (2, 300) and Y.shape == (1, 300)
    x1, x2 = X
    np.testing.assert_allclose(Y[0], np.exp(-4 * (x1**2 + x2**2)) + 0.5 * np.sin(np.pi * x1), rtol=1e-14)


def test_regression_custom_target_with_two_outputs():
    target = lambda X: np.vstack([X[0] * X[1], X[0] - X[1]])  # noqa: E731
    X, Y = datasets.regression_2d(10, 0.0, rng(), target=target)
    assert Y.shape == (2, 10)
    np.testing.assert_allclose(Y, target(X))
    X, Y = datasets.regression_1d(10, 0.0, rng(), target=lambda X: X[0] ** 2)  # (m,) is read as (1, m)
    np.testing.assert_allclose(Y, X**2)


# --- word windows ----------------------------------------------------------------------------

def test_word_windows_shapes_and_labels():
    X, y = datasets.word_windows(30, rng())
    assert X.shape == (5 * 4, 60) and X.dtype == np.float64  # 5 words × d = 4 per column
    np.testing.assert_array_equal(y, [1] * 30 + [0] * 30)
    assert y.dtype == np.int64
    X, y = datasets.word_windows(8, rng(), dim=6, window=3)
    assert X.shape == (18, 16)


def test_word_windows_true_and_corrupted_centres():
    m, d, w, n_ent, V = 200, 3, 5, 7, 40
    X, y, ids, vectors = datasets.word_windows(m, rng(5), vocab_size=V, n_entities=n_ent, dim=d, window=w, return_ids=True)
    assert ids.shape == (w, 2 * m) and ids.dtype == np.int64 and vectors.shape == (d, V)
    assert ids.min() >= 0 and ids.max() < V
    # Each column stacks its words' vectors in window order.
    for j in (0, 1, m, 2 * m - 1):
        np.testing.assert_array_equal(X[:, j], np.concatenate([vectors[:, i] for i in ids[:, j]]))
    centre = w // 2
    true, corrupted = ids[:, :m], ids[:, m:]
    assert np.all(true[centre] < n_ent)  # an entity in the centre of every true window
    assert np.all(corrupted[centre] >= n_ent)  # an ordinary word in every corrupted centre
    context = np.arange(w) != centre
    assert np.all(true[context] >= n_ent)
    np.testing.assert_array_equal(true[context], corrupted[context])  # same context
    # So a true window and its corrupted copy differ only in the centre rows of X.
    rows = np.arange(w * d) // d == centre
    np.testing.assert_array_equal(X[~rows, :m], X[~rows, m:])
    assert np.all(np.any(X[rows, :m] != X[rows, m:], axis=0))
    # Every entity and many ordinary words occur.
    assert set(true[centre]) == set(range(n_ent))


def test_word_windows_deterministic():
    a = datasets.word_windows(10, rng(3))
    b = datasets.word_windows(10, rng(3))
    c = datasets.word_windows(10, rng(4))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.allclose(a[0], c[0])


# --- digits ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def digit_splits():
    return datasets.digits()


def test_digits_structure(digit_splits):
    train, validation, test = digit_splits
    assert digit_splits.train is train and digit_splits.test is test
    for split, m in ((train, 1265), (validation, 266), (test, 266)):
        X, y = split
        assert X.shape == (64, m) and X.dtype == np.float64
        assert y.shape == (m,) and y.dtype == np.int64
        assert X.min() >= 0 and X.max() <= 1
        assert set(y.tolist()) == set(range(10))


def test_digits_split_is_disjoint_and_covers_all_samples(digit_splits):
    load_digits = pytest.importorskip("sklearn.datasets").load_digits
    images, labels = load_digits(return_X_y=True)
    original = np.column_stack([images / 16.0, labels])
    ours = np.vstack([np.column_stack([s.X.T, s.y]) for s in digit_splits])
    assert ours.shape == original.shape == (1797, 65)
    assert ours.max() == 9.0 and original[:, :64].max() == 1.0  # scaled from 0 … 16
    # The same multiset of (image, label) rows: every sample once, none twice.
    np.testing.assert_array_equal(ours[np.lexsort(ours.T)], original[np.lexsort(original.T)])


def test_digits_stratified(digit_splits):
    counts = np.bincount(np.concatenate([s.y for s in digit_splits]))
    for split in (digit_splits.validation, digit_splits.test):
        np.testing.assert_array_equal(np.bincount(split.y), 15 * counts // 100)


def test_digits_deterministic_per_seed(digit_splits):
    again = datasets.digits(seed=0)
    other = datasets.digits(seed=1)
    for a, b in zip(digit_splits, again):
        np.testing.assert_array_equal(a.X, b.X)
        np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(digit_splits.test.X, other.test.X)
    assert other.train.X.shape == (64, 1265)


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: datasets.spirals(0, 0.1, rng()), "n must be an integer >= 1, got 0"),
        (lambda: datasets.spirals(10.5, 0.1, rng()), "n must be an integer >= 1, got float 10.5"),
        (lambda: datasets.spirals(10, -0.1, rng()), "noise must be a finite number >= 0, got -0.1"),
        (lambda: datasets.spirals(10, 0.1, 0), "rng must be a numpy.random.Generator .* got int"),
        (lambda: datasets.spirals(10, 0.1, np.random.RandomState(0)), "rng must be a numpy.random.Generator"),
        (lambda: datasets.spirals(10, 0.1, rng(), classes=1), "classes must be an integer >= 2, got 1"),
        (lambda: datasets.spirals(10, 0.1, rng(), turns=0), "turns must be a finite number > 0"),
        (lambda: datasets.circles(10, 0.1, rng(), factor=1.0), r"factor \(the inner radius\) must satisfy 0 < factor < 1, got 1.0"),
        (lambda: datasets.circles(10, 0.1, rng(), factor=-0.5), "factor must be a finite number > 0"),
        (lambda: datasets.blobs(10, 0, 1.0, rng()), "centers must be an integer >= 1, got 0"),
        (lambda: datasets.blobs(10, np.ones(3), 1.0, rng()), r"centers must be .* array of shape \(d, K\) .* got shape \(3,\)"),
        (lambda: datasets.blobs(10, 2, -1.0, rng()), "std must be a finite number >= 0"),
        (lambda: datasets.regression_1d(0, 0.1, rng()), "m must be an integer >= 1, got 0"),
        (lambda: datasets.regression_1d(5, 0.1, rng(), low=1.0, high=1.0), "the input interval needs low < high, got low=1.0, high=1.0"),
        (lambda: datasets.regression_2d(5, 0.1, rng(), target="sin"), "target must be a callable G"),
        (lambda: datasets.regression_2d(5, 0.1, rng(), target=lambda X: X[:, :2]),
         r"target\(X\) must return shape \(n_out, 5\) for X of shape \(2, 5\), got \(2, 2\)"),
        (lambda: datasets.word_windows(0, rng()), "m must be an integer >= 1, got 0"),
        (lambda: datasets.word_windows(5, rng(), window=4), r"window must be odd .* got 4"),
        (lambda: datasets.word_windows(5, rng(), vocab_size=10, n_entities=10), "vocab_size must be an integer >= 11, got 10"),
        (lambda: datasets.word_windows(5, rng(), n_entities=0), "n_entities must be an integer >= 1, got 0"),
        (lambda: datasets.word_windows(5, 7), "rng must be a numpy.random.Generator"),
        (lambda: datasets.digits(seed=-1), "seed must be an integer >= 0, got -1"),
        (lambda: datasets.digits(seed=0.5), "seed must be an integer >= 0, got float 0.5"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_word_windows_reuse_vectors_for_a_test_set():
    X, y, ids, vectors = datasets.word_windows(50, rng(0), dim=3, vocab_size=20, n_entities=4, return_ids=True)
    X_test, y_test, ids_test, vectors_test = datasets.word_windows(30, rng(1), vectors=vectors, n_entities=4, return_ids=True)
    np.testing.assert_array_equal(vectors_test, vectors)
    assert vectors_test is not vectors
    assert X_test.shape == (15, 60)
    np.testing.assert_array_equal(X_test[:, 0], np.concatenate([vectors[:, i] for i in ids_test[:, 0]]))
    assert not np.array_equal(ids_test[:, :30], ids[:, :30])
    with pytest.raises(ValueError, match=r"dim=5 does not match vectors of shape \(3, 20\)"):
        datasets.word_windows(5, rng(), vectors=vectors, dim=5)
    with pytest.raises(ValueError, match=r"vectors must have shape \(d, V\), one word vector per column, got \(3,\)"):
        datasets.word_windows(5, rng(), vectors=np.ones(3))
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 11, got 8"):
        datasets.word_windows(5, rng(), vectors=np.ones((2, 8)))
