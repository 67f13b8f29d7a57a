"""Tests of nnbook.preprocessing: centring, standardizing, PCA and ZCA whitening on
column-sample data; training statistics only; scikit-learn as an oracle for PCA."""
import numpy as np
import pytest

from nnbook.preprocessing import Center, PCAWhiten, Standardize, ZCAWhiten


def correlated_data(m, seed=0, n=4):
    """Columns x = L z + c with z standard normal: covariance L Lᵀ, far from identity."""
    rng = np.random.default_rng(seed)
    L = rng.standard_normal((n, n)) * np.array([3.0, 1.0, 0.3, 2.0])[:n]
    return L @ rng.standard_normal((n, m)) + rng.uniform(-5, 5, size=(n, 1))


def covariance(X):
    """(1/m) X̃ X̃ᵀ, written out here (not taken from the code under test)."""
    Xc = X - X.mean(axis=1, keepdims=True)
    return Xc @ Xc.T / X.shape[1]


# --- Center and Standardize ---------------------------------------------------------------

def test_center():
    X = correlated_data(50)
    pre = Center()
    assert pre.fit(X) is pre
    assert pre.mean_.shape == (4, 1)
    np.testing.assert_allclose(pre.mean_[:, 0], [np.mean(row) for row in X], rtol=1e-13)
    out = pre.transform(X)
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-13)
    np.testing.assert_allclose(covariance(out), covariance(X), rtol=1e-12)


def test_standardize_zero_mean_unit_variance():
    X = correlated_data(200, seed=1)
    out = Standardize().fit_transform(X)
    assert out.shape == X.shape
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-13)
    np.testing.assert_allclose(np.mean(out**2, axis=1), 1, rtol=1e-12)  # variance with 1/m


def test_standardize_matches_sklearn():
    sklearn_preprocessing = pytest.importorskip("sklearn.preprocessing")
    X = correlated_data(120, seed=2)
    ours = Standardize().fit(X)
    theirs = sklearn_preprocessing.StandardScaler().fit(X.T)  # scikit-learn: samples as rows
    np.testing.assert_allclose(ours.mean_[:, 0], theirs.mean_, rtol=1e-13)
    np.testing.assert_allclose(ours.scale_[:, 0], theirs.scale_, rtol=1e-13)
    X_new = correlated_data(7, seed=3)
    np.testing.assert_allclose(ours.transform(X_new), theirs.transform(X_new.T).T, rtol=1e-12, atol=1e-13)


def test_standardize_constant_feature_is_only_centred():
    X = np.array([[1.0, 2.0, 3.0, 4.0], [7.0, 7.0, 7.0, 7.0]])
    pre = Standardize().fit(X)
    np.testing.assert_array_equal(pre.scale_[:, 0], [np.sqrt(1.25), 1.0])  # var of 1..4 is 1.25
    np.testing.assert_allclose(pre.transform(X)[1], 0.0)
    np.testing.assert_allclose(pre.transform(np.array([[2.5], [9.0]]))[:, 0], [0.0, 2.0])


@pytest.mark.parametrize("value", [0.1, 1e-3, 123.456, -729999.9])
def test_standardize_constant_feature_with_rounding_error_is_only_centred(value):
    # mean() of a constant that is not a power of two rounds, so std() is ~1e-17, not 0:
    # dividing by it would turn the constant into noise of size 1.
    rng = np.random.default_rng(0)
    X = np.vstack([rng.standard_normal(1000), np.full(1000, value)])
    assert X[1].std() > 0  # the round-off this test is about
    pre = Standardize().fit(X)
    assert pre.scale_[1, 0] == 1.0
    assert np.abs(pre.transform(X)[1]).max() < 1e-9 * max(1.0, abs(value))
    from sklearn.preprocessing import StandardScaler

    theirs = StandardScaler().fit(X.T)
    assert theirs.scale_[1] == 1.0  # scikit-learn treats it as constant too
    # A feature with a genuine, if small, spread keeps its scale.
    X[1, ::2] += 1e-6 * max(1.0, abs(value))
    assert Standardize().fit(X).scale_[1, 0] != 1.0


