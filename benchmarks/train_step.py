"""One SGD training step of a 784-256-256-10 ReLU / softmax-cross-entropy MLP at batch 256,
float32: nnbook against PyTorch CPU (eager) and against the matrix products the step
cannot avoid.

The timed region is the same for every contender: forward + loss + backward + SGD update.

* nnbook: ``J, grads = model.loss_and_grads(X, Y)`` and ``p -= lr * g`` for every parameter
  (in place, as ``g *= lr; p -= g``);
* PyTorch: written as a reader would — ``W @ A + b``, ``relu``, ``cross_entropy``,
  ``backward()``, an in-place update under ``no_grad``;
* the bound: the eight products of the step timed with NumPy alone — forward ``W @ A`` for
  each layer, ``dZ @ A.T`` for each layer, ``W.T @ dZ`` for every layer but the first.

Run: ``python benchmarks/train_step.py [--threads 1,2] [--rounds 9] [--reps 30]``.
Needs threadpoolctl (thread control of NumPy's BLAS); torch is optional.
"""
from __future__ import annotations

import argparse

import numpy as np

import nnbook
from _common import blas_description, cpu_count, interleaved, print_table, summary, threads

SIZES = [784, 256, 256, 10]
M = 256
LR = 0.01


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((SIZES[0], M)).astype(np.float32)
    labels = rng.integers(0, SIZES[-1], M)
    return X, labels, nnbook.losses.one_hot(labels, SIZES[-1], dtype=np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default=None, help="comma-separated thread counts (default: 1 and all cores)")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    counts = [int(x) for x in args.threads.split(",")] if args.threads else sorted({1, cpu_count()})

    try:
        import torch
    except ImportError:
        torch = None

    X, labels, Y = make_data()
    model = nnbook.MLP(SIZES, ["relu", "relu", "identity"], "softmax_cross_entropy",
                       rng=np.random.default_rng(0), dtype=np.float32)
    params = model.params
    start = {k: v.copy() for k, v in params.items()}

    def nnbook_step():
        J, grads = model.loss_and_grads(X, Y)
        for name, g in grads.items():
            g *= LR
            params[name] -= g

    # The bound: the same products on arrays of the right shapes (the model's own W and X).
    rng = np.random.default_rng(1)
    Ws = [params[f"W{l}"] for l in (1, 2, 3)]
    As = [X] + [rng.standard_normal((n, M)).astype(np.float32) for n in SIZES[1:-1]]
    dZs = [rng.standard_normal((n, M)).astype(np.float32) for n in SIZES[1:]]

    def bound():
        for W, A in zip(Ws, As):
            W @ A
        for dZ, A in zip(dZs, As):
            dZ @ A.T
        for W, dZ in zip(Ws[1:], dZs[1:]):
            W.T @ dZ

    contenders = {"matrix products (NumPy)": bound, "nnbook MLP step": nnbook_step}

    if torch is not None:
        F = torch.nn.functional
        tparams = [torch.tensor(start[k], requires_grad=True) for k in ("W1", "b1", "W2", "b2", "W3", "b3")]
        tX, ty = torch.from_numpy(X), torch.from_numpy(labels)

        def torch_step():
            W1, b1, W2, b2, W3, b3 = tparams
            A1 = torch.relu(W1 @ tX + b1)
            A2 = torch.relu(W2 @ A1 + b2)
            Z3 = W3 @ A2 + b3
            J = F.cross_entropy(Z3.T, ty)
            J.backward()
            with torch.no_grad():
                for p in tparams:
                    p -= LR * p.grad
                    p.grad = None

        tWs = [torch.from_numpy(W) for W in Ws]
        tAs = [torch.from_numpy(A) for A in As]
        tdZs = [torch.from_numpy(d) for d in dZs]

        def torch_bound():
            for W, A in zip(tWs, tAs):
                W @ A
            for dZ, A in zip(tdZs, tAs):
                dZ @ A.T
            for W, dZ in zip(tWs[1:], tdZs[1:]):
                W.T @ dZ

        contenders["PyTorch eager step"] = torch_step
        contenders["matrix products (torch, for reference)"] = torch_bound

        # Same start, same cost: both compute the same step.
        J_np = model.loss_and_grads(X, Y)[0]
        with torch.no_grad():
            W1, b1, W2, b2, W3, b3 = tparams
            Z3 = W3 @ torch.relu(W2 @ torch.relu(W1 @ tX + b1) + b2) + b3
            J_t = F.cross_entropy(Z3.T, ty).item()
        print(f"initial cost: nnbook {J_np:.6f}, torch {J_t:.6f}, agree: {abs(J_np - J_t) < 1e-5 * J_np}")

    print(f"NumPy {np.__version__}" + (f", torch {torch.__version__}" if torch else ", torch not installed"))
    for n in counts:
        with threads(n, torch):
            times = interleaved(contenders, rounds=args.rounds, reps=args.reps, warmup=args.warmup)
            blas = blas_description()
        med = {k: summary(v)[0] for k, v in times.items()}
        mins = {k: summary(v)[1] for k, v in times.items()}
        b_med, b_min = med["matrix products (NumPy)"], mins["matrix products (NumPy)"]
        t_med = med.get("PyTorch eager step")
        t_min = mins.get("PyTorch eager step")
        rows = []
        for k in contenders:
            rows.append([
                k, f"{med[k] * 1e3:.3f}", f"{mins[k] * 1e3:.3f}",
                f"{med[k] / b_med:.2f}", f"{mins[k] / b_min:.2f}",
                f"{med[k] / t_med:.2f}" if t_med else "-", f"{mins[k] / t_min:.2f}" if t_min else "-",
            ])
        print()
        print_table(
            f"One SGD step, 784-256-256-10 ReLU/softmax-CE, batch {M}, float32, {n} thread(s)\n"
            f"BLAS: {blas}; {args.rounds} interleaved rounds x {args.reps} timed steps",
            ["contender", "median ms", "min ms", "/bound med", "/bound min", "/torch med", "/torch min"],
            rows,
        )
        ratio_b = med["nnbook MLP step"] / b_med
        print(f"nnbook / matrix-product bound: {ratio_b:.2f} (target <= 1.35: {'met' if ratio_b <= 1.35 else 'NOT met'})")
        if t_med:
            ratio_t = med["nnbook MLP step"] / t_med
            print(f"nnbook / PyTorch eager:        {ratio_t:.2f} (target <= 1.00: {'met' if ratio_t <= 1.0 else 'NOT met'})")
            print(f"PyTorch / its own products:    {t_med / med['matrix products (torch, for reference)']:.2f}; "
                  f"torch products / NumPy products: {med['matrix products (torch, for reference)'] / b_med:.2f}")


if __name__ == "__main__":
    main()
