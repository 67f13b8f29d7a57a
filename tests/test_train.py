"""Tests of nnbook.train: reproducibility, shuffling and mini-batches, learning XOR and
spirals, dropout in training only, the callback, the History of mse models, evaluate, the
progress bar, and bad input."""
import numpy as np
import pytest

from nnbook import MLP, datasets, losses, optim
from nnbook.train import History, evaluate, train


def xor_data():
    X, y = datasets.xor()
    return X, losses.one_hot(y, 2)


def classifier(sizes, seed=0, act="tanh", **kw):
    acts = [act] * (len(sizes) - 2) + ["identity"]
    return MLP(sizes, acts, "softmax_cross_entropy", rng=np.random.default_rng(seed), **kw)


class SpyMLP(MLP):
    """An MLP that records the columns of every mini-batch (X's first row holds column ids)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.batches = []

    def loss_and_grads(self, X, Y, rng=None):
        self.batches.append(X[0].astype(int))
        return super().loss_and_grads(X, Y, rng=rng)


def spy_data(m=23, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([np.arange(m, dtype=float), rng.standard_normal((2, m))])
    return X, losses.one_hot(rng.integers(0, n_out, m), n_out)


# --- reproducibility, shuffling, mini-batches ----------------------------------------------

def run(seed=0, keep_prob=1.0, epochs=20):
    X, Y = datasets.spirals(30, 0.05, np.random.default_rng(1))
    Y = losses.one_hot(Y, 2)
    model = classifier([2, 16, 16, 2], seed=seed, act="relu", keep_prob=keep_prob, l2=1e-3)
    history = train(model, X, Y, optim.Adam(0.01), epochs=epochs, batch_size=16,
                    rng=np.random.default_rng(seed), X_val=X[:, :20], Y_val=Y[:, :20])
    return model, history


def test_fixed_seed_is_reproducible():
    (m1, h1), (m2, h2) = run(seed=3, keep_prob=0.8), run(seed=3, keep_prob=0.8)
    assert h1 == h2 and len(h1.loss) == 20
    assert m1.params.keys() == m2.params.keys()
    for key in m1.params:
        np.testing.assert_array_equal(m1.params[key], m2.params[key])
    _, h3 = run(seed=4, keep_prob=0.8)
    assert h3.loss != h1.loss


def test_every_epoch_is_a_new_permutation_in_batches():
    m, batch_size, epochs, seed = 23, 5, 4, 7
    X, Y = spy_data(m)
    model = SpyMLP([3, 4, 3], ["tanh", "identity"], "softmax_cross_entropy", rng=np.random.default_rng(0))
    train(model, X, Y, optim.SGD(0.1), epochs=epochs, batch_size=batch_size, rng=np.random.default_rng(seed))
    per_epoch = -(-m // batch_size)                     # ceil(23 / 5) = 5 batches
    assert len(model.batches) == epochs * per_epoch
    expected = np.random.default_rng(seed)               # keep_prob = 1: only the shuffles draw
    orders = []
    for e in range(epochs):
        batches = model.batches[e * per_epoch:(e + 1) * per_epoch]
        assert [b.size for b in batches] == [5, 5, 5, 5, 3]  # the last batch is smaller
        order = np.concatenate(batches)
        np.testing.assert_array_equal(order, expected.permutation(m))
        orders.append(tuple(order))
    assert len(set(orders)) == epochs                    # a different order every epoch


def test_batch_size_larger_than_m_is_full_batch():
    X, Y = spy_data(10)
    model = SpyMLP([3, 4, 3], ["tanh", "identity"], "softmax_cross_entropy", rng=np.random.default_rng(0))
    train(model, X, Y, optim.SGD(0.1), epochs=3, batch_size=100, rng=np.random.default_rng(0))
    assert [sorted(b) for b in model.batches] == [list(range(10))] * 3


def test_optimizer_steps_and_param_updates():
    X, Y = xor_data()
    model = classifier([2, 3, 2])
    before = {k: v.copy() for k, v in model.params.items()}
    opt = optim.SGD(0.1)
    X_copy, Y_copy = X.copy(), Y.copy()
    train(model, X, Y, opt, epochs=3, batch_size=3, rng=np.random.default_rng(0))
    assert opt.t == 3 * 2                                # two batches (3 + 1 columns) per epoch
    assert all(not np.array_equal(before[k], model.params[k]) for k in ("W1", "W2"))
    np.testing.assert_array_equal(X, X_copy)            # inputs untouched
    np.testing.assert_array_equal(Y, Y_copy)


def test_one_step_is_a_plain_gradient_step():
    X, Y = xor_data()
    model = classifier([2, 3, 2], l2=0.1)
    _, grads = model.loss_and_grads(X, Y)
    expected = {k: v - 0.5 * grads[k] for k, v in model.params.items()}
    train(model, X, Y, optim.SGD(0.5), epochs=1, batch_size=4, rng=np.random.default_rng(0))
    for key in expected:
        np.testing.assert_allclose(model.params[key], expected[key], rtol=1e-14, atol=1e-15)


# --- learning ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_solves_xor(seed):
    # 2-8-2 tanh + Adam(0.05): over seeds 0-99 every run is at 100 % accuracy from epoch 34 on,
    # with final loss < 0.0032; 150 epochs leave a wide margin.
    X, Y = xor_data()
    model = classifier([2, 8, 2], seed=seed)
    history = train(model, X, Y, optim.Adam(0.05), epochs=150, batch_size=4, rng=np.random.default_rng(seed))
    assert history.accuracy[-1] == 1.0
    assert history.loss[-1] < 0.01 < history.loss[0]
    np.testing.assert_array_equal(model.predict(X), [0, 1, 1, 0])


def test_learns_two_spirals():
    # 2-32-32-2 tanh, Adam(0.01), batches of 20: 18 of the seeds 0-19 reach 100 % training
    # accuracy in 200 epochs (seed 0 with a final loss ~0.002).
    rng = np.random.default_rng(0)
    X, y = datasets.spirals(100, 0.02, rng)
    model = classifier([2, 32, 32, 2], seed=0)
    history = train(model, X, losses.one_hot(y, 2), optim.Adam(0.01), epochs=200, batch_size=20,
                    rng=np.random.default_rng(0))
    assert history.accuracy[0] < 0.7
    assert history.accuracy[-1] >= 0.97
    assert history.loss[-1] < 0.1 * history.loss[0]


# --- dropout in training only -------------------------------------------------------------

def test_dropout_is_active_in_training():
    (m1, h1), (m2, h2) = run(seed=0, keep_prob=1.0), run(seed=0, keep_prob=0.5)
    assert h1.loss != h2.loss
    assert not np.array_equal(m1.params["W1"], m2.params["W1"])


def test_recorded_numbers_are_measured_without_dropout():
    X, Y = xor_data()
    X_val, Y_val = X[:, :3], Y[:, :3]
    model = classifier([2, 8, 8, 2], keep_prob=0.5, l2=0.01)
    seen = []

    def callback(epoch, model, history):
        seen.append((model.loss_and_grads(X, Y)[0], model.loss_and_grads(X_val, Y_val)[0],
                     np.mean(model.predict(X) == Y.argmax(0)), np.mean(model.predict(X_val) == Y_val.argmax(0))))

    history = train(model, X, Y, optim.Adam(0.01), epochs=5, batch_size=2, rng=np.random.default_rng(0),
                    X_val=X_val, Y_val=Y_val, callback=callback)
    loss, val_loss, acc, val_acc = map(list, zip(*seen))
    np.testing.assert_allclose(history.loss, loss, rtol=1e-13)       # J without rng: no dropout
    np.testing.assert_allclose(history.val_loss, val_loss, rtol=1e-13)
    assert history.accuracy == acc and history.val_accuracy == val_acc
    assert evaluate(model, X, Y) == pytest.approx((loss[-1], acc[-1]), rel=1e-13)


def test_evaluate_does_not_depend_on_its_batch_size():
    X, y = datasets.blobs(30, 3, 0.5, np.random.default_rng(0))
    Y = losses.one_hot(y, 3)
    model = classifier([2, 5, 3], l2=0.1)
    J, _ = model.loss_and_grads(X, Y)
    for batch_size in (1, 7, 90, 1000):
        loss, acc = evaluate(model, X, Y, batch_size=batch_size)
        assert loss == pytest.approx(J, rel=1e-13)
        assert acc == np.mean(model.predict(X) == y)


# --- callback and History -----------------------------------------------------------------

def test_callback_once_per_epoch_with_its_index():
    X, Y = xor_data()
    model = classifier([2, 4, 2])
    calls = []

    def callback(epoch, m, history):
        assert m is model and isinstance(history, History)
        calls.append((epoch, len(history.loss), len(history.accuracy), history.loss[epoch]))

    history = train(model, X, Y, optim.Adam(0.01), epochs=7, batch_size=3, rng=np.random.default_rng(0),
                    callback=callback)
    assert [c[0] for c in calls] == list(range(7))
    assert [c[1] for c in calls] == [c[2] for c in calls] == list(range(1, 8))
    assert [c[3] for c in calls] == history.loss


def test_callback_returning_true_stops_training():
    X, Y = xor_data()
    history = train(classifier([2, 4, 2]), X, Y, optim.Adam(0.01), epochs=50, batch_size=4,
                    rng=np.random.default_rng(0), callback=lambda epoch, model, h: epoch == 2)
    assert len(history.loss) == len(history.accuracy) == history.epochs == 3


def test_history_of_a_classifier_without_validation():
    X, Y = xor_data()
    history = train(classifier([2, 4, 2]), X, Y, optim.Adam(0.01), epochs=3, batch_size=4, rng=np.random.default_rng(0))
    assert len(history.loss) == len(history.accuracy) == 3
    assert history.val_loss is None and history.val_accuracy is None
    assert all(0 <= a <= 1 for a in history.accuracy)
    assert all(isinstance(v, float) for v in history.loss + history.accuracy)


def test_mse_model_has_no_accuracy():
    rng = np.random.default_rng(0)
    X, Y = datasets.regression_1d(64, 0.05, rng)
    model = MLP([1, 16, 1], ["tanh", "identity"], "mse", rng=rng)
    history = train(model, X, Y, optim.Adam(0.01), epochs=30, batch_size=16, rng=rng, X_val=X[:, :10], Y_val=Y[:, :10])
    assert history.accuracy is None and history.val_accuracy is None
    assert len(history.loss) == len(history.val_loss) == 30
    assert history.loss[-1] < history.loss[0]
    assert evaluate(model, X, Y) == (pytest.approx(model.loss_and_grads(X, Y)[0], rel=1e-13), None)


def test_float32_model():
    X, Y = xor_data()
    model = classifier([2, 8, 2], dtype=np.float32)
    history = train(model, X, Y, optim.Adam(0.05), epochs=150, batch_size=4, rng=np.random.default_rng(0))
    assert history.accuracy[-1] == 1.0
    assert all(v.dtype == np.float32 for v in model.params.values())


def test_progress_bar(capsys):
    pytest.importorskip("tqdm")
    X, Y = xor_data()
    train(classifier([2, 4, 2]), X, Y, optim.Adam(0.01), epochs=3, batch_size=4, rng=np.random.default_rng(0),
          progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "3/3" in err
    train(classifier([2, 4, 2]), X, Y, optim.Adam(0.01), epochs=3, batch_size=4, rng=np.random.default_rng(0))
    assert capsys.readouterr() == ("", "")                 # silent by default


# --- bad input ------------------------------------------------------------------------------

def call(**overrides):
    X, Y = xor_data()
    kw = dict(model=classifier([2, 4, 2]), X=X, Y=Y, optimizer=optim.SGD(0.1), epochs=2, batch_size=2,
              rng=np.random.default_rng(0))
    kw.update(overrides)
    return train(kw.pop("model"), kw.pop("X"), kw.pop("Y"), kw.pop("optimizer"), **kw)


@pytest.mark.parametrize("overrides, match", [
    (dict(batch_size=0), r"batch_size must be a positive integer, got 0"),
    (dict(batch_size=2.0), r"batch_size must be a positive integer"),
    (dict(epochs=0), r"epochs must be a positive integer, got 0"),
    (dict(epochs=-3), r"epochs must be a positive integer"),
    (dict(rng=0), r"rng must be a numpy.random.Generator"),
    (dict(Y=np.ones((2, 5))), r"X and Y must have the same number of columns m, got X \(2, 4\) and Y \(2, 5\)"),
    (dict(X=np.ones((3, 4))), r"X must have shape \(n_0, m\) with n_0 = 2 rows .* got X \(3, 4\)"),
    (dict(Y=np.ones((3, 4))), r"Y must have shape \(n_L, m\) with n_L = 2 rows .* got Y \(3, 4\)"),
    (dict(Y=np.array([0, 1, 1, 0])), r"Y must have shape \(n_L, m\) = \(2, m\), got shape \(4,\); .*one_hot\(y, 2\)"),
    (dict(X=np.ones(4)), r"X must be a 2-D array, got 1-D with shape \(4,\)"),
    (dict(X=np.array([[0, 0, 1, 1], [0, 1, 0, 1]])), r"X must be a floating-point array, got dtype int64"),
    (dict(X=np.full((2, 4), np.nan)), r"X contains NaN or inf \(shape \(2, 4\)\)"),
    (dict(X_val=np.ones((2, 3))), r"X_val and Y_val must be given together: got X_val but Y_val is None"),
    (dict(Y_val=np.ones((2, 3))), r"X_val and Y_val must be given together: got Y_val but X_val is None"),
    (dict(X_val=np.ones((2, 3)), Y_val=np.ones((2, 2))),
     r"X_val and Y_val must have the same number of columns m, got X_val \(2, 3\) and Y_val \(2, 2\)"),
    (dict(X_val=np.ones((5, 3)), Y_val=np.ones((2, 3))), r"X_val must have shape \(n_0, m\) .* got X_val \(5, 3\)"),
    (dict(callback=3), r"callback must be callable"),
    (dict(optimizer="adam"), r"optimizer must have a method step"),
    (dict(model="mlp"), r"model must be an nnbook.network.MLP"),
])
def test_bad_input(overrides, match):
    with pytest.raises(ValueError, match=match):
        call(**overrides)


def test_bad_input_to_evaluate():
    X, Y = xor_data()
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer, got 0"):
        evaluate(classifier([2, 4, 2]), X, Y, batch_size=0)
    with pytest.raises(ValueError, match=r"X and Y must have the same number of columns m, got X \(2, 4\) and Y \(2, 3\)"):
        evaluate(classifier([2, 4, 2]), X, Y[:, :3])
