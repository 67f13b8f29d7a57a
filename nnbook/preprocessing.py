r"""Data preprocessing for column-sample data — chapter "Data preprocessing".

Transformers in scikit-learn's convention, but with the book's layout: a data set is
``X`` of shape ``(n[0], m)``, one **column** per sample. ``fit(X)`` estimates statistics
from training data and returns the transformer; ``transform(X)`` applies them to any data
with the same number of features (rows); ``fit_transform(X)`` does both on the same data.
What ``fit`` learns is stored in attributes whose names end in ``_`` (``mean_``,
``scale_``, ``W_``), in float64; ``transform`` returns the dtype of its input.

The statistics come from the training set only and are then applied unchanged to the
validation and test sets::

    pre = Standardize().fit(X_train)
    X_train, X_val, X_test = (pre.transform(X) for X in (X_train, X_val, X_test))

With :math:`\mu = \frac1m \sum_i x^{(i)}` and :math:`\tilde X = X - \mu \mathbf 1^\top`:

==================  ==============================================================================
``Center``          :math:`x \mapsto x - \mu`
``Standardize``     :math:`x_j \mapsto (x_j - \mu_j) / \sigma_j`,
                    :math:`\sigma_j^2 = \frac1m \sum_i (x_j^{(i)} - \mu_j)^2`
``PCAWhiten(eps)``  :math:`x \mapsto W (x - \mu)`, :math:`W = (\Lambda + \epsilon I)^{-1/2} U^\top`
``ZCAWhiten(eps)``  :math:`x \mapsto W (x - \mu)`, :math:`W = U (\Lambda + \epsilon I)^{-1/2} U^\top`
==================  ==============================================================================

where :math:`\Sigma = \frac1m \tilde X \tilde X^\top = U \Lambda U^\top` is the covariance
of the training data (dividing by :math:`m`, like the variance of ``Standardize``), with
eigenvalues :math:`\lambda_1 \ge \dots \ge \lambda_n \ge 0` on the diagonal of
:math:`\Lambda` and orthonormal eigenvectors in the columns of :math:`U`. (The left
singular vectors of :math:`\tilde X` are the same :math:`U`, with
:math:`\lambda_i = s_i^2 / m`: whitening "by SVD" is the same computation.) On the
training data, the whitened covariance :math:`W \Sigma W^\top` is
:math:`D = \operatorname{diag}(\lambda_i / (\lambda_i + \epsilon))` for PCA and
:math:`U D U^\top` for ZCA: the identity up to :math:`\epsilon / \lambda_n`. The small
:math:`\epsilon` keeps directions of (nearly) zero variance from being divided by zero. PCA whitening rotates the data onto the principal
axes and rescales them; ZCA ("zero-phase") whitening rotates back afterwards, so the
result stays as close as possible to the original data and :math:`W` is symmetric.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_positive_number, as_real_array

__all__ = ["Transformer", "Center", "Standardize", "PCAWhiten", "ZCAWhiten"]


class Transformer:
    """Base class: ``fit`` / ``transform`` / ``fit_transform`` on data ``(n[0], m)``.

    A subclass implements ``_fit(X)`` (``X`` float64, already checked) and
    ``_transform(X)`` (``X`` float64, of the fitted number of features).
    """

    #: The fewest samples (columns) ``fit`` accepts.
    min_samples = 1

    def fit(self, X):
        """Estimate the statistics from the training data ``X``.

        Parameters
        ----------
        X : array_like
            Training data of shape ``(n[0], m)``, one column per sample; finite real values.

        Returns
        -------
        Transformer
            ``self``, fitted.
        """
        X = self._as_data(X)
        if X.shape[1] < self.min_samples:
            raise ValueError(
                f"{type(self).__name__}.fit needs at least {self.min_samples} samples (columns), "
                f"got X of shape {X.shape}"
            )
        self._fit(X.astype(np.float64))
        return self

    def transform(self, X):
        """Apply the fitted statistics to ``X`` (training or new data).

        Parameters
        ----------
        X : array_like
            Data of shape ``(n[0], m)`` with the number of features seen by ``fit``.

        Returns
        -------
        ndarray
            The transformed data, shape ``(n[0], m)``, in the floating dtype of ``X``.
        """
        if not hasattr(self, "mean_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit(X_train) first")
        X = self._as_data(X)
        n = self.mean_.shape[0]
        if X.shape[0] != n:
            raise ValueError(
                f"X has {X.shape[0]} features (rows) but {type(self).__name__} was fitted on {n}: "
                f"X has shape {X.shape}, expected ({n}, m)"
            )
        return self._transform(X.astype(np.float64)).astype(X.dtype, copy=False)

    def fit_transform(self, X):
        """``fit(X)`` then ``transform(X)``: the transformed training data.

        Parameters
        ----------
        X : array_like
            Training data of shape ``(n[0], m)``.

        Returns
        -------
        ndarray
            The transformed data, shape ``(n[0], m)``, in the floating dtype of ``X``.
        """
        return self.fit(X).transform(X)

    def _as_data(self, X):
        X = as_real_array(X, "X")
        if X.ndim != 2:
            raise ValueError(
                f"X must be a 2-D array of shape (n[0], m) with one column per sample, got shape {X.shape}"
            )
        if X.shape[0] < 1:
            raise ValueError(f"X must have at least one feature (row), got shape {X.shape}")
        return X

    def _fit(self, X):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _transform(self, X):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Center(Transformer):
    r"""Mean subtraction :math:`x \mapsto x - \mu`, with :math:`\mu` the training mean.

    Attributes
    ----------
    mean_ : ndarray
        :math:`\mu`, shape ``(n[0], 1)``: the mean of each feature over the training samples.
    """

    def _fit(self, X):
        self.mean_ = X.mean(axis=1, keepdims=True)

    def _transform(self, X):
        return X - self.mean_


class Standardize(Transformer):
    r"""Per-feature standardization :math:`x_j \mapsto (x_j - \mu_j) / \sigma_j`.

    After ``fit_transform`` every feature has mean 0 and variance 1 over the training
    samples (variance with :math:`1/m`, like NumPy's ``std`` and scikit-learn's
    ``StandardScaler``). A feature that is constant in the training data has
    :math:`\sigma_j = 0`; it is only centred (``scale_`` is 1 there). Round-off can make the
    computed :math:`\sigma_j` of a constant feature a tiny positive number (about 1e-17
    for a feature equal to 0.1 everywhere), so, as in scikit-learn, a feature counts as
    constant when :math:`\sigma_j \le m \, u \, |\mu_j|` (:math:`u` the machine epsilon of
    the dtype): below that bound :math:`\sigma_j` is rounding error, not spread.

    Attributes
    ----------
    mean_ : ndarray
        :math:`\mu`, shape ``(n[0], 1)``.
    scale_ : ndarray
        :math:`\sigma`, shape ``(n[0], 1)``, with 1 in place of 0.
    """

    def _fit(self, X):
        self.mean_ = X.mean(axis=1, keepdims=True)
        std = X.std(axis=1, keepdims=True)
        rounding = X.shape[1] * np.finfo(X.dtype).eps * np.abs(self.mean_)
        self.scale_ = np.where(std > rounding, std, 1.0)

    def _transform(self, X):
        return (X - self.mean_) / self.scale_


class _Whiten(Transformer):
    """The common part of PCA and ZCA whitening: the eigendecomposition of Σ."""

    min_samples = 2

    def __init__(self, eps=1e-8):
        self.eps = as_positive_number(eps, "eps")

    def _fit(self, X):
        self.mean_ = X.mean(axis=1, keepdims=True)
        X_centered = X - self.mean_
        cov = X_centered @ X_centered.T / X.shape[1]  # Σ = (1/m) X̃ X̃ᵀ, shape (n[0], n[0])
        eigenvalues, U = np.linalg.eigh(cov)  # ascending, for the symmetric Σ
        order = np.argsort(eigenvalues)[::-1]  # largest variance first
        eigenvalues, U = np.clip(eigenvalues[order], 0, None), U[:, order]  # round-off can give -1e-17
        # An eigenvector's sign is arbitrary: make each one's largest entry positive, so the
        # PCA coordinates are the same on every machine.
        largest = np.argmax(np.abs(U), axis=0)
        U = U * np.sign(U[largest, np.arange(U.shape[1])])
        self.eigenvalues_ = eigenvalues
        self.eigenvectors_ = U
        self.W_ = self._whitening_matrix(U, 1 / np.sqrt(eigenvalues + self.eps))

    def _transform(self, X):
        return self.W_ @ (X - self.mean_)

    def _whitening_matrix(self, U, inv_sqrt):  # pragma: no cover - PCA and ZCA override it
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eps={self.eps!r})"


class PCAWhiten(_Whiten):
    r"""PCA whitening :math:`x \mapsto (\Lambda + \epsilon I)^{-1/2} U^\top (x - \mu)`.

    Projects each centred sample onto the principal axes (the eigenvectors of the
    training covariance :math:`\Sigma = U \Lambda U^\top`, largest variance first) and
    divides each coordinate by its standard deviation :math:`\sqrt{\lambda_i + \epsilon}`.
    The training data come out decorrelated with variances
    :math:`\lambda_i / (\lambda_i + \epsilon) \approx 1`.

    Parameters
    ----------
    eps : float
        :math:`\epsilon > 0` added to every eigenvalue (default 1e-8).

    Attributes
    ----------
    mean_ : ndarray
        :math:`\mu`, shape ``(n[0], 1)``.
    eigenvalues_ : ndarray
        :math:`\lambda_1 \ge \dots \ge \lambda_n \ge 0`, shape ``(n[0],)``.
    eigenvectors_ : ndarray
        :math:`U`, shape ``(n[0], n[0])``, orthonormal columns in the order of
        ``eigenvalues_``, each with its largest-magnitude entry positive.
    W_ : ndarray
        :math:`W = (\Lambda + \epsilon I)^{-1/2} U^\top`, shape ``(n[0], n[0])``.
    """

    def _whitening_matrix(self, U, inv_sqrt):
        return inv_sqrt[:, None] * U.T  # diag(1/√(λ+ε)) Uᵀ


class ZCAWhiten(_Whiten):
    r"""ZCA whitening :math:`x \mapsto U (\Lambda + \epsilon I)^{-1/2} U^\top (x - \mu)`.

    PCA whitening followed by the rotation :math:`U` back to the original axes. Among
    all whitening matrices it changes the data the least (in mean squared distance), and
    its :math:`W` is symmetric; for images it keeps the picture recognisable, with edges
    enhanced.

    Parameters
    ----------
    eps : float
        :math:`\epsilon > 0` added to every eigenvalue (default 1e-8).

    Attributes
    ----------
    mean_ : ndarray
        :math:`\mu`, shape ``(n[0], 1)``.
    eigenvalues_ : ndarray
        :math:`\lambda_1 \ge \dots \ge \lambda_n \ge 0`, shape ``(n[0],)``.
    eigenvectors_ : ndarray
        :math:`U`, shape ``(n[0], n[0])``.
    W_ : ndarray
        :math:`W = U (\Lambda + \epsilon I)^{-1/2} U^\top`, shape ``(n[0], n[0])``, symmetric.
    """

    def _whitening_matrix(self, U, inv_sqrt):
        return (U * inv_sqrt) @ U.T  # U diag(1/√(λ+ε)) Uᵀ
