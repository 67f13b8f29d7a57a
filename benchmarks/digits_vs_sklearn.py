"""nnbook vs scikit-learn's MLPClassifier on the handwritten digits: wall time and accuracy.

    python benchmarks/digits_vs_sklearn.py              # time and score the chosen settings
    python benchmarks/digits_vs_sklearn.py --select     # first re-run the selection grid
    python benchmarks/digits_vs_sklearn.py --threads 2 --rounds 7

Data: ``nnbook.datasets.digits(seed=0)`` — 1265 training, 266 validation and 266 test
samples of 64 pixels in [0, 1] (scikit-learn gets the same arrays transposed: samples as
rows). Both libraries train the same model the same way:

* a 64-H-10 network, ReLU hidden layer, softmax output with the cross-entropy loss
  (MLPClassifier's output for more than two classes is a softmax too), float64;
* Adam with lr = 1e-3, betas 0.9 / 0.999, eps = 1e-8. The two Adams differ only in where
  eps enters: PyTorch's form (nnbook) adds eps to sqrt(v̂), scikit-learn's to sqrt(v), i.e.
  an eps larger by 1/sqrt(1 − β₂ᵗ) — invisible at 1e-8;
* mini-batches of 115 samples, reshuffled every epoch. 115 divides 1265 (11 batches), so
  no batch is shorter, which makes the two L2 penalties exactly equal (next point);
* the same L2 penalty: scikit-learn adds ``alpha / (2 · batch) · Σ‖W‖²`` to each batch's
  mean loss, nnbook ``(l2 / 2) · Σ‖W‖²``, so ``l2 = alpha / 115``; biases are not penalised
  by either;
* a fixed number of epochs: ``max_iter = epochs``, ``early_stopping=False``, ``tol=0`` and
  ``n_iter_no_change = epochs`` (so scikit-learn never stops early), ``shuffle=True``;
* Glorot/Xavier-uniform weights, U(−r, r) with r = sqrt(6 / (fan_in + fan_out)), for both
  (nnbook: ``init="xavier_uniform"``; its default for ReLU would be Kaiming). Biases:
  scikit-learn draws them from the same uniform distribution, nnbook starts them at 0.

Not the same: the random numbers (each library draws its own initial weights and
shuffles from its own seed), and nnbook's ``train`` does more work per epoch — it
evaluates the loss and accuracy on the whole training set after every epoch (a forward
pass over 1265 samples) for its History, while scikit-learn records the running mean of
the batch losses, which costs nothing extra.

Settings (H, epochs, alpha) were chosen on the VALIDATION set only, identical for both
libraries: ``--select`` trains every combination of the grid below with two seeds per
library and picks the highest mean validation accuracy of the four runs (ties: fewer
epochs, then fewer hidden units, then less L2). Test accuracies are computed only for the
chosen settings, and reported whatever they are.

Timing: the whole ``fit`` (scikit-learn) and the whole training (nnbook: building the
model, one-hot targets, ``train``) in the same process, BLAS limited to ``--threads``
threads (threadpoolctl) for both, in interleaved rounds whose order rotates; round r
uses seed r for every contender. A third contender, "nnbook bare loop", trains the same
model with the same random numbers in a plain loop that does only what scikit-learn
does (no per-epoch evaluation), which shows what ``train``'s History costs. Reported:
the median time over rounds and the ratio of medians; accuracies as the mean (and range)
over the rounds' seeds. The default is one BLAS thread: the matrices here are small
(at most 256 × 115), so a second thread mostly adds synchronisation, and it collapses
(10× slower for both libraries) as soon as another process needs a core.
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import blas_description, print_table, threads  # noqa: E402

from nnbook import MLP, datasets, losses, optim  # noqa: E402
from nnbook.train import train  # noqa: E402

BATCH_SIZE = 115                       # divides the 1265 training samples: 11 equal batches
LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-8

# The selection grid and its result (python benchmarks/digits_vs_sklearn.py --select): the
# best mean validation accuracy, 0.9878, is shared by H=256 with 100 and 200 epochs and no
# L2; fewer epochs wins the tie. Any L2 (alpha >= 0.1) lowered validation accuracy.
GRID = {"hidden": (64, 128, 256), "epochs": (50, 100, 200), "alpha": (0.0, 0.1, 1.0, 3.0)}
SELECTION_SEEDS = (0, 1)
CHOSEN = {"hidden": 256, "epochs": 100, "alpha": 0.0}


def load():
    d = datasets.digits(seed=0)
    return {name: (split.X, split.y) for name, split in zip(("train", "val", "test"), d)}


def fit_nnbook(data, hidden, epochs, alpha, seed, *, validation=False):
    """Build and train the nnbook model; returns (model, history)."""
    X, y = data["train"]
    model = MLP([64, hidden, 10], ["relu", "identity"], "softmax_cross_entropy",
                rng=np.random.default_rng(seed), init="xavier_uniform", l2=alpha / BATCH_SIZE)
    extra = {}
    if validation:
        Xv, yv = data["val"]
        extra = dict(X_val=Xv, Y_val=losses.one_hot(yv, 10))
    history = train(model, X, losses.one_hot(y, 10), optim.Adam(LR, BETA1, BETA2, EPS), epochs=epochs,
                    batch_size=BATCH_SIZE, rng=np.random.default_rng(seed), **extra)
    return model, history


def fit_nnbook_loop(data, hidden, epochs, alpha, seed):
    """The same training as fit_nnbook, as a bare loop doing only what scikit-learn does.

    Shuffle, one step per mini-batch, and the running mean of the batch losses as the
    epoch's loss (scikit-learn's ``loss_curve_``) instead of ``train``'s evaluation of
    the whole training set. Same model, same random numbers, so the same parameters.
    """
    X, y = data["train"]
    Y = losses.one_hot(y, 10)
    model = MLP([64, hidden, 10], ["relu", "identity"], "softmax_cross_entropy",
                rng=np.random.default_rng(seed), init="xavier_uniform", l2=alpha / BATCH_SIZE)
    opt, rng, m = optim.Adam(LR, BETA1, BETA2, EPS), np.random.default_rng(seed), X.shape[1]
    loss_curve = []
    for _ in range(epochs):
        order, total = rng.permutation(m), 0.0
        for start in range(0, m, BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            J, grads = model.loss_and_grads(X[:, batch], Y[:, batch], rng=rng)
            model.params = opt.step(model.params, grads)
            total += J * batch.size
        loss_curve.append(total / m)
    return model, loss_curve


def fit_sklearn(data, hidden, epochs, alpha, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = data["train"]
    clf = MLPClassifier(
        hidden_layer_sizes=(hidden,), activation="relu", solver="adam", alpha=alpha,
        batch_size=BATCH_SIZE, learning_rate_init=LR, beta_1=BETA1, beta_2=BETA2, epsilon=EPS,
        max_iter=epochs, shuffle=True, tol=0.0, n_iter_no_change=epochs, early_stopping=False,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # "max_iter reached": as intended
        clf.fit(X.T, y)
    assert clf.n_iter_ == epochs
    return clf


def accuracy_nnbook(model, split):
    X, y = split
    return float(np.mean(model.predict(X) == y))


def accuracy_sklearn(clf, split):
    X, y = split
    return float(np.mean(clf.predict(X.T) == y))


def select(data):
    """Validation accuracy of every grid point, both libraries, two seeds; returns the best."""
    rows, scores = [], {}
    max_epochs = max(GRID["epochs"])
    for hidden, alpha in itertools.product(GRID["hidden"], GRID["alpha"]):
        nn_val = {}
        for seed in SELECTION_SEEDS:
            # One nnbook run gives every epoch count: without dropout, rng only draws the
            # shuffles, so the first E epochs of a longer run ARE the run with E epochs.
            _, history = fit_nnbook(data, hidden, max_epochs, alpha, seed, validation=True)
            for epochs in GRID["epochs"]:
                nn_val[epochs, seed] = history.val_accuracy[epochs - 1]
        for epochs in GRID["epochs"]:
            sk_val = [accuracy_sklearn(fit_sklearn(data, hidden, epochs, alpha, seed), data["val"])
                      for seed in SELECTION_SEEDS]
            nn = [nn_val[epochs, seed] for seed in SELECTION_SEEDS]
            mean = statistics.mean(nn + sk_val)
            scores[hidden, epochs, alpha] = mean
            rows.append([f"{hidden}", f"{epochs}", f"{alpha:g}", " ".join(f"{a:.3f}" for a in nn),
                         " ".join(f"{a:.3f}" for a in sk_val), f"{mean:.4f}"])
            print(f"  H={hidden:3d} epochs={epochs:3d} alpha={alpha:<4g} nnbook {nn} sklearn {sk_val}", flush=True)
    best = max(scores, key=lambda k: (round(scores[k], 10), -k[1], -k[0], -k[2]))
    print_table("Validation accuracy (seeds " + ", ".join(map(str, SELECTION_SEEDS)) + " per library)",
                ["H", "epochs", "alpha", "nnbook val", "sklearn val", "mean"], rows)
    print(f"chosen by validation accuracy: H={best[0]}, epochs={best[1]}, alpha={best[2]:g}"
          f" (mean {scores[best]:.4f})\n")
    return dict(hidden=best[0], epochs=best[1], alpha=best[2])


CONTENDERS = ("nnbook train()", "nnbook bare loop", "scikit-learn")


def benchmark(data, settings, rounds):
    times = {name: [] for name in CONTENDERS}
    acc = {(name, split): [] for name in CONTENDERS for split in ("train", "val", "test")}
    for r in range(rounds):
        shift = r % len(CONTENDERS)                       # rotate the order every round
        for name in CONTENDERS[shift:] + CONTENDERS[:shift]:
            t0 = time.perf_counter()
            if name == "nnbook train()":
                model, _ = fit_nnbook(data, seed=r, **settings)
            elif name == "nnbook bare loop":
                model, _ = fit_nnbook_loop(data, seed=r, **settings)
            else:
                model = fit_sklearn(data, seed=r, **settings)
            times[name].append(time.perf_counter() - t0)
            score = accuracy_sklearn if name == "scikit-learn" else accuracy_nnbook
            for split in ("train", "val", "test"):
                acc[name, split].append(score(model, data[split]))
    return times, acc


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--select", action="store_true", help="re-run the validation selection first")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per library (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for both (default 1)")
    args = parser.parse_args()

    import sklearn

    data = load()
    print(f"NumPy {np.__version__}, scikit-learn {sklearn.__version__}, {args.threads} BLAS thread(s)")
    with threads(args.threads):
        print(f"BLAS: {blas_description()}\n")
        settings = select(data) if args.select else dict(CHOSEN)
        times, acc = benchmark(data, settings, args.rounds)

    def fmt(values):
        return f"{100 * statistics.mean(values):.2f} ({100 * min(values):.1f}–{100 * max(values):.1f})"

    med = {name: statistics.median(ts) for name, ts in times.items()}
    rows = [[name, f"{med[name]:.3f}", f"{min(times[name]):.3f}",
             f"{med[name] / med['scikit-learn']:.2f}",
             fmt(acc[name, "train"]), fmt(acc[name, "val"]), fmt(acc[name, "test"])] for name in times]
    title = (f"Digits, 64-{settings['hidden']}-10 ReLU/softmax, Adam lr={LR:g}, batch {BATCH_SIZE}, "
             f"{settings['epochs']} epochs, alpha={settings['alpha']:g} (nnbook l2={settings['alpha'] / BATCH_SIZE:.3g}), "
             f"{args.rounds} rounds (seeds 0–{args.rounds - 1})")
    print_table(title, ["library", "median s", "min s", "time / sklearn",
                        "train acc %", "val acc %", "test acc %"], rows)
    print("accuracies: mean over the rounds' seeds (min–max); the two nnbook rows train the same")
    print("parameters (same seeds); 'train()' also evaluates the whole training set after every")
    print("epoch for its History, which scikit-learn and the bare loop do not.")


if __name__ == "__main__":
    main()
