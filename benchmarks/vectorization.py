"""Vectorized batch vs a per-sample Python loop: the same gradient step, computed once with
matrices whose columns are the samples (nnbook's MLP) and once sample by sample with
vectors, accumulating the gradients (the way the elemental derivation reads).

Two networks, batch 256, float32:

* 20-8-1, tanh hidden layer, identity output, MSE — small matrices: the loop pays mostly
  Python overhead;
* 784-256-256-10, ReLU hidden layers, softmax cross-entropy — large matrices: the loop
  turns matrix-matrix products (BLAS level 3) into matrix-vector products (level 2).

The timed region for both is forward + loss + backward + SGD update. Before timing, the
script checks that both compute the same gradients.

Run: ``python benchmarks/vectorization.py [--threads N] [--rounds 7]``. Needs threadpoolctl.
"""
from __future__ import annotations

import argparse

import numpy as np

import nnbook
from _common import blas_description, cpu_count, interleaved, print_table, summary, threads

M = 256
LR = 0.01


def per_sample_step(params, acts, loss, X, Y):
    """One SGD step computed one sample (column) at a time, gradients accumulated."""
    L = len(acts)
    m = X.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    J = 0.0
    for i in range(m):
        a = X[:, i:i + 1]                                  # (n_0, 1)
        y = Y[:, i:i + 1]
        cache = []
        for l in range(1, L + 1):
            z = params[f"W{l}"] @ a + params[f"b{l}"]
            cache.append((a, z))
            a = np.tanh(z) if acts[l - 1] == "tanh" else (np.maximum(z, 0) if acts[l - 1] == "relu" else z)
        if loss == "mse":
            J += 0.5 * float(np.sum((a - y) ** 2)) / m
            dz = (a - y) / m                               # output activation is the identity
        else:
            e = np.exp(a - a.max())
            p = e / e.sum()
            J += -float(np.log(p[y.argmax(), 0])) / m
            dz = (p - y) / m
        for l in range(L, 0, -1):
            a_prev, z = cache[l - 1]
            grads[f"W{l}"] += dz @ a_prev.T                # outer product
            grads[f"b{l}"] += dz
            if l > 1:
                da = params[f"W{l}"].T @ dz
                _, z_prev = cache[l - 2]
                dz = da * (1 - np.tanh(z_prev) ** 2) if acts[l - 2] == "tanh" else da * (z_prev > 0)
    for k, g in grads.items():
        params[k] -= LR * g
    return J, grads


def setup(sizes, acts, loss, seed=0):
    rng = np.random.default_rng(seed)
    model = nnbook.MLP(sizes, acts, loss, rng=rng, dtype=np.float32)
    X = rng.standard_normal((sizes[0], M)).astype(np.float32)
    if loss == "mse":
        Y = rng.standard_normal((sizes[-1], M)).astype(np.float32)
    else:
        Y = nnbook.losses.one_hot(rng.integers(0, sizes[-1], M), sizes[-1], dtype=np.float32)
    return model, X, Y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=cpu_count())
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    nets = [
        ("20-8-1 tanh, MSE", [20, 8, 1], ["tanh", "identity"], "mse", 100, 3),
        ("784-256-256-10 ReLU, softmax CE", [784, 256, 256, 10], ["relu", "relu", "identity"],
         "softmax_cross_entropy", 20, 1),
    ]
    rows = []
    with threads(args.threads):
        blas = blas_description()
        for label, sizes, acts, loss, reps_vec, reps_loop in nets:
            model, X, Y = setup(sizes, acts, loss)
            params = model.params
            loop_params = {k: v.copy() for k, v in params.items()}

            # Same gradients from the same weights (float32: agreement to about 1e-5).
            J_vec, g_vec = model.loss_and_grads(X, Y)
            J_loop, g_loop = per_sample_step({k: v.copy() for k, v in params.items()}, acts, loss, X, Y)
            err = max(nnbook.gradcheck.relative_error(g_vec[k], g_loop[k]) for k in g_vec)
            assert err < 1e-4 and abs(J_vec - J_loop) < 1e-4 * abs(J_vec), (err, J_vec, J_loop)

            def vectorized():
                J, grads = model.loss_and_grads(X, Y)
                for k, g in grads.items():
                    g *= LR
                    params[k] -= g

            def loop():
                per_sample_step(loop_params, acts, loss, X, Y)

            times = interleaved({"vectorized": vectorized, "per-sample loop": loop}, rounds=args.rounds,
                                reps={"vectorized": reps_vec, "per-sample loop": reps_loop},
                                warmup={"vectorized": 5, "per-sample loop": 1})
            (v_med, v_min), (l_med, l_min) = summary(times["vectorized"]), summary(times["per-sample loop"])
            rows.append([label, f"{v_med * 1e3:.3f}", f"{l_med * 1e3:.2f}", f"{l_med / v_med:.0f}x",
                         f"{l_min / v_min:.0f}x", f"{err:.1e}"])
    print_table(
        f"One SGD step at batch {M}, float32, {args.threads} thread(s); BLAS: {blas}\n"
        f"{args.rounds} interleaved rounds; speed-up = per-sample loop time / vectorized time",
        ["network", "vectorized ms (median)", "loop ms (median)", "speed-up (median)", "speed-up (min)",
         "grad rel. diff"],
        rows,
    )


if __name__ == "__main__":
    main()
