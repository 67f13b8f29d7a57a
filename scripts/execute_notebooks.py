"""Re-execute the book's chapters in place, in _toc.yml order, one fresh kernel each.

Run it from anywhere after changing nnbook (or a chapter):

    python scripts/execute_notebooks.py            # every chapter
    python scripts/execute_notebooks.py activations  # only chapters whose path contains the word

Each notebook is run by nbclient (`jupyter execute --inplace`) from the repository root's
point of view of the package (nnbook is installed), with the kernel started in the
notebook's own folder, exactly as `pytest --nbval` runs it.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """The .ipynb chapters listed in _toc.yml, in reading order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(toc)
    return [root / f"{f}.ipynb" for f in files if (root / f"{f}.ipynb").exists()]


def strip_timestamps(path: Path) -> None:
    """Drop the per-cell execution timestamps nbclient records: they change on every run
    and would make every re-execution a diff of the whole notebook."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    notebooks = toc_notebooks()
    if argv:
        notebooks = [nb for nb in notebooks
                     if any(word in str(nb.relative_to(ROOT)) for word in argv)]
    for nb in notebooks:
        print(f"executing {nb.relative_to(ROOT)}", flush=True)
        subprocess.run(
            [sys.executable, "-m", "jupyter", "execute", "--inplace", "--timeout=600", "--kernel_name=python3", nb.name],
            cwd=nb.parent,
            check=True,
            # One BLAS thread unless asked otherwise, as scripts/test.sh runs the chapters:
            # small matrices, and much faster on a busy machine.
            env={"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", **os.environ},
        )
        strip_timestamps(nb)
    print(f"executed {len(notebooks)} notebook(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
