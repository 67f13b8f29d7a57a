"""Notebook hygiene: every chapter in _toc.yml is committed executed, cleanly.

nbval itself (collected from book/ through pyproject's addopts) re-runs each chapter and
compares the outputs; these tests check how the chapters were committed.
"""
import json

import pytest
import yaml
from nbhygiene import notebook_problems


def test_every_toc_entry_exists(root):
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [
        ch["file"] for part in toc["parts"] for ch in part["chapters"]
    ]
    missing = [f for f in files if not any((root / f"{f}{ext}").exists() for ext in (".md", ".ipynb"))]
    assert not missing, f"_toc.yml lists pages that do not exist: {missing}"


def test_there_are_chapters(toc_notebooks):
    assert toc_notebooks, "no chapter notebooks found in _toc.yml"


def test_chapters_are_committed_executed_and_clean(toc_notebooks, root):
    report = {}
    for path in toc_notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        problems = notebook_problems(nb)
        if nb.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
            problems.append("kernelspec is not python3")
        if problems:
            report[str(path.relative_to(root))] = problems
    assert not report, json.dumps(report, indent=2)


# --- the checker itself catches each kind of problem --------------------------------

def cell(source, count, outputs=(), tags=()):
    return {
        "cell_type": "code", "source": source, "execution_count": count,
        "metadata": {"tags": list(tags)}, "outputs": list(outputs),
    }


def nb(*cells):
    return {"cells": list(cells), "metadata": {}}


GOOD = nb(cell("x = 1", 1), cell("print(x)", 2, [{"output_type": "stream", "name": "stdout", "text": "1\n"}]))


def test_checker_accepts_a_clean_notebook():
    assert notebook_problems(GOOD) == []


@pytest.mark.parametrize(
    "bad, message",
    [
        (nb(cell("x = 1", 2), cell("y = 2", 3)), "execution counts"),
        (nb(cell("x = 1", 1), cell("y = 2", None)), "execution counts"),
        (nb(cell("1/0", 1, [{"output_type": "error", "ename": "ZeroDivisionError"}])), "not tagged raises-exception"),
        (nb(cell("import warnings", 1, [{"output_type": "stream", "name": "stderr", "text": "warn"}])), "stderr"),
        (nb(cell("fig", 1, [{"output_type": "display_data", "data": {"image/svg+xml": "<svg/>"}}])), "SVG"),
        (nb(cell("plt.plot(x)", 1, [{"output_type": "execute_result", "execution_count": 1,
                                    "data": {"text/plain": "[<matplotlib.lines.Line2D at 0x7f>]"}}])), "repr leaks"),
        (nb(cell("# NBVAL_IGNORE_OUTPUT\nprint(1)", 1)), "times nothing"),
        (nb(cell("# NBVAL_IGNORE_OUTPUT  (prints a timing)\n%timeit f()", 1)), "marker alone"),
        (nb(cell("print(1)", 1, tags=["nbval-skip"])), "times nothing"),
        (nb(cell("1/0", 1, tags=["raises-exception"])), "shows no error"),
    ],
)
def test_checker_flags(bad, message):
    assert any(message in p for p in notebook_problems(bad)), notebook_problems(bad)


def test_checker_allows_markers_on_timing_cells_and_deliberate_errors():
    ok = nb(
        cell("# NBVAL_IGNORE_OUTPUT\n# (prints a timing)\n%timeit f()", 1),
        cell("raise ValueError('shown on purpose')", 2,
             [{"output_type": "error", "ename": "ValueError"}], tags=["raises-exception"]),
    )
    assert notebook_problems(ok) == []