@pytest.mark.parametrize("cls", [Center, Standardize, PCAWhiten, ZCAWhiten])
def test_other_data_use_training_statistics_only(cls):
    X_train = correlated_data(300, seed=4)
    X_test = correlated_data(40, seed=5) + 10.0  # a shifted, differently mixed set
    pre = cls().fit(X_train)
    fitted = {k: v.copy() for k, v in vars(pre).items() if k.endswith("_")}
    out = pre.transform(X_test)
    # The same numbers as applying the training statistics by hand ...
    mu = X_train.mean(axis=1, keepdims=True)
    if cls is Center:
        expected = X_test - mu
    elif cls is Standardize:
        expected = (X_test - mu) / X_train.std(axis=1, keepdims=True)
    else:
        expected = pre.W_ @ (X_test - mu)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    # ... not refitted on the new data, and nothing fitted has changed.
    assert not np.allclose(out, cls().fit_transform(X_test), atol=1e-3)
    for key, value in fitted.items():
        np.testing.assert_array_equal(getattr(pre, key), value)


# --- whitening ------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [PCAWhiten, ZCAWhiten])
def test_whitened_training_data_have_identity_covariance(cls):
    X = correlated_data(500, seed=6)
    out = cls(eps=1e-12).fit_transform(X)
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    assert np.abs(covariance(out) - np.eye(4)).max() < 1e-8
    assert np.abs(covariance(X) - np.eye(4)).max() > 1  # it was far from white before


def test_pca_whitening_rotates_onto_principal_axes():
    X = correlated_data(400, seed=7)
    pre = PCAWhiten(eps=1e-12).fit(X)
    lam = np.sort(np.linalg.eigvalsh(covariance(X)))[::-1]
    np.testing.assert_allclose(pre.eigenvalues_, lam, rtol=1e-10)
    U = pre.eigenvectors_
    np.testing.assert_allclose(U.T @ U, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(covariance(X) @ U, U * lam, atol=1e-10)  # Σ u_i = λ_i u_i
    # W = Λ^{-1/2} Uᵀ: row i of the output is the projection on u_i over √λ_i.
    out = pre.transform(X)
    Xc = X - X.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(out, (U.T @ Xc) / np.sqrt(lam)[:, None], rtol=1e-8, atol=1e-10)
    # Each eigenvector's largest entry is positive (a fixed sign convention).
    assert all(U[np.argmax(np.abs(U[:, i])), i] > 0 for i in range(4))


def test_pca_whitening_matches_sklearn():
    decomposition = pytest.importorskip("sklearn.decomposition")
    X = correlated_data(300, seed=8)
    m = X.shape[1]
    ours = PCAWhiten(eps=1e-14).fit_transform(X)
    theirs = decomposition.PCA(whiten=True, svd_solver="full").fit_transform(X.T).T
    # scikit-learn divides variances by m − 1, we by m; eigenvector signs are arbitrary.
    theirs = theirs * np.sqrt(m / (m - 1))
    signs = np.sign(np.sum(ours * theirs, axis=1, keepdims=True))
    np.testing.assert_allclose(ours, signs * theirs, rtol=1e-7, atol=1e-9)


def test_zca_whitening_matrix_is_the_inverse_square_root():
    X = correlated_data(300, seed=9)
    pre = ZCAWhiten(eps=1e-12).fit(X)
    W, S = pre.W_, covariance(X)
    np.testing.assert_allclose(W, W.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(W @ W @ S, np.eye(4), atol=1e-8)  # W² = Σ^{-1}
    assert np.all(np.linalg.eigvalsh(W) > 0)  # the symmetric positive square root


def test_zca_stays_closest_to_the_data():
    # ZCA = Uᵀ-rotation undone: among whitenings (any orthogonal Q times PCA's W), it
    # changes the data least. Compare with PCA and with a random rotation of it.
    X = correlated_data(300, seed=10)
    Xc = X - X.mean(axis=1, keepdims=True)
    zca = ZCAWhiten(eps=1e-12).fit_transform(X)
    pca = PCAWhiten(eps=1e-12).fit_transform(X)
    Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((4, 4)))
    np.testing.assert_allclose(covariance(Q @ pca), np.eye(4), atol=1e-8)
    assert np.linalg.norm(zca - Xc) < np.linalg.norm(pca - Xc)
    assert np.linalg.norm(zca - Xc) < np.linalg.norm(Q @ pca - Xc)


@pytest.mark.parametrize("cls", [PCAWhiten, ZCAWhiten])
def test_eps_shrinks_the_variances(cls):
    # With ε the whitened covariance is U diag(λ/(λ+ε)) Uᵀ (ZCA) or the diagonal itself (PCA).
    X = correlated_data(200, seed=11)
    eps = 0.5
    pre = cls(eps=eps).fit(X)
    lam = np.sort(np.linalg.eigvalsh(covariance(X)))[::-1]
    cov = covariance(pre.transform(X))
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(cov))[::-1], lam / (lam + eps), rtol=1e-10)
    if cls is PCAWhiten:
        np.testing.assert_allclose(cov, np.diag(lam / (lam + eps)), atol=1e-12)


