"""The notebook hygiene rules every chapter must follow (used by test_notebooks.py).

A chapter is committed executed, top to bottom in one fresh kernel, so that the book can
render its stored outputs and nbval can compare them. See DESIGN.md, "Quality bars".
"""
from __future__ import annotations

import re

NBVAL_MARKER = re.compile(r"NBVAL_(SKIP|IGNORE_OUTPUT|RAISES_EXCEPTION|CHECK_OUTPUT)")
NBVAL_TAG = re.compile(r"^nbval-")
#: A cell may carry an nbval escape marker only if its source times something.
TIMING = re.compile(r"%%?time(it)?\b|\btimeit\b|perf_counter|process_time|\btime\.time\(")
LEAKED_REPR = re.compile(r"^\[?<(Figure|matplotlib)")


def notebook_problems(nb: dict) -> list[str]:
    """Every violation of the hygiene rules in a notebook (parsed JSON), as sentences."""
    problems: list[str] = []
    code = [
        (i, c) for i, c in enumerate(nb.get("cells", []))
        if c.get("cell_type") == "code" and "".join(c.get("source", "")).strip()
    ]
    counts = [c.get("execution_count") for _, c in code]
    if counts != list(range(1, len(code) + 1)):
        problems.append(
            f"code cells are not executed top to bottom in one fresh kernel: execution counts {counts}"
        )
    if not code:
        problems.append("the notebook has no code cells")
    for i, cell in code:
        where = f"cell {i}"
        tags = cell.get("metadata", {}).get("tags", [])
        source = "".join(cell.get("source", ""))
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error" and "raises-exception" not in tags:
                problems.append(f"{where}: error output {out.get('ename')} in a cell not tagged raises-exception")
            if kind == "stream" and out.get("name") == "stderr":
                problems.append(f"{where}: stderr output {''.join(out.get('text', ''))[:80]!r}")
            data = out.get("data", {})
            if "image/svg+xml" in data:
                problems.append(f"{where}: SVG output (nbval compares SVG; save figures as PNG)")
            if kind == "execute_result" and LEAKED_REPR.match("".join(data.get("text/plain", ""))):
                problems.append(f"{where}: a matplotlib object's text repr leaks as the cell result")
            if kind in ("execute_result", "error") and out.get("execution_count", cell.get("execution_count")) != cell.get("execution_count"):
                problems.append(f"{where}: output execution count differs from the cell's")
        if "raises-exception" in tags and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            problems.append(f"{where}: tagged raises-exception but shows no error")
        for line in source.splitlines():
            comment = line.strip().lstrip("#").strip() if line.strip().startswith("#") else ""
            if NBVAL_MARKER.search(comment) and not NBVAL_MARKER.fullmatch(comment):
                problems.append(
                    f"{where}: nbval only honours a marker comment that is the marker alone "
                    f"(e.g. '# NBVAL_IGNORE_OUTPUT'), not {line.strip()!r}; explain on the next line"
                )
        marked = NBVAL_MARKER.search(source) or any(NBVAL_TAG.match(t) for t in tags)
        if marked and not TIMING.search(source):
            problems.append(f"{where}: nbval escape marker on a cell that times nothing")
    return problems