def test_whitening_rank_deficient_data_stays_finite():
    # Fewer samples than features and a constant feature: zero eigenvalues, no division by 0.
    rng = np.random.default_rng(12)
    X = np.vstack([rng.standard_normal((5, 3)), np.full((1, 3), 2.0)])
    for cls in (PCAWhiten, ZCAWhiten):
        pre = cls().fit(X)
        assert np.isfinite(pre.W_).all()
        assert np.all(pre.eigenvalues_ >= 0) and np.sum(pre.eigenvalues_ > 1e-10) == 2
        out = pre.transform(X)
        cov = covariance(out)
        assert np.isfinite(out).all()
        # The two directions with variance are whitened; the rest carry (almost) nothing.
        assert np.sort(np.linalg.eigvalsh(cov))[-2:] == pytest.approx([1.0, 1.0], rel=1e-6)


# --- dtypes, inputs, bad input --------------------------------------------------------------

@pytest.mark.parametrize("cls", [Center, Standardize, PCAWhiten, ZCAWhiten])
def test_float32_kept_and_input_untouched(cls):
    X = correlated_data(100, seed=13).astype(np.float32)
    before = X.copy()
    out = cls().fit_transform(X)
    np.testing.assert_array_equal(X, before)
    assert out.dtype == np.float32 and out.shape == X.shape
    np.testing.assert_allclose(out, cls().fit_transform(X.astype(np.float64)), rtol=1e-4, atol=1e-4)
    assert cls().fit_transform(np.arange(12).reshape(3, 4) ** 2).dtype == np.float64  # ints become float64


@pytest.mark.parametrize("cls", [Center, Standardize, PCAWhiten, ZCAWhiten])
def test_transform_before_fit(cls):
    with pytest.raises(ValueError, match=f"this {cls.__name__} is not fitted yet: call fit"):
        cls().transform(np.ones((2, 3)))


@pytest.mark.parametrize("cls", [Center, Standardize, PCAWhiten, ZCAWhiten])
def test_feature_count_mismatch(cls):
    pre = cls().fit(correlated_data(10, n=3))
    message = rf"X has 4 features \(rows\) but {cls.__name__} was fitted on 3: X has shape \(4, 6\), expected \(3, m\)"
    with pytest.raises(ValueError, match=message):
        pre.transform(np.ones((4, 6)))


@pytest.mark.parametrize("cls", [PCAWhiten, ZCAWhiten])
def test_whitening_needs_two_samples(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}.fit needs at least 2 samples \(columns\), got X of shape \(3, 1\)"):
        cls().fit(np.ones((3, 1)))


@pytest.mark.parametrize(
    "X, message",
    [
        (np.ones(5), r"X must be a 2-D array of shape \(n\[0\], m\) with one column per sample, got shape \(5,\)"),
        (np.ones((2, 2, 2)), r"X must be a 2-D array .* got shape \(2, 2, 2\)"),
        (np.ones((0, 4)), r"X must have at least one feature \(row\), got shape \(0, 4\)"),
        (np.ones((3, 0)), r"Center.fit needs at least 1 samples \(columns\), got X of shape \(3, 0\)"),
        (np.array([[1.0, np.inf]]), r"X contains NaN or inf \(shape \(1, 2\)\)"),
        (np.array([["a", "b"]]), "X must be a real floating-point array"),
    ],
)
def test_bad_data(X, message):
    with pytest.raises(ValueError, match=message):
        Center().fit(X)


@pytest.mark.parametrize("eps", [0, -1e-8, float("nan")])
@pytest.mark.parametrize("cls", [PCAWhiten, ZCAWhiten])
def test_bad_eps(cls, eps):
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        cls(eps=eps)
